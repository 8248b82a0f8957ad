"""Regenerate data/finetune-digits.json, the fine-tuning result the TUI snapshot shows.

A real run: the tiny random-init test model (tiny_model.py) fine-tuned on digits for 3
epochs at 32 px, seed 0. Only the result's fields are kept (no weights).

    OMP_NUM_THREADS=1 python tests/tui/make_finetune_fixture.py
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from pathlib import Path

OUT = Path(__file__).with_name("data") / "finetune-digits.json"


def main() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from tiny_model import TINY_ID, write_tiny_catalog

    import advisor
    from catalog import load_catalog

    with tempfile.TemporaryDirectory() as tmp:
        catalog = load_catalog([write_tiny_catalog(Path(tmp))])
        result = advisor.finetune(
            "digits",
            model=catalog.get(TINY_ID),
            output=Path(tmp) / "run",
            epochs=3,
            image_size=32,
            batch_size=64,
            seed=0,
        )
    saved = dataclasses.asdict(result)
    # Paths as a user would see them after the default `advisor finetune` (not the temp dir).
    saved["run_dir"] = f"runs/{TINY_ID}-digits"
    saved["export_dir"] = f"runs/{TINY_ID}-digits/model"
    saved["config"] = {k: saved["config"][k] for k in ("model", "data", "recipe", "split_sizes")}
    text = json.dumps(saved, indent=2, default=str)
    fd, temp = tempfile.mkstemp(dir=OUT.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
    os.chmod(temp, 0o644)  # mkstemp makes it private
    os.replace(temp, OUT)
    print(text[:2000])


if __name__ == "__main__":
    main()
