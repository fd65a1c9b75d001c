"""How much of the run a reading defines the workbook holds: its check, and iteration 0 found by value.

`confirm` checks the workbook against the network read (every table, default tolerance) and
keeps the count of the run's numbers found; `loss_in` and `first_iteration` match iteration 0 of
a reading's network against a sheet's numbers, to choose what the sheet's formulas do not say.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from sheetnet.book import Book
from sheetnet.errors import SheetnetError
from sheetnet.infer.reading import GUESSED_LOSS, Reading
from sheetnet.spec import Network

SCREENED_ITERATIONS = 2  # a loss or a reduction shows in the first updates: runs this long compared


def confirm(book: Book, reading: Reading, grid: Any = None) -> None:
    """Check the workbook against the network read: how much of its run is there, and the
    iterations set to those its table holds. The check of every table is kept (`result`).

    What the formulas do not say is chosen as what the workbook holds most of: the loss of a sheet
    that writes none (the one whose gradients it holds), and, with several samples an update, the
    reduction (the mean or the sum of their gradients, whichever its updates move by); of choices
    that find as many of its numbers, the one that makes fewer of its cells slips (a forward slip
    leaves every number after it the run's nowhere: the right loss only follows from it). Only the
    choices whose first updates the workbook holds most of (`_updates_held`) are checked: a check
    costs the time of reading the file several times, a short run found by value very little."""
    result = None
    guessed = reading.values.get("loss") == GUESSED_LOSS
    losses = ("half_squared_error", "mse", "cross_entropy") if guessed else (reading.values.get("loss"),)
    samples = reading.values.get("samples") or [{}]
    several = reading.how != "the Setup sheet" and (reading.values.get("batch_size") or len(samples)) > 1
    reductions = ("mean", "sum") if several else (reading.values.get("reduction", "mean"),)
    if len(losses) * len(reductions) > 1:
        if grid is None:
            from sheetnet.check.grid import Grid

            grid = Grid(book)
        choices = []
        for kind, reduction in itertools.product(losses, reductions):
            reading.values["loss"], reading.values["reduction"] = kind, reduction
            try:
                choices.append((kind, reduction, reading.network()))
            except SheetnetError:
                continue
        held = [_updates_held(grid, network) for _, _, network in choices]
        best: tuple[tuple[int, int], str, str, Any] | None = None
        for (kind, reduction, network), count in zip(choices, held, strict=True):
            if count < max(held):
                continue
            try:
                checked = check_as_read(book, reading, network)
            except SheetnetError:
                continue
            table = _table_of(checked, reading)
            elements = table.elements if table is not None else []
            found = (
                (sum(e.status == "found" for e in elements), -sum(e.kind == "slip" for e in elements))
                if table is not None
                else (-1, 0)
            )
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
        result = check_as_read(book, reading, network)
    table = _table_of(result, reading)
    if table is not None and reading.how != "the Setup sheet" and table.iterations != network.iters:
        reading.values["iters"] = table.iterations
        result = check_as_read(book, reading, reading.network())
        table = _table_of(result, reading) or table
    reading.result = result
    if table is None:
        reading.found, reading.total = 0, 0
        return
    reading.verdict = table.verdict
    reading.found = sum(e.status == "found" for e in table.elements)
    reading.total = len(table.elements)


def check_as_read(book: Book, reading: Reading | None, network: Network, tolerance: Any = None, **how: Any) -> Any:
    """`book` checked against `network`, a reading's (`check_book`'s `sheet` and `rates` in `how`),
    its tables found on the run its forward pass follows (`forward_run`): where a formula forgets a
    trained parameter, that formula is the slip, and the starting numbers are the reading's own (no
    note says the workbook starts otherwise)."""
    from sheetnet.check import check_book

    follows = forward_run(reading, network)
    result = check_book(book, network, tolerance, follows=follows, **how)
    result.note = "" if follows is not None else result.note
    return result


def forward_run(reading: Reading | None, network: Network) -> Network | None:
    """`network` with W and B as the reading's forward pass reads them: 0 where a formula forgets a
    trained parameter (`Reading.forward_init`). None where it reads every one (or there is no
    reading), or the shapes differ."""
    from dataclasses import replace

    init = reading.forward_init if reading is not None else {}
    depth = network.depth
    if not init or any(f"W{l}" not in init or f"B{l}" not in init for l in range(1, depth + 1)):
        return None
    weights, biases = parameters_of(init, depth)
    if [len(w) for w in weights] != [len(w) for w in network.weights] or [len(b) for b in biases] != [
        len(b) for b in network.biases
    ]:
        return None
    return replace(network, weights=weights, biases=biases)


def parameters_of(init: dict[str, Any], depth: int) -> tuple[tuple, tuple]:
    """A reading's `init` (`W1`, `B1`, … as lists) as a network's weights and biases (tuples)."""
    weights = tuple(tuple(map(tuple, init[f"W{l}"])) for l in range(1, depth + 1))
    biases = tuple(tuple(init[f"B{l}"]) for l in range(1, depth + 1))
    return weights, biases


def _updates_held(grid: Any, network: Network) -> int:
    """How many of the parameters `network`'s run updates in its first iterations the workbook
    holds (on any sheet)."""
    from dataclasses import replace

    from sheetnet.net import param_names
    from sheetnet.trace import run

    try:
        trace = run(replace(network, iters=min(network.iters, SCREENED_ITERATIONS)))
    except (ArithmeticError, ValueError, SheetnetError):
        return 0
    sheets = range(len(grid.sheets))
    return sum(
        1
        for graph in trace.iterations
        for name in param_names(network)
        for key in graph.updated(name).keys
        if key in trace.values and grid.matches(trace.values[key], sheets)
    )


def _table_of(result: Any, reading: Reading) -> Any:
    return next((t for t in result.tables if t.sheet == reading.sheet or reading.how == "the Setup sheet"), None)


def first_iteration(values: dict[str, Any], loss: str = "half_squared_error") -> tuple[list[float], float] | None:
    """Iteration 0 of a reading's network, first sample, as sheetnet's engine computes it: every
    layer's O and f(O), flat, and the loss. None if the values make no network."""
    from sheetnet.spec import Sample
    from sheetnet.trace import run

    try:
        depth = len(values["layers"]) - 1
        sample = values["samples"][0]
        weights, biases = parameters_of(values["init"], depth)
        network = Network(
            layers=tuple(values["layers"]),
            activation=values["activation"],
            output_activation=values["output_activation"],
            loss=loss,
            lr=1.0,
            iters=1,
            weights=weights,
            biases=biases,
            samples=(Sample(tuple(sample["x"]), tuple(sample["y"])),),
            train_biases=False,
        )
        trace = run(network)
    except (KeyError, TypeError, ValueError, ArithmeticError, IndexError):
        return None
    layers = trace.to_json()["iterations"][0]["samples"][0]["layers"]
    numbers = [v for layer in layers for v in (*layer["S"], *layer["A"])]
    return [v for v in numbers if v is not None], trace.loss(0)


def loss_in(grid: Any, s: int, values: dict[str, Any]) -> str | None:
    """The loss whose value of iteration 0 (first sample) the sheet holds; None if it holds none."""
    for kind in ("half_squared_error", "mse", "cross_entropy"):
        first = first_iteration(values, kind)
        if first is not None and math.isfinite(first[1]) and grid.matches(first[1], [s]):
            return kind
    return None
