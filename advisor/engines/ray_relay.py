"""Progress events from Ray workers to the driver: a Ray queue the workers put into and the
driver drains (between ``ray.wait`` polls, or from a Tune callback)."""

from __future__ import annotations

import time
from collections.abc import Callable

import ray
from ray.util.queue import Empty, Queue


class Sender:
    """What a worker emits with: each event goes to the driver's queue without waiting for
    the queue's actor to take it. A blocking ``Queue.put`` waits for that actor to be
    scheduled, which on a busy machine cost a candidate seconds per event.

    With ``unit`` (a Ray task's index), each event travels tagged with it and leaving the
    ``with`` block does not wait: the task returns how many it sent (``count``) and the
    driver drains until it has them all (``await_events``). Waiting in the task would be a
    ``ray.get``, which hands the task's CPU back to Ray, and Ray then starts a new worker
    process for the next task (seconds of imports). Without ``unit`` (a Tune trial) leaving
    the block waits for every event sent, so they are all queued before the trial reports.
    """

    def __init__(self, relay: Queue, unit: int | None = None):
        self.relay, self.unit, self.sent, self.count = relay, unit, [], 0

    def __call__(self, event: object) -> None:
        # Queue.actor is the queue's _QueueActor; put_nowait never blocks (no maxsize).
        message = event if self.unit is None else (TAG, self.unit, event)
        sent = self.relay.actor.put_nowait.remote(message)
        if self.unit is None:  # only a Sender that waits on leaving keeps what it sent
            self.sent.append(sent)
        self.count += 1

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc_info) -> None:
        if self.unit is None:
            ray.get(self.sent)
        self.sent.clear()


TAG = "advisor-unit-event"
# How long the driver waits for a finished task's events to reach the queue: they were
# submitted before the task returned, so they are milliseconds behind its result.
AWAIT_S = 30.0


def await_events(
    relay: Queue, emit: Callable[[object], None], seen: dict, unit: int, count: int
) -> None:
    """Drain until ``count`` events of task ``unit`` have been passed on (``seen`` counts
    them per unit), or ``AWAIT_S`` has passed."""
    deadline = time.monotonic() + AWAIT_S
    drain(relay, emit, seen)
    while seen.get(unit, 0) < count and time.monotonic() < deadline:
        time.sleep(0.005)
        drain(relay, emit, seen)


def drain(relay: Queue, emit: Callable[[object], None], seen: dict | None = None) -> None:
    """Pass every event waiting in the queue to ``emit``, in the order they were sent; a
    tagged one (Sender with a unit) is unwrapped and counted in ``seen``."""
    while True:
        try:
            batch = relay.get_nowait_batch(max(relay.qsize(), 1))
        except Empty:
            return
        for message in batch:
            if isinstance(message, tuple) and len(message) == 3 and message[0] == TAG:
                _, unit, message = message
                if seen is not None:
                    seen[unit] = seen.get(unit, 0) + 1
            emit(message)
