"""The page around the report's content: inline style and script, sections, figures.

Everything here is inline so that ``report.html`` is one file that opens offline: no
stylesheet, font, script or image is fetched from anywhere.
"""

from __future__ import annotations

import base64
from html import escape

CSS = """
:root { color-scheme: light; --line: #d8dce3; --muted: #5b6472; --head: #f3f5f8; }
body { margin: 0; background: #fff; color: #1d2330; line-height: 1.45;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; margin: 2.4rem 0 .6rem; padding-bottom: .25rem;
  border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p.note, figcaption, .muted { color: var(--muted); }
p.warning { background: #fff4d6; border: 1px solid #e9cf7f; padding: .5rem .75rem; }
nav { margin-top: 1.2rem; }
nav ol { columns: 2; margin: .5rem 0 0; padding-left: 1.2rem; }
a { color: #1f5fbf; }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: .4rem 0; font-size: .9rem; }
th, td { border: 1px solid var(--line); padding: .3rem .55rem; text-align: right; }
td { white-space: nowrap; }
th { background: var(--head); font-weight: 600; vertical-align: bottom; }
td.text, th.text { text-align: left; }
tbody tr:nth-child(even) { background: #fafbfc; }
table.facts th { width: 11rem; text-align: left; vertical-align: top; }
table.facts th, table.facts td { padding: .2rem .6rem; }
table.facts td { text-align: left; white-space: normal; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th::after { content: " \\2195"; color: #a0a7b3; }
table.sortable th[aria-sort=ascending]::after { content: " \\25B2"; color: inherit; }
table.sortable th[aria-sort=descending]::after { content: " \\25BC"; color: inherit; }
figure { margin: 1rem 0 1.6rem; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #eef0f3; }
figcaption { margin-top: .35rem; font-size: .9rem; }
"""

# Click a header of a table.sortable: sort its rows by that column, again to reverse.
# A cell's data-sort (a plain number) wins over its text; empty cells always sort last.
SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0], col = th.cellIndex;
    var up = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", up ? "ascending" : "descending");
    function key(row) {
      var cell = row.cells[col];
      return (cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent).trim();
    }
    function compare(a, b) {
      var x = key(a), y = key(b);
      if (x === "" || y === "") { return (x === "") - (y === ""); }
      var nx = Number(x), ny = Number(y);
      var d = isNaN(nx) || isNaN(ny) ? x.localeCompare(y, undefined, {numeric: true}) : nx - ny;
      return up ? d : -d;
    }
    Array.from(body.rows).sort(compare).forEach(function (row) { body.appendChild(row); });
  });
});
"""


def page(title: str, body: str) -> str:
    """A complete HTML document: ``title`` (escaped here) around ``body`` (already HTML)."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
{body}
</main>
<script>{SCRIPT}</script>
</body>
</html>
"""


def section(anchor: str, title: str, *parts: str) -> str:
    """An ``<h2>`` section with ``id=anchor``; ``parts`` are HTML, joined by newlines."""
    return f'<section id="{escape(anchor)}">\n<h2>{escape(title)}</h2>\n' + "\n".join(
        [*parts, "</section>"]
    )


def figure(png: bytes, alt: str, caption: str) -> str:
    """A PNG embedded as a ``data:`` URI, with a one-line caption (both escaped here)."""
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{escape(alt)}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def note(text: str, kind: str = "note") -> str:
    """A one-line paragraph (escaped here)."""
    return f'<p class="{kind}">{escape(text)}</p>'


def contents(entries: list[tuple[str, str]]) -> str:
    """A table of contents: ``(anchor, title)`` pairs as in-page links."""
    items = "".join(f'<li><a href="#{escape(a)}">{escape(t)}</a></li>' for a, t in entries)
    return f"<nav><strong>Contents</strong><ol>{items}</ol></nav>"
