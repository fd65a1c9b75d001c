"""Where every quantity goes in the workbook: one sheet per iteration (blocks) or one row (rows).

A layout gives the cell of every key, so that formulas can refer to the cells of the quantities
they read. Both layouts share the Setup sheet, a plan of rows (titles, section headers and
quantities). The blocks layout plans each iteration's sheet the same way; the rows layout
computes a key's cell from its iteration and column, so it holds nothing per iteration.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from sheetnet.graph import Key
from sheetnet.net import (
    BACKPROP,
    CARRIED,
    FORWARD,
    HYPERPARAMETERS,
    LOSS,
    MEAN,
    PARAMETERS,
    UPDATE,
    IterationGraph,
    Quantity,
    batch_text,
    hyper_key,
    hyperparameters,
    loss_text,
    lr_key,
    optimizer_text,
    reduction_word,
    summed_text,
)
from sheetnet.spec import Network, rate_text

BLOCKS, ROWS = "blocks", "rows"  # a sheet per iteration, or a row each on one sheet
LAYOUTS = (BLOCKS, ROWS)

FIRST_VALUE_COL = 1  # column B: column A holds the labels

UPDATE_NAMES = {"sgd": "gradient descent", "momentum": "SGD with momentum", "adam": "Adam"}

SECTION_TITLES = {
    PARAMETERS: "Parameters used in this iteration",
    FORWARD: "Forward",
    LOSS: "Loss",
    BACKPROP: "Backpropagation",
    MEAN: "Mean over the samples",
    UPDATE: "Update",
}


# Records of a few fields are NamedTuples, not frozen dataclasses: a dataclass compiles six methods
# as its module is imported, milliseconds of `sheetnet run`'s start-up (bench/startup.py) for three.
# A dataclass here has a docstring: without one, `dataclass` makes one from the class's signature,
# and the first `inspect.signature` of a process costs milliseconds more.
class Row(NamedTuple):
    """One row of a sheet: a title, a section header, a blank, or one row of a quantity."""

    kind: str  # "title" | "subtitle" | "section" | "quantity" | "info" | "blank"
    text: str = ""
    number: float = 0.0
    note: str = ""
    section: str = ""
    quantity: Quantity | None = None
    matrix_row: int = 0


@dataclass
class SheetPlan:
    """A sheet of the blocks layout as a list of rows, top to bottom, and how many value columns it needs."""

    name: str
    rows: list[Row] = field(default_factory=list)
    value_cols: int = 1

    @property
    def note_col(self) -> int:
        return FIRST_VALUE_COL + self.value_cols

    def title(self, text: str, subtitle: str = "") -> None:
        self.rows.append(Row("title", text))
        if subtitle:
            self.rows.append(Row("subtitle", subtitle))

    def section(self, section: str, text: str | None = None) -> None:
        if self.rows:
            self.rows.append(Row("blank"))
        self.rows.append(Row("section", text or SECTION_TITLES[section], section=section))

    def quantity(self, quantity: Quantity) -> None:
        for r in range(quantity.rows):
            self.rows.append(Row("quantity", section=quantity.section, quantity=quantity, matrix_row=r))
        self.value_cols = max(self.value_cols, quantity.cols)


class Cell(NamedTuple):
    """Where a quantity's element is: its sheet, and its row and column there (0-based)."""

    sheet: str
    row: int
    col: int


def sheet_ref(sheet: str) -> str:
    """A sheet name as a formula writes it: quoted when it has anything but letters and digits."""
    return sheet if sheet.isalnum() else "'" + sheet.replace("'", "''") + "'"


def setup_plan(n: Network, setup: Sequence[Quantity], iterations_note: str, rates_note: str = "") -> SheetPlan:
    """The Setup sheet: η and the other hyperparameters, the samples, the initial parameters.

    With `rates_note` (a run of several η), η is not on Setup: each η sheet holds its own, and
    the note says where, in η's place.
    """
    plan = SheetPlan("Setup")
    plan.title(
        f"sheetnet · a {n.shape_text} network",
        f"hidden layers: {n.activation}, output: {n.output_activation}, loss: {loss_text(n)}{summed_text(n)}, "
        f"{optimizer_text(n)}" + ("" if n.train_biases else ", biases held fixed"),
    )
    plan.rows.append(
        Row(
            "subtitle",
            "Yellow cells are inputs: change one and every iteration recomputes. Every other cell is a formula;"
            " grey ones copy a value from another sheet, bold ones are ŷ, L and the updated parameters.",
        )
    )
    plan.section(PARAMETERS, "Training")
    if rates_note:
        plan.rows.append(Row("subtitle", rates_note))
    for quantity in setup:
        if quantity.name in HYPERPARAMETERS and not (rates_note and quantity.name == "η"):
            plan.quantity(quantity)
    plan.rows.append(
        Row(
            "info",
            "iterations",
            number=n.iters,
            note=iterations_note,
        )
    )
    if n.batched:
        plan.rows.append(Row("info", "batch size", number=n.per_update, note=batch_text(n)))
    plan.section(FORWARD, "Samples" if len(n.samples) > 1 else "Sample")
    for quantity in setup:
        if quantity.name in ("x", "y"):
            plan.quantity(quantity)
    plan.section(PARAMETERS, "Initial parameters")
    for quantity in setup:
        if quantity.name[0] in "WB":
            plan.quantity(quantity)
    return plan


def place(plan: SheetPlan, cells: dict[Key, Cell]) -> None:
    """Record the cell of every key a plan's quantity rows hold."""
    for row, item in enumerate(plan.rows):
        if item.kind != "quantity" or item.quantity is None:
            continue
        q = item.quantity
        start = item.matrix_row * q.cols
        for c in range(q.cols):
            cells[q.keys[start + c]] = Cell(plan.name, row, FIRST_VALUE_COL + c)


class BlocksLayout:
    """Setup, Summary, then one sheet per iteration, each reading like a page of the notes."""

    def __init__(self, network: Network, setup: Sequence[Quantity], iterations: Sequence[IterationGraph]) -> None:
        self.network = network
        self.cells: dict[Key, Cell] = {}
        self.names: dict[Key, str] = {hyper_key(name): defined for name, (_, defined) in HYPERPARAMETERS.items()}
        self.absolute: set[Key] = set()
        self.setup = setup_plan(network, setup, "a sheet each (sheetnet run --iters N)")
        self.iterations = [self._iteration_plan(graph) for graph in iterations]
        for plan in [self.setup, *self.iterations]:
            place(plan, self.cells)

    def _iteration_plan(self, graph: IterationGraph) -> SheetPlan:
        t = graph.t
        n = self.network
        several = len(n.samples) > 1
        plan = SheetPlan(iteration_sheet(t))
        source = "Setup" if t == 0 else f"the update of {iteration_sheet(t - 1)}"
        names = ", ".join(f"{name} = {HYPERPARAMETERS[name][1]}" for name in hyperparameters(n))
        plan.title(f"Iteration {t}", f"Parameters from {source}; named cells on Setup: {names}." + used_text(graph, n))
        current = None
        for quantity in graph.quantities:
            group = (quantity.section, quantity.sample)
            if group != current:
                current = group
                title = SECTION_TITLES[quantity.section]
                if quantity.section == MEAN:
                    title = (
                        f"{reduction_word(n).capitalize()} over the {graph.samples} samples"  # short: indices follow
                    )
                elif quantity.section == UPDATE:
                    title = f"Update: {UPDATE_NAMES[n.optimizer]}"  # each row's label gives its rule
                elif several and quantity.sample is not None:
                    title = f"{title} · sample {graph.sample_of(quantity.sample)}"
                plan.section(quantity.section, title)
            plan.quantity(quantity)
        return plan

    def cell(self, key: Key) -> Cell:
        return self.cells[key]

    def address(self, key: Key, *, absolute: bool = False) -> str:
        cell = self.cell(key)
        return xl_rowcol_to_cell(cell.row, cell.col, row_abs=absolute, col_abs=absolute)

    def on(self, sheet: str) -> SheetCells:
        """The references formulas on `sheet` write."""
        return SheetCells(self, sheet)


class SheetCells:
    """Renders references as seen from one sheet (implements `graph.Cells`)."""

    def __init__(self, layout: BlocksLayout | RowsLayout, sheet: str) -> None:
        self.layout = layout
        self.sheet = sheet

    def ref(self, key: Key) -> str:
        name = self.layout.names.get(key)
        if name is not None:
            return name
        cell = self.layout.cell(key)
        if key in self.layout.absolute:  # the same cell from every row: `$B$2`
            address = xl_rowcol_to_cell(cell.row, cell.col, row_abs=True, col_abs=True)
        else:
            address = self.address(cell)
        return address if cell.sheet == self.sheet else f"{sheet_ref(cell.sheet)}!{address}"

    def address(self, cell: Cell) -> str:
        return xl_rowcol_to_cell(cell.row, cell.col)

    def span(self, keys: Sequence[Key]) -> str | None:
        return span_of([self.layout.cell(k) for k in keys], self.sheet, self.address)


def span_of(cells: Sequence[Cell], here: str, address: Callable[[Cell], str]) -> str | None:
    """`B7:F7` (or `'Iteration 0'!B7:F7` from another sheet) if the cells fill a row or a column
    in order, else None."""
    first, last = cells[0], cells[-1]
    same_row = all(
        c.sheet == first.sheet and c.row == first.row and c.col == first.col + n for n, c in enumerate(cells)
    )
    same_col = all(
        c.sheet == first.sheet and c.col == first.col and c.row == first.row + n for n, c in enumerate(cells)
    )
    if not (same_row or same_col):
        return None
    text = f"{address(first)}:{address(last)}"
    return text if first.sheet == here else f"{sheet_ref(first.sheet)}!{text}"


class RowTemplates(SheetCells):
    """Training formulas as templates of the row they are in: `B{r0}` is its own row, `B{r1}` the
    row above. One template serves every row whose formula has the same shape."""

    def __init__(self, layout: RowsLayout) -> None:
        super().__init__(layout, layout.sheet)
        self.rows = layout
        self.own_row = 0
        self.letters: dict[int, str] = {}
        self.refs: dict[tuple[str, int, int, int], str] = {}

    def ref(self, key: Key) -> str:
        """As `SheetCells.ref`, remembered by where the key is from the row: its text depends on
        nothing else (a Setup key, t = −1, is the same from every row)."""
        place = (key.q, key.s, key.i, key.t if key.t < 0 else self.own_row - self.rows.row(key.t))
        text = self.refs.get(place)
        if text is None:
            text = self.refs[place] = super().ref(key)
        return text

    def address(self, cell: Cell) -> str:
        if cell.sheet != self.sheet:
            return super().address(cell)
        letters = self.letters.get(cell.col)
        if letters is None:
            letters = self.letters[cell.col] = xl_col_to_name(cell.col)
        return f"{letters}{{r{self.own_row - cell.row}}}"

    @staticmethod
    def fill(template: str, row: int) -> str:
        """The formula of a template in (0-based) `row`."""
        return template.format(r0=row + 1, r1=row, r2=row - 1)


def samples_words(batch: Sequence[int]) -> str:
    """`sample 2`, `samples 2, 0`: the samples an iteration uses."""
    return f"sample{'s' if len(batch) > 1 else ''} {', '.join(map(str, batch))}"


def used_text(graph: IterationGraph, network: Network) -> str:
    """` Samples 2, 0 used in this iteration.` when an iteration uses fewer than all the samples."""
    if not network.batched:
        return ""
    return f" {samples_words(graph.batch).capitalize()} used in this iteration."


def iteration_sheet(t: int) -> str:
    return f"Iteration {t}"


TRAINING = "Training"
TRAINING_FIRST_ROW = 4  # title, subtitle, quantity headers, element headers; then iteration 0
RATE_ROW, RATE_COL = 1, FIRST_VALUE_COL  # an η sheet's own η, in B2 (its label in A2)
RATES_NOTE = (
    f"η: one per sheet, the yellow cell {xl_rowcol_to_cell(RATE_ROW, RATE_COL)} of each η sheet (η = …): "
    "change it there and that sheet recomputes"
)


def rate_sheet(lr: float) -> str:
    """The sheet of a run of several η that trains with `lr`: `η = 0.1`. A legal Excel sheet name
    (at most 31 characters, none of []:*?/\\) that reads back as the same number."""
    return f"η = {rate_text(lr)}"


class ColumnGroup(NamedTuple):
    """The columns of one quantity on the Training sheet (iteration 0's quantity stands for all)."""

    quantity: Quantity
    first_col: int

    @property
    def last_col(self) -> int:
        return self.first_col + len(self.quantity.keys) - 1


class RowsLayout:
    """Setup, Summary and Training: one row per iteration, each row's formulas reading the row above.

    A row holds the parameters used in its iteration, then per sample S, f(S), ŷ, L, Δ and the
    gradients, the means (or sums) over the samples and the optimizer's state. The update of
    iteration t is the parameters of row t + 1, so the last row holds the parameters after the last
    update. The sample's x and y stay on Setup, where the formulas read them; when an iteration uses
    fewer than all the samples (`batch_size`), they change from row to row: a row's first column
    says which samples it uses, and it copies their x and y from Setup into columns of its own
    (`=Setup!B11`, a formula whose template differs from row to row, so `training_rows.StreamedRows`
    renders it for every row), which its other formulas read.

    With `own_rate` (a run of several η) the rows go on the sheet `rate_sheet(network.lr)`, which
    holds its own η in B2 (`$B$2` in every formula) instead of reading `lr` from Setup.
    """

    def __init__(
        self, network: Network, setup: Sequence[Quantity], first: IterationGraph, *, own_rate: bool = False
    ) -> None:
        self.network = network
        self.sheet = rate_sheet(network.lr) if own_rate else TRAINING
        self.cells: dict[Key, Cell] = {}  # the Setup sheet's keys; Training cells are computed
        self.names: dict[Key, str] = {hyper_key(name): defined for name, (_, defined) in HYPERPARAMETERS.items()}
        self.absolute: set[Key] = set()
        self.setup = setup_plan(network, setup, "a row each (sheetnet run --iters N)", RATES_NOTE if own_rate else "")
        place(self.setup, self.cells)
        if own_rate:
            del self.names[lr_key()]
            self.cells[lr_key()] = Cell(self.sheet, RATE_ROW, RATE_COL)
            self.absolute.add(lr_key())
        self.groups: list[ColumnGroup] = []
        self.columns: dict[tuple[str, int, int], int] = {}
        self.aliases: dict[tuple[str, int, int], Key] = {}  # a copy of x or y → its Setup key
        self.next_row: dict[str, str] = {}  # an updated parameter → the parameter it becomes, a row down
        col = FIRST_VALUE_COL
        # an iteration that uses fewer than all the samples says which, in words (a number there
        # would read as a number of the run to `check`)
        self.samples_col = col if network.batched else None
        col += network.batched
        for quantity in first.quantities:
            if quantity.section == UPDATE and quantity.name in self._parameters(first):
                self.next_row[quantity.keys[0].q] = first.get(quantity.name).keys[0].q
                continue
            if quantity.role == CARRIED and quantity.section != PARAMETERS and not network.batched:
                for key, expr in zip(quantity.keys, quantity.exprs or (), strict=True):
                    self.aliases[(key.q, key.s, key.i)] = expr.key  # type: ignore[attr-defined]
                continue
            self.groups.append(ColumnGroup(quantity, col))
            for key in quantity.keys:
                self.columns[(key.q, key.s, key.i)] = col
                col += 1
        self.width = col  # columns used, including column A
        self.loss_col = self.columns[_slot(first.loss().keys[0])]

    @staticmethod
    def _parameters(first: IterationGraph) -> set[str]:
        return {q.name for q in first.quantities if q.section == PARAMETERS}

    def row(self, t: int) -> int:
        """The Training row of iteration t (t = iters: the parameters after the last update)."""
        return TRAINING_FIRST_ROW + t

    def parameters(self, graph: IterationGraph) -> list[Quantity]:
        """The parameters used in an iteration (row 0 writes them; later rows get the updates)."""
        return [q for q in graph.quantities if q.section == PARAMETERS]

    def updates(self, graph: IterationGraph) -> list[Quantity]:
        """An iteration's updated parameters: the parameters of the row below."""
        return [q for q in graph.quantities if q.keys[0].q in self.next_row]

    def in_row(self, graph: IterationGraph) -> list[Quantity]:
        """What an iteration's own row holds: everything but the parameters and the copies of x, y."""
        return [
            q
            for q in graph.quantities
            if q.section != PARAMETERS and q.keys[0].q not in self.next_row and _slot(q.keys[0]) not in self.aliases
        ]

    def cell(self, key: Key) -> Cell:
        if key.t < 0:
            return self.cells[key]
        slot = _slot(key)
        alias = self.aliases.get(slot)
        if alias is not None:
            return self.cells[alias]
        below = self.next_row.get(key.q)
        if below is not None:
            return Cell(self.sheet, self.row(key.t + 1), self.columns[(below, key.s, key.i)])
        return Cell(self.sheet, self.row(key.t), self.columns[slot])

    def address(self, key: Key, *, absolute: bool = False) -> str:
        cell = self.cell(key)
        return xl_rowcol_to_cell(cell.row, cell.col, row_abs=absolute, col_abs=absolute)

    def on(self, sheet: str) -> SheetCells:
        return SheetCells(self, sheet)


def _slot(key: Key) -> tuple[str, int, int]:
    return (key.q, key.s, key.i)
