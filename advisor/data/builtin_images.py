"""Built-in image datasets held as uint8 arrays: scikit-learn digits and Fashion-MNIST."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from advisor.data.labelled import LabelledData
from advisor.errors import DataError

FASHION_MNIST_DIRS = ("/usr/share/datasets/fashion-mnist",)
FASHION_MNIST_ENV = "ADVISOR_FASHION_MNIST_DIR"
FASHION_MNIST_INSTALL = (
    "sudo apt-get install dataset-fashion-mnist (or set ADVISOR_FASHION_MNIST_DIR to a folder "
    "with the four Fashion-MNIST IDX files)"
)
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
_FASHION_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def load_digits_data() -> LabelledData:
    """scikit-learn's 1,797 8x8 digits; pixel values 0..16 rescaled to 0..255."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = np.rint(bunch.images * (255.0 / 16.0)).clip(0, 255).astype(np.uint8)
    return LabelledData(
        name="digits",
        modality="image",
        labels=bunch.target.astype(np.int64),
        class_names=[str(d) for d in range(10)],
        source="digits",
        image_arrays=images,
    )


def fashion_mnist_dir() -> Path | None:
    """The first folder holding the train IDX pair (gzip or plain), or None."""
    candidates = [os.environ.get(FASHION_MNIST_ENV), *FASHION_MNIST_DIRS]
    for folder in filter(None, candidates):
        base = Path(folder)
        if all(_idx_file(base, name) for name in _FASHION_FILES["train"]):
            return base
    return None


def load_fashion_mnist_data() -> LabelledData:
    """All 70,000 images: the 60,000 train images then the 10,000 test images.

    The advisor makes its own seeded splits, so the official split is not kept apart; when
    the test files are absent, the train files alone are used.
    """
    base = fashion_mnist_dir()
    if base is None:
        raise DataError(f"the fashion-mnist dataset is not installed; {FASHION_MNIST_INSTALL}")
    images, labels = [], []
    for part, (image_name, label_name) in _FASHION_FILES.items():
        image_file, label_file = _idx_file(base, image_name), _idx_file(base, label_name)
        if image_file is None or label_file is None:
            continue  # test files are optional
        part_images = read_idx(image_file)
        part_labels = read_idx(label_file)
        if part_images.ndim != 3 or part_labels.ndim != 1 or len(part_images) != len(part_labels):
            raise DataError(
                f"Fashion-MNIST {part} files in {base} do not match (images "
                f"{part_images.shape}, labels {part_labels.shape}); reinstall the package"
            )
        images.append(part_images)
        labels.append(part_labels)
    return LabelledData(
        name="fashion-mnist",
        modality="image",
        labels=np.concatenate(labels).astype(np.int64),
        class_names=list(FASHION_MNIST_CLASSES),
        source="fashion-mnist",
        image_arrays=np.concatenate(images),
    )


def _idx_file(base: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (base / name).is_file():
            return base / name
    return None


_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (the MNIST format), gzip-compressed or not."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"{path} cannot be read ({exc}); reinstall the dataset") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise DataError(f"{path} is not an IDX file (bad magic number); reinstall the dataset")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * k : 8 + 4 * k], "big") for k in range(ndim))
    dtype = np.dtype(_IDX_TYPES[data[2]])
    offset = 4 + 4 * ndim
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - offset != expected:
        raise DataError(
            f"{path} is truncated or padded ({len(data) - offset} data bytes, expected "
            f"{expected}); reinstall the dataset"
        )
    return (
        np.frombuffer(data, dtype=dtype, offset=offset)
        .reshape(shape)
        .astype(dtype.newbyteorder("="), copy=False)
    )
