"""Expressions over named quantities: evaluated in Python, rendered as Excel formulas.

Every computed number in sheetnet is one `Expr`. The trace (tables, `--json`, cached values)
comes from `Expr.value`, the workbook's formulas from `Expr.formula`, so the two cannot drift
apart. Each node states its value and its formula side by side, and beside them `Expr.compiled`:
its value as a function of a list of numbers, built once, doing the very float operations `value`
does in the same order, so that it gives `value`'s numbers to the last bit every time it is
called: for every iteration it serves (`sheetnet.program`), without walking the tree again.
`Expr.moved` gives the same expression reading other keys (an iteration's as another's).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar, NamedTuple, Protocol


class Key(NamedTuple):
    """One number of the run: quantity `q` (notes' notation), iteration `t`, sample `s`, element `i`.

    `t` is −1 for inputs on the Setup sheet; `s` is −1 for quantities not tied to one sample;
    `i` is the row-major index inside a vector or matrix (0 for a scalar).
    """

    q: str
    t: int
    s: int
    i: int


Values = Mapping[Key, float]

# Operator precedence when rendering, lowest first. Excel's unary minus binds tighter than ^,
# so negative constants are always parenthesised (precedence NEG).
NEG, ADD, MUL, POW, ATOM = range(5)


class Cells(Protocol):
    """Where quantities live: what a formula writes to refer to them."""

    def ref(self, key: Key) -> str:
        """A cell reference (`B7`, `'Iteration 0'!C12`) or a defined name (`lr`)."""

    def span(self, keys: Sequence[Key]) -> str | None:
        """A range such as `B7:F7` if the keys fill it in order, else None."""


Slots = Callable[[Key], int]  # where, in the list a compiled expression reads, a key's value is
Compiled = Callable[[Sequence[float]], float]  # (a list, or what reads values only when asked)


class Expr:
    __slots__ = ()

    def value(self, values: Values) -> float:
        raise NotImplementedError

    def compiled(self, slot: Slots) -> Compiled:
        """`value` as a function of a list of numbers, built once: the same float operations in
        the same order, reading the value of each key at the place `slot` gives it."""
        raise NotImplementedError

    def moved(self, move: Callable[[Key], Key]) -> Expr:
        """The same expression reading `move(key)` wherever it reads `key` (an iteration's
        expression as another iteration's: see `sheetnet.program`)."""
        raise NotImplementedError

    def formula(self, cells: Cells) -> tuple[str, int]:
        """The formula text (without `=`) and its precedence."""
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


def render(expr: Expr, cells: Cells) -> str:
    """The Excel formula for `expr`, with the leading `=`."""
    return "=" + expr.formula(cells)[0]


def _wrap(expr: Expr, cells: Cells, at_least: int) -> str:
    text, prec = expr.formula(cells)
    return f"({text})" if prec < at_least else text


class Ref(Expr):
    """The value of another quantity's cell."""

    __slots__ = ("key",)

    def __init__(self, key: Key) -> None:
        self.key = key

    def value(self, values: Values) -> float:
        return values[self.key]

    def compiled(self, slot: Slots) -> Compiled:
        return operator.itemgetter(slot(self.key))

    def moved(self, move: Callable[[Key], Key]) -> Expr:
        return Ref(move(self.key))

    def formula(self, cells: Cells) -> tuple[str, int]:
        return cells.ref(self.key), ATOM


class Num(Expr):
    """A structural constant such as ½ (never a number of the run: those are inputs)."""

    __slots__ = ("number",)

    def __init__(self, number: float) -> None:
        self.number = number

    def value(self, values: Values) -> float:
        return self.number

    def compiled(self, slot: Slots) -> Compiled:
        number = self.number
        return lambda v: number

    def moved(self, move: Callable[[Key], Key]) -> Expr:
        return self

    def formula(self, cells: Cells) -> tuple[str, int]:
        text = repr(self.number).removesuffix(".0")
        return text, NEG if self.number < 0 else ATOM


class Add(Expr):
    __slots__ = ("terms",)

    def __init__(self, *terms: Expr) -> None:
        self.terms = terms

    def value(self, values: Values) -> float:
        return sum(t.value(values) for t in self.terms)

    def compiled(self, slot: Slots) -> Compiled:
        terms = [t.compiled(slot) for t in self.terms]
        return lambda v: sum([t(v) for t in terms])

    def moved(self, move: Callable[[Key], Key]) -> Expr:
        return Add(*(t.moved(move) for t in self.terms))

    def formula(self, cells: Cells) -> tuple[str, int]:
        return "+".join(_wrap(t, cells, ADD) for t in self.terms), ADD


class Sub(Expr):
    __slots__ = ("a", "b")

    def __init__(self, a: Expr, b: Expr) -> None:
        self.a, self.b = a, b

    def value(self, values: Values) -> float:
        return self.a.value(values) - self.b.value(values)

    def compiled(self, slot: Slots) -> Compiled:
        a, b = self.a.compiled(slot), self.b.compiled(slot)
        return lambda v: a(v) - b(v)

    def moved(self, move: Callable[[Key], Key]) -> Expr:
        return Sub(self.a.moved(move), self.b.moved(move))

    def formula(self, cells: Cells) -> tuple[str, int]:
        return f"{_wrap(self.a, cells, ADD)}-{_wrap(self.b, cells, MUL)}", ADD


class Mul(Expr):
    __slots__ = ("factors",)

    def __init__(self, *factors: Expr) -> None:
        self.factors = factors

    def value(self, values: Values) -> float:
        product = 1.0
        for f in self.factors:
            product *= f.value(values)
        return product

    def compiled(self, slot: Slots) -> Compiled:
        places = _places(self.factors, slot)
        if places is not None and len(places) == 2:  # a cell times a cell, the most common
            i, k = places
            return lambda v: 1.0 * v[i] * v[k]
        factors = [f.compiled(slot) for f in self.factors]

        def product(v: list[float]) -> float:
            result = 1.0
            for f in factors:
                result *= f(v)
            return result

        return product

    def moved(self, move: Callable[[Key], Key]) -> Expr:
        return Mul(*(f.moved(move) for f in self.factors))

    def formula(self, cells: Cells) -> tuple[str, int]:
        return "*".join(_wrap(f, cells, MUL) for f in self.factors), MUL


class Square(Expr):
    __slots__ = ("a",)

    def __init__(self, a: Expr) -> None:
        self.a = a

    def value(self, values: Values) -> float:
        return _square(self.a.value(values))

    def compiled(self, slot: Slots) -> Compiled:
        a = self.a.compiled(slot)
        return lambda v: _square(a(v))

    def moved(self, move: Callable[[Key], Key]) -> Expr:
        return Square(self.a.moved(move))

    def formula(self, cells: Cells) -> tuple[str, int]:
        return f"{_wrap(self.a, cells, ATOM)}^2", POW


class Dot(Expr):
    """Σ_i a_i·b_i (+ bias): spelled out for short vectors, SUMPRODUCT over ranges for long ones."""

    __slots__ = ("a", "b", "bias")

    SPELL_OUT_UP_TO = 4

    def __init__(self, a: Sequence[Expr], b: Sequence[Expr], bias: Expr | None = None) -> None:
        self.a, self.b, self.bias = tuple(a), tuple(b), bias

    def value(self, values: Values) -> float:
        total = 0.0
        for a, b in zip(self.a, self.b, strict=True):
            total += a.value(values) * b.value(values)
        if self.bias is not None:
            total += self.bias.value(values)
        return total

    def compiled(self, slot: Slots) -> Compiled:
        bias = self.bias.compiled(slot) if self.bias is not None else None
        a_places, b_places = _places(self.a, slot), _places(self.b, slot)
        if a_places is not None and b_places is not None:  # cells times cells, as most are
            places = list(zip(a_places, b_places, strict=True))

            def cells_dot(v: list[float]) -> float:
                total = 0.0
                for i, k in places:
                    total += v[i] * v[k]
                if bias is not None:
                    total += bias(v)
                return total

            return cells_dot
        pairs = [(a.compiled(slot), b.compiled(slot)) for a, b in zip(self.a, self.b, strict=True)]

        def dot(v: list[float]) -> float:
            total = 0.0
            for a, b in pairs:
                total += a(v) * b(v)
            if bias is not None:
                total += bias(v)
            return total

        return dot

    def moved(self, move: Callable[[Key], Key]) -> Expr:
        bias = self.bias.moved(move) if self.bias is not None else None
        return Dot([a.moved(move) for a in self.a], [b.moved(move) for b in self.b], bias)

    def formula(self, cells: Cells) -> tuple[str, int]:
        text = self._sumproduct(cells)
        if text is None:
            text = "+".join(
                f"{_wrap(a, cells, MUL)}*{_wrap(b, cells, MUL)}" for a, b in zip(self.a, self.b, strict=False)
            )
        if self.bias is not None:
            text += "+" + _wrap(self.bias, cells, ADD)
        return text, ADD

    def _sumproduct(self, cells: Cells) -> str | None:
        if len(self.a) <= self.SPELL_OUT_UP_TO:
            return None
        if not all(isinstance(e, Ref) for e in self.a + self.b):
            return None
        span_a = cells.span([e.key for e in self.a])  # type: ignore[attr-defined]
        span_b = cells.span([e.key for e in self.b])  # type: ignore[attr-defined]
        if span_a is None or span_b is None or _orientation(span_a) != _orientation(span_b):
            return None
        return f"SUMPRODUCT({span_a},{span_b})"


def _orientation(span: str) -> str:
    """'row' or 'column' for a one-dimensional range such as `B7:F7` or `'S'!B7:B11`."""
    first, last = span.rsplit("!", 1)[-1].replace("$", "").split(":")
    row_of = lambda cell: cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")  # noqa: E731
    return "row" if row_of(first) == row_of(last) else "column"


class Div(Expr):
    __slots__ = ("a", "b")

    def __init__(self, a: Expr, b: Expr) -> None:
        self.a, self.b = a, b

    def value(self, values: Values) -> float:
        b = self.b.value(values)
        return math.nan if b == 0 else self.a.value(values) / b  # Excel: #DIV/0!

    def compiled(self, slot: Slots) -> Compiled:
        a, b = self.a.compiled(slot), self.b.compiled(slot)

        def quotient(v: list[float]) -> float:
            d = b(v)
            return math.nan if d == 0 else a(v) / d

        return quotient

    def moved(self, move: Callable[[Key], Key]) -> Expr:
        return Div(self.a.moved(move), self.b.moved(move))

    def formula(self, cells: Cells) -> tuple[str, int]:
        return f"{_wrap(self.a, cells, MUL)}/{_wrap(self.b, cells, POW)}", MUL


class Power(Expr):
    """a^b, for a step count in Adam's bias correction (β1^t)."""

    __slots__ = ("a", "b")

    def __init__(self, a: Expr, b: Expr) -> None:
        self.a, self.b = a, b

    def value(self, values: Values) -> float:
        return _power(self.a.value(values), self.b.value(values))

    def compiled(self, slot: Slots) -> Compiled:
        a, b = self.a.compiled(slot), self.b.compiled(slot)
        return lambda v: _power(a(v), b(v))

    def moved(self, move: Callable[[Key], Key]) -> Expr:
        return Power(self.a.moved(move), self.b.moved(move))

    def formula(self, cells: Cells) -> tuple[str, int]:
        return f"{_wrap(self.a, cells, ATOM)}^{_wrap(self.b, cells, ATOM)}", POW


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _ln(x: float) -> float:
    return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)


def _sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0 else math.nan


def _tanh(x: float) -> float:
    return math.tanh(x)


class Fn(Expr):
    """An Excel function of one or more expressions: EXP, LN, SQRT, TANH, MAX."""

    __slots__ = ("args", "name")

    PYTHON: ClassVar[dict[str, Callable[..., float]]] = {
        "EXP": _exp,
        "LN": _ln,
        "SQRT": _sqrt,
        "TANH": _tanh,
        "MAX": max,
    }

    def __init__(self, name: str, *args: Expr) -> None:
        self.name, self.args = name, args

    def value(self, values: Values) -> float:
        return _unless_nan(self.PYTHON[self.name], *(a.value(values) for a in self.args))

    def compiled(self, slot: Slots) -> Compiled:
        function, args = self.PYTHON[self.name], [a.compiled(slot) for a in self.args]
        return lambda v: _unless_nan(function, *[a(v) for a in args])

    def moved(self, move: Callable[[Key], Key]) -> Expr:
        return Fn(self.name, *(a.moved(move) for a in self.args))

    def formula(self, cells: Cells) -> tuple[str, int]:
        return f"{self.name}({','.join(a.formula(cells)[0] for a in self.args)})", ATOM


class Over(Expr):
    """MAX, SUM or AVERAGE over several cells: a range when they are contiguous, else a list."""

    __slots__ = ("name", "refs")

    PYTHON: ClassVar[dict[str, Callable[[list[float]], float]]] = {
        "MAX": max,
        "SUM": sum,
        "AVERAGE": lambda xs: sum(xs) / len(xs),
    }

    def __init__(self, name: str, keys: Sequence[Key]) -> None:
        self.name, self.refs = name, tuple(keys)

    def value(self, values: Values) -> float:
        return _unless_nan_over(self.PYTHON[self.name], [values[k] for k in self.refs])

    def compiled(self, slot: Slots) -> Compiled:
        function, places = self.PYTHON[self.name], [slot(k) for k in self.refs]
        return lambda v: _unless_nan_over(function, [v[j] for j in places])

    def moved(self, move: Callable[[Key], Key]) -> Expr:
        return Over(self.name, [move(k) for k in self.refs])

    def formula(self, cells: Cells) -> tuple[str, int]:
        span = cells.span(self.refs) if len(self.refs) > 1 else None
        inside = span if span is not None else ",".join(cells.ref(k) for k in self.refs)
        return f"{self.name}({inside})", ATOM


class IfPositive(Expr):
    """IF(s>0, a, b): leaky ReLU and its slope."""

    __slots__ = ("a", "b", "s")

    def __init__(self, s: Expr, a: Expr, b: Expr) -> None:
        self.s, self.a, self.b = s, a, b

    def value(self, values: Values) -> float:
        return self.a.value(values) if self.s.value(values) > 0 else self.b.value(values)

    def compiled(self, slot: Slots) -> Compiled:
        s, a, b = (e.compiled(slot) for e in (self.s, self.a, self.b))
        return lambda v: a(v) if s(v) > 0 else b(v)

    def moved(self, move: Callable[[Key], Key]) -> Expr:
        return IfPositive(self.s.moved(move), self.a.moved(move), self.b.moved(move))

    def formula(self, cells: Cells) -> tuple[str, int]:
        s, a, b = (e.formula(cells)[0] for e in (self.s, self.a, self.b))
        return f"IF({s}>0,{a},{b})", ATOM


class Sigmoid(Expr):
    """σ(S) = 1/(1+e^−S), written so that neither branch can overflow."""

    __slots__ = ("a",)

    def __init__(self, a: Expr) -> None:
        self.a = a

    def value(self, values: Values) -> float:
        return _sigmoid(self.a.value(values))

    def compiled(self, slot: Slots) -> Compiled:
        a = self.a.compiled(slot)
        return lambda v: _sigmoid(a(v))

    def moved(self, move: Callable[[Key], Key]) -> Expr:
        return Sigmoid(self.a.moved(move))

    def formula(self, cells: Cells) -> tuple[str, int]:
        s = self.a.formula(cells)[0]
        return f"IF({s}>=0,1/(1+EXP(-{_wrap(self.a, cells, ATOM)})),EXP({s})/(1+EXP({s})))", ATOM


class Neg(Expr):
    """−a."""

    __slots__ = ("a",)

    def __init__(self, a: Expr) -> None:
        self.a = a

    def value(self, values: Values) -> float:
        return -self.a.value(values)

    def compiled(self, slot: Slots) -> Compiled:
        if isinstance(self.a, Ref):
            i = slot(self.a.key)
            return lambda v: -v[i]
        a = self.a.compiled(slot)
        return lambda v: -a(v)

    def moved(self, move: Callable[[Key], Key]) -> Expr:
        return Neg(self.a.moved(move))

    def formula(self, cells: Cells) -> tuple[str, int]:
        return f"-{_wrap(self.a, cells, ATOM)}", NEG


def _places(exprs: Sequence[Expr], slot: Slots) -> list[int] | None:
    """Where each of `exprs` is read, if every one is a `Ref`: a compiled node reads them itself."""
    if not all(isinstance(e, Ref) for e in exprs):
        return None
    return [slot(e.key) for e in exprs]  # type: ignore[attr-defined]


# the nodes that read some of their keys only for some numbers: an IF one branch, a division no
# dividend where its divisor is 0
_BRANCHING = (IfPositive, Div)


def reads_every_key(expr: Expr) -> bool:
    """True if evaluating `expr` (or its compiled function) reads every key it names, whatever the
    numbers: it holds no IF and no division (`_BRANCHING`)."""
    if isinstance(expr, _BRANCHING):
        return False
    for name in type(expr).__slots__:  # its parts: the nodes it holds, a tuple of them, a key, a number
        part = getattr(expr, name)
        for child in part if isinstance(part, tuple) else (part,):
            if isinstance(child, Expr) and not reads_every_key(child):
                return False
    return True


def _square(a: float) -> float:
    return a * a


def _power(a: float, b: float) -> float:
    try:
        return a**b
    except (OverflowError, ZeroDivisionError):
        return math.inf


def _unless_nan(function: Callable[..., float], *args: float) -> float:
    """An Excel function of sheetnet's on `args`: NaN if any of them is."""
    return math.nan if any(math.isnan(a) for a in args) else function(*args)


def _unless_nan_over(function: Callable[[list[float]], float], args: list[float]) -> float:
    return math.nan if any(math.isnan(a) for a in args) else function(args)


def _sigmoid(s: float) -> float:
    if math.isnan(s):
        return s
    if s >= 0:
        return 1.0 / (1.0 + math.exp(-s))
    e = math.exp(s)
    return e / (1.0 + e)
