"""A spreadsheet formula as a small expression tree, to read what it computes and to evaluate it.

The one reading of a formula's text: openpyxl's tokenizer splits it (`tokens`), `read_reference`
reads a reference as written (its sheet, its corners, each `$` or not), and a precedence parser
(Excel's: comparison < & < + − < * / < ^ < unary minus) builds the tree. Only what the formulas of
a homework network need is evaluated: arithmetic and EXP, LN, LOG, SQRT, ABS, MAX, MIN, TANH,
POWER, SUM, IF. Anything else parses to an `Unknown` node that evaluates to an error, so no
formula is ever misread as another.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sheetnet import limits
from sheetnet.book import Pos

Token = tuple[str, str, str]  # openpyxl's type, subtype and text of one token
Rectangle = tuple[int, int, int, int, int]  # sheet index, top, left, bottom, right (1-based, inclusive)


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


@dataclass(frozen=True)
class Area(Unknown):
    """A reference too large to read cell by cell: a whole column or row (`A:A`, `$3:4`) or a range
    of more than MAX_RANGE cells. Every evaluator reads it as the `Unknown` it is (`text`: as written
    after its sheet); what depends on a cell (`cells.dependents`) reads its rectangle whole."""

    sheet: int
    top: int
    left: int
    bottom: int
    right: int


Node = Num | Ref | Rng | Neg | Bin | Call | Unknown

_PRECEDENCE = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}
MAX_LENGTH = 2000  # longer formulas are no formula of a small network
MAX_RANGE = 400


class FormulaError(ValueError):
    """A formula this module cannot read or evaluate."""


@functools.lru_cache(maxsize=4096)
def tokens(formula: str) -> tuple[Token, ...]:
    """The tokens of `formula` as openpyxl's tokenizer reads them, spaces left out.

    FormulaError if the tokenizer cannot read it. The formulas read last are kept: a formula read
    by `check` and by `diff`, or by one parse and one pattern (`cells.patterns`), is read once.
    """
    from openpyxl.formula.tokenizer import Token, Tokenizer

    try:
        items = Tokenizer(formula).items
    except Exception as exc:  # openpyxl's TokenizerError, or worse, for a formula it cannot read
        raise FormulaError(str(exc)) from None
    return tuple((t.type, t.subtype, t.value) for t in items if t.type != Token.WSPACE)


HOLE = "\x00"  # a row left out of a formula's pattern (`cells.patterns`); XML text cannot hold it
HOLE_ROW = 0  # the row `read_reference` gives a corner whose row is a HOLE
_CORNER = re.compile(r"^(\$?)([A-Za-z]{1,3})?(\$?)([0-9]+|\x00)?$")


@dataclass(frozen=True)
class Corner:
    """One corner of a reference: a column, a row or both, each relative or `$`-absolute."""

    col: int | None
    col_absolute: bool
    row: int | None
    row_absolute: bool


@dataclass(frozen=True)
class Reference:
    """A reference as written: the sheet it names (None: the formula's own) and one or two corners."""

    sheet: str | None
    corners: tuple[Corner, ...]

    @property
    def whole(self) -> bool:
        """A whole column or row (`A:A`, `3:4`)."""
        return self.corners[0].col is None or self.corners[0].row is None

    def bounds(self) -> tuple[int, int, int, int]:
        """Top, left, bottom, right; a whole column runs over every row, a whole row over every column."""
        first, last = self.corners[0], self.corners[-1]
        cols = [c for c in (first.col, last.col) if c is not None] or [1, limits.SHEET_COLUMNS]
        rows = [r for r in (first.row, last.row) if r is not None] or [1, limits.SHEET_ROWS]
        return min(rows), min(cols), max(rows), max(cols)


@functools.lru_cache(maxsize=65536)
def read_reference(text: str) -> Reference | None:
    """`'It 0'!$A$1:B2`, `C3`, `A:A` or `$1:3` as a reference; None for a name (`lr`), a cell past
    Excel's last row or column, another workbook's (`[1]Sheet1!A1`) or several sheets' (`S1:S3!A1`).

    In a formula's pattern (`cells.patterns`), a row that is a HOLE reads as HOLE_ROW.
    """
    sheet: str | None = None
    if "!" in text:
        sheet, text = text.rsplit("!", 1)
        if sheet.startswith("'") and sheet.endswith("'") and len(sheet) > 1:
            sheet = sheet[1:-1].replace("''", "'")
        elif "'" in sheet:
            return None
        if not sheet or sheet.startswith("[") or ":" in sheet:
            return None
    parts = text.split(":")
    if len(parts) > 2:
        return None
    corners: list[Corner] = []
    for part in parts:
        match = _CORNER.match(part)
        if match is None:
            return None
        col_dollar, letters, row_dollar, digits = match.groups()
        if letters is None and col_dollar:  # `$3`: the `$` belongs to the row
            col_dollar, row_dollar = "", "$"
        col = _column_number(letters) if letters else None
        row = None if not digits else HOLE_ROW if digits == HOLE else int(digits)
        if (col is not None and col > limits.SHEET_COLUMNS) or (
            row is not None and digits != HOLE and not 1 <= row <= limits.SHEET_ROWS
        ):
            return None
        corners.append(Corner(col, bool(col_dollar), row, bool(row_dollar)))
    whole = [(c.col is None, c.row is None) for c in corners]
    if len(corners) == 1 and whole[0] != (False, False):
        return None  # a lone `A` or `3` is a name, not a reference
    if len(corners) == 2 and whole[0] != whole[1]:
        return None  # `A1:B` is nothing
    return Reference(sheet, tuple(corners))


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def sheet_index(name: str, sheets: list[str]) -> int | None:
    """The index of the sheet a formula names, in any case (Excel's names ignore it); None if none."""
    if name in sheets:
        return sheets.index(name)
    folded = name.casefold()
    return next((i for i, s in enumerate(sheets) if s.casefold() == folded), None)


def resolve(text: str, sheet: int, sheets: list[str], names: dict[str, tuple[str, int, int]]) -> Node:
    """The node of a reference as written in a formula of the sheet of index `sheet`: a `Ref`, a
    `Rng`, an `Area`, or `Unknown` for what points nowhere here (a sheet the book lacks, a name
    that is no one cell, another workbook). A defined name of one cell (`lr`) is that cell."""
    written = text.rsplit("!", 1)[-1]
    reference = read_reference(text)
    if reference is None:
        named = None if "!" in text else names.get(text.lower())
        where = None if named is None else sheet_index(named[0], sheets)
        if named is not None and where is not None:
            return Ref((where, named[1], named[2]), absolute=True)
        return Unknown(written)
    where = sheet if reference.sheet is None else sheet_index(reference.sheet, sheets)
    if where is None:
        return Unknown(written)
    top, left, bottom, right = reference.bounds()
    if len(reference.corners) == 1:
        first = reference.corners[0]
        return Ref((where, top, left), absolute=first.col_absolute and first.row_absolute)
    if reference.whole or (bottom - top + 1) * (right - left + 1) > MAX_RANGE:
        return Area(written, where, top, left, bottom, right)
    return Rng(tuple((where, r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)))


def parse(formula: str, sheet: int, sheets: list[str], names: dict[str, tuple[str, int, int]] | None = None) -> Node:
    """The tree of `formula` (with its leading '='), its references resolved to positions."""
    if len(formula) > MAX_LENGTH:
        raise FormulaError("too long")
    read = tokens(formula)
    parser = _Parser(read, sheet, sheets, names or {})
    try:
        node = parser.expression(0)
    except RecursionError:  # 500 nested parentheses: no formula of a homework network
        raise FormulaError("nested too deep") from None
    if parser.at < len(read):
        raise FormulaError(f"unexpected {read[parser.at][2]!r}")
    return node


# openpyxl's kinds of token (its Token's constants, spelled here so the parser reads plain tuples)
_OPERAND, _FUNC, _PAREN, _SEP = "OPERAND", "FUNC", "PAREN", "SEP"
_OP_PRE, _OP_IN, _OP_POST = "OPERATOR-PREFIX", "OPERATOR-INFIX", "OPERATOR-POSTFIX"
_OPEN, _CLOSE, _NUMBER, _RANGE, _LOGICAL = "OPEN", "CLOSE", "NUMBER", "RANGE", "LOGICAL"


class _Parser:
    def __init__(
        self, read: tuple[Token, ...], sheet: int, sheets: list[str], names: dict[str, tuple[str, int, int]]
    ) -> None:
        self.tokens, self.at, self.sheet, self.sheets, self.names = read, 0, sheet, sheets, names

    def peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise FormulaError("ends too early")
        self.at += 1
        return token

    def expression(self, floor: int) -> Node:
        left = self.operand()
        while True:
            token = self.peek()
            if token is None or token[0] != _OP_IN:
                return left
            precedence = _PRECEDENCE.get(token[2])
            if precedence is None:
                raise FormulaError(f"operator {token[2]!r}")
            if precedence <= floor:
                return left
            self.take()
            left = Bin(token[2], left, self.expression(precedence))

    def operand(self) -> Node:
        kind, subtype, value = self.take()
        if kind == _OP_PRE:
            arg = self.operand()  # unary minus binds tighter than ^ in Excel and LibreOffice
            return Neg(arg) if value == "-" else arg
        if kind == _PAREN and subtype == _OPEN:
            node = self.expression(0)
            if self.take()[0] != _PAREN:
                raise FormulaError("unbalanced parentheses")
            return self.postfix(node)
        if kind == _FUNC and subtype == _OPEN:
            name = value[:-1].upper().removeprefix("_XLFN.")
            args: list[Node] = []
            following = self.peek()
            if following is None or following[:2] != (_FUNC, _CLOSE):
                while True:
                    args.append(self.expression(0))
                    sep = self.take()
                    if sep[0] == _SEP:
                        continue
                    if sep[:2] == (_FUNC, _CLOSE):
                        break
                    raise FormulaError(f"unexpected {sep[2]!r} in {name}")
            else:
                self.take()
            return self.postfix(Call(name, tuple(args)))
        if kind == _OPERAND:
            if subtype == _NUMBER:
                return self.postfix(Num(float(value)))
            if subtype == _RANGE:
                return self.postfix(resolve(value, self.sheet, self.sheets, self.names))
            if subtype == _LOGICAL:
                return Num(1.0 if value.upper() == "TRUE" else 0.0)
            return Unknown(value)
        raise FormulaError(f"unexpected {value!r}")

    def postfix(self, node: Node) -> Node:
        token = self.peek()
        if token is not None and token[0] == _OP_POST and token[2] == "%":
            self.take()
            return Bin("/", node, Num(100.0))
        return node


def reference_leaves(node: Node) -> Iterator[Ref | Rng | Area]:
    """Every reference of a tree, as written, in reading order: cells, ranges and `Area`s."""
    if isinstance(node, Ref | Rng | Area):
        yield node
    elif isinstance(node, Neg):
        yield from reference_leaves(node.arg)
    elif isinstance(node, Bin):
        yield from reference_leaves(node.left)
        yield from reference_leaves(node.right)
    elif isinstance(node, Call):
        for arg in node.args:
            yield from reference_leaves(arg)


def reference_nodes(node: Node) -> Iterator[Ref | Rng]:
    """Every reference or range of a tree, as written, in reading order (an `Area` is none)."""
    return (leaf for leaf in reference_leaves(node) if not isinstance(leaf, Area))


def rectangles(node: Node) -> Iterator[Rectangle]:
    """Every reference of a tree as the rectangle it reads, in reading order: a cell, a range by
    its corners, an `Area` whole (never spelled out cell by cell)."""
    for leaf in reference_leaves(node):
        if isinstance(leaf, Ref):
            yield (leaf.pos[0], leaf.pos[1], leaf.pos[2], leaf.pos[1], leaf.pos[2])
        elif isinstance(leaf, Rng):
            (sheet, top, left), (_, bottom, right) = leaf.cells[0], leaf.cells[-1]
            yield (sheet, top, left, bottom, right)
        else:
            yield (leaf.sheet, leaf.top, leaf.left, leaf.bottom, leaf.right)


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
