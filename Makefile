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
# (their first items: every run of a desideratum asks about the same few); then the leaderboard (README.md,
# chart.png, the site index.html with a prediction browser per model and task) in $(OUT). The models run as two
# processes at once, one thread each (the tiny models' small matrices keep two threads busy only part of the time):
# `lamm-tiny`, trained on first use, on the 2D tasks; and the four others, each on the tasks of its modality.
OTHERS = $(foreach m,lamm-tiny-base lamm3d-tiny lamm3d-tiny-base,--model-arg $(m):data_root=$(DATA))
TASKS_2D = lamm2d,lamm2d-chef,chef,chef-desiderata
LIMITS = --limit chef-desiderata=3 --limit desiderata3d=5
ONE_THREAD = OMP_NUM_THREADS=1
demo: setup
	$(LAMM_BENCH) data mini --out $(DATA)
	@echo "two runs at once, one thread each: lamm-tiny | lamm-tiny-base, lamm3d-tiny, lamm3d-tiny-base, dummy"
	$(ONE_THREAD) $(LAMM_BENCH) run --model lamm-tiny $(RUN) --model-arg data_root=$(DATA) \
		--task $(TASKS_2D) --limit chef-desiderata=3 --no-progress & first=$$!; \
	$(ONE_THREAD) $(LAMM_BENCH) run --model lamm-tiny-base,lamm3d-tiny,lamm3d-tiny-base,dummy $(RUN) $(OTHERS) \
		--task lamm,lamm2d-chef,lamm3d-chef,chef,chef-desiderata,desiderata3d $(LIMITS) --no-progress; second=$$?; \
	wait $$first; first=$$?; test $$first -eq 0 -a $$second -eq 0
	$(LAMM_BENCH) leaderboard --out $(OUT) --data-root $(DATA)

# The test suite: offline, CPU only (what .ci/run runs).
test:
	@bash scripts/setup.sh --browser
	HF_HUB_OFFLINE=1 .venv/bin/python -m pytest -q -p no:cacheprovider
