"""The generated catalog files match what their scripts produce now (no hand edits, no drift)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "catalog" / "tools"
ENTRIES = ROOT / "catalog" / "entries"
SHARED = ROOT.parent / "shared" / "data" / "timm-results"


def regenerate(script: str, tmp_path: Path, *extra: str) -> str:
    out = tmp_path / "out.toml"
    subprocess.run(
        [sys.executable, str(TOOLS / script), "--output", str(out), *extra],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
    )
    return out.read_text(encoding="utf-8")


def tool(name: str):
    """Import a script from catalog/tools (they are scripts, not a package)."""
    sys.path.insert(0, str(TOOLS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(TOOLS))


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/timm-results is not here")
def test_timm_catalog_is_up_to_date(tmp_path):
    fresh = regenerate("build_timm_entries.py", tmp_path, "--data", str(SHARED))
    assert fresh == (ENTRIES / "timm.toml").read_text(encoding="utf-8"), (
        "timm.toml is stale: run python catalog/tools/build_timm_entries.py"
    )


# One model per kind of head: CNN, CNN with an MLP head, ViT, hybrid, no head, CLIP projection.
TIMM_SAMPLE = [
    "resnet50.a1_in1k",
    "mobilenetv3_large_100.ra_in1k",
    "convnext_atto.d2_in1k",
    "deit_tiny_patch16_224.fb_in1k",
    "levit_128s.fb_dist_in1k",
    "vit_small_patch14_dinov2.lvd142m",
    "vit_base_patch16_clip_224.laion2b",
]


def test_kept_timm_facts_match_timm():
    build = tool("build_timm_entries")
    kept = build.load_facts()
    assert set(kept) == {name for name, _ in build.MODELS}
    for name in TIMM_SAMPLE:
        assert build.timm_facts(name) == kept[name], (
            f"run build_timm_entries.py --refresh-timm-facts ({name})"
        )


def test_classic_catalog_is_up_to_date():
    if not SHARED.is_dir():  # the CPU latencies come from there
        pytest.skip("../shared/data/timm-results is not here")
    build = tool("build_classic_entries")
    fresh = build.render(build.build_entries(SHARED), header=build.HEADER)
    assert fresh == (ENTRIES / "classic.toml").read_text(encoding="utf-8"), (
        "classic.toml is stale: run python catalog/tools/build_classic_entries.py"
    )


def test_text_catalog_is_up_to_date(tmp_path):
    assert regenerate("build_text_entries.py", tmp_path) == (ENTRIES / "text.toml").read_text(
        encoding="utf-8"
    )


def test_text_gmacs_formula():
    gmacs = tool("build_text_entries").gmacs
    # BERT-base at 128 tokens: 12 * 128 * (4*768^2 + 2*768*3072) + 12 * 2 * 128^2 * 768 MACs
    assert gmacs(12, 768, 3072) == pytest.approx(11.17, abs=0.01)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/timm-results is not here")
def test_timm_facts_match_the_results_table():
    import csv

    from catalog import load_catalog

    with (SHARED / "results-imagenet.csv").open(newline="") as handle:
        rows = {(r["model"], int(r["img_size"])): r for r in csv.DictReader(handle)}
    checked = 0
    for entry in load_catalog():
        row = rows.get((entry.id, entry.input_size))
        if entry.source == "timm" and row is not None:
            assert entry.imagenet_top1 == pytest.approx(float(row["top1"])), entry.id
            assert entry.params_m == pytest.approx(float(row["param_count"].replace(",", ""))), (
                entry.id
            )
            checked += 1
    assert checked >= 40
