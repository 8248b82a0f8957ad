"""advisor.atomic: the one crash-safe writer, for files and whole folders."""

import errno
import json
import os
import stat
from contextlib import contextmanager

import pytest

from advisor import atomic
from advisor.errors import AdvisorError, CheckpointError


@contextmanager
def umask(mask: int):
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def leftovers(folder):
    return [p.name for p in folder.rglob("*") if ".tmp" in p.name or ".old" in p.name]


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_new_files_get_the_umask_mode_not_0600(tmp_path, mask):
    with umask(mask):
        atomic.write_text(tmp_path / "a.txt", "hello")
        atomic.write_bytes(tmp_path / "b.bin", b"\x00\x01")
        atomic.write_json(tmp_path / "c.json", {"x": 1})
        with open(tmp_path / "plain.txt", "w") as handle:  # what an ordinary open() gives
            handle.write("x")
    for name in ("a.txt", "b.bin", "c.json"):
        assert mode(tmp_path / name) == mode(tmp_path / "plain.txt") == 0o666 & ~mask


def test_a_replaced_file_keeps_its_mode_and_gets_the_new_content(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("old")
    target.chmod(0o640)
    atomic.write_text(target, "new")
    assert target.read_text() == "new" and mode(target) == 0o640
    assert leftovers(tmp_path) == []


def test_a_full_disk_keeps_the_previous_file_and_says_so(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    atomic.write_json(target, {"v": 1})

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(AdvisorError, match="disk is full while writing .*r.json") as caught:
        atomic.write_json(target, {"v": 2})
    assert caught.value.__cause__.errno == errno.ENOSPC
    with pytest.raises(CheckpointError, match=r"pass --output on another disk\) and run again"):
        atomic.write_text(
            target, "x", error=CheckpointError, option="--output", retry="run again with --resume"
        )
    with pytest.raises(OSError):  # the raw form lets the OSError through
        atomic.replace_atomically(target, b"x")
    monkeypatch.undo()
    assert json.loads(target.read_text()) == {"v": 1}
    assert leftovers(tmp_path) == []


def test_permission_errors_name_the_path_and_the_fix(tmp_path, monkeypatch):
    def refused(*args, **kwargs):  # (a chmod'ed folder would not stop root)
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(
        AdvisorError,
        match="cannot write .*x.txt: permission denied; choose a writable folder with -o",
    ):
        atomic.write_text(tmp_path / "x.txt", "x", option="-o")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_write_json_is_strict_json(tmp_path):
    import numpy as np

    atomic.write_json(
        tmp_path / "s.json",
        {"nan": float("nan"), "n": np.int64(3), "inf": np.float32("inf"), "t": (1, 2)},
    )
    text = (tmp_path / "s.json").read_text()
    assert "NaN" not in text and "Infinity" not in text and text.endswith("\n")
    assert json.loads(text) == {"nan": None, "n": 3, "inf": None, "t": [1, 2]}


def test_folder_swap_replaces_a_folder_whole(tmp_path):
    final = tmp_path / "model"

    def fill(folder, text):
        (folder / "weights").write_text(text)
        (folder / "config.json").write_text("{}")

    atomic.replace_folder_atomically(final, lambda tmp: fill(tmp, "v1"))
    atomic.replace_folder_atomically(final, lambda tmp: fill(tmp, "v2"))
    assert (final / "weights").read_text() == "v2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_folder_swap_that_fails_midway_leaves_the_old_folder(tmp_path):
    final = tmp_path / "model"
    atomic.replace_folder_atomically(final, lambda tmp: (tmp / "weights").write_text("v1"))

    def half_then_crash(tmp):
        (tmp / "weights").write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        atomic.replace_folder_atomically(final, half_then_crash)
    with pytest.raises(KeyboardInterrupt):
        atomic.replace_folder_atomically(
            final, lambda tmp: (_ for _ in ()).throw(KeyboardInterrupt)
        )
    assert (final / "weights").read_text() == "v1"
    assert leftovers(tmp_path) == []


def test_a_crash_between_the_renames_is_repaired(tmp_path):
    final = tmp_path / "last"
    _, old = atomic.aside_paths(final)
    old.mkdir()
    (old / "state.json").write_text("{}")  # the old folder was moved aside, the new never came
    atomic.restore_folder(final)
    assert (final / "state.json").exists() and not old.exists()


def test_exported_model_files_get_the_umask_mode(tmp_path):
    torch = pytest.importorskip("torch")
    from advisor.finetuning.export import export_model

    with umask(0o022):
        out = export_model(
            tmp_path / "model",
            model=torch.nn.Linear(3, 2),
            class_names=["a", "b"],
            info={"kind": "features", "feature_dim": 3},
            entry_id=None,
        )
    files = sorted(p.name for p in out.iterdir())
    assert files == ["config.json", "labels.json", "model.safetensors"]
    assert {mode(out / name) for name in files} == {0o644}
    assert json.loads((out / "labels.json").read_text()) == ["a", "b"]
