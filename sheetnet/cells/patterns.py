"""A formula as its pattern and its digits: what a column of filled formulas has in common.

Tokenizing is the slow part of reading a formula (about 60 µs for a long one). A formula's
*pattern* is its text with the digits that follow a letter or `$` (row numbers, mostly) replaced
by holes (`formula.HOLE`): a formula filled down a column has one pattern, tokenized once
(`formula.tokens`), and each formula of the column fills the holes with its own digits.

Guarantee: `formula_tokens(f)` is `formula.tokens(f)`, read through `f`'s pattern; a pattern whose
holes the tokenizer does not keep one by one in its tokens is never used.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from sheetnet.formula import HOLE, HOLE_ROW, FormulaError, Token, read_reference, tokens

_ROW_DIGITS = re.compile(r"(?<=[A-Za-z$])[0-9]+")
_RANGE = "RANGE"  # openpyxl's subtype of a reference (or name) among the operands


@dataclass(frozen=True)
class Pattern:
    """A pattern's tokens, each with the holes before it, and what each hole is."""

    text: str
    tokens: tuple[tuple[str, str, str, int], ...]  # type, subtype, text, holes before it
    roles: tuple[bool, ...]  # per hole: a relative row of a reference (an offset from the cell)

    def filled(self, digits: list[str]) -> list[Token]:
        """The tokens of the formula whose digits these are."""
        return [(kind, subtype, fill(text, digits, first)) for kind, subtype, text, first in self.tokens]


def split(formula: str) -> tuple[Pattern | None, list[str]]:
    """The formula's pattern (None where it cannot serve: see `pattern`) and its digits, in order."""
    text, digits = holed(formula)
    return (None if text is None else pattern(text)), digits


def holed(formula: str) -> tuple[str | None, list[str]]:
    """The formula's pattern's text and its digits, in order: (None, []) for a formula holding a
    HOLE (no workbook's formula can)."""
    if HOLE in formula:
        return None, []
    text = _ROW_DIGITS.sub(HOLE, formula)
    return text, (_ROW_DIGITS.findall(formula) if HOLE in text else [])


def formula_tokens(formula: str) -> list[Token]:
    """`formula.tokens(formula)`, read through the formula's pattern. FormulaError if unreadable."""
    read, digits = split(formula)
    if read is None:
        if HOLE in formula:
            raise FormulaError("a character no formula holds")
        return list(tokens(formula))
    return read.filled(digits)


@functools.lru_cache(maxsize=4096)
def pattern(text: str) -> Pattern | None:
    """The pattern `text` read; None if openpyxl cannot tokenize it or a hole fell outside every
    token (the pattern then says nothing of the formulas it stands for)."""
    try:
        read = tokens(text)
    except FormulaError:
        return None
    placed: list[tuple[str, str, str, int]] = []
    holes = 0
    for kind, subtype, value in read:
        placed.append((kind, subtype, value, holes))
        holes += value.count(HOLE)
    if holes != text.count(HOLE):
        return None
    roles = [False] * holes
    for _, subtype, value, first in placed:
        reference = read_reference(value) if subtype == _RANGE and HOLE in value else None
        if reference is None:
            continue
        hole = first + value.rsplit("!", 1)[0].count(HOLE) if "!" in value else first
        for corner in reference.corners:
            if corner.row == HOLE_ROW:
                roles[hole] = not corner.row_absolute
                hole += 1
    return Pattern(text, tuple(placed), tuple(roles))


def fill(text: str, digits: list[str], first_hole: int) -> str:
    """A pattern's token with its holes filled by the formula's digits, from the `first_hole`th on."""
    if HOLE not in text:
        return text
    pieces = text.split(HOLE)
    filled = digits[first_hole : first_hole + len(pieces) - 1]
    return "".join(p + d for p, d in zip(pieces, [*filled, ""], strict=True))
