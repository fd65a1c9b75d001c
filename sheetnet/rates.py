"""The learning-rate comparison: one workbook of the same network trained once per η.

Setup holds what the runs share (x, y, the initial parameters); each η has a rows-layout sheet of
its own, `η = 0.1`, whose η is an input in its B2, so that changing it recomputes that sheet only;
the Summary sets each η's last and lowest L side by side, as formulas over those sheets, and draws
their curves on one chart. Written atomically and sealed, like every workbook (`sheetnet.workbook`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from sheetnet import limits, printing
from sheetnet.capacity import LimitError
from sheetnet.formats import VALUE_WIDTH, Formats
from sheetnet.graph import Key
from sheetnet.layout import RATE_COL, RATE_ROW, ROWS, RowsLayout, sheet_ref
from sheetnet.net import loss_over_text
from sheetnet.outputs import replaced_atomically, seal_workbook
from sheetnet.trace import Run, Trace, lowest
from sheetnet.workbook import (
    Progress,
    check_output,
    close_spliced,
    define_names,
    new_workbook,
    write_plan,
    write_training_rows,
)
from sheetnet.worksheet import ERROR_VALUE, finite_or_error

if TYPE_CHECKING:
    from xlsxwriter.chart import Chart

    from sheetnet.training_rows import RowWriter, RowWriterType

MAX_RATES = limits.RATES  # series Excel draws in one chart
RATES_CHART_PX = 720  # the comparison's chart: room for its legend of η


def write_rates_workbook(
    sources: Sequence[Trace | Run],
    path: str | Path,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Write one workbook for the same network trained once per η (`sources`, one per η, in the
    order to show them): Setup (x, y, the initial parameters), Summary (each η's last and lowest
    L, and their curves on one chart) and a rows-layout sheet per η, `η = 0.1`, that holds its own
    η in B2, so that changing it recomputes that sheet only. Atomic, like `write_workbook`.
    """
    path = Path(path)
    networks = [s.network for s in sources]
    if len(networks) > MAX_RATES:
        raise LimitError(f"{len(networks)} learning rates; Excel draws at most {MAX_RATES} curves in one chart")
    before = check_output(networks[0], path, layout=ROWS, force=force, runs=len(networks))
    with replaced_atomically(path, before, force, seal=seal_workbook) as temporary:
        _write_rates(sources, temporary, progress)
    return path


def _write_rates(
    sources: Sequence[Trace | Run], filename: str, progress: Progress | None, *, row_writer: RowWriterType | None = None
) -> None:
    parts = io.BytesIO()
    workbook = new_workbook(parts, sources[0].network, constant_memory=True, rate_sheets=len(sources))
    formats = Formats(workbook)
    summary: Worksheet | None = None
    layouts: list[RowsLayout] = []
    losses: list[list[float]] = []
    writers: list[RowWriter] = []

    def first_rows(layout: RowsLayout, values: Mapping[Key, float]) -> None:
        nonlocal summary
        if summary is None:  # Setup (without η) and the Summary come first, as in every workbook
            write_plan(workbook, formats, layout, values, layout.setup)
            define_names(workbook, layout)
            summary = workbook.add_worksheet("Summary")

    for source in sources:
        layout, curve, _, _, writer = write_training_rows(
            workbook, formats, source, progress, before=first_rows, own_rate=True, row_writer=row_writer
        )
        layouts.append(layout)
        losses.append(curve)
        writers.append(writer)
    assert summary is not None
    _write_rates_summary(workbook, summary, formats, layouts, losses)
    close_spliced(workbook, parts, filename, writers)


def _write_rates_summary(
    workbook: xlsxwriter.Workbook,
    sheet: Worksheet,
    formats: Formats,
    layouts: Sequence[RowsLayout],
    losses: Sequence[list[float]],
) -> None:
    """η, L at the last iteration, the lowest L and its iteration for each η sheet, as formulas
    over it; below, one chart with a curve per η."""
    network = layouts[0].network
    sheet.write_string(0, 0, "Summary: the loss L for each learning rate η", formats.title)
    sheet.set_row(0, 22)
    sheet.write_string(
        1,
        0,
        f"L{loss_over_text(network)} from each η sheet. Change η in B2 of an η sheet "
        "(yellow) and its row here and its curve move.",
        formats.subtitle,
    )
    last_t = network.iters - 1
    headers = ["η", f"L at iteration {last_t}", "lowest L", "at iteration"]
    header_row = 3
    for c, text in enumerate(headers):
        sheet.write_string(header_row, c, text, formats.header)
    sheet.set_column(0, 0, VALUE_WIDTH)
    sheet.set_column(1, len(headers) - 1, VALUE_WIDTH + 4)
    sheet.hide_gridlines(2)
    for k, (layout, curve) in enumerate(zip(layouts, losses, strict=True)):
        r = header_row + 1 + k
        on = sheet_ref(layout.sheet)
        column = xl_col_to_name(layout.loss_col)
        span = f"{on}!${column}${layout.row(0) + 1}:${column}${layout.row(last_t) + 1}"
        at, low = lowest(curve)
        complete = all(math.isfinite(v) for v in curve)  # else MIN and MATCH give the error they meet
        rate = xl_rowcol_to_cell(RATE_ROW, RATE_COL, row_abs=True, col_abs=True)
        cells = [
            (f"={on}!{rate}", formats.computed, layout.network.lr),
            (f"={on}!{column}{layout.row(last_t) + 1}", formats.result, finite_or_error(curve[-1])),
            (f"=MIN({span})", formats.result, low if complete else ERROR_VALUE),
            (f"=MATCH({xl_rowcol_to_cell(r, 2)},{span},0)-1", formats.integer, at if complete else ERROR_VALUE),
        ]
        for c, (formula, fmt, value) in enumerate(cells):
            sheet.write_formula(r, c, formula, fmt, value)
    chart_row = header_row + len(layouts) + 2
    sheet.insert_chart(chart_row, 0, _rates_chart(workbook, layouts, losses))
    widths = [VALUE_WIDTH] + [VALUE_WIDTH + 4] * (len(headers) - 1)
    right = printing.columns_under(0, RATES_CHART_PX, widths)
    printing.print_whole(sheet, last_row=chart_row + 22, last_col=right, landscape=True)


RATE_COLOURS = ("#C0504D", "#4F81BD", "#9BBB59", "#8064A2", "#F79646", "#4BACC6", "#7F7F7F", "#000000")


def _rates_chart(workbook: xlsxwriter.Workbook, layouts: Sequence[RowsLayout], losses: Sequence[list[float]]) -> Chart:
    """L against the iteration, a curve per η sheet named after it; on a log scale when the losses
    span more than two decades."""
    chart = workbook.add_chart({"type": "line"})
    values = [v for curve in losses for v in curve]
    positive = [v for v in values if math.isfinite(v) and v > 0]
    log = bool(positive) and len(positive) == len(values) and max(positive) > 100 * min(positive)
    n = layouts[0].network.iters
    for k, layout in enumerate(layouts):
        first, last = layout.row(0), layout.row(n - 1)
        line: dict[str, object] = {"width": 2}
        if k < len(RATE_COLOURS):
            line["color"] = RATE_COLOURS[k]
        chart.add_series(
            {
                "name": layout.sheet,
                "categories": [layout.sheet, first, 0, last, 0],
                "values": [layout.sheet, first, layout.loss_col, last, layout.loss_col],
                "marker": {"type": "none"},
                "line": line,
            }
        )
    chart.set_title({"name": "Loss L by iteration, for each η", "name_font": {"size": 12}})
    chart.set_x_axis({"name": "iteration", "interval_unit": max(1, n // 10)})
    chart.set_y_axis(
        {
            "name": "L (log scale)" if log else "L",
            "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
            **({"log_base": 10} if log else {}),
        }
    )
    chart.set_legend({"position": "right"})
    chart.set_size({"width": RATES_CHART_PX, "height": 400})
    return chart
