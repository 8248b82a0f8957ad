"""What the user has chosen so far; owned by the app, changed only on the event loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_BUDGET = 500


@dataclass
class Session:
    data: Any = None  # advisor.data.LabelledData once loaded
    data_spec: str | None = None  # what the user typed or picked
    budget: int = DEFAULT_BUDGET  # examples fed to the probes
    task: str = "auto"  # advisor.data.tasks.TASK_CHOICES: how load_data reads the labels
    layers: str = "last"  # advisor.rank(layers=...): last, layermean or bestlayer
    catalog: Any = None  # catalog.Catalog (loaded once)
    selected: list[str] = field(default_factory=list)  # candidate ids, in catalog order
    ranking: Any = None  # advisor.Ranking of the last finished scoring
    finetune_candidate: str | None = None
    finetune_result: Any = None
    verify_report: Any = None  # advisor.verify's report on the ranking, once run
    strategy: Any = None  # advisor.strategy.StrategyAdvice of the last advice asked for (a)

    @property
    def modality(self) -> str | None:
        return None if self.data is None else self.data.modality
