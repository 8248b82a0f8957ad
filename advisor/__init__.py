"""Transfer advisor: which pretrained backbone should you fine-tune on your data?

The public library API. Heavy modules (torch, timm, transformers) load on first use,
so ``import advisor`` and ``advisor --help`` stay fast.
"""

from typing import TYPE_CHECKING

from advisor.lazy import deprecated_alias, lazy_getattr

__version__ = "0.1.0"

# name -> module that defines it; resolved lazily by __getattr__.
_LAZY = {
    "rank": "advisor.ranking",
    "Ranking": "advisor.ranking",
    "fuse": "advisor.ranking",
    "finetune": "advisor.finetuning",
    "FinetuneResult": "advisor.finetuning",
    "load_predictor": "advisor.finetuning",
    "Predictor": "advisor.finetuning",
    "VerifyReport": "advisor.verification",
    "Suggestion": "advisor.ranking.result",
    "verify": "advisor.verification",
    "advise": "advisor.strategy",
    "StrategyAdvice": "advisor.strategy",
    "write_report": "advisor.report",
    "load_data": "advisor.data",
    "LabelledData": "advisor.data",
    "load_catalog": "catalog",
    "AdvisorError": "advisor.errors",
}

__all__ = sorted(_LAZY)

if TYPE_CHECKING:  # pragma: no cover
    from advisor.data import LabelledData, load_data  # noqa: F401
    from advisor.errors import AdvisorError  # noqa: F401
    from advisor.finetuning import FinetuneResult, Predictor, finetune, load_predictor  # noqa: F401
    from advisor.ranking import Ranking, fuse, rank  # noqa: F401
    from advisor.ranking.result import Suggestion  # noqa: F401
    from advisor.report import write_report  # noqa: F401
    from advisor.strategy import StrategyAdvice, advise  # noqa: F401
    from advisor.verification import VerifyReport, verify  # noqa: F401
    from catalog import load_catalog  # noqa: F401


# ``advisor.load`` (0.1) is ``advisor.load_predictor``; the old name warns until 0.2.
__getattr__ = deprecated_alias(
    __name__, lazy_getattr(__name__, _LAZY), {"load": "load_predictor"}, removed_in="0.2"
)
