"""What the loaders leave out is reported: describe_skipped, truncation found at load time,
decompression bombs, empty rows, duplicates, classes too small for the probes."""

from __future__ import annotations

import csv
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from advisor.data import LabelledData, describe_skipped, load_data
from advisor.data.image_files import check_image_file
from advisor.data.skipped import drop_small_classes, drop_unreadable
from advisor.errors import DataError
from tests.helpers.datasets import make_image_folder, make_text_csv, text_examples


def _photo(width: int = 160, height: int = 120, seed: int = 0) -> Image.Image:
    """A smooth, noisy RGB picture: compresses like a photo, not like a flat test card."""
    rng = np.random.default_rng(seed)
    coarse = Image.fromarray(np.uint8(np.clip(128 + 60 * rng.normal(size=(12, 16, 3)), 0, 255)))
    pixels = np.asarray(coarse.resize((width, height), Image.Resampling.BICUBIC), dtype=float)
    return Image.fromarray(
        np.uint8(np.clip(pixels + rng.normal(scale=8, size=pixels.shape), 0, 255))
    )


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _bomb_png(path, side: int = 20000) -> None:
    """A valid 1-bit side x side PNG of zeros (48 kB on disk, 400 megapixels decoded).
    Written chunk by chunk: PIL itself takes seconds to encode one this size."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = zlib.compress(b"\x00" * ((1 + side // 8) * side), 9)
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


# ------------------------------------------------------------------ load-time checks
# (format, suffix, save options, the reason's kind): a cut TIFF-LZW or WebP loses the
# index PIL needs to recognise it at all, so it "cannot be decoded"; the rest name truncation.
FORMATS = [
    ("JPEG", ".jpg", {}, "truncated"),
    ("JPEG", ".jpg", {"progressive": True}, "truncated"),
    ("PNG", ".png", {}, "truncated"),
    ("BMP", ".bmp", {}, "truncated"),
    ("TIFF", ".tif", {}, "truncated"),
    ("TIFF", ".tif", {"compression": "tiff_lzw"}, "cannot be decoded"),
    ("GIF", ".gif", {}, "truncated"),
    ("WEBP", ".webp", {}, "cannot be decoded"),
]


@pytest.mark.parametrize("fmt, ext, options, kind", FORMATS)
@pytest.mark.parametrize("kept", [0.3, 0.9, 0.995])
def test_truncated_files_of_every_format_are_caught_at_load(
    tmp_path, fmt, ext, options, kind, kept
):
    image = _photo() if fmt != "GIF" else _photo().convert("P")
    data = _encoded(image, fmt, **options)
    whole = tmp_path / f"whole{ext}"
    whole.write_bytes(data)
    assert check_image_file(whole)[1] is None
    cut = tmp_path / f"cut{ext}"
    cut.write_bytes(data[: int(len(data) * kept)])
    digest, reason = check_image_file(cut)
    assert digest is None and reason.startswith(f"{kind}: ")
    with pytest.raises(OSError):  # the check agrees with a full decode
        with Image.open(cut) as opened:
            opened.load()


def test_jpeg_check_ignores_a_thumbnails_end_marker_and_bytes_after_the_image(tmp_path):
    photo = _encoded(_photo(), "JPEG")
    thumb = _encoded(_photo(16, 12), "JPEG")  # has its own end-of-image marker
    app1 = b"\xff\xe1" + (len(thumb) + 8).to_bytes(2, "big") + b"Exif\x00\x00" + thumb
    with_thumb = photo[:2] + app1 + photo[2:]
    cases = {
        "thumb.jpg": (with_thumb, None),
        "thumb_cut.jpg": (with_thumb[: len(with_thumb) - 300], "truncated"),
        "motion.jpg": (photo + b"\x00\x00ftypmp42" + bytes(500), None),  # a video appended
    }
    for name, (data, expected) in cases.items():
        (tmp_path / name).write_bytes(data)
        reason = check_image_file(tmp_path / name)[1]
        assert (reason is None) if expected is None else reason.startswith(expected), name


def test_decompression_bomb_is_skipped_as_too_large_and_named(tmp_path, monkeypatch):
    root = make_image_folder(tmp_path / "d", n_per_class=4, classes=("0", "1"))
    _bomb_png(root / "1" / "huge.png")
    data = load_data(root)
    assert len(data) == 8
    (reason,) = [r for item, r in data.skipped if item == "1/huge.png"]
    assert reason.startswith("too large: 400,000,000 pixels, over the decompression-bomb limit")
    assert describe_skipped(data) == ["skipped 1 file (too large): 1/huge.png"]
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # it is a real, valid PNG
    with Image.open(root / "1" / "huge.png") as opened:
        assert opened.size == (20000, 20000) and opened.format == "PNG"


def test_corrupt_and_truncated_images_among_good_ones_are_described(tmp_path):
    root = make_image_folder(tmp_path / "d", n_per_class=6, classes=("0", "1"), ext=".jpg")
    victim = root / "1" / "0002.jpg"
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size * 3 // 4])
    (root / "0" / "notes.jpg").write_text("not an image at all")
    (root / "0" / "readme.txt").write_text("hello")
    data = load_data(root)
    assert len(data) == 11
    assert describe_skipped(data) == [
        "skipped 1 file (unsupported file type): 0/readme.txt",
        "skipped 1 file (cannot be decoded): 0/notes.jpg",
        "skipped 1 file (truncated): 1/0002.jpg",
    ]
    assert data.summary()["skipped_reasons"]["truncated"] == 1


def test_truncated_jpeg_in_an_image_table_names_its_row(tmp_path):
    root = make_image_folder(tmp_path / "imgs", n_per_class=5, classes=("0", "1"), ext=".jpg")
    victim = root / "0" / "0003.jpg"
    victim.write_bytes(victim.read_bytes()[:-40])
    table = tmp_path / "images.csv"
    with table.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["image", "label"])
        for path in sorted(root.rglob("*.jpg")):
            writer.writerow([path.relative_to(tmp_path).as_posix(), path.parent.name])
    data = load_data(table)
    assert len(data) == 9
    (line,) = describe_skipped(data)
    assert line.startswith("skipped 1 row (truncated): line ") and "imgs/0/0003.jpg" in line


# ------------------------------------------------------------------------ table rows
def test_empty_texts_and_labels_are_described_with_their_line_numbers(tmp_path):
    rows = text_examples(8, source="embedded")
    path = tmp_path / "texts.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        for k, (text, label) in enumerate(rows):
            # data rows start on line 2; blank the text on lines 4 and 9, the label on 6
            line = k + 2
            writer.writerow(["   " if line in (4, 9) else text, "" if line == 6 else label])
    data = load_data(path)
    assert len(data) == len(rows) - 3
    assert describe_skipped(data) == [
        "skipped 2 rows (empty text): line 4, line 9",
        "skipped 1 row (empty label): line 6",
    ]


def test_duplicates_are_described_as_dropped_and_long_lists_are_cut(tmp_path):
    rows = text_examples(6, source="embedded")
    path = tmp_path / "texts.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows(rows + rows[:5])  # five exact copies at the end
    data = load_data(path)
    assert len(data) == len(rows)
    (line,) = describe_skipped(data)
    first = len(rows) + 2
    assert line == (
        f"dropped 5 rows (exact duplicate): line {first}, line {first + 1}, line {first + 2} "
        "and 2 more"
    )


def test_nothing_left_out_says_nothing(tmp_path):
    assert describe_skipped(load_data(make_text_csv(tmp_path / "t.csv", source="embedded"))) == []
    assert describe_skipped(load_data("digits")) == []


def test_lines_stay_short_whatever_the_paths(tmp_path):
    deep = tmp_path / "d" / "0" / ("very_long_folder_name_" * 6)
    make_image_folder(tmp_path / "d", n_per_class=8, classes=("0", "1"))
    deep.mkdir(parents=True)
    for k in range(5):
        (deep / f"broken_{k}_with_a_long_file_name.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    data = load_data(tmp_path / "d")
    (line,) = describe_skipped(data)
    assert line.startswith("skipped 5 files (") and line.endswith("and 2 more")
    assert len(line) < 180 and "broken_0_with_a_long_file_name.png" in line


# ----------------------------------------------------------------- regression targets
def _write_labels(path, labels):
    texts = [t for t, _ in text_examples(12, source="embedded")]
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        for k, label in enumerate(labels):
            writer.writerow([f"{texts[k % len(texts)]} ({k})", label])
    return path


def test_continuous_float_labels_are_refused_as_classes(tmp_path):
    values = np.random.default_rng(0).normal(50, 10, size=40).round(3)
    path = _write_labels(tmp_path / "prices.csv", values)
    with pytest.raises(DataError) as info:
        load_data(path, task="classification")
    message = str(info.value)
    assert "column 'label' of prices.csv look like a regression target" in message
    assert "40 distinct numbers among 40 examples" in message
    assert "pass --task regression" in message and "bin the values into classes" in message
    # Left to detection, the same file is a regression target.
    data = load_data(path)
    assert data.task == "regression" and "40 distinct non-integer numbers" in data.task_reason
    np.testing.assert_allclose(data.targets[:, 0], values)


def test_float_labels_in_a_feature_file_are_refused_as_classes_too(tmp_path):
    path = tmp_path / "f.npz"
    rng = np.random.default_rng(1)
    np.savez(path, features=rng.normal(size=(60, 4)), labels=rng.uniform(0, 1, size=60))
    with pytest.raises(DataError, match="labels in f.npz look like a regression target"):
        load_data(path, task="classification")
    assert load_data(path).task == "regression"


def test_half_star_ratings_and_integral_floats_stay_classes(tmp_path):
    stars = np.tile(np.arange(1, 11) / 2, 6)  # 0.5 ... 5.0, six of each
    data = load_data(_write_labels(tmp_path / "stars.csv", stars))
    assert data.num_classes == 10 and data.class_names[:3] == ["0.5", "1.0", "1.5"]
    whole = load_data(_write_labels(tmp_path / "whole.csv", np.tile([1.0, 2.0, 3.0], 10)))
    assert whole.class_names == ["1.0", "2.0", "3.0"]


# ----------------------------------------------------- rows left out after loading
def _features(labels, seed: int = 0) -> LabelledData:
    labels = np.asarray(labels)
    names = [f"c{k}" for k in range(labels.max() + 1)]
    features = np.random.default_rng(seed).normal(size=(len(labels), 3))
    return LabelledData(
        name="f",
        modality="features",
        labels=labels,
        class_names=names,
        source="mem",
        features=features,
    )


def test_classes_too_small_for_the_probes_are_dropped_and_noted():
    data = _features([0] * 5 + [1] * 4 + [2] + [3])
    rest, keep = drop_small_classes(data)
    np.testing.assert_array_equal(keep, np.arange(9))
    np.testing.assert_array_equal(rest.features, data.features[:9])
    assert describe_skipped(rest) == ["dropped 2 classes (too few examples): 'c2', 'c3'"]
    same, everything = drop_small_classes(_features([0, 0, 1, 1]))
    assert len(everything) == 4 and describe_skipped(same) == []


@pytest.mark.parametrize(
    "labels, message",
    [
        (list(range(12)), "every class in mem has fewer than 2 examples (12 classes among 12"),
        ([0] * 6 + [1, 2], "only class 'c0' in mem has 2 or more examples ('c1', 'c2' have"),
    ],
)
def test_too_few_usable_classes_is_an_error_that_says_so(labels, message):
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        drop_small_classes(_features(labels))


def test_unreadable_rows_leave_every_array_aligned():
    data = _features([0, 1] * 5)
    rest, keep = drop_unreadable(
        data, {3: ("img/3.jpg", "truncated: x"), 6: ("img/6.jpg", "truncated: y")}
    )
    np.testing.assert_array_equal(keep, [0, 1, 2, 4, 5, 7, 8, 9])
    np.testing.assert_array_equal(rest.features, data.features[keep])
    np.testing.assert_array_equal(rest.labels, data.labels[keep])
    assert rest.fingerprint() != data.fingerprint()
    assert describe_skipped(rest) == ["skipped 2 files (truncated): img/3.jpg, img/6.jpg"]
    with pytest.raises(DataError, match="6 of 10 image files in mem could not be used"):
        drop_unreadable(data, {i: (f"{i}.jpg", "truncated: x") for i in range(6)})
