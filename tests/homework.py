"""Homework workbooks of the commonest family, with the slips people make, built without sheetnet.

The family (see ../shared/fixtures/README.md): a 2-2-2 logistic network without biases, ½ squared
error summed over both outputs, plain gradient descent, inputs i1, i2 = 0.05, 0.10, targets t1, t2 =
0.01, 0.99, weights w1..w8 = 0.15 … 0.55 (w1, w2 feed h1 from i1, i2; w3, w4 feed h2; w5, w6 feed o1
from a_h1, a_h2; w7, w8 feed o2), η typed in a labelled cell, one row per iteration.

Everything here is plain Python math, independent of sheetnet's engine. A *row model* describes
each column once: a header, an Excel formula template and a Python function giving the same number
from the same row and the row above. A builder writes each formula with its value (XlsxWriter
stores results, openpyxl cannot), or types the numbers (rounded, with the rounding carried forward
as a person does by hand). A `Mutation` swaps the rule of some cells for a wrong one; every number
downstream is recomputed from it, so the workbook is wrong exactly as a student's would be. The
cell `check` must name first is found by `first_slip`, from the row model alone (see there).

The row model is proven against the formulas by LibreOffice and against real homework workbooks
(tests/test_check_mutations.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

X = (0.05, 0.10)
Y = (0.01, 0.99)
W = (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55)

INPUTS = ("t1", "t2", "i1", "i2")
WEIGHTS = tuple(f"w{n}" for n in range(1, 9))
GRADIENTS = tuple(f"dw{n}" for n in range(1, 9))
FORWARD = ("h1", "a_h1", "h2", "a_h2", "o1", "a_o1", "o2", "a_o2", "E1", "E2", "E_total")
# What students add (ashwin-nntraining.xlsx): σ' terms, copies of w5..w8, a_o − t. They rightly
# hold other numbers (f'(S), W2 again, Δ) and the gradients are then computed from them.
HELPERS = ("s_h1", "s_h2", "c_w5", "c_w6", "c_w7", "c_w8", "s_o1", "s_o2", "e_o1", "e_o2")

# The column order of most homework sheets (vishak-dlexcel.xlsx, era-wk6, samdani-s4, harshvs4).
COLUMNS = (*INPUTS, *WEIGHTS[:4], "h1", "a_h1", "h2", "a_h2", *WEIGHTS[4:], *FORWARD[4:], *GRADIENTS)
# ashwin-nntraining.xlsx's order, helpers after the gradients.
ASHWIN_COLUMNS = ("i1", "i2", "t1", "t2", *WEIGHTS, *FORWARD, *GRADIENTS, *HELPERS)

# The numbers of a run in sheetnet's calculation order within an iteration: the parameters used
# (the update of the iteration before), O1, f(O1), O2, f(O2) = ŷ, L, ∂L/∂W2, ∂L/∂W1. E1, E2 and the
# helpers are no quantity of sheetnet's run (or only copies of one) and are never mutated.
QUANTITIES = (
    *WEIGHTS,
    *("h1", "h2", "a_h1", "a_h2", "o1", "o2", "a_o1", "a_o2", "E_total"),
    *GRADIENTS[4:],
    *GRADIENTS[:4],
)

HEADERS = {
    **{name: name for name in (*INPUTS, *WEIGHTS, *FORWARD)},
    **{f"dw{n}": f"∂E/∂w{n}" for n in range(1, 9)},
    "s_h1": "∂a_h1/∂h1",
    "s_h2": "∂a_h2/∂h2",
    "c_w5": "∂o1/∂a_h1",
    "c_w6": "∂o1/∂a_h2",
    "c_w7": "∂o2/∂a_h1",
    "c_w8": "∂o2/∂a_h2",
    "s_o1": "∂a_o1/∂o1",
    "s_o2": "∂a_o2/∂o2",
    "e_o1": "∂E1/∂a_o1",
    "e_o2": "∂E2/∂a_o2",
}

TITLE_CELL = (0, 0)
ETA_LABEL, ETA_CELL = (3, 0), (3, 1)  # "η =" in A4, η in B4
HEADER_ROW = 5  # 0-based: headers in row 6, the first iteration in row 7
FIRST_ROW = HEADER_ROW + 1


class Row(dict[str, float]):
    """One iteration's numbers by column name: `r.h1` is `r["h1"]`."""

    def __getattr__(self, name: str) -> float:
        try:
            return self[name]
        except KeyError as error:
            raise AttributeError(name) from error


@dataclass(frozen=True)
class Rule:
    """How a cell is computed, twice: an Excel formula template and a Python function.

    In the template `{h1}` is this row's h1 cell, `{w1_prev}` the row above's w1, `{eta}` the η cell.
    The function takes (this row, the row above, η) and sees only the columns computed before.
    """

    formula: str
    value: Callable[[Row, Row, float], float]


def sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def delta_o1(r: Row) -> float:
    return (r.a_o1 - r.t1) * r.a_o1 * (1 - r.a_o1)


def delta_o2(r: Row) -> float:
    return (r.a_o2 - r.t2) * r.a_o2 * (1 - r.a_o2)


def delta_h1(r: Row) -> float:
    return (delta_o1(r) * r.w5 + delta_o2(r) * r.w7) * r.a_h1 * (1 - r.a_h1)


def delta_h2(r: Row) -> float:
    return (delta_o1(r) * r.w6 + delta_o2(r) * r.w8) * r.a_h2 * (1 - r.a_h2)


DO1 = "({a_o1}-{t1})*{a_o1}*(1-{a_o1})"
DO2 = "({a_o2}-{t2})*{a_o2}*(1-{a_o2})"
DH1 = f"({DO1}*{{w5}}+{DO2}*{{w7}})*{{a_h1}}*(1-{{a_h1}})"
DH2 = f"({DO1}*{{w6}}+{DO2}*{{w8}})*{{a_h2}}*(1-{{a_h2}})"


def _update(n: int) -> Rule:
    return Rule(f"{{w{n}_prev}}-{{eta}}*{{dw{n}_prev}}", lambda r, p, eta: p[f"w{n}"] - eta * p[f"dw{n}"])


RULES: dict[str, Rule] = {
    **{f"w{n}": _update(n) for n in range(1, 9)},
    "h1": Rule("{w1}*{i1}+{w2}*{i2}", lambda r, p, eta: r.w1 * r.i1 + r.w2 * r.i2),
    "a_h1": Rule("1/(1+EXP(-{h1}))", lambda r, p, eta: sigmoid(r.h1)),
    "h2": Rule("{w3}*{i1}+{w4}*{i2}", lambda r, p, eta: r.w3 * r.i1 + r.w4 * r.i2),
    "a_h2": Rule("1/(1+EXP(-{h2}))", lambda r, p, eta: sigmoid(r.h2)),
    "o1": Rule("{w5}*{a_h1}+{w6}*{a_h2}", lambda r, p, eta: r.w5 * r.a_h1 + r.w6 * r.a_h2),
    "a_o1": Rule("1/(1+EXP(-{o1}))", lambda r, p, eta: sigmoid(r.o1)),
    "o2": Rule("{w7}*{a_h1}+{w8}*{a_h2}", lambda r, p, eta: r.w7 * r.a_h1 + r.w8 * r.a_h2),
    "a_o2": Rule("1/(1+EXP(-{o2}))", lambda r, p, eta: sigmoid(r.o2)),
    "E1": Rule("0.5*({t1}-{a_o1})^2", lambda r, p, eta: 0.5 * (r.t1 - r.a_o1) ** 2),
    "E2": Rule("0.5*({t2}-{a_o2})^2", lambda r, p, eta: 0.5 * (r.t2 - r.a_o2) ** 2),
    "E_total": Rule("{E1}+{E2}", lambda r, p, eta: r.E1 + r.E2),
    "dw1": Rule(DH1 + "*{i1}", lambda r, p, eta: delta_h1(r) * r.i1),
    "dw2": Rule(DH1 + "*{i2}", lambda r, p, eta: delta_h1(r) * r.i2),
    "dw3": Rule(DH2 + "*{i1}", lambda r, p, eta: delta_h2(r) * r.i1),
    "dw4": Rule(DH2 + "*{i2}", lambda r, p, eta: delta_h2(r) * r.i2),
    "dw5": Rule(DO1 + "*{a_h1}", lambda r, p, eta: delta_o1(r) * r.a_h1),
    "dw6": Rule(DO1 + "*{a_h2}", lambda r, p, eta: delta_o1(r) * r.a_h2),
    "dw7": Rule(DO2 + "*{a_h1}", lambda r, p, eta: delta_o2(r) * r.a_h1),
    "dw8": Rule(DO2 + "*{a_h2}", lambda r, p, eta: delta_o2(r) * r.a_h2),
}

# With helper columns the gradients read the helpers, as ashwin-nntraining.xlsx does.
HELPER_RULES: dict[str, Rule] = {
    "s_h1": Rule("{a_h1}*(1-{a_h1})", lambda r, p, eta: r.a_h1 * (1 - r.a_h1)),
    "s_h2": Rule("{a_h2}*(1-{a_h2})", lambda r, p, eta: r.a_h2 * (1 - r.a_h2)),
    "c_w5": Rule("{w5}", lambda r, p, eta: r.w5),
    "c_w6": Rule("{w6}", lambda r, p, eta: r.w6),
    "c_w7": Rule("{w7}", lambda r, p, eta: r.w7),
    "c_w8": Rule("{w8}", lambda r, p, eta: r.w8),
    "s_o1": Rule("{a_o1}*(1-{a_o1})", lambda r, p, eta: r.a_o1 * (1 - r.a_o1)),
    "s_o2": Rule("{a_o2}*(1-{a_o2})", lambda r, p, eta: r.a_o2 * (1 - r.a_o2)),
    "e_o1": Rule("{a_o1}-{t1}", lambda r, p, eta: r.a_o1 - r.t1),
    "e_o2": Rule("{a_o2}-{t2}", lambda r, p, eta: r.a_o2 - r.t2),
    "dw1": Rule(
        "({e_o1}*{s_o1}*{c_w5}*{s_h1}+{e_o2}*{s_o2}*{c_w7}*{s_h1})*{i1}",
        lambda r, p, eta: (r.e_o1 * r.s_o1 * r.c_w5 * r.s_h1 + r.e_o2 * r.s_o2 * r.c_w7 * r.s_h1) * r.i1,
    ),
    "dw2": Rule(
        "({e_o1}*{s_o1}*{c_w5}*{s_h1}+{e_o2}*{s_o2}*{c_w7}*{s_h1})*{i2}",
        lambda r, p, eta: (r.e_o1 * r.s_o1 * r.c_w5 * r.s_h1 + r.e_o2 * r.s_o2 * r.c_w7 * r.s_h1) * r.i2,
    ),
    "dw3": Rule(
        "({e_o1}*{s_o1}*{c_w6}*{s_h2}+{e_o2}*{s_o2}*{c_w8}*{s_h2})*{i1}",
        lambda r, p, eta: (r.e_o1 * r.s_o1 * r.c_w6 * r.s_h2 + r.e_o2 * r.s_o2 * r.c_w8 * r.s_h2) * r.i1,
    ),
    "dw4": Rule(
        "({e_o1}*{s_o1}*{c_w6}*{s_h2}+{e_o2}*{s_o2}*{c_w8}*{s_h2})*{i2}",
        lambda r, p, eta: (r.e_o1 * r.s_o1 * r.c_w6 * r.s_h2 + r.e_o2 * r.s_o2 * r.c_w8 * r.s_h2) * r.i2,
    ),
    "dw5": Rule("{e_o1}*{s_o1}*{a_h1}", lambda r, p, eta: r.e_o1 * r.s_o1 * r.a_h1),
    "dw6": Rule("{e_o1}*{s_o1}*{a_h2}", lambda r, p, eta: r.e_o1 * r.s_o1 * r.a_h2),
    "dw7": Rule("{e_o2}*{s_o2}*{a_h1}", lambda r, p, eta: r.e_o2 * r.s_o2 * r.a_h1),
    "dw8": Rule("{e_o2}*{s_o2}*{a_h2}", lambda r, p, eta: r.e_o2 * r.s_o2 * r.a_h2),
}


# ------------------------------------------------------------------------------------- mutations


@dataclass(frozen=True)
class Mutation:
    """A slip. `rules` replace the right rule of some columns in iteration `row` (and every row
    after it when `filled_down`); `pasted` makes row `row + 1` a typed copy of row `row`'s values
    (the rows after it go on from the copy); `transposed` names the column whose typed number in
    iteration `row` has two adjacent digits swapped (typed workbooks only)."""

    label: str
    row: int
    rules: Mapping[str, Rule] = field(default_factory=dict)
    filled_down: bool = False
    pasted: bool = False
    transposed: str | None = None

    def rule(self, k: int, name: str) -> Rule | None:
        if name in self.rules and (k == self.row or (self.filled_down and k > self.row)):
            return self.rules[name]
        return None

    @property
    def cells(self) -> set[tuple[int, str]]:
        """The (iteration, column) cells the slip is made in: the first slip is one of them."""
        if self.pasted:
            return {(self.row + 1, name) for name in QUANTITIES}
        if self.transposed:
            return {(self.row, self.transposed)}
        return {(self.row, name) for name in self.rules}


def _quantity(name: str) -> str:
    if name not in QUANTITIES:
        raise ValueError(f"{name} is no quantity of the run (E1, E2, helpers, inputs): check cannot name it")
    return name


def scaled(name: str, row: int, factor: float) -> Mutation:
    """(a) One cell's formula times `factor` (`=(1/(1+EXP(-Q39)))*1.01`); typed: its value times it."""
    right = RULES[_quantity(name)]
    wrong = Rule(f"({right.formula})*{factor!r}", lambda r, p, eta: right.value(r, p, eta) * factor)
    return Mutation(f"{name} × {factor} in iteration {row}", row, {name: wrong})


def hidden_neighbours(row: int) -> Mutation:
    """(b) The commonest real slip (vishak-dlexcel.xlsx): ∂E/∂w3 and ∂E/∂w4 use a_h1(1−a_h1) where
    a_h2(1−a_h2) belongs, filled down from `row`. It moves them in the 4th significant digit:
    plain at full precision, hidden inside a 4-place rounding (there use `output_neighbours`)."""
    wrong = f"({DO1}*{{w6}}+{DO2}*{{w8}})*{{a_h1}}*(1-{{a_h1}})"

    def value(i: str) -> Callable[[Row, Row, float], float]:
        return lambda r, p, eta: (delta_o1(r) * r.w6 + delta_o2(r) * r.w8) * r.a_h1 * (1 - r.a_h1) * r[i]

    rules = {"dw3": Rule(wrong + "*{i1}", value("i1")), "dw4": Rule(wrong + "*{i2}", value("i2"))}
    return Mutation(f"∂E/∂w3, ∂E/∂w4 with a_h1 for a_h2 from iteration {row}", row, rules, filled_down=True)


def output_neighbours(row: int) -> Mutation:
    """(b) The same kind of slip one layer up, large enough to show at 4 places: ∂E/∂w5 and ∂E/∂w6
    use a_o2(1−a_o2) where a_o1(1−a_o1) belongs (a 2–3 % error at first), filled down from `row`."""
    rules = {
        "dw5": Rule(
            "({a_o1}-{t1})*{a_o2}*(1-{a_o2})*{a_h1}", lambda r, p, eta: (r.a_o1 - r.t1) * r.a_o2 * (1 - r.a_o2) * r.a_h1
        ),
        "dw6": Rule(
            "({a_o1}-{t1})*{a_o2}*(1-{a_o2})*{a_h2}", lambda r, p, eta: (r.a_o1 - r.t1) * r.a_o2 * (1 - r.a_o2) * r.a_h2
        ),
    }
    return Mutation(f"∂E/∂w5, ∂E/∂w6 with a_o2 for a_o1 from iteration {row}", row, rules, filled_down=True)


def sign_slip(row: int) -> Mutation:
    """(c) A bad formula filled down a whole column: a_h2 = 1/(1+EXP(h2)), the minus forgotten
    (σ(−h2) = 1 − σ(h2): 4 % off), from `row` to the last row."""
    rules = {"a_h2": Rule("1/(1+EXP({h2}))", lambda r, p, eta: 1 / (1 + math.exp(r.h2)))}
    return Mutation(f"a_h2 without the minus from iteration {row}", row, rules, filled_down=True)


def flipped(name: str, row: int) -> Mutation:
    """A gradient with its sign flipped, filled down from `row`: far outside any 5 % window from
    the first row on, so no number of its column ever agrees with the run."""
    right = RULES[_quantity(name)]
    wrong = Rule(f"-({right.formula})", lambda r, p, eta: -right.value(r, p, eta))
    return Mutation(f"{name} with its sign flipped from iteration {row}", row, {name: wrong}, filled_down=True)


def literal_eta(eta: float) -> Mutation:
    """The updates typed with another η than the η cell's (`=E7-0.05*X7` beside `η = 0.5`), from
    the first update on."""
    rules = {
        f"w{n}": Rule(f"{{w{n}_prev}}-{eta!r}*{{dw{n}_prev}}", lambda r, p, _, n=n: p[f"w{n}"] - eta * p[f"dw{n}"])
        for n in range(1, 9)
    }
    return Mutation(f"the updates use η = {eta}", 1, rules, filled_down=True)


def wrong_reference(row: int) -> Mutation:
    """(d) One formula reads the wrong column: o2 = w7·a_h1 + w8·a_h1 (a_h1 where a_h2 belongs)."""
    rules = {"o2": Rule("{w7}*{a_h1}+{w8}*{a_h1}", lambda r, p, eta: r.w7 * r.a_h1 + r.w8 * r.a_h1)}
    return Mutation(f"o2 reads a_h1 for a_h2 in iteration {row}", row, rules)


def pasted(row: int) -> Mutation:
    """(e) Row `row`'s values pasted twice: row `row + 1` holds them as typed numbers and the rows
    after it go on from the copy (training is one step late from there).

    The first slip is in the copy: its weights should be the update of row `row` and are not. In
    calculation order they come first in the row (w1 … w8, the parameters used), so at full
    precision it is w1 of the copy. Where numbers are rounded to 4 places, a weight whose step
    η·∂E/∂w is inside the rounding (w1 … w4 move by at most a unit of the 4th decimal) is rightly
    accepted, and the first slip is the first weight that moves visibly (w5): `first_slip` finds
    which, and refuses a borderline one.
    """
    return Mutation(f"row {row} pasted again as row {row + 1}", row, pasted=True)


def transposed(name: str, row: int) -> Mutation:
    """(f) Two adjacent digits swapped in one typed number (2.5436 for 2.5346)."""
    return Mutation(f"digits of {name} swapped in iteration {row}", row, transposed=_quantity(name))


def transpose_digits(value: float, decimals: int | None) -> float:
    """`value` as typed with two adjacent digits swapped: the last two decimals of a number rounded
    to `decimals`, or the 3rd and 4th significant digits of one at full precision."""
    text = f"{Decimal(f'{value:.{decimals}f}' if decimals is not None else f'{value:.16g}'):f}"
    places = [i for i, ch in enumerate(text) if ch.isdigit()]
    significant = [i for i in places if text[i] != "0" or any(text[j] != "0" for j in places if j < i)]
    i, j = (places[-2], places[-1]) if decimals is not None else (significant[2], significant[3])
    if text[i] == text[j]:
        raise ValueError(f"{text}: the digits to swap are equal; pick another cell")
    return float(text[:i] + text[j] + text[i] + text[j + 1 :])


# ------------------------------------------------------------------------------------ the model


@dataclass(frozen=True)
class Cell:
    """One number of the workbook: its value and the rule of its formula (None: typed in)."""

    value: float
    rule: Rule | None


Table = list[dict[str, Cell]]  # one dict per iteration, column name → cell


@dataclass(frozen=True)
class Network:
    """The family's network; only what the tests vary."""

    eta: float = 0.5
    x: tuple[float, float] = X
    y: tuple[float, float] = Y
    w: tuple[float, ...] = W

    def start(self) -> dict[str, float]:
        return dict(zip(INPUTS, (*self.y, *self.x), strict=True)) | dict(zip(WEIGHTS, self.w, strict=True))

    def toml(self, iters: int, lr: float | None = None) -> str:
        w = self.w
        return (
            "# a homework workbook's network (tests/homework.py)\n"
            'layers = [2, 2, 2]\nactivation = "sigmoid"\noutput_activation = "sigmoid"\n'
            f'loss = "half_squared_error"\nlr = {lr if lr is not None else self.eta!r}\niters = {iters}\n'
            "train_biases = false\n\n[init]\n"
            f"W1 = [[{w[0]!r}, {w[1]!r}], [{w[2]!r}, {w[3]!r}]]\nB1 = [0.0, 0.0]\n"
            f"W2 = [[{w[4]!r}, {w[5]!r}], [{w[6]!r}, {w[7]!r}]]\nB2 = [0.0, 0.0]\n\n"
            f"[[samples]]\nx = [{self.x[0]!r}, {self.x[1]!r}]\ny = [{self.y[0]!r}, {self.y[1]!r}]\n"
        )


def as_typed(value: float, decimals: int | None) -> float:
    """The number a person types: rounded to `decimals`, or as XlsxWriter stores it (16 digits)."""
    return round(value, decimals) if decimals is not None else float(f"{value:.16g}")


def train(
    iters: int,
    net: Network | None = None,
    *,
    mutation: Mutation | None = None,
    typed: bool = False,
    decimals: int | None = None,
    helpers: bool = False,
) -> Table:
    """Every cell of `iters` rows. Typed: each number is computed from the numbers already typed
    (rounded to `decimals` if given), so rounding is carried forward as by hand."""
    if mutation and mutation.transposed and not typed:
        raise ValueError("transposed digits are a slip of typed numbers")
    if decimals is not None and not typed:
        raise ValueError("only typed numbers are rounded")
    net = net or Network()
    start = net.start()
    rules = RULES | (HELPER_RULES if helpers else {})
    names = (*INPUTS, *WEIGHTS, *FORWARD, *(HELPERS if helpers else ()), *GRADIENTS)
    table: Table = []
    for k in range(iters):
        if mutation and mutation.pasted and k == mutation.row + 1:
            table.append({n: Cell(as_typed(c.value, decimals), None) for n, c in table[-1].items()})
            continue
        above = Row({n: c.value for n, c in table[-1].items()}) if table else Row()
        here, cells = Row(), {}
        for name in names:
            typed_in = name in INPUTS or (k == 0 and name in WEIGHTS)
            rule = None if typed_in else (mutation and mutation.rule(k, name)) or rules[name]
            value = start[name] if rule is None else rule.value(here, above, net.eta)
            if typed:
                value = as_typed(value, decimals)
                if mutation and mutation.transposed == name and k == mutation.row:
                    value = transpose_digits(value, decimals)
            here[name] = value
            cells[name] = Cell(value, None if typed else rule)
        table.append(cells)
    return table


class AmbiguousSlip(ValueError):
    """A cell off by about the tolerance: no test may depend on how check judges it."""


def tolerance(cell: Cell, right: float) -> float:
    """How far a cell may be from its number, by how it is written (README, `sheetnet check`): a
    typed number with fewer than 10 significant digits was rounded by hand, d decimals (at least
    4) → 5·10⁻ᵈ + 10⁻ᵈ·|x|; a formula's result or a longer number: 1e-9 relative."""
    if cell.rule is None:
        written = Decimal(repr(cell.value)).normalize().as_tuple()
        if len(written.digits) < 10:
            d = max(4, -int(written.exponent))
            return 5 * 10.0**-d + 10.0**-d * abs(right)
    return 1e-9 * abs(right)


def first_slip(table: Table, net: Network) -> tuple[int, str] | None:
    """The cell check must name first: in calculation order, the first number that is neither the
    run's number nor what the workbook's own numbers give for it (its *local* value, the right rule
    applied to the cells it reads), each within the tolerance for how it is written.

    A number off by more than twice the tolerance is a slip; one within half of it is right; one in
    between raises `AmbiguousSlip`, so that no test depends on a borderline judgement. The first
    slip is returned however far off it is (the weights of a pasted row can be 13 % off): check
    judges a cell against its local value where the layout puts it, not only by nearness.
    """
    exact = train(len(table), net)
    start = net.start()
    for k, cells in enumerate(table):
        here = Row({n: c.value for n, c in cells.items()})
        above = Row({n: c.value for n, c in table[k - 1].items()}) if k else Row()
        for name in QUANTITIES:
            cell = cells[name]
            local = start[name] if k == 0 and name in WEIGHTS else RULES[name].value(here, above, net.eta)
            off = min(abs(cell.value - local), abs(cell.value - exact[k][name].value))
            tol = tolerance(cell, local)
            if off > 2 * tol:
                return k, name
            if off > tol / 2:
                raise AmbiguousSlip(
                    f"iteration {k}, {name}: {cell.value} is {off:.3g} from {local}, tolerance {tol:.3g}"
                )
    return None


# --------------------------------------------------------------------------------- the workbooks


@dataclass
class Built:
    """A workbook written by a builder, and what a test needs to know about it."""

    path: Path
    iters: int
    net: Network
    first_slip: str | None  # the cell check must name first ("Sheet1!Z7"), None for a right workbook
    cells: dict[tuple[int, int, str], str]  # (sheet index, iteration, column) → "Sheet1!Z7"
    tables: list[Table]  # sheet by sheet, what was written

    def cell(self, k: int, name: str, sheet: int = 0) -> str:
        return self.cells[(sheet, k, name)]

    def network(self, *, lr: float | None = None, net: Network | None = None) -> Path:
        """Write the network file beside the workbook (`lr` or another `net` for a wrong one)."""
        path = self.path.with_suffix(".toml")
        path.write_text((net or self.net).toml(self.iters, lr), encoding="utf-8")
        return path


def formula(rule: Rule, letters: Mapping[str, str], row: int, eta: str) -> str:
    """`rule`'s formula in 1-based sheet row `row`."""

    class Refs(dict[str, str]):
        def __missing__(self, key: str) -> str:
            if key == "eta":
                return eta
            if key.endswith("_prev"):
                return f"{letters[key.removesuffix('_prev')]}{row - 1}"
            return f"{letters[key]}{row}"

    return "=" + rule.formula.format_map(Refs())


def rows_workbook(
    path: Path,
    *,
    iters: int = 20,
    eta: float = 0.5,
    mutation: Mutation | None = None,
    typed: bool = False,
    decimals: int | None = None,
    helper_columns: bool = False,
    column_order: Sequence[str] | None = None,
    sheets: Sequence[float] | None = None,
    mutated_sheet: int = 0,
    net: Network | None = None,
) -> Built:
    """One row per iteration, like vishak-dlexcel.xlsx: a title, η typed beside "η =" in B4, headers
    in row 6, iteration k in row 7 + k. Formulas with their values, or typed numbers (`typed`).

    `sheets=[0.5, 2.0]` writes one sheet per η, `LR_0.5` and `LR_2` (compare the learning rates;
    the network file then says the first η); the `mutation` goes into sheet `mutated_sheet`.
    Otherwise one sheet, `Sheet1`, with `eta` (or `net`'s η).
    """
    columns = list(column_order or (*COLUMNS, *(HELPERS if helper_columns else ())))
    if sorted(columns) != sorted((*COLUMNS, *(HELPERS if helper_columns else ()))):
        raise ValueError(f"column_order must hold every column once: {columns}")
    letters = {name: xl_col_to_name(j) for j, name in enumerate(columns)}
    etas = list(sheets) if sheets else [net.eta if net else eta]
    base = replace(net or Network(), eta=etas[0])
    names = [f"LR_{e:g}" for e in etas] if sheets else ["Sheet1"]
    path = path.with_suffix(".xlsx")
    book = xlsxwriter.Workbook(path)
    rounded = book.add_format({"num_format": "0." + "0" * decimals}) if decimals else None
    bold = book.add_format({"bold": True})
    cells: dict[tuple[int, int, str], str] = {}
    tables, slip = [], None
    for s, (sheet_name, sheet_eta) in enumerate(zip(names, etas, strict=True)):
        sheet_net = replace(base, eta=sheet_eta)
        table = train(
            iters,
            sheet_net,
            mutation=mutation if s == mutated_sheet else None,
            typed=typed,
            decimals=decimals,
            helpers=helper_columns,
        )
        ws = book.add_worksheet(sheet_name)
        ws.write_string(*TITLE_CELL, "Backpropagation by hand: 2-2-2 logistic network, no biases", bold)
        ws.write_string(1, 0, "E_total = E1 + E2, E = ½(t − a_o)²;  w ← w − η·∂E/∂w")
        ws.write_string(*ETA_LABEL, "η =")
        ws.write_number(*ETA_CELL, sheet_eta)
        eta_ref = f"${xl_col_to_name(ETA_CELL[1])}${ETA_CELL[0] + 1}"
        for j, name in enumerate(columns):
            ws.write_string(HEADER_ROW, j, HEADERS[name], bold)
        for k, row in enumerate(table):
            r = FIRST_ROW + k
            for j, name in enumerate(columns):
                cell = row[name]
                cells[(s, k, name)] = f"{sheet_name}!{letters[name]}{r + 1}"
                if cell.rule is None:
                    ws.write_number(r, j, cell.value, rounded)
                else:
                    ws.write_formula(r, j, formula(cell.rule, letters, r + 1, eta_ref), None, cell.value)
        tables.append(table)
        sheet_slip = _checked_slip(table, sheet_net, mutation if s == mutated_sheet else None)
        if sheet_slip is not None:
            slip = cells[(s, *sheet_slip)]
    book.close()
    return Built(path, iters, base, slip, cells, tables)


def _checked_slip(table: Table, net: Network, mutation: Mutation | None) -> tuple[int, str] | None:
    """`first_slip`, which must be a cell the mutation was made in (and None without one)."""
    slip = first_slip(table, net)
    if slip is not None and (mutation is None or slip not in mutation.cells):
        raise AssertionError(f"{mutation and mutation.label}: the first slip {slip} is not a mutated cell")
    return slip


# One block per iteration: the label in column A, the numbers across.
BLOCK = (
    ("w1 … w4", WEIGHTS[:4]),
    ("h1, h2", ("h1", "h2")),
    ("a_h1, a_h2", ("a_h1", "a_h2")),
    ("w5 … w8", WEIGHTS[4:]),
    ("o1, o2", ("o1", "o2")),
    ("a_o1, a_o2", ("a_o1", "a_o2")),
    ("E1, E2, E_total", ("E1", "E2", "E_total")),
    ("∂E/∂w1 … ∂E/∂w4", GRADIENTS[:4]),
    ("∂E/∂w5 … ∂E/∂w8", GRADIENTS[4:]),
)
BLOCKS_FIRST_ROW = 5  # 0-based: "Iteration 1" in row 6, then its rows, a blank row, the next block


def blocks_workbook(
    path: Path,
    *,
    iters: int = 12,
    eta: float = 0.5,
    mutation: Mutation | None = None,
    decimals: int | None = 4,
    net: Network | None = None,
) -> Built:
    """Typed by hand on one sheet `Hand`, a block of rows per iteration: "Iteration k+1", then
    `BLOCK`'s rows (the weights used, the forward pass, the errors, the gradients); i, t and η at
    the top. Rounded to `decimals` with the rounding carried forward."""
    net = net or Network(eta=eta)
    table = train(iters, net, mutation=mutation, typed=True, decimals=decimals)
    path = path.with_suffix(".xlsx")
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("Hand")
    precision = f"rounded to {decimals} places" if decimals is not None else "at full precision"
    ws.write_string(0, 0, f"Backpropagation by hand, every number {precision}")
    for r, (label, values) in enumerate((("i1, i2", net.x), ("t1, t2", net.y), ("η", (net.eta,))), start=1):
        ws.write_string(r, 0, label)
        for j, v in enumerate(values):
            ws.write_number(r, 1 + j, v)
    cells: dict[tuple[int, int, str], str] = {}
    r = BLOCKS_FIRST_ROW
    for k, row in enumerate(table):
        ws.write_string(r, 0, f"Iteration {k + 1}")
        for label, names in BLOCK:
            r += 1
            ws.write_string(r, 0, label)
            for j, name in enumerate(names):
                ws.write_number(r, 1 + j, row[name].value)
                cells[(0, k, name)] = f"Hand!{xl_col_to_name(1 + j)}{r + 1}"
        r += 2
    book.close()
    slip = _checked_slip(table, net, mutation)
    return Built(path, iters, net, cells[(0, *slip)] if slip else None, cells, [table])
