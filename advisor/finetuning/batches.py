"""Deterministic batches: epoch order, augmentation and collation as pure functions of
(seed, epoch, index).

Every random draw in training is derived from (seed, epoch, example) or (seed, epoch, step),
never from leftover generator state. So resuming at any step of any epoch replays exactly
what an uninterrupted run would have done, with any number of loader workers.
"""

from __future__ import annotations

import random

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


def derived_seed(*parts: int) -> int:
    """A well-mixed 63-bit seed from integers (numpy SeedSequence)."""
    state = np.random.SeedSequence([int(p) & 0xFFFFFFFF for p in parts]).generate_state(
        2, np.uint32
    )
    return int(state[0]) << 31 ^ int(state[1])


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed & 0xFFFFFFFF)
    torch.manual_seed(seed)


def epoch_batches(n: int, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    """Shuffled index batches for one epoch. A trailing batch of a single example is
    dropped (batch norm cannot train on it); it gets its turn in other epochs' orders."""
    order = np.random.default_rng(derived_seed(seed, 1, epoch)).permutation(n)
    batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
    if len(batches) > 1 and len(batches[-1]) < 2:
        batches.pop()
    return batches


def eval_batches(n: int, batch_size: int) -> list[np.ndarray]:
    return [np.arange(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]


class ImageExamples(Dataset):
    """Items are (epoch, index) keys; the transform's randomness is seeded per item."""

    def __init__(self, data, transform, seed: int):
        self.data = data
        self.transform = transform
        self.seed = seed

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, key):
        epoch, index = key
        if epoch >= 0:
            seed_everything(derived_seed(self.seed, 2, epoch, index))
        return self.transform(self.data.image(int(index))), int(self.data.labels[index])


class TextExamples(Dataset):
    def __init__(self, data):
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, key):
        _, index = key
        return self.data.texts[int(index)], int(self.data.labels[index])


class FeatureExamples(Dataset):
    def __init__(self, features: np.ndarray, labels: np.ndarray):
        self.features = torch.as_tensor(np.asarray(features, dtype=np.float32))
        self.labels = labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, key):
        _, index = key
        return self.features[int(index)], int(self.labels[index])


def stack_collate(items):
    inputs, labels = zip(*items, strict=True)
    return torch.stack(inputs), torch.tensor(labels, dtype=torch.long)


class TokenizeCollate:
    """Tokenize a batch of texts (padding to the longest, truncating at max_length)."""

    def __init__(self, tokenizer, max_length: int):
        self.tokenizer = tokenizer
        self.max_length = max_length

    def __call__(self, items):
        texts, labels = zip(*items, strict=True)
        encoded = self.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        return dict(encoded), torch.tensor(labels, dtype=torch.long)


def make_loader(
    dataset, batches: list[np.ndarray], epoch: int, collate, num_workers: int
) -> DataLoader:
    """A loader over precomputed batches; ``epoch=-1`` means evaluation (no augmentation seed)."""
    keyed = [[(epoch, int(i)) for i in batch] for batch in batches]
    return DataLoader(
        dataset,
        batch_sampler=keyed,
        collate_fn=collate,
        num_workers=num_workers,
        persistent_workers=False,
        pin_memory=torch.cuda.is_available(),
    )


def to_device(inputs, device, channels_last: bool = False):
    if isinstance(inputs, dict):
        return {k: v.to(device, non_blocking=True) for k, v in inputs.items()}
    inputs = inputs.to(device, non_blocking=True)
    if channels_last and inputs.ndim == 4:
        inputs = inputs.contiguous(memory_format=torch.channels_last)
    return inputs
