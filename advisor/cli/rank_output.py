"""The output of ``advisor rank`` and ``advisor fuse``: a Ranking rendered in one of the
--format formats, printed to stdout or written atomically to --output.

Only typer is imported at module level, so ``advisor --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer


def show_notes(ranking, fmt: str, output: Path | None, err) -> None:
    """The ranking's notes on stderr, unless the table on the terminal shows them itself."""
    if fmt == "table" and output is None:
        return
    for note in ranking.notes:
        err.print(f"note: {note}", style="yellow", markup=False)


def render(ranking, fmt: str, *, color: bool = True) -> str:
    """The result as text in one of the output formats."""
    if fmt == "json":
        return ranking.to_json() + "\n"
    if fmt == "csv":
        return ranking.to_csv()
    if fmt == "markdown":
        return ranking.to_markdown()
    return _table_text(ranking, color=color)


def _table_text(ranking, *, color: bool) -> str:
    import io
    import shutil

    from rich.console import Console

    from advisor.ranking.report import (
        failure_lines,
        note_lines,
        rich_table,
        settings_line,
        why_lines,
    )

    buffer = io.StringIO()
    tty = _stdout_is_tty()
    # A terminal gets its own width; files and pipes get room for the whole table.
    width = shutil.get_terminal_size((200, 40)).columns if tty else 200
    console = Console(
        file=buffer, force_terminal=color and tty, width=width, highlight=False, soft_wrap=False
    )
    console.print(rich_table(ranking))
    from advisor.ranking.layers import layer_lines

    for line in why_lines(ranking) + layer_lines(ranking) + note_lines(ranking):
        console.print(line, markup=False)
    for line in failure_lines(ranking):
        console.print(line, markup=False, style="red")
    console.print(settings_line(ranking), markup=False, style="dim")
    return buffer.getvalue()


def emit(text: str, output: Path | None, err) -> None:
    """Print the rendered result, or write it atomically to --output and say so on stderr."""
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        from advisor.atomic import write_text

        write_text(Path(output), text, option="--output")  # whole or absent, even on Ctrl-C
        err.print(f"wrote {output}")


def _stdout_is_tty() -> bool:
    import sys

    return sys.stdout.isatty()
