"""Probe-result cache: a re-rank with the same evidence re-runs only the fusion.

A probe's result is a pure function of its inputs, so it is stored under a key made of:

* the *evidence*: the sha256 of the candidate's arrays (features, labels, source head,
  targets; dtype and shape included), how they were derived (e.g. "projected on 128 axes")
  and the rows used (a bootstrap replicate's half-sample, by the digest of its indices);
* the *probe*: its name, its options, the sample cap the advisor applies to it, the task,
  the seed, and a digest of the source of the ``probes`` package (so editing a probe makes
  its old entries stale instead of wrong).

Layout: ``<root>/<group[:2]>/<group>.json``, one small strict-JSON file per evidence group
(one candidate's features; one candidate's bootstrap replicates; one candidate set for the
set-level probes), mapping entry keys to ``{"score": float | null, "error": str | null}``.
A file carries the sha256 of its entries; a missing or foreign key, another format, a
checksum mismatch or unreadable JSON make it a miss: it is deleted and recomputed, as the
feature cache does. Files are written with ``advisor.atomic`` (temp file + rename).

Every group read is also kept in a process-wide memo, so a warm re-rank in one process
touches no disk for keys it has seen; ``STATS`` counts hits and computed probes.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from advisor.jsonable import dumps

FORMAT_VERSION = 1
ARRAYS = ("features", "labels", "source_probs", "targets")
MEMO_GROUPS = 4096  # groups kept in memory (a group is a few KB at most)


@dataclass
class CacheStats:
    """Process-wide counters (``STATS``); ``computed`` is the number of probe runs."""

    hits: int = 0  # probe results answered by the cache (memo or disk)
    disk_reads: int = 0  # group files read from disk (the memo did not have them)
    computed: int = 0  # probe computations (cache misses that ran the probe)
    corrupt: int = 0  # group files found damaged or stale, deleted
    writes: int = 0  # group files written

    def snapshot(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def reset(self) -> None:
        for f in fields(self):
            setattr(self, f.name, 0)


STATS = CacheStats()
_MEMO: dict[tuple[str, str], dict[str, dict]] = {}
_LOCK = threading.Lock()
_FINGERPRINTS: dict[int, tuple[weakref.ref, str]] = {}
_SPEC_KEYS: dict[int, tuple[Any, str]] = {}


def _digest(*parts: Any) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()


def array_digest(array: Any) -> str:
    """sha256 of an array's dtype, shape and bytes ("none" for None)."""
    if array is None:
        return "none"
    a = np.ascontiguousarray(array)
    h = hashlib.sha256(f"{a.dtype.str}{a.shape}".encode())
    h.update(memoryview(a).cast("B") if a.size else b"")
    return h.hexdigest()


def fingerprint(featureset: Any) -> str:
    """The evidence digest of a FeatureSet (its arrays and task), memoised per object."""
    known = _FINGERPRINTS.get(id(featureset))
    if known is not None and known[0]() is featureset:
        return known[1]
    parts = [array_digest(getattr(featureset, name, None)) for name in ARRAYS]
    value = _digest("fs", getattr(featureset, "task", ""), *parts)
    ident = id(featureset)
    try:
        ref = weakref.ref(featureset, lambda _: _FINGERPRINTS.pop(ident, None))
    except TypeError:  # not weak-referenceable: no memo
        return value
    _FINGERPRINTS[ident] = (ref, value)
    return value


def rows_digest(rows: np.ndarray | None) -> str:
    return "all" if rows is None else array_digest(np.asarray(rows, dtype=np.int64))


@lru_cache(maxsize=1)
def probes_code_digest() -> str:
    """sha256 of the probes package's source files: a changed probe misses its old entries."""
    import probes

    folder = Path(probes.__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        h.update(path.relative_to(folder).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def cacheable(spec: Any) -> bool:
    """Only the registry's own probes: a wrapped or test-made spec is always recomputed."""
    from probes import ProbeSpec

    module = getattr(getattr(spec, "func", None), "__module__", "") or ""
    return type(spec) is ProbeSpec and module.split(".")[0] == "probes"


def entry_key(spec: Any, *, seed: int, cap: int | None, task: str, rows: str = "all") -> str:
    """Key of one probe result inside a group (see the module doc for what it covers)."""
    return _entry_key(spec_key(spec), seed, cap, task, rows)


def spec_key(spec: Any) -> str:
    """A probe's identity in keys: name, function, options and the probes' source digest."""
    known = _SPEC_KEYS.get(id(spec))
    if known is not None and known[0] is spec:
        return known[1]
    options = json.dumps(dict(spec.options), sort_keys=True, default=repr)
    func = f"{spec.func.__module__}.{spec.func.__qualname__}"
    key = _digest(spec.name, func, options, probes_code_digest())
    _SPEC_KEYS[id(spec)] = (spec, key)  # registry specs live as long as the process
    return key


@lru_cache(maxsize=65536)  # a warm re-rank asks for the same few thousand keys again
def _entry_key(spec: str, seed: int, cap: int | None, task: str, rows: str) -> str:
    return _digest(spec, cap, task, seed, rows)


def group_key(kind: str, *parts: Any) -> str:
    return _digest(f"v{FORMAT_VERSION}", kind, *parts)


def _encode(value: Mapping) -> dict:
    """The stored form: a score and its error; set-level entries add ``scores``."""
    out = {"score": value.get("score"), "error": value.get("error")}
    if "scores" in value:
        out["scores"] = dict(value["scores"])
    return out


def decode_score(value: Mapping) -> float:
    score = value.get("score")
    return float("nan") if score is None else float(score)


class ProbeCache:
    """Probe results under ``root`` (default: <advisor cache>/probes), with a process memo.

    ``get(group)`` returns the group's entries (memo first, then disk); ``update(group,
    entries)`` merges new ones. Inside ``batch()`` writes are held and each touched group
    is written once when the block ends (the bootstrap adds entries replicate by replicate).
    """

    def __init__(self, root: str | os.PathLike | None = None, *, memo: bool = True):
        if root is None:
            from advisor.features.cache import default_cache_root

            root = default_cache_root() / "probes"
        self.root = Path(root).expanduser()
        self.memo = memo
        self._pending: set[str] | None = None
        self._held: dict[str, dict] = {}

    def __repr__(self) -> str:
        return f"ProbeCache({str(self.root)!r})"

    @classmethod
    def beside(cls, feature_cache: Any) -> ProbeCache:
        """The probe cache that belongs with a FeatureCache: <advisor cache>/probes for the
        default one, else a ``probes`` folder inside the given cache folder."""
        from advisor.features.cache import default_cache_root

        root = Path(feature_cache.root)
        if root == default_cache_root() / "features":
            return cls(root.parent / "probes")
        return cls(root / "probes")

    def path(self, group: str) -> Path:
        return self.root / group[:2] / f"{group}.json"

    def get(self, group: str) -> dict[str, dict]:
        """The stored entries of ``group`` ({} when none; a damaged file is deleted)."""
        memo_key = (str(self.root), group)
        if self.memo:
            with _LOCK:
                known = _MEMO.get(memo_key)
            if known is not None:
                return known
        entries = self._read(group)
        if self.memo:
            self._remember(memo_key, entries)
        return entries

    def lookup(self, group: str, key: str) -> dict | None:
        """One entry (None: a miss), counted in ``STATS.hits``."""
        value = self.get(group).get(key)
        if value is not None:
            STATS.hits += 1
        return value

    def update(self, group: str, new: Mapping[str, Mapping]) -> None:
        """Merge ``new`` entries into ``group`` (memo now; disk now, or at the batch's end)."""
        if not new:
            return
        entries = dict(self.get(group))
        entries.update({k: _encode(v) for k, v in new.items()})
        if self.memo:
            self._remember((str(self.root), group), entries)
        if self._pending is not None:
            self._pending.add(group)
            self._held[group] = entries
        else:
            self._write(group, entries)

    @contextmanager
    def batch(self) -> Iterator[ProbeCache]:
        """Hold writes until the block ends (also when it raises, e.g. on cancel)."""
        if self._pending is not None:  # nested: the outer batch writes
            yield self
            return
        self._pending, self._held = set(), {}
        try:
            yield self
        finally:
            pending, held = self._pending, self._held
            self._pending, self._held = None, {}
            for group in sorted(pending):
                self._write(group, held[group])

    def clear(self) -> int:
        """Delete every stored group (and this folder's memo); returns how many files."""
        removed = 0
        for path in self.root.glob("*/*.json"):
            path.unlink(missing_ok=True)
            removed += 1
        with _LOCK:
            for key in [k for k in _MEMO if k[0] == str(self.root)]:
                del _MEMO[key]
        return removed

    def _read(self, group: str) -> dict[str, dict]:
        path = self.path(group)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:  # absent or unreadable: a miss
            return {}
        try:
            raw = json.loads(text)
            entries = raw["entries"]
            if raw.get("format") != FORMAT_VERSION or raw.get("group") != group:
                raise ValueError("the file does not describe this group")
            if _checksum(entries) != raw.get("sha256"):
                raise ValueError("checksum mismatch")
            if not isinstance(entries, dict) or not all(
                isinstance(v, dict) and "score" in v for v in entries.values()
            ):
                raise ValueError("malformed entries")
            STATS.disk_reads += 1
            return entries
        except (ValueError, KeyError, TypeError):
            STATS.corrupt += 1
            path.unlink(missing_ok=True)
            return {}

    def _write(self, group: str, entries: Mapping[str, Mapping]) -> None:
        from advisor.atomic import replace_atomically

        path = self.path(group)
        payload = {
            "format": FORMAT_VERSION,
            "group": group,
            "sha256": _checksum(entries),
            "entries": entries,
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            replace_atomically(path, dumps(payload, indent=None).encode("utf-8"))
            STATS.writes += 1
        except OSError:
            pass  # a cache that cannot be written only costs a recomputation next time

    @staticmethod
    def _remember(memo_key: tuple[str, str], entries: dict) -> None:
        with _LOCK:
            _MEMO.pop(memo_key, None)
            _MEMO[memo_key] = entries
            while len(_MEMO) > MEMO_GROUPS:
                del _MEMO[next(iter(_MEMO))]


def _checksum(entries: Any) -> str:
    return hashlib.sha256(dumps(entries, indent=None).encode("utf-8")).hexdigest()


def resolve(cache: Any) -> ProbeCache | None:
    """A ProbeCache from what callers pass: a ProbeCache, a FeatureCache (the one beside
    it), a folder, or None / False (no caching)."""
    if cache is None or cache is False:
        return None
    if isinstance(cache, ProbeCache):
        return cache
    if hasattr(cache, "root") and hasattr(cache, "paths"):  # a FeatureCache
        return ProbeCache.beside(cache)
    return ProbeCache(cache)


_CLEARERS: list = []  # other in-process memos built on this cache's evidence (uncertainty)


def on_clear(clear) -> None:
    """Register ``clear()`` to run with ``clear_memo`` (memos derived from cached results)."""
    _CLEARERS.append(clear)


def clear_memo() -> None:
    """Forget every group kept in memory, and the memos derived from them (tests, a cold
    benchmark, a long-lived process freeing memory); the files stay."""
    with _LOCK:
        _MEMO.clear()
    for clear in _CLEARERS:
        clear()
