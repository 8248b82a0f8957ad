"""Loading image folders, text/image-path tables and feature files into LabelledData."""

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from advisor.data import LabelledData, load_data
from advisor.data.labels import encode_labels
from advisor.errors import DataError
from tests.helpers.datasets import (
    make_features_npz,
    make_image_folder,
    make_text_csv,
    text_examples,
    write_image_files,
)


# ----------------------------------------------------------------------- image folders
def test_image_folder_loads_classes_lazily_and_decodes_rgb(tmp_path):
    root = make_image_folder(tmp_path / "digits", n_per_class=4, classes=("3", "7", "9"))
    data = load_data(root)
    assert data.modality == "image" and len(data) == 12
    assert data.class_names == ["3", "7", "9"]
    assert data.class_counts() == {"3": 4, "7": 4, "9": 4}
    assert data.image_arrays is None and all(p.endswith(".png") for p in data.image_paths)
    image = data.image(5)
    assert image.mode == "RGB" and image.size == (32, 32)
    # The decoded pixels are the file's pixels, and the label is its folder's.
    on_disk = np.asarray(Image.open(data.image_paths[5]).convert("RGB"))
    assert np.array_equal(np.asarray(image), on_disk)
    assert data.class_names[data.labels[5]] == root.joinpath(data.image_paths[5]).parent.name
    assert data.skipped == [] and data.dropped == []


def test_image_folder_accepts_every_extension_case_insensitively(tmp_path):
    root = tmp_path / "mixed"
    exts = [".JPG", ".jpeg", ".Png", ".bmp", ".gif", ".webp", ".TIFF", ".tif"]
    for label in ("a", "b"):
        for k, ext in enumerate(exts):
            write_image_files(root / label, 1, ext=ext, seed=k + (0 if label == "a" else 50))
    (root / "a" / "notes.txt").write_text("not an image")
    (root / "a" / ".DS_Store").write_bytes(b"\0\0")
    data = load_data(root)
    assert len(data) == 2 * len(exts)
    assert data.skipped == [("a/notes.txt", "unsupported file type: .txt")]


def test_image_folder_recurses_into_class_subfolders_and_reports_empty_classes(tmp_path):
    write_image_files(tmp_path / "cats" / "indoor", 2, seed=1)
    write_image_files(tmp_path / "cats" / "outdoor", 2, seed=2)
    write_image_files(tmp_path / "dogs", 3, seed=3)
    (tmp_path / "birds").mkdir()
    data = load_data(tmp_path)
    assert data.class_counts() == {"cats": 4, "dogs": 3}
    assert ("birds/", "empty class folder: no image files") in data.skipped


def test_identical_images_are_deduplicated_and_conflicts_dropped(tmp_path):
    root = make_image_folder(tmp_path / "d", n_per_class=3, classes=("0", "1"))
    shutil.copy(root / "0" / "0000.png", root / "0" / "copy.png")  # same class: duplicate
    shutil.copy(root / "1" / "0001.png", root / "0" / "wrong.png")  # other class: conflict
    data = load_data(root)
    reasons = dict(data.dropped)
    assert reasons["0/copy.png"].startswith("exact duplicate")
    assert reasons["0/wrong.png"].startswith("conflicting labels")
    assert reasons["1/0001.png"].startswith("conflicting labels")
    assert data.class_counts() == {"0": 3, "1": 2}


def test_corrupt_images_are_skipped_and_counted(tmp_path):
    root = make_image_folder(tmp_path / "d", n_per_class=5, classes=("0", "1"))
    good = (root / "0" / "0000.png").read_bytes()
    (root / "0" / "truncated.png").write_bytes(good[:60])
    (root / "1" / "text.jpg").write_text("this is not a jpeg")
    (root / "1" / "empty.png").write_bytes(b"")
    data = load_data(root)
    assert len(data) == 10
    skipped = dict(data.skipped)
    assert set(skipped) == {"0/truncated.png", "1/text.jpg", "1/empty.png"}
    assert skipped["0/truncated.png"].startswith("truncated: the file ends before")
    assert skipped["1/text.jpg"].startswith("cannot be decoded")
    assert data.summary()["skipped_reasons"] == {"cannot be decoded": 2, "truncated": 1}


def test_truncated_jpeg_is_skipped_at_load(tmp_path):
    root = make_image_folder(tmp_path / "d", n_per_class=3, classes=("0", "1"), ext=".jpg")
    victim = root / "1" / "0002.jpg"
    victim.write_bytes(victim.read_bytes()[:-200])  # header intact, scan data cut short
    data = load_data(root)
    assert len(data) == 5 and [item for item, _ in data.skipped] == ["1/0002.jpg"]


def test_image_damaged_after_loading_fails_on_decode_with_the_file_name(tmp_path):
    root = make_image_folder(tmp_path / "d", n_per_class=3, classes=("0", "1"))
    data = load_data(root)
    (root / "0" / "0001.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    index = data.image_paths.index(str((root / "0" / "0001.png").resolve()))
    with pytest.raises(DataError, match=r"0001\.png cannot be decoded.*remove or replace"):
        data.image(index)


# ------------------------------------------------------------------------ text tables
@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl"])
def test_text_tables_load_with_detected_columns(tmp_path, suffix):
    path = make_text_csv(tmp_path / f"texts{suffix}", n_per_class=6, source="embedded")
    data = load_data(path)
    assert data.modality == "text" and len(data) == 18
    assert data.class_names == ["negative", "neutral", "positive"]
    rows = text_examples(6, source="embedded")
    expected = {text: label for text, label in rows}
    for text, label in zip(data.texts, data.labels, strict=True):
        assert expected[text] == data.class_names[label]


@pytest.mark.parametrize(
    ("text_name", "label_name"),
    [("sentence", "class"), ("Review", "Sentiment"), ("tweet", "category"), ("content", "target")],
)
def test_text_and_label_columns_are_found_by_common_names(tmp_path, text_name, label_name):
    path = make_text_csv(
        tmp_path / "t.csv", 4, source="embedded", text_column=text_name, label_column=label_name
    )
    data = load_data(path)
    assert len(data) == 12 and data.num_classes == 3


def test_column_options_override_detection(tmp_path):
    path = tmp_path / "t.csv"
    rows = text_examples(4, source="embedded")
    lines = ["id,body_text,gold,label"]
    for k, (text, label) in enumerate(rows):
        decoy = "x" if k % 2 else "y"
        lines.append(f'{k},"{text}",{label},{decoy}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = load_data(path, text_column="body_text", label_column="gold")
    assert data.class_names == ["negative", "neutral", "positive"]
    assert data.texts[0] in {t for t, _ in rows}


def test_a_two_column_table_uses_the_other_column_as_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("words,label\nthe cat sat,a\na dog ran,b\nbirds sing,a\n", encoding="utf-8")
    data = load_data(path)
    assert data.texts == ["the cat sat", "a dog ran", "birds sing"]


def test_integer_labels_sort_numerically_and_string_labels_alphabetically():
    codes, names = encode_labels([10, 2, 2, 1])
    assert names == ["1", "2", "10"] and codes.tolist() == [2, 1, 1, 0]
    codes, names = encode_labels(["10", "9", "1"])
    assert names == ["1", "9", "10"] and codes.tolist() == [2, 1, 0]
    codes, names = encode_labels(["dog", "cat", "dog"])
    assert names == ["cat", "dog"] and codes.tolist() == [1, 0, 1]
    codes, names = encode_labels([1, "1", "b"])  # JSON mixing 1 and "1": one class
    assert names == ["1", "b"] and codes.tolist() == [0, 0, 1]


def test_jsonl_with_integer_labels(tmp_path):
    path = tmp_path / "t.jsonl"
    rows = text_examples(3, source="embedded")
    mapping = {"negative": 0, "neutral": 5, "positive": 7}
    lines = [json.dumps({"text": t, "label": mapping[lab]}) + "\n" for t, lab in rows]
    path.write_text("".join(lines))
    data = load_data(path)
    assert data.class_names == ["0", "5", "7"]
    assert np.bincount(data.labels).tolist() == [3, 3, 3]


def test_duplicate_and_conflicting_texts_are_dropped_and_reported(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "text,label\nthe movie was great,pos\nthe plot was thin,neg\n"
        "the movie was great,pos\nit rained all day,neg\nit rained all day,pos\n"
        "a fine cast,pos\n",
        encoding="utf-8",
    )
    data = load_data(path)
    assert data.texts == ["the movie was great", "the plot was thin", "a fine cast"]
    dropped = dict(data.dropped)
    assert dropped["line 4"] == "exact duplicate: same input and label as line 2"
    assert dropped["line 5"].startswith("conflicting labels") and "neg, pos" in dropped["line 5"]
    assert "line 6" in dropped
    assert data.summary()["dropped_reasons"] == {"exact duplicate": 1, "conflicting labels": 2}


def test_empty_texts_and_labels_are_skipped_with_line_numbers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("text,label\nhello there,a\n   ,a\ngood night,\nsee you,b\nbye now,b\n")
    data = load_data(path)
    assert len(data) == 3
    assert dict(data.skipped) == {
        "line 3": "empty text: column 'text' is blank",
        "line 4": "empty label: column 'label' is blank",
    }


# ------------------------------------------------------------------ image-path tables
def test_csv_of_image_paths_resolves_relative_to_the_csv_folder(tmp_path):
    images = write_image_files(tmp_path / "pics", 6)
    (tmp_path / "lists").mkdir()
    absolute = images[5].resolve()
    lines = ["file,label"] + [
        f"../pics/{p.name},{'odd' if k % 2 else 'even'}" for k, p in enumerate(images[:5])
    ]
    lines.append(f"{absolute},odd")
    table = tmp_path / "lists" / "labels.csv"
    table.write_text("\n".join(lines) + "\n")
    data = load_data(table)
    assert data.modality == "image" and len(data) == 6
    assert data.class_counts() == {"even": 3, "odd": 3}
    assert data.image_paths[0] == str(images[0].resolve())
    assert data.image(0).size == (32, 32)


def test_image_path_table_counts_missing_files(tmp_path):
    images = write_image_files(tmp_path, 4)
    rows = [f"{p.name},{k % 2}" for k, p in enumerate(images)] + ["gone.png,1"]
    (tmp_path / "t.csv").write_text("image,label\n" + "\n".join(rows) + "\n")
    data = load_data(tmp_path / "t.csv")
    assert len(data) == 4
    assert data.skipped == [("line 6 (gone.png)", "file not found")]


# ------------------------------------------------------------------------ feature files
def test_npz_features_with_int_and_string_labels(tmp_path):
    data = load_data(make_features_npz(tmp_path / "f.npz", n_per_class=7, num_classes=4))
    assert data.modality == "features" and data.features.shape == (28, 64)
    assert data.features.dtype == np.float32 and data.class_names == ["0", "1", "2", "3"]
    named = load_data(make_features_npz(tmp_path / "g.npz", 5, 2, string_labels=True))
    assert named.class_names == ["digit-0", "digit-1"]


def test_npz_class_names_name_the_integer_labels(tmp_path):
    path = tmp_path / "f.npz"
    np.savez(
        path,
        features=np.eye(4, dtype=np.float32),
        labels=np.array([2, 0, 2, 0]),
        class_names=np.array(["cat", "dog", "eel"]),
    )
    data = load_data(path)
    assert data.class_names == ["cat", "eel"] and data.labels.tolist() == [1, 0, 1, 0]


def test_labelled_data_is_returned_as_is():
    data = LabelledData("x", "text", np.array([0, 1]), ["a", "b"], "mem", texts=["u", "v"])
    assert load_data(data) is data


def test_exif_rotation_is_applied_on_decode(tmp_path):
    from sklearn.datasets import load_sample_images

    china, flower = (Image.fromarray(a).resize((64, 40)) for a in load_sample_images().images)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    (tmp_path / "china").mkdir()
    (tmp_path / "flower").mkdir()
    china.save(tmp_path / "china" / "tagged.jpg", exif=exif)
    flower.save(tmp_path / "flower" / "plain.jpg")
    data = load_data(tmp_path)
    row = {data.class_names[k]: i for i, k in enumerate(data.labels)}
    tagged, plain = data.image(row["china"]), data.image(row["flower"])
    assert plain.size == (64, 40)
    assert tagged.size == (40, 64)  # shown upright (portrait), as a photo viewer would
