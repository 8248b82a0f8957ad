"""The user's own train/val/test split: a `split` column in a table, or split folders."""

import pytest

from advisor.data import load_data
from advisor.errors import DataError
from tests.helpers.datasets import make_image_folder, text_examples


def _table_with_split(path, values):
    rows = text_examples(4, source="embedded")
    lines = ["text,label,Split"]
    for (text, label), part in zip(rows, values * len(rows), strict=False):
        lines.append(f'"{text}",{label},{part}')
    path.write_text("\n".join(lines) + "\n")
    return path


def test_split_column_spellings_are_normalised(tmp_path):
    path = _table_with_split(tmp_path / "t.csv", ["train", "Validation", "TEST", "dev"])
    data = load_data(path)
    assert data.splits[:4] == ["train", "val", "test", "val"]
    assert data.summary()["splits"] == {"train": 3, "val": 6, "test": 3}
    part = data.subset([1, 2])
    assert part.splits == ["val", "test"]


def test_split_column_with_an_unknown_value(tmp_path):
    path = _table_with_split(tmp_path / "t.csv", ["train", "holdout"])
    with pytest.raises(DataError, match=r"line 3: split column 'Split' has 'holdout'; use train"):
        load_data(path)


def test_split_column_does_not_count_as_the_input_of_a_small_table(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("words,label,split\nthe cat sat,a,train\na dog ran,b,test\nbirds,a,val\n")
    data = load_data(path)
    assert data.texts == ["the cat sat", "a dog ran", "birds"]
    assert data.splits == ["train", "test", "val"]


def test_tables_without_split_have_none(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("text,label\nthe cat sat,a\na dog ran,b\n")
    assert load_data(path).splits is None and load_data(path).summary()["splits"] is None


def test_split_folders(tmp_path):
    make_image_folder(tmp_path / "train", 4, ("3", "5"), seed=0)
    make_image_folder(tmp_path / "valid", 2, ("3", "5"), seed=1)
    make_image_folder(tmp_path / "Test", 2, ("3", "5"), seed=2)
    data = load_data(tmp_path)
    assert data.class_names == ["3", "5"]  # classes come from the second level
    counts = data.summary()["splits"]
    assert counts["train"] == 8  # training copies win over duplicates in val/test
    assert sum(counts.values()) + len(data.dropped) == 16
    assert all(reason.startswith("exact duplicate") for _, reason in data.dropped)
    for path, part in zip(data.image_paths, data.splits, strict=True):
        top = path.split("/")[-3].lower()
        assert {"train": "train", "valid": "val", "test": "test"}[top] == part


def test_folders_that_are_not_all_split_names_are_classes(tmp_path):
    make_image_folder(tmp_path, 3, ("0", "1"))
    make_image_folder(tmp_path / "test", 3, ("2",))  # a class folder called 'test'
    data = load_data(tmp_path)
    assert data.splits is None and data.class_names == ["0", "1", "test"]


def test_a_text_in_both_test_and_train_keeps_the_training_copy(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "text,label,split\nsame words,a,test\nother words,b,train\n"
        "same words,a,train\nmore words,a,val\n"
    )
    data = load_data(path)
    assert list(zip(data.texts, data.splits, strict=True)) == [
        ("other words", "train"),
        ("same words", "train"),
        ("more words", "val"),
    ]
    assert data.dropped == [("line 2", "exact duplicate: same input and label as line 4")]
