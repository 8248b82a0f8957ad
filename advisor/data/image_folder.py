"""Image inputs: a folder with one sub-folder per class, or image paths listed in a table."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from advisor.data.image_files import (
    check_image_bytes,
    check_image_file,
    is_hidden,
    is_image_name,
)
from advisor.data.labelled import LabelledData
from advisor.data.labels import (
    drop_duplicates,
    encode_labels,
    normalise_split,
    require_mostly_readable,
    require_two_classes,
)
from advisor.errors import DataError


def load_image_folder(root: Path) -> LabelledData:
    """root/<class>/**/<image>, or root/{train,val,test}/<class>/**/<image> (the user's own
    split); hidden files are ignored, other files are reported as skipped."""
    top_dirs = _visible_dirs(root)
    parts = {d: normalise_split(d.name) for d in top_dirs}
    if top_dirs and all(parts.values()) and all(_visible_dirs(d) for d in top_dirs):
        return _load_split_folders(root, parts)
    paths, labels, names, skipped = _scan_class_folders(root, root)
    return build_image_data(paths, labels, names, source=str(root), name=root.name, skipped=skipped)


def _visible_dirs(folder: Path) -> list[Path]:
    return sorted(
        (p for p in folder.iterdir() if p.is_dir() and not is_hidden(p)), key=lambda p: p.name
    )


def _load_split_folders(root: Path, parts: dict[Path, str]) -> LabelledData:
    paths, labels, names, splits, skipped = [], [], [], [], []
    # train first: when the same image sits in two parts, the training copy is the one kept
    order = {"train": 0, "val": 1, "test": 2}
    for folder, part in sorted(parts.items(), key=lambda item: (order[item[1]], item[0].name)):
        p, lab, n, sk = _scan_class_folders(folder, root)
        paths += p
        labels += lab
        names += n
        splits += [part] * len(p)
        skipped += sk
    return build_image_data(
        paths, labels, names, source=str(root), name=root.name, skipped=skipped, splits=splits
    )


def _scan_class_folders(
    folder: Path, root: Path
) -> tuple[list[str], list[str], list[str], list[tuple[str, str]]]:
    """(paths, class names, names relative to root, skipped) for folder/<class>/**/<image>."""
    class_dirs = _visible_dirs(folder)
    files_here = [p for p in folder.iterdir() if p.is_file() and not is_hidden(p)]
    if not class_dirs:
        if any(is_image_name(p) for p in files_here):
            raise DataError(
                f"{folder} holds images but no class sub-folders; put each class in its own "
                f"sub-folder, e.g. {folder}/cat/1.jpg and {folder}/dog/2.jpg"
            )
        if not files_here:
            raise DataError(
                f"{folder} is empty; give a folder with one sub-folder of images per class"
            )
        raise DataError(
            f"{folder} has no class sub-folders (and no images); give a folder with one "
            "sub-folder of images per class, a .csv/.jsonl, or a .npz"
        )

    paths: list[str] = []
    labels: list[str] = []
    names: list[str] = []
    skipped: list[tuple[str, str]] = []
    for item in files_here:
        skipped.append(
            (
                item.relative_to(root).as_posix(),
                "outside class folders: files must sit in a class sub-folder",
            )
        )
    for class_dir in class_dirs:
        found = 0
        for path in sorted(class_dir.rglob("*")):
            rel_parts = path.relative_to(root).parts
            if not path.is_file() or is_hidden(path) or any(p.startswith(".") for p in rel_parts):
                continue
            rel = "/".join(rel_parts)
            if not is_image_name(path):
                skipped.append((rel, f"unsupported file type: {path.suffix or 'no extension'}"))
                continue
            paths.append(str(path.resolve()))
            labels.append(class_dir.name)
            names.append(rel)
            found += 1
        if found == 0:
            skipped.append(
                (class_dir.relative_to(root).as_posix() + "/", "empty class folder: no image files")
            )
    if not paths:
        raise DataError(
            f"{folder} has class sub-folders but no image files in them (looked for "
            ".jpg .jpeg .png .bmp .gif .webp .tif .tiff); add images to the class folders"
        )
    return paths, labels, names, skipped


def build_image_data(
    paths: Sequence[str | bytes],
    raw_labels: Sequence,
    names: Sequence[str],
    *,
    source: str,
    name: str,
    skipped: list[tuple[str, str]] | None = None,
    splits: Sequence[str] | None = None,
    what: str | None = None,
    fields: Callable[[list[int]], dict] | None = None,
) -> LabelledData:
    """Check each file once (hash + header), drop unreadable files and duplicates, encode labels
    (``what`` names them in messages).

    ``paths`` may hold encoded images (bytes) instead of file paths; then every image is
    held as bytes (``LabelledData.image_bytes``). ``fields(kept)``, given the kept
    positions in ``paths``, returns the label fields for a task other than classification
    (``raw_labels`` are then only the keys of the duplicate check)."""
    skipped = list(skipped or [])
    good_paths: list[str] = []
    good_labels: list = []
    good_names: list[str] = []
    hashes: list[str] = []
    unreadable: list[tuple[str, str]] = []
    good_splits: list[str] = []
    good_positions: list[int] = []
    parts = splits if splits is not None else [None] * len(paths)
    for position, (path, label, shown, part, (digest, problem)) in enumerate(
        zip(paths, raw_labels, names, parts, _check_all(paths), strict=True)
    ):
        if problem:
            unreadable.append((shown, problem))
            continue
        good_positions.append(position)
        good_splits.append(part)
        good_paths.append(path)
        good_labels.append(label)
        good_names.append(shown)
        hashes.append(digest)
    require_mostly_readable(len(paths), unreadable, source, "image files")
    skipped.extend(unreadable)

    keep, dropped = drop_duplicates(
        hashes, good_labels, good_names, None if splits is None else good_splits
    )
    if not keep:
        raise DataError(
            f"every image in {source} has conflicting labels (the same file in several "
            "classes); give each image one class"
        )
    what = what or f"the class folder names in {source}"
    if fields is not None:
        label_fields = fields([good_positions[i] for i in keep])
    else:
        codes, class_names = encode_labels([good_labels[i] for i in keep], what=what)
        require_two_classes(class_names, source)
        label_fields = {"labels": codes, "class_names": class_names}
    kept = [good_paths[i] for i in keep]
    if any(isinstance(p, bytes) for p in kept):
        payload = {"image_bytes": [_as_bytes(p) for p in kept]}
    else:
        payload = {
            "image_paths": kept,
            "_file_hashes": {p: hashes[i] for p, i in zip(kept, keep, strict=True)},
        }
    return LabelledData(
        name=name,
        modality="image",
        source=source,
        splits=None if splits is None else [good_splits[i] for i in keep],
        skipped=skipped,
        dropped=dropped,
        **label_fields,
        **payload,
    )


def _as_bytes(item: str | bytes) -> bytes:
    return item if isinstance(item, bytes) else Path(item).read_bytes()


def _check_one(item: str | bytes) -> tuple[str | None, str | None]:
    return check_image_bytes(item) if isinstance(item, bytes) else check_image_file(item)


def _check_all(paths: Sequence[str]) -> Iterator[tuple[str | None, str | None]]:
    """check_image_file over all paths, in order; threads hide file-system latency
    (network drives, cold caches) while hashing and PIL release the GIL on large reads."""
    if len(paths) < 64:
        yield from map(_check_one, paths)
        return
    workers = min(8, (os.cpu_count() or 1) + 2)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="advisor-check") as pool:
        yield from pool.map(_check_one, paths)
