"""Expressions over named quantities: evaluated in Python, rendered as Excel formulas.

Every computed number in sheetnet is one `Expr`. The trace (tables, `--json`, cached values)
comes from `Expr.value`, the workbook's formulas from `Expr.formula`, so the two cannot drift
apart. Each node states its value and its formula side by side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple, Protocol


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


class Expr:
    __slots__ = ()

    def value(self, values: Values) -> float:
        raise NotImplementedError

    def formula(self, cells: Cells) -> tuple[str, int]:
        """The formula text (without `=`) and its precedence."""
        raise NotImplementedError

    def keys(self) -> tuple[Key, ...]:
        """The quantities this expression reads."""
        raise NotImplementedError


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

    def formula(self, cells: Cells) -> tuple[str, int]:
        return cells.ref(self.key), ATOM

    def keys(self) -> tuple[Key, ...]:
        return (self.key,)

    def __repr__(self) -> str:
        return f"Ref({self.key})"


class Num(Expr):
    """A structural constant such as ½ (never a number of the run: those are inputs)."""

    __slots__ = ("number",)

    def __init__(self, number: float) -> None:
        self.number = number

    def value(self, values: Values) -> float:
        return self.number

    def formula(self, cells: Cells) -> tuple[str, int]:
        text = repr(self.number).removesuffix(".0")
        return text, NEG if self.number < 0 else ATOM

    def keys(self) -> tuple[Key, ...]:
        return ()

    def __repr__(self) -> str:
        return f"Num({self.number})"


class Add(Expr):
    __slots__ = ("terms",)

    def __init__(self, *terms: Expr) -> None:
        self.terms = terms

    def value(self, values: Values) -> float:
        return sum(t.value(values) for t in self.terms)

    def formula(self, cells: Cells) -> tuple[str, int]:
        return "+".join(_wrap(t, cells, ADD) for t in self.terms), ADD

    def keys(self) -> tuple[Key, ...]:
        return tuple(k for t in self.terms for k in t.keys())

    def __repr__(self) -> str:
        return f"Add{self.terms}"


class Sub(Expr):
    __slots__ = ("a", "b")

    def __init__(self, a: Expr, b: Expr) -> None:
        self.a, self.b = a, b

    def value(self, values: Values) -> float:
        return self.a.value(values) - self.b.value(values)

    def formula(self, cells: Cells) -> tuple[str, int]:
        return f"{_wrap(self.a, cells, ADD)}-{_wrap(self.b, cells, MUL)}", ADD

    def keys(self) -> tuple[Key, ...]:
        return self.a.keys() + self.b.keys()

    def __repr__(self) -> str:
        return f"Sub({self.a!r}, {self.b!r})"


class Mul(Expr):
    __slots__ = ("factors",)

    def __init__(self, *factors: Expr) -> None:
        self.factors = factors

    def value(self, values: Values) -> float:
        product = 1.0
        for f in self.factors:
            product *= f.value(values)
        return product

    def formula(self, cells: Cells) -> tuple[str, int]:
        return "*".join(_wrap(f, cells, MUL) for f in self.factors), MUL

    def keys(self) -> tuple[Key, ...]:
        return tuple(k for f in self.factors for k in f.keys())

    def __repr__(self) -> str:
        return f"Mul{self.factors}"


class Square(Expr):
    __slots__ = ("a",)

    def __init__(self, a: Expr) -> None:
        self.a = a

    def value(self, values: Values) -> float:
        a = self.a.value(values)
        return a * a

    def formula(self, cells: Cells) -> tuple[str, int]:
        return f"{_wrap(self.a, cells, ATOM)}^2", POW

    def keys(self) -> tuple[Key, ...]:
        return self.a.keys()

    def __repr__(self) -> str:
        return f"Square({self.a!r})"


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

    def keys(self) -> tuple[Key, ...]:
        bias = self.bias.keys() if self.bias is not None else ()
        return tuple(k for e in self.a + self.b for k in e.keys()) + bias

    def __repr__(self) -> str:
        return f"Dot({self.a!r}, {self.b!r}, bias={self.bias!r})"


def _orientation(span: str) -> str:
    """'row' or 'column' for a one-dimensional range such as `B7:F7` or `'S'!B7:B11`."""
    first, last = span.rsplit("!", 1)[-1].replace("$", "").split(":")
    return (
        "row" if first.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") else "column"
    )


class Relu(Expr):
    """f(S) = max(0, S)."""

    __slots__ = ("a",)

    def __init__(self, a: Expr) -> None:
        self.a = a

    def value(self, values: Values) -> float:
        return max(0.0, self.a.value(values))

    def formula(self, cells: Cells) -> tuple[str, int]:
        return f"MAX(0,{self.a.formula(cells)[0]})", ATOM

    def keys(self) -> tuple[Key, ...]:
        return self.a.keys()

    def __repr__(self) -> str:
        return f"Relu({self.a!r})"


class Step(Expr):
    """f'(S) of ReLU: 1 if S > 0 else 0 (so f'(0) = 0, as in the notes and PyTorch)."""

    __slots__ = ("a",)

    def __init__(self, a: Expr) -> None:
        self.a = a

    def value(self, values: Values) -> float:
        return 1.0 if self.a.value(values) > 0 else 0.0

    def formula(self, cells: Cells) -> tuple[str, int]:
        return f"IF({self.a.formula(cells)[0]}>0,1,0)", ATOM

    def keys(self) -> tuple[Key, ...]:
        return self.a.keys()

    def __repr__(self) -> str:
        return f"Step({self.a!r})"
