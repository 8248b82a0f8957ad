"""Every label format and data source of the tasks: tables, JSONL lists, 0/1 columns, pairs,
DataFrames, datasets objects, save_to_disk folders, Parquet, image columns, hub names."""

import csv
import json
import socket
import time

import numpy as np
import pytest

from advisor.data import hf_source, load_data
from advisor.errors import DataError
from tests.helpers.datasets import small_digits, text_examples

pd = pytest.importorskip("pandas")


def _texts(n):
    """n distinct real sentences (36 embedded ones, numbered past that)."""
    pool = [t for t, _ in text_examples(12, source="embedded")]
    return [f"{pool[k % len(pool)]} ({k})" for k in range(n)]


def _csv(path, header, rows):
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# ---------------------------------------------------------------------- table formats
def test_regression_from_one_and_several_csv_columns(tmp_path):
    rng = np.random.default_rng(0)
    y, z = rng.normal(size=40).round(4), rng.uniform(size=40).round(4)
    path = _csv(tmp_path / "r.csv", ["text", "y", "z"], zip(_texts(40), y, z, strict=True))
    one = load_data(path, label_column="y")
    assert one.task == "regression" and one.target_names == ["y"]
    np.testing.assert_allclose(one.targets[:, 0], y)
    two = load_data(path, label_column=["y", "z"])
    assert two.task == "regression" and two.targets.shape == (40, 2)
    assert "2 numeric target columns ('y', 'z')" in two.task_reason
    # An integer-valued target is classes unless the task says otherwise.
    ints = _csv(tmp_path / "i.csv", ["text", "y"], zip(_texts(40), range(40), strict=True))
    assert load_data(ints).task == "classification"
    assert load_data(ints, task="regression").targets[:, 0].tolist() == list(range(40))


def test_multilabel_separated_strings_with_either_separator(tmp_path):
    sets = ["sport|news", "news", "tech", "tech|news", "sport"] * 8
    path = _csv(tmp_path / "m.csv", ["text", "labels"], zip(_texts(40), sets, strict=True))
    data = load_data(path)
    assert data.task == "multilabel" and data.target_names == ["news", "sport", "tech"]
    assert data.label_text(0) == "news|sport" and data.targets.sum() == 56
    semi = [s.replace("|", ";") for s in sets]
    path = _csv(tmp_path / "s.csv", ["text", "labels"], zip(_texts(40), semi, strict=True))
    assert load_data(path).task == "classification"  # ';' is not the separator asked for
    data = load_data(path, label_separator=";")
    assert data.task == "multilabel" and data.targets.sum() == 56


def test_multilabel_json_lists_in_jsonl(tmp_path):
    path = tmp_path / "m.jsonl"
    sets = [["a", "b"], ["b"], ["c"], [1, "c"]] * 6
    path.write_text("".join(json.dumps({"text": t, "tags": s}) + "\n" for t, s in zip(
        _texts(24), sets, strict=True)))  # fmt: skip
    data = load_data(path, label_column="tags")
    assert data.task == "multilabel" and data.target_names == ["1", "a", "b", "c"]
    assert "lists of labels" in data.task_reason


def test_multilabel_from_several_zero_one_columns(tmp_path):
    rows = [(t, k % 2, int(k % 3 == 0), "no" if k % 2 else "yes") for k, t in enumerate(_texts(30))]
    path = _csv(tmp_path / "c.csv", ["text", "a", "b", "c"], rows)
    data = load_data(path, label_column=["a", "b", "c"])
    assert data.task == "multilabel" and data.target_names == ["a", "b", "c"]
    assert data.targets.sum(axis=0).tolist() == [15, 10, 15]


def test_text_pairs_from_a_table(tmp_path):
    texts = _texts(20)
    rows = [(texts[k], texts[(k + 1) % 20], k % 2) for k in range(20)]
    path = _csv(tmp_path / "p.csv", ["a", "b", "label"], rows)
    data = load_data(path, text_column="a", text_pair_column="b")
    assert data.texts[:2] == texts[:2] and data.text_pairs[:2] == texts[1:3]
    assert data.task == "classification" and data.num_classes == 2
    # The same first text with another second text is another pair, not a duplicate.
    rows = [(texts[0], texts[k], k % 2) for k in range(1, 11)]
    data = load_data(_csv(tmp_path / "q.csv", ["a", "b", "label"], rows), text_column="a",
                     text_pair_column="b")  # fmt: skip
    assert len(data) == 10 and not data.dropped


def test_glue_style_pair_columns_are_read_as_pairs_without_options(tmp_path):
    texts = _texts(20)
    rows = [(texts[k], texts[(k + 3) % 20], k % 2) for k in range(20)]
    data = load_data(_csv(tmp_path / "nli.csv", ["premise", "hypothesis", "label"], rows))
    assert data.texts == texts and data.text_pairs[0] == texts[3]
    # An explicit --text-column means one text per row: no pair is guessed.
    single = load_data(tmp_path / "nli.csv", text_column="premise")
    assert single.text_pairs is None


def test_npz_with_targets(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "r.npz", features=rng.normal(size=(30, 4)), targets=rng.normal(size=30))
    assert load_data(tmp_path / "r.npz").task == "regression"
    y = (rng.uniform(size=(30, 3)) > 0.5).astype(np.uint8)
    y[:, 0] = 1  # every row holds a label
    np.savez(tmp_path / "m.npz", features=rng.normal(size=(30, 4)), targets=y,
             target_names=np.array(["x", "y", "z"]))  # fmt: skip
    data = load_data(tmp_path / "m.npz")
    assert data.task == "multilabel" and data.target_names == ["x", "y", "z"]


# ---------------------------------------------------------------- bad inputs in tables
def _fails(spec, *words, **kwargs):
    with pytest.raises(DataError) as info:
        load_data(spec, **kwargs)
    for word in words:
        assert word in str(info.value), str(info.value)


def test_bad_task_inputs_in_tables(tmp_path):
    texts = _texts(20)
    labels = _csv(
        tmp_path / "s.csv", ["text", "label"], zip(texts, ["pos", "neg"] * 10, strict=True)
    )
    _fails(labels, "--task regression needs numbers", "line 2, column 'label' holds 'pos'",
           "use --task classification", task="regression")  # fmt: skip
    nan = _csv(tmp_path / "n.csv", ["text", "y"], zip(texts, [0.5, "nan"] * 10, strict=True))
    _fails(nan, "NaN or infinite regression targets", "drop those rows", task="regression")
    const = _csv(tmp_path / "c.csv", ["text", "y"], zip(texts, [3.5] * 20, strict=True))
    _fails(const, "zero variance", "pick a target column whose values vary", task="regression")
    empty_set = _csv(tmp_path / "e.csv", ["text", "labels"],
                     zip(texts, ["a|b", "", "b"] * 6 + ["a", "b"], strict=True))  # fmt: skip
    _fails(empty_set, "rows of", "have no labels (lines 3, 6", "e.g. 'none'", task="multilabel")
    columns = _csv(tmp_path / "z.csv", ["text", "a", "b"],
                   [(t, 1, 0) for t in texts])  # fmt: skip
    _fails(columns, "label 'b' is 0 in every row", "drop that label", label_column=["a", "b"])
    pairs = _csv(tmp_path / "p.csv", ["a", "b", "label"],
                 [(t, "" if k == 3 else "other", k % 2) for k, t in enumerate(texts)])  # fmt: skip
    _fails(pairs, "pair column 'b'", "empty in 1 of 20 rows (lines 5)", "fill them",
           text_column="a", text_pair_column="b")  # fmt: skip
    _fails(columns, "classification takes one label column", "--task multilabel for 0/1",
           label_column=["a", "b"], task="classification")  # fmt: skip
    _fails(labels, "task must be one of", task="ranking")
    _fails(labels, "label separator must be one character", label_separator="||")


# ----------------------------------------------------------------- in-memory objects
def test_dataframe_in_the_library():
    frame = pd.DataFrame({"sentence": _texts(30), "score": np.linspace(0, 1, 30) ** 2})
    data = load_data(frame, label_column="score")
    assert data.task == "regression" and data.name == "DataFrame" and len(data) == 30
    frame.loc[3, "score"] = np.nan  # pandas' missing value: a blank cell, skipped
    data = load_data(frame, label_column="score")
    assert len(data) == 29 and data.skipped == [("row 4", "empty label: column 'score' is blank")]


def test_datasets_objects_in_the_library(tmp_path):
    datasets = pytest.importorskip("datasets")
    texts = _texts(30)
    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["neg", "pos"])}
    )
    ds = datasets.Dataset.from_dict({"text": texts, "label": [0, 1] * 15}, features=features)
    data = load_data(ds)
    assert data.class_names == ["neg", "pos"] and data.splits is None  # ClassLabel names
    parts = datasets.DatasetDict(
        {
            "train": ds.select(range(20)),
            "validation": ds.select(range(20, 25)),
            "test": ds.select(range(25, 30)),
            "unsupervised": ds.select(range(3)),
        }  # fmt: skip
    )
    data = load_data(parts)
    assert data.summary()["splits"] == {"train": 20, "val": 5, "test": 5}
    assert data.skipped == [
        ("split 'unsupervised'", "not a train/validation/test split: 3 rows left out")
    ]
    assert len(load_data(parts, split="validation")) == 5
    with pytest.raises(DataError, match="has no split 'dev'; its splits are train, validation"):
        load_data(parts, split="dev")
    parts.save_to_disk(str(tmp_path / "saved"))
    saved = load_data(tmp_path / "saved")
    assert saved.fingerprint() == data.fingerprint() and saved.name == "saved"
    assert len(load_data(tmp_path / "saved", split="test")) == 5
    with pytest.raises(DataError, match="does not apply to this data"):
        load_data(ds.to_pandas(), split="test")


def test_parquet_file(tmp_path):
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"text": _texts(20), "tags": [["a", "b"], ["b"]] * 10})
    frame.to_parquet(tmp_path / "t.parquet")
    data = load_data(tmp_path / "t.parquet")
    assert data.task == "multilabel" and data.targets.sum(axis=0).tolist() == [10, 20]
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        load_data(tmp_path / "bad.parquet")


def test_image_columns_with_paths_bytes_and_pil_images(tmp_path):
    import io

    from PIL import Image

    digits = small_digits(n_per_class=3, seed=0)
    images = [digits.image(i) for i in range(len(digits))]
    encoded = []
    for k, image in enumerate(images):
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        encoded.append(buffer.getvalue())
        image.save(tmp_path / f"{k}.png")
    labels = [digits.class_names[c] for c in digits.labels]
    by_path = load_data(pd.DataFrame({"image": [f"{tmp_path}/{k}.png" for k in range(30)],
                                      "label": labels}))  # fmt: skip
    by_bytes = load_data(pd.DataFrame({"image": encoded, "label": labels}))
    by_pil = load_data(pd.DataFrame({"image": images, "label": labels}))
    assert by_path.image_paths is not None and by_bytes.image_bytes is not None
    for data in (by_path, by_bytes, by_pil):
        assert data.modality == "image" and len(data) == 30
        assert np.array_equal(np.asarray(data.image(4)), np.asarray(images[4]))
    assert by_bytes.fingerprint() == by_pil.fingerprint()  # same PNG bytes
    assert by_bytes.subset([4]).image(0).size == images[4].size
    broken = load_data(pd.DataFrame({"image": [b"junk"] + encoded[1:], "label": labels}))
    assert len(broken) == 29 and "cannot be decoded" in broken.skipped[0][1]
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"image": images, "label": labels})
    ds = ds.cast_column("image", datasets.Image())
    from_ds = load_data(ds)
    assert from_ds.image_bytes is not None and len(from_ds) == 30
    assert np.array_equal(
        np.asarray(from_ds.image(0)), np.asarray(Image.open(io.BytesIO(encoded[0])).convert("RGB"))
    )


# ------------------------------------------------------------------------ hub names
def test_hub_name_offline_fails_fast_without_touching_the_network(monkeypatch):
    calls = []

    def no_connection(address, timeout=None, **_):
        calls.append((address, timeout))
        raise OSError("network is unreachable")

    def no_download(*args, **kwargs):
        raise AssertionError("load_dataset must not run when the hub is unreachable")

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    monkeypatch.setattr(socket, "create_connection", no_connection)
    datasets = pytest.importorskip("datasets")
    monkeypatch.setattr(datasets, "load_dataset", no_download)
    started = time.monotonic()
    with pytest.raises(DataError) as info:
        load_data("hf://nyu-mll/glue:mrpc")
    assert time.monotonic() - started < 5
    message = str(info.value)
    assert "nyu-mll/glue cannot be downloaded: no connection to huggingface.co:443" in message
    assert "go online" in message and "save_to_disk('FOLDER')" in message
    assert "load_dataset('nyu-mll/glue', 'mrpc')" in message
    assert calls == [(("huggingface.co", 443), hf_source.CONNECT_TIMEOUT_S)]
    with pytest.raises(DataError, match="cannot be downloaded"):
        load_data(None, hf_dataset="imdb")


def test_hub_name_with_offline_mode_set_tries_only_the_cache(monkeypatch):
    datasets = pytest.importorskip("datasets")

    def offline_miss(*args, **kwargs):
        raise ConnectionError("Couldn't reach the Hub (offline mode is enabled)")

    def no_socket(*args, **kwargs):
        raise AssertionError("offline mode must not open a connection")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket, "create_connection", no_socket)
    monkeypatch.setattr(datasets, "load_dataset", offline_miss)
    with pytest.raises(DataError) as info:
        load_data("hf://imdb", split="test")
    assert "offline (HF_HUB_OFFLINE=1) and not in the local cache" in str(info.value)
    assert "save_to_disk" in str(info.value)


def test_hub_name_loads_through_load_dataset_when_reachable(monkeypatch):
    datasets = pytest.importorskip("datasets")
    asked = []

    def fake_load(repo, config=None, split=None):
        asked.append((repo, config, split))
        return datasets.Dataset.from_dict({"text": _texts(10), "label": ["a", "b"] * 5})

    monkeypatch.setattr(hf_source, "hub_unreachable", lambda: None)
    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    data = load_data("hf://owner/name:cfg", split="train")
    assert asked == [("owner/name", "cfg", "train")] and len(data) == 10
    assert data.source == "owner/name:cfg"
