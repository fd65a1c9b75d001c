"""Whether a run fits in a workbook Excel can open, and so which layout it gets.

The guarantee: a run that does not fit is refused before it is trained or anything is written,
from the network's shape and its first iteration's formulas, with a message that says what would
fit instead. The bounds are sheetnet's own (`limits.WORKBOOK_CELLS`, `limits.BLOCK_CELLS`,
`limits.BLOCK_SHEETS`) and Excel's: its rows, columns and formula length.
"""

from __future__ import annotations

from sheetnet import limits
from sheetnet.errors import SheetnetError
from sheetnet.graph import render
from sheetnet.layout import BLOCKS, ROWS, TRAINING, BlocksLayout, RowsLayout, iteration_sheet
from sheetnet.net import MEAN, build_iteration, network_iteration_size, reduction_word, setup_quantities
from sheetnet.spec import Network


class LimitError(SheetnetError):
    """A run that does not fit in a workbook Excel can open."""


BLOCKS_UP_TO = 20  # the default layout: blocks up to this many iterations, rows above

# Excel's limits (https://support.microsoft.com/office/excel-specifications-and-limits)
MAX_ROWS = limits.SHEET_ROWS
MAX_COLS = limits.SHEET_COLUMNS
MAX_FORMULA = limits.FORMULA_CHARS


def default_layout(network: Network) -> str:
    """Blocks (a sheet per iteration) up to BLOCKS_UP_TO iterations, rows (a row each) above, and
    for a run of more numbers than the blocks layout holds (`limits.BLOCK_CELLS`)."""
    small = network.iters * network_iteration_size(network) <= limits.BLOCK_CELLS
    return BLOCKS if network.iters <= BLOCKS_UP_TO and small else ROWS


def check_cells(network: Network, *, runs: int = 1, layout: str = ROWS, exercise: bool = False) -> None:
    """Refuse a run of more numbers than a workbook of sheetnet's holds in `layout`
    (`limits.WORKBOOK_CELLS` in rows, `limits.BLOCK_CELLS` in blocks and exercises), counted from
    the network's shape in microseconds, before anything is built."""
    per_iteration = network_iteration_size(network) * runs
    total = per_iteration * network.iters
    several = len(network.samples) > 1
    ceiling = limits.WORKBOOK_CELLS if layout == ROWS else limits.BLOCK_CELLS
    if total > ceiling:
        fit = ceiling // per_iteration
        each = f", {runs} η" if runs > 1 else ""
        where = "" if layout == ROWS else " in a sheet per iteration"
        rows = layout != ROWS and not exercise and total <= limits.WORKBOOK_CELLS  # the rows layout takes it
        raise LimitError(
            f"{network.iters:,} iterations of this network{each} are {total:,} numbers, a cell each "
            f"({per_iteration:,} an iteration); a workbook of sheetnet's holds at most {ceiling:,}{where}: "
            + ("use --layout rows (a row each), or " if rows else "use ")
            + (f"--iters {fit} or fewer" if fit else "fewer neurons" + (" or fewer samples" if several else ""))
        )


def check_fits(network: Network, layout: str, *, runs: int = 1, exercise: bool = False) -> None:
    """Refuse, before anything is built, a run that does not fit: the cells of the whole run (from
    the network's shape, in microseconds), then Excel's rows, columns and formula length."""
    check_cells(network, runs=runs, layout=layout, exercise=exercise)
    several = len(network.samples) > 1
    if layout == BLOCKS and network.iters > limits.BLOCK_SHEETS:
        raise LimitError(
            f"the blocks layout writes a sheet per iteration, at most {limits.BLOCK_SHEETS:,}; "
            f"{network.iters:,} iterations: use --layout rows (a row each)"
        )
    setup = setup_quantities(network)
    first = build_iteration(network, 0)  # every iteration's formulas are as long as the first's
    if layout == ROWS:
        rows = RowsLayout(network, setup, first)  # its rows: WORKBOOK_CELLS keeps them far below Excel's
        if rows.width > MAX_COLS:
            # a sheet per iteration: no row is that wide (if blocks take the run)
            total = network_iteration_size(network) * runs * network.iters
            blocks = runs == 1 and network.iters <= limits.BLOCK_SHEETS and total <= limits.BLOCK_CELLS
            raise LimitError(
                f"one iteration of this network has {rows.width - 1:,} numbers, one column each in the rows layout; "
                f"Excel allows {MAX_COLS:,} columns: use "
                + ("--layout blocks, " if blocks else "")
                + ("fewer samples or " if several else "")
                + "a smaller network"
            )
        cells = rows.on(TRAINING)
    else:
        blocks_layout = BlocksLayout(network, setup, [first])
        for plan in [blocks_layout.setup, *blocks_layout.iterations]:
            if len(plan.rows) > MAX_ROWS or plan.note_col + 1 > MAX_COLS:
                raise LimitError(
                    f"the sheet {plan.name} would need {len(plan.rows):,} rows and {plan.note_col + 1:,} columns; "
                    f"Excel allows {MAX_ROWS:,} × {MAX_COLS:,}: use a smaller network"
                )
        cells = blocks_layout.on(iteration_sheet(0))
    for quantity in first.quantities:
        for i, expr in enumerate(quantity.exprs or ()):
            length = len(render(expr, cells))
            if length > MAX_FORMULA:
                cause = (
                    f"use fewer samples{' or a smaller batch_size' if network.batched else ''} (the "
                    f"{reduction_word(network)} over the samples lists each of them)"
                    if quantity.section == MEAN
                    else "use fewer neurons in the layer it sums over"
                )
                raise LimitError(
                    f"the formula of {quantity.element_name(i)} would be {length:,} characters long; Excel "
                    f"allows {MAX_FORMULA:,}: {cause}"
                )
