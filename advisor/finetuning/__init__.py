"""Fine-tuning engine: ``finetune(data, model=ID) -> FinetuneResult`` and ``load(path) -> Predictor``.

Modules: config (recipe), splits, build (classifier + datasets), classifier, batches
(deterministic data order), loop (training, early stopping), checkpoint + atomic (safe
files), metrics, export + predictor (the exported model), api (the orchestration).
torch is imported by those modules, so this package loads them lazily.
"""

from advisor.lazy import lazy_getattr

_LAZY = {
    "finetune": "advisor.finetuning.api",
    "FinetuneResult": "advisor.finetuning.result",
    "load": "advisor.finetuning.predictor",
    "Predictor": "advisor.finetuning.predictor",
    "Recipe": "advisor.finetuning.config",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_getattr(__name__, _LAZY)
