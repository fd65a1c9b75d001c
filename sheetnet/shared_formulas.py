"""A shared formula's text in every cell it fills, as openpyxl writes it, its references read once.

Excel saves a formula filled down a column once, in its first cell (`<f t="shared" ref="T8:T10"
si="0">A1+B$1</f>`), and every other cell of the fill as a pointer to it (`<f t="shared" si="0"/>`).
openpyxl's `Translator` writes each such cell's own text by moving the first cell's references,
reading every reference again with regular expressions in every cell: a third of reading a
workbook of formulas filled down. `Planned` reads each reference once, into the pieces that stay
(`$B`, `Sheet1!`, `:`, a name, everything between references) and the pieces that move with the
cell (a relative row, a relative column), so each cell's text is a join.

Guarantee: `Planned(formula, origin).translate_formula(cell)` is exactly openpyxl's
`Translator(formula, origin).translate_formula(cell)`: the same text, and the same error where
openpyxl raises one (it is then openpyxl's own translation that runs and raises). Where `exact`,
the first cell's text is its tokens joined again, so each cell's text is the first cell's with
each reference token (`Token.RANGE`) replaced by itself moved, and nothing else changed.
"""

from __future__ import annotations

from typing import Any

from openpyxl.formula.tokenizer import Token
from openpyxl.formula.translate import Translator
from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple, get_column_letter

ROW, COLUMN = "row", "column"  # a piece that moves: a relative row or column, and its number
LAST_COLUMN = 18_278  # `ZZZ`: the last column openpyxl writes a letter for (beyond it, it raises)

Piece = str | tuple[str, int]


class Planned(Translator):  # type: ignore[misc]
    """openpyxl's `Translator` of one shared formula, its text planned as pieces once."""

    def __init__(self, formula: str, origin: str) -> None:
        super().__init__(formula, origin)
        self.pieces = plan(self.get_tokens())
        # its text as openpyxl's tokens give it back: then every cell of the fill holds this text
        # with its references moved, and nothing else changed (runs of spaces, a column's case)
        self.exact = self.pieces is not None and self.translate_formula(origin) == formula

    def translate_formula(self, dest: str | None = None, row_delta: int = 0, col_delta: int = 0) -> str:
        pieces = self.pieces
        if pieces is None or not dest:
            return str(super().translate_formula(dest, row_delta, col_delta))
        row, col = coordinate_to_tuple(dest)
        row_delta, col_delta = row - self.row, col - self.col
        out = []
        for piece in pieces:
            if type(piece) is str:
                out.append(piece)
                continue
            kind, number = piece
            if kind is ROW:
                number += row_delta
                if number <= 0:  # moved above row 1: openpyxl's error
                    return str(super().translate_formula(dest))
                out.append(str(number))
            else:
                number += col_delta
                if not 1 <= number <= LAST_COLUMN:
                    return str(super().translate_formula(dest))
                out.append(get_column_letter(number))
        return "".join(out)


def plan(tokens: list[Any]) -> list[Piece] | None:
    """A formula's tokens as the pieces `Translator.translate_formula` writes, adjacent texts
    joined; None where a reference is one openpyxl cannot move (a column past `ZZZ`)."""
    if not tokens:
        return [""]
    if tokens[0].type == Token.LITERAL:
        return [tokens[0].value]
    pieces: list[Piece] = ["="]
    try:
        for token in tokens:
            if token.type == Token.OPERAND and token.subtype == Token.RANGE:
                pieces += _range(token.value)
            else:
                pieces.append(token.value)
    except ValueError:
        return None
    joined: list[Piece] = []
    for piece in pieces:
        if joined and type(piece) is str and type(joined[-1]) is str:
            joined[-1] += piece  # type: ignore[operator]
        else:
            joined.append(piece)
    return joined


def _range(text: str) -> list[Piece]:
    """`Translator.translate_range` as pieces: the same cases, in the same order."""
    sheet, text = Translator.strip_ws_name(text)
    match = Translator.ROW_RANGE_RE.match(text)  # `3:4`
    if match is not None:
        return [sheet, _row(match.group(1)), ":", _row(match.group(2))]
    match = Translator.COL_RANGE_RE.match(text)  # `A:BC`
    if match is not None:
        return [sheet, _column(match.group(1)), ":", _column(match.group(2))]
    if ":" in text:  # `A1:B5`, and a name at either end
        pieces: list[Piece] = [sheet]
        for k, part in enumerate(text.split(":")):
            if k:
                pieces.append(":")
            pieces += _range(part)
        return pieces
    match = Translator.CELL_REF_RE.match(text)
    if match is None:  # a name: openpyxl writes it without its sheet (`Sheet1!lr` as `lr`)
        return [text]
    return [sheet, _column(match.group(1)), _row(match.group(2))]


def _row(text: str) -> Piece:
    return text if text.startswith("$") else (ROW, int(text))


def _column(text: str) -> Piece:
    return text if text.startswith("$") else (COLUMN, column_index_from_string(text))
