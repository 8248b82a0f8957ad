"""Precomputed features: a .npz with ``features`` [N, D] and ``labels`` [N] (optional
``class_names`` [C] when labels are already 0..C-1), or ``targets`` [N] / [N, K] for
regression and multilabel (optional ``target_names`` [K]). Loaded with allow_pickle=False."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from advisor.data.labelled import LabelledData
from advisor.data.labels import encode_labels, require_two_classes
from advisor.data.tasks import detect_task
from advisor.errors import DataError


def load_features_npz(path: Path, *, task: str = "auto") -> LabelledData:
    if not zipfile.is_zipfile(path):  # np.load would otherwise try to unpickle it
        raise DataError(
            f"{path} is not a readable .npz archive; re-create it with "
            "numpy.savez(path, features=X, labels=y)"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = set(archive.files)
            if "targets" in keys:
                return _targets_npz(path, archive, task)
            missing = [k for k in ("features", "labels") if k not in keys]
            if missing:
                raise DataError(
                    f"{path} has no {' or '.join(repr(k) for k in missing)} array (it has: "
                    f"{', '.join(sorted(keys)) or 'nothing'}); save it with "
                    "numpy.savez(path, features=X, labels=y)"
                )
            features = archive["features"]
            raw_labels = archive["labels"]
            names = archive["class_names"] if "class_names" in keys else None
    except DataError:
        raise
    except ValueError as exc:  # object arrays need pickle, which we refuse
        raise DataError(
            f"{path} stores Python objects ({exc}); save plain arrays: features as floats, "
            "labels as ints or fixed-width strings (numpy.str_), never dtype=object"
        ) from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DataError(
            f"{path} is not a readable .npz archive ({exc}); re-create it with numpy.savez"
        ) from None

    if features.ndim != 2 or not np.issubdtype(features.dtype, np.number):
        raise DataError(
            f"features in {path} must be a numeric 2-D array [N, D], got shape "
            f"{features.shape} dtype {features.dtype}; reshape to one row per example"
        )
    if raw_labels.ndim == 2 and 1 in raw_labels.shape:  # a column or row vector
        raw_labels = raw_labels.reshape(-1)
    if raw_labels.ndim != 1:
        raise DataError(
            f"labels in {path} must be 1-D [N], got shape {raw_labels.shape}; "
            "one integer or string label per row (one-hot labels: use argmax)"
        )
    if np.issubdtype(raw_labels.dtype, np.floating) and not np.isfinite(raw_labels).all():
        bad = int((~np.isfinite(raw_labels)).sum())
        raise DataError(
            f"labels in {path} are NaN or infinite in {bad} rows (missing labels?); drop those "
            "rows or give them a class"
        )
    if len(raw_labels) != len(features):
        raise DataError(
            f"labels has {len(raw_labels)} rows but features has {len(features)} in {path}; "
            "pass one label per feature row"
        )
    if not np.isfinite(features).all():
        bad = int((~np.isfinite(features)).any(axis=1).sum())
        raise DataError(
            f"features in {path} contain NaN or infinite values in {bad} rows; "
            "remove or impute those rows"
        )

    if task == "auto" and raw_labels.dtype.kind == "f":
        task, reason = detect_task(raw_labels.tolist())
    else:
        reason = f"task {task} (given)" if task != "auto" else "detected classification"
    if task == "regression":
        return _features_data(path, features, raw_labels, None, "regression", reason)
    if task == "multilabel":
        raise DataError(
            f"multilabel features need a multi-hot `targets` array [N, K] in {path}; save it "
            "with numpy.savez(path, features=X, targets=Y, target_names=names)"
        )
    codes, class_names = encode_labels(raw_labels.tolist(), what=f"the labels in {path.name}")
    if names is not None:
        class_names = _named_classes(names, codes, class_names, path)
    require_two_classes(class_names, str(path))
    return LabelledData(
        name=path.stem,
        modality="features",
        labels=codes,
        class_names=class_names,
        source=str(path),
        features=np.ascontiguousarray(features, dtype=np.float32),
        task_reason=reason,
    )


def _targets_npz(path: Path, archive, task: str) -> LabelledData:
    """features + targets (+ target_names): regression, or multilabel when targets are 0/1."""
    if "features" not in archive.files:
        raise DataError(
            f"{path} has targets but no 'features' array; save it with "
            "numpy.savez(path, features=X, targets=Y)"
        )
    features, targets = archive["features"], archive["targets"]
    names = archive["target_names"].tolist() if "target_names" in archive.files else None
    if task == "classification":
        raise DataError(
            f"{path} holds targets (regression or multilabel), not class labels; pass task "
            "'auto', 'regression' or 'multilabel', or save labels=y for classes"
        )
    if task == "auto":
        binary = targets.ndim == 2 and targets.shape[1] > 1 and np.isin(targets, (0, 1)).all()
        task = "multilabel" if binary else "regression"
        reason = f"detected {task}: `targets` in {path.name} " + (
            "are 0/1 columns" if binary else "are numbers"
        )
    else:
        reason = f"task {task} (given)"
    if features.ndim != 2 or not np.issubdtype(features.dtype, np.number):
        raise DataError(
            f"features in {path} must be a numeric 2-D array [N, D], got shape "
            f"{features.shape}; reshape to one row per example"
        )
    if len(targets) != len(features):
        raise DataError(
            f"targets has {len(targets)} rows but features has {len(features)} in {path}; "
            "pass one row of targets per feature row"
        )
    return _features_data(path, features, targets, names, task, reason)


def _features_data(path, features, targets, names, task, reason) -> LabelledData:
    if not np.isfinite(features).all():
        bad = int((~np.isfinite(features)).any(axis=1).sum())
        raise DataError(
            f"features in {path} contain NaN or infinite values in {bad} rows; "
            "remove or impute those rows"
        )
    return LabelledData(
        name=path.stem,
        modality="features",
        labels=None,
        class_names=[],
        source=str(path),
        features=np.ascontiguousarray(features, dtype=np.float32),
        task=task,
        targets=targets,
        target_names=names,
        task_reason=reason,
    )


def _named_classes(names: np.ndarray, codes, found: list[str], path: Path) -> list[str]:
    """class_names[k] names label k when the labels are integers 0..C-1."""
    names = [str(n) for n in names.reshape(-1)]
    try:
        ints = [int(f) for f in found]
    except ValueError:
        raise DataError(
            f"{path} has class_names but its labels are strings already; drop class_names "
            "or store integer labels 0..C-1"
        ) from None
    if min(ints) < 0 or max(ints) >= len(names):
        raise DataError(
            f"labels in {path} run {min(ints)}..{max(ints)} but class_names has {len(names)} "
            "entries; give one name per label value"
        )
    return [names[i] for i in ints]
