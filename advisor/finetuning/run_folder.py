"""The run folder: where it goes, refusing to clobber an existing run, and checking that a
``resume`` really continues the same run (same model, data, seed and recipe).

``prepare`` only checks; ``create`` clears and makes the folder once every argument is
known to be good, so a refused run leaves nothing behind and destroys no earlier run.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from advisor.errors import CheckpointError
from advisor.finetuning import atomic
from advisor.finetuning.config import RESUME_FREE_KEYS

RUN_MARKER = "advisor-finetune-run"
CONFIG = "config.json"
# Everything a run writes; --overwrite removes only these, never other files of the user.
RUN_ENTRIES = (
    CONFIG,
    "splits.json",
    "checkpoints",
    "metrics.jsonl",
    "metrics.csv",
    "report.json",
    "model",
    *(aside.name for aside in atomic.aside_paths(Path("model"))),  # a swap cut short
)


def default_run_dir(model_id: str, data_name: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{model_id}-{data_name}").strip("-.") or "run"
    return Path("runs") / slug


def prepare(run_dir: Path, *, resume: bool, overwrite: bool) -> dict | None:
    """Check the run folder, changing nothing. Returns the saved config when resuming.

    Nothing is created or cleared here, so an argument refused later leaves no empty run
    folder behind and an ``overwrite`` does not destroy the old run before the new one can
    start: ``create`` does that, last, once every argument has been checked.
    """
    run_dir = Path(run_dir)
    if resume and overwrite:
        raise CheckpointError(
            "resume and overwrite were both given; pass --resume to continue the run in "
            f"{run_dir} or --overwrite to start it again, not both"
        )
    if run_dir.exists() and not run_dir.is_dir():
        raise CheckpointError(
            f"output {run_dir} is a file, not a folder; pass --output with a folder path"
        )
    blocker = next((p for p in run_dir.parents if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise CheckpointError(
            f"output {run_dir}: {blocker} is a file, not a folder; choose another --output"
        )
    existing = run_dir.is_dir() and any(run_dir.iterdir())
    config_path = run_dir / CONFIG
    if resume:
        if not config_path.exists():
            raise CheckpointError(
                f"nothing to resume in {run_dir} (no {CONFIG}); run without --resume to start"
            )
        return read_config(config_path)
    if existing:
        if not overwrite:
            raise CheckpointError(
                f"output folder {run_dir} already exists and is not empty; pass --resume to "
                "continue that run, --overwrite to replace it, or another --output"
            )
        if not config_path.exists():
            raise CheckpointError(
                f"--overwrite refused: {run_dir} is not a fine-tuning run folder (no {CONFIG}), "
                "so its files are left alone; choose another --output"
            )
        read_config(config_path)  # refuse now what ``create`` would refuse later
    return None


def create(run_dir: Path, *, overwrite: bool) -> None:
    """Make the checked run folder: clear the old run's files (``overwrite``), then create it."""
    run_dir = Path(run_dir)
    if overwrite and (run_dir / CONFIG).exists():
        read_config(run_dir / CONFIG)  # only a folder this engine wrote is ever cleared
        for name in RUN_ENTRIES:
            target = run_dir / name
            try:
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()
            except OSError as exc:
                raise atomic.write_error(target, exc) from exc
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise atomic.write_error(run_dir, exc) from exc


def read_config(path: Path) -> dict:
    try:
        config = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckpointError(
            f"run config {path} is unreadable ({exc}); start again with --overwrite"
        ) from exc
    if not isinstance(config, dict) or config.get("kind") != RUN_MARKER:
        raise CheckpointError(f"{path} is not a fine-tuning run config; choose another --output")
    return config


def run_identity(model_id: str, full, train, val, test, seed: int) -> dict:
    """What makes two runs the same experiment: model, data, seed and the split."""
    from advisor.finetuning.splits import splits_fingerprint

    return {
        "model": model_id,
        "data_fingerprint": full.fingerprint(),
        "seed": seed,
        "splits_fingerprint": splits_fingerprint(train, val, test),
    }


def check_same_run(saved: dict, current: dict) -> None:
    """A resume must continue the same experiment, or its result would not be the same."""
    for key, what in (
        ("model", "model"),
        ("data_fingerprint", "data"),
        ("seed", "seed"),
        ("splits_fingerprint", "train/val/test split"),
    ):
        if saved.get(key) != current.get(key):
            raise CheckpointError(
                f"--resume: the {what} differs from the interrupted run ({saved.get(key)!r} "
                f"there, {current.get(key)!r} now); resume with the same settings, or use "
                "--overwrite to start again"
            )


def merge_resume_options(saved: dict | None, given: dict) -> dict:
    """On resume the saved recipe applies; options given again must agree with it."""
    given = {k: v for k, v in given.items() if v is not None}
    if saved is None:
        return given
    merged = dict(saved.get("recipe", {}))
    clashes = sorted(
        k
        for k, v in given.items()
        if k not in RESUME_FREE_KEYS and k in merged and _differs(merged[k], v)
    )
    if clashes:
        detail = ", ".join(f"{k}={given[k]!r} (run has {merged[k]!r})" for k in clashes)
        raise CheckpointError(
            f"--resume continues the saved recipe, but {detail}; drop those options to resume "
            "exactly, or start a new run with --overwrite or another --output"
        )
    merged.update(given)
    return merged


def _differs(saved, given) -> bool:
    if isinstance(saved, list):
        saved = tuple(saved)
    if isinstance(given, list):
        given = tuple(given)
    return saved != given
