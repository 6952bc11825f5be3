# The two commands of the README's quick start. Both set up what is missing first (scripts/setup.sh).
.PHONY: demo test setup

DEMO ?= build/demo
LAMM_BENCH = HF_HUB_OFFLINE=1 .venv/bin/lamm-bench

setup:
	@bash scripts/setup.sh

# The main job on the embedded default: the mini benchmark, every task in both protocols, the leaderboard.
demo: setup
	$(LAMM_BENCH) data mini --out $(DEMO)/data
	$(LAMM_BENCH) run --model dummy --task lamm,lamm2d-chef,lamm3d-chef --data-root $(DEMO)/data --out $(DEMO)
	$(LAMM_BENCH) leaderboard --out $(DEMO)

# The test suite: offline, CPU only (what .ci/run runs).
test: setup
	HF_HUB_OFFLINE=1 .venv/bin/python -m pytest -q -p no:cacheprovider
