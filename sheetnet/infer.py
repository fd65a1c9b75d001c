"""The network a workbook trains, read from the workbook: `sheetnet init --from` and `check` without `--config`.

Three readers, tried in this order:

1. **Setup** — a workbook sheetnet wrote carries the network's kind (layers, activations, loss,
   optimizer) in a document property, and its numbers (η, x, y, the initial W and B) on its
   Setup sheet, where a person may have changed them.
2. **Formulas** — the workbook's own formulas say what it computes. An update reads
   `=E33-$H$31*X33` (the parameter, η, its gradient): the cells it starts from are the initial
   parameters, and the chain of updates counts the iterations. A pre-activation is a sum of
   products of such parameters and the cells they weigh (inputs, or activations of the layer
   before), plus perhaps a bias: which weight joins which cell to which neuron gives the layer
   sizes and W's shape. The formula reading only its pre-activation is the activation, named by
   evaluating it (σ, tanh, ReLU, leaky ReLU, identity). A target is the cell that, put in the
   place of an output, makes a formula on it zero (`0.5*(t-a)^2`, `a-t`).
3. **Labels** — typed numbers under or beside labels (`i1 i2 t1 t2 w1 … w8`, `x`, `y`, `η`, `LR`,
   `W1`, `b1`): the first row or block gives the starting numbers; the activation, the loss and
   the order of w1…w8 are chosen as the ones whose forward pass the workbook holds.

A reading is only offered if the run it defines is found in the workbook (`confirm`).
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import re
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sheetnet.book import Book, column_letter
from sheetnet.cells.arrays import spread
from sheetnet.cells.chains import TYPED_AGAIN
from sheetnet.cells.labels import INPUT_WORDS, TARGET_WORDS, Labels, label_token, names_eta, numbered
from sheetnet.errors import SheetnetError
from sheetnet.formula import (
    Bin,
    Call,
    FormulaError,
    Neg,
    Node,
    Num,
    Ref,
    Rng,
    evaluate,
    factors,
    parse,
    references,
    terms,
)
from sheetnet.outputs import one_line
from sheetnet.spec import NETWORK_PROPERTY, RATE_SHEETS, Network, parse_network

Pos = tuple[int, int, int]

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")  # the order a tie is settled in
OUTPUT_PREFERENCE = ("sigmoid", "tanh", "linear", "relu", "leaky_relu")  # positive outputs: ReLU or none
LEAKY_SLOPE = 0.01
PROBES = (-2.3, -0.7, -0.05, 0.3, 1.9)
PLACEHOLDER = "FILL IN"
MAX_FORMULAS = 50_000  # per sheet: more is no hand-made network (sheetnet's own are read from Setup)
GUESSED_LOSS = "½ squared error, not written"  # the loss of a sheet that writes none: chosen by the check


class NoNetwork(SheetnetError):
    """A workbook in which no network can be read."""


def _sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v)) if v > -700 else 0.0


FUNCTIONS = {
    "sigmoid": _sigmoid,
    "tanh": math.tanh,
    "relu": lambda v: max(0.0, v),
    "leaky_relu": lambda v: v if v > 0 else LEAKY_SLOPE * v,
    "linear": lambda v: v,
}


@dataclass
class Reading:
    """What was read: the network file's values, where each came from, and how sure it is."""

    sheet: str
    how: str  # "the Setup sheet", "formulas", "labels"
    values: dict[str, Any]  # the network file's keys (init as {"W1": …}, samples as [{x, y}])
    cells: dict[str, str] = field(default_factory=dict)  # key → the cells it came from ("E33 F33")
    names: dict[str, str] = field(default_factory=dict)  # key → the workbook's own names ("w1 w2")
    missing: dict[str, str] = field(default_factory=dict)  # key → why it could not be read
    eta_cell: str | None = None
    found: int = 0  # numbers of the run found in the workbook (confirm)
    total: int = 0
    verdict: str = ""
    others: list[Reading] = field(default_factory=list)  # the other tables, when there are several
    result: Any = None  # the check that confirmed it (every table, default tolerance)
    notes: list[str] = field(default_factory=list)  # what the reader had to decide, in words

    @property
    def complete(self) -> bool:
        return not self.missing

    def network(self) -> Network:
        """The network, validated as a network file is; NoNetwork while something is missing."""
        if self.missing:
            raise NoNetwork(f"{', '.join(self.missing)} could not be read from the workbook")
        return parse_network(self.toml(), source="the network read from the workbook")

    @property
    def shape(self) -> str:
        layers = self.values.get("layers")
        return "-".join(str(n) for n in layers) if isinstance(layers, list) else "?"

    def summary(self, *, sheet: bool = True) -> str:
        """`sheet Sheet1: 2-2-2 sigmoid, η 2 (G33), 32 iterations` (`, summed over the samples`,
        `, 1 sample an iteration` when the network says so)."""
        v = self.values
        kind = v.get("activation", "?")
        if v.get("output_activation") not in (None, kind):
            kind += f"/{v['output_activation']}"
        lr = v.get("lr")
        eta = f"η {lr:g}" if isinstance(lr, float | int) else "η not found"
        if self.eta_cell:
            eta += f" ({self.eta_cell})"
        iters = v.get("iters")
        count = f"{iters} iteration{'s' * (iters != 1)}" if isinstance(iters, int) else "iterations not found"
        where = f"sheet {self.sheet}: " if self.sheet and sheet else ""
        how = ", summed over the samples" if v.get("reduction") == "sum" else ""
        if isinstance(v.get("batch_size"), int):
            how += f", {v['batch_size']} sample{'s' * (v['batch_size'] != 1)} an iteration"
        return f"{where}{self.shape} {kind}, {eta}, {count}{how}"

    def certainty(self) -> str:
        """How sure the reading is, in one sentence."""
        if self.missing:
            return "incomplete: " + "; ".join(f"{key}: {why}" for key, why in self.missing.items())
        basis = {
            "the Setup sheet": "read from the Setup sheet sheetnet wrote",
            "formulas": "read from the workbook's formulas",
            "labels": "guessed from the labels and the numbers of the first iteration",
        }[self.how]
        if not self.total:
            return f"{basis}; not confirmed: the run it defines was not found in the workbook"
        share = self.found / self.total
        sure = "sure" if self.how != "labels" or share >= 0.5 or self.verdict == "right" else "a guess"
        return (
            f"{sure}: {basis}, and the run it defines is in the workbook "
            f"({self.found:,} of its {self.total:,} numbers found; the table is {self.verdict})"
        )

    def toml(self, *, source: str = "") -> str:
        """The network file, each value with a comment naming the cells it came from."""
        v = self.values
        # every comment on one line: a sheet's name, a label or a note read from the workbook may
        # hold a newline, which would start a line of TOML of its own (a key nobody wrote)
        lines = [
            "# "
            + one_line(f"The network of {source or 'a workbook'}, sheet {self.sheet}, read by sheetnet from ")
            + f"{_FROM[self.how]}."
        ]
        lines.append(f"# {one_line(self.certainty())}")
        lines += [f"# Note: {one_line(note)}" for note in self.notes]
        if self.missing:
            lines.append(f'# Values marked "{PLACEHOLDER}" could not be read: type them in before using this file.')
        lines.append("")

        def line(key: str, text: str) -> None:
            comment = " ".join(part for part in (self.cells.get(key, ""), _paren(self.names.get(key))) if part)
            if key in self.missing:
                comment = f"{PLACEHOLDER}: {self.missing[key]}"
            lines.append(f"{text:<34} # {one_line(comment)}" if comment else text)

        for key in ("layers", "activation", "output_activation", "loss", "lr", "iters", "train_biases"):
            if key in v or key in self.missing:
                line(key, f"{key} = {_toml_value(v.get(key, PLACEHOLDER))}")
        for key in ("optimizer", "momentum", "beta1", "beta2", "eps", "reduction", "batch_size"):
            if key in v:
                line(key, f"{key} = {_toml_value(v[key])}")
        lines += ["", "[init]"]
        for key, value in v.get("init", {}).items():
            line(key, f"{key} = {_toml_value(value)}")
        for s, sample in enumerate(v.get("samples", [{}])):
            lines += ["", "[[samples]]"]
            for name in ("x", "y"):
                key = name if s == 0 else f"{name}{s + 1}"
                line(key, f"{name} = {_toml_value(sample.get(name, PLACEHOLDER))}")
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "how": self.how,
            "summary": self.summary(),
            "certainty": self.certainty(),
            "network": self.values,
            "cells": self.cells,
            "names": self.names,
            "missing": self.missing,
            "found": self.found,
            "total": self.total,
            "notes": self.notes,
            "others": [{"sheet": o.sheet, "lr": o.values.get("lr"), "eta_cell": o.eta_cell} for o in self.others],
        }


_FROM = {"the Setup sheet": "its Setup sheet", "formulas": "its formulas", "labels": "its labels and numbers"}


def _coordinate(p: Pos, sheet: int, sheets: list[str]) -> str:
    """`E33`, or `Params!B1` for a cell of another sheet than `sheet`."""
    text = f"{column_letter(p[2])}{p[1]}"
    return text if p[0] == sheet else f"{sheets[p[0]]}!{text}"


def _is_number(cell: Any) -> bool:
    return cell is not None and cell.is_number


def _paren(text: str | None) -> str:
    return f"({text})" if text else ""


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else '"not a number"'
    if isinstance(value, str):  # JSON escapes every control character TOML forbids but DEL
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(value)


# --------------------------------------------------------------------------------------------------
# the entry point


def read_network(book: Book, *, sheet: str | None = None, confirm: bool = True) -> Reading:
    """The network `book` trains (the table on `sheet`, or the first table), with the others listed.

    NoNetwork if none can be read. A reading whose run is not found in the workbook is not offered.
    """
    if sheet is not None and sheet not in book.sheets:
        raise NoNetwork(f"{book.path} has no sheet {sheet!r} (its sheets: {', '.join(book.sheets)})")
    setup = _from_setup(book)
    if setup:  # one reading, or one per η sheet: the one on `sheet` first
        readings = sorted(setup, key=lambda r: sheet is not None and r.sheet != sheet)
    else:
        from sheetnet.check.grid import Grid

        grid = Grid(book)
        chosen = [s for s, name in enumerate(book.sheets) if sheet is None or name == sheet]
        readings = [r for s in chosen for r in _sheet_readings(_Formulas(book, grid, s))]
        if not readings:  # typed numbers: read by their labels only where no formula says more
            readings = [r for s in chosen for r in _sheet_readings(_Labels(book, grid, s))]
    if not readings:
        where = f"sheet {sheet!r} of {book.path}" if sheet else str(book.path)
        raise NoNetwork(
            f"no network found on {where}: no update formulas (w ← w − η·∂E/∂w) and no labelled "
            "starting numbers (i1, t1, w1, η); write a network file by hand (sheetnet init), or use --config"
        )
    first = readings[0]
    if confirm:
        # the first reading whose run is in the workbook (a few tried: each costs a check)
        for candidate in readings[:CONFIRM_AT_MOST]:
            if candidate.complete:
                _confirm(book, candidate)
                if candidate.total:
                    first = candidate
                    break
    trained = _trained_together(book, first.sheet)  # a sheet per iteration is one table
    first.others = [r for r in readings if r is not first and not _same_table(r, first) and r.sheet not in trained]
    return first


CONFIRM_AT_MOST = 4


def _sheet_readings(reader: Any) -> list[Reading]:
    """A sheet's readings; none where a number it needs is text or an error (η typed as "0.05")."""
    try:
        return reader.readings()
    except FormulaError:
        return []


def _same_table(a: Reading, b: Reading) -> bool:
    """Two readings of one table: the same sheet, the same network but for its starting numbers
    (a later row of a table whose rows each start from a copy of the row above)."""
    if a.sheet != b.sheet or a.how != b.how:
        return False
    keys = ("layers", "activation", "output_activation", "lr")
    columns = [[c.rstrip("0123456789") for c in r.cells.get("W1", "").split()] for r in (a, b)]
    return all(a.values.get(k) == b.values.get(k) for k in keys) and columns[0] == columns[1]


def _confirm(book: Book, reading: Reading) -> None:
    """Check the workbook against the network read: how much of its run is there, and the
    iterations set to those its table holds. The check of every table is kept (`result`).

    What the formulas do not say is chosen as what the workbook holds most of: the loss of a sheet
    that writes none (the one whose gradients it holds), and, with several samples an update, the
    reduction (the mean or the sum of their gradients, whichever its updates move by)."""
    from sheetnet.check import Tolerance, check_book

    result = None
    guessed = reading.values.get("loss") == GUESSED_LOSS
    losses = ("half_squared_error", "mse", "cross_entropy") if guessed else (reading.values.get("loss"),)
    samples = reading.values.get("samples") or [{}]
    several = reading.how != "the Setup sheet" and (reading.values.get("batch_size") or len(samples)) > 1
    reductions = ("mean", "sum") if several else (reading.values.get("reduction", "mean"),)
    if len(losses) * len(reductions) > 1:
        best: tuple[int, str, str, Any] | None = None
        for kind, reduction in itertools.product(losses, reductions):
            reading.values["loss"], reading.values["reduction"] = kind, reduction
            try:
                checked = check_book(book, reading.network(), Tolerance())
            except SheetnetError:
                continue
            table = _table_of(checked, reading)
            found = sum(e.status == "found" for e in table.elements) if table is not None else -1
            if best is None or found > best[0]:
                best = (found, kind, reduction, checked)
        reading.values["loss"] = best[1] if best else "half_squared_error"
        reduction = best[2] if best else "mean"
        result = best[3] if best else None
        if guessed:
            reading.cells["loss"] = "not written: the loss whose gradients the workbook holds"
        if reduction == "sum":
            reading.cells["reduction"] = "the updates move by the sum of the samples' gradients"
    else:
        reduction = reductions[0]
    if reduction == "mean":
        reading.values.pop("reduction", None)  # the default: the file says nothing of it
    else:
        reading.values["reduction"] = reduction
    network = reading.network()
    if result is None:
        result = check_book(book, network, Tolerance())
    table = _table_of(result, reading)
    if table is not None and reading.how != "the Setup sheet" and table.iterations != network.iters:
        reading.values["iters"] = table.iterations
        result = check_book(book, reading.network(), Tolerance())
        table = _table_of(result, reading) or table
    reading.result = result
    if table is None:
        reading.found, reading.total = 0, 0
        return
    reading.verdict = table.verdict
    reading.found = sum(e.status == "found" for e in table.elements)
    reading.total = len(table.elements)


def _table_of(result: Any, reading: Reading) -> Any:
    return next((t for t in result.tables if t.sheet == reading.sheet or reading.how == "the Setup sheet"), None)


# --------------------------------------------------------------------------------------------------
# 1. the Setup sheet of a workbook sheetnet wrote


def _from_setup(book: Book) -> list[Reading] | None:
    """The network of a workbook sheetnet wrote; of a run of several η, one reading per η sheet,
    each with the η in its B2."""
    kind = _read_property(book)
    if kind is None or "Setup" not in book.sheets:
        return None
    from sheetnet.layout import RATES_NOTE, place, setup_plan
    from sheetnet.net import setup_quantities

    try:
        rate_sheets = int(kind.pop(RATE_SHEETS, 1))
        samples = int(kind.pop("samples"))
        layers = [int(n) for n in kind["layers"]]
        values: dict[str, Any] = {**kind, "lr": 0.01, "iters": 1}
        values["init"] = {}
        for l in range(1, len(layers)):
            values["init"][f"W{l}"] = [[0.0] * layers[l - 1] for _ in range(layers[l])]
            values["init"][f"B{l}"] = [0.0] * layers[l]
        values["samples"] = [{"x": [0.0] * layers[0], "y": [1.0] + [0.0] * (layers[-1] - 1)} for _ in range(samples)]
        shape = Reading("Setup", "the Setup sheet", values).network()
    except (KeyError, TypeError, ValueError, SheetnetError):
        return None
    plan = setup_plan(shape, setup_quantities(shape), "", RATES_NOTE if rate_sheets > 1 else "")
    cells: dict[Any, Any] = {}
    place(plan, cells)
    sheet = book.cells["Setup"]
    reading = Reading("Setup", "the Setup sheet", values)

    def read(key: Any) -> tuple[float | None, str]:
        cell = cells[key]
        found = sheet.get((cell.row + 1, cell.col + 1))
        where = f"{column_letter(cell.col + 1)}{cell.row + 1}"
        if found is None or not found.is_number:
            return None, where
        return float(found.value), where

    for quantity in setup_quantities(shape):
        if rate_sheets > 1 and quantity.name == "η":
            continue  # on each η sheet
        numbers, where = zip(*(read(key) for key in quantity.keys), strict=True)
        target = quantity.name
        if any(n is None for n in numbers):
            reading.missing[target] = f"Setup {where[0]} holds no number"
            continue
        if quantity.name in ("η", "μ", "β1", "β2", "ε"):
            key = {"η": "lr", "μ": "momentum", "β1": "beta1", "β2": "beta2", "ε": "eps"}[quantity.name]
            values[key] = numbers[0]
            reading.cells[key] = where[0]
            if key == "lr":
                reading.eta_cell = f"Setup!{where[0]}"
        elif quantity.name in ("x", "y"):
            values["samples"][quantity.sample][quantity.name] = list(numbers)
            reading.cells[quantity.name if quantity.sample == 0 else f"{quantity.name}{quantity.sample + 1}"] = (
                " ".join(where)
            )
        else:
            rows, cols = quantity.shape if len(quantity.shape) == 2 else (1, quantity.shape[0])
            flat = list(numbers)
            values["init"][quantity.name] = (
                [flat[r * cols : (r + 1) * cols] for r in range(rows)] if len(quantity.shape) == 2 else flat
            )
            reading.cells[quantity.name] = " ".join(where)
    iters = _setup_iterations(book)
    values["iters"] = iters if iters is not None else 1
    return [reading] if rate_sheets == 1 else _rate_readings(book, reading)


def _rate_readings(book: Book, setup: Reading) -> list[Reading]:
    """A run of several η: a reading per η sheet (`η = 0.1`, …), Setup's numbers and its own η (B2)."""
    from sheetnet.layout import RATE_COL, RATE_ROW, sheet_ref

    readings = []
    for name in (s for s in book.sheets if s.startswith("η = ")):
        reading = Reading(name, setup.how, copy.deepcopy(setup.values), dict(setup.cells), missing=dict(setup.missing))
        found = book.cells[name].get((RATE_ROW + 1, RATE_COL + 1))
        where = f"{sheet_ref(name)}!{column_letter(RATE_COL + 1)}{RATE_ROW + 1}"
        if found is None or not found.is_number:
            reading.missing["lr"] = f"{where} holds no number"
        else:
            reading.values["lr"] = float(found.value)
            reading.cells["lr"] = reading.eta_cell = where
        readings.append(reading)
    if not readings:
        setup.missing["lr"] = "no η sheet (η = …) is left in the workbook"
        return [setup]
    return readings


def _read_property(book: Book) -> dict[str, Any] | None:
    try:
        with zipfile.ZipFile(book.path) as archive:
            info = archive.getinfo("docProps/custom.xml")
            if info.file_size > 1_000_000:
                return None
            text = archive.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    match = re.search(r'name="' + NETWORK_PROPERTY + r'"[^>]*>\s*<vt:lpwstr>(.*?)</vt:lpwstr>', text, re.S)
    if match is None:
        return None
    import html

    try:
        kind = json.loads(html.unescape(match.group(1)))
    except ValueError:
        return None
    return kind if isinstance(kind, dict) else None


def _setup_iterations(book: Book) -> int | None:
    for cell in book.cells["Setup"].values():
        if cell.value == "iterations":
            number = book.cells["Setup"].get((cell.row, cell.col + 1))
            if number is not None and number.is_number and float(number.value).is_integer() and number.value >= 1:
                return int(number.value)
    return None


# --------------------------------------------------------------------------------------------------
# 2. formulas


@dataclass
class _Neuron:
    z: Pos  # its pre-activation
    out: Pos  # its activation (z itself for a linear neuron written once)
    kind: str  # activation
    weights: list[tuple[Pos, Pos]]  # (the weight's cell, the cell it weighs)
    bias: Pos | float | None


class _Formulas:
    """One sheet's formulas, read as a network."""

    def __init__(self, book: Book, grid: Any, s: int) -> None:
        self.book, self.grid, self.s = book, grid, s
        self.labels = Labels(book)
        self.trees: dict[Pos, Node] = {}
        self.used: set[Pos] = set()  # the parameters the pre-activations read (set by `readings`)
        self.copies: dict[Pos, list[Pos]] | None = None  # cell → the cells `=cell` (see `successor`)
        self.read: Counter[Pos] | None = None  # how many formulas read each cell (see `repeated`)
        formulas = [(rc, cell) for rc, cell in book.cells[book.sheets[s]].items() if cell.formula]
        if len(formulas) > MAX_FORMULAS:  # no homework network: not read (parsing takes ~0.1 ms a formula)
            formulas = []
        for (row, col), cell in formulas:
            try:
                self.trees[(s, row, col)] = parse(cell.formula, s, book.sheets, book.names)
            except FormulaError:
                continue
            if cell.array:  # `{=MMULT(X,W)+b}`: each cell of it as the sum of products it computes
                self.trees.update(spread((s, row, col), self.trees[(s, row, col)], cell.array))

    def value(self, p: Pos) -> float:
        cell = self.book.cells[self.book.sheets[p[0]]].get((p[1], p[2]))
        if cell is None or not cell.is_number:
            raise FormulaError(f"no number at {p}")
        return float(cell.value)

    def coordinate(self, p: Pos) -> str:
        return _coordinate(p, self.s, self.book.sheets)

    # updates: P − η·G
    def updates(self) -> dict[Pos, tuple[Pos, Node]]:
        """Every formula `P − η·G` (G a cell, or a product written inline: `=E5-$B$1*S5*K5`, or a
        sum divided by the samples: `=E5-$B$1*S12/4`), as (P, η). Which factor is η: the one most
        updates share."""
        options: dict[Pos, list[tuple[Pos, Node]]] = {}
        for u, tree in self.trees.items():
            # P − η·G, or the delta rule's P + η·δ·a (δ = −∂E/∂net)
            if not (isinstance(tree, Bin) and tree.op in "-+" and isinstance(tree.left, Ref)):
                continue
            step = tree.right
            if isinstance(step, Ref) and step.pos in self.trees and tree.op == "+":
                step = self.trees[step.pos]  # w + Δw, the step a cell of its own: Δw = −η·g
                step = step.arg if isinstance(step, Neg) else step
            if isinstance(step, Bin) and step.op == "/" and isinstance(step.right, Num):
                step = step.left  # η·Σ/N: the mean written through the sum (the divisor is no η)
            # −η·g parses as (−η)·g: a factor's sign is no factor
            fs = [f.arg if isinstance(f, Neg) else f for f in factors(step)] if tree.op == "+" else factors(step)
            if not 2 <= len(fs) <= 6 or tree.left.pos == u:
                continue
            found = []
            for k, eta in enumerate(fs):
                rest = fs[:k] + fs[k + 1 :]
                if isinstance(eta, Ref | Num) and not any(isinstance(f, Ref) and f.pos == tree.left.pos for f in rest):
                    if any(isinstance(f, Ref) for f in rest) or any(not isinstance(f, Num) for f in rest):
                        found.append((tree.left.pos, eta))
            if found:
                options[u] = [(self.repeated(p), eta) for p, eta in found]
        # η is the factor most updates share (the same cell, or the same typed number)
        votes = Counter(_eta_key(eta) for found in options.values() for _, eta in found)
        chosen = {}
        for u, found in options.items():
            chosen[u] = max(found, key=lambda f: (votes[_eta_key(f[1])], isinstance(f[1], Ref) and f[1].absolute))
        return chosen

    def repeated(self, p: Pos) -> Pos:
        """The cell a typed parameter repeats, if no formula but its update reads it and the same
        number is typed above it in its column where formulas read it (a row per phase types the
        weights again): the parameter is the one the forward pass reads."""
        if self.read is None:
            self.read = Counter(r.pos for tree in self.trees.values() for r in references(tree))
        cell = self.book.cells[self.book.sheets[p[0]]].get((p[1], p[2]))
        if cell is None or cell.formula or not cell.is_number or self.read[p] > 1:
            return p
        for row in range(p[1] - 1, max(0, p[1] - TYPED_AGAIN), -1):
            above = self.book.cells[self.book.sheets[p[0]]].get((row, p[2]))
            if above is not None and not above.formula and above.value == cell.value and self.read[(p[0], row, p[2])]:
                return (p[0], row, p[2])
        return p

    def readings(self) -> list[Reading]:
        updates = self.updates()
        if not updates:
            return []
        after = {p: u for u, (p, _) in updates.items()}
        roots = {p for p in after if p not in updates}
        neurons = self.neurons(roots)
        if not neurons:
            return []
        self.used = {param for n in neurons.values() for param, _ in n.weights}
        out = []
        clusters: dict[frozenset[Pos], list[list[_Neuron]]] = {}
        for group in self.tables(neurons):  # the groups that use the same weights are its samples
            clusters.setdefault(frozenset(w for n in group for w, _ in n.weights), []).append(group)
        for groups in clusters.values():
            reading = self.reading(groups[0], roots, after, updates, samples=groups[1:])
            if reading is not None:
                self.read_batches(reading, groups[0], after, updates)
                out.append(reading)
        return out

    def successor(self, p: Pos, after: dict[Pos, Pos]) -> Pos | None:
        """The parameter the next iteration uses: the update of `p`, or the update of a cell that
        copies it (a block per iteration that starts from `=B12`, the update of the block before)."""
        if p in after:
            return after[p]
        if self.copies is None:
            self.copies = defaultdict(list)
            for q, tree in self.trees.items():
                if isinstance(tree, Ref):
                    self.copies[tree.pos].append(q)
        return next((after[c] for c in self.copies.get(p, ()) if c in after), None)

    def read_batches(
        self, reading: Reading, group: list[_Neuron], after: dict[Pos, Pos], updates: dict[Pos, tuple[Pos, Node]]
    ) -> None:
        """Online or mini-batch learning: iteration 1 (and on) reads other samples than iteration 0.
        The samples of the iterations that follow, one after the other, repeat from where they
        wrap around: they are the samples, and iteration 0's count is the batch size."""
        first = reading.values["samples"]
        if not first or any("y" not in sample for sample in first):
            return
        b = len(first)
        seen: list[tuple[tuple[float, ...], tuple[float, ...]]] = [(tuple(s["x"]), tuple(s["y"])) for s in first]
        where: list[dict[str, str]] = [_sample_cells(reading, k) for k in range(b)]
        current = {param: param for n in group for param, _ in n.weights}
        for t in range(1, min(reading.values["iters"], SCAN_AT_MOST)):
            moved = {p: self.successor(q, after) for p, q in current.items()}
            if any(q is None for q in moved.values()):
                break
            current = moved  # type: ignore[assignment]
            used = set(current.values())
            groups = self.tables(self.neurons(used))  # type: ignore[arg-type]
            mine = [g for g in groups if {w for n in g for w, _ in n.weights} <= used]
            later = self.reading(mine[0], used, after, updates, samples=mine[1:]) if mine else None  # type: ignore[arg-type]
            if later is None or later.values["layers"] != reading.values["layers"]:
                break
            batch = later.values["samples"]
            if len(batch) != b or any("y" not in sample for sample in batch):
                break
            pairs = [(tuple(s["x"]), tuple(s["y"])) for s in batch]
            if t == 1 and pairs == seen:
                return  # every sample in every iteration
            seen += pairs
            where += [_sample_cells(later, k) for k in range(b)]
            if len(seen) >= 2 * _period(seen, b):
                break
        if len(seen) == b:
            return
        n = _period(seen, b)
        if n == b and all(seen[j] == seen[j % b] for j in range(len(seen))):
            return
        reading.values["samples"] = [{"x": list(x), "y": list(y)} for x, y in seen[:n]]
        for k in range(b, n):
            for name in ("x", "y"):
                key = f"{name}{k + 1}"
                reading.cells[key] = where[k].get(f"{name}cells", "")
                reading.names[key] = where[k].get(f"{name}names", "")
        if b < n:
            reading.values["batch_size"] = b
            cells = where[b].get("xcells", "").split()
            rows = sorted({int(m.group(1)) for c in cells if (m := re.search(r"(\d+)$", c))})
            at = f" (row {rows[0]})" if rows else ""
            reading.cells["batch_size"] = (
                f"{'a sample' if b == 1 else f'{b} samples'} an iteration: iteration 1 reads the next{at}"
            )

    def neurons(self, roots: set[Pos]) -> dict[Pos, _Neuron]:
        """Every pre-activation of iteration 0: a sum of (initial weight × cell) and perhaps a bias."""
        found: dict[Pos, _Neuron] = {}
        for z, tree in self.trees.items():
            weights, biases, ok = [], [], True
            for sign, term in terms(tree):
                fs = factors(term)
                if sign < 0:
                    ok = False
                elif len(fs) == 2 and all(isinstance(f, Ref) for f in fs):
                    first, second = fs  # type: ignore[misc]
                    params = [f for f in (first, second) if self.origin(f.pos, roots) in roots]
                    if len(params) != 1:
                        ok = False
                    else:
                        other = second if params[0] is first else first
                        weights.append((self.origin(params[0].pos, roots), other.pos))
                elif len(fs) == 1 and _sumproduct(fs[0]) is not None:
                    for first, second in _sumproduct(fs[0]):  # type: ignore[union-attr]
                        params = [p for p in (first, second) if self.origin(p, roots) in roots]
                        if len(params) != 1:
                            ok = False
                            break
                        weights.append((self.origin(params[0], roots), second if params[0] == first else first))
                elif len(fs) == 1 and isinstance(fs[0], Ref):
                    biases.append(
                        self.origin(fs[0].pos, roots) if self.origin(fs[0].pos, roots) in roots else fs[0].pos
                    )
                elif len(fs) == 1 and isinstance(fs[0], Num):
                    biases.append(fs[0].value)
                else:
                    ok = False
                if not ok:
                    break
            if ok and weights and len(biases) <= 1:
                found[z] = _Neuron(z, z, "linear", weights, biases[0] if biases else None)
        # activations: a formula reading only the pre-activation, evaluated at a few points
        # (or reading a cell that reads only it: `=EXP(-h1)`, then `=1/(1+X7)`)
        readers: dict[Pos, list[Pos]] = defaultdict(list)
        leaves: dict[Pos, frozenset[Pos]] = {}
        for a in self.trees:
            reached = self.leaves(a, found, leaves)
            if len(reached) == 1:
                (z,) = reached
                if z in found and a not in found:
                    readers[z].append(a)
        for z, candidates in readers.items():
            best = None
            for a in sorted(candidates, key=lambda p: (p[1], p[2])):
                kind = self.activation(a, z)
                if kind is not None and (best is None or (best[1] == "linear" and kind != "linear")):
                    best = (a, kind)
            if best is not None:
                found[z].out, found[z].kind = best
        return found

    def origin(self, p: Pos, roots: set[Pos]) -> Pos:
        """The parameter a copy (`=C4`, copied again) copies, for a sample's row that copies the
        weights of the first; the cell itself if it is a parameter or copies none."""
        for _ in range(8):
            if p in roots:
                break
            tree = self.trees.get(p)
            if not isinstance(tree, Ref):
                break
            p = tree.pos
        return p

    def leaves(
        self, p: Pos, neurons: dict[Pos, Any], memo: dict[Pos, frozenset[Pos]], depth: int = 0
    ) -> frozenset[Pos]:
        """The cells a formula reads, through the formulas between it and a pre-activation (three deep)."""
        if p in memo:
            return memo[p]
        tree = self.trees.get(p)
        if tree is None or depth > 3:
            return frozenset({p})
        out: set[Pos] = set()
        for ref in references(tree):
            q = ref.pos
            if q in neurons or q not in self.trees or len(out) > 1:
                out.add(q)
            else:
                out |= self.leaves(q, neurons, memo, depth + 1)
        memo[p] = frozenset(out)
        return memo[p]

    def activation(self, a: Pos, z: Pos) -> str | None:
        """The activation the formula at `a` computes of the pre-activation at `z`, if any."""

        def at(v: float) -> float:
            def value(p: Pos, depth: int = 0) -> float:
                if p == z:
                    return v
                if p not in self.trees or depth > 3:
                    raise FormulaError("reads more than the pre-activation")
                return evaluate(self.trees[p], lambda q: value(q, depth + 1))

            return evaluate(self.trees[a], value)

        try:
            results = [at(v) for v in PROBES]
        except FormulaError:
            return None
        for kind in ACTIVATIONS:
            f = FUNCTIONS[kind]
            if all(math.isclose(r, f(v), rel_tol=1e-4, abs_tol=1e-9) for r, v in zip(results, PROBES, strict=True)):
                return kind
        return None
        return None

    def tables(self, neurons: dict[Pos, _Neuron]) -> list[list[_Neuron]]:
        """The neurons in groups that feed each other (one group per table), in reading order."""
        parent: dict[Pos, Pos] = {}

        def find(p: Pos) -> Pos:
            while parent.setdefault(p, p) != p:
                p = parent[p]
            return p

        by_out = {n.out: n for n in neurons.values()}
        for n in neurons.values():
            for _, source in n.weights:
                other = by_out.get(source)
                parent[find(n.z)] = find(other.z if other else source)
        groups: dict[Pos, list[_Neuron]] = defaultdict(list)
        for n in neurons.values():
            groups[find(n.z)].append(n)
        return sorted(groups.values(), key=lambda g: min((n.z[1], n.z[2]) for n in g))

    def reading(
        self,
        group: list[_Neuron],
        roots: set[Pos],
        after: dict[Pos, Pos],
        updates: dict[Pos, tuple[Pos, Node]],
        samples: list[list[_Neuron]] = (),  # type: ignore[assignment]
    ) -> Reading | None:
        by_out = {n.out: n for n in group}
        depth: dict[Pos, int] = {}

        def level(n: _Neuron, seen: frozenset[Pos] = frozenset()) -> int:
            if n.z not in depth:
                if n.z in seen:
                    raise FormulaError("a cycle")
                sources = [by_out[s] for _, s in n.weights if s in by_out]
                depth[n.z] = 1 + max((level(m, seen | {n.z}) for m in sources), default=0)
            return depth[n.z]

        try:
            for n in group:
                level(n)
        except FormulaError:
            return None
        layers: list[list[_Neuron]] = [[n for n in group if depth[n.z] == d] for d in range(1, max(depth.values()) + 1)]
        if any(not layer for layer in layers):
            return None
        inputs = {s for n in layers[0] for _, s in n.weights}
        if any(s in by_out for s in inputs):
            return None
        inputs_sorted = self.order(sorted(inputs))
        layers = [self.order_neurons(layer) for layer in layers]
        outs = [[n.out for n in layer] for layer in layers]
        values: dict[str, Any] = {}
        reading = Reading(self.book.sheets[self.s], "formulas", values)
        sizes = [len(inputs_sorted)] + [len(layer) for layer in layers]
        values["layers"] = sizes
        hidden = {n.kind for layer in layers[:-1] for n in layer}
        output = {n.kind for n in layers[-1]}
        if len(hidden) > 1 or len(output) > 1:
            return None  # sheetnet trains one activation for the hidden layers and one for the output
        values["activation"] = next(iter(hidden)) if hidden else "linear"  # no hidden layer: none applies
        values["output_activation"] = next(iter(output))
        self.read_twice(layers, roots, reading)
        values["init"] = {}
        trained: list[bool] = []
        for l, layer in enumerate(layers, start=1):
            previous = inputs_sorted if l == 1 else outs[l - 2]
            w, b, w_cells, b_cells, w_names, b_names = [], [], [], [], [], []
            for n in layer:
                weights = {source: param for param, source in n.weights}
                if set(weights) != set(previous) or len(n.weights) != len(previous):
                    return None  # not fully connected
                w.append([self.value(weights[source]) for source in previous])
                w_cells += [self.coordinate(weights[source]) for source in previous]
                w_names += [self.name(weights[source]) for source in previous]
                if isinstance(n.bias, tuple):
                    b.append(self.value(n.bias))
                    b_cells.append(self.coordinate(n.bias))
                    b_names.append(self.name(n.bias))
                    trained.append(n.bias in roots)
                else:
                    b.append(float(n.bias or 0.0))
            values["init"][f"W{l}"] = w
            values["init"][f"B{l}"] = b
            reading.cells[f"W{l}"] = " ".join(w_cells)
            reading.names[f"W{l}"] = " ".join(x for x in w_names if x)
            if b_cells:
                reading.cells[f"B{l}"] = " ".join(b_cells)
                reading.names[f"B{l}"] = " ".join(x for x in b_names if x)
        values["train_biases"] = bool(trained) and Counter(trained).most_common(1)[0][0]
        network_cells = (
            set(roots) | {n.out for g in [group, *samples] for n in g} | {n.z for g in [group, *samples] for n in g}
        )
        values["samples"] = []
        # the other samples' cells, matched to this one's by the weights they meet
        first_weight = {source: param for n in layers[0] for param, source in n.weights}
        out_weights = [frozenset(w for w, _ in n.weights) for n in layers[-1]]
        for s, members in enumerate([group, *samples]):
            if s == 0:
                xs, ys = inputs_sorted, outs[-1]
            else:
                by_param = {param: source for n in members for param, source in n.weights}
                by_weights = {frozenset(w for w, _ in n.weights): n.out for n in members}
                xs = [by_param.get(first_weight[p]) for p in inputs_sorted]
                ys = [by_weights.get(key) for key in out_weights]
                if any(p is None for p in xs) or any(p is None for p in ys):
                    continue
            key = "" if s == 0 else str(len(values["samples"]) + 1)
            targets = [self.target(out, network_cells) for out in ys]
            sample: dict[str, Any] = {"x": [self.value(p) for p in xs]}
            reading.cells["x" + key] = " ".join(self.coordinate(p) for p in xs)
            reading.names["x" + key] = " ".join(filter(None, (self.name(p) for p in xs)))
            if all(t is not None for t in targets):
                sample["y"] = [self.value(t) for t in targets]  # type: ignore[arg-type]
                reading.cells["y" + key] = " ".join(self.coordinate(t) for t in targets)  # type: ignore[arg-type]
                reading.names["y" + key] = " ".join(filter(None, (self.name(t) for t in targets)))  # type: ignore[arg-type]
            else:
                reading.missing["y" + key] = "no formula compares the outputs with targets (0.5*(t-a)^2)"
            values["samples"].append(sample)
        # η and the iterations, from the updates of this table's weights
        params = [param for layer in layers for n in layer for param, _ in n.weights]
        etas = Counter()
        where: dict[Any, list[Pos]] = defaultdict(list)
        for param in params:
            u = after.get(param)
            if u is not None:
                eta = updates[u][1]
                etas[_eta_key(eta)] += 1
                where[_eta_key(eta)].append(u)
        if etas:
            key = etas.most_common(1)[0][0]
            if key[0] == "cell":
                values["lr"] = self.value(key[1])
                reading.eta_cell = self.coordinate(key[1])
                reading.cells["lr"] = reading.eta_cell
                reading.names["lr"] = self.name(key[1])
            else:
                values["lr"] = key[1]
                first = min(where[key], key=lambda p: (p[1], p[2]))
                reading.cells["lr"] = f"typed in the updates ({self.coordinate(first)} …)"
        else:
            reading.missing["lr"] = "no update formula of these weights"
        lengths = []
        chained = _chained_iterations(self.book)  # across sheets too: a sheet per iteration
        for param in params:
            count, p = 1, param
            while (q := self.successor(p, after)) is not None and count < 1_048_576:
                p, count = q, count + 1
            lengths.append(max(count, chained.get(param, 0)))
        values["iters"] = max(lengths)
        first_rows = sorted({p[1] for p in params})
        reading.cells["iters"] = f"the chain of updates from row {first_rows[0]}"
        values["loss"] = _loss_in(self.grid, self.s, values) or GUESSED_LOSS
        return reading

    def read_twice(self, layers: list[list[_Neuron]], roots: set[Pos], reading: Reading) -> None:
        """A weight read twice (`=w1*i1+w1*i2`, a slip) where another, updated like a weight, is read
        by no pre-activation: that one is taken in the second place, and the reading says so."""
        seen: set[Pos] = set()
        twice: list[tuple[_Neuron, int]] = []
        for layer in layers:
            for n in layer:
                for k, (param, _) in enumerate(n.weights):
                    if param in seen:
                        twice.append((n, k))
                    seen.add(param)
        if not twice:
            return
        rows = [p[1] for p in seen]
        cols = [p[2] for p in seen]
        unused = [
            r
            for r in roots - self.used
            if r[0] == self.s and min(rows) <= r[1] <= max(rows) and min(cols) <= r[2] <= max(cols)
        ]
        if len(unused) != len(twice):
            return
        for n, k in twice:
            param, source = n.weights[k]
            nearest = min(unused, key=lambda r: (abs(r[1] - param[1]) + abs(r[2] - param[2]), r))
            unused.remove(nearest)
            n.weights[k] = (nearest, source)
            reading.notes.append(
                f"{self.coordinate(n.z)} reads {self.label(param)} twice; {self.label(nearest)}, updated like a "
                "weight but read by no pre-activation, is taken in its second place (a slip in that formula?)"
            )

    def label(self, p: Pos) -> str:
        name = self.name(p)
        return f"{name} ({self.coordinate(p)})" if name else self.coordinate(p)

    def order(self, cells: list[Pos]) -> list[Pos]:
        """Cells in the order their labels number them (i1, i2), else in reading order."""
        numbers = [(numbered(self.name(p)) or (None, None))[1] for p in cells]
        if all(n is not None for n in numbers) and len(set(numbers)) == len(numbers):
            return [p for _, p in sorted(zip(numbers, cells, strict=True))]
        return sorted(cells, key=lambda p: (p[0], p[2], p[1]) if self._row_layout(cells) else (p[0], p[1], p[2]))

    def order_neurons(self, layer: list[_Neuron]) -> list[_Neuron]:
        ordered = self.order([n.z for n in layer])
        by_z = {n.z: n for n in layer}
        return [by_z[z] for z in ordered]

    @staticmethod
    def _row_layout(cells: list[Pos]) -> bool:
        return len({p[1] for p in cells}) == 1

    def name(self, p: Pos) -> str:
        """The label the workbook gives a cell: its column's header, else its row's label."""
        if p[0] != self.s:
            return ""
        for text in (self.labels.header(p), self.labels.row_label(p)):
            token = label_token(text)
            if token and len(token) <= 12 and re.search(r"[a-zα-ωη]", token):
                original = text.strip()
                return original[: len(token)] if original.lower().startswith(token) else token
        return ""

    def target(self, out: Pos, network_cells: set[Pos]) -> Pos | None:
        """The cell that, put in the place of output `out`, makes a formula reading both zero."""
        votes: Counter[Pos] = Counter()
        for f, tree in self.trees.items():
            refs = {r.pos for r in references(tree)}
            if out not in refs or f in network_cells or len(refs) > 6:
                continue
            for t in refs - {out} - network_cells:
                if t in self.trees and not isinstance(self.trees[t], Num | Ref):
                    continue  # a target is typed (or copied), never computed
                try:
                    tv = self.value(t)
                    if abs(tv - self.value(out)) < 1e-12:
                        continue
                    swapped = evaluate(tree, lambda p, tv=tv: tv if p == out else self.value(p))
                    actual = evaluate(tree, self.value)
                except FormulaError:
                    continue
                if abs(swapped) <= 1e-12 and abs(actual) > 1e-12:
                    votes[t] += 1
        if not votes:
            return None
        return max(votes, key=lambda t: (votes[t], -t[1], -t[2]))


SCAN_AT_MOST = 64  # iterations read for the samples of online or mini-batch learning


def _trained_together(book: Book, sheet: str) -> set[str]:
    """The sheets whose parameters continue the update chains that start on `sheet`."""
    from sheetnet.check.derive import derive

    derivation = derive(book)
    if derivation is None or sheet not in book.sheets:
        return set()
    s = book.sheets.index(sheet)
    return {
        book.sheets[c[0]]
        for table in derivation.chains.tables(derivation.formulas)
        if any(chain[0][0] == s for chain in table.links)
        for chain in table.links
        for c in chain
    } - {sheet}


def _chained_iterations(book: Book) -> dict[Pos, int]:
    """Each parameter's iterations by the workbook's update chains (`cells.chains`), by its first
    cell: its updates, and one more where the last update feeds a forward pass of its own."""
    from sheetnet.cells.chains import feeds
    from sheetnet.check.derive import derive

    derivation = derive(book)
    if derivation is None:
        return {}
    f = derivation.formulas
    return {chain[0]: len(chain) - 1 + feeds(f, chain[-1]) for chain in derivation.chains.links}


def _sample_cells(reading: Reading, k: int) -> dict[str, str]:
    """Where a reading's sample k came from: its x and y cells and names."""
    key = "" if k == 0 else str(k + 1)
    return {
        "xcells": reading.cells.get("x" + key, ""),
        "ycells": reading.cells.get("y" + key, ""),
        "xnames": reading.names.get("x" + key, ""),
        "ynames": reading.names.get("y" + key, ""),
    }


def _period(seen: list[Any], least: int) -> int:
    """The smallest n ≥ `least` after which `seen` repeats itself (len(seen) if it does not)."""
    for n in range(least, len(seen)):
        if all(seen[j] == seen[j - n] for j in range(n, len(seen))):
            return n
    return len(seen)


def _sumproduct(node: Node) -> list[tuple[Pos, Pos]] | None:
    """SUMPRODUCT(E33:F33, C33:D33) as the pairs it multiplies."""
    if isinstance(node, Call) and node.name == "SUMPRODUCT" and len(node.args) == 2:
        a, b = node.args
        if isinstance(a, Rng) and isinstance(b, Rng) and len(a.cells) == len(b.cells):
            return list(zip(a.cells, b.cells, strict=True))
    return None


def _eta_key(eta: Node) -> tuple[str, Any]:
    return ("cell", eta.pos) if isinstance(eta, Ref) else ("number", eta.value)  # type: ignore[union-attr]


def _first_iteration(values: dict[str, Any], loss: str = "half_squared_error") -> tuple[list[float], float] | None:
    """Iteration 0 of a reading's network, first sample, as sheetnet's engine computes it: every
    layer's O and f(O), flat, and the loss. None if the values make no network."""
    from sheetnet.spec import Sample
    from sheetnet.trace import run

    try:
        depth = len(values["layers"]) - 1
        sample = values["samples"][0]
        network = Network(
            layers=tuple(values["layers"]),
            activation=values["activation"],
            output_activation=values["output_activation"],
            loss=loss,
            lr=1.0,
            iters=1,
            weights=tuple(tuple(map(tuple, values["init"][f"W{l}"])) for l in range(1, depth + 1)),
            biases=tuple(tuple(values["init"][f"B{l}"]) for l in range(1, depth + 1)),
            samples=(Sample(tuple(sample["x"]), tuple(sample["y"])),),
            train_biases=False,
        )
        trace = run(network)
    except (KeyError, TypeError, ValueError, ArithmeticError, IndexError):
        return None
    layers = trace.to_json()["iterations"][0]["samples"][0]["layers"]
    numbers = [v for layer in layers for v in (*layer["S"], *layer["A"])]
    return [v for v in numbers if v is not None], trace.loss(0)


def _loss_in(grid: Any, s: int, values: dict[str, Any]) -> str | None:
    """The loss whose value of iteration 0 (first sample) the sheet holds; None if it holds none."""
    for kind in ("half_squared_error", "mse", "cross_entropy"):
        first = _first_iteration(values, kind)
        if first is not None and math.isfinite(first[1]) and grid.matches(first[1], [s]):
            return kind
    return None


# --------------------------------------------------------------------------------------------------
# 3. labels


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


class _Labels:
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
        values["loss"] = _loss_in(self.grid, self.s, values) or GUESSED_LOSS
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
        first = _first_iteration(values)
        if first is None:
            return 0
        return sum(1 for v in first[0] if math.isfinite(v) and self.grid.matches(v, [self.s]))

    def coordinate(self, p: Pos) -> str:
        return _coordinate(p, self.s, self.book.sheets)

    def label(self, p: Pos) -> str:
        for key, ps in self.found.items():
            if p in ps:
                kind, n = key
                if kind == "lr":
                    return "η"
                return f"{kind}[{n}]" if re.fullmatch(r"W\d+", kind) else f"{kind}{n}"
        return ""
