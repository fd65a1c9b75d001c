"""The run as rich tables in the terminal, in the notes' notation."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table

from sheetnet.net import PARAMETERS, UPDATE, IterationGraph, Quantity, loss_text
from sheetnet.trace import Trace

LABEL_WIDTH = 34  # room kept for the quantity column when splitting wide tables


def number(value: float, digits: int = 6) -> str:
    """A value as the tables show it: `digits` significant digits, no trailing zeros."""
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text


class Printer:
    """Prints a trace; `digits` significant digits, tables split to fit the console's width."""

    def __init__(self, console: Console, trace: Trace, digits: int = 6) -> None:
        self.console, self.trace, self.digits = console, trace, digits

    def num(self, value: float) -> str:
        return number(value, self.digits)

    def run(self) -> None:
        """Every iteration's tables, then the loss by iteration."""
        network = self.trace.network
        samples = len(network.samples)
        self.console.print(
            f"[bold]sheetnet[/bold] · {network.shape_text} · {network.activation} → {network.output_activation} · "
            f"{loss_text(network)} · {network.optimizer} η = {self.num(network.lr)} · "
            + (f"{samples} samples · " if samples > 1 else "")
            + f"{network.iters} iteration{'s' if network.iters != 1 else ''}"
        )
        for graph in self.trace.iterations:
            self.iteration(graph)
        self.console.print(self.loss_table())

    def iteration(self, graph: IterationGraph) -> None:
        """One table for the forward pass, the loss and the gradients; one for the update."""
        several = graph.samples > 1
        groups: dict[str, list[Quantity]] = {}
        for quantity in graph.quantities:
            if quantity.section in (PARAMETERS, UPDATE):
                continue
            title = quantity.section
            if several and quantity.sample is not None:
                title = f"{title} · sample {quantity.sample + 1}"
            groups.setdefault(title, []).append(quantity)
        for table in self.vector_tables(f"Iteration {graph.t}", groups):
            self.console.print(table)
        self.console.print(self.update_table(graph))

    def vector_tables(self, title: str, groups: dict[str, list[Quantity]]) -> list[Table]:
        """One row per vector (or matrix row), one column per element, a band per section;
        split into several tables by columns when the elements do not fit the width."""
        width = max((q.cols for quantities in groups.values() for q in quantities), default=1)
        per_table = max(1, (self.console.width - LABEL_WIDTH) // (self.digits + 6))
        tables = []
        for first in range(0, width, per_table):
            columns = range(first, min(width, first + per_table))
            part = f" · elements {columns[0]}–{columns[-1]}" if width > per_table else ""
            table = Table(title=title + part, title_justify="left", title_style="bold reverse")
            table.add_column("quantity", style="cyan", no_wrap=True)
            for c in columns:
                table.add_column(str(c), justify="right")
            for n, (section, quantities) in enumerate(groups.items()):
                if n:
                    table.add_section()
                table.add_row(f"[bold magenta]{section}", *[""] * len(columns))
                for q in quantities:
                    values = self.trace.of(q)
                    for r in range(q.rows):
                        cells = [self.num(values[r * q.cols + c]) if c < q.cols else "" for c in columns]
                        label = q.label if r == 0 else ""
                        table.add_row(label, *cells, style="bold" if q.name in ("ŷ", "L") else None)
            tables.append(table)
        return tables

    def update_table(self, graph: IterationGraph) -> Table:
        """Each parameter as the notes write it: before − step = after, a row per matrix row."""
        network = self.trace.network
        plain = network.optimizer == "sgd"
        table = Table(
            title=f"Iteration {graph.t} · update ({network.optimizer}, η = {self.num(network.lr)})",
            title_justify="left",
            title_style="bold",
        )
        table.add_column("parameter", style="cyan", no_wrap=True)
        table.add_column("before", justify="right")
        table.add_column("η·∂L/∂p" if plain else "step", justify="right")
        table.add_column("after", justify="right", style="bold")
        for before in (q for q in graph.quantities if q.section == PARAMETERS):
            old, new = self.trace.of(before), self.trace.of(graph.updated(before.name))
            if plain:
                steps = [network.lr * g for g in self.trace.of(graph.gradient(before.name))]
                if before.name[0] == "B" and not network.train_biases:
                    steps = [0.0] * len(old)
            else:
                steps = [a - b for a, b in zip(old, new, strict=True)]
            cols = before.cols
            for r in range(before.rows):
                row = slice(r * cols, (r + 1) * cols)
                table.add_row(
                    before.name if r == 0 else "", self.vector(old[row]), self.vector(steps[row]), self.vector(new[row])
                )
        return table

    def vector(self, values: list[float]) -> str:
        """`[0.86 0.86]`, as the notes write a row of numbers."""
        return "[" + " ".join(self.num(v) for v in values) + "]"

    def loss_table(self) -> Table:
        network = self.trace.network
        outputs = network.layers[-1] if len(network.samples) == 1 else 0
        table = Table(title="Loss by iteration", title_justify="left", title_style="bold")
        table.add_column("iteration", justify="right")
        for k in range(outputs):
            table.add_column("ŷ" if outputs == 1 else f"ŷ[{k}]", justify="right")
        table.add_column("L" if outputs else "L (mean)", justify="right", style="bold")
        for graph in self.trace.iterations:
            yhat = self.trace.of(graph.get("ŷ", 0)) if outputs else []
            table.add_row(str(graph.t), *(self.num(v) for v in yhat), self.num(self.trace.loss(graph.t)))
        return table


def print_run(console: Console, trace: Trace, digits: int = 6) -> None:
    """Every iteration's tables, then the loss by iteration."""
    Printer(console, trace, digits).run()
