"""A .csv/.tsv/.jsonl of texts or image paths with labels -> LabelledData.

Columns are found by name (case-insensitive) unless given: text (text, sentence, review...),
label (label, class, category, sentiment...), image path (image, path, file...).
Relative image paths resolve against the table's own folder.
"""

from __future__ import annotations

from pathlib import Path

from advisor.data.image_files import is_image_name
from advisor.data.image_folder import build_image_data
from advisor.data.labelled import LabelledData
from advisor.data.labels import (
    drop_duplicates,
    encode_labels,
    normalise_split,
    require_mostly_readable,
    require_two_classes,
)
from advisor.data.table_reader import Table, read_table
from advisor.errors import DataError

TEXT_NAMES = (
    "text",
    "sentence",
    "content",
    "review",
    "tweet",
    "document",
    "body",
    "utterance",
    "comment",
    "message",
    "question",
    "passage",
    "title",
    "input",
)
LABEL_NAMES = (
    "label",
    "labels",
    "class",
    "class_name",
    "category",
    "target",
    "sentiment",
    "y",
    "tag",
    "intent",
    "topic",
    "emotion",
    "gold_label",
)
SPLIT_NAMES = ("split", "subset", "partition", "data_split")
IMAGE_NAMES = (
    "image",
    "image_path",
    "path",
    "file",
    "filename",
    "file_name",
    "filepath",
    "img",
    "image_file",
    "image_name",
)


def load_table(
    path: Path,
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    image_column: str | None = None,
) -> LabelledData:
    table = read_table(path)
    if not table.rows:
        raise DataError(f"{path} has a header but no rows; add labelled examples")
    if text_column and image_column:
        raise DataError(
            "both text_column and image_column were given; pass only one (--text-column "
            "for texts, --image-column for image paths)"
        )
    label = _given_column(table, label_column, "label") or _find(table, LABEL_NAMES)
    if label is None:
        raise DataError(
            f"no label column found in {path}; columns are: {', '.join(table.columns)}; "
            "pass --label-column NAME (label_column=NAME)"
        )
    split_col = _find(table, SPLIT_NAMES, exclude={label})
    text = _given_column(table, text_column, "text")
    image = _given_column(table, image_column, "image")
    if not text and not image:
        text, image = _detect_input_column(table, exclude={label, split_col})
    if text == label or image == label:
        raise DataError(
            f"column '{label}' cannot be both the label and the input; pass different "
            "--label-column and --text-column/--image-column"
        )
    if split_col in (text, image):  # the user chose that column as the input
        split_col = None
    splits = _split_values(table, split_col) if split_col else None
    if image:
        return _image_rows(table, image, label, splits)
    return _text_rows(table, text, label, splits)


def _split_values(table: Table, column: str) -> list[str]:
    """The user's own train/val/test assignment, one per row."""
    values = []
    for row, line in zip(table.rows, table.lines, strict=True):
        raw = row.get(column)
        part = normalise_split(raw) if raw is not None else None
        if part is None:
            raise DataError(
                f"{table.path} line {line}: split column '{column}' has {raw!r}; use train, "
                "val (or validation/dev) or test in every row, or rename the column to drop "
                "the split"
            )
        values.append(part)
    return values


def _given_column(table: Table, name: str | None, role: str) -> str | None:
    if not name:
        return None
    if name in table.columns:
        return name
    folded = {c.lower(): c for c in table.columns}
    if name.lower() in folded:
        return folded[name.lower()]
    raise DataError(
        f"{role} column '{name}' not found in {table.path}; columns are: "
        f"{', '.join(table.columns)}; pass --{role}-column with one of them"
    )


def _find(table: Table, candidates: tuple[str, ...], exclude: set = frozenset()) -> str | None:
    folded = {c.lower(): c for c in table.columns if c not in exclude}
    for name in candidates:
        if name in folded:
            return folded[name]
    return None


def _looks_like_image_paths(table: Table, column: str) -> bool:
    values = [str(r.get(column) or "") for r in table.rows[:200]]
    return bool(values) and sum(map(is_image_name, values)) >= 0.9 * len(values)


def _detect_input_column(table: Table, exclude: set) -> tuple[str | None, str | None]:
    image = _find(table, IMAGE_NAMES, exclude)
    if image and not _looks_like_image_paths(table, image):
        image = None
    text = _find(table, TEXT_NAMES, exclude)
    if text and image:
        raise DataError(
            f"{table.path} has both a text column ('{text}') and an image-path column "
            f"('{image}'); pass --text-column {text} or --image-column {image}"
        )
    if text or image:
        return text, image
    others = [c for c in table.columns if c not in exclude]
    if len(others) == 1:  # a two-column table: the other column is the input
        only = others[0]
        return (None, only) if _looks_like_image_paths(table, only) else (only, None)
    raise DataError(
        f"no text or image-path column found in {table.path}; columns are: "
        f"{', '.join(table.columns)}; pass --text-column NAME or --image-column NAME"
    )


def _label_value(row: dict, label: str, line: int, path: Path):
    value = row.get(label)
    if isinstance(value, (list, dict)):
        raise DataError(
            f"{path} line {line}: label is a {type(value).__name__}; each example needs "
            "exactly one label (multi-label data is not supported)"
        )
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def _text_rows(table: Table, text_col: str, label_col: str, splits) -> LabelledData:
    path = table.path
    texts: list[str] = []
    raw_labels: list = []
    names: list[str] = []
    parts: list[str | None] = []
    bad: list[tuple[str, str]] = []
    for k, (row, line) in enumerate(zip(table.rows, table.lines, strict=True)):
        where = f"line {line}"
        value = row.get(text_col)
        text = "" if value is None else str(value).strip()
        label = _label_value(row, label_col, line, path)
        if not text:
            bad.append((where, f"empty text: column '{text_col}' is blank"))
        elif label is None:
            bad.append((where, f"empty label: column '{label_col}' is blank"))
        else:
            texts.append(text)
            raw_labels.append(label)
            names.append(where)
            parts.append(None if splits is None else splits[k])
    require_mostly_readable(len(table.rows), bad, str(path), "rows")
    keep, dropped = drop_duplicates(
        texts, [str(x) for x in raw_labels], names, None if splits is None else parts
    )
    if not keep:
        raise DataError(f"every text in {path} has conflicting labels; give each text one label")
    codes, class_names = encode_labels([raw_labels[i] for i in keep], what=_what(label_col, path))
    require_two_classes(class_names, str(path))
    return LabelledData(
        name=path.stem,
        modality="text",
        labels=codes,
        class_names=class_names,
        source=str(path),
        texts=[texts[i] for i in keep],
        splits=None if splits is None else [parts[i] for i in keep],
        skipped=bad,
        dropped=dropped,
    )


def _image_rows(table: Table, image_col: str, label_col: str, splits) -> LabelledData:
    path = table.path
    base = path.parent
    paths: list[str] = []
    raw_labels: list = []
    names: list[str] = []
    parts: list[str | None] = []
    bad: list[tuple[str, str]] = []
    for k, (row, line) in enumerate(zip(table.rows, table.lines, strict=True)):
        value = str(row.get(image_col) or "").strip()
        label = _label_value(row, label_col, line, path)
        if not value:
            bad.append((f"line {line}", f"empty image path: column '{image_col}' is blank"))
            continue
        if label is None:
            bad.append((f"line {line}", f"empty label: column '{label_col}' is blank"))
            continue
        file = Path(value).expanduser()
        file = file if file.is_absolute() else base / file
        paths.append(str(file.resolve()))
        raw_labels.append(label)
        names.append(f"line {line} ({value})")
        parts.append(None if splits is None else splits[k])
    require_mostly_readable(len(table.rows), bad, str(path), "rows")
    return build_image_data(
        paths,
        [str(x) for x in raw_labels],
        names,
        source=str(path),
        name=path.stem,
        skipped=bad,
        splits=None if splits is None else parts,
        what=_what(label_col, path),
    )


def _what(label_col: str, path: Path) -> str:
    return f"the labels in column '{label_col}' of {path.name}"
