"""Import the heavy libraries before the app starts.

A first import of torch, timm or scikit-learn holds the interpreter lock for up to a second.
Inside a worker thread that freezes the UI mid-session, and importing them from a second
thread races the workers' own imports. So ``advisor tui`` imports them once, up front, in
the main thread, before the first frame.
"""

from __future__ import annotations

from importlib import import_module

HEAVY_MODULES = (
    "sklearn.linear_model",
    "sklearn.datasets",
    "torch",
    "timm",
    "transformers",
    "advisor.features",
    "advisor.ranking.scoring",
    "advisor.finetuning.api",
)


def preload_heavy_modules() -> None:
    for name in HEAVY_MODULES:
        try:
            import_module(name)
        except ImportError:  # an optional extra that is not installed: loaded on use instead
            continue
