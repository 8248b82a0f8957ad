"""Reading .csv / .tsv / .jsonl files into rows of strings, strictly UTF-8, with line numbers."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from advisor.errors import DataError

TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson")


@dataclass
class Table:
    path: Path  # the file, or the shown name of an in-memory table (a DataFrame, a Dataset)
    columns: list[str]
    rows: list[dict[str, object]]
    lines: list[int]  # 1-based line of each row in the file, for messages
    unit: str = "line"  # "row" for in-memory tables and Parquet files
    name: str | None = None  # the dataset's name (default: the file's stem)
    base: Path | None = None  # where relative image paths resolve (default: the file's folder)

    @property
    def data_name(self) -> str:
        return self.name or self.path.stem

    @property
    def image_base(self) -> Path:
        return self.base if self.base is not None else self.path.parent


def read_table(path: Path) -> Table:
    text = decode_utf8(path.read_bytes(), path)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return _read_jsonl(text, path)
    return _read_delimited(text, path, "\t" if path.suffix.lower() == ".tsv" else ",")


def decode_utf8(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataError(
            f"{path} is not valid UTF-8: byte 0x{raw[exc.start]:02x} at line {line}, "
            f"column {column} (byte offset {exc.start}); re-encode the file as UTF-8, e.g. "
            f"`iconv -f latin1 -t utf-8 {path.name} > {path.stem}-utf8{path.suffix}` "
            "(with the file's real encoding in place of latin1, e.g. cp1252 for Excel exports)"
        ) from None


def _read_delimited(text: str, path: Path, delimiter: str) -> Table:
    # csv's default 128 kB cap per field would reject long documents.
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 26))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise DataError(
                f"{path} is empty or has no header row; the first row must name the "
                "columns, e.g. text,label"
            )
        columns = [h.strip() for h in header]
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        if dupes:
            raise DataError(f"{path} names column(s) {', '.join(dupes)} twice; rename them")
        rows: list[dict[str, object]] = []
        lines: list[int] = []
        for fields in reader:
            line = reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # blank line
            if len(fields) != len(columns):
                raise DataError(
                    f"{path} line {line} has {len(fields)} fields but the header has "
                    f"{len(columns)}; quote fields that contain '{delimiter}' and check the row"
                )
            rows.append(dict(zip(columns, fields, strict=True)))
            lines.append(line)
    except csv.Error as exc:
        raise DataError(
            f"{path} is not a well-formed {'TSV' if delimiter == chr(9) else 'CSV'} file at line "
            f"{reader.line_num}: {exc}; fix the quoting there"
        ) from None
    return Table(path, columns, rows, lines)


def _read_jsonl(text: str, path: Path) -> Table:
    rows: list[dict[str, object]] = []
    lines: list[int] = []
    columns: dict[str, None] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"{path} line {number} is not valid JSON ({exc.msg} at column {exc.colno}); "
                'each line must be one JSON object, e.g. {"text": "...", "label": "pos"}'
            ) from None
        if not isinstance(row, dict):
            raise DataError(
                f"{path} line {number} is a JSON {type(row).__name__}, not an object; "
                'each line must be one object, e.g. {"text": "...", "label": "pos"}'
            )
        for key in row:
            columns.setdefault(key, None)
        rows.append(row)
        lines.append(number)
    if not rows:
        raise DataError(f"{path} has no rows; add one JSON object per line")
    return Table(path, list(columns), rows, lines)
