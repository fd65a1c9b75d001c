"""Exercise sheets: a run's workbook with its computed cells left empty for a student to fill.

Every label, note and layout is the run's, and Setup and the parameters of iteration 0 are
given. Each cell of the part left as an exercise is an empty answer cell, and beside it a
self-check cell shows ✓ or ✗ once it is filled. The key is a hidden sheet with one row per
number of the run:

- C, the value: the run itself, as formulas of Setup (change η there and the key follows);
- D, the number used: what the student typed, where it is a number, else the value;
- E, the expected number: the cell's formula over the numbers used. A slip is judged once; the
  cells after it are judged on the student's own numbers (the rule `sheetnet check` follows);
- F, ✓ or ✗: the student's number within the precision it was typed to (check's tolerance);
- H, for an updated parameter, the parameter used plus the student's own step (W + (−η·∂L/∂W)),
  which is right too: a wrong step added to W is one slip, not two.

The cells given to the student are formulas over the numbers used, so that what they read
agrees with what they typed before. Without a key (`--no-key`, a sheet a teacher grades with
`sheetnet check`) the given cells hold their numbers and there are no self-check cells.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from sheetnet.formats import Formats
from sheetnet.graph import Add, Expr, Key, Ref, Sub, render
from sheetnet.layout import FIRST_VALUE_COL, BlocksLayout, Cell, sheet_ref, span_of
from sheetnet.net import BACKPROP, COMPUTED, LOSS, MEAN, PARAMETERS, UPDATE, Quantity
from sheetnet.spec import EXERCISE_PROPERTY, KEY_SHEET
from sheetnet.trace import Trace

PARTS = ("all", "backward", "update")
KEY_TITLE = "sheetnet answer key"  # A1 of the key sheet: `check` leaves such a hidden sheet out
PROPERTY = EXERCISE_PROPERTY
RIGHT, WRONG = "✓", "✗"
KEY_FIRST_ROW = 3  # title, explanation, headers; then one row per number of the run

# check's rule (judge.Tolerance.of) as formulas. The decimals d a number {a} is typed to: how many
# of the roundings to 0 … 15 places change it. Within the tolerance of {e}: 10^−max(4, d)·(5 + |e|),
# or 10⁻⁹ relative for a number typed to full precision.
_DECIMALS = "=IFERROR(SUMPRODUCT(--(ROUND({a},{{0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15}})<>{a})),0)"
_WITHIN = "ABS({a}-{e})<=MAX(10^-MAX(4,{d})*(5+ABS({e})),1E-9*ABS({e}))+1E-15"


def _verdict(a: str, accepted: Sequence[str], decimals: str) -> str:
    """✓ if the answer in `a` is one of the `accepted` numbers: the one that follows from the
    student's own earlier numbers, the run's (check accepts either), and for an updated parameter
    the one used plus the student's own step; ✗ if not (or not a number); "" while it is empty."""
    within = ",".join(_WITHIN.format(a=a, e=e, d=decimals) for e in accepted)
    return f'=IFERROR(IF(ISBLANK({a}),"",IF(ISNUMBER({a}),IF(OR({within}),"{RIGHT}","{WRONG}"),"{WRONG}")),"{WRONG}")'


@dataclass(frozen=True)
class Exercise:
    """The part left to the student (`all`, `backward`: the forward pass given, `update`: the
    gradients given) and whether the workbook carries its key and self-check cells."""

    part: str = "all"
    key: bool = True

    @property
    def description(self) -> str:
        given = {
            "all": "the parameters of iteration 0",
            "backward": "the parameters of iteration 0 and each forward pass",
            "update": "the parameters of iteration 0, each forward pass and its gradients",
        }[self.part]
        return f"{self.part} (given: {given})" + ("" if self.key else ", no key")


def is_answer(quantity: Quantity, part: str) -> bool:
    """True if `quantity` is for the student to compute in an exercise on `part`."""
    if quantity.role != COMPUTED or quantity.section == PARAMETERS or quantity.name == "step":
        return False  # inputs and copies are given; so is Adam's step count (1, 2, 3, …)
    if part == "all":
        return True
    if part == "backward":  # the forward pass and its loss given; Δ starts the backward pass
        return quantity.section in (BACKPROP, UPDATE) or (quantity.section in (LOSS, MEAN) and quantity.name != "L")
    return quantity.section == UPDATE


class _Roles:
    """Which keys are answers, and where every copy comes from."""

    def __init__(self, trace: Trace, part: str) -> None:
        self.answers: set[Key] = set()
        self.sources: dict[Key, Key] = {}
        self.computed: set[Key] = set()
        for graph in trace.iterations:
            for quantity in graph.quantities:
                if quantity.role == COMPUTED:
                    self.computed.update(quantity.keys)
                    if is_answer(quantity, part):
                        self.answers.update(quantity.keys)
                else:
                    for key, expr in zip(quantity.keys, quantity.exprs or (), strict=True):
                        assert isinstance(expr, Ref)  # a copy is a reference
                        self.sources[key] = expr.key

    def from_answer(self, key: Key) -> bool:
        """True for an answer, or a copy of one (the parameters an iteration takes from the last)."""
        while key in self.sources:
            key = self.sources[key]
        return key in self.answers


def answer_count(trace: Trace, part: str) -> int:
    """How many answer cells an exercise on `part` of this run has."""
    return len(_Roles(trace, part).answers)


def answer_cells(trace: Trace, exercise: Exercise) -> dict[Key, Cell]:
    """Where each answer of the exercise sheet of this run is (row and column counted from 0)."""
    layout = BlocksLayout(trace.network, trace.setup, trace.iterations)
    if exercise.key:
        _make_room_for_checks(layout, trace)
    answers = _Roles(trace, exercise.part).answers
    ordered = [k for graph in trace.iterations for q in graph.quantities for k in q.keys if k in answers]
    return {key: layout.cells[key] for key in ordered}  # in calculation order


def _make_room_for_checks(layout: BlocksLayout, trace: Trace) -> None:
    """A column for the self-check beside each value of the iteration sheets: B, D, F, … hold values."""
    for graph in trace.iterations:
        for quantity in graph.quantities:
            for key in quantity.keys:
                cell = layout.cells[key]
                layout.cells[key] = Cell(cell.sheet, cell.row, FIRST_VALUE_COL + 2 * (cell.col - FIRST_VALUE_COL))


class _Mapped:
    """References through a mapping of keys to cells (implements `graph.Cells`): the key sheet's
    columns, or the cells the student sees."""

    def __init__(self, layout: BlocksLayout, here: str, target: Callable[[Key], Cell | None]) -> None:
        self.layout, self.here, self.target = layout, here, target

    def _cell(self, key: Key) -> Cell:
        return self.target(key) or self.layout.cell(key)

    def ref(self, key: Key) -> str:
        if self.target(key) is None and key in self.layout.names:
            return self.layout.names[key]
        cell = self._cell(key)
        address = xl_rowcol_to_cell(cell.row, cell.col)
        return address if cell.sheet == self.here else f"{sheet_ref(cell.sheet)}!{address}"

    def span(self, keys: Sequence[Key]) -> str | None:
        if any(self.target(k) is None and k in self.layout.names for k in keys):
            return None
        return span_of([self._cell(k) for k in keys], self.here, lambda c: xl_rowcol_to_cell(c.row, c.col))


VALUE, USED, EXPECTED, VERDICT, DECIMALS, BY_STEP = 2, 3, 4, 5, 6, 7  # the key sheet's columns C to H


class ExerciseWriter:
    """Writes the iteration sheets and the key of an exercise (see the module's docstring)."""

    def __init__(self, trace: Trace, layout: BlocksLayout, exercise: Exercise, formats: Formats) -> None:
        self.trace, self.layout, self.exercise, self.formats = trace, layout, exercise, formats
        self.roles = _Roles(trace, exercise.part)
        self.key_rows: dict[Key, int] = {}
        row = KEY_FIRST_ROW
        for graph in trace.iterations:
            for quantity in graph.quantities:
                for key in quantity.keys:
                    self.key_rows[key] = row
                    row += 1
        if exercise.key:
            _make_room_for_checks(layout, trace)

    @property
    def stride(self) -> int:
        return 2 if self.exercise.key else 1

    def setup_subtitle(self) -> str:
        return (
            "An exercise. The pale yellow cells here are the network's inputs. On the iteration sheets, fill in "
            "the boxed yellow cells (a number, or a formula of your own)"
            + (
                "; ✓ or ✗ beside each says whether it is right, judged on your own earlier numbers."
                if self.exercise.key
                else "; your teacher checks them."
            )
        )

    def iteration_subtitle(self, text: str) -> str:
        return f"{text} Fill in the boxed yellow cells, to 4 decimals or more" + (
            ": ✓ right, ✗ not yet." if self.exercise.key else "."
        )

    def _key_cell(self, key: Key, col: int) -> Cell:
        return Cell(KEY_SHEET, self.key_rows[key], col)

    def _value(self, key: Key) -> Cell | None:
        """The key's value column, for every number but the inputs."""
        return self._key_cell(key, VALUE) if key in self.key_rows else None

    def _used(self, key: Key) -> Cell | None:
        """The number used for an answer (and its copies); the given cells as the student sees them."""
        return self._key_cell(key, USED) if key in self.key_rows and self.roles.from_answer(key) else None

    def checked(self, quantity: Quantity) -> bool:
        return self.exercise.key and any(key in self.roles.answers for key in quantity.keys)

    def element(self, sheet: Worksheet, row: int, col: int, quantity: Quantity, i: int) -> None:
        """Write element `i` of `quantity` at (row, col) of an iteration sheet, and its self-check."""
        key = quantity.keys[i]
        formats = self.formats
        value = self.trace.values[key]
        cached = value if math.isfinite(value) else "#NUM!"
        if key in self.roles.answers:
            sheet.write_blank(row, col, None, formats.answer)
            if self.exercise.key:
                verdict = f"={sheet_ref(KEY_SHEET)}!{xl_rowcol_to_cell(self.key_rows[key], VERDICT)}"
                sheet.write_formula(row, col + 1, verdict, formats.check, "")
            return
        fmt = formats.value(quantity)
        expr = (quantity.exprs or ())[i]
        if self.roles.from_answer(key):  # a copy of the student's number: empty while it is
            source = _Mapped(self.layout, sheet.name, lambda k: None).ref(self.roles.sources[key])
            sheet.write_formula(row, col, f'=IF({source}="","",{source})', fmt, "")
        elif not self.exercise.key and key in self.roles.computed:  # given, and no key to compute it from
            sheet.write_number(row, col, value, fmt) if math.isfinite(value) else sheet.write_string(row, col, "#NUM!")
        else:
            sheet.write_formula(row, col, render(expr, _Mapped(self.layout, sheet.name, self._used)), fmt, cached)

    def write_key(self, workbook: xlsxwriter.Workbook, formats: Formats) -> None:
        """The hidden, protected key sheet (see the module's docstring)."""
        sheet = workbook.add_worksheet(KEY_SHEET)
        f = formats
        sheet.write_string(0, 0, f"{KEY_TITLE}: do not edit", f.title)
        sheet.write_string(
            1,
            0,
            "value: the run; used: your number where you typed one, else the value; expected: the cell's "
            "formula over the numbers used (so one slip is judged once), and for an updated parameter also the "
            "one used plus your step; ✓: your number is one of these or the value, within the decimals you typed "
            "(at least 4).",
            f.subtitle,
        )
        headers = ["number", "cell", "value", "used", "expected", "✓", "decimals typed", "expected, from your step"]
        for c, text in enumerate(headers):
            sheet.write_string(2, c, text, f.header)
        sheet.set_column(0, 0, 26)
        sheet.set_column(1, 1, 20)
        sheet.set_column(2, 4, 16)
        sheet.set_column(BY_STEP, BY_STEP, 22)
        values = _Mapped(self.layout, KEY_SHEET, self._value)
        used = _Mapped(self.layout, KEY_SHEET, self._used)
        for graph in self.trace.iterations:
            for quantity in graph.quantities:
                step = graph.step(quantity.name) if quantity.section == UPDATE else None
                for i, (key, expr) in enumerate(zip(quantity.keys, quantity.exprs or (), strict=True)):
                    # an updated parameter is also right as the parameter used plus the student's own
                    # step (W + (−η·∂L/∂W)): a wrong step is then one ✗, not two
                    by_step = Add(expr.a, Ref(step.keys[i])) if step is not None and isinstance(expr, Sub) else None
                    self._key_row(sheet, f, quantity, i, key, expr, values, used, by_step)
        sheet.hide()
        sheet.protect()

    def _key_row(
        self,
        sheet: Worksheet,
        f: Formats,
        quantity: Quantity,
        i: int,
        key: Key,
        expr: Expr,
        values: _Mapped,
        used: _Mapped,
        by_step: Expr | None = None,
    ) -> None:
        r = self.key_rows[key]
        value = self.trace.values[key]
        cached = value if math.isfinite(value) else "#NUM!"
        student = self.layout.cells[key]
        where = f"{sheet_ref(student.sheet)}!{xl_rowcol_to_cell(student.row, student.col)}"
        sheet.write_string(r, 0, f"{quantity.element_name(i)} · iteration {key.t}")
        sheet.write_string(r, 1, where)
        sheet.write_formula(r, VALUE, render(expr, values), f.computed, cached)
        if key in self.roles.answers:
            sheet.write_formula(
                r, USED, f"=IF(ISNUMBER({where}),{where},{xl_rowcol_to_cell(r, VALUE)})", f.computed, cached
            )
            sheet.write_formula(r, EXPECTED, render(expr, used), f.computed, cached)
            decimals = xl_rowcol_to_cell(r, DECIMALS)
            sheet.write_formula(r, DECIMALS, _DECIMALS.format(a=where), f.integer, 0)
            accepted = [xl_rowcol_to_cell(r, EXPECTED), xl_rowcol_to_cell(r, VALUE)]
            if by_step is not None:
                sheet.write_formula(r, BY_STEP, render(by_step, used), f.computed, cached)
                accepted.append(xl_rowcol_to_cell(r, BY_STEP))
            verdict = _verdict(where, accepted, decimals)
            sheet.write_formula(r, VERDICT, verdict, f.check, "")
        elif self.roles.from_answer(key):  # a copy of an answer: the number used for its source
            sheet.write_formula(r, USED, "=" + used.ref(self.roles.sources[key]), f.computed, cached)
