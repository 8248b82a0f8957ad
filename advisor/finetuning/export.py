"""Export the fine-tuned model as a self-contained folder:

    model.safetensors   the classifier's weights (backbone + head)
    config.json         how to rebuild it (kind, timm architecture / encoder config, head, classes)
    labels.json         class index -> label
    encoder/            text only: the encoder's config and tokenizer (save_pretrained)

``advisor.load_predictor`` rebuilds the architecture with random weights and loads these, so no
network and no original weights package are needed.
"""

from __future__ import annotations

from pathlib import Path

from advisor.finetuning import atomic

EXPORT_FORMAT = "advisor-finetuned-classifier"
EXPORT_VERSION = 1


def export_model(
    export_dir: Path,
    *,
    model,
    class_names: list[str],
    info: dict,
    entry_id: str | None,
    tokenizer=None,
    encoder_config=None,
    recipe: dict | None = None,
    task_info: dict | None = None,
) -> Path:
    """Write the export folder under a temporary name, then swap it in."""
    from safetensors.torch import save as save_safetensors

    def fill(tmp: Path) -> None:
        tensors = {
            k: v.detach().to("cpu").contiguous().clone() for k, v in model.state_dict().items()
        }
        atomic.write_bytes(
            tmp / "model.safetensors", save_safetensors(tensors, metadata={"format": "pt"})
        )
        config = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "entry_id": entry_id,
            "num_classes": len(class_names),  # the head's outputs (targets / labels too)
            **info,
            "recipe": recipe or {},
            # task, target_names, target_mean/std (regression), threshold (multilabel)
            **(task_info or {"task": "classification"}),
        }
        if tokenizer is not None:
            tokenizer.save_pretrained(str(tmp / "encoder"))
            encoder_config.save_pretrained(str(tmp / "encoder"))
        atomic.write_json(tmp / "labels.json", list(class_names))
        atomic.write_json(tmp / "config.json", config)

    export_dir = Path(export_dir)
    try:
        return atomic.replace_folder_atomically(export_dir, fill)
    except OSError as exc:
        raise atomic.write_error(export_dir, exc) from exc
