"""The ranking table: its columns, cell text, sort order, and the widget that shows the
columns that fit (most useful first), short candidate names and ▲/▼ on the sorted column."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.events import Resize
from textual.widgets import DataTable

from advisor.ranking.display import elide_names, probes_by_weight, short_names

# Columns kept first when the table is too narrow for all of them (probes follow, by weight).
PRIORITY = (
    "rank",
    "candidate",
    "final_score",
    "race_val_accuracy",
    "p_best",
    "rank_range",
    "finetuned_accuracy",
)
LATER = ("params_m", "latency_ms", "availability")
NUMERIC = {
    "final_score",
    "race_val_accuracy",
    "p_best",
    "finetuned_accuracy",
    "params_m",
    "latency_ms",
}
ASCENDING, DESCENDING = "▲", "▼"
NAME_MIN = 16  # the candidate column is never cut below this many characters


def ranking_columns(
    probes: list[str], verified: bool = False, raced: bool = False
) -> list[tuple[str, str]]:
    """(record key, column title) in display order; probes as given. ``raced``: the race's
    validation accuracy (its last rung), the final word on the raced candidates' order."""
    return (
        [("rank", "#"), ("candidate", "candidate"), ("final_score", "final")]
        + ([("race_val_accuracy", "race val acc")] if raced else [])
        + [("rank_range", "rank range"), ("p_best", "P(best)")]
        + ([("finetuned_accuracy", "fine-tuned acc")] if verified else [])
        + [(p, p) for p in probes]
        + [
            ("params_m", "params (M)"),
            ("latency_ms", "ms/example"),
            ("availability", "availability"),
        ]
    )


def cell(record: dict, key: str) -> str:
    if key == "rank_range":
        low, high = record.get("rank_low"), record.get("rank_high")
        if low is None or high is None:
            return "—"
        return f"{low}–{high}" + (" ≈" if record.get("too_close") else "")
    if key == "p_best" and record.get(key) is not None:
        return f"{record[key]:.2f}"
    value = record.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}" if key != "params_m" else f"{value:.1f}"
    return str(value)


def sort_records(records: list[dict], key: str, descending: bool) -> list[dict]:
    """Missing values always last, whatever the direction."""

    def absent(r: dict) -> bool:
        value = r.get(key)
        return value is None or (isinstance(value, float) and math.isnan(value))

    present = [r for r in records if not absent(r)]
    missing = [r for r in records if absent(r)]
    try:
        present.sort(key=lambda r: r[key], reverse=descending)
    except TypeError:
        present.sort(key=lambda r: str(r[key]), reverse=descending)
    return present + missing


def header(title: str, key: str, sort_key: str | None, descending: bool) -> str:
    """The column title, with ▲ (ascending) or ▼ (descending) when the table is sorted by it."""
    if key != sort_key:
        return title
    return f"{title} {DESCENDING if descending else ASCENDING}"


def fit_columns(
    widths: dict[str, int],
    available: int,
    probes: Sequence[str],
    sort_key: str | None = None,
    padding: int = 1,
) -> set[str]:
    """The columns to show in ``available`` cells: the longest run of rank, name, score,
    uncertainty, then the probes by weight (``probes`` in that order), then cost, that fits;
    never fewer than rank, name and score, and the sorted column right after them.

    ``widths`` are content widths per column key, each drawn with ``padding`` on both sides.
    """
    order = [k for k in PRIORITY[:3] if k in widths]
    if sort_key in widths and sort_key not in order:
        order.append(sort_key)
    order += [k for k in PRIORITY if k in widths and k not in order]
    order += [p for p in probes if p in widths and p not in order]
    order += [k for k in LATER if k in widths and k not in order]
    order += [k for k in widths if k not in order]
    shown, used = set(), 0
    for position, key in enumerate(order):
        used += widths[key] + 2 * padding
        if position >= 3 and used > available:
            break  # a prefix of the order: never a lighter probe in place of a heavier one
        shown.add(key)
    return shown


class RankingTable(DataTable):
    """Ranking records as rows (keyed by candidate id); re-fits its columns when resized."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)
        self._state: tuple | None = None
        self._fitted: tuple[int, frozenset[str]] | None = None
        self.names: dict[str, str] = {}

    def show(
        self,
        records: list[dict],
        probes: Sequence[str],
        *,
        verified: bool = False,
        sort_key: str | None = "rank",
        descending: bool = False,
        weights: dict[str, float] | None = None,
    ) -> None:
        """Show ``records`` in the given order; ``probes`` are reordered by fused weight:
        ``weights`` (the ranking's own, ``Ranking.probe_weights``), else the shipped fit."""
        self._state = (
            list(records),
            probes_by_weight(list(probes), weights or None),
            verified,
            sort_key,
            descending,
        )
        self._fitted = None
        self._lay_out()

    def clear(self, columns: bool = False) -> RankingTable:
        """Also forgets the shown records, so a resize does not bring them back."""
        self._state, self._fitted = None, None
        return super().clear(columns)

    def shown_columns(self) -> list[str]:
        return [str(column.key.value) for column in self.columns.values()]

    def _available(self) -> int:
        return self.scrollable_content_region.width

    def _cells(self) -> tuple[list[tuple[str, str]], list[list[str]]]:
        records, probes, verified, _, _ = self._state
        raced = any(r.get("decided_by") == "race" for r in records)
        columns = ranking_columns(probes, verified, raced)
        self.names = short_names(str(r["candidate"]) for r in records)
        if self._available() > 0:  # ids with nothing in common: the name takes a third at most
            self.names = elide_names(self.names, max(NAME_MIN, self._available() // 3))
        rows = []
        for record in records:
            row = [cell(record, key) for key, _ in columns]
            row[1] = self.names.get(str(record["candidate"]), row[1])
            rows.append(row)
        return columns, rows

    def _keep(self, columns, rows) -> frozenset[str]:
        _, probes, _, sort_key, descending = self._state
        available = self._available()
        if available <= 0:  # not laid out yet: show everything, fit on the first resize
            return frozenset(key for key, _ in columns)
        widths = {
            key: max(
                [cell_len(header(title, key, sort_key, descending))]
                + [cell_len(row[i]) for row in rows]
            )
            for i, (key, title) in enumerate(columns)
        }
        return frozenset(fit_columns(widths, available, probes, sort_key, self.cell_padding))

    def _lay_out(self) -> None:
        if self._state is None:
            return
        records, _, _, sort_key, descending = self._state
        columns, rows = self._cells()
        keep = self._keep(columns, rows)
        self._fitted = (self._available(), keep)
        cursor = self._cursor_key()
        super().clear(columns=True)
        for key, title in columns:
            if key in keep:
                self.add_column(header(title, key, sort_key, descending), key=key)
        for record, row in zip(records, rows, strict=True):
            cells = []
            for (key, _), text in zip(columns, row, strict=True):
                if key not in keep:
                    continue
                bold = key == "candidate" and record.get("rank") == 1
                cells.append(
                    Text(
                        text,
                        style="b" if bold else "",
                        justify="right" if key in NUMERIC else "left",
                    )
                )
            self.add_row(*cells, key=str(record["candidate"]))
        if cursor is not None and cursor in self.rows:
            self.move_cursor(row=self.get_row_index(cursor))

    def _cursor_key(self) -> str | None:
        if self.row_count == 0:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def on_resize(self, event: Resize) -> None:
        if self._state is None or (self._fitted and self._fitted[0] == self._available()):
            return
        columns, rows = self._cells()
        if self._fitted is None or self._keep(columns, rows) != self._fitted[1]:
            self._lay_out()
        else:
            self._fitted = (self._available(), self._fitted[1])
