"""A network read from one sheet's typed numbers, by the labels beside or above them.

`i1 i2 t1 t2 w1 … w8`, `x`, `y`, `η`, `LR`, `W1`, `b1` (the words of `cells.labels`): the first
row or block gives the starting numbers; the activation, the loss and the order of w1…w8 are
chosen as the ones whose forward pass the sheet holds.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from typing import Any

from sheetnet.book import Book
from sheetnet.cells.labels import INPUT_WORDS, TARGET_WORDS, label_token, names_eta, numbered
from sheetnet.formula import Pos
from sheetnet.infer.activations import ACTIVATIONS, OUTPUT_PREFERENCE
from sheetnet.infer.confirm import first_iteration, loss_in
from sheetnet.infer.reading import GUESSED_LOSS, Reading, coordinate

_RANGE = re.compile(r"^(?P<a>[a-zα-ω]+)_?(?P<i>\d+)\s*(?:…|\.\.\.?|-|–|—|to)\s*(?:[a-zα-ω]+_?)?(?P<j>\d+)$")


def _names_of(label: str, count: int) -> list[tuple[str, int]] | None:
    """What a label names, element by element: `i1, i2` → x1, x2; `w1 … w4`; `x` with two numbers
    → x1, x2; `W1` with four numbers → W1's elements; `η` → lr."""
    text = label.strip()
    upper_matrix = re.fullmatch(r"W_?(\d+)\s*(?:←|=|:)?", text)
    low = text.lower().strip(" :=←").replace("_", "")
    if not low:
        return None
    if names_eta(text):
        return [("lr", 0)] if count >= 1 else None
    if upper_matrix and count > 1:
        return [(f"W{upper_matrix.group(1)}", k) for k in range(count)]
    match = _RANGE.match(low)
    if match:
        i, j = int(match.group("i")), int(match.group("j"))
        return [(match.group("a"), n) for n in range(i, j + 1)] if 0 < j - i < 64 else None
    parts = [p for p in re.split(r"[,;\s]+", low) if p]
    named = []
    for part in parts:
        kind, n = numbered(part) or (part, 0)  # a name, numbered or not: `i1`, `x`
        if not re.fullmatch(r"[a-z]+", kind):
            return None
        named.append((kind, n))
    if len(named) == 1 and named[0][1] == 0 and count > 1:
        return [(named[0][0], k) for k in range(1, count + 1)]
    return named


class LabelReader:
    """One sheet of typed numbers, read by the labels beside or above them."""

    def __init__(self, book: Book, grid: Any, s: int) -> None:
        self.book, self.grid, self.s = book, grid, s
        self.sheet = book.sheets[s]
        self.found: dict[tuple[str, int], list[Pos]] = defaultdict(list)
        self.row_named: set[Pos] = set()
        self.row_labels: set[tuple[int, str]] = set()  # texts with numbers right of them
        cells = book.cells[self.sheet]
        # row labels: a text, then the numbers right of it
        by_row: dict[int, list[tuple[int, Any]]] = defaultdict(list)
        for (row, col), cell in cells.items():
            by_row[row].append((col, cell))
        headers: dict[int, list[tuple[int, str]]] = defaultdict(list)  # col → (row, text)
        for row in sorted(by_row):
            label, numbers = None, []
            for col, cell in sorted(by_row[row], key=lambda x: x[0]):
                if isinstance(cell.value, str) and cell.value.strip():
                    self._name_row(label, numbers)
                    label, numbers = cell.value, []
                    headers[col].append((row, cell.value))
                elif cell.is_number and math.isfinite(float(cell.value)):
                    numbers.append((self.s, row, col))
            self._name_row(label, numbers)
        # column headers: a text with no numbers right of it names the numbers below it, down to
        # the first cell that is no number
        for col, texts in headers.items():
            for row, text in texts:
                if (row, text) in self.row_labels:
                    continue
                names = _names_of(text, 1)
                if not names or len(names) != 1:
                    continue
                if names[0][0] == "lr" and (label_token(text) == "n" or _is_number(cells.get((row + 2, col)))):
                    continue  # `n` over 1, 2, 3 …, or a column of numbers: an iteration counter, not η
                r = row + 1
                while True:
                    cell = cells.get((r, col))
                    if cell is None or not cell.is_number or not math.isfinite(float(cell.value)):
                        break
                    if (self.s, r, col) not in self.row_named:
                        self.found[self._canonical(names[0])].append((self.s, r, col))
                    r += 1
        for positions in self.found.values():
            positions.sort(key=lambda p: (p[1], p[2]))

    def _name_row(self, label: str | None, numbers: list[Pos]) -> None:
        if label is None or not numbers:
            return
        names = _names_of(label, len(numbers))
        if names and len(names) == 1 and names[0][1] > 0 and len(numbers) > 1:
            names = names * len(numbers)  # one element, iteration after iteration along the row
        if not names or (len(names) != len(numbers) and not (names[0][0] == "lr")):
            return
        self.row_labels.add((numbers[0][1], label))
        for name, p in zip(names, numbers, strict=False):
            self.found[self._canonical(name)].append(p)
            self.row_named.add(p)

    @staticmethod
    def _canonical(name: tuple[str, int]) -> tuple[str, int]:
        kind, n = name
        if kind in INPUT_WORDS:
            return ("x", n)
        if kind in TARGET_WORDS:
            return ("y", n)
        return (kind, n)

    def value(self, p: Pos) -> float:
        return float(self.book.cells[self.sheet][(p[1], p[2])].value)

    def first(self, kind: str) -> list[tuple[int, Pos]]:
        """The first cell of each element of a kind, by element number."""
        return sorted((n, ps[0]) for (k, n), ps in self.found.items() if k == kind and ps)

    def readings(self) -> list[Reading]:
        xs, ys, ws = self.first("x"), self.first("y"), self.first("w")
        matrices = sorted({k for k, _ in self.found if re.fullmatch(r"W\d+", k)})
        if not xs or not ys or not (ws or matrices):
            return []
        n0, n_out = len(xs), len(ys)
        hidden = len(self.first("h"))
        values: dict[str, Any] = {}
        reading = Reading(self.sheet, "labels", values)
        if matrices:
            sizes = [n0]
            for name in matrices:
                count = len(self.first(name))
                if count % sizes[-1]:
                    return []
                sizes.append(count // sizes[-1])
            if sizes[-1] != n_out:
                return []
            orders = [("rows",) * (len(sizes) - 1)]
        else:
            if hidden == 0:
                if len(ws) % (n0 + n_out):
                    return []
                hidden = len(ws) // (n0 + n_out)
            if len(ws) != hidden * (n0 + n_out):
                return []
            sizes = [n0, hidden, n_out]
            # w1 … w8 numbered neuron by neuron (w1, w2 into h1), or input by input (w1, w2 from i1), layer by layer
            orders = list(itertools.product(("rows", "columns"), repeat=2))
        values["layers"] = sizes
        x = [self.value(p) for _, p in xs]
        y = [self.value(p) for _, p in ys]
        values["samples"] = [{"x": x, "y": y}]
        reading.cells["x"] = " ".join(self.coordinate(p) for _, p in xs)
        reading.cells["y"] = " ".join(self.coordinate(p) for _, p in ys)
        reading.names["x"] = " ".join(self.label(p) for _, p in xs)
        reading.names["y"] = " ".join(self.label(p) for _, p in ys)
        lr = self.first("lr")
        if lr:
            values["lr"] = self.value(lr[0][1])
            reading.eta_cell = reading.cells["lr"] = self.coordinate(lr[0][1])
        else:
            reading.missing["lr"] = "no number labelled η, eta, LR, learning rate or α"
        biases = self.first("b")
        depth = len(sizes) - 1
        best: tuple[int, dict[str, Any], dict[str, str], dict[str, str]] | None = None
        for order in orders:
            init, cells, names = self.parameters(sizes, order, ws, matrices, biases)
            if init is None:
                continue
            for hidden_kind in ACTIVATIONS:
                for output_kind in OUTPUT_PREFERENCE:
                    if depth == 1 and hidden_kind != output_kind:
                        continue
                    trial = {**values, "init": init, "activation": hidden_kind, "output_activation": output_kind}
                    score = self.score(trial)
                    if best is None or score > best[0]:
                        best = (score, trial, cells, names)
        if best is None or best[0] == 0:
            return []
        values.update(best[1])
        reading.cells.update(best[2])
        reading.names.update(best[3])
        values["loss"] = loss_in(self.grid, self.s, values) or GUESSED_LOSS
        trained = False
        for _, p in biases:
            later = [q for q in self.found[("b", _)] if q != p]
            trained = trained or any(not math.isclose(self.value(q), self.value(p), rel_tol=1e-12) for q in later)
        values["train_biases"] = trained
        key = ("w", ws[0][0]) if ws else (matrices[0], 0)
        values["iters"] = max(1, len(self.found[key]))
        reading.cells["iters"] = f"{len(self.found[key])} cells labelled {self.label(self.found[key][0])}"
        return [reading]

    def parameters(
        self,
        sizes: list[int],
        order: tuple[str, ...],
        ws: list[tuple[int, Pos]],
        matrices: list[str],
        biases: list[tuple[int, Pos]],
    ) -> tuple[dict[str, Any] | None, dict[str, str], dict[str, str]]:
        init: dict[str, Any] = {}
        cells: dict[str, str] = {}
        names: dict[str, str] = {}
        flat = [p for _, p in ws]
        at = 0
        for l in range(1, len(sizes)):
            rows, cols = sizes[l], sizes[l - 1]
            if matrices:
                ps = [p for _, p in self.first(matrices[l - 1])]
            else:
                ps = flat[at : at + rows * cols]
                at += rows * cols
            if len(ps) != rows * cols:
                return None, {}, {}
            grid = (
                [[ps[j * cols + i] for i in range(cols)] for j in range(rows)]
                if order[l - 1] == "rows"
                else [[ps[i * rows + j] for i in range(cols)] for j in range(rows)]
            )
            init[f"W{l}"] = [[self.value(p) for p in row] for row in grid]
            cells[f"W{l}"] = " ".join(self.coordinate(p) for row in grid for p in row)
            names[f"W{l}"] = " ".join(self.label(p) for row in grid for p in row)
            if len(biases) == len(sizes) - 1:  # one bias per layer, shared by its neurons
                p = biases[l - 1][1]
                init[f"B{l}"] = [self.value(p)] * rows
                cells[f"B{l}"] = self.coordinate(p)
                names[f"B{l}"] = self.label(p)
            elif len(biases) == sum(sizes[1:]):
                start = sum(sizes[1:l])
                ps_b = [p for _, p in biases[start : start + rows]]
                init[f"B{l}"] = [self.value(p) for p in ps_b]
                cells[f"B{l}"] = " ".join(self.coordinate(p) for p in ps_b)
                names[f"B{l}"] = " ".join(self.label(p) for p in ps_b)
            else:
                init[f"B{l}"] = [0.0] * rows
        return init, cells, names

    def score(self, values: dict[str, Any]) -> int:
        """How many numbers of iteration 0's forward pass the sheet holds."""
        first = first_iteration(values)
        if first is None:
            return 0
        return sum(1 for v in first[0] if math.isfinite(v) and self.grid.matches(v, [self.s]))

    def coordinate(self, p: Pos) -> str:
        return coordinate(p, self.s, self.book.sheets)

    def label(self, p: Pos) -> str:
        for key, ps in self.found.items():
            if p in ps:
                kind, n = key
                if kind == "lr":
                    return "η"
                return f"{kind}[{n}]" if re.fullmatch(r"W\d+", kind) else f"{kind}{n}"
        return ""


def _is_number(cell: Any) -> bool:
    return cell is not None and cell.is_number
