"""Transfer advisor: which pretrained backbone should you fine-tune on your data?

The public library API. Heavy modules (torch, timm, transformers) load on first use,
so ``import advisor`` and ``advisor --help`` stay fast.
"""

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# name -> module that defines it; resolved lazily by __getattr__.
_LAZY = {
    "rank": "advisor.ranking",
    "Ranking": "advisor.ranking",
    "fuse": "advisor.ranking",
    "finetune": "advisor.finetune",
    "FinetuneResult": "advisor.finetune",
    "load": "advisor.finetune",
    "verify": "advisor.verify",
    "load_data": "advisor.data",
    "LabelledData": "advisor.data",
    "load_catalog": "catalog",
    "AdvisorError": "advisor.errors",
}

__all__ = sorted(_LAZY)

if TYPE_CHECKING:  # pragma: no cover
    from advisor.data import LabelledData, load_data
    from advisor.errors import AdvisorError
    from advisor.finetune import FinetuneResult, finetune, load
    from advisor.ranking import Ranking, fuse, rank
    from advisor.verify import verify
    from catalog import load_catalog


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'advisor' has no attribute {name!r}")
