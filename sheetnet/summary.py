"""The Summary sheet of a workbook: the loss L of every iteration, its curve and its lowest point.

Every number on it is a formula over the cells of the iterations it summarises (with its value
cached), so it moves with them when η or an input on Setup changes. The blocks layout's Summary
lists ŷ and L per iteration beside the chart; the rows layout's reads the Training sheet; with
several samples both show the last iteration sample by sample, and a classifier's accuracy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from sheetnet import printing
from sheetnet.formats import VALUE_WIDTH, Formats
from sheetnet.graph import Key
from sheetnet.layout import TRAINING, BlocksLayout, RowsLayout, SheetCells, samples_words
from sheetnet.net import SETUP, IterationGraph, loss_heading, loss_over_text
from sheetnet.spec import Network
from sheetnet.trace import Trace
from sheetnet.worksheet import finite_or_error

if TYPE_CHECKING:
    from xlsxwriter.chart import Chart

DEFAULT_WIDTH = 8.43  # a column whose width is not set
LOSS_CHART_PX = 520  # the Summary's loss chart: a dozen iterations' markers apart
ROWS_SUMMARY_WIDTHS = (24, VALUE_WIDTH + 2)  # "lowest L at iteration", then the L column's own width


def write_summary(workbook: xlsxwriter.Workbook, formats: Formats, layout: BlocksLayout, trace: Trace) -> None:
    """The blocks layout's Summary: ŷ and L of each iteration as formulas over its sheet, the loss
    chart beside them with the lowest L and its iteration, then the last iteration sample by sample."""
    network = trace.network
    sheet = workbook.add_worksheet("Summary")
    cells = layout.on("Summary")
    outputs = network.layers[-1] if len(network.samples) == 1 else 0
    title = "ŷ and the loss L" if outputs else f"the loss {loss_heading(network).replace(' of ', ' over ')}"
    if network.batched and network.per_update == 1:
        title = "the loss L of the sample used"
    sheet.write_string(0, 0, f"Summary: {title} at each iteration", formats.title)
    sheet.set_row(0, 22)
    sheet.write_string(1, 0, "Change η or any input on Setup and watch the loss curve move.", formats.subtitle)
    header_row = 3
    used = ["samples used"] if network.batched else []
    headers = ["iteration", *used] + (["ŷ"] if outputs == 1 else [f"ŷ[{k}]" for k in range(outputs)]) + ["L"]
    headers[-1] = loss_heading(network)
    for c, text in enumerate(headers):
        sheet.write_string(header_row, c, text, formats.header_centre if c == 0 else formats.header)
    # a header as long as "L (mean of 3 samples)" is not clipped; beside the chart, "at iteration"
    # is not either, and the lowest L shows as many digits as the column of L
    side = len(headers) + 1
    widths = [11.0] + [max(VALUE_WIDTH + 2, len(text) + 2) for text in headers[1:]] + [DEFAULT_WIDTH]
    widths += [VALUE_WIDTH, widths[len(headers) - 1]]
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width)
    sheet.hide_gridlines(2)
    for t, graph in enumerate(trace.iterations):
        r = header_row + 1 + t
        sheet.write_number(r, 0, t, formats.iteration)
        if used:
            sheet.write_string(r, 1, samples_words(graph.batch), formats.label)
        yhat = graph.get("ŷ", 0).keys if outputs else ()
        loss = graph.loss()
        for c, key in enumerate([*yhat, *loss.keys], start=1 + len(used)):
            value = trace.values[key]
            fmt = formats.result if key == loss.keys[0] else formats.computed
            sheet.write_formula(r, c, "=" + cells.ref(key), fmt, finite_or_error(value))
    first, last = header_row + 1, header_row + len(trace.iterations)
    chart = _loss_chart(workbook, "Summary", first, last, len(headers) - 1, trace.losses)
    sheet.insert_chart(header_row, side, chart)
    loss_col = xl_col_to_name(len(headers) - 1)
    span = f"{loss_col}{first + 1}:{loss_col}{last + 1}"
    best = min(range(len(trace.losses)), key=lambda t: _finite_key(trace.losses[t]))
    at = header_row + 17
    sheet.write_string(at, len(headers) + 1, "lowest L", formats.label)
    sheet.write_formula(at, len(headers) + 2, f"=MIN({span})", formats.result, finite_or_error(trace.losses[best]))
    sheet.write_string(at + 1, len(headers) + 1, "at iteration", formats.label)
    cell = xl_rowcol_to_cell(at, len(headers) + 2)
    sheet.write_formula(at + 1, len(headers) + 2, f"=MATCH({cell},{span},0)-1", formats.integer, best)
    last_row, right = _write_samples(
        sheet, formats, cells, network, trace.iterations[-1], trace.values, row=at + 3, col=side
    )
    right = max(right, printing.columns_under(side, LOSS_CHART_PX, widths))
    printing.print_whole(sheet, last_row=max(last, header_row + 16, last_row), last_col=right, landscape=True)
    sheet.repeat_rows(header_row)


def write_rows_summary(
    workbook: xlsxwriter.Workbook,
    sheet: Worksheet,
    formats: Formats,
    layout: RowsLayout,
    losses: list[float],
    last_graph: IterationGraph,
    values: Mapping[Key, float],
) -> None:
    """The rows layout's Summary: L at the first and last iteration and the lowest, as formulas over
    the Training sheet, the loss chart, then the last iteration (`last_graph`, `values`) sample by sample."""
    network = layout.network
    sheet.write_string(0, 0, "Summary: the loss L over all iterations", formats.title)
    sheet.set_row(0, 22)
    sheet.write_string(1, 0, f"L{loss_over_text(network)} from the {TRAINING} sheet.", formats.subtitle)
    sheet.write_string(2, 0, "Change η or any input on Setup and watch the curve move.", formats.subtitle)
    for c, width in enumerate(ROWS_SUMMARY_WIDTHS):
        sheet.set_column(c, c, width)
    sheet.hide_gridlines(2)
    first, last = layout.row(0), layout.row(network.iters - 1)
    column = xl_col_to_name(layout.loss_col)
    rows = [
        ("L at iteration 0", f"={TRAINING}!{column}{first + 1}", losses[0]),
        (f"L at iteration {network.iters - 1}", f"={TRAINING}!{column}{last + 1}", losses[-1]),
        ("lowest L", f"=MIN({TRAINING}!{column}{first + 1}:{column}{last + 1})", min(losses, key=_finite_key)),
        (
            "lowest L at iteration",
            f"=MATCH(B6,{TRAINING}!{column}{first + 1}:{column}{last + 1},0)-1",
            float(min(range(len(losses)), key=lambda t: _finite_key(losses[t]))),
        ),
    ]
    for r, (label, formula, value) in enumerate(rows, start=3):
        sheet.write_string(r, 0, label, formats.label)
        fmt = formats.integer if label.endswith("iteration") else formats.result
        sheet.write_formula(r, 1, formula, fmt, finite_or_error(value))
    chart = _loss_chart(workbook, TRAINING, first, last, layout.loss_col, losses)
    sheet.insert_chart(8, 0, chart)
    end, right = _write_samples(sheet, formats, layout.on("Summary"), network, last_graph, values, row=25, col=0)
    chart_right = printing.columns_under(0, LOSS_CHART_PX, ROWS_SUMMARY_WIDTHS)
    printing.print_whole(sheet, last_row=max(24, end), last_col=max(chart_right, right), landscape=True)


def _write_samples(
    sheet: Worksheet,
    formats: Formats,
    cells: SheetCells,
    network: Network,
    graph: IterationGraph,
    values: Mapping[Key, float],
    *,
    row: int,
    col: int,
) -> int:
    """With several samples: x, y and the last iteration's ŷ of each (the truth table the run has
    learned), and, for a classifier, whether each is right and the accuracy. Returns the last row
    and the last column written."""
    samples = network.samples
    if len(samples) < 2 or network.batched:  # no iteration computes ŷ of every sample
        return row, col
    n_in, k_out = network.layers[0], network.layers[-1]
    one_hot = all(sorted(s.y) == [0.0] * (k_out - 1) + [1.0] for s in samples)
    binary = k_out == 1 and all(s.y[0] in (0.0, 1.0) for s in samples)
    classifier = (network.output_activation == "softmax" and one_hot) or (
        network.output_activation == "sigmoid" and binary
    )
    title = f"After the last iteration ({network.iters - 1}), sample by sample"
    sheet.write_string(row, col, title, formats.result_label)
    names = [f"x[{i}]" for i in range(n_in)] + [f"y[{k}]" for k in range(k_out)] + [f"ŷ[{k}]" for k in range(k_out)]
    headers = ["sample", *names] + (["right"] if classifier else [])
    for c, text in enumerate(headers):
        sheet.write_string(row + 1, col + c, text, formats.header)
    right_col = col + len(headers) - 1
    rights = []
    for s in range(len(samples)):
        r = row + 2 + s
        sheet.write_number(r, col, s, formats.iteration)  # samples count from 0, as elements and iterations do
        keys = [Key("x", SETUP, s, i) for i in range(n_in)] + [Key("y", SETUP, s, k) for k in range(k_out)]
        keys += list(graph.get("ŷ", s).keys)
        typed = [*samples[s].x, *samples[s].y]  # the Setup keys are inputs: their values are the network's
        for c, key in enumerate(keys, start=1):
            value = values[key] if key in values else typed[c - 1]
            fmt = formats.result if c > n_in + k_out else formats.computed
            sheet.write_formula(r, col + c, "=" + cells.ref(key), fmt, finite_or_error(value))
        if classifier:
            y0, yhat0 = col + 1 + n_in, col + 1 + n_in + k_out
            y_cells = f"{xl_rowcol_to_cell(r, y0)}:{xl_rowcol_to_cell(r, y0 + k_out - 1)}"
            yhat_cells = f"{xl_rowcol_to_cell(r, yhat0)}:{xl_rowcol_to_cell(r, yhat0 + k_out - 1)}"
            yhat = [values.get(k, math.nan) for k in graph.get("ŷ", s).keys]
            if k_out == 1:
                formula = f"=IF(ROUND({xl_rowcol_to_cell(r, yhat0)},0)={xl_rowcol_to_cell(r, y0)},1,0)"
                ok = math.isfinite(yhat[0]) and round(yhat[0]) == samples[s].y[0]
            else:
                formula = f"=IF(MATCH(MAX({yhat_cells}),{yhat_cells},0)=MATCH(MAX({y_cells}),{y_cells},0),1,0)"
                ok = all(math.isfinite(v) for v in yhat) and yhat.index(max(yhat)) == list(samples[s].y).index(1.0)
            sheet.write_formula(r, right_col, formula, formats.integer, int(ok))
            rights.append(ok)
    last = row + 1 + len(samples)
    if classifier:
        span = f"{xl_rowcol_to_cell(row + 2, right_col)}:{xl_rowcol_to_cell(last, right_col)}"
        sheet.write_string(last + 1, right_col - 1, "accuracy", formats.result_label)
        sheet.write_formula(last + 1, right_col, f"=AVERAGE({span})", formats.percent, sum(rights) / len(rights))
        last += 1
    return last, col + len(headers) - 1


def _loss_chart(
    workbook: xlsxwriter.Workbook, sheet: str, first: int, last: int, loss_col: int, losses: list[float]
) -> Chart:
    """A line chart of L (column `loss_col`) against the iteration (column A), rows first..last;
    on a log scale when L spans more than two decades (else its fall after the first few is flat)."""
    chart = workbook.add_chart({"type": "line"})
    positive = [v for v in losses if math.isfinite(v) and v > 0]
    log = bool(positive) and len(positive) == len(losses) and max(positive) > 100 * min(positive)
    chart.add_series(
        {
            "name": "L",
            "categories": [sheet, first, 0, last, 0],
            "values": [sheet, first, loss_col, last, loss_col],
            "marker": {"type": "circle", "size": 6} if last - first < 50 else {"type": "none"},
            "line": {"color": "#C0504D", "width": 2},
        }
    )
    chart.set_title({"name": "Loss L by iteration", "name_font": {"size": 12}})
    chart.set_x_axis({"name": "iteration", "interval_unit": max(1, (last - first + 1) // 10)})
    chart.set_y_axis(
        {
            "name": "L (log scale)" if log else "L",
            "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
            **({"log_base": 10} if log else {}),
        }
    )
    chart.set_legend({"none": True})
    chart.set_size({"width": LOSS_CHART_PX, "height": 300})
    return chart


def _finite_key(value: float) -> float:
    return value if math.isfinite(value) else math.inf
