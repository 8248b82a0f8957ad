"""A ranking report to share: ``write_report("report.html" | "report.md", ranking, ...)``.

The HTML is one self-contained file (no network references); the Markdown has its PNGs
beside it. Both hold the ranking with its uncertainty, the score-against-cost plot, the
per-probe evidence, the learning curves, the strategy advice and the settings to reproduce.
"""

from __future__ import annotations

import os
from pathlib import Path

from advisor.errors import AdvisorError

FORMATS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown"}


def report_format(path: str | os.PathLike) -> str:
    """'html' or 'markdown' from the file name; AdvisorError naming the fix otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise AdvisorError(
            f"report must be a .html or .md file (got {str(path)!r}); name it report.html "
            "or report.md"
        )
    return FORMATS[suffix]


def write_report(
    path: str | os.PathLike,
    ranking,
    *,
    data=None,
    curves=None,
    advice=None,
    top: int = 3,
    cache_dir: str | os.PathLike | None = None,
    option: str | None = "--report",
) -> Path:
    """Write the report of ``ranking`` to ``path`` (.html or .md) and return the path.

    With ``data`` (what was ranked) and no ``curves``/``advice`` given, the learning curves
    of the top ``top`` candidates and the advice for the best are computed from the cached
    features (advisor.strategy). Every file is written atomically; for Markdown the PNGs
    come first, so a Markdown file on disk always has its figures.
    """
    from advisor.atomic import write_bytes, write_text
    from advisor.report.content import build_content

    path = Path(path)
    fmt = report_format(path)
    notes = []
    try:
        if data is not None and curves is None:
            from advisor.strategy import curves_for

            curves = curves_for(ranking, data, top=top, cache_dir=cache_dir)
        if data is not None and advice is None and curves and ranking.best in curves:
            from advisor.strategy import advise

            advice = advise(ranking, data, curve=curves[ranking.best], cache_dir=cache_dir)
    except AdvisorError as exc:  # the ranking is still worth sharing: say what is missing
        notes.append(f"No learning curves or strategy advice: {exc}")
    content = build_content(ranking, curves=curves, advice=advice, notes=notes)
    if fmt == "html":
        from advisor.report.html import render_html

        write_text(path, render_html(content), option=option)
        return path
    from advisor.report.md import figure_paths, render_markdown

    figures = figure_paths(path, content)
    for name, target in figures.items():
        write_bytes(target, content.figures[name], option=option)
    write_text(path, render_markdown(content, figures), option=option)
    return path


__all__ = ["FORMATS", "report_format", "write_report"]
