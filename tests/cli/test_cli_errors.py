"""One error path: only ``is_user_error`` means "exit 2 with a message"; the rest are bugs."""

import subprocess
import sys

import pytest

import advisor.data
from advisor.errors import AdvisorError
from probes.errors import ProbeInputError
from tests.cli.runner import ROOT, advisor_env, run_main


def _raise(exc):
    def raiser(*args, **kwargs):
        raise exc

    return raiser


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("numpy said no"),
        FileNotFoundError(2, "gone"),
        PermissionError(13, "denied"),
        KeyError("column"),
    ],
)
def test_a_bug_keeps_its_traceback_in_process(exc, features_npz, monkeypatch):
    monkeypatch.setattr(advisor.data, "load_data", _raise(exc))
    from advisor.cli.main import main

    with pytest.raises(type(exc)):
        main(["inspect", str(features_npz)])


def test_a_bug_prints_a_traceback_and_exits_1_not_2(features_npz):
    code = (
        "import advisor.data\n"
        "def boom(*a, **k):\n    raise ValueError('an internal pandas error')\n"
        "advisor.data.load_data = boom\n"
        "from advisor.cli.main import main\n"
        f"main(['inspect', {str(features_npz)!r}])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=advisor_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "an internal pandas error" in done.stderr
    assert "error:" not in done.stderr


@pytest.mark.parametrize(
    "exc",
    [
        AdvisorError("the [bold]data[/bold] is bad; fix it"),
        ProbeInputError("labels must have two classes; add some"),
    ],
)
def test_user_errors_exit_2_with_their_message(exc, features_npz, monkeypatch, capsys):
    monkeypatch.setattr(advisor.data, "load_data", _raise(exc))
    code, out, err = run_main(capsys, "inspect", features_npz)
    assert code == 2
    assert out == ""
    assert str(exc) in " ".join(err.split())  # as written: no markup applied, no type name
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["fuse", "{tmp}/missing.csv"], "does not exist"),
        (["fuse", "{tmp}"], "is a folder"),
        (["rank", "{npz}", "--catalog", "{tmp}/missing.toml"], "missing.toml"),
        (["predict", "{tmp}/no-run", "x.png"], "no-run"),
        (["inspect", "{tmp}/missing-folder"], "does not exist"),
    ],
)
def test_missing_files_named_by_the_user_are_clean_messages(
    argv, expected, tmp_path, features_npz, capsys
):
    argv = [a.replace("{tmp}", str(tmp_path)).replace("{npz}", str(features_npz)) for a in argv]
    code, out, err = run_main(capsys, *argv)
    assert code == 2, err
    assert expected in " ".join(err.split())
    assert "Traceback" not in err and out == ""


def test_python_m_advisor_runs_the_cli(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "advisor", "--help"],
        cwd=ROOT,
        env=advisor_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout and "rank" in done.stdout and "fuse" in done.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "advisor", "fuse", str(tmp_path / "no.csv")],
        cwd=ROOT,
        env=advisor_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2
    assert "no.csv" in missing.stderr and "Traceback" not in missing.stderr


@pytest.mark.parametrize(("option", "value"), [("--top", "0"), ("--batch-size", "-1")])
def test_predict_options_use_the_one_message_format(option, value, tmp_path, capsys):
    code, out, err = run_main(capsys, "predict", tmp_path, "x.png", option, value)
    assert code == 2 and out == ""
    assert f"{option} must be" in err and f"(got {value})" in err
