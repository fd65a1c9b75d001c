"""Write a run as an .xlsx workbook of live formulas, each with its value cached (XlsxWriter).

The file is written next to its destination under a temporary name and moved into place, so an
interrupted run leaves any earlier file untouched, and sealed (`sheetnet.outputs`): only a
workbook of sheetnet's that nobody changed since is replaced without `force`. Nothing is built
before the run is known to fit (`sheetnet.capacity`).

The sheets of a plan (Setup, an iteration), the rows layout's Training sheet streamed row by
row, and the exercise sheets are written here; the Summary by `sheetnet.summary`; the workbook
of several η (`sheetnet.rates`) is made of the same pieces.
"""

from __future__ import annotations

import contextlib
import gc
import io
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from sheetnet import __version__, printing
from sheetnet.capacity import check_fits
from sheetnet.errors import OutputError
from sheetnet.formats import VALUE_WIDTH, Formats
from sheetnet.graph import Key, render
from sheetnet.layout import (
    BLOCKS,
    FIRST_VALUE_COL,
    RATE_COL,
    RATE_ROW,
    ROWS,
    TRAINING,
    BlocksLayout,
    Row,
    RowsLayout,
    SheetCells,
    SheetPlan,
    samples_words,
    sheet_ref,
)
from sheetnet.net import MEAN, PARAMETERS, IterationGraph, Quantity, reduction_word
from sheetnet.outputs import (
    WORKBOOK_MARK,
    check_extension,
    check_target,
    replaced_atomically,
    seal_workbook,
    workbook_state,
)
from sheetnet.spec import NETWORK_PROPERTY, Network, network_property
from sheetnet.summary import write_rows_summary, write_summary
from sheetnet.trace import Run, Trace
from sheetnet.worksheet import FormulaBook, finite_or_error

if TYPE_CHECKING:
    from sheetnet.exercise import Exercise
    from sheetnet.training_rows import RowWriter, RowWriterType

NOTE_WIDTH = 38
CHECK_WIDTH = 3.5  # an exercise's self-check column: ✓ or ✗


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


def new_workbook(
    filename: str | io.BytesIO, network: Network, *, constant_memory: bool = False, rate_sheets: int = 1
) -> xlsxwriter.Workbook:
    """A workbook for a run of `network` (of `rate_sheets` η), its document properties saying that
    sheetnet wrote it (`WORKBOOK_MARK`) and, for `init --from`, the network's kind."""
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
    workbook.set_custom_property(WORKBOOK_MARK, __version__)
    kind = network_property(network, rate_sheets)
    if kind is not None:  # `sheetnet init --from` reads the network's kind from here, its numbers from Setup
        workbook.set_custom_property(NETWORK_PROPERTY, kind)
    return workbook


def define_names(workbook: xlsxwriter.Workbook, layout: BlocksLayout | RowsLayout) -> None:
    """The layout's defined names (`lr`: η, …), each pointing at its cell."""
    for key, name in layout.names.items():
        if key in layout.cells:
            cell = layout.cells[key]
            workbook.define_name(name, f"={sheet_ref(cell.sheet)}!{layout.address(key, absolute=True)}")


def _write(trace: Trace, filename: str, progress: Progress | None) -> None:
    network = trace.network
    layout = BlocksLayout(network, trace.setup, trace.iterations)
    workbook = new_workbook(filename, network)
    formats = Formats(workbook)
    write_plan(workbook, formats, layout, trace.values, layout.setup)
    define_names(workbook, layout)
    write_summary(workbook, formats, layout, trace)
    for plan in layout.iterations:
        write_plan(workbook, formats, layout, trace.values, plan)
        if progress is not None:
            progress()
    workbook.close()


def _write_exercise(trace: Trace, filename: str, exercise: Exercise, progress: Progress | None) -> None:
    """An exercise: Setup, then the iteration sheets with their answer cells, then the key."""
    from sheetnet.exercise import PROPERTY, ExerciseWriter

    network = trace.network
    layout = BlocksLayout(network, trace.setup, trace.iterations)
    workbook = new_workbook(filename, network)
    workbook.set_custom_property(PROPERTY, f"{exercise.part}{'' if exercise.key else ', no key'}")
    formats = Formats(workbook)
    writer = ExerciseWriter(trace, layout, exercise, formats)
    setup = layout.setup
    at = next(r for r, row in enumerate(setup.rows) if row.kind == "subtitle" and row.text.startswith("Yellow"))
    setup.rows[at] = setup.rows[at]._replace(text=writer.setup_subtitle())
    write_plan(workbook, formats, layout, trace.values, setup)
    define_names(workbook, layout)
    for plan in layout.iterations:
        plan.rows[1] = plan.rows[1]._replace(text=writer.iteration_subtitle(plan.rows[1].text))
        sheet = write_plan(workbook, formats, layout, trace.values, plan, stride=writer.stride, element=writer)
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
    workbook = new_workbook(parts, network, constant_memory=True)
    formats = Formats(workbook)
    sheets: list[Worksheet] = []

    def first_rows(layout: RowsLayout, values: Mapping[Key, float]) -> None:  # Setup, then Summary, then Training
        write_plan(workbook, formats, layout, values, layout.setup)
        define_names(workbook, layout)
        sheets.append(workbook.add_worksheet("Summary"))

    layout, losses, last, values, writer = write_training_rows(
        workbook, formats, source, progress, before=first_rows, own_rate=False, row_writer=row_writer
    )
    (summary,) = sheets
    write_rows_summary(workbook, summary, formats, layout, losses, last, values)
    close_spliced(workbook, parts, filename, [writer])


def close_spliced(
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


def write_training_rows(
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


# Writes element `i` of a quantity at (row, col): the exercise sheets' answer and given cells.
class ElementWriter(Protocol):
    """Writes the values of the iteration sheets of an exercise (`sheetnet.exercise.ExerciseWriter`)."""

    def element(self, sheet: Worksheet, row: int, col: int, quantity: Quantity, i: int) -> None:
        """Element `i` of `quantity` at (row, col), and its self-check beside it."""

    def checked(self, quantity: Quantity) -> bool:
        """True if the quantity has answers (and so self-checks)."""


def write_plan(
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
                cached = finite_or_error(value)
                sheet.write_formula(r, col, render(q.exprs[i], cells), fmt, cached)
