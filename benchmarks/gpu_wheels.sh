#!/usr/bin/env bash
# Fill .whl/ (git-ignored) with the wheels a lent GPU machine lacks, for `benchmarks/gpu.sh` to install offline
# there: Python 3.12, x86-64 manylinux. Run it here (PyPI is reachable here, not there), then pass
# carry=[".whl"] to the GPU run. About 20 MB. DeepSpeed ships no wheel: it is built here from its sdist
# (DS_BUILD_OPS=0, pure Python; its CUDA ops are compiled just in time on the GPU machine if ever needed).
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=.whl
mkdir -p "$DEST"
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
PY=${PY:-.venv/bin/python}
# What the GPU image lacks (see the device notes): open_clip and its text deps, nltk, jsonlines, trimesh,
# torchvision for open_clip's transforms, protobuf (SentencePiece -> HF tokenizer), DeepSpeed's pure-Python deps.
WHEELS=(
  open_clip_torch==3.3.0 ftfy==6.3.1 wcwidth==0.9.4 regex==2026.11.19 nltk==3.10.4 jsonlines==4.0.0
  trimesh==5.2.0 torchvision==0.26.0 protobuf==7.36.2 einops==0.8.2 msgpack==1.2.4 hjson==3.1.0
  py_cpuinfo==9.0.0 pydantic==2.14.4 pydantic_core==2.50.5 annotated_types==0.8.0 typing_extensions==4.16.0
  typing_inspection==0.4.5
)
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  --platform any -d "$DEST" "${WHEELS[@]}"
if ! ls "$DEST"/deepspeed-*.whl >/dev/null 2>&1; then
  DS_BUILD_OPS=0 "$PY" -m pip wheel -q --no-deps --no-build-isolation -w "$DEST" deepspeed==0.19.8
fi
du -sh "$DEST"
