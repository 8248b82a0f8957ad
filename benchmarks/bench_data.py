"""Data the speed benchmarks run on."""

from __future__ import annotations


def digits(n: int):
    """The first ``n`` digits, cycling through the 1797 when ``n`` is larger: a throughput run
    on a GPU wants more images than the set has (``--n 2048`` used to stop with a DataError)."""
    from advisor.data import load_data

    full = load_data("digits")
    return full.subset([i % len(full) for i in range(n)])
