"""Verification: fine-tune the candidates with one fixed protocol and score the ranking.

``advisor.verify(data, top=3)`` -> VerifyReport (advisor ranking, each probe and the prior
alone against real fine-tuned accuracy). torch loads only when fine-tuning starts.
"""

import sys
import types
from importlib import import_module

_LAZY = {
    "verify": "advisor.verify.run",
    "VerifyReport": "advisor.verify.run",
    "PROTOCOL": "advisor.verify.protocol",
    "ranking_measures": "advisor.verify.metrics",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'advisor.verify' has no attribute {name!r}")


class _CallablePackage(types.ModuleType):
    """Importing a submodule binds ``advisor.verify`` to this package, shadowing the function
    of the same name; calling the package runs the function, so ``advisor.verify(...)`` works."""

    def __call__(self, *args, **kwargs):
        return import_module("advisor.verify.run").verify(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
