"""The run as rich tables in the terminal, in the notes' notation."""

from __future__ import annotations

import math
from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from sheetnet.net import BACKPROP, FORWARD, LOSS, PARAMETERS, IterationGraph, Quantity
from sheetnet.trace import Trace

LOSS_ORDER = ("ŷ", "y", "L", "Δ")


def number(value: float, digits: int = 6) -> str:
    """A value as the tables show it: `digits` significant digits, no trailing zeros."""
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text


def print_run(console: Console, trace: Trace) -> None:
    """Every iteration's tables, then the loss by iteration."""
    network = trace.network
    console.print(
        f"[bold]sheetnet[/bold] · {network.shape_text} network · hidden {network.activation} · "
        f"output {network.output_activation} · L = ½ Σ (ŷ − y)² · η = {number(network.lr)} · "
        f"{network.iters} iteration{'s' if network.iters != 1 else ''}"
    )
    for graph in trace.iterations:
        print_iteration(console, trace, graph)
    console.print(loss_table(trace))


def print_iteration(console: Console, trace: Trace, graph: IterationGraph) -> None:
    console.rule(f"[bold]Iteration {graph.t}")
    sections = {FORWARD: [], LOSS: [], BACKPROP: []}
    for quantity in graph.quantities:
        if quantity.section in sections:
            sections[quantity.section].append(quantity)
    loss_rows = [graph.get("ŷ", s) for s in range(len(trace.network.samples))] + sections[LOSS]
    loss_rows.sort(key=lambda q: LOSS_ORDER.index(q.name))
    console.print(vector_table(f"Iteration {graph.t} · forward", trace, sections[FORWARD]))
    console.print(vector_table(f"Iteration {graph.t} · loss", trace, loss_rows))
    console.print(vector_table(f"Iteration {graph.t} · backpropagation (gradients)", trace, sections[BACKPROP]))
    console.print(update_table(trace, graph))


def vector_table(title: str, trace: Trace, quantities: Iterable[Quantity]) -> Table:
    """One row per vector (or matrix row), one column per element."""
    quantities = list(quantities)
    width = max((q.cols for q in quantities), default=1)
    table = Table(title=title, title_justify="left", title_style="bold")
    table.add_column("quantity", style="cyan", no_wrap=True)
    for c in range(width):
        table.add_column(str(c), justify="right")
    for q in quantities:
        values = trace.of(q)
        for r in range(q.rows):
            cells = [number(v) for v in values[r * q.cols : (r + 1) * q.cols]]
            label = q.label if r == 0 else ""
            table.add_row(label, *cells, style="bold" if q.name in ("ŷ", "L") else None)
    return table


def update_table(trace: Trace, graph: IterationGraph) -> Table:
    """Each parameter element: before, η·gradient, after."""
    lr = trace.network.lr
    table = Table(
        title=f"Iteration {graph.t} · update: p ← p − η·∂L/∂p, η = {number(lr)}",
        title_justify="left",
        title_style="bold",
    )
    table.add_column("parameter", style="cyan", no_wrap=True)
    table.add_column("before", justify="right")
    table.add_column("η·gradient", justify="right")
    table.add_column("after", justify="right", style="bold")
    for before in (q for q in graph.quantities if q.section == PARAMETERS):
        gradient = graph.get(f"∂L/∂{before.name}", 0)
        after = graph.updated(before.name)
        for i, (b, g, a) in enumerate(zip(trace.of(before), trace.of(gradient), trace.of(after), strict=True)):
            table.add_row(before.element_name(i), number(b), number(lr * g), number(a))
    return table


def loss_table(trace: Trace) -> Table:
    outputs = trace.network.layers[-1]
    table = Table(title="Loss by iteration", title_justify="left", title_style="bold")
    table.add_column("iteration", justify="right")
    for k in range(outputs):
        table.add_column("ŷ" if outputs == 1 else f"ŷ[{k}]", justify="right")
    table.add_column("L", justify="right", style="bold")
    for graph in trace.iterations:
        yhat = trace.of(graph.get("ŷ", 0))
        table.add_row(str(graph.t), *(number(v) for v in yhat), number(trace.loss(graph.t)))
    return table
