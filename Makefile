# The two commands of the README's quick start. Both set up what is missing first (scripts/setup.sh).
.PHONY: demo test setup

DATA ?= build/lamm-mini
OUT ?= leaderboard
LAMM_BENCH = HF_HUB_OFFLINE=1 .venv/bin/lamm-bench
RUN = --data-root $(DATA) --out $(OUT) --batch-size 64

setup:
	@bash scripts/setup.sh

# The main job on the embedded default: lamm-mini (real data from PyPI packages, every task), the built-in tiny
# LAMM models (trained by lamm-bench's own trainer on first use, cached), their untrained bases and `dummy`, on
# every task in both protocols and ChEF's scenarios (scored by likelihood), and on ChEF's desiderata and the 3D ones
# (their first items: every run of a desideratum asks about the same few), in one process (each model runs the
# tasks of its modality); then the leaderboard (README.md, chart.png, the site index.html with a prediction browser
# per model and task) in $(OUT).
TINY = $(foreach m,lamm-tiny lamm-tiny-base lamm3d-tiny lamm3d-tiny-base,--model-arg $(m):data_root=$(DATA))
demo: setup
	$(LAMM_BENCH) data mini --out $(DATA)
	$(LAMM_BENCH) run --model lamm-tiny,lamm-tiny-base,lamm3d-tiny,lamm3d-tiny-base,dummy $(RUN) $(TINY) \
		--task lamm,lamm2d-chef,lamm3d-chef,chef,chef-desiderata,desiderata3d \
		--limit chef-desiderata=3 --limit desiderata3d=5
	$(LAMM_BENCH) leaderboard --out $(OUT) --data-root $(DATA)

# The test suite: offline, CPU only (what .ci/run runs).
test:
	@bash scripts/setup.sh --browser
	HF_HUB_OFFLINE=1 .venv/bin/python -m pytest -q -p no:cacheprovider
