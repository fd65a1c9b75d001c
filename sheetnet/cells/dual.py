"""A formula's value together with its exact derivatives: forward-mode automatic differentiation.

A `Dual` is a number and its partial derivatives with respect to some chosen cells (the
variables, numbered). Evaluating a formula's tree (`sheetnet.formula`) on duals gives, besides
the value a spreadsheet would show, the derivative of that value with respect to every variable,
exactly (no step size, no rounding beyond the float's). Ranges are arrays (a list of rows), so
MMULT, TRANSPOSE, SUMPRODUCT and array formulas differentiate as their cells do.

A tree is compiled once into closures (`Program`), and a program serves every cell whose formula
has the tree's shape (filled down a column, copied to a sheet per iteration), each run on that
cell's own references: a sheet of a few shapes is compiled a few times, not walked cell by cell.

Guarantee: for every function it knows, `evaluate` (and a `Program`) returns the value Excel and LibreOffice compute
and the derivative of that value; for anything else it raises `Unsupported`, never a guess.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sheetnet.formula import Bin, Call, Neg, Node, Num, Pos, Ref, Rng, Unknown, reference_nodes


class Unsupported(ValueError):
    """A formula this module cannot evaluate (an unknown function, text, an error value)."""


@dataclass(slots=True)
class Dual:
    """A number and its partial derivatives, by variable number (absent: 0)."""

    value: float
    d: dict[int, float]

    @staticmethod
    def const(value: float) -> Dual:
        return Dual(float(value), {})

    def scaled(self, value: float, factor: float) -> Dual:
        """A function of this number: its value, and this number's derivatives times `factor`."""
        return Dual(value, {k: v * factor for k, v in self.d.items()} if factor else {})


Array = list[list[Dual]]
Value = Dual | Array


def _combine(a: Dual, b: Dual, value: float, da: float, db: float) -> Dual:
    if not a.d and not b.d:  # two numbers that depend on no variable (most of a sheet's)
        return Dual(value, {})
    # (a derivative times 1.0 is itself, to the bit: copied)
    d = (a.d.copy() if da == 1.0 else {k: v * da for k, v in a.d.items()}) if da else {}
    if db:
        for k, v in b.d.items():
            d[k] = d.get(k, 0.0) + v * db
    return Dual(value, d)


def _add(a: Dual, b: Dual) -> Dual:
    return _combine(a, b, a.value + b.value, 1.0, 1.0)


def _sub(a: Dual, b: Dual) -> Dual:
    return _combine(a, b, a.value - b.value, 1.0, -1.0)


def _mul(a: Dual, b: Dual) -> Dual:
    return _combine(a, b, a.value * b.value, b.value, a.value)


def _div(a: Dual, b: Dual) -> Dual:
    if b.value == 0:
        raise Unsupported("#DIV/0!")
    q = a.value / b.value
    return _combine(a, b, q, 1.0 / b.value, -q / b.value)


def _pow(a: Dual, b: Dual) -> Dual:
    x, y = a.value, b.value
    try:
        value = float(x**y)
    except (OverflowError, ZeroDivisionError):
        raise Unsupported("#NUM!") from None
    if isinstance(value, complex) or math.isnan(value):
        raise Unsupported("#NUM!")
    da = y * x ** (y - 1) if x != 0 or y >= 1 else 0.0
    db = value * math.log(x) if x > 0 and b.d else 0.0
    return _combine(a, b, value, da, db)


_BINARY: dict[str, Callable[[Dual, Dual], Dual]] = {"+": _add, "-": _sub, "*": _mul, "/": _div, "^": _pow}
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def _log(a: Dual) -> Dual:
    if a.value <= 0:
        raise Unsupported("#NUM!")
    return a.scaled(math.log(a.value), 1.0 / a.value)


def _exp(a: Dual) -> Dual:
    try:
        value = math.exp(a.value)
    except OverflowError:
        raise Unsupported("#NUM!") from None
    return a.scaled(value, value)


def _sqrt(a: Dual) -> Dual:
    if a.value < 0:
        raise Unsupported("#NUM!")
    value = math.sqrt(a.value)
    return a.scaled(value, 0.5 / value if value else 0.0)


def _tanh(a: Dual) -> Dual:
    value = math.tanh(a.value)
    return a.scaled(value, 1.0 - value * value)


def _abs(a: Dual) -> Dual:
    return a.scaled(abs(a.value), 1.0 if a.value > 0 else -1.0 if a.value < 0 else 0.0)


def _log_base(a: Dual, base: float) -> Dual:
    if base <= 0 or base == 1:
        raise Unsupported("#NUM!")
    ln = _log(a)
    return ln.scaled(ln.value / math.log(base), 1.0 / math.log(base))


_UNARY: dict[str, Callable[[Dual], Dual]] = {
    "EXP": _exp,
    "LN": _log,
    "SQRT": _sqrt,
    "TANH": _tanh,
    "ABS": _abs,
    "LOG10": lambda a: _log_base(a, 10.0),
}


def _cells(value: Value) -> list[Dual]:
    return [x for row in value for x in row] if isinstance(value, list) else [value]


def _elementwise(a: Value, b: Value, op: Callable[[Dual, Dual], Dual]) -> Value:
    if not isinstance(a, list) and not isinstance(b, list):
        return op(a, b)
    rows_a, cols_a = _shape(a)
    rows_b, cols_b = _shape(b)
    rows, cols = max(rows_a, rows_b), max(cols_a, cols_b)
    for r, c in ((rows_a, cols_a), (rows_b, cols_b)):
        if r not in (1, rows) or c not in (1, cols):
            raise Unsupported("arrays of different sizes")
    return [[op(_at(a, i, j), _at(b, i, j)) for j in range(cols)] for i in range(rows)]


def _shape(value: Value) -> tuple[int, int]:
    return (len(value), len(value[0])) if isinstance(value, list) else (1, 1)


def _at(value: Value, i: int, j: int) -> Dual:
    if not isinstance(value, list):
        return value
    return value[i if len(value) > 1 else 0][j if len(value[0]) > 1 else 0]


def _map(value: Value, op: Callable[[Dual], Dual]) -> Value:
    if isinstance(value, list):
        return [[op(x) for x in row] for row in value]
    return op(value)


def _total(items: list[Dual]) -> Dual:
    d: dict[int, float] = {}
    for x in items:
        for k, v in x.d.items():
            d[k] = d.get(k, 0.0) + v
    return Dual(math.fsum(x.value for x in items), d)


def _extreme(items: list[Dual], pick: Callable[..., float]) -> Dual:
    if not items:
        return Dual.const(0.0)
    chosen = pick(x.value for x in items)
    return next(x for x in items if x.value == chosen)


def _mmult(a: Value, b: Value) -> Array:
    ra, ca = _shape(a)
    rb, cb = _shape(b)
    if ca != rb:
        raise Unsupported("MMULT of arrays that do not fit")
    return [[_total([_mul(_at(a, i, k), _at(b, k, j)) for k in range(ca)]) for j in range(cb)] for i in range(ra)]


def _transpose(a: Value) -> Value:
    if not isinstance(a, list):
        return a
    return [list(column) for column in zip(*a, strict=True)]


def _sumproduct(args: list[Value]) -> Dual:
    if not args:
        raise Unsupported("SUMPRODUCT of nothing")
    shapes = {_shape(a) for a in args}
    if len(shapes) != 1:
        raise Unsupported("SUMPRODUCT of ranges of different sizes")
    columns = [_cells(a) for a in args]
    products = []
    for items in zip(*columns, strict=True):
        product = items[0]
        for x in items[1:]:
            product = _mul(product, x)
        products.append(product)
    return _total(products)


def _scalar(value: Value) -> Dual:
    """A single number where one is needed (a 1×1 range, or an array's first cell as Excel takes it)."""
    return value[0][0] if isinstance(value, list) else value


Read = Callable[[Pos], Dual]
Run = Callable[[Read, tuple], Value]


def evaluate(node: Node, read: Read) -> Value:
    """The value of `node` and its derivatives, each cell read through `read`."""
    return Program(node)(read, tuple(reference_nodes(node)))


class Program:
    """A formula's tree compiled once into closures, one per node: its value and derivatives for
    any cell that holds a formula of the same shape, given that cell's references in reading order
    (`formula.reference_nodes`). A shape filled down a column is compiled once and run for each cell,
    in each iteration, with no walk over its tree."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self._run: Run | None = None

    def __call__(self, read: Read, references: tuple) -> Value:
        try:
            if self._run is None:
                self._run = _compiled(self.node, itertools.count())
            return self._run(read, references)
        except (ArithmeticError, ValueError, TypeError, IndexError, RecursionError) as exc:
            if isinstance(exc, Unsupported):
                raise
            raise Unsupported(str(exc)) from None


def _compiled(node: Node, slots: Iterator[int]) -> Run:
    """`node` as a closure of the cell-reading function and the cell's references; `slots` numbers
    the references in reading order. Each closure evaluates what `node` says, in the order a
    spreadsheet does (left before right), and raises `Unsupported` only when it is run."""
    if isinstance(node, Num):
        number = node.value
        return lambda read, refs: Dual.const(number)
    if isinstance(node, Ref):
        i = next(slots)
        return lambda read, refs: read(refs[i].pos)
    if isinstance(node, Rng):
        i = next(slots)
        return lambda read, refs: _range(refs[i], read)
    if isinstance(node, Neg):
        arg = _compiled(node.arg, slots)
        return lambda read, refs: _map(arg(read, refs), _negated)
    if isinstance(node, Bin):
        left, right = _compiled(node.left, slots), _compiled(node.right, slots)
        return _binary(node.op, left, right)
    if isinstance(node, Call):
        return _call(node.name, [_compiled(a, slots) for a in node.args])
    why = _unknown(node.text) if isinstance(node, Unknown) else f"cannot evaluate {node}"
    return lambda read, refs: _raise(why)


def _raise(why: str) -> Value:
    raise Unsupported(why)


def _negated(a: Dual) -> Dual:
    return a.scaled(-a.value, -1.0)


def _binary(op: str, left: Run, right: Run) -> Run:
    arithmetic = _BINARY.get(op)
    if arithmetic is not None:

        def computed(read: Read, refs: tuple) -> Value:
            a, b = left(read, refs), right(read, refs)
            if type(a) is Dual and type(b) is Dual:
                return arithmetic(a, b)
            return _elementwise(a, b, arithmetic)

        return computed
    compare = _COMPARE.get(op)
    if compare is None:
        why = f"the operator {op} is no arithmetic sheetnet differentiates"
        return lambda read, refs: (left(read, refs), right(read, refs), _raise(why))[-1]

    def compared(a: Dual, b: Dual) -> Dual:
        return Dual.const(float(compare(a.value, b.value)))

    return lambda read, refs: _elementwise(left(read, refs), right(read, refs), compared)


def _unknown(text: str) -> str:
    """What a part of a formula the parser kept as text is, in a sentence."""
    if text.startswith('"'):
        return f"{text} is text where a number belongs"
    if text.startswith("#"):
        return f"{text} is an error value"
    whole = re.fullmatch(r"(?:.*!)?\$?(?:([A-Za-z]{1,3}):\$?[A-Za-z]{1,3}|\d+:\$?\d+)", text)
    if whole is not None:
        kind = "column" if whole.group(1) else "row"
        return f"{text} is a whole-{kind} range, which sheetnet does not read cell by cell"
    return f"{text} is no part of a formula sheetnet can evaluate"


def _range(node: Rng, read: Read) -> Array:
    rows = sorted({p[1] for p in node.cells})
    cols = sorted({p[2] for p in node.cells})
    at = {(p[1], p[2]): p for p in node.cells}
    return [[read(at[(r, c)]) for c in cols] for r in rows]


def _call(name: str, args: list[Run]) -> Run:
    if name == "IF":
        if not 2 <= len(args) <= 3:
            return lambda read, refs: _raise("IF of other than 2 or 3 arguments")
        return lambda read, refs: _if(args, read, refs)
    unary = _UNARY.get(name)
    if unary is not None and len(args) == 1:  # what `_function` does, its function chosen once
        arg = args[0]
        return lambda read, refs: _map(arg(read, refs), unary)
    if name == "POWER" and len(args) == 2:
        base, exponent = args

        def power(read: Read, refs: tuple) -> Value:
            a, b = base(read, refs), exponent(read, refs)
            return _pow(a, b) if type(a) is Dual and type(b) is Dual else _elementwise(a, b, _pow)

        return power

    def called(read: Read, refs: tuple) -> Value:
        return _function(name, [a(read, refs) for a in args])

    return called


def _if(args: list[Run], read: Read, refs: tuple) -> Value:
    """IF: only the branch its test takes is evaluated (the other may hold #DIV/0!)."""
    test = _scalar(args[0](read, refs))
    if test.value:
        return args[1](read, refs)
    return args[2](read, refs) if len(args) == 3 else Dual.const(0.0)


def _function(name: str, args: list[Value]) -> Value:
    if name in _UNARY and len(args) == 1:
        return _map(args[0], _UNARY[name])
    if name == "LOG" and len(args) in (1, 2):
        base = _scalar(args[1]).value if len(args) == 2 else 10.0
        return _map(args[0], lambda a: _log_base(a, base))
    if name == "POWER" and len(args) == 2:
        return _elementwise(args[0], args[1], _pow)
    if name in ("SUM", "AVERAGE", "MAX", "MIN", "SUMSQ"):
        items = [x for a in args for x in _cells(a)]
        if name == "SUMSQ":
            return _total([_mul(x, x) for x in items])
        if name == "SUM":
            return _total(items)
        if name == "AVERAGE":
            if not items:
                raise Unsupported("#DIV/0!")
            total = _total(items)
            return total.scaled(total.value / len(items), 1.0 / len(items))
        return _extreme(items, max if name == "MAX" else min)
    if name == "SUMPRODUCT":
        return _sumproduct(args)
    if name == "MMULT" and len(args) == 2:
        return _mmult(args[0], args[1])
    if name == "TRANSPOSE" and len(args) == 1:
        return _transpose(args[0])
    raise Unsupported(f"{name} is a function sheetnet cannot differentiate")


def element(value: Value, row: int, col: int) -> Dual:
    """The cell of an array formula's result at (row, col) from its anchor; #N/A beyond it."""
    if not isinstance(value, list):
        return value
    rows, cols = _shape(value)
    if (row >= rows and rows > 1) or (col >= cols and cols > 1):
        raise Unsupported("#N/A")
    return _at(value, row, col)
