"""The layout of a workbook sheetnet wrote, read from where sheetnet puts each number, not fitted.

Fitting by value cannot tell apart elements that are equal (the notes' symmetric network), nor the
columns of an iteration that uses fewer than all the samples; sheetnet's own sheets say where each
number is. So a sheet per iteration (`own_layout`: a run's, or an exercise's) and a Training or η
sheet of a batched run (`own_rows_layout`) are read, not fitted.

Guarantee: None unless the sheet's labels are exactly where sheetnet writes them: a sheet
rearranged by hand is fitted, never read so.
"""

from __future__ import annotations

from sheetnet.check.geometry import Layout, last_iteration
from sheetnet.check.grid import Grid
from sheetnet.check.spots import RunSpots


def own_layout(grid: Grid, run: RunSpots, sheet: int) -> Layout | None:
    """The layout of a workbook sheetnet wrote a sheet per iteration (a run's, or an exercise's with
    a self-check column beside each value), read from where sheetnet puts each number, if the
    labels of column A are where it puts them; None otherwise (a sheet rearranged by hand is fitted).

    Fitting by value cannot tell apart elements that are equal, as in the notes' symmetric network,
    where a slip in one of two equal gradients would be looked for in the other's cell."""
    from sheetnet.layout import FIRST_VALUE_COL, BlocksLayout, iteration_sheet

    trace = run.trace
    if grid.sheets[sheet] != iteration_sheet(0):
        return None
    blocks = BlocksLayout(trace.network, trace.setup, trace.iterations[:1])
    plan = blocks.iterations[0]
    for r, row in enumerate(plan.rows):
        if row.kind == "quantity" and row.quantity is not None and row.matrix_row == 0:
            if grid.text((sheet, r + 1, 1)) != row.quantity.label:
                return None
    sections = [r + 1 for r, row in enumerate(plan.rows) if row.kind == "section"]
    # an exercise's self-check columns: ✓✗ heads them, and element [1] is two columns on
    c = FIRST_VALUE_COL + 1  # column B (counted from 1)
    interleaved = any(grid.text((sheet, r, c + 1)) == "✓✗" or grid.text((sheet, r, c + 2)) == "[1]" for r in sections)
    stride = 2 if interleaved else 1
    more = sheet + 1 < len(grid.sheets) and grid.sheets[sheet + 1] == iteration_sheet(1)
    layout = Layout(sheet, (1, 0, 0) if more else None, last=len(run.iterations) - 1, own=True)
    for spot in run.iterations[0]:
        cell = blocks.cells.get(spot.key)
        if cell is not None:
            layout.bases[spot.ident] = (
                sheet,
                cell.row + 1,
                FIRST_VALUE_COL + stride * (cell.col - FIRST_VALUE_COL) + 1,
            )
    r0, c0 = min(b[1] for b in layout.bases.values()), min(b[2] for b in layout.bases.values())
    r1, c1 = max(b[1] for b in layout.bases.values()), max(b[2] for b in layout.bases.values())
    layout.box = (r0, c0, r1, c1)
    if grid.book.exercise:  # its every iteration has a sheet from the start: an empty one is unanswered, not unfinished
        sheets = range(min(len(run.iterations), len(grid.sheets) - sheet))
        layout.last = next((t - 1 for t in sheets if grid.sheets[sheet + t] != iteration_sheet(t)), len(sheets) - 1)
    else:
        layout.last = last_iteration(grid, run, layout)
    return layout


def own_rows_layout(grid: Grid, run: RunSpots, sheet: int) -> Layout | None:
    """The layout of a Training sheet (or an η sheet) sheetnet wrote a row per iteration, read from
    where sheetnet puts each number, if its element headers are where it puts them; None otherwise.

    Besides equal elements (see `own_layout`), fitting by value is lost among the columns of an
    iteration that uses fewer than all the samples (`batch_size`): x, y and the gradients of a
    place of the batch change from row to row among a few small numbers (XOR's 0 and 1)."""
    from sheetnet.layout import TRAINING, RowsLayout, rate_sheet

    trace = run.trace
    name = grid.sheets[sheet]
    # only for batches so far: fitting does well enough on the others, and its verdicts on them stay as they were
    if not trace.network.batched or name not in (TRAINING, rate_sheet(trace.network.lr)):
        return None
    rows = RowsLayout(trace.network, trace.setup, trace.iterations[0], own_rate=name != TRAINING)
    elements = rows.row(0)  # the element names' row, counted from 1
    for group in rows.groups:
        for i in range(len(group.quantity.keys)):
            if grid.text((sheet, elements, group.first_col + i + 1)) != group.quantity.element_name(i):
                return None
    layout = Layout(sheet, (0, 1, 0), last=len(run.iterations) - 1)
    for spot in run.iterations[0]:
        try:
            cell = rows.cell(spot.key)
        except KeyError:  # a number only homework sheets write
            continue
        if cell.sheet == name:  # not x and y, read from Setup
            layout.bases[spot.ident] = (sheet, cell.row + 1, cell.col + 1)
    if not layout.bases:
        return None
    r0, c0 = min(b[1] for b in layout.bases.values()), min(b[2] for b in layout.bases.values())
    r1, c1 = max(b[1] for b in layout.bases.values()), max(b[2] for b in layout.bases.values())
    layout.box = (r0, c0, r1, c1)  # r1: the row below, where the update goes
    layout.last = last_iteration(grid, run, layout)
    return layout
