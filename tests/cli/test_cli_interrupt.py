"""Ctrl-C: every command says it was interrupted and exits 130; --output is whole or absent."""

import signal
import subprocess
import sys

import numpy as np
import pytest

import advisor.data
from advisor.ranking import table_input
from tests.cli.runner import ROOT, advisor_env, run_main


def test_sigint_during_rank_exits_130_and_writes_no_output(tmp_path):
    # Enough precomputed features that probing takes seconds: the interrupt lands mid-run.
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(20), 150)
    features = rng.normal(size=(len(labels), 384)).astype(np.float32) + 0.05 * labels[:, None]
    data = tmp_path / "features.npz"
    np.savez(data, features=features, labels=labels)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "advisor",
            "rank",
            str(data),
            "--budget",
            str(len(labels)),
            "--output",
            str(out_dir / "r.json"),
            "--format",
            "json",
        ],
        cwd=ROOT,
        env={**advisor_env(), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = []
    try:
        for line in process.stderr:  # wait until the work has really started
            seen.append(line)
            if "probing" in line:
                break
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    stderr = "".join(seen) + rest
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert list(out_dir.iterdir()) == []  # neither the result nor a temp file


@pytest.mark.parametrize("command", ["rank", "inspect", "verify", "finetune"])
def test_an_interrupt_in_any_command_exits_130_with_a_message(
    command, features_npz, monkeypatch, capsys
):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(advisor.data, "load_data", interrupted)
    code, out, err = run_main(capsys, command, features_npz)
    assert code == 130
    assert "interrupted" in err
    assert out == ""


def test_an_interrupt_in_fuse_exits_130(tmp_path, monkeypatch, capsys):
    scores = tmp_path / "scores.csv"
    scores.write_text("candidate,logme\na,1.0\nb,2.0\n")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(table_input, "scores_frame", interrupted)
    code, _, err = run_main(capsys, "fuse", scores, "--output", tmp_path / "r.json")
    assert code == 130 and "interrupted" in err
    assert not (tmp_path / "r.json").exists()
