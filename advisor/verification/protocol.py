"""The one fixed fine-tuning protocol of verification, and the cache of its results.

Every candidate is fine-tuned the same way, so differences in accuracy come from the
backbone, not from the recipe:

* data: a seeded, class-stratified subsample of ``budget`` examples (all when smaller),
  then the fine-tuning engine's own seeded train/val/test split (70/15/15 unless the
  recipe sets ``val`` and ``test``);
* ``advisor.finetune`` with its default recipe for the modality (AdamW, linear-probe head
  initialisation then full fine-tuning, label smoothing 0.1, early stopping on val
  accuracy), ``epochs`` epochs, seed ``seed``;
* the score is test accuracy on the held-out test split.

Results are cached as JSON keyed by (candidate, data fingerprint, protocol), so a rerun (or
a benchmark sharing the cache) only fine-tunes what it has not seen.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from advisor.atomic import write_json
from advisor.jsonable import to_jsonable

# 2: text fine-tunes pool as the ranking does (L2-normalised where the pipeline is)
# 3: every probe head (LP-FT's start, the frozen strategy) chooses its l2 by cross-validation
PROTOCOL_VERSION = 3


@dataclass(frozen=True)
class Protocol:
    epochs: int = 3
    seed: int = 0
    budget: int | None = 1000
    recipe: dict = field(default_factory=dict)  # extra advisor.finetune options (documented)

    def key(self) -> str:
        text = json.dumps(to_jsonable({"v": PROTOCOL_VERSION, **asdict(self)}), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def check(self, data) -> None:
        """Refuse now, with the engine's own message, the options ``advisor.finetune`` would
        refuse after the ranking (``data``: the loaded LabelledData)."""
        from advisor.finetuning.config import resolve_recipe

        resolve_recipe(data.modality, {"epochs": self.epochs, **self.recipe}, task=data.task)

    def describe(self, score: str = "test accuracy") -> str:
        budget = (
            "all examples" if self.budget is None else f"a stratified subsample of {self.budget}"
        )
        val, test = self.recipe.get("val", 0.15), self.recipe.get("test", 0.15)
        split = f"{round(100 * (1 - val - test))}/{round(100 * val)}/{round(100 * test)}"
        extra = {k: v for k, v in self.recipe.items() if k not in ("val", "test")}
        options = f", options {extra}" if extra else ""
        return (
            f"advisor.finetune default recipe, {self.epochs} epoch(s), seed {self.seed}, "
            f"{budget}, {split} train/val/test split, {score}{options}"
        )


PROTOCOL = Protocol()


def safe_name(name: str) -> str:
    """A file-name-safe form of a candidate or data name (at most 80 characters)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(name))[:80]


def default_cache_dir() -> Path:
    env = os.environ.get("ADVISOR_CACHE_DIR")
    if env:
        return Path(env) / "verify"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("advisor")) / "verify"


class FinetuneCache:
    """One small JSON file per (candidate, data fingerprint, protocol)."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else default_cache_dir()

    def path(self, candidate: str, data_fingerprint: str, protocol: Protocol) -> Path:
        safe = safe_name(candidate)
        digest = hashlib.sha256(f"{candidate}|{data_fingerprint}|{protocol.key()}".encode())
        return self.root / f"{safe}-{digest.hexdigest()[:16]}.json"

    def get(self, candidate: str, data_fingerprint: str, protocol: Protocol) -> dict | None:
        path = self.path(candidate, data_fingerprint, protocol)
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            return None  # missing or corrupt: fine-tune again
        if record.get("candidate") != candidate or record.get("protocol") != protocol.key():
            return None
        return record

    def put(self, candidate: str, data_fingerprint: str, protocol: Protocol, record: dict) -> None:
        path = self.path(candidate, data_fingerprint, protocol)
        path.parent.mkdir(parents=True, exist_ok=True)
        body = {
            **record,
            "candidate": candidate,
            "data_fingerprint": data_fingerprint,
            "protocol": protocol.key(),
            "protocol_text": protocol.describe(),
        }
        write_json(path, body)
