"""The race on Ray Tune: each rung's trials as Tune trials, the same rungs as the local race."""

from __future__ import annotations

import pytest

import advisor.race as race_api
from advisor import events as ev
from tests.race.conftest import ARCHS, RECIPE, tiny

pytestmark = [pytest.mark.ray, pytest.mark.slow]

# 3 tiny random-init backbones, 2 rungs (4 and 10 steps), 3 epochs of a 150-image digits set
OPTIONS = dict(budget=24, min_steps=4, epochs=3, **RECIPE)


@pytest.fixture(scope="module")
def models():
    return {f"{arch}.r160_in1k": tiny(arch) for arch in ARCHS}


@pytest.fixture(scope="module")
def digits():
    from finetune_helpers import small_digits  # tests/finetune, on the path via tests.race

    return small_digits(150)


def test_a_race_on_tune_has_the_local_race_s_rungs_and_winner(
    ray_cluster, digits, models, tmp_path
):
    local = race_api.race(digits, list(models), models=models, output=tmp_path / "l", **OPTIONS)
    events = []
    tuned = race_api.race(
        digits,
        list(models),
        models=models,
        output=tmp_path / "r",
        engine="ray",
        progress=events.append,
        **OPTIONS,
    )
    assert tuned.engine == "ray" and local.engine == "local"
    assert len(local.rungs) == 2
    assert tuned.winner == local.winner
    for ours, theirs in zip(tuned.rungs, local.rungs, strict=True):
        assert (ours.rung, ours.steps) == (theirs.rung, theirs.steps)
        assert ours.promoted == theirs.promoted
        assert set(ours.outcomes) == set(theirs.outcomes)
        for candidate, outcome in theirs.outcomes.items():
            mine = ours.outcomes[candidate]
            assert mine.steps == outcome.steps
            assert mine.val_accuracy == outcome.val_accuracy
            assert mine.val_loss == pytest.approx(outcome.val_loss, abs=1e-6)
    done = [e for e in events if isinstance(e, ev.TrialDone)]
    assert [e.done for e in done] == [1, 2, 3, 1, 2]  # counted as the trials came back
    assert sum(isinstance(e, ev.RungDone) for e in events) == 2
