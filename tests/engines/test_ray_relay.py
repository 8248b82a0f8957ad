"""The driver's side of the progress relay (advisor/engines/ray_relay.py), on a queue that
hands out batches as a Ray queue does, without starting Ray."""

from __future__ import annotations

import pytest

pytest.importorskip("ray", reason="the ray extra: pip install 'transfer-advisor[ray]'")

from ray.util.queue import Empty  # noqa: E402

from advisor.engines import ray_relay  # noqa: E402


class ArrivingQueue:
    """Each get_nowait_batch call takes the next slot: a batch, or Empty (nothing yet)."""

    def __init__(self, slots):
        self.slots = list(slots)

    def qsize(self):
        return len(self.slots[0]) if self.slots and self.slots[0] is not Empty else 0

    def get_nowait_batch(self, n):
        if not self.slots or self.slots[0] is Empty:
            if self.slots:
                self.slots.pop(0)
            raise Empty
        return self.slots.pop(0)


def tagged(unit, event):
    return (ray_relay.TAG, unit, event)


def test_the_driver_waits_for_a_finished_tasks_late_events_in_order():
    queue = ArrivingQueue(
        [[tagged(3, "started")], Empty, [tagged(3, "done"), tagged(4, "other")], Empty]
    )
    emitted, seen = [], {}
    ray_relay.await_events(queue, emitted.append, seen, unit=3, count=2)
    assert emitted == ["started", "done", "other"]  # unwrapped, in the order sent
    assert seen == {3: 2, 4: 1}


def test_an_untagged_event_passes_through_uncounted_and_the_wait_is_bounded(monkeypatch):
    monkeypatch.setattr(ray_relay, "AWAIT_S", 0.05)
    queue = ArrivingQueue([["from a Tune trial"], Empty])
    emitted, seen = [], {}
    ray_relay.await_events(queue, emitted.append, seen, unit=0, count=1)  # never comes
    assert emitted == ["from a Tune trial"] and seen == {}
