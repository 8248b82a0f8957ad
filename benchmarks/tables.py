"""Load the published transferability tables as one candidate x probe frame per target.

* Keras model zoo (Agostinelli et al., ECCV 2022; Apache-2.0, copied byte-identical into
  benchmarks/data/keras-zoo-transferability.csv): 19 ImageNet Keras models x 9 targets, probe
  scores (gbc, leep, nleep, logme, hscore) and fine-tuned accuracy (Trainable Backbone ==
  True). ImageNet top-1 and parameter counts of those models: benchmarks/data/
  keras_imagenet_top1.csv, from the Keras Applications documentation
  (https://keras.io/api/applications/; MobileNetV3 is MobileNetV3Large, per the paper's
  networks.py, top-1 from https://keras.io/api/applications/mobilenet/#mobilenetv3large).
* Keras source-datasets table (same paper and licence; semantic segmentation: 16 source
  models per target, mean IoU after transfer, the same five probe scores): read from
  ../shared/data/transfer-tables when present.
* PARC oracles (Bolya et al., NeurIPS 2021): no licence, so never copied into the repo; read
  from ../shared/data/transfer-tables when present. Fine-tuned accuracy only, no probe scores.
* The real offline zoo (benchmarks/results/zoo-full.json): the advisor's own probe scores and
  fine-tuned test accuracy for 5-6 candidates on 4 datasets.

``all_tables()`` returns every table present as {name: [Target, ...]}.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from catalog import Entry

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
KERAS_TABLE = DATA / "keras-zoo-transferability.csv"
KERAS_TOP1 = DATA / "keras_imagenet_top1.csv"
SHARED = HERE.parent.parent / "shared" / "data" / "transfer-tables"
PARC_CONTROLLED = SHARED / "parc-oracles-controlled.csv"
PARC_ALL = SHARED / "parc-oracles-all.csv"
KERAS_SEGMENTATION = SHARED / "keras-source-datasets-transferability.csv"
ZOO_RESULTS = HERE / "results" / "zoo-full.json"
KERAS_PROBES = ("gbc", "hscore", "leep", "logme", "nleep")

# Architecture families: the key of the track-record prior (catalog/data/track_record.json).
_FAMILY = {
    "vgg": "vgg",
    "resnet": "resnet",
    "densenet": "densenet",
    "mobilenet": "mobilenet",
    "efficientnet": "efficientnet",
    "nasnet": "nasnet",
    "xception": "xception",
}


@dataclass
class Target:
    """One target dataset of a published table."""

    name: str
    scores: pd.DataFrame  # candidate x probe (may have no columns: PARC)
    accuracy: pd.Series  # candidate -> fine-tuned accuracy (fraction or percent)
    entries: dict  # candidate -> Entry (for the prior)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def keras_entries() -> dict[str, Entry]:
    table = pd.read_csv(KERAS_TOP1, index_col="model")
    entries = {}
    for model, row in table.iterrows():
        family = next((f for k, f in _FAMILY.items() if model.startswith(k)), model)
        entries[model] = Entry(
            id=f"keras/{row.keras_application}",
            modality="image",
            source="local",
            architecture=row.keras_application,
            params_m=float(row.params_m),
            imagenet_top1=float(row.imagenet_top1),
            pretraining_data="in1k",
            family=family,
            notes="Keras Applications model (published benchmark only)",
        )
    return entries


def keras_targets(trainable_backbone: bool = True) -> list[Target]:
    """The 9 targets of the Keras zoo table; fine-tuned (True) or linear-probe (False)."""
    raw = pd.read_csv(KERAS_TABLE, index_col=0)
    rows = raw[raw["Trainable Backbone"] == trainable_backbone]
    entries = keras_entries()
    targets = []
    for name, block in rows.groupby("Target Dataset", sort=True):
        scores, accuracy = _keras_block(block, "Source Architecture", "Test Accuracy")
        targets.append(Target(name, scores, accuracy, {m: entries[m] for m in scores.index}))
    return targets


def _keras_block(block: pd.DataFrame, source: str, outcome: str):
    """One target's rows of a Keras table: (source x probe scores, the outcome per source)."""
    scores = block.pivot_table(
        index=source,
        columns="Transferability Metric",
        values="Transferability Metric Score",
        aggfunc="first",
    )
    scores = scores[list(KERAS_PROBES)].sort_index()
    scores.columns.name = None
    return scores, block.groupby(source)[outcome].first().reindex(scores.index)


# Source datasets of PARC's controlled set: training-set sizes from the dataset papers.
PARC_SOURCE_SIZES = {
    "imagenet": 1_281_167,
    "nabird": 48_562,
    "cifar10": 50_000,
    "stanford_dogs": 12_000,
    "caltech101": 9_146,
    "cub200": 5_994,
    "voc2007": 5_011,
    "oxford_pets": 3_680,
}
# torchvision ImageNet top-1 / params (M) of PARC's architectures (torchvision model docs).
PARC_ARCH = {
    "resnet50": (76.13, 25.6),
    "resnet18": (69.76, 11.7),
    "resnet101": (77.37, 44.5),
    "googlenet": (69.78, 6.6),
    "alexnet": (56.52, 61.1),
}
PARC_FAMILY = {
    "resnet50": "resnet",
    "resnet18": "resnet",
    "resnet101": "resnet",
    "googlenet": "googlenet",
    "alexnet": "alexnet",
}
# PARC's metrics.py forces these self-supervised sources out of its "all" evaluation.
PARC_EXCLUDED_SOURCES = (
    "swav_imagenet",
    "deepclusterv2_imagenet",
    "npid_imagenet",
    "moco_imagenet",
    "simclr_imagenet",
)
# voc2007 is multi-label and outside PARC's own benchmark (constants.py), so it is left out.
PARC_TARGETS = ("caltech101", "cifar10", "cub200", "nabird", "oxford_pets", "stanford_dogs")


def parc_targets(which: str = "controlled") -> list[Target]:
    """PARC oracles, one Target per target dataset of PARC's benchmark (6; no voc2007).

    ``which="controlled"``: 32 models (4 architectures x 8 source datasets). ``"all"``: also
    the crowd-sourced checkpoints, minus PARC's excluded self-supervised sources and the
    -1 sentinels. There are no probe scores; the prior can still be evaluated. ImageNet top-1
    counts only for ImageNet-trained sources; the data scale is known for the controlled
    sources only. A model's ``family`` (the track-record key) is its architecture family
    only for ImageNet-trained sources, the published networks the family record describes.
    Returns [] when the shared copy is absent (it is not redistributed with the repo).
    """
    path = PARC_ALL if which == "all" else PARC_CONTROLLED
    if not path.exists():
        return []
    raw = pd.read_csv(path).dropna(how="all")
    raw = raw[
        (raw["Oracle"] > 0)
        & raw["Target Dataset"].isin(PARC_TARGETS)
        & ~raw["Source Dataset"].isin(PARC_EXCLUDED_SOURCES)
    ]
    raw = raw.drop_duplicates(["Architecture", "Source Dataset", "Target Dataset"])
    targets = []
    for name, block in raw.groupby("Target Dataset", sort=True):
        ids = [
            f"{a}/{s}" for a, s in zip(block["Architecture"], block["Source Dataset"], strict=True)
        ]
        accuracy = pd.Series(block["Oracle"].to_numpy(float), index=ids)
        entries = {}
        for cid, arch, source in zip(
            ids, block["Architecture"], block["Source Dataset"], strict=True
        ):
            top1, params = PARC_ARCH[arch]
            size = PARC_SOURCE_SIZES.get(source)
            entries[cid] = Entry(
                id=cid,
                modality="image",
                source="local",
                architecture=arch,
                params_m=params,
                imagenet_top1=top1 if source == "imagenet" else None,
                pretraining_data=f"{size / 1e3:g}k images" if size else "unknown",
                family=PARC_FAMILY[arch] if source == "imagenet" else "",
            )
        targets.append(Target(name, pd.DataFrame(index=ids), accuracy, entries))
    return targets


def segmentation_targets() -> list[Target]:
    """The Keras source-datasets table: 17 segmentation targets x 16 source models.

    Ground truth is the mean IoU after transfer; the probes are the table's five scores.
    The candidates are source datasets (one segmentation model each), so there is no
    ImageNet top-1, family or known corpus size: the only prior is a model's own track
    record on the other targets. Returns [] when the shared copy is absent.
    """
    if not KERAS_SEGMENTATION.exists():
        return []
    raw = pd.read_csv(KERAS_SEGMENTATION, index_col=0)
    targets = []
    for name, block in raw.groupby("Target Dataset", sort=True):
        scores, accuracy = _keras_block(block, "Source Dataset", "Test Mean IoU")
        entries = {
            m: Entry(
                id=m,
                modality="image",
                source="local",
                architecture="segmenter",
                notes="segmentation model (published benchmark only)",
            )
            for m in scores.index
        }
        targets.append(Target(name, scores, accuracy, entries))
    return targets


def zoo_entry(candidate: str):
    """The catalog Entry of a zoo candidate, controls included (as benchmarks/zoo_controls.py
    builds them: no ImageNet top-1 for a random or truncated network, no pretraining for a
    random one); None when the catalog does not know the base model."""
    import dataclasses

    from catalog import load_catalog

    base_id, _, control = candidate.partition("+")
    catalog = load_catalog()
    if base_id not in catalog:  # an id the catalog no longer has: fused on probes only
        return None
    base = catalog.get(base_id)
    if not control:
        return base
    changes = {"id": candidate, "notes": f"control: {control}"}
    if control == "random-init":
        changes.update(imagenet_top1=None, pretraining_data="none", has_source_head=False)
    elif control.endswith("-stages"):
        changes.update(imagenet_top1=None, has_source_head=False)
    return dataclasses.replace(base, **changes)


def zoo_targets(path: Path = ZOO_RESULTS) -> list[Target]:
    """The real offline zoo: the advisor's probe scores (its ranking on 500 examples) and the
    fine-tuned test accuracy of each candidate, per dataset. [] when the results are absent."""
    if not path.exists():
        return []
    import json

    raw = json.loads(path.read_text())
    targets = []
    for name, block in sorted(raw["datasets"].items()):
        rows = {r["candidate"]: r for r in block.get("ranking", [])}
        accuracy = pd.Series(
            {
                c["candidate"]: c["test_accuracy"]
                for c in block["candidates"]
                if c.get("test_accuracy") is not None
            },
            dtype=float,
        )
        ids = [c for c in rows if c in accuracy.index]
        skip = {"candidate", "rank", "final_score"}
        scores = pd.DataFrame(
            {c: {k: v for k, v in rows[c].items() if k not in skip} for c in ids}
        ).T.apply(pd.to_numeric, errors="coerce")
        scores = scores.dropna(axis=1, how="all")
        targets.append(Target(name, scores, accuracy.reindex(ids), {c: zoo_entry(c) for c in ids}))
    return targets


def keras_fit_targets() -> list[Target]:
    """The Keras zoo targets with the table's frozen-backbone accuracy as the ``linear_probe``
    column: the published measurement of what the advisor's linear probe estimates."""
    from dataclasses import replace

    frozen = {t.name: t.accuracy for t in keras_targets(trainable_backbone=False)}
    return [
        replace(t, scores=t.scores.assign(linear_probe=frozen[t.name].reindex(t.scores.index)))
        for t in keras_targets(trainable_backbone=True)
    ]


TABLES = ("keras_zoo", "keras_segmentation", "parc", "zoo")


def all_tables() -> dict[str, list[Target]]:
    """Every table present here, by name (empty tables left out). PARC is its "all" set
    (the controlled rows are a subset of it, so only one of the two is fitted on)."""
    found = {
        "keras_zoo": keras_fit_targets(),
        "keras_segmentation": segmentation_targets(),
        "parc": parc_targets("all"),
        "zoo": zoo_targets(),
    }
    return {name: targets for name, targets in found.items() if targets}
