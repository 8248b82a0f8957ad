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


def seed_everything(seed: int, *, cuda: bool = True) -> None:
    """Seed Python, numpy and torch's CPU generator (and CUDA's, when CUDA is there).

    Not ``torch.manual_seed``: without a GPU it queues a lazy CUDA seeding call that records
    a Python stack trace every time (the queue only grows), which made this per-image call
    cost more than the augmentation itself. The CPU stream is the same as manual_seed's.
    ``cuda=False`` for the per-image augmentation seed: that runs on the CPU only.
    """
    random.seed(seed)
    np.random.seed(seed & 0xFFFFFFFF)
    torch.random.default_generator.manual_seed(seed)
    if cuda and torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


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


def target_of(data, targets, index):
    """Example ``index``'s training target: its class, or its row of ``targets`` (the
    task's encoded regression values / multi-hot labels, advisor.finetuning.tasks)."""
    if targets is None:
        return int(data.labels[index])
    return targets[int(index)]


class ImageExamples(Dataset):
    """Items are (epoch, index) keys; the transform's randomness is seeded per item."""

    def __init__(self, data, transform, seed: int, targets=None):
        self.data = data
        self.transform = transform
        self.seed = seed
        self.targets = targets

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, key):
        epoch, index = key
        if epoch >= 0:
            seed_everything(derived_seed(self.seed, 2, epoch, index), cuda=False)
        image = self.transform(self.data.image(int(index)))
        return image, target_of(self.data, self.targets, index)


class TextExamples(Dataset):
    """Texts, or (text, second text) for pairs, with their targets."""

    def __init__(self, data, targets=None):
        self.data = data
        self.targets = targets
        self.pairs = getattr(data, "text_pairs", None)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, key):
        _, index = key
        text = self.data.texts[int(index)]
        if self.pairs is not None:
            text = (text, self.pairs[int(index)])
        return text, target_of(self.data, self.targets, index)


class FeatureExamples(Dataset):
    """labels: class indices [N], or the task's encoded float targets [N, K]."""

    def __init__(self, features: np.ndarray, labels: np.ndarray):
        self.features = torch.as_tensor(np.asarray(features, dtype=np.float32))
        self.labels = labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, key):
        _, index = key
        label = self.labels[int(index)]
        return self.features[int(index)], label if np.ndim(label) else int(label)


def label_tensor(labels) -> torch.Tensor:
    """Class indices as int64; rows of float targets (regression, multilabel) as float32."""
    if labels and np.ndim(labels[0]):
        return torch.as_tensor(np.stack(labels), dtype=torch.float32)
    return torch.tensor(labels, dtype=torch.long)


def stack_collate(items):
    inputs, labels = zip(*items, strict=True)
    return torch.stack(inputs), label_tensor(labels)


class TokenizeCollate:
    """Tokenize a batch of texts (padding to the longest, truncating at max_length)."""

    def __init__(self, tokenizer, max_length: int):
        self.tokenizer = tokenizer
        self.max_length = max_length

    def __call__(self, items):
        texts, labels = zip(*items, strict=True)
        second = None
        if texts and isinstance(texts[0], tuple):  # pairs: the tokenizer's pair encoding
            texts, second = zip(*texts, strict=True)
            second = list(second)
        encoded = self.tokenizer(
            list(texts),
            second,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        return dict(encoded), label_tensor(labels)


def loader_workers(num_workers: int | None, device) -> int:
    """Loader worker processes: the recipe's number, or for None 1 on CUDA and 0 elsewhere.

    On an H200, one worker took the engine from 0.73 to 1.12 of a bare training loop (the GPU
    no longer waits on augmentation); on a 2-core CPU a worker takes a core from the forward
    pass, and in-process loading ran at 0.96 of the bare loop (docs/features.md "Performance").
    """
    if num_workers is not None:
        return num_workers
    return 1 if torch.device(device).type == "cuda" else 0


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
