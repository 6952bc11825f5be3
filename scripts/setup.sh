#!/usr/bin/env bash
# Make this checkout ready to run, installing only what is missing: WordNet 3.0 and Java (and with --browser,
# for the site's browser tests, Chromium with its driver) through apt (as root or with password-less sudo;
# otherwise one line says what to run), then .venv with lamm-bench and its [dev] extras (reinstalled when
# pyproject.toml or setup.py changes). `make demo` calls it, `make test` calls it with --browser.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -f /usr/share/wordnet/data.noun ] || [ -n "${LAMM_BENCH_WORDNET:-}" ] || need+=(wordnet-base)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
if [ "${1:-}" = --browser ]; then                          # the site's browser tests (tests/site) drive it headless
  [ -x /usr/bin/chromium ] || need+=(chromium)
  [ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "lamm-bench setup: missing ${need[*]} (WordNet for the paper's synonym matching, Java for the COCO caption" \
         "metrics, Chromium for the site's browser tests): run 'sudo apt-get install ${need[*]}', then run this again" >&2
    exit 2
  fi
  echo "installing ${need[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -q "${need[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || { echo "creating .venv"; "${PYTHON:-python3}" -m venv .venv; }
stamp=.venv/.lamm-bench-installed
want=$(cat pyproject.toml setup.py | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "installing lamm-bench[dev] into .venv (torch and the model libraries: a few minutes the first time)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$want" >"$stamp"
fi
