"""The layering rules: probes is pure numerics, the core never imports textual, and the
command line starts without torch."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _modules_after(code: str) -> set[str]:
    """Run code in a fresh interpreter and return the top-level modules it imported."""
    probe = code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return set(out.stdout.split())


def test_import_linter_contracts_hold():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.skip("import-linter is not installed; install the 'dev' extra")
    result = subprocess.run([lint], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken" in result.stdout


def test_probes_import_no_torch_or_textual():
    loaded = _modules_after("import probes")
    assert "numpy" in loaded
    assert not loaded & {"torch", "textual", "advisor", "catalog"}


def test_advisor_core_imports_no_textual():
    core = "advisor.data advisor.models advisor.features advisor.ranking advisor.finetuning"
    loaded = _modules_after("\n".join(f"import {m}" for m in core.split()))
    assert "advisor" in loaded
    assert "textual" not in loaded


def test_cli_help_does_not_import_torch():
    code = (
        "from advisor.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
    )
    loaded = _modules_after(code)
    assert "typer" in loaded
    assert not loaded & {"torch", "timm", "transformers", "textual"}


def test_every_subcommand_is_registered():
    out = subprocess.run(
        [sys.executable, "-m", "advisor.cli.main", "--help"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    ).stdout
    for command in ("rank", "datasets", "catalog", "finetune", "predict", "fuse", "verify", "tui"):
        assert command in out, f"`advisor {command}` is missing from --help"
