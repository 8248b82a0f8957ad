"""Generate catalog/entries/timm.toml from timm's published results tables.

    python catalog/tools/build_timm_entries.py [--data ../shared/data/timm-results] [--output FILE]

Where each fact comes from:

* ``imagenet_top1``, ``params_m``, ``input_size`` and the eval crop / interpolation (in
  ``notes``): ``results-imagenet.csv`` (timm's ImageNet-1k validation results), the row at
  the weights' native size (timm ``pretrained_cfg.input_size``), else the smallest size;
* ``gmacs`` and ``cpu_latency_ms`` (batch-1 step time on an i7-12700H, fp32, torch.compile):
  ``benchmark-infer-fp32-nchw-pt240-cpu-i7_12700h-dynamo.csv``, joined on (architecture,
  size) as that folder's README prescribes; left empty when no row has that size;
* ``pretraining_data``: the pretrained tag (``augreg_in21k_ft_in1k`` -> in21k), the
  upstream-most dataset it names (``DATASET_TOKENS``); ``model_metadata-in1k.csv`` is only
  a fallback for tags that name no dataset (it is from 2022 and per architecture);
* ``licence``, ``hub_id``, and whether an ImageNet-1k head exists (``has_source_head``):
  timm's own ``pretrained_cfg`` for the tag (mirrors the weights' Hugging Face model card);
* ``embed_dim``: the width of ``forward_head(pre_logits=True)``, from building the
  architecture on the ``meta`` device (no weights, no memory);
  these timm facts are kept in ``timm_facts.json`` (computed once per model; refresh with
  ``--refresh-timm-facts``), so a rebuild reads only files;
* ``family`` and ``year`` (the architecture's paper, arXiv year): the tables below.

Weights without an ImageNet classifier (DINOv2, CLIP image towers) are not in the results
table; their size and cost come from the benchmark table and the meta-built model, and they
have no top-1 and no source head.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A build tool run from the repository, not part of the catalog package: it may use the
# advisor's one atomic writer (re-exported under its old name for the sibling tools).
sys.path.insert(0, str(ROOT))
from advisor.atomic import write_text as write_atomically  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "timm-results"
DEFAULT_OUTPUT = ROOT / "catalog" / "entries" / "timm.toml"
CPU_BENCHMARK = "benchmark-infer-fp32-nchw-pt240-cpu-i7_12700h-dynamo.csv"
# What timm itself says about each model (embed_dim, licence...), computed once with timm
# (--refresh-timm-facts) and kept here, so regenerating the catalog needs no torch.
FACTS_FILE = Path(__file__).resolve().parent / "timm_facts.json"

# (timm "arch.tag", family). Chosen to span families and sizes (tiny to large).
MODELS = [
    ("resnet18.a1_in1k", "resnet"),
    ("resnet34.a1_in1k", "resnet"),
    ("resnet50.a1_in1k", "resnet"),
    ("resnet50.fb_swsl_ig1b_ft_in1k", "resnet"),
    ("resnet101.a1h_in1k", "resnet"),
    ("resnet152.a1h_in1k", "resnet"),
    ("resnet50d.ra2_in1k", "resnet-d"),
    ("resnext50_32x4d.a1h_in1k", "resnext"),
    ("seresnext50_32x4d.racm_in1k", "resnext"),
    ("efficientnet_b0.ra_in1k", "efficientnet"),
    ("efficientnet_b2.ra_in1k", "efficientnet"),
    ("efficientnet_b3.ra2_in1k", "efficientnet"),
    ("tf_efficientnet_b4.ns_jft_in1k", "efficientnet"),
    ("efficientnetv2_rw_s.ra2_in1k", "efficientnetv2"),
    ("tf_efficientnetv2_s.in21k_ft_in1k", "efficientnetv2"),
    ("tf_efficientnetv2_m.in21k_ft_in1k", "efficientnetv2"),
    ("mobilenetv3_small_100.lamb_in1k", "mobilenetv3"),
    ("mobilenetv3_large_100.ra_in1k", "mobilenetv3"),
    ("mobilenetv3_large_100.miil_in21k_ft_in1k", "mobilenetv3"),
    ("mobilenetv4_conv_small.e2400_r224_in1k", "mobilenetv4"),
    ("mobilenetv4_conv_medium.e500_r256_in1k", "mobilenetv4"),
    ("mobilenetv4_hybrid_medium.ix_e550_r256_in1k", "mobilenetv4"),
    ("convnext_atto.d2_in1k", "convnext"),
    ("convnext_tiny.in12k_ft_in1k", "convnext"),
    ("convnext_small.fb_in22k_ft_in1k", "convnext"),
    ("convnext_base.clip_laion2b_augreg_ft_in12k_in1k", "convnext"),
    ("convnextv2_atto.fcmae_ft_in1k", "convnextv2"),
    ("convnextv2_nano.fcmae_ft_in22k_in1k", "convnextv2"),
    ("convnextv2_tiny.fcmae_ft_in22k_in1k", "convnextv2"),
    ("vit_tiny_patch16_224.augreg_in21k_ft_in1k", "vit"),
    ("vit_small_patch16_224.augreg_in1k", "vit"),
    ("vit_small_patch16_224.augreg_in21k_ft_in1k", "vit"),
    ("vit_base_patch32_224.augreg_in21k_ft_in1k", "vit"),
    ("vit_base_patch16_224.augreg2_in21k_ft_in1k", "vit"),
    ("vit_large_patch16_224.augreg_in21k_ft_in1k", "vit"),
    ("vit_base_patch32_clip_224.laion2b_ft_in1k", "clip-vit"),
    ("vit_base_patch16_clip_224.laion2b_ft_in12k_in1k", "clip-vit"),
    ("vit_base_patch16_clip_224.openai_ft_in1k", "clip-vit"),
    ("vit_base_patch16_clip_224.laion2b", "clip-vit"),
    ("deit_tiny_patch16_224.fb_in1k", "deit"),
    ("deit_small_patch16_224.fb_in1k", "deit"),
    ("deit_base_patch16_224.fb_in1k", "deit"),
    ("deit3_small_patch16_224.fb_in22k_ft_in1k", "deit3"),
    ("deit3_base_patch16_224.fb_in22k_ft_in1k", "deit3"),
    ("regnety_008.pycls_in1k", "regnet"),
    ("regnety_016.tv2_in1k", "regnet"),
    ("regnety_032.ra_in1k", "regnet"),
    ("regnety_040.ra3_in1k", "regnet"),
    ("regnetx_032.tv2_in1k", "regnet"),
    ("swin_tiny_patch4_window7_224.ms_in1k", "swin"),
    ("swin_small_patch4_window7_224.ms_in22k_ft_in1k", "swin"),
    ("swin_base_patch4_window7_224.ms_in22k_ft_in1k", "swin"),
    ("swinv2_tiny_window8_256.ms_in1k", "swinv2"),
    ("eva02_tiny_patch14_336.mim_in22k_ft_in1k", "eva02"),
    ("eva02_small_patch14_336.mim_in22k_ft_in1k", "eva02"),
    ("eva02_base_patch14_448.mim_in22k_ft_in22k_in1k", "eva02"),
    ("vit_small_patch14_dinov2.lvd142m", "dinov2"),
    ("vit_small_patch14_reg4_dinov2.lvd142m", "dinov2"),
    ("vit_base_patch14_dinov2.lvd142m", "dinov2"),
    ("beit_base_patch16_224.in22k_ft_in22k_in1k", "beit"),
    ("beitv2_base_patch16_224.in1k_ft_in22k_in1k", "beitv2"),
    ("maxvit_nano_rw_256.sw_in1k", "maxvit"),
    ("maxvit_tiny_tf_224.in1k", "maxvit"),
    ("coatnet_0_rw_224.sw_in1k", "coatnet"),
    ("efficientformer_l1.snap_dist_in1k", "efficientformer"),
    ("efficientformerv2_s1.snap_dist_in1k", "efficientformerv2"),
    ("levit_128s.fb_dist_in1k", "levit"),
    ("levit_256.fb_dist_in1k", "levit"),
    ("fastvit_t8.apple_in1k", "fastvit"),
    ("mobilevitv2_100.cvnets_in1k", "mobilevitv2"),
    ("edgenext_small.usi_in1k", "edgenext"),
    ("tiny_vit_5m_224.dist_in22k_ft_in1k", "tinyvit"),
    ("ghostnetv2_100.in1k", "ghostnetv2"),
    ("efficientvit_b1.r224_in1k", "efficientvit"),
    ("repvit_m1_1.dist_450e_in1k", "repvit"),
    ("caformer_s18.sail_in22k_ft_in1k", "metaformer"),
    ("inception_next_tiny.sail_in1k", "inceptionnext"),
]

# Year of the architecture's paper on arXiv.
FAMILY_YEAR = {
    "resnet": 2015,
    "resnet-d": 2018,
    "resnext": 2016,
    "efficientnet": 2019,
    "efficientnetv2": 2021,
    "mobilenetv3": 2019,
    "mobilenetv4": 2024,
    "convnext": 2022,
    "convnextv2": 2023,
    "vit": 2020,
    "clip-vit": 2021,
    "deit": 2020,
    "deit3": 2022,
    "regnet": 2020,
    "swin": 2021,
    "swinv2": 2021,
    "eva02": 2023,
    "dinov2": 2023,
    "beit": 2021,
    "beitv2": 2022,
    "maxvit": 2022,
    "coatnet": 2021,
    "efficientformer": 2022,
    "efficientformerv2": 2022,
    "levit": 2021,
    "fastvit": 2023,
    "mobilevitv2": 2022,
    "edgenext": 2022,
    "tinyvit": 2022,
    "ghostnetv2": 2022,
    "efficientvit": 2022,
    "repvit": 2023,
    "metaformer": 2022,
    "inceptionnext": 2023,
}

# Tag token -> pretraining data, checked in tag order: the first one found is the upstream
# (pretraining) data; the later ones are fine-tuning stages.
DATASET_TOKENS = {
    "lvd142m": "lvd142m",
    "laion2b": "laion2b",
    "laiona": "laion-aesthetic",
    "openai": "wit400m",
    "m38m": "merged-38m",
    "ig1b": "ig1b",
    "jft": "jft300m",
    "in22k": "in22k",
    "in21k": "in21k",
    "in12k": "in12k",
    "in1k": "in1k",
}
# Shorthand in notes for how the weights were trained.
TAG_HINTS = {
    "mim": "masked-image-modelling pretraining",
    "fcmae": "FCMAE self-supervised pretraining",
    "dist": "distilled",
    "swsl": "semi-weakly supervised",
    "ns": "Noisy Student",
    "laion2b": "CLIP on LAION-2B",
    "laiona": "CLIP on LAION-Aesthetic",
    "openai": "CLIP on OpenAI WIT-400M",
    "lvd142m": "DINOv2 self-supervised",
}


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def number(text: str) -> float:
    return float(text.replace(",", ""))  # a few rows write "1,014.45"


def pretraining_data(tag: str, arch: str, metadata: dict[str, str]) -> str:
    tokens = tag.replace("-", "_").split("_")
    for token in tokens:
        for key, name in DATASET_TOKENS.items():
            if token == key or (key in ("jft", "ig1b") and token.startswith(key)):
                return name
    if arch in metadata:
        return metadata[arch]
    raise SystemExit(f"cannot tell the pretraining data of {arch}.{tag}; extend DATASET_TOKENS")


def timm_facts(name: str) -> dict:
    """What only timm knows about one set of weights: built on the meta device (no memory)."""
    import timm
    import torch
    from timm.models import get_pretrained_cfg

    cfg = get_pretrained_cfg(name)
    if cfg is None:
        raise SystemExit(f"timm {timm.__version__} does not know {name}")
    cfg = cfg.to_dict()
    with torch.device("meta"):
        model = timm.create_model(name, pretrained=False)
    if not cfg.get("license"):
        raise SystemExit(f"timm's pretrained_cfg for {name} names no licence")
    return {
        "native_size": int(cfg["input_size"][-1]),
        "embed_dim": int(getattr(model, "head_hidden_size", None) or model.num_features),
        "params_m": round(sum(p.numel() for p in model.parameters()) / 1e6, 4),
        "head_classes": int(cfg.get("num_classes") or 0),
        "licence": cfg["license"],
        "hub_id": cfg.get("hf_hub_id") or f"timm/{name}",
    }


def load_facts(refresh: bool = False) -> dict[str, dict]:
    """timm facts for every model in MODELS, from FACTS_FILE; missing ones (or all, with
    ``refresh``) are computed with timm and the file is rewritten."""
    facts = {} if refresh or not FACTS_FILE.is_file() else json.loads(FACTS_FILE.read_text())
    missing = [name for name, _ in MODELS if name not in facts]
    if missing:
        facts.update({name: timm_facts(name) for name in missing})
        facts = {name: facts[name] for name, _ in MODELS}
        write_atomically(FACTS_FILE, json.dumps(facts, indent=1, sort_keys=True) + "\n")
    return facts


def build_entries(data_dir: Path, facts: dict[str, dict] | None = None) -> list[dict]:
    facts = facts if facts is not None else load_facts()
    results = defaultdict(list)
    for row in read_csv(data_dir / "results-imagenet.csv"):
        results[row["model"]].append(row)
    bench = {(r["model"], int(r["infer_img_size"])): r for r in read_csv(data_dir / CPU_BENCHMARK)}
    metadata = {r["model"]: r["pretrain"] for r in read_csv(data_dir / "model_metadata-in1k.csv")}

    entries = []
    for name, family in MODELS:
        arch, tag = name.split(".", 1)
        known = facts[name]
        native = known["native_size"]
        embed_dim = known["embed_dim"]
        meta_params = known["params_m"]
        head_classes = known["head_classes"]
        has_head = head_classes == 1000 and tag.endswith("in1k")

        rows = sorted(results.get(name, []), key=lambda r: int(r["img_size"]))
        row = next((r for r in rows if int(r["img_size"]) == native), rows[0] if rows else None)
        notes = []
        if row is not None:
            size = int(row["img_size"])
            params = number(row["param_count"])
            top1 = round(number(row["top1"]), 3)
            notes.append(
                f"ImageNet eval at {size}px, crop {row['crop_pct']}, {row['interpolation']}"
            )
            if abs(params - meta_params) > 0.02 * params:
                raise SystemExit(
                    f"{name}: results say {params}M params, timm builds {meta_params:.2f}M"
                )
        else:  # no ImageNet classifier: no results row
            size, params, top1 = native, round(meta_params, 2), None
            notes.append(f"no ImageNet-1k classifier head ({head_classes or 'no'} outputs)")
        timing = bench.get((arch, size))
        if timing is None:
            notes.append(f"no CPU benchmark row at {size}px")
        hints = sorted(
            {hint for key, hint in TAG_HINTS.items() if key in tag.split("_") or key in tag}
        )
        notes.append(f"tag {tag}" + (f": {', '.join(hints)}" if hints else ""))
        licence = known["licence"]
        entries.append(
            {
                "id": name,
                "modality": "image",
                "source": "timm",
                "architecture": arch,
                "params_m": round(params, 2),
                "gmacs": number(timing["infer_gmacs"]) if timing else None,
                "input_size": size,
                "embed_dim": embed_dim,
                "imagenet_top1": top1,
                "pretraining_data": pretraining_data(tag, arch, metadata),
                "licence": licence,
                "has_source_head": has_head,
                "num_source_classes": 1000 if has_head else None,
                "family": family,
                "hub_id": known["hub_id"],
                "cpu_latency_ms": round(number(timing["infer_step_time"]), 2) if timing else None,
                "year": FAMILY_YEAR[family],
                "notes": "; ".join(notes),
            }
        )
    return entries


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


HEADER = (
    "# GENERATED by catalog/tools/build_timm_entries.py from ../shared/data/timm-results/\n"
    "# (timm results tables, Apache-2.0). Do not edit by hand: change the script and rerun.\n"
    "# Fields: see docs/catalog.md. Sources of each fact: the script's docstring."
)


def render(entries: list[dict], header: str = HEADER) -> str:
    lines = header.splitlines()
    for entry in entries:
        lines.append("")
        lines.append("[[model]]")
        for key, value in entry.items():
            if value is not None:
                lines.append(f"{key} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="timm-results folder")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--refresh-timm-facts",
        action="store_true",
        help=f"recompute {FACTS_FILE.name} with the installed timm",
    )
    args = parser.parse_args(argv)
    text = render(build_entries(args.data, load_facts(refresh=args.refresh_timm_facts)))
    write_atomically(args.output, text)
    print(f"wrote {text.count('[[model]]')} entries to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
