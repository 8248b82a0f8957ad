"""A .csv/.tsv/.jsonl of texts or image paths with labels -> LabelledData.

Columns are found by name (case-insensitive) unless given: text (text, sentence, review...),
label (label, class, category, sentiment...), image path (image, path, file...).
Relative image paths resolve against the table's own folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from advisor.data.image_files import image_value, is_image_value
from advisor.data.image_folder import build_image_data
from advisor.data.labelled import LabelledData
from advisor.data.labels import drop_duplicates, normalise_split, require_mostly_readable
from advisor.data.table_reader import Table, read_table
from advisor.data.task_labels import TaskLabels, prepare_labels, refuse_empty_sets
from advisor.data.tasks import DEFAULT_SEPARATOR, _listed
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
# Two-text columns as the GLUE/SNLI/QQP datasets name them: read as text pairs when neither
# --text-column nor --text-pair-column is given (so the TUI, which passes no columns, can too).
PAIR_NAMES = (
    ("sentence1", "sentence2"),
    ("premise", "hypothesis"),
    ("question1", "question2"),
    ("text_a", "text_b"),
    ("text", "text_pair"),
    ("query", "passage"),
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
    "tags",
    "targets",
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
    label_column: str | Sequence[str] | None = None,
    image_column: str | None = None,
    text_pair_column: str | None = None,
    task: str = "auto",
    label_separator: str = DEFAULT_SEPARATOR,
) -> LabelledData:
    return table_to_data(
        read_table(path),
        text_column=text_column,
        label_column=label_column,
        image_column=image_column,
        text_pair_column=text_pair_column,
        task=task,
        label_separator=label_separator,
    )


def table_to_data(
    table: Table,
    *,
    text_column: str | None = None,
    label_column: str | Sequence[str] | None = None,
    image_column: str | None = None,
    text_pair_column: str | None = None,
    task: str = "auto",
    label_separator: str = DEFAULT_SEPARATOR,
    user_splits: list[str] | None = None,
    skipped: list[tuple[str, str]] | None = None,
) -> LabelledData:
    """Rows of a table (a file, a DataFrame, a ``datasets.Dataset``) -> LabelledData."""
    path = table.path
    if not table.rows:
        raise DataError(f"{path} has a header but no rows; add labelled examples")
    if text_column and image_column:
        raise DataError(
            "both text_column and image_column were given; pass only one (--text-column "
            "for texts, --image-column for image paths)"
        )
    if text_pair_column and image_column:
        raise DataError(
            "text_pair_column pairs two texts; it does not apply to images: drop "
            "--text-pair-column or use --text-column"
        )
    labels = _label_columns(table, label_column)
    split_col = _find(table, SPLIT_NAMES, exclude=set(labels))
    text = _given_column(table, text_column, "text")
    image = _given_column(table, image_column, "image")
    pair = _given_column(table, text_pair_column, "text-pair")
    if not text and not image and not pair:
        text, pair = _detect_pair_columns(table, exclude={*labels, split_col})
    if not text and not image:
        text, image = _detect_input_column(table, exclude={*labels, split_col, pair})
    for role, column in (("input", text or image), ("pair", pair)):
        if column in labels:
            raise DataError(
                f"column '{column}' cannot be both a label and the {role}; pass different "
                "--label-column and --text-column/--image-column/--text-pair-column"
            )
    if pair is not None and pair == text:
        raise DataError(
            f"column '{pair}' is both the text and its pair; pass two different columns "
            "(--text-column A --text-pair-column B)"
        )
    if split_col in (text, image, pair):  # the user chose that column as an input
        split_col = None
    splits = _split_values(table, split_col) if split_col else None
    if user_splits is not None:  # a DatasetDict's own parts
        splits = list(user_splits)
    reader = prepare_labels(
        table.rows,
        labels,
        task=task,
        separator=label_separator,
        source=str(path),
        unit=table.unit,
    )
    if image:
        data = _image_rows(table, image, reader, splits)
    else:
        data = _text_rows(table, text, pair, reader, splits)
    data.skipped[:0] = list(skipped or ())
    return data


def _label_columns(table: Table, given) -> list[str]:
    if isinstance(given, str) or given is None:
        given = [given] if given else []
    columns = [_given_column(table, name, "label") for name in given]
    if len(set(columns)) != len(columns):
        raise DataError(f"--label-column names {_listed(columns)} more than once; name each once")
    if columns:
        return columns
    found = _find(table, LABEL_NAMES)
    if found is None:
        raise DataError(
            f"no label column found in {table.path}; columns are: {', '.join(table.columns)}; "
            "pass --label-column NAME (label_column=NAME)"
        )
    return [found]


def _split_values(table: Table, column: str) -> list[str]:
    """The user's own train/val/test assignment, one per row."""
    values = []
    for row, line in zip(table.rows, table.lines, strict=True):
        raw = row.get(column)
        part = normalise_split(raw) if raw is not None else None
        if part is None:
            raise DataError(
                f"{table.path} {table.unit} {line}: split column '{column}' has {raw!r}; use "
                "train, val (or validation/dev) or test in every row, or rename the column to "
                "drop the split"
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
    values = [r.get(column) for r in table.rows[:200]]
    return bool(values) and sum(map(is_image_value, values)) >= 0.9 * len(values)


def _detect_pair_columns(table: Table, exclude: set) -> tuple[str | None, str | None]:
    folded = {c.lower(): c for c in table.columns if c not in exclude}
    for first, second in PAIR_NAMES:
        if first in folded and second in folded:
            return folded[first], folded[second]
    return None, None


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


def _text_rows(table: Table, text_col: str, pair_col, reader: TaskLabels, splits) -> LabelledData:
    path = table.path
    texts: list[str] = []
    pairs: list[str] = []
    values: list = []
    names: list[str] = []
    parts: list[str | None] = []
    bad: list[tuple[str, str]] = []
    no_labels: list[int] = []
    no_pair: list[int] = []
    for k, (row, line) in enumerate(zip(table.rows, table.lines, strict=True)):
        where = f"{table.unit} {line}"
        text = _cell(row.get(text_col))
        label = reader.value(row, line)
        if not text:
            bad.append((where, f"empty text: column '{text_col}' is blank"))
            continue
        if label is None:
            bad.append((where, f"empty label: column {_listed(reader.columns)} is blank"))
            continue
        if reader.task == "multilabel" and not label:
            no_labels.append(line)
            continue
        pair = _cell(row.get(pair_col)) if pair_col else None
        if pair_col and not pair:
            no_pair.append(line)
            continue
        texts.append(text)
        pairs.append(pair)
        values.append(label)
        names.append(where)
        parts.append(None if splits is None else splits[k])
    _refuse_empty_pairs(no_pair, len(table.rows), pair_col, table)
    refuse_empty_sets(no_labels, len(table.rows), reader)
    require_mostly_readable(len(table.rows), bad, str(path), "rows")
    keys = list(zip(texts, pairs, strict=True)) if pair_col else texts
    keep, dropped = drop_duplicates(
        keys, [reader.key(v) for v in values], names, None if splits is None else parts
    )
    if not keep:
        raise DataError(f"every text in {path} has conflicting labels; give each text one label")
    fields = reader.fields([values[i] for i in keep], _what(reader.columns, path))
    return LabelledData(
        name=table.data_name,
        modality="text",
        source=str(path),
        texts=[texts[i] for i in keep],
        text_pairs=[pairs[i] for i in keep] if pair_col else None,
        splits=None if splits is None else [parts[i] for i in keep],
        skipped=bad,
        dropped=dropped,
        **fields,
    )


def _cell(value) -> str:
    return (
        "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()
    )


def _refuse_empty_pairs(lines: list[int], total: int, column, table: Table) -> None:
    if lines:
        shown = ", ".join(map(str, lines[:5]))
        raise DataError(
            f"the pair column '{column}' of {table.path} is empty in {len(lines)} of {total} "
            f"rows ({table.unit}s {shown}); every pair needs two texts: fill them or remove "
            "those rows"
        )


def _image_rows(table: Table, image_col: str, reader: TaskLabels, splits) -> LabelledData:
    path = table.path
    base = table.image_base
    images: list = []
    values: list = []
    names: list[str] = []
    parts: list[str | None] = []
    bad: list[tuple[str, str]] = []
    no_labels: list[int] = []
    for k, (row, line) in enumerate(zip(table.rows, table.lines, strict=True)):
        raw = row.get(image_col)
        label = reader.value(row, line)
        image = image_value(raw, base)
        if image is None:
            bad.append((f"{table.unit} {line}", f"empty image: column '{image_col}' is blank"))
            continue
        if label is None:
            bad.append((f"{table.unit} {line}", "empty label: the label is blank"))
            continue
        if reader.task == "multilabel" and not label:
            no_labels.append(line)
            continue
        images.append(image)
        values.append(label)
        shown = raw if isinstance(raw, str) else "image"
        names.append(f"{table.unit} {line} ({shown})")
        parts.append(None if splits is None else splits[k])
    refuse_empty_sets(no_labels, len(table.rows), reader)
    require_mostly_readable(len(table.rows), bad, str(path), "rows")
    what = _what(reader.columns, path)
    return build_image_data(
        images,
        [reader.key(v) for v in values],
        names,
        source=str(path),
        name=table.data_name,
        skipped=bad,
        splits=None if splits is None else parts,
        what=what,
        fields=lambda kept: reader.fields([values[i] for i in kept], what),
    )


def _what(label_cols: list[str], path: Path) -> str:
    return f"the labels in column {_listed(label_cols)} of {path.name}"
