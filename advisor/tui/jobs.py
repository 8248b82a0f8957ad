"""The app's running jobs: one cancel event per thread worker, all set at once on quit.

A thread worker cannot be interrupted; it stops when the library checks its ``cancel``
event (per extraction batch, per probe, per bootstrap resample, per training step). The
process cannot exit before the worker's thread returns, so quitting must set every event.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from textual.screen import Screen
from textual.worker import Worker


@dataclass
class Job:
    """``cancel`` is passed to the library; ``finished`` is set when the worker returns."""

    name: str
    cancel: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> Job:
        return self

    def __exit__(self, *exc_info) -> None:
        from advisor.memory import release_memory

        try:
            release_memory()  # the app does not keep the job's peak for the rest of the session
        finally:
            self.finished.set()

    @property
    def running(self) -> bool:
        return not self.finished.is_set()


class Jobs:
    """Registry of the jobs started in this app (thread-safe; workers end them)."""

    def __init__(self) -> None:
        self._jobs: list[Job] = []
        self._lock = threading.Lock()

    def start(self, name: str) -> Job:
        job = Job(name)
        with self._lock:
            self._jobs = [j for j in self._jobs if j.running] + [job]
        return job

    def running(self) -> list[Job]:
        with self._lock:
            return [j for j in self._jobs if j.running]

    def cancel_all(self) -> list[Job]:
        """Set every running job's cancel event; returns those jobs."""
        jobs = self.running()
        for job in jobs:
            job.cancel.set()
        return jobs

    def wait_all(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the running jobs to end; True when they all did."""
        import time

        deadline = time.monotonic() + seconds
        for job in self.running():
            if not job.finished.wait(max(0.0, deadline - time.monotonic())):
                return False
        return True


def ending_message(worker) -> object | None:
    """The message for a worker that raised: WorkCancelled, WorkFailed, or None.

    The one place the TUI turns a worker's exception into what the user sees: a user error
    (``advisor.errors.is_user_error``) shows its message; anything else is a bug, shown as
    "Type: text" with its traceback kept for the report printed on exit.
    """
    from textual.worker import WorkerState

    from advisor.errors import Cancelled, is_user_error, user_message
    from advisor.tui.messages import WorkCancelled, WorkFailed

    if worker.state != WorkerState.ERROR or worker.error is None:
        return None
    task = worker.name or worker.group or "run a task"
    if isinstance(worker.error, Cancelled):
        return WorkCancelled(task)
    return WorkFailed(task, user_message(worker.error), bug=not is_user_error(worker.error))


class WorkScreen(Screen):
    """Base of the screens that run thread workers (``exit_on_error=False``): this is their
    one ``Worker.StateChanged`` handler, in place of a try/except in every worker."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        message = ending_message(event.worker)
        if message is None:
            return
        if getattr(message, "bug", False):
            self.app.report_bug(event.worker.error)
        self.post_message(message)
