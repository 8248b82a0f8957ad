"""The ranking screen's strategy pane: the highlighted candidate's learning curve and the
advice on how to adapt it (frozen, LP-FT, full or partial fine-tuning), computed by
``advisor.strategy.advise`` in a thread worker (key ``a``) from the cached features."""

from __future__ import annotations

from rich.markup import escape
from textual.message import Message
from textual.widgets import Static

STRATEGY_TASK = "strategy"  # the worker's name, as WorkFailed / WorkCancelled report it
BARS = " ▁▂▃▄▅▆▇█"


class StrategyReady(Message):
    """The advice for ``candidate`` is ready (posted by the worker)."""

    def __init__(self, candidate: str, advice) -> None:
        super().__init__()
        self.candidate = candidate
        self.advice = advice


def curve_lines(curve) -> list[str]:
    """The measured points as a bar per size and the predictions with their intervals."""
    means = curve.mean_scores
    low, high = float(min(means)), float(max(means))
    span = max(high - low, 1e-9)
    bars = "".join(BARS[1 + int(round((m - low) / span * (len(BARS) - 2)))] for m in means)
    lines = [
        f"[b]learning curve[/] (frozen {curve.metric}, {curve.scores.shape[0]} repeats)",
        f"{bars}  {100 * means[0]:.1f}% at {curve.sizes[0]} → {100 * means[-1]:.1f}% at "
        f"{curve.sizes[-1]}",
    ]
    for key, label in (("full", "full set"), ("2x", "2×"), ("10x", "10×")):
        p = curve.predictions.get(key)
        if p is not None:
            lines.append(
                f"{label:>8} {p.n:>7,}: {100 * p.mean:.1f}% ({100 * p.low:.1f}–{100 * p.high:.1f})"
            )
    return lines


def strategy_markup(advice) -> str:
    lines = [""]
    if advice.curve is not None:
        lines += curve_lines(advice.curve) + [""]
    lines.append(f"[b]strategy[/] ({advice.n_train:,} training labels)")
    for e in advice.estimates:
        mark = "[b]▶ " if e.name == advice.recommended else "  "
        end = "[/]" if e.name == advice.recommended else ""
        time = "—" if e.seconds is None else _duration(e.seconds)
        lines.append(
            f"{mark}{escape(e.label)}: {100 * e.expected:.1f}% "
            f"({100 * e.low:.1f}–{100 * e.high:.1f}) · {time}{end}"
        )
    lines += ["", escape(advice.reasoning)]
    lines += [f"[dim]{escape(n)}[/]" for n in advice.notes]
    lines.append("[dim]f opens the fine-tune form with this strategy[/]")
    return "\n".join(lines)


class StrategyPane(Static):
    """Hidden until the user asks for advice (a), so the ranking view stays as it was."""

    DEFAULT_CSS = "StrategyPane { display: none; height: auto; }"

    def show_text(self, text: str) -> None:
        self.display = True
        self.update(text)

    def show_advice(self, advice) -> None:
        self.show_text(strategy_markup(advice))

    def clear(self) -> None:
        self.update("")
        self.display = False


def compute_advice(ranking, data, candidate: str, cancel=None, entry=None):
    """The worker's call (cancel is checked before the slow part starts)."""
    from advisor.errors import Cancelled
    from advisor.strategy import advise

    if cancel is not None and cancel.is_set():
        raise Cancelled("strategy advice cancelled")
    return advise(ranking, data, candidate=candidate, entry=entry)


def _duration(seconds: float) -> str:
    from advisor.strategy.reasoning import format_duration as fmt

    return fmt(seconds)
