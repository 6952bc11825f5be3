#!/usr/bin/env bash
# The prepared GPU check (issue #12): one unattended run on one H100/H200, no network, under 8 minutes.
#
#   bash benchmarks/gpu.sh [--dry-run] [--budget SECONDS] [--only SECTION,...] [OUT_DIR]
#
# Writes OUT_DIR/gpu.json (every figure), OUT_DIR/gpu.md (tables) and OUT_DIR/gpu.log (each section's output tail);
# OUT_DIR defaults to benchmarks/out. Sections and what they measure: benchmarks/gpu_bench.py and
# docs/performance.md ("GPU"). Random weights in the real shapes; nothing is downloaded.
#
# A GPU run first makes the environment offline-ready: wheels carried in .whl/ (git-ignored) are installed into
# /tmp only when their distribution is missing, lamm-bench itself is installed (no deps, no index) into /tmp, and a
# carried DeepSpeed sdist is built in the background (DS_BUILD_OPS=0) while the other sections run.
# --dry-run skips all of that and runs every step at tiny size on the CPU with the current interpreter.
set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
DRY=""
OUT="$REPO/benchmarks/out"
BUDGET=465
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY="--dry-run"; BUDGET=240 ;;
    --budget) BUDGET="$2"; shift ;;
    --only) EXTRA+=(--only "$2"); shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    -*) echo "gpu.sh: unknown option $1" >&2; exit 2 ;;
    *) OUT="$1" ;;
  esac
  shift
done
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1
mkdir -p "$OUT"

setup() {
  local site=/tmp/gpu_bench_site lamm=/tmp/gpu_bench_lamm ds=/tmp/gpu_bench_ds
  if [ -d "$REPO/.whl" ]; then
    # Only wheels whose distribution is missing here: never shadow what the machine already has.
    local missing
    missing=$("$PY" - "$REPO/.whl" <<'EOF'
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

for wheel in sorted(Path(sys.argv[1]).glob("*.whl")):
    try:
        version(wheel.name.split("-")[0])
    except PackageNotFoundError:
        print(wheel)
EOF
)
    if [ -n "$missing" ]; then
      echo "installing carried wheels: $(echo $missing | xargs -n1 basename | tr '\n' ' ')"
      # shellcheck disable=SC2086
      if ! "$PY" -m pip install -q --no-index --no-deps --target "$site" $missing; then
        echo "WARNING: installing them together failed; one at a time:"
        for wheel in $missing; do
          "$PY" -m pip install -q --no-index --no-deps --target "$site" "$wheel" ||
            { echo "WARNING: pip failed on $wheel; unpacking it instead"; "$PY" -m zipfile -e "$wheel" "$site"; }
        done
      fi
    fi
    export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
  fi
  # lamm-bench itself (the package-dir mapping needs an install; no deps, no index, no build isolation).
  if ! "$PY" -m pip install -q --no-index --no-deps --no-build-isolation --target "$lamm" "$REPO"; then
    echo "WARNING: pip could not install lamm-bench; copying the package tree instead"
    rm -rf "$lamm" && mkdir -p "$lamm" && cp -r "$REPO/lamm_bench" "$lamm/"
    cp -r "$REPO/tasks" "$lamm/lamm_bench/tasks"
    cp -r "$REPO/model_adapters" "$lamm/lamm_bench/model_adapters"
    cp -r "$REPO/train" "$lamm/lamm_bench/train"
  fi
  export PYTHONPATH="$lamm:$PYTHONPATH"
  local sdist
  sdist=$(ls "$REPO"/.whl/deepspeed-*.tar.gz 2>/dev/null | head -1)
  if [ -n "$sdist" ] && ! "$PY" -c "import deepspeed" >/dev/null 2>&1; then
    echo "building $(basename "$sdist") in the background (DS_BUILD_OPS=0)"
    export GPU_BENCH_DS_RC=/tmp/gpu_bench_ds.rc
    rm -f "$GPU_BENCH_DS_RC"
    ( DS_BUILD_OPS=0 "$PY" -m pip install -q --no-index --no-deps --no-build-isolation --target "$ds" "$sdist" \
        >/tmp/gpu_bench_ds.log 2>&1; echo $? >"$GPU_BENCH_DS_RC"; tail -5 /tmp/gpu_bench_ds.log ) &
    export PYTHONPATH="$PYTHONPATH:$ds"  # last: visible once built, shadows nothing
  fi
  "$PY" -c "import lamm_bench.train, lamm_bench.model_adapters.lamm; print('lamm_bench importable')"
}

if [ -z "$DRY" ]; then
  export GPU_BENCH_SETUP_LOG=/tmp/gpu_bench_setup.log
  setup >"$GPU_BENCH_SETUP_LOG" 2>&1
  cat "$GPU_BENCH_SETUP_LOG"
  BUDGET=$((BUDGET - SECONDS))
fi
"$PY" "$REPO/benchmarks/gpu_bench.py" --out "$OUT" --budget "$BUDGET" $DRY ${EXTRA[@]+"${EXTRA[@]}"}
