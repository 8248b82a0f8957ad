"""Properties of filtering and sorting on arbitrary catalogs (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import Catalog, Entry

sizes = st.one_of(st.none(), st.floats(min_value=0.1, max_value=2000, allow_nan=False))
licences = st.sampled_from(["apache-2.0", "mit", "cc-by-nc-4.0", "unknown"])


@st.composite
def catalogs(draw):
    count = draw(st.integers(min_value=0, max_value=25))
    entries = []
    for number in range(count):
        entries.append(
            Entry(
                id=f"model-{number}",
                modality=draw(st.sampled_from(["image", "text"])),
                source="timm",
                architecture="arch",
                hub_id=f"timm/model-{number}",
                params_m=draw(sizes),
                imagenet_top1=draw(st.one_of(st.none(), st.floats(0, 100))),
                licence=draw(licences),
            )
        )
    return Catalog(entries)


@settings(max_examples=60, deadline=None)
@given(catalogs(), st.sampled_from(["params_m", "imagenet_top1", "licence", "id"]), st.booleans())
def test_sorting_is_a_permutation_with_unknowns_last(catalog, column, descending):
    ordered = catalog.sorted_by(column, descending=descending)
    assert sorted(ordered.ids) == sorted(catalog.ids)
    values = [getattr(e, column) for e in ordered]
    known = [v for v in values if v is not None]
    assert values[: len(known)] == known  # every None after every known value
    keys = [v.lower() if isinstance(v, str) else v for v in known]
    assert keys == sorted(keys, reverse=descending)


@settings(max_examples=60, deadline=None)
@given(
    catalogs(),
    st.floats(min_value=0.5, max_value=2500),
    st.sampled_from(["image", "text"]),
    licences,
)
def test_filters_keep_exactly_the_matching_entries(catalog, budget, modality, licence):
    kept = catalog.filter(modality=modality, max_params_m=budget, licence=licence)
    expected = [
        e.id
        for e in catalog
        if e.modality == modality
        and e.params_m is not None
        and e.params_m <= budget
        and licence in e.licence
    ]
    assert kept.ids == expected  # catalog order is kept
