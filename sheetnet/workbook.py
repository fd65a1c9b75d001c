"""Write a run as an .xlsx workbook of live formulas, each with its value cached (XlsxWriter).

The file is written next to its destination under a temporary name and moved into place, so an
interrupted run leaves any earlier file untouched, and sealed (`sheetnet.outputs`): only a
workbook of sheetnet's that nobody changed since is replaced without `force`.
"""

from __future__ import annotations

import contextlib
import gc
import io
import math
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from sheetnet import __version__, limits, outputs, printing
from sheetnet.errors import OutputError, SheetnetError
from sheetnet.formats import Formats
from sheetnet.graph import Key, render
from sheetnet.layout import (
    FIRST_VALUE_COL,
    RATE_COL,
    RATE_ROW,
    TRAINING,
    BlocksLayout,
    Row,
    RowsLayout,
    SheetCells,
    SheetPlan,
    iteration_sheet,
    samples_words,
    sheet_ref,
)
from sheetnet.net import (
    MEAN,
    PARAMETERS,
    SETUP,
    IterationGraph,
    Quantity,
    build_iteration,
    loss_heading,
    loss_over_text,
    network_iteration_size,
    reduction_word,
    setup_quantities,
)
from sheetnet.outputs import State, check_extension, check_target, replaced_atomically, seal_workbook
from sheetnet.spec import NETWORK_PROPERTY, Network, network_property
from sheetnet.trace import Run, Trace, lowest
from sheetnet.worksheet import ERROR_VALUE, FormulaBook

if TYPE_CHECKING:
    from xlsxwriter.chart import Chart

    from sheetnet.exercise import Exercise
    from sheetnet.training_rows import RowWriter, RowWriterType

MARK = "sheetnet"  # custom document property: this workbook was written by sheetnet
VALUE_WIDTH = 14
DEFAULT_WIDTH = 8.43  # a column whose width is not set
LOSS_CHART_PX = 520  # the Summary's loss chart: a dozen iterations' markers apart
RATES_CHART_PX = 720  # the comparison's chart: room for its legend of η
NOTE_WIDTH = 38
CHECK_WIDTH = 3.5  # an exercise's self-check column: ✓ or ✗


class LimitError(SheetnetError):
    """A run that does not fit in a workbook Excel can open."""


BLOCKS, ROWS = "blocks", "rows"
LAYOUTS = (BLOCKS, ROWS)
BLOCKS_UP_TO = 20  # the default layout: blocks up to this many iterations, rows above

# Excel's limits (https://support.microsoft.com/office/excel-specifications-and-limits)
MAX_ROWS = 1_048_576
MAX_COLS = 16_384
MAX_FORMULA = limits.FORMULA_CHARS

Progress = Callable[[], None]  # called once per step of a run's training and writing


def progress_steps(network: Network, layout: str) -> int:
    """How many times `write_workbook` calls `progress`: blocks train, then write a sheet each."""
    return network.iters * (2 if layout == BLOCKS else 1)


def _trained(source: Trace | Run, progress: Progress | None) -> Trace:
    if isinstance(source, Trace):
        return source
    for _ in source:
        if progress is not None:
            progress()
    return source.trace()


def default_layout(network: Network) -> str:
    """Blocks (a sheet per iteration) up to BLOCKS_UP_TO iterations, rows (a row each) above, and
    for a run of more numbers than the blocks layout holds (`limits.BLOCK_CELLS`)."""
    small = network.iters * network_iteration_size(network) <= limits.BLOCK_CELLS
    return BLOCKS if network.iters <= BLOCKS_UP_TO and small else ROWS


def write_workbook(
    source: Trace | Run,
    path: str | Path,
    *,
    force: bool = False,
    layout: str = BLOCKS,
    progress: Progress | None = None,
    exercise: Exercise | None = None,
) -> Path:
    """Write the workbook of a run to `path` atomically; return the path written.

    `source` is a finished `Trace`, or a `Run` to train here, after the output has been checked:
    the blocks layout trains it first, the rows layout while it writes, row by row, in constant
    memory. `progress` is called once per step (`progress_steps`). With `exercise`, the
    workbook is an exercise sheet of the run (blocks layout; see `sheetnet.exercise`).

    The file at `path` is checked again just before the workbook takes its place: one that
    appeared or changed meanwhile is not replaced (without `force`); the workbook is kept beside it.
    """
    path = Path(path)
    before = check_output(source.network, path, layout=layout, force=force, exercise=exercise is not None)
    with replaced_atomically(path, before, force, seal=seal_workbook) as temporary:
        if exercise is not None:
            _write_exercise(_trained(source, progress), temporary, exercise, progress)
        elif layout == ROWS:
            _write_rows(source, temporary, progress)
        else:
            _write(_trained(source, progress), temporary, progress)
    return path


def _claims_sheetnet(archive: zipfile.ZipFile) -> bool:
    """The workbook carries sheetnet's document property (every program's save keeps it)."""
    try:
        info = archive.getinfo("docProps/custom.xml")
        return info.file_size <= _PROPERTIES_BYTES and f'name="{MARK}"'.encode() in archive.read(info)
    except KeyError:
        return False


_PROPERTIES_BYTES = 1_000_000  # docProps/custom.xml of sheetnet's is under a kilobyte


def workbook_state(path: Path) -> State:
    """Whether the workbook at `path` is one sheetnet wrote, unchanged since (see `sheetnet.outputs`)."""
    return outputs.workbook_state(path, _claims_sheetnet)


def written_by_sheetnet(path: Path) -> bool:
    """True if `path` is a workbook sheetnet wrote and nobody changed since: its seal matches its bytes."""
    return workbook_state(path) is State.UNCHANGED


def check_output(
    network: Network, path: str | Path, *, layout: str, force: bool, runs: int = 1, exercise: bool = False
) -> os.stat_result | None:
    """Everything that can be known wrong before a run (or `runs` of it, one per η): its size,
    Excel's limits, the name and the file at `path`. Returns what is at `path` now (None: nothing)."""
    path = Path(path)
    try:
        if path.is_dir():
            raise OutputError(f"{path} is a folder; give a file name such as {path / 'sheetnet.xlsx'}")
    except OSError as exc:  # a name longer than the system allows, say
        raise OutputError(f"cannot use {path}: {exc.strerror or exc}") from None
    check_extension(path, (".xlsx",), "workbook")
    check_fits(network, layout, runs=runs, exercise=exercise)
    return check_target(path, force, state=workbook_state)


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


def _new_workbook(
    filename: str | io.BytesIO, network: Network, *, constant_memory: bool = False, rate_sheets: int = 1
) -> xlsxwriter.Workbook:
    # in memory unless rows are streamed: a temporary file per part costs more than writing a small book
    workbook = FormulaBook(filename, {"constant_memory": constant_memory, "in_memory": not constant_memory})
    several = f", {rate_sheets} learning rates" if rate_sheets > 1 else ""
    workbook.set_properties(
        {
            "title": f"sheetnet: a {network.shape_text} network, {network.iters} iterations{several}",
            "subject": "Neural network training, step by step, as live formulas",
            "author": "sheetnet",
            "comments": f"Written by sheetnet {__version__}. "
            + ("Inputs are on the Setup sheet" + (" and each η sheet's B2" if several else ""))
            + "; every other number is a formula.",
        }
    )
    workbook.set_custom_property(MARK, __version__)
    kind = network_property(network, rate_sheets)
    if kind is not None:  # `sheetnet init --from` reads the network's kind from here, its numbers from Setup
        workbook.set_custom_property(NETWORK_PROPERTY, kind)
    return workbook


def _define_names(workbook: xlsxwriter.Workbook, layout: BlocksLayout | RowsLayout) -> None:
    for key, name in layout.names.items():
        if key in layout.cells:
            cell = layout.cells[key]
            workbook.define_name(name, f"={sheet_ref(cell.sheet)}!{layout.address(key, absolute=True)}")


def _write(trace: Trace, filename: str, progress: Progress | None) -> None:
    network = trace.network
    layout = BlocksLayout(network, trace.setup, trace.iterations)
    workbook = _new_workbook(filename, network)
    formats = Formats(workbook)
    _write_plan(workbook, formats, layout, trace.values, layout.setup)
    _define_names(workbook, layout)
    _write_summary(workbook, formats, layout, trace)
    for plan in layout.iterations:
        _write_plan(workbook, formats, layout, trace.values, plan)
        if progress is not None:
            progress()
    workbook.close()


def _write_exercise(trace: Trace, filename: str, exercise: Exercise, progress: Progress | None) -> None:
    """An exercise: Setup, then the iteration sheets with their answer cells, then the key."""
    from sheetnet.exercise import PROPERTY, ExerciseWriter

    network = trace.network
    layout = BlocksLayout(network, trace.setup, trace.iterations)
    workbook = _new_workbook(filename, network)
    workbook.set_custom_property(PROPERTY, f"{exercise.part}{'' if exercise.key else ', no key'}")
    formats = Formats(workbook)
    writer = ExerciseWriter(trace, layout, exercise, formats)
    setup = layout.setup
    at = next(r for r, row in enumerate(setup.rows) if row.kind == "subtitle" and row.text.startswith("Yellow"))
    setup.rows[at] = setup.rows[at]._replace(text=writer.setup_subtitle())
    _write_plan(workbook, formats, layout, trace.values, setup)
    _define_names(workbook, layout)
    for plan in layout.iterations:
        plan.rows[1] = plan.rows[1]._replace(text=writer.iteration_subtitle(plan.rows[1].text))
        sheet = _write_plan(workbook, formats, layout, trace.values, plan, stride=writer.stride, element=writer)
        # only the answer cells take typing (the protection has no password: it guards against slips)
        sheet.protect("", {"format_columns": True, "format_rows": True})
        if exercise.key:
            last = FIRST_VALUE_COL + plan.value_cols * writer.stride
            sheet.conditional_format(
                0,
                FIRST_VALUE_COL,
                len(plan.rows),
                last,
                {"type": "cell", "criteria": "==", "value": '"✓"', "format": formats.right},
            )
        if progress is not None:
            progress()
    if exercise.key:
        writer.write_key(workbook, formats)
    workbook.close()


def _write_rows(
    source: Trace | Run, filename: str, progress: Progress | None, *, row_writer: RowWriterType | None = None
) -> None:
    """The rows layout: XlsxWriter writes Setup, Summary and the Training sheet's headers, the rows
    are streamed as the iterations come (`StreamedRows`) and spliced in; memory does not grow with
    the iterations. `row_writer` replaces `StreamedRows` (the tests write cell by cell through XlsxWriter)."""
    network = source.network
    parts = io.BytesIO()
    workbook = _new_workbook(parts, network, constant_memory=True)
    formats = Formats(workbook)
    sheets: list[Worksheet] = []

    def first_rows(layout: RowsLayout, values: Mapping[Key, float]) -> None:  # Setup, then Summary, then Training
        _write_plan(workbook, formats, layout, values, layout.setup)
        _define_names(workbook, layout)
        sheets.append(workbook.add_worksheet("Summary"))

    layout, losses, last, values, writer = _write_training_rows(
        workbook, formats, source, progress, before=first_rows, own_rate=False, row_writer=row_writer
    )
    (summary,) = sheets
    _write_rows_summary(workbook, summary, formats, layout, losses)
    end, right = _write_samples(summary, formats, layout.on("Summary"), network, last, values, row=25, col=0)
    chart_right = printing.columns_under(0, LOSS_CHART_PX, ROWS_SUMMARY_WIDTHS)
    printing.print_whole(summary, last_row=max(24, end), last_col=max(chart_right, right), landscape=True)
    _close_spliced(workbook, parts, filename, [writer])


def _close_spliced(
    workbook: xlsxwriter.Workbook, parts: io.BytesIO, filename: str, writers: Sequence[RowWriter]
) -> None:
    """Close the workbook XlsxWriter wrote to `parts` and write it to `filename` with the rows the
    writers streamed in their sheets."""
    from sheetnet.rowxml import splice  # here, not above: only the rows layout needs it (a short run starts faster)

    workbook.close()
    streamed = [w.streamed for w in writers if w.streamed is not None]
    try:
        parts.seek(0)
        splice(parts, filename, streamed)
    finally:
        for rows in streamed:
            rows.close()


@contextlib.contextmanager
def _collecting_every(steps: int) -> Iterator[Callable[[], None]]:
    """Python's cyclic garbage collector run every `steps` iterations (call the function given at
    each one) instead of every so many allocations. Writing a row allocates thousands of small
    objects, which otherwise trigger collections that walk the whole heap: a fifth of the time of
    a long run. Nothing sheetnet makes per iteration is cyclic, so little waits for a collection."""
    was_enabled = gc.isenabled()
    gc.disable()
    count = 0

    def tick() -> None:
        nonlocal count
        count += 1
        if count % steps == 0:
            gc.collect()

    try:
        yield tick
    finally:
        if was_enabled:
            gc.enable()


def _training_sheet(workbook: xlsxwriter.Workbook, formats: Formats, layout: RowsLayout) -> Worksheet:
    """The Training sheet and its headers: a band per quantity, then its elements."""
    network = layout.network
    sheet = workbook.add_worksheet(layout.sheet)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, layout.width - 1, VALUE_WIDTH)
    sheet.freeze_panes(layout.row(0), 1)
    title = "Training" if layout.sheet == TRAINING else f"Training with {layout.sheet}"
    sheet.write_string(0, 0, f"{title}: one row per iteration ({network.iters} iterations)", formats.title)
    sheet.set_row(0, 22)
    if layout.sheet != TRAINING:
        _rate_header(sheet, formats, layout)
    else:
        sheet.merge_range(
            1,
            0,
            1,
            min(layout.width - 1, 12),
            "Each row's formulas read the row above: the parameters used in a row are the update of the row before "
            "(row 0 copies Setup); the last row holds the parameters after the last update. x, y and η are on Setup.",
            formats.subtitle_wrapped,
        )
    sheet.set_row(1, 30)
    header, element = layout.row(0) - 2, layout.row(0) - 1
    several = len(network.samples) > 1
    # constant memory: a row is final once the next one is written, so each header row whole
    if layout.samples_col is not None:
        sheet.write_string(header, layout.samples_col, "samples used", formats.bands[PARAMETERS])
        widest = samples_words([len(network.samples) - 1] * network.per_update)
        sheet.set_column(layout.samples_col, layout.samples_col, max(VALUE_WIDTH, len(widest) + 2))
    for group in layout.groups:
        q = group.quantity
        label = q.name if q.section != PARAMETERS else f"{q.name} (used)"
        if several and q.sample is not None and not network.batched:
            label += f" · sample {q.sample}"
        elif network.per_update > 1 and q.sample is not None:  # a place in the batch: its sample is in `samples used`
            label += f" · batch[{q.sample}]"
        elif q.section == MEAN:
            label += f" ({reduction_word(network)})"
        fmt = formats.bands[q.section]
        if group.last_col > group.first_col:
            sheet.merge_range(header, group.first_col, header, group.last_col, label, fmt)
        else:
            sheet.write_string(header, group.first_col, label, fmt)
    sheet.set_row(header, 30)  # two lines: `∂L/∂W2 · sample 1` in one column
    sheet.repeat_rows(header, element)  # every printed page: the quantity bands, the elements
    sheet.repeat_columns(0)  # and the iteration
    # a dozen columns a page, the numbers still legible (a page wide would be unreadable)
    scale = printing.rows_scale(network.iters + 1)
    printing.print_whole(
        sheet, last_row=layout.row(network.iters), last_col=layout.width - 1, landscape=True, scale=scale
    )
    sheet.write_string(element, 0, "iteration", formats.header_centre)
    for group in layout.groups:
        for i in range(len(group.quantity.keys)):
            sheet.write_string(element, group.first_col + i, group.quantity.element_name(i), formats.header)
    return sheet


ROWS_SUMMARY_WIDTHS = (24, VALUE_WIDTH + 2)  # "lowest L at iteration", then the L column's own width


def _write_rows_summary(
    workbook: xlsxwriter.Workbook, sheet: Worksheet, formats: Formats, layout: RowsLayout, losses: list[float]
) -> None:
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
        sheet.write_formula(r, 1, formula, fmt, value if math.isfinite(value) else ERROR_VALUE)
    chart = _loss_chart(workbook, TRAINING, first, last, layout.loss_col, losses)
    sheet.insert_chart(8, 0, chart)


# ------------------------------------------------------------------------- several η in one run

MAX_RATES = limits.RATES  # series Excel draws in one chart


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
    workbook = _new_workbook(parts, sources[0].network, constant_memory=True, rate_sheets=len(sources))
    formats = Formats(workbook)
    summary: Worksheet | None = None
    layouts: list[RowsLayout] = []
    losses: list[list[float]] = []
    writers: list[RowWriter] = []

    def first_rows(layout: RowsLayout, values: Mapping[Key, float]) -> None:
        nonlocal summary
        if summary is None:  # Setup (without η) and the Summary come first, as in every workbook
            _write_plan(workbook, formats, layout, values, layout.setup)
            _define_names(workbook, layout)
            summary = workbook.add_worksheet("Summary")

    for source in sources:
        layout, curve, _, _, writer = _write_training_rows(
            workbook, formats, source, progress, before=first_rows, own_rate=True, row_writer=row_writer
        )
        layouts.append(layout)
        losses.append(curve)
        writers.append(writer)
    assert summary is not None
    _write_rates_summary(workbook, summary, formats, layouts, losses)
    _close_spliced(workbook, parts, filename, writers)


def _write_training_rows(
    workbook: xlsxwriter.Workbook,
    formats: Formats,
    source: Trace | Run,
    progress: Progress | None,
    *,
    before: Callable[[RowsLayout, Mapping[Key, float]], None],
    own_rate: bool,
    row_writer: RowWriterType | None = None,
) -> tuple[RowsLayout, list[float], IterationGraph, Mapping[Key, float], RowWriter]:
    """One run's rows sheet, written row by row as it trains; `before` is called with its layout
    once the first iteration has run, before the sheet is added. Returns the layout, the losses,
    the last iteration with its values, and the writer of the rows."""
    from sheetnet.training_rows import StreamedRows  # here, not above: only the rows layout needs it (as splice)

    if isinstance(source, Trace):
        steps: Iterable[tuple[IterationGraph, dict[Key, float]]] = ((g, source.values) for g in source.iterations)
    else:
        steps = source
    network = source.network
    layout: RowsLayout | None = None
    writer: RowWriter | None = None
    previous: IterationGraph | None = None
    losses = []
    with _collecting_every(64) as tick:
        for graph, values in steps:
            if layout is None:
                layout = RowsLayout(network, source.setup, graph, own_rate=own_rate)
                before(layout, values)
                sheet = _training_sheet(workbook, formats, layout)
                writer = (row_writer or StreamedRows)(workbook, sheet, formats, layout)
            assert writer is not None
            parameters = layout.parameters(graph) if previous is None else layout.updates(previous)
            writer.row(graph, values, [*parameters, *layout.in_row(graph)])
            losses.append(values[graph.loss().keys[0]])
            previous = graph
            tick()
            if progress is not None:
                progress()
    assert layout is not None and previous is not None and writer is not None
    writer.end(values, layout.updates(previous))
    return layout, losses, previous, values, writer


def _rate_header(sheet: Worksheet, formats: Formats, layout: RowsLayout) -> None:
    """An η sheet's second row: `η` and its own η (an input), then what the sheet holds."""
    sheet.write_string(RATE_ROW, 0, "η", formats.result_label)
    sheet.write_number(RATE_ROW, RATE_COL, layout.network.lr, formats.input)
    sheet.merge_range(
        RATE_ROW,
        RATE_COL + 1,
        RATE_ROW,
        max(RATE_COL + 2, min(layout.width - 1, 9)),
        f"Change η ({xl_rowcol_to_cell(RATE_ROW, RATE_COL)}, yellow) and this sheet recomputes. Each row reads the "
        "row above (row 0 copies Setup, where x and y are); the last row holds the parameters after the last update.",
        formats.subtitle_wrapped,
    )


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
            (f"={on}!{column}{layout.row(last_t) + 1}", formats.result, _finite_or_error(curve[-1])),
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


def _finite_or_error(value: float) -> float | str:
    return value if math.isfinite(value) else ERROR_VALUE


def _finite_key(value: float) -> float:
    return value if math.isfinite(value) else math.inf


# Writes element `i` of a quantity at (row, col): the exercise sheets' answer and given cells.
class ElementWriter(Protocol):
    """Writes the values of the iteration sheets of an exercise (`sheetnet.exercise.ExerciseWriter`)."""

    def element(self, sheet: Worksheet, row: int, col: int, quantity: Quantity, i: int) -> None:
        """Element `i` of `quantity` at (row, col), and its self-check beside it."""

    def checked(self, quantity: Quantity) -> bool:
        """True if the quantity has answers (and so self-checks)."""


def _write_plan(
    workbook: xlsxwriter.Workbook,
    formats: Formats,
    layout: BlocksLayout | RowsLayout,
    values: Mapping[Key, float],
    plan: SheetPlan,
    *,
    stride: int = 1,
    element: ElementWriter | None = None,
) -> Worksheet:
    """A sheet of `plan`. `stride` 2 leaves a column after each value (an exercise's self-check
    cells); `element`, if given, writes the iteration sheets' values instead of their formulas."""
    sheet = workbook.add_worksheet(plan.name)
    cells = layout.on(plan.name)
    note_col = FIRST_VALUE_COL + plan.value_cols * stride
    labels = [row.quantity.label for row in plan.rows if row.quantity is not None]
    labels += [row.text + "  " for row in plan.rows if row.kind == "section"]  # bold, and an index beside it
    sheet.set_column(0, 0, max(14, min(44, 2 + max(map(len, labels), default=0))))
    sheet.set_column(FIRST_VALUE_COL, note_col - 1, VALUE_WIDTH)
    for c in range(FIRST_VALUE_COL + 1, note_col, stride) if stride > 1 else ():
        sheet.set_column(c, c, CHECK_WIDTH)
    sheet.set_column(note_col, note_col, NOTE_WIDTH)
    sheet.freeze_panes(0, 1)
    sheet.hide_gridlines(2)
    for r, row in enumerate(plan.rows):
        _write_row(sheet, formats, cells, values, plan, r, row, note_col=note_col, stride=stride, element=element)
    rows = len(plan.rows)
    if printing.fits_one_page(rows):  # an iteration of a small network: one page, not two
        printing.print_whole(sheet, last_row=rows - 1, last_col=note_col, one_page=True)
    else:
        printing.print_whole(sheet, last_row=rows - 1, last_col=note_col)
        starts = [r for r, row in enumerate(plan.rows) if row.kind == "section"]
        sheet.set_h_pagebreaks(printing.section_breaks(starts, rows))
    return sheet


def _section_width(plan: SheetPlan, at: int) -> int:
    """How many value columns the quantities of the section starting at row `at` fill."""
    width = 0
    for row in plan.rows[at + 1 :]:
        if row.kind == "section":
            break
        if row.kind == "quantity" and row.quantity is not None:
            width = max(width, row.quantity.cols)
    return width


def _checked_section(plan: SheetPlan, at: int, writer: ElementWriter) -> bool:
    """True if a quantity of the section starting at row `at` has self-checks."""
    for row in plan.rows[at + 1 :]:
        if row.kind == "section":
            return False
        if row.quantity is not None and writer.checked(row.quantity):
            return True
    return False


def _write_row(
    sheet: Worksheet,
    formats: Formats,
    cells: SheetCells,
    values: Mapping[Key, float],
    plan: SheetPlan,
    r: int,
    row: Row,
    *,
    note_col: int,
    stride: int = 1,
    element: ElementWriter | None = None,
) -> None:
    if row.kind == "title":
        sheet.write_string(r, 0, row.text, formats.title)
        sheet.set_row(r, 22)
    elif row.kind == "subtitle":  # wrapped across the sheet's columns: it does not widen the page
        sheet.merge_range(r, 0, r, note_col, row.text, formats.subtitle_wrapped)
        sheet.set_row(r, 15 * max(1, math.ceil(len(row.text) / (VALUE_WIDTH * (note_col - 1) + NOTE_WIDTH + 14))))
    elif row.kind == "section":
        fmt = formats.sections[row.section]
        index = formats.section_index[row.section]
        sheet.write_string(r, 0, row.text, fmt)
        width = _section_width(plan, r)
        for c in range(1, note_col + 1):
            j, beside = divmod(c - FIRST_VALUE_COL, stride)
            if 0 <= j < width and not beside:  # the element index of each column, as check and the terminal name it
                sheet.write_string(r, c, f"[{j}]", index)
            elif 0 <= j < width and element is not None and _checked_section(plan, r, element):
                sheet.write_string(r, c, "✓✗", formats.section_check[row.section])
            else:
                sheet.write_blank(r, c, None, fmt)
    elif row.kind == "info":
        sheet.write_string(r, 0, row.text, formats.label)
        sheet.write_number(r, FIRST_VALUE_COL, row.number, formats.integer)
        sheet.write_string(r, note_col, row.note, formats.note)
    elif row.kind == "quantity" and row.quantity is not None:
        q = row.quantity
        label_format = formats.result_label if formats.value(q) is formats.result else formats.label
        if row.matrix_row == 0:
            sheet.write_string(r, 0, q.label, label_format)
            if q.note:
                sheet.write_string(r, note_col, q.note, formats.note)
        else:  # a matrix's next rows: their row index (W2[1,0] is row [1,·], column [0]; row [0,·] is the label's)
            sheet.write_string(r, 0, f"[{row.matrix_row},·]", formats.row_index)
        fmt = formats.value(q)
        start = row.matrix_row * q.cols
        for c in range(q.cols):
            i = start + c
            key = q.keys[i]
            col = FIRST_VALUE_COL + c * stride
            if element is not None:
                element.element(sheet, r, col, q, i)
            elif q.exprs is None:
                sheet.write_number(r, col, values[key], fmt)
            else:
                value = values[key]
                cached = value if math.isfinite(value) else ERROR_VALUE
                sheet.write_formula(r, col, render(q.exprs[i], cells), fmt, cached)


def _write_summary(workbook: xlsxwriter.Workbook, formats: Formats, layout: BlocksLayout, trace: Trace) -> None:
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
            sheet.write_formula(r, c, "=" + cells.ref(key), fmt, value if math.isfinite(value) else ERROR_VALUE)
    first, last = header_row + 1, header_row + len(trace.iterations)
    chart = _loss_chart(workbook, "Summary", first, last, len(headers) - 1, trace.losses)
    sheet.insert_chart(header_row, side, chart)
    loss_col = xl_col_to_name(len(headers) - 1)
    span = f"{loss_col}{first + 1}:{loss_col}{last + 1}"
    best = min(range(len(trace.losses)), key=lambda t: _finite_key(trace.losses[t]))
    at = header_row + 17
    sheet.write_string(at, len(headers) + 1, "lowest L", formats.label)
    sheet.write_formula(at, len(headers) + 2, f"=MIN({span})", formats.result, _finite_or_error(trace.losses[best]))
    sheet.write_string(at + 1, len(headers) + 1, "at iteration", formats.label)
    cell = xl_rowcol_to_cell(at, len(headers) + 2)
    sheet.write_formula(at + 1, len(headers) + 2, f"=MATCH({cell},{span},0)-1", formats.integer, best)
    last_row, right = _write_samples(
        sheet, formats, cells, network, trace.iterations[-1], trace.values, row=at + 3, col=side
    )
    right = max(right, printing.columns_under(side, LOSS_CHART_PX, widths))
    printing.print_whole(sheet, last_row=max(last, header_row + 16, last_row), last_col=right, landscape=True)
    sheet.repeat_rows(header_row)


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
            sheet.write_formula(r, col + c, "=" + cells.ref(key), fmt, _finite_or_error(value))
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
