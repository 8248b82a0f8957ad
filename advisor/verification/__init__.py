"""Verification: fine-tune the candidates with one fixed protocol and score the ranking.

``advisor.verify(data, top=3)`` -> VerifyReport (advisor ranking, each probe and the prior
alone against real fine-tuned accuracy). torch loads only when fine-tuning starts.
"""

from advisor.lazy import lazy_getattr

_LAZY = {
    "verify": "advisor.verification.run",
    "VerifyReport": "advisor.verification.run",
    "PROTOCOL": "advisor.verification.protocol",
    "ranking_measures": "advisor.verification.metrics",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_getattr(__name__, _LAZY)
