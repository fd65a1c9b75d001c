"""Where every quantity goes in the workbook: the blocks layout, one sheet per iteration.

A layout is a list of sheet plans (rows of titles, section headers and quantities) and the cell
of every key, so that formulas can refer to the cells of the quantities they read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from xlsxwriter.utility import xl_rowcol_to_cell

from sheetnet.graph import Key
from sheetnet.net import (
    BACKPROP,
    FORWARD,
    HYPERPARAMETERS,
    LOSS,
    MEAN,
    PARAMETERS,
    UPDATE,
    IterationGraph,
    Quantity,
    hyper_key,
    hyperparameters,
    loss_text,
    optimizer_text,
)
from sheetnet.spec import Network

FIRST_VALUE_COL = 1  # column B: column A holds the labels

SECTION_TITLES = {
    PARAMETERS: "Parameters used in this iteration",
    FORWARD: "Forward",
    LOSS: "Loss",
    BACKPROP: "Backpropagation",
    MEAN: "Mean over the samples",
    UPDATE: "Update",
}


@dataclass(frozen=True)
class Row:
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


@dataclass(frozen=True)
class Cell:
    sheet: str
    row: int
    col: int


def sheet_ref(sheet: str) -> str:
    """A sheet name as a formula writes it: quoted when it has anything but letters and digits."""
    return sheet if sheet.isalnum() else "'" + sheet.replace("'", "''") + "'"


class BlocksLayout:
    """Setup, Summary, then one sheet per iteration, each reading like a page of the notes."""

    def __init__(self, network: Network, setup: Sequence[Quantity], iterations: Sequence[IterationGraph]) -> None:
        self.network = network
        self.cells: dict[Key, Cell] = {}
        self.names: dict[Key, str] = {hyper_key(name): defined for name, (_, defined) in HYPERPARAMETERS.items()}
        self.setup = self._setup_plan(setup)
        self.iterations = [self._iteration_plan(graph) for graph in iterations]
        for plan in [self.setup, *self.iterations]:
            self._place(plan)

    def _setup_plan(self, setup: Sequence[Quantity]) -> SheetPlan:
        n = self.network
        plan = SheetPlan("Setup")
        plan.title(
            f"sheetnet · a {n.shape_text} network",
            f"hidden layers: {n.activation}, output: {n.output_activation}, loss: {loss_text(n)}, {optimizer_text(n)}"
            + ("" if n.train_biases else ", biases held fixed"),
        )
        plan.rows.append(
            Row(
                "subtitle",
                "Yellow cells are inputs: change one and every iteration recomputes. Every other cell is a formula;"
                " grey ones copy a value from another sheet, bold ones are ŷ, L and the updated parameters.",
            )
        )
        plan.section(PARAMETERS, "Training")
        for quantity in setup:
            if quantity.name in HYPERPARAMETERS:
                plan.quantity(quantity)
        plan.rows.append(
            Row(
                "info",
                "iterations",
                number=n.iters,
                note="one sheet each; to change it, run sheetnet again with --iters",
            )
        )
        plan.section(FORWARD, "Samples" if len(n.samples) > 1 else "Sample")
        for quantity in setup:
            if quantity.name in ("x", "y"):
                plan.quantity(quantity)
        plan.section(PARAMETERS, "Initial parameters")
        for quantity in setup:
            if quantity.name[0] in "WB":
                plan.quantity(quantity)
        return plan

    def _iteration_plan(self, graph: IterationGraph) -> SheetPlan:
        t = graph.t
        n = self.network
        several = len(n.samples) > 1
        plan = SheetPlan(iteration_sheet(t))
        source = "Setup" if t == 0 else f"the update of {iteration_sheet(t - 1)}"
        names = ", ".join(f"{name} = {HYPERPARAMETERS[name][1]}" for name in hyperparameters(n))
        plan.title(f"Iteration {t}", f"Parameters from {source}; named cells on Setup: {names}.")
        current = None
        for quantity in graph.quantities:
            group = (quantity.section, quantity.sample)
            if group != current:
                current = group
                title = SECTION_TITLES[quantity.section]
                if quantity.section == MEAN:
                    title = f"Mean over the {len(n.samples)} samples: the loss and the gradients of this iteration"
                elif quantity.section == UPDATE:
                    title = f"Update: {optimizer_text(n)}"
                elif several and quantity.sample is not None:
                    title = f"{title} · sample {quantity.sample + 1}"
                plan.section(quantity.section, title)
            plan.quantity(quantity)
        return plan

    def _place(self, plan: SheetPlan) -> None:
        for row, item in enumerate(plan.rows):
            if item.kind != "quantity" or item.quantity is None:
                continue
            q = item.quantity
            start = item.matrix_row * q.cols
            for c in range(q.cols):
                self.cells[q.keys[start + c]] = Cell(plan.name, row, FIRST_VALUE_COL + c)

    def address(self, key: Key, *, absolute: bool = False) -> str:
        cell = self.cells[key]
        return xl_rowcol_to_cell(cell.row, cell.col, row_abs=absolute, col_abs=absolute)

    def on(self, sheet: str) -> SheetCells:
        """The references formulas on `sheet` write."""
        return SheetCells(self, sheet)


class SheetCells:
    """Renders references as seen from one sheet (implements `graph.Cells`)."""

    def __init__(self, layout: BlocksLayout, sheet: str) -> None:
        self.layout = layout
        self.sheet = sheet

    def ref(self, key: Key) -> str:
        name = self.layout.names.get(key)
        if name is not None:
            return name
        cell = self.layout.cells[key]
        address = xl_rowcol_to_cell(cell.row, cell.col)
        return address if cell.sheet == self.sheet else f"{sheet_ref(cell.sheet)}!{address}"

    def span(self, keys: Sequence[Key]) -> str | None:
        cells = [self.layout.cells[k] for k in keys]
        first, last = cells[0], cells[-1]
        same_row = all(
            c.sheet == first.sheet and c.row == first.row and c.col == first.col + n for n, c in enumerate(cells)
        )
        same_col = all(
            c.sheet == first.sheet and c.col == first.col and c.row == first.row + n for n, c in enumerate(cells)
        )
        if not (same_row or same_col):
            return None
        text = f"{xl_rowcol_to_cell(first.row, first.col)}:{xl_rowcol_to_cell(last.row, last.col)}"
        return text if first.sheet == self.sheet else f"{sheet_ref(first.sheet)}!{text}"


def iteration_sheet(t: int) -> str:
    return f"Iteration {t}"
