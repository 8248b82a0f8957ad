"""Cancelling a ranking is checked before each probe, not only between candidates.

A slow probe set (PARC, N-LEEP on thousands of examples) takes minutes per candidate, so a
cancel that waited for the candidate to finish made `q` in the terminal app hang.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from advisor.errors import Cancelled
from advisor.features import FeatureSet
from advisor.ranking import scoring


def featureset(seed: int = 0) -> FeatureSet:
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(3), 20)
    features = rng.normal(size=(60, 8)).astype(np.float32) + labels[:, None]
    return FeatureSet(
        features=features,
        source_probs=None,
        labels=labels,
        candidate="c",
        seconds=0.0,
        cached=False,
        stats={},
    )


def test_a_cancel_during_one_probe_stops_before_the_next():
    specs = [s for s in scoring.plan_probes(None, has_source_head=False) if s.level != "set"]
    assert len(specs) >= 2
    cancel = threading.Event()
    ran = []

    class Cancelling:
        """The probe, but the user presses q while it runs."""

        def __init__(self, spec):
            self.spec = spec

        def __getattr__(self, name):
            return getattr(self.spec, name)

        def compute(self, **kwargs):
            ran.append(self.spec.name)
            cancel.set()
            return self.spec.compute(**kwargs)

    with pytest.raises(Cancelled):
        scoring.score_candidate(featureset(), [Cancelling(s) for s in specs], cancel=cancel)
    assert ran == [specs[0].name]  # the running probe finished; no other one started
    # Without a cancel the same probes all run.
    scores = scoring.score_candidate(featureset(), specs).scores
    assert set(scores) == {s.name for s in specs}
    with pytest.raises(Cancelled):
        scoring.compute_probe_scores(
            {"a": featureset(0), "b": featureset(1)}, [s.name for s in specs], cancel=cancel
        )
