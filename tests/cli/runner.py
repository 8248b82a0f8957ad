"""Run ``advisor`` in-process or as a real process, as a user would."""

import os
import subprocess
import sys
from pathlib import Path

from advisor.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def run_main(capsys, *argv) -> tuple[int, str, str]:
    """``advisor ARGV`` in this process: (exit status, stdout, stderr)."""
    code = 0
    try:
        main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


def advisor_env() -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    env.pop("ADVISOR_DEBUG", None)
    return env


def run_advisor(*argv, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m advisor ARGV`` as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "advisor", *map(str, argv)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=advisor_env(),
        timeout=timeout,
    )
