"""Does the TUI stay responsive while it loads data, scores and fine-tunes?

Drives the real app headless (Textual's run_test) through the flow and measures the event
loop: a 50 ms timer records the gap between its ticks, so a stall of the UI thread shows as
a long gap. Prints one row per phase (seconds, ticks, median / p95 / max gap).

    OMP_NUM_THREADS=1 python -m benchmarks.tui_responsiveness
    python -m benchmarks.tui_responsiveness --candidates tf_efficientnet_lite0.in1k \
        --budget 300 --epochs 2 --image-size 64

Run it with -m from the repository root: as a plain script, benchmarks/probes.py would
shadow the probes package.

A frame at 60 Hz is 17 ms; gaps near the 50 ms period mean no stall at all.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this folder is first on sys.path and its probes.py would shadow the
# probes package: put the repository root first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TICK = 0.05


class GapMeter:
    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.last = time.perf_counter()

    def tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.last = now

    def take(self) -> list[float]:
        gaps, self.gaps = self.gaps, []
        return gaps


async def drive(args) -> list[tuple[str, float, list[float]]]:
    from advisor.tui import AdvisorApp
    from advisor.tui.preload import preload_heavy_modules

    preload_heavy_modules()  # as `advisor tui` does before its first frame

    app = AdvisorApp(args.data)
    meter = GapMeter()
    rows = []

    async def phase(name: str, done) -> None:
        meter.take()
        start = time.perf_counter()
        while not done():
            await asyncio.sleep(0.05)
        rows.append((name, time.perf_counter() - start, meter.take()))

    async with app.run_test(size=(120, 40)) as pilot:
        app.set_interval(TICK, meter.tick)
        await phase("load data", lambda: app.session.data is not None)
        app.session.budget = args.budget
        app.session.selected = list(args.candidates)
        await pilot.pause(0.2)
        meter.take()
        await app.action_start_scoring()
        await phase(
            "score candidates", lambda: app.session.ranking is not None or not app.screen.running
        )
        if app.session.ranking is None:
            reasons = "; ".join(str(n.message) for n in app._notifications)
            raise SystemExit(f"scoring failed: {reasons}")
        await app.open_finetune(app.session.ranking.records[0]["candidate"])
        await pilot.pause(0.2)
        screen = app.screen
        form = {
            "#ft-epochs": str(args.epochs),
            "#ft-image_size": str(args.image_size),
            "#ft-output": args.output,
        }
        for selector, value in form.items():
            screen.query_one(selector).value = value
        screen.query_one("#ft-overwrite").value = True
        screen.action_start()
        await phase("fine-tune", lambda: not screen.running)
        for widget_id in ("#ft-status", "#ft-summary"):
            print(str(screen.query_one(widget_id).render()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="digits")
    parser.add_argument("--candidates", nargs="+", default=["tf_efficientnet_lite0.in1k"])
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--output", default=tempfile.mkdtemp(prefix="advisor-tui-bench-") + "/run")
    args = parser.parse_args()
    rows = asyncio.run(drive(args))

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"TUI event-loop gaps (timer period {TICK * 1000:.0f} ms)")
    for column in ("phase", "seconds", "ticks", "median gap ms", "p95 gap ms", "max gap ms"):
        table.add_column(column, justify="left" if column == "phase" else "right")
    for name, seconds, gaps in rows:
        ordered = sorted(gaps) or [float("nan")]
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        table.add_row(
            name,
            f"{seconds:.1f}",
            str(len(gaps)),
            f"{statistics.median(ordered) * 1000:.0f}",
            f"{p95 * 1000:.0f}",
            f"{ordered[-1] * 1000:.0f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
