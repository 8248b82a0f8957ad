"""Fine-tuning engine: ``finetune(data, model) -> FinetuneResult`` and
``load_predictor(path) -> Predictor``.

Modules: config (recipe), splits, build (classifier + datasets), classifier, batches
(deterministic data order), optimization (AdamW groups, phases, learning-rate schedule),
loop (training, early stopping), finish (the one test read, report.json, export, result),
checkpoint + atomic (safe files), metrics, export + predictor (the exported model), api (the
orchestration).
torch is imported by those modules, so this package loads them lazily.
"""

from advisor.lazy import deprecated_alias, lazy_getattr

_LAZY = {
    "finetune": "advisor.finetuning.api",
    "FinetuneResult": "advisor.finetuning.result",
    "load_predictor": "advisor.finetuning.predictor",
    "Predictor": "advisor.finetuning.predictor",
    "Recipe": "advisor.finetuning.config",
}

__all__ = sorted(_LAZY)


__getattr__ = deprecated_alias(
    __name__, lazy_getattr(__name__, _LAZY), {"load": "load_predictor"}, removed_in="0.2"
)
