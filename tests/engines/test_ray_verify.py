"""verify on Ray: the fine-tunes as Tune trials, the same report as the local engine's."""

from __future__ import annotations

import pytest

import advisor
from advisor import events as ev
from tests.race.conftest import ARCHS, RECIPE, tiny

pytestmark = [pytest.mark.ray, pytest.mark.slow]


def test_verify_on_tune_fine_tunes_to_the_local_accuracies(ray_cluster, tmp_path):
    from finetune_helpers import small_digits  # tests/finetune, on the path via tests.race

    digits = small_digits(150)
    ranking = advisor.rank(
        digits,
        candidates=[tiny(arch)() for arch in ARCHS[:2]],
        probes=["logme", "knn"],
        budget=None,
        bootstrap=False,
        cache_dir=tmp_path / "features",
    )
    # the ranking's ids of random-init backbones carry a suffix: fresh weights for each
    models = {c: tiny(a) for c in ranking.candidates for a in ARCHS if c.startswith(a)}
    options = dict(ranking=ranking, top=2, epochs=1, budget=None, models=models, plot=False)
    local = advisor.verify(
        digits, output=tmp_path / "l", cache_dir=tmp_path / "ft-l", **options, **RECIPE
    )
    events = []
    tuned = advisor.verify(
        digits,
        output=tmp_path / "r",
        cache_dir=tmp_path / "ft-r",
        engine="ray",
        progress=events.append,
        **options,
        **RECIPE,
    )
    assert [r["candidate"] for r in tuned.candidates] == [r["candidate"] for r in local.candidates]
    for ours, theirs in zip(tuned.candidates, local.candidates, strict=True):
        assert ours["test_accuracy"] == theirs["test_accuracy"]
        assert ours["cached"] is False
    assert tuned.measures == local.measures
    started = [e.candidate for e in events if isinstance(e, ev.VerifyStarted)]
    assert sorted(started) == sorted(models)  # the workers' events reached this process
    assert any(isinstance(e, ev.EpochDone) for e in events)
