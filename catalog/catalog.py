"""``Catalog``: an immutable sequence of entries with lookup, selection, filters and sorting."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

from catalog.errors import CatalogError
from catalog.schema import AVAILABILITIES, MODALITIES, Entry
from catalog.weights_location import availability as entry_availability

# Columns that sort_by accepts besides the Entry fields (computed per entry).
COMPUTED_COLUMNS = ("availability",)
_SEARCHED_FIELDS = (
    "id",
    "family",
    "architecture",
    "modality",
    "source",
    "pretraining_data",
    "licence",
    "notes",
    "hub_id",
)


class Catalog(Sequence[Entry]):
    """The candidate backbones. Indexing by position or slice; ``get`` by id."""

    def __init__(self, entries: Iterable[Entry] = ()):
        self._entries = tuple(entries)
        self._by_id = {entry.id: entry for entry in self._entries}
        if len(self._by_id) != len(self._entries):
            dupes = sorted(
                {e.id for e in self._entries if sum(x.id == e.id for x in self._entries) > 1}
            )
            raise CatalogError(f"duplicate catalog ids {dupes}; every entry needs its own id")

    # -- sequence protocol ---------------------------------------------------------------
    @overload
    def __getitem__(self, index: int) -> Entry: ...
    @overload
    def __getitem__(self, index: slice) -> Catalog: ...
    def __getitem__(self, index):
        if isinstance(index, slice):
            return Catalog(self._entries[index])
        return self._entries[index]

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries)

    def __contains__(self, item) -> bool:
        if isinstance(item, Entry):
            return self._by_id.get(item.id) == item
        return item in self._by_id

    def __repr__(self) -> str:
        return f"Catalog({len(self)} entries)"

    def __add__(self, other: Iterable[Entry]) -> Catalog:
        return Catalog(self._entries + tuple(other))

    @property
    def ids(self) -> list[str]:
        return [entry.id for entry in self._entries]

    # -- lookup --------------------------------------------------------------------------
    def get(self, id: str) -> Entry:
        """The entry with this id (exact, then case-insensitive), else a CatalogError that
        names the closest ids."""
        if isinstance(id, Entry):
            return id
        if id in self._by_id:
            return self._by_id[id]
        folded = [e for e in self._entries if e.id.lower() == str(id).lower()]
        if len(folded) == 1:
            return folded[0]
        raise CatalogError(f"unknown catalog id {id!r}; {self._suggest(str(id))}")

    def select(self, patterns: str | Iterable[str]) -> list[Entry]:
        """One entry per pattern, in pattern order, without repeats.

        A pattern is an exact id or hub id (any case); else a case-insensitive substring of ids,
        where
        the best match wins: weights on disk (offline > local > cached) before downloads,
        then an id whose architecture equals the pattern, then one that starts with it, then
        the smallest model, then the shortest id. A pattern
        with glob characters (``resnet*``) selects every id it matches. A comma-separated
        string is split into patterns.
        """
        if isinstance(patterns, str):
            patterns = [patterns]
        chosen: list[Entry] = []
        for pattern in (p.strip() for raw in patterns for p in str(raw).split(",")):
            if not pattern:
                continue
            for entry in self._select_one(pattern):
                if entry not in chosen:
                    chosen.append(entry)
        return chosen

    def _select_one(self, pattern: str) -> list[Entry]:
        folded = pattern.lower()
        exact = [e for e in self._entries if e.id.lower() == folded]
        exact = exact or [e for e in self._entries if (e.hub_id or "").lower() == folded]
        if exact:
            return exact[:1]
        if any(ch in pattern for ch in "*?["):
            matched = [e for e in self._entries if fnmatch.fnmatchcase(e.id.lower(), folded)]
        else:
            matched = [e for e in self._entries if folded in e.id.lower()]
            if matched:
                return [min(matched, key=lambda e: _preference(e, folded))]
        if not matched:
            raise CatalogError(f"no catalog entry matches {pattern!r}; {self._suggest(pattern)}")
        return matched

    # -- views ---------------------------------------------------------------------------
    def filter(
        self,
        modality: str | None = None,
        max_params_m: float | None = None,
        licence: str | None = None,
        availability: str | Iterable[str] | None = None,
        query: str | None = None,
        family: str | None = None,
    ) -> Catalog:
        """Entries meeting every given condition.

        ``max_params_m`` drops entries of unknown size; ``licence`` and ``family`` match
        case-insensitive substrings ("apache" finds "apache-2.0"); ``availability`` is one
        state or several; ``query`` keeps entries whose id, family, architecture, data,
        licence or notes contain every whitespace-separated word.
        """
        if modality is not None and modality not in MODALITIES:
            raise CatalogError(
                f"modality {modality!r} is not known; use one of {', '.join(MODALITIES)}"
            )
        if max_params_m is not None and not max_params_m > 0:
            raise CatalogError(
                f"max_params_m must be a positive number of millions, got {max_params_m}"
            )
        states = _availability_set(availability)
        words = query.lower().split() if query else []
        kept = []
        for entry in self._entries:
            if modality and entry.modality != modality:
                continue
            if max_params_m is not None and (
                entry.params_m is None or entry.params_m > max_params_m
            ):
                continue
            if licence and licence.lower() not in entry.licence.lower():
                continue
            if family and family.lower() not in entry.family.lower():
                continue
            if words:
                haystack = " ".join(str(getattr(entry, f) or "") for f in _SEARCHED_FIELDS).lower()
                if not all(word in haystack for word in words):
                    continue
            if states is not None and entry_availability(entry) not in states:
                continue
            kept.append(entry)
        return Catalog(kept)

    def sorted_by(self, column: str, descending: bool = False) -> Catalog:
        """Sorted on an Entry field or ``availability``; unknown values always go last."""
        columns = sort_columns()
        if column not in columns:
            close = difflib.get_close_matches(column, columns, n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise CatalogError(
                f"cannot sort by {column!r}: not a catalog column; {hint}columns: "
                f"{', '.join(columns)}"
            )

        def value(entry: Entry):
            if column == "availability":
                return AVAILABILITIES.index(entry_availability(entry))
            raw = getattr(entry, column)
            return raw.lower() if isinstance(raw, str) else raw

        known = [e for e in self._entries if value(e) not in (None, "")]
        unknown = [e for e in self._entries if value(e) in (None, "")]
        known.sort(key=value, reverse=descending)  # stable: ties keep catalog order
        return Catalog(known + unknown)

    def to_dicts(self, with_availability: bool = True) -> list[dict]:
        """Plain dicts (JSON-ready), each with its availability when asked."""
        rows = []
        for entry in self._entries:
            row = entry.to_dict()
            if with_availability:
                row["availability"] = entry_availability(entry)
            rows.append(row)
        return rows

    def _suggest(self, text: str) -> str:
        ids = self.ids
        folded = {i.lower(): i for i in ids}
        close = difflib.get_close_matches(text.lower(), list(folded), n=5, cutoff=0.5)
        if not close:  # ids are long ("resnet50.a1_in1k"): compare against the architecture too
            archs = {i.split(".", 1)[0].split("/")[-1].lower(): i for i in ids}
            near = difflib.get_close_matches(text.lower(), list(archs), n=5, cutoff=0.6)
            close = [archs[a].lower() for a in near]
        if not close:
            return "run `advisor catalog list` to see the ids"
        names = ", ".join(folded[c] for c in close)
        return f"did you mean {names}? (`advisor catalog search WORD` lists matching entries)"


def sort_columns() -> list[str]:
    return list(Entry.field_names()) + list(COMPUTED_COLUMNS)


def _availability_set(availability) -> set[str] | None:
    if availability is None:
        return None
    states = {availability} if isinstance(availability, str) else set(availability)
    bad = states - set(AVAILABILITIES)
    if bad:
        raise CatalogError(
            f"availability {sorted(bad)} is not known; use one of {', '.join(AVAILABILITIES)}"
        )
    return states


def _preference(entry: Entry, pattern: str) -> tuple:
    arch = entry.id.split(".", 1)[0].split("/")[-1].lower()
    return (
        AVAILABILITIES.index(entry_availability(entry)),
        arch != pattern and entry.architecture.lower() != pattern,
        not entry.id.lower().startswith(pattern) and f"/{pattern}" not in entry.id.lower(),
        entry.params_m if entry.params_m is not None else float("inf"),  # cheaper first
        len(entry.id),
    )
