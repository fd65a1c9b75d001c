"""`check … --html FILE`: a class's workbooks (or one) on one page, to look at, share or print.

A row per workbook — its verdict, its first slip and why, the iterations it holds of those asked,
how many of the run's numbers it holds — and, for each workbook with a slip, a picture of the
cells around it (`around`): the values as its sheet holds them, each formula on hover and the
slip's and its reads' below, the slip's cell marked and the cells it reads outlined.

The page is one file: no script, nothing fetched (its Content-Security-Policy forbids both, as
the worked solution's does), readable at 1000 px without scrolling sideways (a wide picture
scrolls in its own box), and printed on A4 with each workbook's picture kept on one page.
"""

from __future__ import annotations

import os
from collections import Counter
from html import escape
from pathlib import Path
from typing import Any

from sheetnet.errors import OutputError
from sheetnet.outputs import check_extension, check_target, one_line, write_text_atomically
from sheetnet.pages import head

MARK = "sheetnet check page"  # the page's first comment says what wrote it

CSS = """
:root{color:#1b1b1b;background:#fff}
body{margin:0;font:15px/1.45 system-ui,"DejaVu Sans",Arial,sans-serif}
main{box-sizing:border-box;max-width:62rem;margin:0 auto;padding:1.5rem 1.2rem 3rem}
h1{font-size:1.5rem;margin:0 0 .3rem}
h2{font-size:1.15rem;margin:2rem 0 .4rem;border-bottom:1px solid #c9ced8;padding-bottom:.15rem;overflow-wrap:anywhere}
p{margin:.3rem 0}
.muted{color:#555}
code{font:.9em/1.3 "DejaVu Sans Mono",Consolas,monospace;overflow-wrap:anywhere}
table.class{border-collapse:collapse;width:100%;table-layout:fixed;margin:.8rem 0}
table.class th,table.class td{text-align:left;vertical-align:top;padding:.3rem .4rem;border-bottom:1px solid #e2e5ea;
  overflow-wrap:anywhere}
table.class th{border-bottom:1.5px solid #8a94a6}
table.class col.file{width:17%}table.class col.verdict{width:10%}table.class col.slip{width:49%}
table.class col.iterations{width:10%}table.class col.numbers{width:14%}
.verdict{font-weight:600}
.right{color:#1a6e2e}.wrong,.unreadable{color:#a3261b}.other{color:#8a5a00}
.why{color:#333;font-size:.92em}
.picture{overflow-x:auto;margin:.5rem 0}
table.cells{border-collapse:collapse;font:12.5px/1.3 "DejaVu Sans Mono",Consolas,monospace}
table.cells th{background:#eef0f4;color:#555;font-weight:normal;padding:.15rem .35rem;border:1px solid #c9ced8}
table.cells td{border:1px solid #d5d9e0;padding:.15rem .35rem;text-align:right;white-space:nowrap;max-width:6rem;
  overflow:hidden;text-overflow:ellipsis}
table.cells td.text{text-align:left}
table.cells .gap{background:#fafafa;color:#999;text-align:center;padding:0 .2rem}
table.cells td.first-slip{background:#ffc000;outline:3px solid #1f3864;outline-offset:-3px;font-weight:700}
table.cells td.slip{background:#ffe699;outline:1px solid #1f3864;outline-offset:-1px}
table.cells td.reads{outline:2px dashed #0563c1;outline-offset:-3px}
table.cells td.follows{background:#e7e6e6}
table.cells td.follows.reads{background:#e7e6e6}
ul.formulas{margin:.3rem 0;padding-left:1.2rem}
ul.formulas li{overflow-wrap:anywhere}
.legend span{display:inline-block;margin-right:1rem}
.legend i{display:inline-block;width:1.4em;height:.9em;vertical-align:-.1em;margin-right:.3em;border:1px solid #d5d9e0}
.legend .first-slip{background:#ffc000;outline:2px solid #1f3864;outline-offset:-2px}
.legend .reads{outline:2px dashed #0563c1;outline-offset:-2px}
.legend .slip{background:#ffe699}.legend .follows{background:#e7e6e6}
footer{margin-top:2.5rem;color:#777;font-size:.8rem}
@page{size:A4;margin:14mm}
@media print{
  body{font-size:9.5pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}
  main{max-width:none;padding:0}
  .picture{overflow:visible}
  section.workbook{break-inside:avoid}
  h2{break-after:avoid}
  table.class tr{break-inside:avoid}
  a{color:inherit;text-decoration:none}
}
"""

_VERDICT_CLASS = {"right": "right", "wrong": "wrong", "unreadable": "unreadable"}


def check_page_target(path: Path, force: bool) -> os.stat_result | None:
    """Refuse a page named other than .html, or one that exists, unless `force` (as --csv); what
    is there now, to replace it safely later."""
    try:
        check_extension(path, (".html", ".htm"), "page")
        return check_target(path, force, what="page")
    except OutputError as exc:
        raise OutputError(f"--html {exc}") from None


def write_page(text: str, path: Path, before: os.stat_result | None, force: bool) -> None:
    """Write the page whole or not at all, unless a file appeared at `path` meanwhile."""
    write_text_atomically(path, text, before, force)


def page(rows: list[dict[str, Any]], common: Path | None = None) -> str:
    """The page of `rows` (a class's rows, `batch.row_of`), in their order; `common` the folder
    they are all in (their names are then given within it)."""
    names = [_name(row, common) for row in rows]
    counts = Counter(row["verdict"] for row in rows)
    title = f"sheetnet check: {names[0]}" if len(rows) == 1 else f"sheetnet check: {len(rows)} workbooks"
    if common is not None:
        title += f" in {common}"
    tally = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    networks = sorted({row.get("network", "") for row in rows if row.get("network")})
    parts = [
        *head(MARK, title),
        f"<style>{CSS.strip()}</style>",
        "</head><body><main>",
        f"<header><h1>{_text(title)}</h1><p>{_text(tally)}</p>",
    ]
    if len(networks) == 1:
        parts.append(f'<p class="muted">{_text(networks[0])}</p>')
    elif networks:
        parts.append('<p class="muted">Each workbook judged against the network read from it (below).</p>')
    parts.append("</header>")
    parts.append(_class_table(rows, names, per_row_network=len(networks) > 1))
    for n, (row, name) in enumerate(zip(rows, names, strict=True)):
        if row.get("picture"):
            parts.append(_section(n, row, name))
    parts.append(
        "<footer>Written by sheetnet check. Numbers are shown to 6 significant digits; hover over a cell "
        "for its full value and formula.</footer>"
    )
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _text(value: Any) -> str:
    return escape(one_line(str(value)), quote=True)


def _name(row: dict[str, Any], common: Path | None) -> str:
    path = Path(row["file"])
    return path.name if common is not None else str(path)


def _number(value: Any) -> str:
    return f"{value:.10g}" if isinstance(value, float) else ("" if value is None else str(value))


def _why(text: str) -> str:
    """An explanation, its cell names (between backticks) as code."""
    pieces = one_line(text).split("`")
    return "".join(f"<code>{escape(p)}</code>" if i % 2 else escape(p) for i, p in enumerate(pieces))


def _class_table(rows: list[dict[str, Any]], names: list[str], *, per_row_network: bool) -> str:
    head = (
        '<table class="class"><colgroup><col class="file"><col class="verdict"><col class="slip">'
        '<col class="iterations"><col class="numbers"></colgroup>'
        "<thead><tr><th>workbook</th><th>verdict</th><th>first slip, and why</th><th>iterations</th>"
        "<th>numbers of the run</th></tr></thead><tbody>"
    )
    body = []
    for n, (row, name) in enumerate(zip(rows, names, strict=True)):
        verdict = row["verdict"]
        cls = _VERDICT_CLASS.get(verdict, "other")
        file = f'<a href="#w{n}">{_text(name)}</a>' if row.get("picture") else _text(name)
        if per_row_network and row.get("read"):
            file += f'<div class="why muted">{_text(row["read"])}</div>'
        slip = row.get("first_slip")
        if slip:
            what = (
                f"<code>{_text(slip['cell'])}</code>, iteration {slip['iteration']}, {_text(slip['quantity'])}: "
                f"expected {_text(_number(slip['expected']))}, found {_text(_number(slip['found']))}"
            )
            if slip.get("explanation"):
                what += f'<div class="why">{_why(slip["explanation"])}</div>'
        else:
            what = _text(row.get("error") or row.get("message") or _reason(row))
        done, asked = row.get("iterations_done"), row.get("iterations_asked")
        iterations = f"{done} of {asked}" if asked else ""
        body.append(
            f'<tr><td>{file}</td><td class="verdict {cls}">{_text(verdict)}</td><td>{what}</td>'
            f"<td>{iterations}</td><td>{_numbers(row)}</td></tr>"
        )
    return head + "".join(body) + "</tbody></table>"


def _reason(row: dict[str, Any]) -> str:
    tables = row.get("result", {}).get("tables", [])
    reasons = [t["reason"] for t in tables if t.get("reason")]
    return "; ".join(reasons) if reasons else ("nothing to correct" if row["verdict"] == "right" else "")


def _numbers(row: dict[str, Any]) -> str:
    """How many of the run's numbers the workbook holds right, wrong and not at all: a right
    workbook that leaves out the numbers it need not write reads as right, not as a part mark."""
    result = row.get("result")
    if not result:
        return ""
    wrong = len(result.get("mismatches", []))
    absent = result.get("absent", 0)
    text = f"{result.get('found', 0):,} found"
    if wrong:
        text += f", {wrong:,} wrong"
    if absent:
        text += f", {absent:,} not written"
    return _text(text)


def _section(n: int, row: dict[str, Any], name: str) -> str:
    picture = row["picture"]
    slip = row.get("first_slip") or {}
    header = f'<section class="workbook" id="w{n}"><h2>{_text(name)}: {_text(row["verdict"])}</h2>'
    lead = (
        f"<p>The first slip, <code>{_text(slip.get('cell', ''))}</code> (iteration {slip.get('iteration', '')}, "
        f"{_text(slip.get('quantity', ''))}): expected {_text(_number(slip.get('expected')))}, found "
        f"{_text(_number(slip.get('found')))}.</p>"
    )
    if slip.get("explanation"):
        lead += f'<p class="why">{_why(slip["explanation"])}</p>'
    caption = f'<p class="muted">Sheet {_text(picture["sheet"])}, around {_text(picture["cell"])}:</p>'
    listed = "".join(
        f"<li><code>{_text(f['cell'])}</code> shows {_text(f['shown'] or '(empty)')}"
        + (f": <code>{_text(f['formula'])}</code>" if f.get("formula") else " (typed)")
        + "</li>"
        for f in picture["formulas"]
    )
    if picture.get("more_reads"):
        listed += f"<li>… and {picture['more_reads']} more cells it reads</li>"
    legend = (
        '<p class="legend"><span><i class="first-slip"></i>the first slip</span>'
        '<span><i class="reads"></i>a cell it reads</span><span><i class="slip"></i>another slip</span>'
        '<span><i class="follows"></i>wrong only because of a slip</span></p>'
    )
    return (
        header
        + lead
        + caption
        + f'<div class="picture">{_cells(picture)}</div>'
        + legend
        + f'<p>The formula of the slip, then of the cells it reads:</p><ul class="formulas">{listed}</ul></section>'
    )


def _cells(picture: dict[str, Any]) -> str:
    columns = picture["columns"]
    head = "<tr><th></th>" + "".join(
        f"<th>{_text(c)}</th>" if c is not None else '<th class="gap">…</th>' for c in columns
    )
    rows = [head + "</tr>"]
    for line in picture["rows"]:
        if line["row"] is None:
            rows.append(f'<tr><th class="gap">⋮</th><td class="gap" colspan="{len(columns)}"></td></tr>')
            continue
        cells = []
        for cell in line["cells"]:
            if cell is None:
                cells.append('<td class="gap"></td>')
                continue
            classes = [c for c in (cell.get("mark") or "").split() if c]
            if cell["shown"] and not _numeric(cell["shown"]):
                classes.append("text")
            hover = "&#10;".join(_text(t) for t in (cell["value"], cell.get("formula")) if t)
            attrs = (f' class="{" ".join(classes)}"' if classes else "") + (f' title="{hover}"' if hover else "")
            cells.append(f"<td{attrs}>{_text(cell['shown'])}</td>")
        rows.append(f"<tr><th>{line['row']}</th>{''.join(cells)}</tr>")
    return f'<table class="cells">{"".join(rows)}</table>'


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
