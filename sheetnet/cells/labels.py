"""What labels a cell, and the words labels use: one vocabulary and one rule for every reader.

A label is a text typed in the book: a column's header above a cell, or a row's label left of
it. `Labels` finds the one of each cell; `label_token` reads the word a label names a cell by
(`w1` for "W1 ←"), `label_name` the name a person reads in it (`IN A`, where the word is `in`);
`numbered` splits a numbered name into its name and number (`w3` → w, 3); `Labels.name` is the
one of a cell's two labels that names it (a caption such as `value` or `sample 2`, which a whole
column or row shares, gives way to the other); `Labels.table_name` the name a table of labelled rows
and columns gives a cell (`h1 w · in1`). The words a sheet calls η, the loss, the inputs,
the targets and its captions are listed here once, each list with what it is for, so that
`init --from` and `check` read the same sheet the same way.

Guarantee: a rule here reads texts only; it never decides what a number is (that is the
reader's business, from the numbers and the formulas).
"""

from __future__ import annotations

import bisect
import re

from sheetnet.book import Book
from sheetnet.formula import Pos

# --------------------------------------------------------------------------------------------------
# the vocabulary, as label tokens (see `label_token`: lower case, the first word)

# What sheets call the learning rate: the Greek letter and its spellings, the abbreviations
# (`LR`), the first word of "learning rate" (and its one-word forms), α (the delta rule's and
# many textbooks' letter), `ͷ` (the Greek small letter pamphylian digamma, picked for η from a
# table of symbols) and `n` (η read as a Latin letter: `n = 0.5`). `n` also heads iteration counters:
# a reader that sees it over a column of numbers takes it for no η.
ETA_WORDS = frozenset({"η", "eta", "lr", "learning", "learning_rate", "learningrate", "α", "alpha", "ͷ", "n"})
ETA_PREFIXES = ("η", "learning")  # `η(t)`, `learning-rate`: η however the word goes on

# What sheets call the loss, unmistakably: a label with one of these names the loss's cell
# (`MSE`, `E_total`, `Cost`, `Total`: the sum over the outputs).
LOSS_WORDS = frozenset({"loss", "mse", "sse", "cost", "e_total", "etotal", "total"})
# What sheets call the loss too, but other cells as well: an output's `error` (t − o), the
# letters E, J and L (E also in `∂E/∂w1`), `Etot`. Enough to prefer a cell among candidates that
# agree otherwise, never to name one.
LOSS_ALSO = frozenset({"error", "e", "j", "l", "etot", "e_tot"})

# What sheets call an input (`i1`, `x2`, `in1`, `input1`) and a target (`t1`, `y`, `target2`,
# `d1`: the desired output of the delta rule), as the name of a numbered label.
INPUT_WORDS = frozenset({"i", "x", "in", "input"})
TARGET_WORDS = frozenset({"t", "y", "target", "d"})

# What sheets call a neuron's δ, the loss's derivative by its net input (δ_j = ∂E/∂net_j, or the
# delta rule's negative of it), before the name they give the neuron (`δ o`, `delta h1`, `delta N3`).
# Only the small Greek letter: Δ is the notes' ŷ − y (and `Δw` a change).
DELTA_WORDS = frozenset({"δ", "delta"})

# What sheets head a whole column or row of different quantities with: which sample, iteration or
# epoch they belong to (`sample 2` over x1, x2, t, net h1 …; `mean` over the samples' means), or
# what kind of number each is (`value` beside w1 … b4, `updated` beside their new values). A
# caption says the same of every cell it heads, so it names none of them: the label across it
# does (`x1`, `w7`, `E`).
CAPTION_WORDS = frozenset({"value", "values", "sample", "samples", "mean", "average", "iteration", "epoch", "updated"})

# What sheets call a parameter by its kind before the name they give it, in the languages sheets
# are written in (`poids w5`, `Gewicht w11`, `Bias b3`, `peso w2`, `weight w1`): the kind says what
# every row of the table's parameters is, the name which one; the name is the label's word.
KIND_WORDS = frozenset(
    {"weight", "weights", "bias", "biases", "poids", "biais", "gewicht", "gewichte", "peso", "pesos", "sesgo"}
)

# --------------------------------------------------------------------------------------------------
# reading a label


def label_token(text: str) -> str:
    """`w1` for "W1 ←", "w1:", "W1 = …"; `o1` for "O1 = x·W1ᵀ + B1"; `∂e/∂w3` for "∂E/∂w3";
    `w5` for "poids w5" (a kind, then the name: see KIND_WORDS); `bias` for "bias"."""
    text = text.strip().lower()
    kind, _, rest = text.partition(" ")
    if kind in KIND_WORDS and rest.strip():
        text = rest.strip()
    for stop in (" ", "=", "←", ":", "\u2009"):
        text = text.split(stop, 1)[0]
    return text


# after a label's first word, a letter, a number or both: which one of a series it is (`IN A`, `x 1`,
# `Erro N1`)
_INDEX = re.compile(r"[ \u2009]+(?:[^\W\d_]?\d+|[^\W\d_])(?=$|[ \u2009=←:])")


def label_name(text: str) -> str:
    """The name a label gives, as it is written: `W1` for "W1 ←", `desired` for "desired Output";
    and with the letter or number that follows its first word, `IN A` for "IN A", `x 1` for
    "x 1", `Erro N1` for "Erro N1 (Hidden Layer -> Output)": a word several labels share, told
    apart by what follows it, names none of them alone."""
    token = label_token(text)
    original = text.strip()
    if not token or not original.lower().startswith(token):
        return token
    index = _INDEX.match(original, len(token))
    return original[: index.end() if index else len(token)]


_NUMBERED = re.compile(r"^(\D*?)(\d+)$")


def numbered(token: str) -> tuple[str, int] | None:
    """A numbered name as its name and number: `w1` → (w, 1), `a_h2` → (a_h, 2), `∂e/∂w3` →
    (∂e/∂w, 3); None for a name with no number at its end or a digit before it (`w2_01`: an
    element of W2, not the 201st of anything)."""
    match = _NUMBERED.match(token or "")
    return (match.group(1), int(match.group(2))) if match else None


def names_eta(text: str) -> bool:
    """True if a label names the learning rate (`η`, `LR:`, `Learning rate`, `eta = `)."""
    token = label_token(text.strip(" :=←")).replace("_", "")
    return token in ETA_WORDS or token.startswith(ETA_PREFIXES)


def names_delta(word: str) -> bool:
    """True if a word of a label is one sheets call a neuron's δ (see DELTA_WORDS): `δ`, `Delta`;
    not `Δ`."""
    return word in DELTA_WORDS or (word.isascii() and word.lower() in DELTA_WORDS)


def is_caption(text: str) -> bool:
    """True if a label is a caption (`value`, `Sample 2`, `updated`): see CAPTION_WORDS."""
    return label_token(text) in CAPTION_WORDS


def names_loss(text: str, *, surely: bool = False) -> bool:
    """True if a word of a label is one sheets call the loss (`Total error`, `E_total`); with
    `surely`, only the words that name nothing else (see LOSS_WORDS and LOSS_ALSO)."""
    words = LOSS_WORDS if surely else LOSS_WORDS | LOSS_ALSO
    return any(word in words for word in re.findall(r"\w+", text.lower()))


# --------------------------------------------------------------------------------------------------
# which text labels a cell

# a cell's column label is the nearest text at most this far above it (a block's header);
# changed to 2, tests/test_check_families.py::test_the_delta_rule_signs[δh2] fails
HEADER_ROWS = 6
LABEL_COLUMNS = 40  # a cell's row label is the nearest text at most this far to its left (a wide row)


def labels_of(book: Book) -> Labels:
    """The book's labels, indexed the first time they are asked for and kept with the book."""
    return book.kept("labels", Labels)


class Labels:
    """The texts of a book by row and by column: the label of any cell, found in logarithmic time."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self._texts: dict[int, dict[tuple[str, int], list[int]]] = {}  # per sheet, made when first asked

    def header(self, p: Pos) -> str:
        """The label of a cell's column: the nearest text above it, at most HEADER_ROWS up."""
        return self._nearest_text(p, "col", HEADER_ROWS)

    def column_label(self, p: Pos) -> str:
        """The nearest text above a cell in its column, however far (a table's header row)."""
        return self._nearest_text(p, "col", p[1])

    def row_label(self, p: Pos) -> str:
        """The label of a cell's row: the nearest text to its left, at most LABEL_COLUMNS away."""
        return self._nearest_text(p, "row", LABEL_COLUMNS)

    def name(self, p: Pos, *, far: bool = False) -> str:
        """The text that names a cell: the first of `names` that is not blank."""
        return next((text for text in self.names(p, far=far) if text.strip()), "")

    def names(self, p: Pos, *, far: bool = False) -> tuple[str, str]:
        """A cell's two labels, the one that names it first: its column's header (the nearest text
        above it, at most HEADER_ROWS up; with `far`, however far: a table's header row), then its
        row's label; the row's label first where the header is a caption and it is not (`w7`
        beside 0.5 under `value`, `x1` under `sample 1`)."""
        header = self.column_label(p) if far else self.header(p)
        row = self.row_label(p)
        if is_caption(header) and row.strip() and not is_caption(row):
            return row, header
        return header, row

    def table_name(self, p: Pos) -> str:
        """The name a table of labelled rows and labelled columns gives a cell: its row's label and
        its column's header together (`h1 w · in1`, the weight of h1 from in1 in a table of a row
        per neuron and a column per input), where the row's label is one of a column of them, each
        beside a number in the cell's column, and the header one of a row of them, each over a
        number in the cell's row; "" for any other cell, or where either is a caption (`sample 1`)."""
        s, row, col = p
        header, label = self.header(p), self.row_label(p)
        if not header.strip() or not label.strip() or is_caption(header) or is_caption(label):
            return ""
        index = self._index(s)
        cells = self.book.cells[self.book.sheets[s]]
        header_row = self._nearest(index, "col", col, row)
        label_col = self._nearest(index, "row", row, col)

        def number(r: int, c: int) -> bool:
            cell = cells.get((r, c))
            return cell is not None and isinstance(cell.value, int | float) and not isinstance(cell.value, bool)

        def text(r: int, c: int) -> bool:
            cell = cells.get((r, c))
            return cell is not None and isinstance(cell.value, str) and bool(cell.value.strip())

        rows = any(text(r, label_col) and number(r, col) for r in (row - 1, row + 1))
        columns = any(text(header_row, c) and number(row, c) for c in (col - 1, col + 1))
        return f"{label.strip()} {header.strip()}" if rows and columns else ""

    def _index(self, s: int) -> dict[tuple[str, int], list[int]]:
        """The sheet's texts by column and by row, made the first time it is asked for."""
        index = self._texts.get(s)
        if index is None:
            index = self._texts[s] = {}
            cells = self.book.cells[self.book.sheets[s]]
            for (r, c), cell in sorted(cells.items()):
                if isinstance(cell.value, str) and cell.value.strip():
                    index.setdefault(("col", c), []).append(r)
                    index.setdefault(("row", r), []).append(c)
        return index

    @staticmethod
    def _nearest(index: dict[tuple[str, int], list[int]], along: str, line: int, before: int) -> int:
        """Where the nearest text before `before` is on a column (`along` col) or a row; -1 if none."""
        texts = index.get((along, line), [])
        at = bisect.bisect_left(texts, before)
        return texts[at - 1] if at else -1

    def _nearest_text(self, p: Pos, along: str, within: int) -> str:
        s, row, col = p
        line, before = (col, row) if along == "col" else (row, col)
        other = self._nearest(self._index(s), along, line, before)
        if other < 0 or before - other > within:
            return ""
        where = (other, col) if along == "col" else (row, other)
        return str(self.book.cells[self.book.sheets[s]][where].value)
