"""One self-contained HTML file: inline CSS, figures as base64 PNG data URIs, no scripts and
no network references, so it opens offline in any browser or as a ticket attachment."""

from __future__ import annotations

import base64
from html import escape

from advisor.report.content import Content, Table

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#1b1f24;line-height:1.45}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;
border-bottom:1px solid #d0d7de;padding-bottom:.2rem}.sub{color:#57606a;margin-top:0}
table{border-collapse:collapse;margin:.6rem 0;font-size:.85rem}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:right}
th{background:#f6f8fa}td:first-child,th:first-child{text-align:left}
caption{caption-side:bottom;text-align:left;color:#57606a;font-size:.8rem;padding-top:.2rem}
figure{margin:.6rem 0}figcaption{color:#57606a;font-size:.8rem}img{max-width:100%}
pre{background:#f6f8fa;padding:.6rem;overflow:auto;font-size:.75rem}
"""


def render_html(content: Content) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(content.title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(content.title)}</h1>",
        f'<p class="sub">{escape(content.subtitle)}</p>',
    ]
    for section in content.sections:
        parts.append(f"<section><h2>{escape(section.title)}</h2>")
        parts += [f"<p>{escape(text)}</p>" for text in section.paragraphs]
        parts += [_table(t) for t in section.tables]
        for name in section.figures:
            png = base64.b64encode(content.figures[name]).decode("ascii")
            caption = escape(content.captions.get(name, name))
            parts.append(
                f'<figure><img alt="{escape(name)}" src="data:image/png;base64,{png}">'
                f"<figcaption>{caption}</figcaption></figure>"
            )
        if section.code:
            parts.append(f"<pre>{escape(section.code)}</pre>")
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in table.rows
    )
    caption = f"<caption>{escape(table.caption)}</caption>" if table.caption else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
