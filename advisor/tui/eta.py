"""A time-left estimate that does not jump: an exponential average of the work rate.

"elapsed / fraction done" swings whenever one unit (a cached candidate, a slow network) is
faster or slower than the rest. Here the rate is measured between completed work units,
averaged exponentially, and the estimate counts down between completions.
"""

from __future__ import annotations


class Eta:
    """``update(done, total, now)`` whenever the done count may have changed; ``remaining(now)``
    is None until two completions have given a rate."""

    def __init__(self, alpha: float = 0.3) -> None:
        self.alpha = alpha
        self.reset()

    def reset(self) -> None:
        self.rate: float | None = None  # units per second, exponentially averaged
        self.done = 0.0
        self.total = 0.0
        self._last_time: float | None = None  # when `done` last increased

    def update(self, done: float, total: float, now: float) -> None:
        self.total = total
        if self._last_time is None:
            self.done, self._last_time = done, now
            return
        if done <= self.done:
            return
        seconds = now - self._last_time
        if seconds > 0:
            sample = (done - self.done) / seconds
            self.rate = (
                sample
                if self.rate is None
                else (self.alpha * sample + (1 - self.alpha) * self.rate)
            )
        self.done, self._last_time = done, now

    def remaining(self, now: float) -> float | None:
        if not self.rate or self._last_time is None:
            return None
        left = (self.total - self.done) / self.rate - (now - self._last_time)
        return max(left, 0.0)
