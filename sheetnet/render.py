"""The run as rich tables in the terminal, in the notes' notation."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table

from sheetnet.net import BACKPROP, FORWARD, LOSS, PARAMETERS, IterationGraph, Quantity
from sheetnet.trace import Trace


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
        f"[bold]sheetnet[/bold] · {network.shape_text} · {network.activation} → {network.output_activation} · "
        f"L = ½ Σ (ŷ − y)² · η = {number(network.lr)} · {network.iters} iteration{'s' if network.iters != 1 else ''}"
    )
    for graph in trace.iterations:
        print_iteration(console, trace, graph)
    console.print(loss_table(trace))


def print_iteration(console: Console, trace: Trace, graph: IterationGraph) -> None:
    """One table for the forward pass, the loss and the gradients; one for the update."""
    sections: dict[str, list[Quantity]] = {FORWARD: [], LOSS: [], BACKPROP: []}
    for quantity in graph.quantities:
        if quantity.section in sections:
            sections[quantity.section].append(quantity)
    console.print(vector_table(f"Iteration {graph.t}", trace, sections))
    console.print(update_table(trace, graph))


def vector_table(title: str, trace: Trace, sections: dict[str, list[Quantity]]) -> Table:
    """One row per vector (or matrix row), one column per element, a band per section."""
    width = max((q.cols for quantities in sections.values() for q in quantities), default=1)
    table = Table(title=title, title_justify="left", title_style="bold reverse")
    table.add_column("quantity", style="cyan", no_wrap=True)
    for c in range(width):
        table.add_column(str(c), justify="right")
    for n, (section, quantities) in enumerate(sections.items()):
        if n:
            table.add_section()
        table.add_row(f"[bold magenta]{section}", *[""] * width)
        for q in quantities:
            values = trace.of(q)
            for r in range(q.rows):
                cells = [number(v) for v in values[r * q.cols : (r + 1) * q.cols]]
                label = q.label if r == 0 else ""
                table.add_row(label, *cells, style="bold" if q.name in ("ŷ", "L") else None)
    return table


def update_table(trace: Trace, graph: IterationGraph) -> Table:
    """Each parameter as the notes write it: before − η·gradient = after, a row per matrix row."""
    lr = trace.network.lr
    table = Table(
        title=f"Iteration {graph.t} · update  p ← p − η·∂L/∂p  (η = {number(lr)})",
        title_justify="left",
        title_style="bold",
    )
    table.add_column("parameter", style="cyan", no_wrap=True)
    table.add_column("before", justify="right")
    table.add_column("η·∂L/∂p", justify="right")
    table.add_column("after", justify="right", style="bold")
    for before in (q for q in graph.quantities if q.section == PARAMETERS):
        gradient = trace.of(graph.get(f"∂L/∂{before.name}", 0))
        old, new = trace.of(before), trace.of(graph.updated(before.name))
        cols = before.cols
        for r in range(before.rows):
            row = slice(r * cols, (r + 1) * cols)
            table.add_row(
                before.name if r == 0 else "",
                vector(old[row]),
                vector([lr * g for g in gradient[row]]),
                vector(new[row]),
            )
    return table


def vector(values: list[float]) -> str:
    """`[0.86 0.86]`, as the notes write a row of numbers."""
    return "[" + " ".join(number(v) for v in values) + "]"


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
