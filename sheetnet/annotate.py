"""`check --annotate DIR`: the student's own workbook handed back, marked where `check` found it wrong.

For each workbook checked, a copy in DIR with the same name (an .xlsm stays an .xlsm, its macros
with it) in which

- every slip's cell has an amber fill and a dark border (told apart from the grey below by the
  border and by how light each is, not by hue alone) and a note: the quantity and iteration, the
  number expected and the one found, and what its formula reads against what belongs;
- every cell that only follows from a slip (right from the workbook's own wrong numbers) is
  shaded light grey, with no note: it mends itself once the slip is mended;
- a first sheet, `sheetnet`, gives the verdict table by table, each slip's place linked to its
  cell, and what the marks mean. It holds text only, so that checking the copy again judges the
  student's sheets alone.

A right workbook's copy gets the `sheetnet` sheet only. Everything else of the file is kept, part
for part (`xlsxparts`): formulas, values, formats, charts, images, names, other sheets, macros.
The copy is written from the check's JSON (`CheckResult.to_json`, as a class's rows carry it), so
a folder's workbooks are marked in the main process from the rows the workers sent back.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sheetnet.book import column_letter, column_number
from sheetnet.errors import OutputError
from sheetnet.outputs import check_target, one_line, replaced_atomically
from sheetnet.rowxml import inline_text
from sheetnet.xlsxparts import MAIN, RELS, Package, PartsError, Styles, add_notes, escape, restyle

MARKED = (".xlsx", ".xlsm")  # the formats a copy is made of: a zip of SpreadsheetML parts
SHEET = "sheetnet"  # the verdict sheet's name (`sheetnet 2` … where the workbook has one already)
AUTHOR = "sheetnet"  # the notes' author, as Excel and LibreOffice show it
SLIP_FILL = "FFC000"  # amber: dark text stays readable on it
SLIP_BORDER = "1F3864"  # dark navy, medium: a slip is told from what follows without colour
FOLLOWS_FILL = "E7E6E6"  # light grey: a shade, lighter than the slip's fill in every colour vision
LINK_COLOUR = "0563C1"  # Excel's own hyperlink blue
WIDTHS = (24, 11, 16, 18, 18, 64)  # the verdict sheet's columns, in characters (printed fitted to A4's width)
LINE_HEIGHT = 15  # points a line of wrapped text takes: a row is made as tall as its longest text
NOTE_READS = 12  # cells of a slip's formula its note names
SLIP_ROWS = 500  # places of slips the verdict sheet lists (each is also marked in its sheet)


def copy_of(original: Path, folder: Path) -> Path:
    return folder / original.name


def check_targets(paths: Iterable[Path], folder: Path, force: bool) -> dict[Path, os.stat_result | None]:
    """Each workbook's copy in `folder`, refused (OutputError, exit 2) where it would be the
    original itself, where two workbooks share a name, or where a file is there already and
    `force` was not given. What is at each copy's place now, to replace it safely later."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"--annotate {folder} is a file, not a folder: give the folder for the marked copies")
    out: dict[Path, os.stat_result | None] = {}
    names: dict[str, Path] = {}
    for path in paths:
        if path.suffix.lower() not in MARKED:
            continue
        copy = copy_of(path, folder)
        if copy.name in names:
            raise OutputError(
                f"--annotate: {names[copy.name]} and {path} would both be copied to {copy}; "
                "check them into different folders"
            )
        names[copy.name] = path
        if os.path.lexists(copy) and path.exists() and os.path.samefile(copy, path):
            raise OutputError(
                f"--annotate {folder}: the copy of {path} would replace the workbook itself; give another folder"
            )
        try:
            out[path] = check_target(copy, force)
        except OutputError as exc:
            raise OutputError(f"--annotate {exc}") from None
    return out


def annotate(original: Path, row: dict[str, Any], copy: Path, before: os.stat_result | None, force: bool) -> str:
    """Write the marked copy of `original` to `copy` from its class row (`batch.row_of`: file,
    verdict, network, result); a line that says what was marked."""
    package = Package(original)
    slips: dict[str, list[dict[str, Any]]] = {}
    follows: set[str] = set()
    for element in row["result"].get("elements", []):
        if element.get("status") == "mismatch" and element.get("cell"):
            if element.get("kind") == "slip":
                slips.setdefault(element["cell"], []).append(element)
            else:
                follows.add(element["cell"])
    follows -= slips.keys()
    styles = Styles(package)
    marks = _mark(package, styles, slips, follows) if slips or follows else {}
    name = _free_name({sheet for sheet, _ in package.sheets()})
    package.insert_first_sheet(name, _verdict_sheet(row, original.name, styles, marks))
    styles.save()
    with replaced_atomically(copy, before, force) as temporary:
        package.save(temporary)
    if not slips:
        return f"{copy.name}: {row.get('verdict', '')}, the verdict sheet only"
    places = len(_places([e for es in slips.values() for e in es]))
    shaded = f", {len(follows):,} that follow shaded" if follows else ""
    cells = f"{len(slips):,} slip cell{'s' if len(slips) != 1 else ''}"
    return f"{copy.name}: {cells} marked ({places:,} place{'s' if places != 1 else ''}){shaded}"


def _mark(
    package: Package, styles: Styles, slips: dict[str, list[dict[str, Any]]], follows: set[str]
) -> dict[str, Callable[[int], int]]:
    """Fill the slips' cells and shade those that follow, each keeping the rest of its format, and
    give each slip its note. The two marks, as what each makes of a cell's format."""
    slip_fill, follows_fill = styles.fill(SLIP_FILL), styles.fill(FOLLOWS_FILL)
    border = styles.border("medium", SLIP_BORDER)
    marks: dict[str, Callable[[int], int]] = {
        "slip": lambda xf: styles.derived(xf, fill=slip_fill, border=border),
        "follows": lambda xf: styles.derived(xf, fill=follows_fill),
    }
    parts = {name: part for name, part in package.sheets() if part is not None and part in package}
    cells: dict[str, dict[tuple[int, int], Callable[[int], int]]] = {}
    for kind, addresses in (("follows", follows), ("slip", slips)):
        for address in addresses:
            sheet, where = _split(address)
            cells.setdefault(sheet, {})[where] = marks[kind]
    for sheet, marked in cells.items():
        if sheet in parts:
            package.put(parts[sheet], restyle(package.text(parts[sheet]), marked)[0])
    for sheet in {_split(a)[0] for a in slips} & parts.keys():
        notes = {_split(a)[1]: _note(es) for a, es in slips.items() if _split(a)[0] == sheet}
        add_notes(package, parts[sheet], notes, AUTHOR)
    return marks


def annotate_all(
    rows: list[dict[str, Any]], folder: Path, before: dict[Path, os.stat_result | None], force: bool
) -> list[str]:
    """A marked copy of each workbook of `rows` that could be read; a line for each, saying what
    was written or why not (an .ods or .xls is not copied: its parts are not SpreadsheetML)."""
    lines = []
    for row in rows:
        path = Path(row["file"])
        if "result" not in row:
            lines.append(f"{path.name}: not copied (it could not be read)")
        elif path not in before:
            lines.append(f"{path.name}: not copied (only {' and '.join(MARKED)} files are marked)")
        else:
            try:
                lines.append(annotate(path, row, copy_of(path, folder), before[path], force))
            except PartsError as exc:
                lines.append(f"{path.name}: not copied ({exc})")
            except (ValueError, KeyError, IndexError) as exc:  # a part written as sheetnet did not foresee
                lines.append(
                    f"{path.name}: not copied (sheetnet could not edit its parts: {type(exc).__name__}: {exc})"
                )
    return lines


def _split(address: str) -> tuple[str, tuple[int, int]]:
    """`'It 0'!B7` → ("It 0", (7, 2))."""
    sheet, _, ref = address.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    letters = ref.rstrip("0123456789")
    return sheet, (int(ref[len(letters) :]), column_number(letters))


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    return "" if value is None else str(value)


def _why(element: dict[str, Any]) -> str:
    return one_line(element.get("explanation", "").replace("`", ""))


def _note(elements: list[dict[str, Any]]) -> str:
    """A slip cell's note: for each number of the run it holds, what and why."""
    blocks = []
    for e in elements:
        lines = [
            f"slip in iteration {e['iteration']}: {one_line(e['quantity'])}",
            f"expected {_number(e['expected'])}, found {one_line(_number(e.get('found')))}",
        ]
        if e.get("explanation"):
            lines.append(_why(e))
        if e.get("reads"):
            shown = ", ".join(map(one_line, e["reads"][:NOTE_READS]))
            lines.append(f"its formula reads {shown}" + (" …" if len(e["reads"]) > NOTE_READS else ""))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _places(slips: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The slips, those of one number in consecutive iterations together (a formula filled down)."""
    runs: list[list[dict[str, Any]]] = []
    last: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for e in slips:
        key = (e.get("table", 0), e["quantity"])
        run = last.get(key)
        if run is not None and run[-1]["iteration"] == e["iteration"] - 1:
            run.append(e)
        else:
            run = [e]
            runs.append(run)
        last[key] = run
    return runs


def _free_name(taken: set[str]) -> str:
    lowered = {t.lower() for t in taken}
    n = 1
    while (name := SHEET if n == 1 else f"{SHEET} {n}").lower() in lowered:
        n += 1
    return name


# ---------------------------------------------------------------------------- the verdict sheet


def verdict_lines(row: dict[str, Any], name: str) -> tuple[list[list[tuple[str, str]]], dict[tuple[int, int], str]]:
    """The verdict sheet's rows, each a list of (text, style) cells, and its links: (row, col) →
    the address of the cell linked to. Styles: title, head, text, wrap, link."""
    result = row["result"]
    rows: list[list[tuple[str, str]]] = []
    links: dict[tuple[int, int], str] = {}
    verdict = row.get("verdict", result.get("verdict", ""))
    rows.append([(f"sheetnet check of {name}: {verdict}", "title")])
    first = result.get("first_mismatch")
    if verdict == "right":
        summary = "Every table holds the run and nothing is wrong: nothing to correct."
    elif first is not None and first.get("kind") == "slip":
        summary = (
            f"The first slip is {first['cell']}, iteration {first['iteration']}, {first['quantity']}: "
            f"expected {_number(first['expected'])}, found {_number(first.get('found'))}. {_why(first)}"
        )
    else:
        reasons = [t["reason"] for t in result.get("tables", []) if t.get("reason")]
        summary = result.get("message") or "; ".join(reasons) or verdict
    rows.append([(one_line(summary), "wide")])
    if first is not None and first.get("cell"):
        rows.append([("go to the first slip:", "text"), (first["cell"], "link")])
        links[(len(rows), 2)] = first["cell"]
    rows.append([(one_line(row.get("network", "")), "text")])
    mismatches = result.get("mismatches", [])
    slipped = sum(e.get("kind") == "slip" for e in mismatches)
    counts = [f"{result.get('found', 0):,} found"]
    if slipped:
        counts.append(f"{slipped:,} slip{'s' if slipped != 1 else ''}")
    if len(mismatches) > slipped:
        counts.append(f"{len(mismatches) - slipped:,} wrong only because of a slip")
    if result.get("absent"):
        counts.append(f"{result['absent']:,} not written (left out, not wrong)")
    rows.append([(f"The run's {result.get('total', 0):,} numbers: {', '.join(counts)}.", "wide")])
    rows.append([])
    rows.append([(h, "head") for h in ("table (sheet)", "cells", "iterations", "η", "verdict", "why")])
    for table in result.get("tables", []):
        rows.append(
            [
                (one_line(table["sheet"]), "text"),
                (table.get("range", ""), "text"),
                (str(table.get("iterations", "")), "text"),
                (f"{table.get('eta', ''):g}" if isinstance(table.get("eta"), float) else "", "text"),
                (table.get("verdict", ""), "text"),
                (one_line(table.get("reason", "")), "wrap"),
            ]
        )
    slips = [e for e in result.get("elements", []) if e.get("kind") == "slip" and e.get("cell")]
    if slips:
        places = _places(slips)
        rows.append([])
        title = f"Slips: {len(slips)} cell{'s' if len(slips) != 1 else ''} in {len(places)} place"
        rows.append(
            [(title + ("s" if len(places) != 1 else "") + ", in calculation order (click to go there)", "title")]
        )
        rows.append([(h, "head") for h in ("cell", "iteration", "quantity", "expected", "found", "why")])
        for place in places[:SLIP_ROWS]:
            e, last = place[0], place[-1]
            where = e["cell"] if len(place) == 1 else f"{e['cell']} … {last['cell'].rpartition('!')[2]}"
            iterations = str(e["iteration"]) if len(place) == 1 else f"{e['iteration']}–{last['iteration']}"
            rows.append(
                [
                    (one_line(where), "link"),
                    (iterations, "text"),
                    (one_line(e["quantity"]), "text"),
                    (_number(e["expected"]), "text"),
                    (one_line(_number(e.get("found"))), "text"),
                    (_why(e), "wrap"),
                ]
            )
            links[(len(rows), 1)] = e["cell"]
        if len(places) > SLIP_ROWS:
            rows.append([(f"… and {len(places) - SLIP_ROWS} more places, each marked in its sheet", "text")])
        rows.append([])
        rows.append([("How the cells are marked", "head")])
        rows.append(
            [("amber, dark border", "slip"), ("a slip: its note (hover over the cell) says what and why", "text")]
        )
        rows.append([("grey", "follows"), ("follows from a slip: right from the workbook's own wrong numbers", "text")])
    return rows, links


def _lines(text: str, style: str, col: int) -> int:
    """The lines a wrapped text takes in its cell (one merged across the sheet for `wide`)."""
    if style not in ("wrap", "wide"):
        return 1
    width = sum(WIDTHS) if style == "wide" else WIDTHS[col]
    return max(1, -(-len(text) * 11 // (width * 10)))  # a character is about 1.1 of a width unit


def _verdict_sheet(row: dict[str, Any], name: str, styles: Styles, marks: dict[str, Callable[[int], int]]) -> str:
    """The verdict sheet's XML: inline strings only, its links to cells of the other sheets."""
    lines, links = verdict_lines(row, name)
    bold = styles.font(bold=True, size=12)
    head = styles.font(bold=True)
    link = styles.font(rgb=LINK_COLOUR, underline=True)
    xf = {
        "title": styles.derived(0, font=bold),
        "head": styles.derived(0, font=head),
        "text": 0,
        "wrap": styles.derived(0, wrap=True),
        "link": styles.derived(0, font=link),
    }
    xf.update({kind: mark(0) for kind, mark in marks.items()})  # the legend, marked as the cells are
    xf["wide"] = xf["wrap"]
    body, merged = [], []
    for r, cells in enumerate(lines, start=1):
        xml = "".join(
            f'<c r="{column_letter(c)}{r}" s="{xf[style]}" t="inlineStr"><is>{inline_text(text)}</is></c>'
            for c, (text, style) in enumerate(cells, start=1)
            if text
        )
        tall = max((_lines(text, style, c) for c, (text, style) in enumerate(cells)), default=1)
        height = f' ht="{tall * LINE_HEIGHT}" customHeight="1"' if tall > 1 else ""
        body.append(f'<row r="{r}"{height}>{xml}</row>' if xml else f'<row r="{r}"/>')
        if any(style == "wide" for _, style in cells):
            merged.append(f'<mergeCell ref="A{r}:{column_letter(len(WIDTHS))}{r}"/>')
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in enumerate(WIDTHS, start=1))
    hyperlinks = "".join(
        f'<hyperlink ref="{column_letter(c)}{r}" location="{escape(target)}" display="{escape(target)}"/>'
        for (r, c), target in links.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{RELS}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0"/>'
        f'</sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>{"".join(body)}</sheetData>'
        + (f'<mergeCells count="{len(merged)}">{"".join(merged)}</mergeCells>' if merged else "")
        + (f"<hyperlinks>{hyperlinks}</hyperlinks>" if hyperlinks else "")
        + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToHeight="0"/></worksheet>'
    )
