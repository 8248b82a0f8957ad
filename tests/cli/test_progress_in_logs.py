"""`advisor rank` in a log file (stderr no terminal): a long extraction still reports progress."""

import io

from rich.console import Console

from advisor import events as ev
from advisor.cli.rank_cmd import _ProgressPrinter


def _printed(log_every_s: float) -> list[str]:
    out = io.StringIO()
    printer = _ProgressPrinter(Console(file=out, force_terminal=False, width=200))
    printer.LOG_EVERY_S = log_every_s
    where = dict(candidate="m", position=0, candidates=1)
    with printer:
        printer(ev.CandidateStarted(**where))
        for done in (32, 64, 100):
            printer(ev.Extracting(**where, done=done, total=100))
        printer(ev.Probing(**where))
    return out.getvalue().splitlines()


def test_a_long_extraction_prints_how_far_it_is():
    lines = _printed(log_every_s=0.0)  # every event counts as long enough apart
    assert [line.strip() for line in lines] == [
        "[1/1] m: extracting features",
        "m: embedded 32 of 100",
        "m: embedded 64 of 100",
        "m: probing",
    ]


def test_a_quick_extraction_prints_no_extra_lines():
    lines = _printed(log_every_s=15.0)
    assert not any("embedded" in line for line in lines)
