"""The shared report: one self-contained HTML file and Markdown with PNGs beside it."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest

import advisor
from advisor.errors import AdvisorError
from advisor.report import write_report


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.cells: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_cell = tag in ("td", "th")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell:
            self.cells.append(data)


@pytest.fixture(scope="module")
def ranked(tmp_path_factory):
    """Real digit pixels as a features file, ranked for real (no model to load)."""
    from advisor.data import load_data

    digits = load_data("digits")
    path = tmp_path_factory.mktemp("data") / "pixels.npz"
    features = digits.image_arrays.reshape(len(digits), -1).astype(np.float32) / 255
    np.savez(path, features=features, labels=digits.labels)
    ranking = advisor.rank(str(path), budget=200, bootstrap=False, probes=["logme", "knn"])
    return str(path), ranking


@pytest.fixture(scope="module")
def curves(ranked):
    from advisor.strategy import curves_for

    data, ranking = ranked
    return curves_for(ranking, data, repeats=3)


def test_html_is_self_contained_with_table_plots_and_advice(ranked, curves, tmp_path):
    data, ranking = ranked
    out = write_report(tmp_path / "report.html", ranking, data=data, curves=curves)
    text = out.read_text()
    parser = _Collect()
    parser.feed(text)
    tags = [t for t, _ in parser.tags]
    assert tags.count("table") >= 4  # ranking, evidence, curves, strategies
    assert "features" in parser.cells and "rank interval" in parser.cells
    images = [a for t, a in parser.tags if t == "img"]
    assert len(images) == 2  # the Pareto plot and the learning curves
    assert all(a["src"].startswith("data:image/png;base64,") for a in images)
    for _, attrs in parser.tags:
        for key in ("src", "href"):
            assert not re.match(r"(https?:)?//", attrs.get(key) or ""), attrs
    assert "http://" not in text and "https://" not in text
    assert "Learning curves" in text and "Strategy for features" in text
    assert "frozen features + linear head" in text and "advisor rank" in text


def test_markdown_writes_pngs_beside_it(ranked, curves, tmp_path):
    data, ranking = ranked
    out = write_report(tmp_path / "report.md", ranking, data=data, curves=curves)
    text = out.read_text()
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert sorted(linked) == ["report-curves.png", "report-pareto.png"]
    for name in linked:
        png = (tmp_path / name).read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert "| rank | candidate |" in text and "```json" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*linked, "report.md"])


def test_report_without_data_has_no_curves(ranked, tmp_path):
    _, ranking = ranked
    text = write_report(tmp_path / "r.html", ranking).read_text()
    assert "Learning curves" not in text and "Score against cost" in text


def test_unknown_report_suffix_names_the_fix(ranked, tmp_path):
    _, ranking = ranked
    with pytest.raises(AdvisorError, match=r"report\.html or report\.md"):
        write_report(tmp_path / "report.pdf", ranking)
    assert not (tmp_path / "report.pdf").exists()


def test_cli_rank_writes_the_report(ranked, tmp_path, capsys):
    from advisor.cli.main import main

    data, _ = ranked

    def run(*argv):
        try:
            main([str(a) for a in argv])
        except SystemExit as exc:
            return exc.code, capsys.readouterr().err
        return 0, capsys.readouterr().err

    args = ("rank", data, "--budget", "200", "--no-bootstrap", "--probes", "knn")
    code, err = run(*args, "--report", tmp_path / "r.md")
    assert code == 0, err
    assert (tmp_path / "r.md").exists() and (tmp_path / "r-curves.png").exists()
    code, err = run(*args, "--report", tmp_path / "r.txt")  # refused before any work
    assert code == 2 and "report.html" in err and "Traceback" not in err


@pytest.mark.skipif(
    shutil.which("chromium") is None and shutil.which("chromium-browser") is None,
    reason="headless Chromium is not installed (Debian package `chromium`); the HTML is "
    "checked by parsing only",
)
def test_chromium_draws_the_report(ranked, tmp_path):
    data, ranking = ranked
    page = write_report(tmp_path / "report.html", ranking, data=data)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--screenshot={shot}",
            "--window-size=1200,2400",
            page.as_uri(),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("L"))
    assert pixels.std() > 10  # the table and the plots drew something, not a blank page


def test_every_candidate_keeps_a_legend_entry():
    """A long id keeps both ends within 28 characters; keeping its tail alone cut
    vgg16_bn_craft.ocr_text_detection to "_bn_craft...", which matplotlib's legend drops."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from advisor.verification.plot import short_labels

    ids = ["vgg16_bn_craft.ocr_text_detection", "tf_efficientnet_lite2.in1k", "x" * 40]
    labels = short_labels(ids)
    assert labels["vgg16_bn_craft.ocr_text_detection"].startswith("vgg16")
    assert all(len(label) <= 28 for label in labels.values())
    fig, ax = plt.subplots()
    for cid in ids:
        ax.plot([0, 1], [0, 1], label=labels[cid])
    shown = [text.get_text() for text in ax.legend().get_texts()]
    plt.close(fig)
    assert shown == [labels[cid] for cid in ids]
