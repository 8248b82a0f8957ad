"""What an anytime ranking tells its reader: the dropped candidates below the finalists,
each record's examples, and what stopping early saved (``Ranking.notes`` and
``settings["anytime"]``). advisor.ranking.anytime runs the rounds."""

from __future__ import annotations

import math
from typing import Any

# Record keys of a dropped candidate that only mean something among the finalists.
_FINAL_ONLY = ("rank_low", "rank_high", "too_close", "pareto")


def finish(run: Any, ranking: Any) -> Any:
    """The finalists first, then the dropped candidates (later rounds first, then their
    order in that round), each marked with its round."""
    for record in ranking.records:
        record["examples"] = run.examples.get(record["candidate"], len(run.indices))
        record["stopped_round"] = None
    order = sorted(run.stopped, key=lambda c: (-run.stopped[c]["round"], run.stopped[c]["rank"]))
    notes = []
    for cid in order:
        at = run.stopped[cid]
        record = {k: v for k, v in at.items() if k not in ("round", "examples")}
        for key in _FINAL_ONLY:
            record.pop(key, None)
        for probe in ranking.probes:  # its probe ranks were among another set of candidates
            record[f"{probe}_rank"] = None
        why = (
            f"stopped at round {at['round']} ({at['examples']} examples), ranked {at['rank']} "
            f"of that round: out of the top {run.rules['top_k']}, so it embedded no more examples"
        )
        record.update(
            rank=len(ranking.records) + 1,
            final_score=math.nan,  # fused among other candidates on fewer rows: not comparable
            round_score=at.get("final_score"),  # its fused score in that round
            p_best=math.nan,
            examples=at["examples"],
            stopped_round=at["round"],
            why=why,
        )
        ranking.records.append(record)
        notes.append(f"{cid} {why}")
    # One planned round (data within the first round's size) is a fixed budget: nothing
    # to report beyond the settings.
    summary = [summary_note(run)] if len(run.planned) > 1 else []
    ranking.notes[:0] = [*summary, *notes]
    ranking.settings["anytime"] = settings(run)
    return ranking


def costs(run: Any) -> dict:
    """Extraction seconds of the rows used against every candidate at the cap, from each
    candidate's measured examples per second (now or when its rows were cached)."""
    cap_rows = run.planned[-1] if run.planned else 0
    spent = full = 0.0
    for cid, seconds in run.computed.items():
        n = run.examples.get(cid, 0)
        if n and seconds > 0:
            spent += seconds
            full += seconds / n * cap_rows
    return {
        "extract_seconds": round(spent, 3),
        "extract_seconds_at_cap": round(full, 3),
        "extract_seconds_this_call": round(run.fresh_seconds, 3),
        "examples_embedded": int(sum(run.examples.values())),
        "examples_at_cap": int(cap_rows * len(run.examples)),
    }


def summary_note(run: Any) -> str:
    cost = costs(run)
    last = run.rounds[-1] if run.rounds else {"round": 0, "examples": 0}
    saved = ""
    if cost["extract_seconds_at_cap"] > 0:
        saved = (
            f": {cost['extract_seconds']:.1f} s of extraction instead of about "
            f"{cost['extract_seconds_at_cap']:.1f} s (from the measured examples/s)"
        )
    scales = (
        "; the stopped candidates' last scores still count in each probe's scale"
        if run.stopped
        else ""
    )
    return (
        f"anytime: stopped after round {last['round']} of {len(run.planned)} "
        f"({last['examples']} of at most {run.planned[-1] if run.planned else 0} examples) "
        f"because {run.stop or 'no candidate was left'}; embedded "
        f"{cost['examples_embedded']} examples instead of {cost['examples_at_cap']}{saved}"
        f"{scales}"
    )


def settings(run: Any) -> dict:
    return {
        "cap": run.cap,
        **run.rules,
        "planned": list(run.planned),
        "rounds": run.rounds,
        "stop": run.stop,
        "examples": dict(run.examples),
        **costs(run),
    }


def round_line(event: Any) -> str:
    """One line for a terminal or a log about an ``events.AnytimeRound``."""
    p_best = "" if math.isnan(event.p_best) else f" (P(best) {event.p_best:.2f})"
    text = (
        f"round {event.round}/{event.rounds}: {event.examples} examples, leader "
        f"{event.leader}{p_best}"
    )
    if event.dropped:
        text += f"; stopped: {', '.join(event.dropped)}"
    if event.stop:
        return f"{text}; done: {event.stop}"
    return f"{text}; {event.candidates_left} go on to the next round"
