"""Transfer track records: how well a model, or its architecture family, fine-tuned on
published targets (the ``track_record`` prior component, advisor/ranking/priors.py).

    python benchmarks/track_record.py      # rewrite catalog/data/track_record.json

A record is a mean **relative fine-tuned accuracy**: on each target, a model's accuracy
divided by the best accuracy among that table's candidates, averaged over targets.

* Family records (shipped): every (model, target) row whose model is a published
  ImageNet-trained network of a known family, from the Keras-zoo table (Agostinelli et al.
  2022: 19 Keras Applications models, 9 targets, fine-tuned accuracy) and the PARC oracles
  (Bolya et al. 2021: the ImageNet-trained sources, 6 targets). The mean is taken per table
  first, then over the tables, so the table with more rows does not decide alone.
* Model records (benchmarks only): the same model's relative accuracy on the other targets
  of its own table. The catalog's models are not the tables' checkpoints, so none ships.

Benchmarks call ``records(..., exclude=...)`` with the held-out target (and, for
leave-one-table-out, the held-out table) left out: no record ever uses the data it ranks.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd

from advisor.ranking.priors import TRACK_RECORD_FILE, load_track_record

# Tables whose rows may build family records: published fine-tuning results of published
# ImageNet networks (the zoo's own runs are benchmark data, not a published record).
FAMILY_SOURCES = ("keras_zoo", "parc")
# Catalog family -> record family (same architecture line, names as the catalog spells them).
ALIASES = {
    "mobilenetv2": "mobilenet",
    "mobilenetv3": "mobilenet",
    "resnet-d": "resnet",
    "inception": "googlenet",
}
CITATIONS = {
    "keras_zoo": "Agostinelli et al., How stable are Transferability Metrics evaluations?, "
    "ECCV 2022; google-research stable_transfer source_model_architectures_table"
    ".csv (fine-tuned, Trainable Backbone == True)",
    "parc": "Bolya et al., Scalable Diverse Model Selection for Accessible Transfer Learning, "
    "NeurIPS 2021; dbolya/parc oracles/all.csv (ImageNet-trained sources)",
}


def relative_rows(tables: Mapping[str, list]) -> pd.DataFrame:
    """One row per (table, target, model): relative accuracy and the model's family."""
    rows = []
    for table, targets in tables.items():
        for target in targets:
            acc = target.accuracy.dropna()
            if acc.empty or not acc.max() > 0:
                continue
            for model, value in (acc / acc.max()).items():
                entry = target.entries.get(model)
                family = str(getattr(entry, "family", "") or "")
                rows.append(
                    {
                        "table": table,
                        "target": target.name,
                        "model": str(model),
                        "family": family,
                        "relative": float(value),
                    }
                )
    return pd.DataFrame(rows, columns=["table", "target", "model", "family", "relative"])


def records(
    rows: pd.DataFrame,
    *,
    exclude: Iterable[tuple[str, str]] = (),
    exclude_tables: Iterable[str] = (),
    models: bool = True,
) -> dict:
    """Track records from ``rows`` without the (table, target) pairs in ``exclude`` and the
    tables in ``exclude_tables``; the mapping ``priors.prior_components`` takes."""
    drop = set(map(tuple, exclude))
    keep = ~rows["table"].isin(set(exclude_tables))
    if drop:
        keep &= ~pd.Series(
            list(zip(rows["table"], rows["target"], strict=True)), index=rows.index
        ).isin(drop)
    kept = rows[keep]
    out = {"models": {}, "families": {}, "aliases": dict(ALIASES)}
    if models:
        # Model records are namespaced by table so two tables' ids never mix.
        per_model = kept.groupby(["table", "model"])["relative"].mean()
        out["models"] = {model: float(v) for (table, model), v in per_model.items()}
    fam = kept[kept["table"].isin(FAMILY_SOURCES) & (kept["family"] != "")]
    if not fam.empty:
        per_table = fam.groupby(["family", "table"])["relative"].mean()
        out["families"] = per_table.groupby(level="family").mean().astype(float).to_dict()
    return out


def shipped(tables: Mapping[str, list]) -> dict:
    """The catalog/data/track_record.json document: family records from every published row."""
    rows = relative_rows({k: v for k, v in tables.items() if k in FAMILY_SOURCES})
    fam = rows[rows["family"] != ""]
    rec = records(rows, models=False)
    families = {}
    for family, value in sorted(rec["families"].items()):
        block = fam[fam["family"] == family]
        families[family] = {
            "value": round(value, 6),
            "targets": int(block[["table", "target"]].drop_duplicates().shape[0]),
            "models": sorted(block["model"].unique()),
            "tables": sorted(block["table"].unique()),
        }
    return {
        "version": 1,
        "families": families,
        "aliases": ALIASES,
        "models": {},
        "provenance": {
            "summary": "mean relative fine-tuned accuracy (accuracy / best accuracy on the "
            "target), averaged per table then over tables; "
            "python benchmarks/track_record.py",
            "sources": {t: CITATIONS[t] for t in sorted(set(rows["table"]))},
            "applies_to": "catalog entries whose family (or its alias) has a record and that "
            "are the published pretrained network (have an ImageNet top-1); "
            "every other entry gets no credit and no penalty",
            "text_encoders": "none: the mteb wheel (2.26.24) ships task and model metadata "
            "but no results (mteb downloads them from GitHub at run time)",
            "built_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    }


def main() -> int:
    from advisor.atomic import write_json
    from benchmarks.tables import all_tables

    write_json(TRACK_RECORD_FILE, shipped(all_tables()))
    load_track_record.cache_clear()
    print(f"wrote {TRACK_RECORD_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
