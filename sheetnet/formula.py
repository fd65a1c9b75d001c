"""A spreadsheet formula as a small expression tree, to read what it computes and to evaluate it.

openpyxl's tokenizer splits the formula; a precedence parser (Excel's: comparison < & < + − <
* / < ^ < unary minus) builds the tree. Only what the formulas of a homework network need is
evaluated: arithmetic and EXP, LN, LOG, SQRT, ABS, MAX, MIN, TANH, POWER, SUM, IF. Anything else
parses to an `Unknown` node that evaluates to an error, so no formula is ever misread as another.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

Pos = tuple[int, int, int]  # sheet index, row, column (1-based), as check's Grid has them


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Ref:
    pos: Pos
    absolute: bool = False  # $H$31


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


Node = Num | Ref | Neg | Bin | Call | Unknown

_CELL = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)(\d+)$")
_PRECEDENCE = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4, "^": 5}
MAX_LENGTH = 2000  # longer formulas are no formula of a small network


class FormulaError(ValueError):
    """A formula this module cannot read or evaluate."""


def parse(formula: str, sheet: int, sheets: list[str]) -> Node:
    """The tree of `formula` (with its leading '='), its references resolved to positions."""
    from openpyxl.formula.tokenizer import Token, Tokenizer

    if len(formula) > MAX_LENGTH:
        raise FormulaError("too long")
    try:
        tokens = [t for t in Tokenizer(formula).items if t.type != Token.WSPACE]
    except Exception as exc:
        raise FormulaError(str(exc)) from None
    parser = _Parser(tokens, sheet, sheets)
    node = parser.expression(0)
    if parser.at < len(tokens):
        raise FormulaError(f"unexpected {tokens[parser.at].value!r}")
    return node


class _Parser:
    def __init__(self, tokens: list, sheet: int, sheets: list[str]) -> None:
        self.tokens, self.at, self.sheet, self.sheets = tokens, 0, sheet, sheets

    def peek(self):  # noqa: ANN201 - an openpyxl Token
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self):  # noqa: ANN201
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

        where = self.sheet
        if "!" in text:
            name, text = text.rsplit("!", 1)
            name = name.strip("'").replace("''", "'")
            if name not in self.sheets:
                return Unknown(text)
            where = self.sheets.index(name)
        match = _CELL.match(text)
        if match is None:  # a range or a defined name: nothing a network's formula needs to read here
            return Unknown(text)
        col = column_index_from_string(match.group(2).upper())
        return Ref((where, int(match.group(4)), col), absolute=bool(match.group(1) and match.group(3)))


def references(node: Node) -> Iterator[Ref]:
    """Every reference of a tree, in reading order."""
    if isinstance(node, Ref):
        yield node
    elif isinstance(node, Neg):
        yield from references(node.arg)
    elif isinstance(node, Bin):
        yield from references(node.left)
        yield from references(node.right)
    elif isinstance(node, Call):
        for arg in node.args:
            yield from references(arg)


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
    except (ArithmeticError, ValueError, TypeError, IndexError) as exc:
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
        function = _FUNCTIONS.get(node.name)
        if function is None:
            raise FormulaError(f"function {node.name}")
        return float(function([_evaluate(arg, value) for arg in node.args]))
    raise FormulaError(f"cannot evaluate {node}")


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


def factors(node: Node) -> list[Node]:
    """A product as its factors: `a*(b*c)` gives a, b, c."""
    if isinstance(node, Bin) and node.op == "*":
        return factors(node.left) + factors(node.right)
    return [node]
