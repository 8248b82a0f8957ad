"""Print Textual snapshot SVGs as plain text, to review a snapshot without a browser.

python tests/tui/svg_text.py tests/tui/__snapshots__/test_snapshots/*.svg
python tests/tui/svg_text.py --render ranking_screen 80x24   # a scenario, not saved
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

CELL_WIDTH = 12.2  # px per terminal column in Rich's SVG export
TEXT = re.compile(
    r'<text class="terminal-[\w-]*r\d+" x="([\d.]+)" y="[\d.]+" '
    r'textLength="[\d.]+" '
    r'clip-path="url\(#terminal-[\w-]*line-(\d+)\)">([^<]*)</text>'
)


def svg_lines(svg: str) -> list[str]:
    rows: dict[int, dict[int, str]] = {}
    for match in TEXT.finditer(svg):
        column = round(float(match.group(1)) / CELL_WIDTH)
        text = html.unescape(match.group(3)).replace("\xa0", " ")
        row = rows.setdefault(int(match.group(2)), {})
        for offset, char in enumerate(text):
            row[column + offset] = char
    lines = []
    for number in range(max(rows, default=-1) + 1):
        row = rows.get(number, {})
        lines.append("".join(row.get(i, " ") for i in range(max(row, default=-1) + 1)).rstrip())
    return lines


def render(scenario: str, size: str) -> str:
    from textual._doc import take_svg_screenshot

    sys.path.insert(0, str(Path(__file__).parent))
    import test_snapshots

    import advisor.ranking.display as display
    import advisor.tui.components.detail_pane as detail_pane
    import advisor.tui.data_screen as data_screen

    display.probe_weights = detail_pane.probe_weights = test_snapshots.fixture_weights_of
    data_screen.builtin_installed = lambda name: True
    width, height = (int(n) for n in size.split("x"))
    return take_svg_screenshot(
        app=test_snapshots.snapshot_app(),
        terminal_size=(width, height),
        run_before=getattr(test_snapshots, scenario),
    )


def main(argv: list[str]) -> None:
    if argv[:1] == ["--render"]:
        svgs = [(f"{argv[1]} {argv[2]}", render(argv[1], argv[2]))]
    else:
        svgs = [(Path(p).name, Path(p).read_text(encoding="utf-8")) for p in argv]
    for name, svg in svgs:
        print("=" * 20, name)
        for number, line in enumerate(svg_lines(svg)):
            print(f"{number:2d}|{line}")


if __name__ == "__main__":
    main(sys.argv[1:])
