"""Load the published transferability tables as one candidate x probe frame per target.

* Keras model zoo (Agostinelli et al., ECCV 2022; Apache-2.0, copied byte-identical into
  benchmarks/data/keras-zoo-transferability.csv): 19 ImageNet Keras models x 9 targets, probe
  scores (gbc, leep, nleep, logme, hscore) and fine-tuned accuracy (Trainable Backbone ==
  True). ImageNet top-1 and parameter counts of those models: benchmarks/data/
  keras_imagenet_top1.csv, from the Keras Applications documentation
  (https://keras.io/api/applications/; MobileNetV3 is MobileNetV3Large, per the paper's
  networks.py, top-1 from https://keras.io/api/applications/mobilenet/#mobilenetv3large).
* PARC oracles (Bolya et al., NeurIPS 2021): no licence, so never copied into the repo; read
  from ../shared/data/transfer-tables when present. Fine-tuned accuracy only, no probe scores.
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
KERAS_PROBES = ("gbc", "hscore", "leep", "logme", "nleep")

# Families, for the record (not used by the prior).
_FAMILY = {"vgg": "vgg", "resnet": "resnet", "densenet": "densenet", "mobilenet": "mobilenet",
           "efficientnet": "efficientnet", "nasnet": "nasnet", "xception": "xception"}


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
            id=f"keras/{row.keras_application}", modality="image", source="local",
            architecture=row.keras_application, params_m=float(row.params_m),
            imagenet_top1=float(row.imagenet_top1), pretraining_data="in1k",
            family=family, notes="Keras Applications model (published benchmark only)")
    return entries


def keras_targets(trainable_backbone: bool = True) -> list[Target]:
    """The 9 targets of the Keras zoo table; fine-tuned (True) or linear-probe (False)."""
    raw = pd.read_csv(KERAS_TABLE, index_col=0)
    rows = raw[raw["Trainable Backbone"] == trainable_backbone]
    entries = keras_entries()
    targets = []
    for name, block in rows.groupby("Target Dataset", sort=True):
        scores = block.pivot_table(index="Source Architecture", columns="Transferability Metric",
                                   values="Transferability Metric Score", aggfunc="first")
        scores = scores[list(KERAS_PROBES)].sort_index()
        scores.columns.name = None
        accuracy = block.groupby("Source Architecture")["Test Accuracy"].first()
        targets.append(Target(name, scores, accuracy.reindex(scores.index),
                              {m: entries[m] for m in scores.index}))
    return targets


# Source datasets of PARC's controlled set: training-set sizes from the dataset papers.
PARC_SOURCE_SIZES = {"imagenet": 1_281_167, "nabird": 48_562, "cifar10": 50_000,
                     "stanford_dogs": 12_000, "caltech101": 9_146, "cub200": 5_994,
                     "voc2007": 5_011, "oxford_pets": 3_680}
# torchvision ImageNet top-1 / params (M) of PARC's architectures (torchvision model docs).
PARC_ARCH = {"resnet50": (76.13, 25.6), "resnet18": (69.76, 11.7),
             "googlenet": (69.78, 6.6), "alexnet": (56.52, 61.1)}


def parc_targets() -> list[Target]:
    """PARC controlled oracles: 32 models (4 architectures x 8 source datasets), 7 targets.

    There are no probe scores; the prior can still be evaluated. ImageNet top-1 counts only
    for ImageNet-trained sources; the data scale of every source is its training-set size.
    Returns [] when the shared copy is absent (it is not redistributed with the repo).
    """
    if not PARC_CONTROLLED.exists():
        return []
    raw = pd.read_csv(PARC_CONTROLLED)
    raw = raw[raw["Oracle"] > 0]
    targets = []
    for name, block in raw.groupby("Target Dataset", sort=True):
        ids = [f"{a}/{s}" for a, s in zip(block["Architecture"], block["Source Dataset"])]
        accuracy = pd.Series(block["Oracle"].to_numpy(float), index=ids)
        entries = {}
        for cid, arch, source in zip(ids, block["Architecture"], block["Source Dataset"]):
            top1, params = PARC_ARCH[arch]
            entries[cid] = Entry(
                id=cid, modality="image", source="local", architecture=arch, params_m=params,
                imagenet_top1=top1 if source == "imagenet" else None,
                pretraining_data=f"{PARC_SOURCE_SIZES[source] / 1e3:g}k images",
                family=arch)
        targets.append(Target(name, pd.DataFrame(index=ids), accuracy, entries))
    return targets
