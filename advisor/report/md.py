"""Markdown with the figures as PNG files beside it (``<stem>-<figure>.png``)."""

from __future__ import annotations

from pathlib import Path

from advisor.report.content import Content, Table


def figure_paths(path: Path, content: Content) -> dict[str, Path]:
    path = Path(path)
    return {name: path.with_name(f"{path.stem}-{name}.png") for name in content.figures}


def render_markdown(content: Content, figures: dict[str, Path]) -> str:
    """The Markdown text; ``figures`` maps each figure to the file it is written to (linked
    by its name relative to the Markdown file)."""
    lines = [f"# {_inline(content.title)}", "", _inline(content.subtitle), ""]
    for section in content.sections:
        lines += [f"## {_inline(section.title)}", ""]
        for text in section.paragraphs:
            lines += [_inline(text), ""]
        for table in section.tables:
            lines += [*_table(table), ""]
        for name in section.figures:
            caption = _inline(content.captions.get(name, name))
            lines += [f"![{caption}]({figures[name].name})", ""]
        if section.code:
            lines += ["```json", section.code, "```", ""]
    return "\n".join(lines)


def _table(table: Table) -> list[str]:
    out = ["| " + " | ".join(_cell(h) for h in table.headers) + " |"]
    out.append(
        "|" + "|".join(":---" if i == 0 else "---:" for i in range(len(table.headers))) + "|"
    )
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    if table.caption:
        out += ["", f"*{_inline(table.caption)}*"]
    return out


def _cell(value) -> str:
    return _inline(str(value)).replace("|", "\\|")


def _inline(text: str) -> str:
    return str(text).replace("\n", " ")
