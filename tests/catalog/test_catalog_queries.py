"""Catalog lookups: get with suggestions, select by pattern, filters and sorting."""

from __future__ import annotations

import pytest

from catalog import Catalog, CatalogError, Entry, availability, load_catalog


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def entry(id, **fields):
    defaults = dict(
        modality="image", source="timm", architecture=id.split(".")[0], hub_id=f"timm/{id}"
    )
    return Entry(id=id, **{**defaults, **fields})


def test_get_exact_case_insensitive_and_suggestions(catalog):
    assert catalog.get("resnet50.a1_in1k").architecture == "resnet50"
    assert catalog.get("RESNET50.A1_IN1K").id == "resnet50.a1_in1k"
    with pytest.raises(
        CatalogError, match=r"unknown catalog id 'resnet50.a1_in'; did you mean resnet50\.a1_in1k"
    ):
        catalog.get("resnet50.a1_in")
    with pytest.raises(CatalogError, match=r"did you mean .*convnext"):
        catalog.get("convnxt_tiny")


def test_select_prefers_offline_weights(catalog):
    chosen = catalog.select("efficientnet_lite0")
    assert [e.id for e in chosen] == ["tf_efficientnet_lite0.in1k"]
    assert availability(chosen[0]) == "offline"
    # MiniLM: the L6 ships offline, the L12 needs a download
    assert catalog.select("minilm")[0].id == "sentence-transformers/all-MiniLM-L6-v2"


def test_select_exact_comma_glob_and_order(catalog):
    picked = catalog.select("deit_tiny_patch16_224.fb_in1k, resnet50")
    assert [e.id for e in picked] == ["deit_tiny_patch16_224.fb_in1k", "resnet50.a1_in1k"]
    resnets = catalog.select(["torchvision/resnet*"])
    assert [e.architecture for e in resnets] == ["resnet34", "resnet50", "resnet101", "resnet152"]
    assert catalog.select("timm/convnext_atto.d2_in1k")[0].id == "convnext_atto.d2_in1k"  # hub id
    # repeats are dropped, first occurrence wins
    assert len(catalog.select(["resnet50.a1_in1k", "RESNET50.A1_IN1K"])) == 1


def test_select_among_downloads_prefers_the_matching_architecture_then_smaller():
    cat = Catalog(
        [
            entry("resnet50d.ra2_in1k", params_m=25.6),
            entry("resnet50.b_in1k", params_m=25.6),
            entry("big_dinov2.lvd", params_m=300.0),
            entry("small_dinov2.lvd", params_m=22.0),
        ]
    )
    assert cat.select("resnet50")[0].id == "resnet50.b_in1k"
    assert cat.select("dinov2")[0].id == "small_dinov2.lvd"


def test_select_unknown_pattern(catalog):
    with pytest.raises(CatalogError, match=r"no catalog entry matches 'restnet'; did you mean"):
        catalog.select("restnet")


def test_filters(catalog):
    text = catalog.filter(modality="text")
    assert text and all(e.modality == "text" for e in text)
    small = catalog.filter(max_params_m=10)
    assert small and all(e.params_m <= 10 for e in small)
    assert catalog.get("resnet50.a1_in1k") not in small
    mit = catalog.filter(licence="MIT")
    assert mit and all("mit" in e.licence for e in mit)
    offline = catalog.filter(availability="offline")
    assert {e.id for e in offline} >= {
        "tf_efficientnet_lite0.in1k",
        "sentence-transformers/all-MiniLM-L6-v2",
    }
    both = catalog.filter(availability=["offline", "download"])
    assert len(both) > len(offline)
    assert [e.id for e in catalog.filter(query="dinov2 reg4")] == [
        "vit_small_patch14_reg4_dinov2.lvd142m"
    ]
    assert (
        len(catalog.filter(modality="image", max_params_m=30, licence="apache", query="clip")) == 0
    )
    assert isinstance(catalog.filter(family="vit"), Catalog)


def test_filter_rejects_bad_values(catalog):
    with pytest.raises(CatalogError, match="modality 'audio'"):
        catalog.filter(modality="audio")
    with pytest.raises(CatalogError, match=r"availability \['somewhere'\] is not known"):
        catalog.filter(availability="somewhere")
    with pytest.raises(CatalogError, match="max_params_m must be a positive"):
        catalog.filter(max_params_m=0)


def test_sorted_by_numbers_strings_and_unknowns_last(catalog):
    by_size = catalog.sorted_by("params_m")
    sizes = [e.params_m for e in by_size]
    assert sizes == sorted(sizes)
    top = catalog.sorted_by("imagenet_top1", descending=True)
    known = [e.imagenet_top1 for e in top if e.imagenet_top1 is not None]
    assert known == sorted(known, reverse=True)
    assert top[0].imagenet_top1 == max(known)
    assert all(e.imagenet_top1 is None for e in top[len(known) :])  # text models last, both ways
    names = [e.id.lower() for e in catalog.sorted_by("id")]
    assert names == sorted(names)
    first = catalog.sorted_by("availability")[0]
    assert availability(first) == "offline"


def test_sorted_by_unknown_column_suggests(catalog):
    with pytest.raises(CatalogError, match=r"cannot sort by 'parms'.*did you mean params_m"):
        catalog.sorted_by("parms")


def test_sequence_behaviour(catalog):
    assert isinstance(catalog[:3], Catalog) and len(catalog[:3]) == 3
    assert catalog[0] in catalog and catalog[0].id in catalog
    rows = catalog[:2].to_dicts()
    assert set(rows[0]) >= {"id", "modality", "availability"}
    with pytest.raises(CatalogError, match="duplicate catalog ids"):
        Catalog([catalog[0], catalog[0]])
