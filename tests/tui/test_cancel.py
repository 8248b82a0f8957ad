"""Quitting and cancelling stop the real work: scoring, fine-tuning and verification.

A thread worker cannot be killed, and the process waits for it before it exits; so `q` must
set every job's cancel event and the library must check it often. Each test holds the worker
at a known point with a WorkerGate, acts, lets it go, and checks what the worker did after:
it stopped (its job finished) without doing the rest of the work.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from advisor.data import load_data
from advisor.tui.finetune_screen import FinetuneScreen
from advisor.tui.messages import (
    CandidateProgress,
    CandidateScored,
    FinetuneDone,
    FinetuneStep,
    RankingDone,
    WorkCancelled,
    WorkFailed,
)
from advisor.tui.scoring_screen import ScoringScreen
from tests.tui.pilot_helpers import RecordingApp, WorkerGate, text_of, wait_until

SIZE = (120, 40)
JOIN_SECONDS = 120  # only bounds a broken run; a stopped worker ends within a batch


def first_extraction(message) -> bool:
    return (
        isinstance(message, CandidateProgress)
        and message.stage == "extract"
        and bool(message.total)
    )


async def start_scoring(app, tiny) -> None:
    app.set_data(load_data("digits"), "digits")
    app.session.budget = 200
    app.session.selected = [tiny.tiny_id, tiny.twin_id]
    await app.action_start_scoring()


@pytest.mark.slow
def test_quit_mid_scoring_cancels_the_worker(tiny_catalog, tmp_path, monkeypatch):
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))  # nothing cached
    gate = WorkerGate(first_extraction)
    gate.install(monkeypatch, ScoringScreen)
    jobs = []

    async def go():
        app = RecordingApp(catalog_files=[tiny_catalog.path])
        async with app.run_test(size=SIZE) as pilot:
            await start_scoring(app, tiny_catalog)
            await wait_until(
                pilot,
                lambda: gate.reached.is_set() or app.of_type(WorkFailed),
                what="the first extraction",
            )
            assert gate.reached.is_set(), app.of_type(WorkFailed)[0].reason
            jobs.extend(app.jobs.running())
            await pilot.press("q")
            gate.release()

    asyncio.run(go())
    assert [job.name for job in jobs] == ["scoring"]
    assert jobs[0].cancel.is_set()
    assert jobs[0].finished.wait(JOIN_SECONDS)
    # It stopped inside the first candidate's extraction: nothing was scored or ranked.
    steps = [m for m in gate.of_type(CandidateProgress) if m.stage == "extract" and m.total]
    assert max(m.done for m in steps) < steps[0].total
    assert not gate.of_type(CandidateScored) and not gate.of_type(RankingDone)


@pytest.mark.slow
def test_cancelled_scoring_says_cancelled_not_finished(tiny_catalog, tmp_path, monkeypatch):
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    gate = WorkerGate(first_extraction)
    gate.install(monkeypatch, ScoringScreen)

    async def go():
        app = RecordingApp(catalog_files=[tiny_catalog.path])
        async with app.run_test(size=SIZE) as pilot:
            await start_scoring(app, tiny_catalog)
            await wait_until(
                pilot,
                lambda: gate.reached.is_set() or app.of_type(WorkFailed),
                what="the first extraction",
            )
            assert gate.reached.is_set(), app.of_type(WorkFailed)[0].reason
            assert "escape cancels" in text_of(app, "#scoring-header")
            await pilot.press("escape")
            gate.release()
            await wait_until(pilot, lambda: app.of_type(WorkCancelled), what="the cancellation")
            header = text_of(app, "#scoring-header")
            assert "cancelled" in header and "finished" not in header
            assert "escape cancels" not in header
            assert app.session.ranking is None and app.is_running
            # Nothing runs now, so escape does nothing (it does not leave the step).
            await pilot.press("escape")
            assert app.current_mode == "scoring"

    asyncio.run(go())


@pytest.mark.slow
def test_quit_mid_finetune_cancels_training(tiny_catalog, tmp_path, monkeypatch):
    gate = WorkerGate(lambda m: isinstance(m, FinetuneStep) and m.event.kind == "step")
    gate.install(monkeypatch, FinetuneScreen)
    jobs = []

    async def go():
        app = RecordingApp(catalog_files=[tiny_catalog.path])
        async with app.run_test(size=SIZE) as pilot:
            app.set_data(load_data("digits").subset(np.arange(300)), "digits")
            await app.open_finetune(tiny_catalog.tiny_id)
            for selector, value in {
                "#ft-epochs": "5",
                "#ft-batch_size": "16",
                "#ft-image_size": "32",
                "#ft-output": str(tmp_path / "run"),
            }.items():
                app.screen.query_one(selector).value = value
            await pilot.press("ctrl+s")
            await wait_until(
                pilot,
                lambda: gate.reached.is_set() or app.of_type(WorkFailed),
                what="the first training step",
            )
            assert gate.reached.is_set(), app.of_type(WorkFailed)[0].reason
            jobs.extend(app.jobs.running())
            await pilot.press("q")
            gate.release()

    asyncio.run(go())
    assert [job.name for job in jobs] == ["fine-tuning"] and jobs[0].cancel.is_set()
    assert jobs[0].finished.wait(JOIN_SECONDS)
    done = gate.of_type(FinetuneDone)
    assert len(done) == 1 and done[0].result.cancelled and done[0].result.epochs_run == 0
    assert not (tmp_path / "run" / "model").exists()  # nothing exported
    assert (tmp_path / "run" / "checkpoints" / "last").exists()  # resumable


def read_until(fd, needles, seconds: float) -> str:
    """Read a pty until one of `needles` shows (escape codes stripped); fail after `seconds`."""
    import os
    import re
    import select
    import time

    seen, deadline = "", time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                seen += os.read(fd, 65536).decode("utf-8", "replace")
            except OSError:  # the child closed the terminal
                break
            plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen)
            if any(needle in plain for needle in needles):
                return plain
    raise AssertionError(f"none of {needles} appeared; last output: {seen[-500:]!r}")


def drain_until_exit(child, fd, seconds: float) -> int:
    """Keep reading the child's terminal until it exits (its exit code); fail after `seconds`."""
    import os
    import select
    import time

    deadline = time.monotonic() + seconds
    while child.poll() is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"the process still runs {seconds} s after q")
        if select.select([fd], [], [], 0.2)[0]:
            try:
                os.read(fd, 65536)
            except OSError:  # the terminal closed: the child is exiting
                time.sleep(0.05)
    return child.returncode


@pytest.mark.slow
def test_advisor_tui_process_ends_soon_after_q_mid_scoring(tmp_path):
    """The real command in a terminal: score the offline candidates, press q mid-way; the
    process must end (it used to keep extracting for minutes) with the work undone."""
    import fcntl
    import os
    import struct
    import subprocess
    import sys
    import termios
    import time

    cache = tmp_path / "cache"
    env = {
        **os.environ,
        "ADVISOR_CACHE_DIR": str(cache),
        "TERM": "xterm-256color",
        "OMP_NUM_THREADS": "1",
    }
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    child = subprocess.Popen(
        [sys.executable, "-m", "advisor", "tui", "digits"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=tmp_path,
        start_new_session=True,
    )
    os.close(slave)
    try:
        read_until(master, ["examples: 1797"], 300)  # the data step, digits loaded
        os.write(master, b"2")
        read_until(master, ["selected"], 60)
        os.write(master, b"s")
        read_until(master, ["extracting", "loading weights"], 300)
        os.write(master, b"q")
        quit_at = time.monotonic()
        code = drain_until_exit(child, master, JOIN_SECONDS)  # a full pty would block it
        print(f"the process ended {time.monotonic() - quit_at:.1f} s after q")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(master)
    assert code == 0
    cached = list(cache.rglob("*.npz")) if cache.exists() else []
    assert len(cached) < 3  # three candidates were selected; quitting stopped the scoring
