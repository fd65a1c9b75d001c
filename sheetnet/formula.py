"""A spreadsheet formula as a small expression tree, to read what it computes and to evaluate it.

openpyxl's tokenizer splits the formula; a precedence parser (Excel's: comparison < & < + − <
* / < ^ < unary minus) builds the tree. Only what the formulas of a homework network need is
evaluated: arithmetic and EXP, LN, LOG, SQRT, ABS, MAX, MIN, TANH, POWER, SUM, IF. Anything else
parses to an `Unknown` node that evaluates to an error, so no formula is ever misread as another.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sheetnet.book import CELL, Pos


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Ref:
    pos: Pos
    absolute: bool = False  # $H$31


@dataclass(frozen=True)
class Rng:
    """A range of cells, row by row (`E33:H33`); at most MAX_RANGE cells."""

    cells: tuple[Pos, ...]


@dataclass(frozen=True)
class Neg:
    arg: Node


@dataclass(frozen=True)
class Bin:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Unknown:
    text: str


Node = Num | Ref | Rng | Neg | Bin | Call | Unknown

_PRECEDENCE = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}
MAX_LENGTH = 2000  # longer formulas are no formula of a small network
MAX_RANGE = 400


class FormulaError(ValueError):
    """A formula this module cannot read or evaluate."""


def parse(formula: str, sheet: int, sheets: list[str], names: dict[str, tuple[str, int, int]] | None = None) -> Node:
    """The tree of `formula` (with its leading '='), its references resolved to positions."""
    from openpyxl.formula.tokenizer import Token, Tokenizer

    if len(formula) > MAX_LENGTH:
        raise FormulaError("too long")
    try:
        tokens = [t for t in Tokenizer(formula).items if t.type != Token.WSPACE]
    except Exception as exc:
        raise FormulaError(str(exc)) from None
    parser = _Parser(tokens, sheet, sheets, names or {})
    try:
        node = parser.expression(0)
    except RecursionError:  # 500 nested parentheses: no formula of a homework network
        raise FormulaError("nested too deep") from None
    if parser.at < len(tokens):
        raise FormulaError(f"unexpected {tokens[parser.at].value!r}")
    return node


class _Parser:
    def __init__(self, tokens: list, sheet: int, sheets: list[str], names: dict[str, tuple[str, int, int]]) -> None:
        self.tokens, self.at, self.sheet, self.sheets, self.names = tokens, 0, sheet, sheets, names

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self):
        token = self.peek()
        if token is None:
            raise FormulaError("ends too early")
        self.at += 1
        return token

    def expression(self, floor: int) -> Node:
        from openpyxl.formula.tokenizer import Token

        left = self.operand()
        while True:
            token = self.peek()
            if token is None or token.type != Token.OP_IN:
                return left
            precedence = _PRECEDENCE.get(token.value)
            if precedence is None:
                raise FormulaError(f"operator {token.value!r}")
            if precedence <= floor:
                return left
            self.take()
            left = Bin(token.value, left, self.expression(precedence))

    def operand(self) -> Node:
        from openpyxl.formula.tokenizer import Token

        token = self.take()
        if token.type == Token.OP_PRE:
            arg = self.operand()  # unary minus binds tighter than ^ in Excel and LibreOffice
            return Neg(arg) if token.value == "-" else arg
        if token.type == Token.PAREN and token.subtype == Token.OPEN:
            node = self.expression(0)
            closing = self.take()
            if closing.type != Token.PAREN:
                raise FormulaError("unbalanced parentheses")
            return self.postfix(node)
        if token.type == Token.FUNC and token.subtype == Token.OPEN:
            name = token.value[:-1].upper().removeprefix("_XLFN.")
            args: list[Node] = []
            if not (self.peek() is not None and self.peek().type == Token.FUNC and self.peek().subtype == Token.CLOSE):
                while True:
                    args.append(self.expression(0))
                    sep = self.take()
                    if sep.type == Token.SEP:
                        continue
                    if sep.type == Token.FUNC and sep.subtype == Token.CLOSE:
                        break
                    raise FormulaError(f"unexpected {sep.value!r} in {name}")
            else:
                self.take()
            return self.postfix(Call(name, tuple(args)))
        if token.type == Token.OPERAND:
            if token.subtype == Token.NUMBER:
                return self.postfix(Num(float(token.value)))
            if token.subtype == Token.RANGE:
                return self.postfix(self.reference(token.value))
            if token.subtype == Token.LOGICAL:
                return Num(1.0 if token.value.upper() == "TRUE" else 0.0)
            return Unknown(token.value)
        raise FormulaError(f"unexpected {token.value!r}")

    def postfix(self, node: Node) -> Node:
        from openpyxl.formula.tokenizer import Token

        token = self.peek()
        if token is not None and token.type == Token.OP_POST and token.value == "%":
            self.take()
            return Bin("/", node, Num(100.0))
        return node

    def reference(self, text: str) -> Node:
        from openpyxl.utils import column_index_from_string

        where, qualified = self.sheet, "!" in text
        if qualified:
            name, text = text.rsplit("!", 1)
            name = name.strip("'").replace("''", "'")
            if name not in self.sheets:
                return Unknown(text)
            where = self.sheets.index(name)
        corners = [CELL.match(part) for part in text.split(":")]
        named = None if qualified or all(corners) else self.names.get(text.lower())
        if named is not None and named[0] in self.sheets:  # a defined name of one cell (`lr`)
            return Ref((self.sheets.index(named[0]), named[1], named[2]), absolute=True)
        if not all(corners) or len(corners) > 2:  # another defined name, a whole column: not read here
            return Unknown(text)
        spots = [(int(m.group(4)), column_index_from_string(m.group(2).upper())) for m in corners]  # type: ignore[union-attr]
        if len(spots) == 1:
            first = corners[0]
            return Ref((where, *spots[0]), absolute=bool(first.group(1) and first.group(3)))  # type: ignore[union-attr]
        (r1, c1), (r2, c2) = spots
        rows, cols = range(min(r1, r2), max(r1, r2) + 1), range(min(c1, c2), max(c1, c2) + 1)
        if len(rows) * len(cols) > MAX_RANGE:
            return Unknown(text)
        return Rng(tuple((where, r, c) for r in rows for c in cols))


def reference_nodes(node: Node) -> Iterator[Ref | Rng]:
    """Every reference or range of a tree, as written, in reading order."""
    if isinstance(node, Ref | Rng):
        yield node
    elif isinstance(node, Neg):
        yield from reference_nodes(node.arg)
    elif isinstance(node, Bin):
        yield from reference_nodes(node.left)
        yield from reference_nodes(node.right)
    elif isinstance(node, Call):
        for arg in node.args:
            yield from reference_nodes(arg)


def references(node: Node) -> Iterator[Ref]:
    """Every reference of a tree, a range's cells one by one, in reading order."""
    for found in reference_nodes(node):
        if isinstance(found, Ref):
            yield found
        else:
            yield from (Ref(p) for p in found.cells)


def cells_read(node: Node) -> Iterator[Pos]:
    """The cells of `references`, in its order, without a `Ref` made for each cell of a range."""
    for found in reference_nodes(node):
        if isinstance(found, Ref):
            yield found.pos
        else:
            yield from found.cells


def _sum(args: list[float]) -> float:
    return math.fsum(args)


_FUNCTIONS: dict[str, Callable[[list[float]], float]] = {
    "EXP": lambda a: math.exp(a[0]),
    "LN": lambda a: math.log(a[0]),
    "LOG": lambda a: math.log(a[0], a[1] if len(a) > 1 else 10),
    "LOG10": lambda a: math.log10(a[0]),
    "SQRT": lambda a: math.sqrt(a[0]),
    "ABS": lambda a: abs(a[0]),
    "MAX": max,
    "MIN": min,
    "TANH": lambda a: math.tanh(a[0]),
    "POWER": lambda a: a[0] ** a[1],
    "SUM": _sum,
    "IF": lambda a: a[1] if a[0] else (a[2] if len(a) > 2 else 0.0),
}


def evaluate(node: Node, value: Callable[[Pos], float]) -> float:
    """The number `node` computes, each reference read through `value`. FormulaError if it cannot."""
    try:
        return _evaluate(node, value)
    except (ArithmeticError, ValueError, TypeError, IndexError, RecursionError) as exc:
        raise FormulaError(str(exc)) from None


def _evaluate(node: Node, value: Callable[[Pos], float]) -> float:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Ref):
        return float(value(node.pos))
    if isinstance(node, Neg):
        return -_evaluate(node.arg, value)
    if isinstance(node, Bin):
        a, b = _evaluate(node.left, value), _evaluate(node.right, value)
        match node.op:
            case "+":
                return a + b
            case "-":
                return a - b
            case "*":
                return a * b
            case "/":
                return a / b
            case "^":
                return float(a**b)
            case "=":
                return float(a == b)
            case "<>":
                return float(a != b)
            case "<":
                return float(a < b)
            case ">":
                return float(a > b)
            case "<=":
                return float(a <= b)
            case ">=":
                return float(a >= b)
        raise FormulaError(f"operator {node.op}")
    if isinstance(node, Call):
        if node.name == "SUMPRODUCT":
            columns = [_spread(arg, value) for arg in node.args]
            if not columns or len({len(c) for c in columns}) != 1:
                raise FormulaError("SUMPRODUCT of ranges of different sizes")
            return math.fsum(math.prod(items) for items in zip(*columns, strict=True))
        function = _FUNCTIONS.get(node.name)
        if function is None:
            raise FormulaError(f"function {node.name}")
        args: list[float] = []
        for arg in node.args:
            args += (
                _spread(arg, value)
                if isinstance(arg, Rng) and node.name in ("SUM", "MAX", "MIN")
                else [_evaluate(arg, value)]
            )
        return float(function(args))
    raise FormulaError(f"cannot evaluate {node}")


def _spread(node: Node, value: Callable[[Pos], float]) -> list[float]:
    if isinstance(node, Rng):
        return [float(value(p)) for p in node.cells]
    return [_evaluate(node, value)]


def terms(node: Node) -> list[tuple[int, Node]]:
    """A sum as its terms with their signs: `a*b + c - d` gives (+1, a*b), (+1, c), (−1, d)."""
    if isinstance(node, Bin) and node.op in "+-":
        right = terms(node.right)
        if node.op == "-":
            right = [(-sign, t) for sign, t in right]
        return terms(node.left) + right
    if isinstance(node, Neg):
        return [(-sign, t) for sign, t in terms(node.arg)]
    return [(1, node)]


def signed_sum(parts: list[tuple[int, Node]]) -> Node:
    """Terms with their signs (as `terms` gives them) summed again, in their order; 0 for none."""
    total: Node | None = None
    for sign, node in parts:
        if total is None:
            total = node if sign > 0 else Neg(node)
        else:
            total = Bin("+" if sign > 0 else "-", total, node)
    return total if total is not None else Num(0.0)


def factors(node: Node) -> list[Node]:
    """A product as its factors: `a*(b*c)` gives a, b, c."""
    if isinstance(node, Bin) and node.op == "*":
        return factors(node.left) + factors(node.right)
    return [node]
