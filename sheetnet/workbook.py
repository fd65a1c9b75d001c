"""Write a run as an .xlsx workbook of live formulas, each with its value cached (XlsxWriter).

The file is written next to its destination under a temporary name and moved into place, so an
interrupted run leaves any earlier file untouched. A file sheetnet did not write is never
replaced without `force`.
"""

from __future__ import annotations

import math
import os
import tempfile
import zipfile
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from sheetnet import __version__
from sheetnet.errors import OutputError
from sheetnet.graph import render
from sheetnet.layout import FIRST_VALUE_COL, BlocksLayout, Row, SheetPlan, sheet_ref
from sheetnet.net import (
    BACKPROP,
    CARRIED,
    FORWARD,
    INPUT,
    LOSS,
    MEAN,
    PARAMETERS,
    UPDATE,
    Quantity,
)
from sheetnet.trace import Trace

MARK = "sheetnet"  # custom document property: this workbook was written by sheetnet
NUMBER_FORMAT = "0.0#####"
VALUE_WIDTH = 11
NOTE_WIDTH = 38
ERROR_VALUE = "#NUM!"  # cached in place of a value that overflowed (inf and NaN are invalid XML)

SECTION_COLOURS = {
    PARAMETERS: "#EDEDED",
    FORWARD: "#DDEBF7",
    LOSS: "#FCE4D6",
    BACKPROP: "#E4DFEC",
    MEAN: "#FFF2CC",
    UPDATE: "#E2EFDA",
}
RESULT_NAMES = {"ŷ", "L"}


def write_workbook(trace: Trace, path: str | Path, *, force: bool = False) -> Path:
    """Write the workbook of `trace` to `path` atomically; return the path written."""
    path = Path(path)
    _check_target(path, force)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {path.parent}: {exc.strerror or exc}") from None
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".~{path.stem}-", suffix=".xlsx", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write in the folder {path.parent}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        _write(trace, temporary)
        _chmod_like_new_file(temporary)
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise
    return path


def written_by_sheetnet(path: Path) -> bool:
    """True if `path` is a workbook carrying sheetnet's document property."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("docProps/custom.xml")
            if info.file_size > 1_000_000:
                return False
            return f'name="{MARK}"' in archive.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def _check_target(path: Path, force: bool) -> None:
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name such as {path / 'sheetnet.xlsx'}")
    if path.exists() and not force and not written_by_sheetnet(path):
        raise OutputError(
            f"{path} exists and was not written by sheetnet; not replacing it "
            "(choose another --out, or add --force to replace it)"
        )


def _chmod_like_new_file(path: str) -> None:
    """mkstemp makes files private (0600); give the workbook the usual permissions instead."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def _write(trace: Trace, filename: str) -> None:
    network = trace.network
    layout = BlocksLayout(network, trace.setup, trace.iterations)
    workbook = xlsxwriter.Workbook(filename)
    workbook.set_properties(
        {
            "title": f"sheetnet: a {network.shape_text} network, {network.iters} iterations",
            "subject": "Neural network training, step by step, as live formulas",
            "author": "sheetnet",
            "comments": f"Written by sheetnet {__version__}. "
            "Inputs are on the Setup sheet; every other number is a formula.",
        }
    )
    workbook.set_custom_property(MARK, __version__)
    formats = _Formats(workbook)

    _write_plan(workbook, formats, layout, trace, layout.setup)
    for key, name in layout.names.items():
        if key in layout.cells:
            cell = layout.cells[key]
            workbook.define_name(name, f"={sheet_ref(cell.sheet)}!{layout.address(key, absolute=True)}")
    _write_summary(workbook, formats, layout, trace)
    for plan in layout.iterations:
        _write_plan(workbook, formats, layout, trace, plan)
    workbook.close()


class _Formats:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        add = workbook.add_format
        number = {"num_format": NUMBER_FORMAT}
        self.title = add({"bold": True, "font_size": 14})
        self.subtitle = add({"italic": True, "font_color": "#595959"})
        self.label = add({})
        self.result_label = add({"bold": True})
        self.note = add({"italic": True, "font_color": "#7F7F7F", "font_size": 9, "indent": 1})
        self.input = add(
            {**number, "bg_color": "#FFF2CC", "font_color": "#1F3FBF", "border": 1, "border_color": "#BF9000"}
        )
        self.carried = add({**number, "font_color": "#7F7F7F", "bg_color": "#F2F2F2"})
        self.computed = add(number)
        self.result = add({**number, "bold": True})
        self.integer = add({"num_format": "0"})
        self.iteration = add({"num_format": "0", "align": "center"})
        self.header = add({"bold": True, "bottom": 1, "align": "right"})
        self.header_centre = add({"bold": True, "bottom": 1, "align": "center"})
        self.sections = {
            name: add({"bold": True, "bg_color": colour, "bottom": 1, "bottom_color": "#7F7F7F"})
            for name, colour in SECTION_COLOURS.items()
        }

    def value(self, quantity: Quantity) -> Format:
        if quantity.role == INPUT:
            return self.input
        if quantity.role == CARRIED:
            return self.carried
        if quantity.name in RESULT_NAMES or (quantity.section == UPDATE and "(" not in quantity.name):
            return self.result
        return self.computed


def _write_plan(
    workbook: xlsxwriter.Workbook, formats: _Formats, layout: BlocksLayout, trace: Trace, plan: SheetPlan
) -> Worksheet:
    sheet = workbook.add_worksheet(plan.name)
    cells = layout.on(plan.name)
    labels = [row.quantity.label for row in plan.rows if row.quantity is not None]
    sheet.set_column(0, 0, max(14, min(44, 2 + max(map(len, labels), default=0))))
    sheet.set_column(FIRST_VALUE_COL, plan.note_col - 1, VALUE_WIDTH)
    sheet.set_column(plan.note_col, plan.note_col, NOTE_WIDTH)
    sheet.freeze_panes(0, 1)
    sheet.fit_to_pages(1, 0)
    sheet.hide_gridlines(2)
    for r, row in enumerate(plan.rows):
        _write_row(sheet, formats, cells, trace, plan, r, row)
    return sheet


def _write_row(sheet: Worksheet, formats: _Formats, cells, trace: Trace, plan: SheetPlan, r: int, row: Row) -> None:
    if row.kind == "title":
        sheet.write_string(r, 0, row.text, formats.title)
        sheet.set_row(r, 22)
    elif row.kind == "subtitle":
        sheet.write_string(r, 0, row.text, formats.subtitle)
    elif row.kind == "section":
        fmt = formats.sections[row.section]
        sheet.write_string(r, 0, row.text, fmt)
        for c in range(1, plan.note_col + 1):
            sheet.write_blank(r, c, None, fmt)
    elif row.kind == "info":
        sheet.write_string(r, 0, row.text, formats.label)
        sheet.write_number(r, FIRST_VALUE_COL, row.number, formats.integer)
        sheet.write_string(r, plan.note_col, row.note, formats.note)
    elif row.kind == "quantity" and row.quantity is not None:
        q = row.quantity
        if row.matrix_row == 0:
            label_format = formats.result_label if formats.value(q) is formats.result else formats.label
            sheet.write_string(r, 0, q.label, label_format)
            if q.note:
                sheet.write_string(r, plan.note_col, q.note, formats.note)
        fmt = formats.value(q)
        start = row.matrix_row * q.cols
        for c in range(q.cols):
            i = start + c
            key = q.keys[i]
            if q.exprs is None:
                sheet.write_number(r, FIRST_VALUE_COL + c, trace.values[key], fmt)
            else:
                value = trace.values[key]
                cached = value if math.isfinite(value) else ERROR_VALUE
                sheet.write_formula(r, FIRST_VALUE_COL + c, render(q.exprs[i], cells), fmt, cached)


def _write_summary(workbook: xlsxwriter.Workbook, formats: _Formats, layout: BlocksLayout, trace: Trace) -> None:
    network = trace.network
    sheet = workbook.add_worksheet("Summary")
    cells = layout.on("Summary")
    outputs = network.layers[-1] if len(network.samples) == 1 else 0
    title = "ŷ and the loss L" if outputs else f"the loss L (mean over {len(network.samples)} samples)"
    sheet.write_string(0, 0, f"Summary: {title} at each iteration", formats.title)
    sheet.set_row(0, 22)
    sheet.write_string(1, 0, "Change η or any input on Setup and watch the loss curve move.", formats.subtitle)
    header_row = 3
    headers = ["iteration"] + (["ŷ"] if outputs == 1 else [f"ŷ[{k}]" for k in range(outputs)]) + ["L"]
    if len(network.samples) > 1:
        headers[-1] = f"L (mean of {len(network.samples)} samples)"
    for c, text in enumerate(headers):
        sheet.write_string(header_row, c, text, formats.header_centre if c == 0 else formats.header)
    sheet.set_column(0, 0, 11)
    sheet.set_column(1, len(headers) - 1, VALUE_WIDTH + 2)
    sheet.hide_gridlines(2)
    for t, graph in enumerate(trace.iterations):
        r = header_row + 1 + t
        sheet.write_number(r, 0, t, formats.iteration)
        yhat = graph.get("ŷ", 0).keys if outputs else ()
        loss = graph.loss()
        for c, key in enumerate([*yhat, *loss.keys], start=1):
            value = trace.values[key]
            fmt = formats.result if key == loss.keys[0] else formats.computed
            sheet.write_formula(r, c, "=" + cells.ref(key), fmt, value if math.isfinite(value) else ERROR_VALUE)
    first, last = header_row + 1, header_row + len(trace.iterations)
    loss_col = len(headers) - 1
    chart = workbook.add_chart({"type": "line"})
    chart.add_series(
        {
            "name": "L",
            "categories": ["Summary", first, 0, last, 0],
            "values": ["Summary", first, loss_col, last, loss_col],
            "marker": {"type": "circle", "size": 6} if len(trace.iterations) <= 50 else {"type": "none"},
            "line": {"color": "#C0504D", "width": 2},
        }
    )
    chart.set_title({"name": "Loss L by iteration", "name_font": {"size": 12}})
    chart.set_x_axis({"name": "iteration"})
    chart.set_y_axis({"name": "L", "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"none": True})
    chart.set_size({"width": 520, "height": 300})
    sheet.insert_chart(header_row, len(headers) + 1, chart)
    sheet.fit_to_pages(1, 0)
    sheet.set_landscape()
