"""Properties of the prior-aware fusion (advisor.ranking.fusion)."""

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from advisor.errors import AdvisorError
from advisor.ranking.fusion import fuse_scores, robust_z
from advisor.ranking.fusion_params import FusionParams, load_params
from catalog import Entry

PARAMS = FusionParams(
    probe_weights={"logme": 1.0, "leep": 1.0, "knn": 1.0},
    prior_weight=0.3,
    prior_component_weights={"imagenet_top1": 1.0, "data_scale": 0.5},
)


def entry(cid, top1=None, data="in1k", params_m=10.0):
    return Entry(
        id=cid,
        modality="image",
        source="timm",
        architecture=cid,
        params_m=params_m,
        imagenet_top1=top1,
        pretraining_data=data,
    )


def no_entries(frame):
    return dict.fromkeys(frame.index)


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
# Scores on a 1e-3 grid: an affine map cannot round two distinct ones into a tie (1e-289
# and 1e-83 both become exactly 1.0 after "+ 1"), which would be float collapse, not fusion.
gridded = st.integers(-(10**6), 10**6).map(lambda k: k / 1000)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(gridded, gridded), min_size=3, max_size=8, unique_by=lambda t: t[0]),
    st.floats(0.01, 100),
    st.floats(-50, 50),
)
def test_invariant_to_affine_rescaling_of_a_probe(rows, scale, shift):
    frame = pd.DataFrame(rows, columns=["logme", "leep"], index=[f"m{i}" for i in range(len(rows))])
    before = fuse_scores(frame, no_entries(frame), params=PARAMS).final
    rescaled = frame.assign(logme=frame["logme"] * scale + shift)
    after = fuse_scores(rescaled, no_entries(frame), params=PARAMS).final
    np.testing.assert_allclose(after.to_numpy(), before.to_numpy(), atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=2, max_size=8))
def test_dominating_candidate_never_ranks_below(rows):
    """A candidate at least as good on every probe never gets a lower final score."""
    frame = pd.DataFrame(rows, columns=["logme", "leep"], index=[f"m{i}" for i in range(len(rows))])
    final = fuse_scores(frame, no_entries(frame), params=PARAMS).final
    for a in frame.index:
        for b in frame.index:
            if (frame.loc[a] >= frame.loc[b]).all():
                assert final[a] >= final[b] - 1e-9


@settings(max_examples=25, deadline=None)
@given(
    st.lists(finite, min_size=3, max_size=8, unique=True), st.integers(0, 7), st.floats(0.1, 1e3)
)
# found by hypothesis: most values tie, and a standard-deviation fallback lowered the outlier's z
@example(values=[0.0, 2.558e-22, 1.223e-26, 2.879e-150, 5.0, 1.0], which=4, bump=1.0)
def test_raising_one_probe_score_never_lowers_that_candidates_score(values, which, bump):
    """Own score is monotone. (Its rank can still drop: a larger spread rescales the column,
    which can shrink the others' deficits; see docs/trust.md.)"""
    frame = pd.DataFrame(
        {"logme": values, "leep": np.linspace(0, 1, len(values))},
        index=[f"m{i}" for i in range(len(values))],
    )
    target = frame.index[which % len(values)]
    before = fuse_scores(frame, no_entries(frame), params=PARAMS).final[target]
    frame.loc[target, "logme"] += bump
    after = fuse_scores(frame, no_entries(frame), params=PARAMS).final[target]
    assert after >= before - 1e-9


def test_nan_column_and_nan_cells_are_ignored():
    frame = pd.DataFrame(
        {"logme": [1.0, 2.0, 3.0], "leep": [np.nan] * 3, "knn": [0.5, np.nan, 0.9]},
        index=["a", "b", "c"],
    )
    result = fuse_scores(frame, no_entries(frame), params=PARAMS)
    assert result.final.notna().all()
    assert list(result.final.sort_values(ascending=False).index) == ["c", "b", "a"]
    assert any("leep" in note for note in result.notes)
    assert "leep" not in result.contributions.columns
    # b has no knn: its score comes from logme alone, not from a zero-filled knn.
    assert math.isnan(result.contributions.at["b", "knn"])


def test_prior_breaks_a_tie_between_probes():
    frame = pd.DataFrame({"logme": [1.0, 1.0, 0.0]}, index=["small", "big", "weak"])
    entries = {
        "small": entry("small", 70.0),
        "big": entry("big", 82.0),
        "weak": entry("weak", 75.0),
    }
    final = fuse_scores(frame, entries, params=PARAMS).final
    assert final["big"] > final["small"]
    # Without the prior the two tie exactly.
    plain = fuse_scores(frame, no_entries(frame), params=PARAMS).final
    assert plain["big"] == pytest.approx(plain["small"])


def test_random_init_weights_get_no_imagenet_credit():
    frame = pd.DataFrame({"logme": [1.0, 1.0]}, index=["pre", "rand"])
    entries = {"pre": entry("pre", 77.0), "rand": entry("rand", 77.0, data="none")}
    final = fuse_scores(frame, entries, params=PARAMS).final
    assert final["pre"] > final["rand"]


def test_unknown_candidate_is_fused_on_probes_only():
    frame = pd.DataFrame({"logme": [3.0, 2.0, 1.0]}, index=["a", "b", "mystery"])
    entries = {"a": entry("a", 70.0), "b": entry("b", 80.0), "mystery": None}
    result = fuse_scores(frame, entries, params=PARAMS)
    assert math.isnan(result.contributions.at["mystery", "prior"])
    assert result.final["mystery"] < min(result.final["a"], result.final["b"])
    assert any("mystery" in note for note in result.notes)


def test_contributions_sum_to_final():
    frame = pd.DataFrame(
        {"logme": [1.0, 2.0, 4.0], "leep": [-3.0, -1.0, -2.0]}, index=["a", "b", "c"]
    )
    entries = {c: entry(c, t) for c, t in zip("abc", (70.0, 75.0, 80.0), strict=True)}
    result = fuse_scores(frame, entries, params=PARAMS)
    np.testing.assert_allclose(result.contributions.sum(axis=1), result.final)


def test_signals_penalise_unknown_tokens_only_when_they_differ():
    frame = pd.DataFrame({"logme": [1.0, 1.0]}, index=["a", "b"])
    same = fuse_scores(
        frame,
        no_entries(frame),
        {"a": {"unk_rate": 0.2}, "b": {"unk_rate": 0.2}},
        params=load_params(),
    )
    assert same.final["a"] == pytest.approx(same.final["b"])
    worse = fuse_scores(
        frame,
        no_entries(frame),
        {"a": {"unk_rate": 0.0}, "b": {"unk_rate": 0.3}},
        params=load_params(),
    )
    assert worse.final["a"] > worse.final["b"]


def test_robust_z_resists_an_outlier_and_handles_ties():
    z = robust_z(pd.Series([1.0, 2.0, 3.0, 4.0, 1e9]))
    assert z.iloc[-1] == 3.0  # clipped
    assert z.iloc[:4].is_monotonic_increasing
    assert (robust_z(pd.Series([5.0, 5.0, 5.0])) == 0).all()


def test_single_candidate_gets_a_score():
    frame = pd.DataFrame({"logme": [1.0]}, index=["only"])
    assert fuse_scores(frame, no_entries(frame)).final["only"] == 0.0


def test_duplicate_candidates_are_an_error():
    frame = pd.DataFrame({"logme": [1.0, 2.0]}, index=["a", "a"])
    with pytest.raises(AdvisorError, match="duplicate"):
        fuse_scores(frame, no_entries(frame))


def test_shipped_parameters_record_their_provenance():
    import json

    from advisor.ranking.fusion_params import PARAMS_FILE

    params = load_params()
    assert "leave-one-dataset-out" in params.provenance
    raw = json.loads(PARAMS_FILE.read_text())["provenance"]
    assert raw["command"].startswith("python benchmarks/published.py")
    assert {"keras_zoo", "keras_segmentation", "parc", "zoo"} <= set(raw["tables"])
    assert all("sha256" in source for source in raw["tables"].values())
    assert "SFDA" in raw["reserved_never_used"]
    # A probe no table scored takes the unfitted default; a fitted one a weight that follows
    # its recorded reliability.
    weights, prior = params.for_probes(["logme", "nleep", "sfda"])
    assert weights["sfda"] == params.default_probe_weight
    assert params.reliability["nleep"] > params.reliability["logme"] > 0
    assert weights["nleep"] > weights["logme"] > 0
    assert 0.0 <= prior <= 1.0


def test_public_fuse_takes_records_and_a_candidate_mapping():
    import advisor
    from catalog import load_catalog

    rows = [
        {"candidate": "row-a", "logme": 1.0, "leep": -1.0},
        {"candidate": "row-b", "logme": 1.0, "leep": -1.0},
    ]
    lite0, lite2 = "tf_efficientnet_lite0.in1k", "tf_efficientnet_lite2.in1k"
    ranking = advisor.fuse(rows, candidates={"row-a": lite0, "row-b": lite2})
    # Identical probe scores: the catalog prior (Lite2 has the higher ImageNet top-1) decides.
    assert load_catalog().get(lite2).imagenet_top1 > load_catalog().get(lite0).imagenet_top1
    assert ranking.candidates == ["row-b", "row-a"]
    assert ranking.best == "row-b" and "prior" in ranking.fusion
    with pytest.raises(AdvisorError, match="no row"):
        advisor.fuse(rows, candidates=["row-c"])


def _agreeing_table(n=8):
    """Two probes and the ImageNet prior agree on the order m0 > m1 > ...; ``bad`` reverses it."""
    good = np.linspace(1.0, 0.0, n)
    frame = pd.DataFrame(
        {"logme": good, "knn": good + 0.01 * np.sin(np.arange(n)), "leep": good[::-1]},
        index=[f"m{i}" for i in range(n)],
    )
    entries = {c: entry(c, 80.0 - i) for i, c in enumerate(frame.index)}
    return frame, entries


def test_a_probe_that_contradicts_the_rest_loses_its_vote_and_says_so():
    frame, entries = _agreeing_table()
    loud = replace(PARAMS, probe_weights={"logme": 1.0, "knn": 1.0, "leep": 4.0}, prior_weight=0.1)
    plain = fuse_scores(frame, entries, params=loud)
    # At full weight the reversed probe outvotes the other two and the prior.
    assert plain.final.idxmax() == "m7"
    gated = fuse_scores(frame, entries, params=replace(loud, probe_gate=0.25))
    assert gated.final.idxmax() == "m0"
    assert list(gated.final.sort_values(ascending=False).index) == list(frame.index)
    assert gated.agreement["gates"] == {"leep": 0.0}
    assert gated.agreement["probe_agreement"]["leep"] == pytest.approx(-1.0)
    assert "leep" not in gated.contributions
    assert any(note.startswith("unsure: leep ranks the candidates against") for note in gated.notes)
    np.testing.assert_allclose(gated.contributions.sum(axis=1), gated.final)


def test_probes_against_the_prior_shift_the_weight_and_the_notes_say_which_side_won():
    frame, entries = _agreeing_table()
    frame = frame[["logme", "knn"]].iloc[::-1].set_axis(frame.index)  # both probes reversed
    shifted = replace(
        PARAMS,
        probe_weights={"logme": 1.0, "knn": 1.0},
        prior_weight=0.2,
        disagree_threshold=0.0,
        disagree_prior_weight=1.0,
    )
    result = fuse_scores(frame, entries, params=shifted)
    assert result.agreement["prior_agreement"] < -0.9
    assert result.agreement["prior_weight"] == 1.0
    assert result.final.idxmax() == "m0"  # the prior's pick
    assert any(
        "disagree" in n and "leans more on the catalog prior (prior weight 0.2 -> 1.00)" in n
        for n in result.notes
    )
    # Without the shift the same disagreement is still reported, leaning on the probes.
    kept = fuse_scores(frame, entries, params=replace(shifted, disagree_threshold=None))
    assert kept.final.idxmax() == "m7"
    assert any("leans on the probes" in n for n in kept.notes)
    # Agreeing evidence: no shift and no "unsure" note.
    calm = fuse_scores(*_agreeing_table(), params=replace(shifted, probe_weights={"logme": 1.0}))
    assert calm.agreement["prior_weight"] == 0.2
    assert not [n for n in calm.notes if n.startswith("unsure")]


def test_track_record_ranks_families_and_gives_no_credit_without_one():
    from advisor.ranking.priors import prior_components

    record = {"models": {}, "families": {"good": 0.99, "poor": 0.70}, "aliases": {"nice": "good"}}
    entries = {
        "a": replace(entry("a", 75.0), family="poor"),
        "b": replace(entry("b", 75.0), family="nice"),
        "c": replace(entry("c", 75.0), family="unseen"),
        "rand": replace(entry("rand", 75.0, data="none"), family="good"),
        "cut": replace(entry("cut", None), family="good"),
    }
    raw = prior_components(entries, record)["track_record"]
    assert raw["a"] == 0.70 and raw["b"] == 0.99  # through the alias
    assert raw[["c", "rand", "cut"]].isna().all()  # unknown family, random, truncated
    params = replace(
        PARAMS,
        prior_component_weights={"imagenet_top1": 1.0, "track_record": 1.0},
        track_record=record,
    )
    frame = pd.DataFrame({"logme": [1.0, 1.0, 1.0]}, index=["a", "b", "c"])
    final = fuse_scores(frame, {k: entries[k] for k in "abc"}, params=params).final
    assert final["b"] > final["a"]
    # No record: no credit and no penalty. "c" sits where a candidate with the median record
    # would, strictly between the two with records.
    assert final["a"] < final["c"] < final["b"]


def test_track_records_never_include_the_held_out_target_or_table():
    from types import SimpleNamespace

    from benchmarks import track_record as tr

    def target(name, accs, family="resnet"):
        acc = pd.Series(accs)
        return SimpleNamespace(
            name=name,
            accuracy=acc,
            entries={k: replace(entry(k, 70.0), family=family) for k in acc.index},
        )

    tables = {
        "keras_zoo": [target("t1", {"x": 0.5, "y": 1.0}), target("t2", {"x": 0.9, "y": 0.9})],
        "parc": [target("t3", {"z": 0.8, "w": 1.0}, family="vgg")],
    }
    rows = tr.relative_rows(tables)
    full = tr.records(rows)
    assert full["models"]["x"] == pytest.approx((0.5 + 1.0) / 2)
    assert full["families"]["resnet"] == pytest.approx((0.5 + 1.0 + 1.0 + 1.0) / 4)
    held = tr.records(rows, exclude={("keras_zoo", "t2")})
    assert held["models"]["x"] == pytest.approx(0.5)
    assert held["families"]["resnet"] == pytest.approx(0.75)
    assert "vgg" not in tr.records(rows, exclude_tables={"parc"})["families"]


def test_the_fitter_scores_exactly_what_fuse_scores_ranks():
    """benchmarks/fusion_fit.py evaluates on precomputed arrays; it must agree with the product."""
    from advisor.verification.metrics import ranking_measures
    from benchmarks import fusion_fit as ff
    from benchmarks import track_record as tr
    from benchmarks.tables import keras_fit_targets

    tables = {"keras_zoo": keras_fit_targets()[:3]}
    base = FusionParams(proxies={"nce": "leep"}, prior_component_weights={"imagenet_top1": 1.0})
    preps = ff.prepare(tables, base)
    rows = tr.relative_rows(tables)
    tracks = ff.fold_tracks(preps, rows, base.clip)
    theta = ff.Theta(
        {"nleep": 1.0, "linear_probe": 0.5, "leep": 0.5, "logme": 0.0},
        prior_weight=0.3,
        track_weight=1.0,
        probe_gate=0.25,
        shift=(0.0, 0.75),
    )
    for prep, track in zip(preps, tracks, strict=True):
        record = tr.records(rows, exclude={("keras_zoo", prep.target.name)})
        product = ranking_measures(
            ff.fuse_target(prep.target, theta, base, record), prep.target.accuracy
        )["weighted_tau"]
        assert ff.target_tau(prep, theta, track) == pytest.approx(product, abs=1e-12)


def test_the_ranker_adds_each_suppliers_scaled_term_and_contributions_still_sum():
    """final = weighted / its spread + ranker / its spread (fusion_core.stack); a probe with
    no fused weight but a ranker coefficient moves the score, and NCE supplies LEEP's
    coefficient when LEEP itself was not computed."""
    frame = pd.DataFrame(
        {"logme": [1.0, 2.0, 4.0, 3.0], "nce": [-1.0, -3.0, -2.0, 0.0]}, index=list("abcd")
    )
    entries = {c: entry(c, t) for c, t in zip("abcd", (70.0, 75.0, 80.0, 72.0), strict=True)}
    base = FusionParams(
        probe_weights={"logme": 1.0, "leep": 0.0},
        proxies={"nce": "leep"},
        prior_weight=0.3,
        prior_component_weights={"imagenet_top1": 1.0},
    )
    ranker = {"leep": 2.0, "logme": 0.0, "prior": -0.5}
    plain = fuse_scores(frame, entries, params=base)
    stacked = fuse_scores(frame, entries, params=replace(base, ranker=ranker))
    z_nce = robust_z(frame["nce"]).to_numpy()
    prior = robust_z(pd.Series({c: e.imagenet_top1 for c, e in entries.items()})).to_numpy()
    score = 2.0 * z_nce - 0.5 * prior
    expected = plain.final.to_numpy() / plain.final.std(ddof=0) + score / score.std()
    np.testing.assert_allclose(stacked.final.to_numpy(), expected, rtol=1e-9)
    np.testing.assert_allclose(stacked.contributions.sum(axis=1), stacked.final)
    assert stacked.probe_weights["nce"] == pytest.approx(2.0)  # no fused weight, a say
    assert replace(base, ranker=ranker).say(["logme", "nce"]) == {"logme": 1.0, "nce": 2.0}
    assert "pairwise ranker" in stacked.method
    # The order changed because NCE now counts: c led on LogME alone.
    assert plain.final.idxmax() == "c" and stacked.final.idxmax() == "d"


def test_each_task_group_uses_its_own_fitted_knobs():
    frame = pd.DataFrame({"logme": [1.0, 2.0, 4.0], "knn": [3.0, 1.0, 2.0]}, index=list("abc"))
    params = FusionParams(
        probe_weights={"logme": 1.0, "knn": 1.0},
        groups={"text": {"probe_weights": {"logme": 0.0, "knn": 1.0}, "prior_weight": 0.0}},
    )
    image = fuse_scores(frame, no_entries(frame), params=params)
    as_text = fuse_scores(frame, no_entries(frame), params=params, task_group="text")
    assert as_text.final.idxmax() == "a" and image.final.idxmax() != "a"
    assert params.for_group("segmentation") is params  # no fit for it: the shared knobs


def test_the_stack_fitter_weighs_sources_as_fuse_scores_does():
    """benchmarks/fusion_stack.py's inner objective (weighted_part) and fuse_scores agree on
    a group fit's weighted fusion (no ranker)."""
    from benchmarks import fusion_fit as ff
    from benchmarks import fusion_stack as fs
    from benchmarks import track_record as tr
    from benchmarks.tables import keras_fit_targets

    tables = {"keras_zoo": keras_fit_targets()[:4]}
    base = FusionParams(proxies={"nce": "leep"})
    preps = ff.prepare(tables, base)
    rows = tr.relative_rows(tables)
    tracks = ff.fold_tracks(preps, rows, base.clip)
    fitted = fs.fit_group("image", preps[1:], tracks[1:])
    assert fitted["targets"] == [f"keras_zoo/{p.target.name}" for p in preps[1:]]
    record = tr.records(rows, exclude={("keras_zoo", preps[0].target.name)})
    params = fs.group_params(base, {"image": {**fitted, "ranker": {}}}, record)
    product = fuse_scores(preps[0].target.scores, preps[0].target.entries, params=params).final
    src = fs.sources(preps[0], ff.track_z(preps[0], record, base.clip))
    shift = (fitted["disagree_threshold"], fitted["disagree_prior_weight"])
    mine = fs.weighted_part(
        src,
        *fs.source_weights(fitted["reliability"], src),
        shift if shift[0] is not None else None,
    )
    np.testing.assert_allclose(product.to_numpy(float), mine, rtol=1e-9, atol=1e-12)


def test_with_the_shipped_fit_an_unknown_checkpoint_is_judged_on_its_probes():
    """With the shipped image fit the prior leads the weighted part; a local checkpoint with no
    catalog entry (no prior) is still ranked by its probes."""
    from catalog import load_catalog

    catalog = load_catalog()
    known = ["tf_efficientnet_lite0.in1k", "tf_efficientnet_lite1.in1k", "torchvision/mobilenet_v2"]
    entries = {c: catalog.get(c) for c in known}
    frame = pd.DataFrame(
        {"nleep": [-1.0, -0.9, -1.2, -0.5], "linear_probe": [0.80, 0.82, 0.78, 0.90]},
        index=[*known, "my-checkpoint"],
    )
    strong = fuse_scores(frame, {**entries, "my-checkpoint": None})
    assert strong.final.notna().all()
    weak = frame.copy()
    weak.loc["my-checkpoint"] = [-2.0, 0.5]
    weak = fuse_scores(weak, {**entries, "my-checkpoint": None})
    assert strong.final["my-checkpoint"] > weak.final["my-checkpoint"]
    assert not any("prior alone" in n for n in strong.notes)


def test_with_the_shipped_fit_probes_against_the_prior_say_unsure():
    from catalog import load_catalog

    catalog = load_catalog()
    ids = [
        "tf_efficientnet_lite0.in1k",
        "tf_efficientnet_lite1.in1k",
        "tf_efficientnet_lite2.in1k",
        "torchvision/mobilenet_v2",
    ]
    entries = {c: catalog.get(c) for c in ids}
    prior_order = fuse_scores(pd.DataFrame(index=ids), entries).final
    against = -prior_order.rank().to_numpy()
    frame = pd.DataFrame({"nleep": against, "linear_probe": against}, index=ids)
    result = fuse_scores(frame, entries)
    assert any(
        n.startswith("unsure: the probes and the catalog prior disagree") for n in result.notes
    )
    calm = fuse_scores(-frame, entries)
    assert not any("disagree" in n for n in calm.notes)


def test_probes_only_the_ranker_reads_are_still_compared_with_the_prior():
    """Weighted part = the prior alone (no probe has a fused weight): the ranker's probe
    terms are compared with the prior instead, and a contradiction is reported."""
    entries = {c: entry(c, t) for c, t in zip("abcd", (70.0, 75.0, 80.0, 72.0), strict=True)}
    params = FusionParams(
        probe_weights={"nleep": 0.0},
        prior_weight=1.0,
        prior_component_weights={"imagenet_top1": 1.0},
        ranker={"nleep": 1.0, "prior": 1.0},
    )
    against = pd.DataFrame({"nleep": [4.0, 2.0, 1.0, 3.0]}, index=list("abcd"))
    result = fuse_scores(against, entries, params=params)
    assert result.agreement["ranker_prior_agreement"] == pytest.approx(-1.0)
    assert any(
        n.startswith("unsure: the probes and the catalog prior disagree") for n in result.notes
    )
    calm = fuse_scores(-against, entries, params=params)
    assert calm.agreement["ranker_prior_agreement"] == pytest.approx(1.0)
    assert not any("disagree" in n for n in calm.notes)
