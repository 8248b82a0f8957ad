"""Bad input and run-folder faults: clear messages, nothing lost, nothing half-written."""

from __future__ import annotations

import json

import numpy as np
import pytest
from finetune_helpers import REFERENCE, small_digits, tiny_backbone

import advisor
from advisor.data import LabelledData
from advisor.errors import AdvisorError, CheckpointError, DataError
from advisor.finetuning.config import resolve_recipe


def texts(labels, names):
    return LabelledData(
        name="t",
        modality="text",
        labels=np.array(labels),
        class_names=names,
        source="test",
        texts=[f"text number {i}" for i in range(len(labels))],
    )


def test_single_class_is_refused(tmp_path):
    data = texts([0] * 12, ["only"])
    with pytest.raises(DataError, match="single class"):
        advisor.finetune(data, "sentence-transformers/all-MiniLM-L6-v2", output=tmp_path / "run")
    assert not (tmp_path / "run" / "config.json").exists()


def test_too_few_examples_per_class_names_the_class(tmp_path):
    data = texts([0] * 10 + [1] * 2, ["common", "rare"])
    with pytest.raises(DataError, match=r"too few examples per class.*'rare' \(2\)"):
        advisor.finetune(data, "sentence-transformers/all-MiniLM-L6-v2", output=tmp_path / "run")


def test_existing_run_folder_needs_resume_or_overwrite(reference_run, tmp_path):
    reference, _ = reference_run
    with pytest.raises(CheckpointError, match="--resume .*--overwrite"):
        advisor.finetune(small_digits(), tiny_backbone(), output=reference.run_dir, **REFERENCE)
    assert (reference.run_dir / "model" / "model.safetensors").exists()  # untouched
    stranger = tmp_path / "mine"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("keep me")
    with pytest.raises(CheckpointError, match="not a fine-tuning run folder"):
        advisor.finetune(
            small_digits(), tiny_backbone(), output=stranger, overwrite=True, **REFERENCE
        )
    assert (stranger / "notes.txt").read_text() == "keep me"
    with pytest.raises(CheckpointError, match="nothing to resume"):
        advisor.finetune(small_digits(), tiny_backbone(), output=tmp_path / "new", resume=True)


def test_overwrite_replaces_only_the_run_files(tmp_path):
    out = tmp_path / "run"
    options = dict(REFERENCE, epochs=1, head_epochs=0)
    advisor.finetune(small_digits(60), tiny_backbone(), output=out, **options)
    (out / "user-notes.txt").write_text("mine")
    again = advisor.finetune(
        small_digits(60),
        tiny_backbone(),
        output=out,
        overwrite=True,
        seed=3,
        **{k: v for k, v in options.items() if k != "seed"},
    )
    assert json.loads((out / "config.json").read_text())["seed"] == 3
    assert (out / "user-notes.txt").read_text() == "mine"
    assert again.export_dir.exists()


def test_unwritable_output_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(CheckpointError, match="a-file"):
        advisor.finetune(small_digits(60), tiny_backbone(), output=blocker / "run", **REFERENCE)
    with pytest.raises(CheckpointError, match="is a file"):
        advisor.finetune(small_digits(60), tiny_backbone(), output=blocker, **REFERENCE)


def test_bad_recipe_values_name_the_option():
    with pytest.raises(AdvisorError, match="unknown fine-tuning option.*learning_rate"):
        resolve_recipe("image", {"learning_rate": 0.1})
    with pytest.raises(AdvisorError, match="metric must be one of"):
        resolve_recipe("image", {"metric": "accuracy"})
    with pytest.raises(AdvisorError, match="epochs must be an integer >= 1"):
        resolve_recipe("text", {"epochs": 0})
    with pytest.raises(AdvisorError, match="val \\+ test"):
        resolve_recipe("text", {"val": 0.5, "test": 0.45})
    recipe = resolve_recipe("text", {"lr": 2e-3})
    assert recipe.lr == 2e-3 and recipe.backbone_lr_mult == 0.05 and recipe.eval_batch_size == 64


def test_loader_workers_follow_the_device_unless_the_recipe_names_them():
    from advisor.finetuning.batches import loader_workers

    recipe = resolve_recipe("image", {})
    assert recipe.num_workers is None
    assert loader_workers(recipe.num_workers, "cuda:0") == 1  # the GPU must not wait
    assert loader_workers(recipe.num_workers, "cpu") == 0  # a worker would take a core
    assert loader_workers(resolve_recipe("image", {"num_workers": 3}).num_workers, "cpu") == 3
    with pytest.raises(AdvisorError, match="num_workers must be an integer >= 0 or None"):
        resolve_recipe("image", {"num_workers": -1})


def test_model_is_required_for_images(tmp_path):
    with pytest.raises(AdvisorError, match="model is required"):
        advisor.finetune(small_digits(60), None, output=tmp_path / "run")


def test_the_users_own_split_is_used(tmp_path):
    """train/ val/ test/ top-level folders (like a `split` column) replace the seeded split."""
    data = small_digits(300)
    root = tmp_path / "digits"
    sizes = {"train": 12, "val": 4, "test": 4}
    for c in ("0", "1", "2"):
        idx = np.flatnonzero(data.labels == data.class_names.index(c))
        start = 0
        for part, n in sizes.items():
            folder = root / part / c
            folder.mkdir(parents=True)
            for i in idx[start : start + n]:
                data.image(int(i)).save(folder / f"{i}.png")
            start += n
    result = advisor.finetune(
        str(root), tiny_backbone(), output=tmp_path / "run", **dict(REFERENCE, epochs=1)
    )
    assert result.config["split_sizes"] == {"train": 36, "val": 12, "test": 12}
    assert sum(map(sum, result.confusion)) == 12
