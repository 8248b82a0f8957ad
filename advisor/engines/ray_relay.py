"""Progress events from Ray workers to the driver: a Ray queue the workers put into and the
driver drains (between ``ray.wait`` polls, or from a Tune callback)."""

from __future__ import annotations

from collections.abc import Callable

import ray
from ray.util.queue import Empty, Queue


class Sender:
    """What a worker emits with: each event goes to the driver's queue without waiting for
    the queue's actor to take it. A blocking ``Queue.put`` waits for that actor to be
    scheduled, which on a busy machine cost a candidate seconds per event. Leaving the
    ``with`` block waits for every event sent, so a unit's events are all in the queue
    before its result is."""

    def __init__(self, relay: Queue):
        self.relay, self.sent = relay, []

    def __call__(self, event: object) -> None:
        # Queue.actor is the queue's _QueueActor; put_nowait never blocks (no maxsize).
        self.sent.append(self.relay.actor.put_nowait.remote(event))

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc_info) -> None:
        ray.get(self.sent)
        self.sent.clear()


def drain(relay: Queue, emit: Callable[[object], None]) -> None:
    """Pass every event waiting in the queue to ``emit``, in the order they were sent."""
    while True:
        try:
            batch = relay.get_nowait_batch(max(relay.qsize(), 1))
        except Empty:
            return
        for event in batch:
            emit(event)
