"""The run as rich tables in the terminal, in the notes' notation.

Also how every report of sheetnet writes what it prints: a number (`number`), a cell's value
(`cell_text`) and a count (`counted`), so that `run`, `check` and `diff` write them alike.
"""

from __future__ import annotations

import math

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from sheetnet.boxed import drawn, table_width
from sheetnet.net import MEAN, PARAMETERS, UPDATE, IterationGraph, Quantity, loss_text, reduction_word, summed_text
from sheetnet.spec import Network
from sheetnet.trace import Trace, lowest

LABEL_WIDTH = 34  # room kept for the quantity column when splitting wide tables
LOSS_TABLE_UP_TO = 10  # a longer run gets a sparkline and LOSS_SAMPLES rows instead of a row per iteration
LOSS_SAMPLES = 11


STEP_HEADER = "−η·∂L/∂p"  # gradient descent's step: what the update adds, as the workbook's step rows
FROZEN = Text("frozen", style="dim")


def number(value: float, digits: int = 6) -> str:
    """A value as the tables show it: `digits` significant digits, no trailing zeros."""
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text


def cell_text(value: object, digits: int = 10) -> str:
    """A cell's value in a report: a number to `digits` significant digits, text as it is, `(empty)`."""
    if value is None:
        return "[dim](empty)[/dim]"
    if isinstance(value, float):
        return number(value, digits)
    return escape(str(value))


def counted(n: int, noun: str) -> str:
    """`1 cell`, `3 cells`."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


class Printer:
    """Prints a trace; `digits` significant digits, tables split to fit the console's width."""

    def __init__(self, console: Console, trace: Trace, digits: int = 6) -> None:
        self.console, self.trace, self.digits = console, trace, digits

    def num(self, value: float) -> str:
        return number(value, self.digits)

    def run(self, show_all: bool = True, head: int = 3, tail: int = 2) -> None:
        """Every iteration's tables (or the first `head` and last `tail`), then the loss by iteration."""
        network = self.trace.network
        kind = f"{network.activation} → {network.output_activation}"
        what = f"sheetnet · {network.shape_text} · {kind} · {loss_text(network)}"
        how = (
            f"{network.optimizer} η = {self.num(network.lr)} · "
            + samples_text(network)
            + f"{network.iters} iteration{'s' if network.iters != 1 else ''}"
        )
        # one line if it fits, else two, broken between what is trained and how (never mid-phrase)
        joint = " · " if len(what) + 3 + len(how) <= self.console.width else "\n"
        self.console.print(escape(what + joint + how).replace("sheetnet", "[bold]sheetnet[/bold]", 1))
        n = network.iters
        shown = [g for g in self.trace.iterations if show_all or g.t < head or g.t >= n - tail]
        for graph in shown:
            if not show_all and graph.t == n - tail > head:
                self.console.print(
                    f"[dim]… iterations {head}–{n - tail - 1} are not shown (--all-iterations prints them; "
                    "the workbook holds them all)[/dim]"
                )
            self.iteration(graph)
        if n <= LOSS_TABLE_UP_TO and self.trace.complete:
            self.table(self.loss_table())
        else:
            self.loss_summary()

    def iteration(self, graph: IterationGraph) -> None:
        """One table for the forward pass, the loss and the gradients; one for the update."""
        several = graph.samples > 1
        network = self.trace.network
        groups: dict[str, list[Quantity]] = {}
        for quantity in graph.quantities:
            if quantity.section in (PARAMETERS, UPDATE):
                continue
            title = reduction_word(network).capitalize() if quantity.section == MEAN else quantity.section
            if several and quantity.sample is not None:
                title = f"{title} · sample {graph.sample_of(quantity.sample)}"
            groups.setdefault(title, []).append(quantity)
        title = f"Iteration {graph.t}"
        if network.batched:
            title += f" · sample{'s' if several else ''} {', '.join(map(str, graph.batch))}"
        for table in [*self.vector_tables(title, groups), self.update_table(graph)]:
            self.table(table)

    def table(self, table: Table) -> None:
        """`table`, drawn here when it fits (`sheetnet.boxed`) and then printed uncropped: its lines
        fit the width already, and cropping would measure every piece of them again."""
        out = drawn(table, self.console.width)
        self.console.print(out, crop=isinstance(out, Table))

    def vector_tables(self, title: str, groups: dict[str, list[Quantity]]) -> list[Table]:
        """One row per vector (or matrix row), one column per element, a band per section;
        split into several tables by columns when the elements do not fit the width."""
        width = max((q.cols for quantities in groups.values() for q in quantities), default=1)
        column = self.digits + 8  # a number of `digits` digits, its sign, point, exponent, and the rules
        labels = [q.label for quantities in groups.values() for q in quantities] + list(groups)
        label_width = min(LABEL_WIDTH, max(map(len, labels), default=10) + 4)
        short = label_width + width * column > self.console.width  # the names alone: O1, ∂L/∂W2
        if short:
            names = [q.name for quantities in groups.values() for q in quantities]
            label_width = max(map(len, [*names, *(t.split(" · ")[-1] for t in groups)]), default=6) + 4
        per_table = max(1, (self.console.width - label_width) // column)
        tables = []
        for first in range(0, width, per_table):
            columns = range(first, min(width, first + per_table))
            part = f" · elements {columns[0]}–{columns[-1]}" if width > per_table else ""
            table = Table(title=escape(title + part), title_justify="left", title_style="bold reverse")
            table.add_column("quantity", style="cyan", no_wrap=not short, overflow="fold")
            for c in columns:  # numbers never wrap: the columns were chosen to fit them
                table.add_column(str(c), justify="right", no_wrap=True)
            # cells as Text, not markup: rich then parses nothing (a third of a run's time is its tables)
            for n, (section, quantities) in enumerate(groups.items()):
                if n:
                    table.add_section()
                table.add_row(Text(section, style="bold magenta"), *[""] * len(columns))
                # (a narrow terminal gets the section on its own row and the names alone below it)
                for q in quantities:
                    values = self.trace.of(q)
                    for r in range(q.rows):
                        cells = [Text(self.num(values[r * q.cols + c])) if c < q.cols else "" for c in columns]
                        label = Text(q.name if short else q.label) if r == 0 else ""
                        table.add_row(label, *cells, style="bold" if q.name in ("ŷ", "L") else None)
            tables.append(table)
        return tables

    def update_table(self, graph: IterationGraph) -> Table:
        """Each parameter as `before + step = after`, a row per matrix row. A step is what the update
        adds, after − before, with its sign (−η·∂L/∂p for gradient descent), as the workbook's step
        rows show it. A row per element instead when the bracketed rows would wrap."""
        network = self.trace.network
        plain = network.optimizer == "sgd"
        headers = ("parameter", "before", f"+ {STEP_HEADER if plain else 'step'}", "= after")  # read as a sum
        rows = []  # (parameter, its matrix row r, before, step or None if frozen, after)
        for before in (q for q in graph.quantities if q.section == PARAMETERS):
            old, new = self.trace.of(before), self.trace.of(graph.updated(before.name))
            frozen = before.name[0] == "B" and not network.train_biases
            if plain:
                steps = [-network.lr * g for g in self.trace.of(graph.gradient(before.name))]
            else:
                steps = [b - a for a, b in zip(old, new, strict=True)]
            cols = before.cols
            for r in range(before.rows):
                row = slice(r * cols, (r + 1) * cols)
                rows.append((before, r, old[row], None if frozen else steps[row], new[row]))
        lines = []
        for before, r, old, steps, new in rows:
            step = FROZEN if steps is None else self.vector(steps)
            lines.append((before.name if r == 0 else "", self.vector(old), step, self.vector(new)))
        if table_width(headers, lines) > self.console.width:  # bracketed rows would wrap: a row per element
            lines = []
            for before, r, old, steps, new in rows:
                for c in range(len(old)):
                    index = f"[{r},{c}]" if len(before.shape) == 2 else f"[{c}]"
                    step = FROZEN if steps is None else self.num(steps[c])
                    lines.append((before.name + index, self.num(old[c]), step, self.num(new[c])))
        table = Table(
            title=f"Iteration {graph.t} · update ({network.optimizer}, η = {self.num(network.lr)})",
            title_justify="left",
            title_style="bold",
        )
        table.add_column(headers[0], style="cyan", no_wrap=True)
        for header in headers[1:]:
            table.add_column(header, justify="right", style="bold" if header == "= after" else None, no_wrap=True)
        for line in lines:
            table.add_row(*(cell if isinstance(cell, Text) else Text(cell) for cell in line))
        return table

    def vector(self, values: list[float]) -> str:
        """`[0.86 0.86]`, as the notes write a row of numbers."""
        return "[" + " ".join(self.num(v) for v in values) + "]"

    def loss_summary(self) -> None:
        """A long run's loss: a sparkline over every iteration and a table of a few."""
        losses = self.trace.losses
        n = len(losses)
        picks = sorted({min(n - 1, round(k * n / (LOSS_SAMPLES - 1))) for k in range(LOSS_SAMPLES)})
        finite = [v for v in losses if math.isfinite(v)]
        best = min(range(n), key=lambda t: losses[t] if math.isfinite(losses[t]) else math.inf)
        self.console.print(f"[bold]Loss by iteration[/bold] ({len(picks)} of {n})")
        table = Table()
        table.add_column("iteration", justify="right")
        table.add_column(loss_column(self.trace.network), justify="right", style="bold")
        for t in picks:
            table.add_row(str(t), self.num(losses[t]))
        self.console.print(table)
        ends = f"{self.num(losses[0])} → {self.num(losses[-1])}"
        lowest = f"lowest {self.num(losses[best])} at iteration {best}" if finite else ""
        width = max(10, min(60, self.console.width - len(ends) - 6))
        self.console.print(f"L  {sparkline(losses, width)}  {ends}")
        if lowest:
            self.console.print(f"   {lowest}")

    def loss_table(self) -> Table:
        network = self.trace.network
        outputs = network.layers[-1] if len(network.samples) == 1 else 0
        table = Table(title="Loss by iteration", title_justify="left", title_style="bold")
        table.add_column("iteration", justify="right")
        if network.batched:  # which samples each iteration used
            table.add_column("sample" if network.per_update == 1 else "samples", justify="right")
        for k in range(outputs):
            table.add_column("ŷ" if outputs == 1 else f"ŷ[{k}]", justify="right")
        table.add_column(loss_column(network), justify="right", style="bold")
        for graph in self.trace.iterations:
            yhat = self.trace.of(graph.get("ŷ", 0)) if outputs else []
            used = [", ".join(map(str, graph.batch))] if network.batched else []
            table.add_row(str(graph.t), *used, *(self.num(v) for v in yhat), self.num(self.trace.loss(graph.t)))
        return table


def samples_text(network: Network) -> str:
    """The samples in a run's header: `4 samples · `, `4 samples, 2 an iteration, summed · `;
    nothing for one sample."""
    n = len(network.samples)
    if n == 1:
        return ""
    text = f"{n} samples"
    if network.batched:
        text += ", one an iteration" if network.per_update == 1 else f", {network.per_update} an iteration"
    return text + summed_text(network).replace(" over the samples", "") + " · "


def loss_column(network: Network) -> str:
    """The heading of the loss in a table: `L`, `L (mean)`, `L (sum)`."""
    return "L" if network.per_update == 1 else f"L ({reduction_word(network)})"


def print_run(
    console: Console, trace: Trace, digits: int = 6, *, show_all: bool = True, head: int = 3, tail: int = 2
) -> None:
    """Every iteration's tables (or the first and last few), then the loss by iteration."""
    Printer(console, trace, digits).run(show_all, head, tail)


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int) -> str:
    """`values` in `width` characters of ▁▂▃▄▅▆▇█ (each the mean of its share; ✕ where not finite)."""
    return sparklines([values], width)[0]


def sparklines(series: list[list[float]], width: int, *, log: bool = False) -> list[str]:
    """Each of `series` as `sparkline` draws it, all on one scale (a lower curve is a lower line);
    `log`: on the scale of log10 of the values, which must then be positive."""
    drawn = []
    for values in series:
        count = min(width, len(values))
        buckets = [values[k * len(values) // count : (k + 1) * len(values) // count] for k in range(count)]
        means = [sum(b) / len(b) if all(math.isfinite(v) for v in b) else math.nan for b in buckets]
        if log:
            means = [math.log10(m) if math.isfinite(m) and m > 0 else math.nan for m in means]
        drawn.append(means)
    finite = [m for means in drawn for m in means if math.isfinite(m)]
    if not finite:
        return ["✕" * len(means) for means in drawn]
    low, high = min(finite), max(finite)
    span = high - low or 1.0
    return [
        "".join(
            SPARKS[min(len(SPARKS) - 1, int((m - low) / span * len(SPARKS)))] if math.isfinite(m) else "✕"
            for m in means
        )
        for means in drawn
    ]


def print_rates(console: Console, traces: list[Trace], digits: int = 6) -> None:
    """Several η: for each, L at the last iteration and the lowest L (with its iteration), then the
    loss curves as sparklines on one scale (log when L spans more than two decades)."""
    network = traces[0].network
    n = network.iters
    kind = f"{network.activation} → {network.output_activation}"
    what = f"sheetnet · {network.shape_text} · {kind} · {loss_text(network)}"
    how = (
        f"{network.optimizer} · {len(traces)} values of η · "
        + samples_text(network)
        + f"{n} iteration{'s' if n != 1 else ''}"
    )
    joint = " · " if len(what) + 3 + len(how) <= console.width else "\n"
    console.print(escape(what + joint + how).replace("sheetnet", "[bold]sheetnet[/bold]", 1))
    lows = [lowest(t.losses) for t in traces]
    best = min(range(len(traces)), key=lambda k: lows[k][1] if math.isfinite(lows[k][1]) else math.inf)
    mean = loss_column(network).removeprefix("L")
    table = Table(title=f"Loss L{mean} by η", title_justify="left", title_style="bold")
    table.add_column("η", justify="right")
    table.add_column(f"L at iteration {n - 1}", justify="right")
    table.add_column("lowest L", justify="right", style="bold")
    table.add_column("at iteration", justify="right")
    for k, (trace, (at, low)) in enumerate(zip(traces, lows, strict=True)):
        table.add_row(
            number(trace.network.lr, digits),
            number(trace.losses[-1], digits),
            number(low, digits),
            str(at),
            style="green" if k == best else None,
        )
    console.print(table)
    at, low = lows[best]
    if math.isfinite(low):
        console.print(
            f"Lowest L: {number(low, digits)}, with η = {number(traces[best].network.lr, digits)} at iteration {at}."
        )
        console.print(
            f"Every η starts from L = {number(traces[0].losses[0], digits)}: iteration 0 does not depend on η."
        )
    finite = [v for t in traces for v in t.losses if math.isfinite(v)]
    log = bool(finite) and min(finite) > 0 and max(finite) > 100 * min(finite)
    labels = [f"η = {number(t.network.lr, digits)}" for t in traces]
    label_width = max(map(len, labels))
    width = max(10, min(60, console.width - label_width - 2))
    console.print(f"[bold]L by iteration[/bold], every η on one scale{' (log)' if log else ''}:")
    for label, line in zip(labels, sparklines([t.losses for t in traces], width, log=log), strict=True):
        console.print(f"{escape(label):<{label_width}}  {line}")
