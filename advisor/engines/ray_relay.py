"""Progress events from Ray workers to the driver: a Ray queue the workers put into and the
driver drains (between ``ray.wait`` polls, or from a Tune callback)."""

from __future__ import annotations

from collections.abc import Callable

from ray.util.queue import Empty, Queue


def drain(relay: Queue, emit: Callable[[object], None]) -> None:
    """Pass every event waiting in the queue to ``emit``, in the order they were sent."""
    while True:
        try:
            batch = relay.get_nowait_batch(max(relay.qsize(), 1))
        except Empty:
            return
        for event in batch:
            emit(event)
