"""Fine-tuning engine: ``finetune(data, model=ID) -> FinetuneResult`` and ``load(path) -> Predictor``.

Modules: config (recipe), splits, build (classifier + datasets), classifier, batches
(deterministic data order), loop (training, early stopping), checkpoint + atomic (safe
files), metrics, export + predictor (the exported model), api (the orchestration).
torch is imported by those modules, so this package loads them lazily.
"""

import sys
import types
from importlib import import_module

_LAZY = {
    "finetune": "advisor.finetune.api",
    "FinetuneResult": "advisor.finetune.result",
    "load": "advisor.finetune.predictor",
    "Predictor": "advisor.finetune.predictor",
    "Recipe": "advisor.finetune.config",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'advisor.finetune' has no attribute {name!r}")


class _CallablePackage(types.ModuleType):
    """Importing this package binds ``advisor.finetune`` to the package (Python sets the
    submodule attribute on its parent), shadowing the public function of the same name.
    Calling the package therefore runs the function, so ``advisor.finetune(...)`` always works."""

    def __call__(self, *args, **kwargs):
        return import_module("advisor.finetune.api").finetune(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
