"""The race in the ranking screen: its options, its progress line and its outcome in words.

``advisor.race.race`` runs successive halving over short real fine-tunes of the close calls
(or the top K) and ``advisor.race.settle.settle`` makes its order the ranking's final word
(docs/race.md); this module turns the dialog's numbers into the race's arguments and its
typed events (``advisor.events.TrialStarted``/``TrialDone``/``RungDone``) into text.
"""

from __future__ import annotations

import math

from rich.markup import escape

RACE_FIELDS = (
    ("steps", "race budget in optimizer steps (over the whole race)", "int", None),
    ("seconds", "or in seconds (wall time; leave steps empty)", "float", None),
    ("top", "candidates to race when no close call is flagged (top K)", "int", None),
    ("examples", "examples per fine-tune (stratified subsample)", "int", None),
)
RACE_DEFAULTS = {"steps": 2000, "top": 3, "examples": 1000}


def check_race_options(options: dict) -> dict[str, str]:
    if "steps" in options and "seconds" in options:
        return {"seconds": "give the race budget in steps or in seconds, not both"}
    if "steps" not in options and "seconds" not in options:
        return {"steps": "give the race budget: optimizer steps (e.g. 2000) or seconds (600)"}
    if options.get("top", RACE_DEFAULTS["top"]) < 2:
        return {"top": "top K must be at least 2: a race needs two candidates"}
    return {}


def race_budget(options: dict) -> int | str:
    """The ``budget=`` of ``advisor.race.race``: steps (int) or seconds ("600s")."""
    if options.get("seconds") is not None:
        return f"{options['seconds']:g}s"
    return int(options["steps"])


def progress_text(
    event, accuracies: dict[tuple[int, str], float], names: dict[str, str]
) -> str | None:
    """One status line for a typed race event (None: nothing to show).

    ``accuracies`` holds the validation accuracy of each finished trial, by (rung, candidate),
    shown for the current rung as they arrive."""
    from advisor import events as ev

    if isinstance(event, ev.TrialStarted):
        rung, where = (
            event.rung,
            (
                f"rung {event.rung}: candidate {event.done + 1}/{event.total}"
                f" · [b]{escape(names.get(event.candidate, event.candidate))}[/]"
                f" · to {event.steps} steps"
            ),
        )
    elif isinstance(event, ev.TrialDone):
        rung, where = event.rung, f"rung {event.rung}: {event.done}/{event.total} trials done"
    elif isinstance(event, ev.RungDone):
        promoted = ", ".join(names.get(c, c) for c in event.result.promoted)
        rung, where = (
            event.result.rung,
            (f"rung {event.result.rung} done: {escape(promoted)} go on"),
        )
    else:
        return None
    done = [
        f"{escape(names.get(c, c))} {_percent(a)}" for (r, c), a in accuracies.items() if r == rung
    ]
    tail = f" · val acc {', '.join(done)}" if done else ""
    return f"racing: {where}{tail} · escape cancels"


def outcome_text(result, names: dict[str, str]) -> str:
    """The status line once the race is done: winner, steps, time, where it is cached."""
    winner = names.get(result.winner, result.winner)
    text = (
        f"[b]decided by race[/] (budget {escape(result.budget)}: {result.total_steps} steps "
        f"trained in {result.seconds:.0f} s): [b]{escape(winner)}[/] won; the table shows "
        "the race order and each raced candidate's validation accuracy at its last rung"
    )
    return "\n".join([text, *(f"[yellow]note[/]: {escape(n)}" for n in result.notes)])


def _percent(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{100 * value:.1f}%"
