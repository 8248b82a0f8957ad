"""`advisor rank` as a user runs it: a subprocess on an image folder and a text CSV."""

import json
import os
import subprocess
import sys

import pytest

import advisor
from catalog import load_catalog
from tests.helpers.datasets import make_image_folder, make_text_csv

pytestmark = pytest.mark.slow

IMAGE_MODELS = "efficientnet_lite0,efficientnet_lite1"
BROKEN_TOML = """
[[model]]
id = "my_broken_checkpoint"
modality = "image"
source = "local"
architecture = "resnet18"
local_path = "{path}"
"""


def run_advisor(*args, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    env.pop("ADVISOR_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "advisor.cli.main", "rank", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("rank-cli")
    folder = make_image_folder(root / "images", n_per_class=8, size=32)
    # A checkpoint that exists but is corrupt (a truncated download): it fails at load time.
    corrupt = root / "truncated.safetensors"
    corrupt.write_bytes(b"\x00\x01 not a safetensors file")
    catalog_file = root / "broken.toml"
    catalog_file.write_text(BROKEN_TOML.format(path=corrupt.as_posix()))
    return {"root": root, "images": folder, "catalog": catalog_file, "cache": root / "cache"}


@pytest.fixture(scope="module")
def image_json(workspace):
    result = run_advisor(
        workspace["images"],
        "--models",
        IMAGE_MODELS,
        "--models",
        "my_broken_checkpoint",
        "--catalog",
        workspace["catalog"],
        "--probes",
        "logme,knn,leep",
        "--format",
        "json",
        "--no-bootstrap",
        "--cache-dir",
        workspace["cache"],
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def test_image_folder_ranking_json(image_json):
    obj, stderr = image_json
    assert set(obj) >= {"ranking", "failures", "settings", "probes", "fusion"}
    ranked = [r["candidate"] for r in obj["ranking"]]
    assert sorted(ranked) == ["tf_efficientnet_lite0.in1k", "tf_efficientnet_lite1.in1k"]
    for record in obj["ranking"]:
        assert {"candidate", "rank", "final_score", "logme", "knn", "leep"} <= set(record)
        assert isinstance(record["final_score"], float)
    assert [r["rank"] for r in obj["ranking"]] == [1, 2]
    assert obj["settings"]["data"]["n_used"] == 24
    # The broken candidate is reported and did not stop the others.
    assert "truncated.safetensors" in obj["failures"]["my_broken_checkpoint"]
    # Progress went to stderr, one line per candidate step.
    assert "tf_efficientnet_lite0.in1k: extracting" in stderr
    assert "my_broken_checkpoint: failed" in stderr


def test_library_call_returns_the_same_ranking(image_json, workspace):
    obj, _ = image_json
    ranking = advisor.rank(
        advisor.load_data(str(workspace["images"])),
        candidates=[*IMAGE_MODELS.split(","), "my_broken_checkpoint"],
        probes=["logme", "knn", "leep"],
        cache_dir=workspace["cache"],
        bootstrap=False,
        catalog=load_catalog([workspace["catalog"]]),
    )
    assert ranking.candidates == [r["candidate"] for r in obj["ranking"]]
    for mine, theirs in zip(ranking.records, obj["ranking"], strict=True):
        assert mine["final_score"] == pytest.approx(theirs["final_score"], rel=1e-9, abs=1e-12)
        assert mine["logme"] == pytest.approx(theirs["logme"], rel=1e-9)
        assert mine["cached"] is True  # the CLI's run filled the cache
    assert set(ranking.failures) == {"my_broken_checkpoint"}


def test_table_output_to_file_is_written_whole(image_json, workspace):
    target = workspace["root"] / "out" / "ranking.md"
    target.parent.mkdir()
    result = run_advisor(
        workspace["images"],
        "--models",
        IMAGE_MODELS,
        "--probes",
        "logme",
        "--format",
        "markdown",
        "--output",
        target,
        "--no-bootstrap",
        "--cache-dir",
        workspace["cache"],
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    text = target.read_text()
    assert text.startswith("| rank | candidate | final_score | logme |")
    assert "tf_efficientnet_lite0.in1k" in text
    assert os.listdir(target.parent) == ["ranking.md"]  # no temp file left behind
    assert "cached features" in result.stderr


def test_text_csv_ranking(workspace):
    csv_path = make_text_csv(workspace["root"] / "texts.csv", n_per_class=10)
    result = run_advisor(
        csv_path,
        "--models",
        "all-MiniLM-L6-v2",
        "--probes",
        "logme,knn",
        "--format",
        "table",
        "--cache-dir",
        workspace["cache"],
    )
    assert result.returncode == 0, result.stderr
    assert "sentence-transformers/all-MiniLM-L6-v2" in result.stdout
    assert "settings: data=texts" in result.stdout
    as_json = run_advisor(
        csv_path,
        "--models",
        "all-MiniLM-L6-v2",
        "--probes",
        "logme,knn",
        "--format",
        "json",
        "--cache-dir",
        workspace["cache"],
    )
    (record,) = json.loads(as_json.stdout)["ranking"]
    assert record["candidate"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert record["knn"] > 1 / 3  # real sentences, three classes: better than chance
    assert record["cached"] is True


@pytest.mark.parametrize(
    "args, message",
    [
        (["/no/such/folder"], "/no/such/folder"),
        (["digits", "--probes", "logme,bogus"], "bogus"),
        (["digits", "--budget", "0"], "budget"),
        (["digits", "--models", "no_model_is_called_this"], "no_model_is_called_this"),
        (["digits", "--format", "yaml"], "yaml"),
    ],
)
def test_bad_input_exits_2_without_traceback(args, message):
    result = run_advisor(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert message in result.stderr
    assert result.stdout == ""
