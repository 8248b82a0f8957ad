"""Built-in examples of the tasks other than classification, made from data on this machine.

- digits-regression: scikit-learn's 8x8 digits with the slant of the stroke as the target
  (the horizontal shear of the ink, -mu11/mu02 from the image moments: > 0 leans right).
  It is a property of the handwriting, continuous and measured, where the digit's value
  would be a class in disguise.
- wordnet-multilabel: a noun lemma ("bank") labelled with the lexicographer file of every
  one of its senses (noun.group, noun.object, noun.artifact...).
- wordnet-pairs: a synset's gloss paired with its hypernym's gloss (label ``hypernym``) or
  with the gloss of another synset from the same lexicographer file (``same-class``).

Each is a few thousand rows, drawn with a fixed seed, so every load gives the same data.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from advisor.data.builtin_texts import NOUN_LEXNAMES, WORDNET_INSTALL, wordnet_noun_file
from advisor.data.labelled import LabelledData
from advisor.data.labels import drop_duplicates
from advisor.errors import DataError

SEED = 0
MULTILABEL_LEMMAS = 1500  # of each kind: with several lexicographer files, and with one
MULTILABEL_MIN_COUNT = 20  # labels rarer than this in the sample are left out
PAIR_SYNSETS = 1500  # each gives one hypernym pair and one same-class pair


# ------------------------------------------------------------------- digits regression
def digit_slant(images: np.ndarray) -> np.ndarray:
    """The stroke's slant per image: -mu11 / mu02 of the ink (> 0 leans right)."""
    ink = np.asarray(images, dtype=np.float64)
    rows, cols = np.mgrid[0 : ink.shape[1], 0 : ink.shape[2]]
    mass = ink.sum(axis=(1, 2))
    cy = (ink * rows).sum(axis=(1, 2)) / mass
    cx = (ink * cols).sum(axis=(1, 2)) / mass
    dy = rows[None] - cy[:, None, None]
    dx = cols[None] - cx[:, None, None]
    mu11 = (ink * dx * dy).sum(axis=(1, 2))
    mu02 = (ink * dy * dy).sum(axis=(1, 2))
    return -mu11 / mu02


def load_digits_regression_data() -> LabelledData:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = np.rint(bunch.images * (255.0 / 16.0)).clip(0, 255).astype(np.uint8)
    return LabelledData(
        name="digits-regression",
        modality="image",
        labels=None,
        class_names=[],
        source="digits-regression",
        image_arrays=images,
        task="regression",
        targets=digit_slant(bunch.images),
        target_names=["slant"],
        task_reason="built-in regression example: the slant of each handwritten digit",
    )


# ------------------------------------------------------------------------ wordnet parse
@dataclass
class _Synset:
    lexname: str
    words: list[str]
    hypernyms: list[str]  # offsets
    gloss: str


def _read_synsets() -> dict[str, _Synset]:
    path = wordnet_noun_file()
    if path is None:
        raise DataError(f"the WordNet noun file is not installed; {WORDNET_INSTALL}")
    return _parse_synsets(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=1)  # both WordNet examples read the same 15 MB file
def _parse_synsets(path: str, mtime_ns: int) -> dict[str, _Synset]:
    synsets: dict[str, _Synset] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("  "):
                continue  # licence header
            head, sep, gloss = line.partition(" | ")
            fields = head.split()
            if not sep or len(fields) < 4 or not fields[1].isdigit():
                continue
            lexname = NOUN_LEXNAMES.get(int(fields[1]))
            if lexname is None:
                continue
            n_words = int(fields[3], 16)
            words = [fields[4 + 2 * k] for k in range(n_words)]
            at = 4 + 2 * n_words
            n_pointers = int(fields[at])
            hypernyms = [
                fields[at + 2 + 4 * k]
                for k in range(n_pointers)
                if fields[at + 1 + 4 * k] in ("@", "@i") and fields[at + 3 + 4 * k] == "n"
            ]
            synsets[fields[0]] = _Synset(lexname, words, hypernyms, gloss.strip())
    return synsets


# ------------------------------------------------------------------- wordnet multilabel
def load_wordnet_multilabel_data() -> LabelledData:
    """Lemmas with several lexicographer files and as many with one, seeded; labels rarer
    than MULTILABEL_MIN_COUNT in the sample are left out (and lemmas left with none)."""
    classes: dict[str, set[str]] = defaultdict(set)
    for synset in _read_synsets().values():
        for word in synset.words:
            classes[word.lower().replace("_", " ")].add(synset.lexname)
    lemmas = sorted(classes)
    rng = np.random.default_rng(SEED)
    several = [w for w in lemmas if len(classes[w]) > 1]
    one = [w for w in lemmas if len(classes[w]) == 1]
    picked = [
        *rng.choice(several, size=min(MULTILABEL_LEMMAS, len(several)), replace=False),
        *rng.choice(one, size=min(MULTILABEL_LEMMAS, len(one)), replace=False),
    ]
    picked = sorted(str(w) for w in picked)
    counts: dict[str, int] = defaultdict(int)
    for w in picked:
        for name in classes[w]:
            counts[name] += 1
    names = sorted(n for n, c in counts.items() if c >= MULTILABEL_MIN_COUNT)
    index = {n: i for i, n in enumerate(names)}
    texts, rows = [], []
    for w in picked:
        kept = [index[n] for n in classes[w] if n in index]
        if kept:
            row = np.zeros(len(names), dtype=np.uint8)
            row[kept] = 1
            texts.append(w)
            rows.append(row)
    return LabelledData(
        name="wordnet-multilabel",
        modality="text",
        labels=None,
        class_names=[],
        source="wordnet-multilabel",
        texts=texts,
        task="multilabel",
        targets=np.stack(rows),
        target_names=names,
        task_reason="built-in multilabel example: every lexicographer class of a noun's senses",
    )


# ------------------------------------------------------------------------ wordnet pairs
def load_wordnet_pairs_data() -> LabelledData:
    """Seeded synsets with a hypernym: (gloss, hypernym's gloss) -> hypernym, and (gloss,
    gloss of a random other synset of the same file, not its hypernym) -> same-class."""
    synsets = _read_synsets()
    by_class: dict[str, list[str]] = defaultdict(list)
    for offset, synset in synsets.items():
        by_class[synset.lexname].append(offset)
    candidates = sorted(
        o for o, s in synsets.items() if s.gloss and any(h in synsets for h in s.hypernyms)
    )
    rng = np.random.default_rng(SEED)
    chosen = rng.choice(candidates, size=min(PAIR_SYNSETS, len(candidates)), replace=False)
    texts, pairs, labels, names = [], [], [], []
    for offset in sorted(str(o) for o in chosen):
        synset = synsets[offset]
        hypernym = next(h for h in synset.hypernyms if h in synsets)
        pool = by_class[synset.lexname]
        other = None
        for _ in range(20):  # a random same-class synset that is neither it nor a hypernym
            pick = pool[int(rng.integers(len(pool)))]
            if pick != offset and pick not in synset.hypernyms and synsets[pick].gloss:
                other = pick
                break
        if other is None:
            continue
        for pair, label in ((hypernym, "hypernym"), (other, "same-class")):
            texts.append(synset.gloss)
            pairs.append(synsets[pair].gloss)
            labels.append(label)
            names.append(f"synset {offset} + {pair}")
    keep, dropped = drop_duplicates(list(zip(texts, pairs, strict=True)), labels, names)
    label_names = ["hypernym", "same-class"]
    return LabelledData(
        name="wordnet-pairs",
        modality="text",
        labels=np.array([label_names.index(labels[i]) for i in keep], dtype=np.int64),
        class_names=label_names,
        source="wordnet-pairs",
        texts=[texts[i] for i in keep],
        text_pairs=[pairs[i] for i in keep],
        dropped=dropped,
        task_reason="built-in text-pair example: is the second gloss the first's hypernym?",
    )
