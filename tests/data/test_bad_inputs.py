"""Every kind of bad input raises DataError whose message names the problem and the fix."""

import numpy as np
import pytest

from advisor.data import LabelledData, load_data
from advisor.errors import AdvisorError, DataError
from tests.helpers.datasets import (
    make_image_folder,
    make_text_csv,
    text_examples,
    write_image_files,
)


def _fails(spec, *patterns, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        load_data(spec, **kwargs)
    message = str(info.value)
    for pattern in patterns:
        assert pattern in message, f"{pattern!r} not in {message!r}"
    assert isinstance(info.value, AdvisorError)
    return message


def test_missing_path(tmp_path):
    _fails(tmp_path / "nope", "does not exist", "built-in dataset name", "digits")


def test_unknown_name_is_treated_as_a_missing_path():
    _fails("cifar-10", "cifar-10 does not exist", "fashion-mnist")


def test_empty_folder(tmp_path):
    _fails(tmp_path, "is empty", "one sub-folder of images per class")


def test_images_without_class_subfolders(tmp_path):
    write_image_files(tmp_path, 3)
    _fails(tmp_path, "no class sub-folders", "/cat/1.jpg")


def test_class_folders_without_images(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "readme.txt").write_text("hi")
    _fails(tmp_path, "no image files", ".png")


def test_most_images_unreadable(tmp_path):
    make_image_folder(tmp_path, n_per_class=2, classes=("0", "1"))
    for k in range(5):
        (tmp_path / "0" / f"bad{k}.jpg").write_bytes(b"not a jpeg at all")
    message = _fails(tmp_path, "5 of 9 image files", "could not be used", "fix or remove")
    assert "bad0.jpg: cannot be decoded" in message


def test_one_class_only(tmp_path):
    make_image_folder(tmp_path, n_per_class=3, classes=("4",))
    _fails(tmp_path, "only one class ('4')", "at least 2 classes")


def test_one_class_only_in_a_table(tmp_path):
    (tmp_path / "t.csv").write_text("text,label\nhello there,a\ngood bye,a\n")
    _fails(tmp_path / "t.csv", "only one class ('a')")


def test_label_column_that_does_not_exist_lists_the_columns(tmp_path):
    path = make_text_csv(tmp_path / "t.csv", 2, source="embedded", label_column="sentiment")
    _fails(
        path,
        "label column 'polarity' not found",
        "columns are: text, sentiment",
        "--label-column",
        label_column="polarity",
    )


def test_no_label_column_detected(tmp_path):
    (tmp_path / "t.csv").write_text("text,score\nhello,1\nbye,2\n")
    _fails(
        tmp_path / "t.csv", "no label column found", "columns are: text, score", "--label-column"
    )


def test_no_input_column_detected(tmp_path):
    (tmp_path / "t.csv").write_text("id,label,score\n1,a,3\n2,b,4\n")
    _fails(tmp_path / "t.csv", "no text or image-path column", "--text-column")


def test_text_and_image_columns_both_present_asks_to_choose(tmp_path):
    (tmp_path / "t.csv").write_text("image,text,label\na.png,a cat,x\nb.png,a dog,y\n")
    _fails(tmp_path / "t.csv", "--text-column text", "--image-column image")


def test_non_utf8_text_names_line_and_byte(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("text,label\ncafé au lait,a\n".encode() + "crème brûlée,b\n".encode("latin-1"))
    _fails(path, "not valid UTF-8", "byte 0xe8 at line 3, column 3", "iconv -f latin1")


def test_malformed_jsonl_line(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"text": "hi", "label": "a"}\n{"text": "oops", label: b}\n')
    _fails(path, "line 2 is not valid JSON", "one JSON object")


def test_csv_row_with_too_many_fields(tmp_path):
    (tmp_path / "t.csv").write_text("text,label\nhello,a\nhello, world,b\n")
    _fails(tmp_path / "t.csv", "line 3 has 3 fields but the header has 2", "quote fields")


def test_header_only_csv(tmp_path):
    (tmp_path / "t.csv").write_text("text,label\n")
    _fails(tmp_path / "t.csv", "no rows")


def test_mostly_empty_texts(tmp_path):
    (tmp_path / "t.csv").write_text("text,label\n,a\n ,b\nhello,a\n,b\n")
    _fails(tmp_path / "t.csv", "3 of 4 rows", "empty text")


def test_every_text_conflicting(tmp_path):
    (tmp_path / "t.csv").write_text("text,label\nsame,a\nsame,b\n")
    _fails(tmp_path / "t.csv", "conflicting labels")


def test_unsupported_file_type(tmp_path):
    (tmp_path / "data.xlsx").write_bytes(b"PK")
    _fails(tmp_path / "data.xlsx", "unsupported file type '.xlsx'", ".csv")


def test_column_options_on_a_folder(tmp_path):
    make_image_folder(tmp_path, 2, ("0", "1"))
    _fails(tmp_path, "only apply to .csv", text_column="text")


def test_npz_without_features_or_labels(tmp_path):
    np.savez(tmp_path / "f.npz", X=np.zeros((3, 2)), y=np.arange(3))
    _fails(
        tmp_path / "f.npz",
        "no 'features' or 'labels' array",
        "it has: X, y",
        "numpy.savez(path, features=X, labels=y)",
    )


def test_npz_row_mismatch(tmp_path):
    np.savez(tmp_path / "f.npz", features=np.zeros((500, 4)), labels=np.arange(480) % 2)
    _fails(tmp_path / "f.npz", "labels has 480 rows but features has 500")


def test_npz_with_object_arrays_is_refused_not_unpickled(tmp_path):
    labels = np.array(["a", "b", None], dtype=object)
    np.savez(tmp_path / "f.npz", features=np.zeros((3, 2)), labels=labels)
    _fails(tmp_path / "f.npz", "stores Python objects", "never dtype=object")


def test_npz_with_nan_features(tmp_path):
    features = np.ones((4, 2))
    features[1, 0] = np.nan
    np.savez(tmp_path / "f.npz", features=features, labels=np.array([0, 1, 0, 1]))
    _fails(tmp_path / "f.npz", "NaN or infinite values in 1 rows")


def test_not_a_zip(tmp_path):
    (tmp_path / "f.npz").write_text("hello")
    _fails(tmp_path / "f.npz", "not a readable .npz")


def test_labelled_data_checks_its_own_shape():
    with pytest.raises(DataError, match="labels has 3 rows but texts has 2"):
        LabelledData("x", "text", np.array([0, 1, 1]), ["a", "b"], "mem", texts=["u", "v"])
    with pytest.raises(DataError, match="does not fit 2 class_names"):
        LabelledData("x", "text", np.array([0, 2]), ["a", "b"], "mem", texts=["u", "v"])
    with pytest.raises(DataError, match="modality is 'audio'"):
        LabelledData("x", "audio", np.array([0, 1]), ["a", "b"], "mem", texts=["u", "v"])
    text = LabelledData("x", "text", np.array([0, 1]), ["a", "b"], "mem", texts=["u", "v"])
    with pytest.raises(DataError, match="only image datasets have images"):
        text.image(0)


def test_empty_spec_is_not_the_current_folder():
    _fails("", "empty string")
    _fails("  ", "empty string")


def test_permission_denied_becomes_a_data_error(tmp_path, monkeypatch):
    path = make_text_csv(tmp_path / "t.csv", 2, source="embedded")

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(type(path), "read_bytes", denied)
    _fails(path, "t.csv cannot be read: permission denied", "fix its permissions")


def test_wrong_spec_type():
    _fails(42, "data is a int", "built-in name, a path")


# ------------------------------------------- degenerate labels: clear before any work
def _rank_fails(spec, *patterns) -> str:
    """advisor.rank refuses the data before resolving or extracting any candidate."""
    import advisor

    with pytest.raises(DataError) as info:
        advisor.rank(spec, bootstrap=False)
    message = str(info.value)
    for pattern in patterns:
        assert pattern in message, f"{pattern!r} not in {message!r}"
    return message


def test_npz_with_nan_labels(tmp_path):
    labels = np.array([0.0, 1.0, np.nan, 1.0, np.nan, 0.0])
    np.savez(tmp_path / "f.npz", features=np.eye(6), labels=labels)
    _fails(tmp_path / "f.npz", "NaN or infinite in 2 rows (missing labels?)", "give them a class")


def test_an_id_column_as_labels_is_refused_by_the_ranking(tmp_path):
    path = tmp_path / "ids.csv"
    texts = [text for text, _ in text_examples(5, source="embedded")]
    path.write_text("text,label\n" + "".join(f'"{t}",id-{k}\n' for k, t in enumerate(texts)))
    data = load_data(path)  # loading is fine: `advisor inspect` shows what it holds
    assert data.num_classes == len(texts)
    _rank_fails(path, f"every class in {path} has fewer than 2 examples (15 classes", "an id")


def test_two_classes_with_one_usable_is_refused_by_the_ranking(tmp_path):
    rows = [(text, "common") for text, _ in text_examples(4, source="embedded")]
    path = tmp_path / "t.csv"
    path.write_text(
        "text,label\n" + "".join(f'"{t}",{label}\n' for t, label in rows) + '"one odd row",rare\n'
    )
    _rank_fails(path, "only class 'common'", "('rare' has fewer)", "add examples of the others")


def test_a_single_example_per_class_cannot_be_split_for_fine_tuning():
    from advisor.data import split

    data = LabelledData(
        name="t",
        modality="text",
        labels=np.array([0, 1, 1, 1]),
        class_names=["a", "b"],
        source="t",
        texts=["w", "x", "y", "z"],
    )
    with pytest.raises(DataError, match="class 'a' has 1 example; each class needs at least 3"):
        split(data)
