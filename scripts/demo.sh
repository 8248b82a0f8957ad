#!/usr/bin/env bash
# README command 1: install, then rank the offline pretrained backbones on the built-in
# `digits` dataset and print the ranking as a table.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup_env.sh" offline
"${ADVISOR_VENV:-$root/.venv}/bin/advisor" rank digits "$@"
