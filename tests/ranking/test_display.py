"""Short display names and the probe column order (advisor/ranking/display.py), as properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from advisor.ranking.display import (
    SEPARATORS,
    common_affixes,
    elide_names,
    probe_weights,
    probes_by_weight,
    short_names,
)
from advisor.ranking.fusion_params import load_params
from advisor.ranking.report import MAX_PROBE_COLUMNS, main_probes
from advisor.ranking.result import Ranking

WORD = st.text(alphabet="abcdefgh0123", min_size=1, max_size=4)
SEP = st.sampled_from(sorted(SEPARATORS))
MODEL_ID = st.builds(
    lambda words, seps: (
        "".join(w + s for w, s in zip(words, seps[: len(words) - 1], strict=False)) + words[-1]
    ),
    st.lists(WORD, min_size=1, max_size=5),
    st.lists(SEP, min_size=4, max_size=4),
)
ID_LISTS = st.lists(MODEL_ID, min_size=1, max_size=6)


def shared_family(prefix: str, suffix: str):
    """Ids that share a prefix and a suffix, the shape of a real candidate list."""
    return st.lists(WORD, min_size=2, max_size=6, unique=True).map(
        lambda middles: [f"{prefix}{m}x{suffix}" for m in middles]
    )


def test_efficientnet_lites_read_as_their_variant():
    ids = ["tf_efficientnet_lite0.in1k", "tf_efficientnet_lite1.in1k", "tf_efficientnet_lite2.in1k"]
    assert short_names(ids) == dict(zip(ids, ["lite0", "lite1", "lite2"], strict=True))


def test_words_are_never_cut_and_bare_numbers_keep_their_name():
    assert short_names(["resnet18.a1_in1k", "resnet50.a1_in1k"]) == {
        "resnet18.a1_in1k": "resnet18",
        "resnet50.a1_in1k": "resnet50",
    }
    assert short_names(["model_1", "model_2"]) == {"model_1": "model_1", "model_2": "model_2"}
    # One id is another plus a word: neither may vanish.
    assert short_names(["vit_small", "vit_small_in21k"]) == {
        "vit_small": "small",
        "vit_small_in21k": "small_in21k",
    }


@given(ID_LISTS)
def test_short_names_are_unique_and_cut_the_same_text_from_every_id(ids):
    names = short_names(ids)
    assert list(names) == list(dict.fromkeys(ids))
    assert len(set(names.values())) == len(names)
    prefix, suffix = common_affixes(ids)
    for model_id, short in names.items():
        assert short and model_id == prefix + short + suffix
    # Cut only at separators: the dropped prefix ends in one, the dropped suffix starts with one.
    assert not prefix or prefix[-1] in SEPARATORS
    assert not suffix or suffix[0] in SEPARATORS


@given(ID_LISTS)
def test_a_shortened_name_keeps_a_letter(ids):
    for model_id, short in short_names(ids).items():
        if short != model_id:
            assert any(c.isalpha() for c in short)


@given(st.lists(MODEL_ID, min_size=2, max_size=6, unique=True))
def test_ids_with_no_common_first_or_last_word_are_shown_whole(ids):
    ids = [f"{n}{model_id}q{n}" for n, model_id in enumerate(ids)]  # distinct first/last words
    assert short_names(ids) == {i: i for i in ids}


@given(MODEL_ID)
def test_a_single_id_is_shown_whole(model_id):
    assert short_names([model_id, model_id]) == {model_id: model_id}


@given(shared_family("timm/tf_efficientnet_", ".in1k"))
def test_a_shared_family_prefix_and_tag_are_dropped(ids):
    names = short_names(ids)
    assert all(
        not short.startswith("tf_") and not short.endswith("in1k") for short in names.values()
    )


PROBES = st.lists(
    st.sampled_from(["nleep", "knn", "logme", "leep", "gbc", "parc", "mine"]),
    min_size=1,
    max_size=7,
    unique=True,
)


@given(PROBES, st.data())
def test_probes_by_weight_is_a_permutation_heaviest_first(probes, data):
    weights = {p: data.draw(st.sampled_from([0.0, 0.5, 1.0])) for p in probes}
    ordered = probes_by_weight(probes, weights)
    assert sorted(ordered) == sorted(probes)
    assert [weights[p] for p in ordered] == sorted(weights.values(), reverse=True)


def test_default_order_follows_the_shipped_fusion_weights():
    probes = [
        "logme",
        "leep",
        "nce",
        "nleep",
        "regularized_hscore",
        "knn",
        "linear_probe",
        "source_entropy",
    ]
    weights = load_params().say(probes)  # fused weight plus the ranker coefficient read
    assert probe_weights(probes) == {p: float(weights[p]) for p in probes}
    ordered = probes_by_weight(probes)
    assert [weights[p] for p in ordered] == sorted(weights.values(), reverse=True)


def test_the_terminal_table_uses_the_same_order():
    probes = ["logme", "leep", "nce", "nleep", "knn", "linear_probe", "source_entropy"]
    ranking = Ranking(records=[], probes=probes)
    assert main_probes(ranking) == probes_by_weight(probes)[:MAX_PROBE_COLUMNS]


@given(ID_LISTS, st.integers(min_value=5, max_value=30))
def test_elided_names_fit_and_stay_distinct(ids, width):
    names = short_names(ids)
    elided = elide_names(names, width)
    assert set(elided) == set(names)
    if elided != names:
        assert all(len(name) <= width for name in elided.values())
        assert len(set(elided.values())) == len(elided)
    for key, name in elided.items():  # the start and the end of each name survive
        head, _, tail = name.partition("…")
        assert names[key].startswith(head) and names[key].endswith(tail)
