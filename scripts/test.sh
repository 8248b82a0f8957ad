#!/usr/bin/env bash
# README command 2 (and CI): install everything, then run the whole test suite.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# Built-in datasets that come from Debian packages; skipped when not root (tests then
# check the "not installed" message instead).
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    if [ ! -d /usr/share/datasets/fashion-mnist ] || [ ! -f /usr/share/wordnet/data.noun ]; then
        apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist wordnet-base >/dev/null
    fi
fi
bash "$root/scripts/setup_env.sh" all
cd "$root"
venv="${ADVISOR_VENV:-$root/.venv}"
# Lint and format first: a style slip fails in seconds, not after the whole suite.
"$venv/bin/ruff" check .
"$venv/bin/ruff" format --check .
"$venv/bin/python" -m pytest "$@"
