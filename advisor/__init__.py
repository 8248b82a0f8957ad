"""Transfer advisor: which pretrained backbone should you fine-tune on your data?

The public library API. Heavy modules (torch, timm, transformers) load on first use,
so ``import advisor`` and ``advisor --help`` stay fast.
"""

from advisor.lazy import lazy_getattr
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# name -> module that defines it; resolved lazily by __getattr__.
_LAZY = {
    "rank": "advisor.ranking",
    "Ranking": "advisor.ranking",
    "fuse": "advisor.ranking",
    "finetune": "advisor.finetuning",
    "FinetuneResult": "advisor.finetuning",
    "load": "advisor.finetuning",
    "verify": "advisor.verification",
    "load_data": "advisor.data",
    "LabelledData": "advisor.data",
    "load_catalog": "catalog",
    "AdvisorError": "advisor.errors",
}

__all__ = sorted(_LAZY)

if TYPE_CHECKING:  # pragma: no cover
    from advisor.data import LabelledData, load_data
    from advisor.errors import AdvisorError
    from advisor.finetuning import FinetuneResult, finetune, load
    from advisor.ranking import Ranking, fuse, rank
    from advisor.verification import verify
    from catalog import load_catalog


__getattr__ = lazy_getattr(__name__, _LAZY)
