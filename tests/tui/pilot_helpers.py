"""Shared by the Pilot tests: an app that records its messages, a bounded wait, a worker gate."""

from __future__ import annotations

import io
import threading
import time

from advisor.tui import AdvisorApp


class RecordingApp(AdvisorApp):
    """Keeps every worker message that bubbles up from the screens."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list = []

    async def _on_message(self, message) -> None:
        self.seen.append(message)
        await super()._on_message(message)

    def of_type(self, kind) -> list:
        return [m for m in self.seen if isinstance(m, kind)]


async def wait_until(pilot, condition, seconds: float = 300.0, what: str = "condition") -> None:
    """Poll condition every 0.05 s; fail the test after `seconds` (never a timing assertion
    on success: the wait only bounds how long a broken flow can hang)."""
    start = time.perf_counter()
    for _ in range(int(seconds / 0.05)):
        if condition():
            print(f"{time.perf_counter() - start:7.1f}s waiting for {what}")
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def text_of(app, selector: str) -> str:
    """The text of one widget of the current screen (a Rich renderable is printed plainly)."""
    widget = app.screen.query_one(selector)
    content = getattr(widget, "content", None)
    if (
        content is not None
        and not isinstance(content, str)
        and hasattr(content, "__rich_console__")
    ):
        from rich.console import Console

        console = Console(width=200, record=True, file=io.StringIO())
        console.print(content)
        return console.export_text()
    return str(widget.render())


class WorkerGate:
    """Holds a worker thread right after it posts the first message matching `when`, until
    the test calls release(). Makes "act while the run is in flight" hold on any machine
    speed, with no timing: the worker waits for the test, not the other way round."""

    def __init__(self, when) -> None:
        self.when = when
        self.reached = threading.Event()
        self._release = threading.Event()
        self._armed = True
        self.posted: list = []  # every message the worker posted, also after the app exited

    def install(self, monkeypatch, screen_class) -> None:
        original = screen_class.post_message
        gate = self

        def post_message(screen, message):
            if threading.current_thread() is not threading.main_thread():
                gate.posted.append(message)
            delivered = original(screen, message)
            if (
                gate._armed
                and threading.current_thread() is not threading.main_thread()
                and gate.when(message)
            ):
                gate._armed = False
                gate.reached.set()
                gate._release.wait(timeout=300)
            return delivered

        monkeypatch.setattr(screen_class, "post_message", post_message)

    def release(self) -> None:
        self._release.set()

    def of_type(self, kind) -> list:
        return [m for m in self.posted if isinstance(m, kind)]
