"""The run as rich tables in the terminal, in the notes' notation."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from sheetnet.boxed import drawn, table_width
from sheetnet.net import MEAN, PARAMETERS, UPDATE, IterationGraph, Quantity, loss_text, reduction_word, summed_text
from sheetnet.spec import Network
from sheetnet.status import ABSENT, FOLLOWS, MISMATCH
from sheetnet.trace import Trace, lowest

if TYPE_CHECKING:
    from rich.panel import Panel

    from sheetnet.book import Cell
    from sheetnet.check import CheckResult, Element
    from sheetnet.check import Table as CheckTable
    from sheetnet.diff import DiffResult

LABEL_WIDTH = 34  # room kept for the quantity column when splitting wide tables
LOSS_TABLE_UP_TO = 10  # a longer run gets a sparkline and LOSS_SAMPLES rows instead of a row per iteration
LOSS_SAMPLES = 11
MIN_CUT_WIDTH = 12  # a column cut to fit the screen keeps this much: a cell address and a little


STEP_HEADER = "−η·∂L/∂p"  # gradient descent's step: what the update adds, as the workbook's step rows
FROZEN = Text("frozen", style="dim")


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


# ------------------------------------------------------------------------------- diff and check


def _cell_text(value: object, digits: int = 10) -> str:
    if value is None:
        return "[dim](empty)[/dim]"
    if isinstance(value, float):
        return number(value, digits)
    return escape(str(value))


def print_diff(console: Console, result: DiffResult, limit: int = 20) -> None:
    """What differs, causes first: sheets in one file only, formula changes grouped as they were filled,
    values that no formula change explains (the first `limit` of each), how many values follow from
    the formula changes, then a one-line summary."""
    a, b = result.a.path, result.b.path
    if result.differences:
        console.print(f"A = {escape(str(a))}\nB = {escape(str(b))}")
    for sheet in result.sheets_only_in_a:
        console.print(f"Sheet [bold]{escape(sheet)}[/bold] is only in {escape(str(a))}")
    for sheet in result.sheets_only_in_b:
        console.print(f"Sheet [bold]{escape(sheet)}[/bold] is only in {escape(str(b))}")
    changes = result.formula_changes
    if changes:
        cells = sum(c.cells for c in changes)
        if cells == len(changes):
            console.print(f"[bold]Formula changes[/bold] in {_count(cells, 'cell')}, A → B, what differs «marked»:")
        else:
            console.print(
                f"[bold]Formula changes[/bold] in {cells} cells, {_count(len(changes), 'range')} each filled from "
                "one formula (first cell shown, A → B, what differs «marked»):"
            )
        for change in changes[:limit]:
            pieces_a, pieces_b = change.marked()
            where = f"  [bold]{escape(change.address)}[/bold] ({_count(change.cells, 'cell')})"
            side_a = _formula_side(change.a, change.a_value, pieces_a, "red")
            side_b = _formula_side(change.b, change.b_value, pieces_b, "green")
            line = f"{where}: {side_a} → {side_b}"
            if Text.from_markup(line).cell_len <= console.width:
                console.print(line)
            else:  # one above the other, so the eye can compare them
                console.print(f"{where}\n    A: {side_a}\n    B: {side_b}")
        if len(changes) > limit:
            console.print(
                f"  … and {_count(len(changes) - limit, 'more range')} (--max {len(changes)} shows them all, "
                "--json lists them)"
            )
    values = result.values
    shown = values[:limit]
    if shown:
        if changes:
            console.print("[bold]Values that differ, not following from a formula change:[/bold]")
        table = Table()
        table.add_column("sheet")
        table.add_column("cell")
        table.add_column("A", justify="right", overflow="fold")
        table.add_column("B", justify="right", overflow="fold")
        table.add_column("B − A", justify="right")
        for d in shown:
            delta = d.delta
            table.add_row(
                escape(d.sheet), d.cell, _cell_text(d.a), _cell_text(d.b), number(delta, 3) if delta is not None else ""
            )
        console.print(table)
    rest = len(values) - len(shown)
    if rest > 0:
        console.print(f"… and {rest} more (--max {len(values)} shows them all, --json lists them)")
    following = len(result.following)
    if following:
        these = "this formula change" if len(changes) == 1 else "these formula changes"
        verb = "follows" if following == 1 else "follow"
        console.print(f"{_count(following, 'value')} {verb} from {these} (--json gives the range each follows from).")
    if result.formulas_also_differ:
        also = result.formulas_also_differ
        console.print(
            f"{also} of these cells {'differs' if also == 1 else 'differ'} in formula too: --formulas shows the "
            "formula changes first, grouped as they were filled, and counts the values that follow from them."
        )
    if result.equal:
        console.print(f"[green]Equal[/green]: {result.compared} cells compared, no differences.")
        return
    sheets = len({d.sheet for d in result.differences})
    only = len(result.sheets_only_in_a) + len(result.sheets_only_in_b)
    console.print(
        f"[red]Different[/red]: {len(result.differences)} of {result.compared} cells differ"
        + (f" in {sheets} sheet{'s' if sheets != 1 else ''}" if sheets else "")
        + (f"; {only} sheet{'s' if only != 1 else ''} in one file only" if only else "")
        + "."
    )


FORMULA_CONTEXT = 4  # tokens shown on either side of what differs in a formula


def _formula_side(formula: str | None, value: object, pieces: list[tuple[str, bool]], colour: str) -> str:
    """One side of a formula change: the formula with what differs «marked» and the rest elided to
    `FORMULA_CONTEXT` tokens around it, or the value a cell without a formula holds."""
    if formula is None:
        return _cell_text(value) if value is None else f"{_cell_text(value)} [dim](typed)[/dim]"
    near: set[int] = set()
    for i, (_, differs) in enumerate(pieces):
        if differs:
            near.update(range(i - FORMULA_CONTEXT, i + FORMULA_CONTEXT + 1))
    out: list[str] = []
    hidden: list[str] = []
    for i, (text, differs) in enumerate([*pieces, ("", False)]):  # the sentinel flushes what is hidden
        if i < len(pieces) and not differs and i not in near:
            hidden.append(text)
            continue
        if hidden:
            joined = "".join(hidden)
            out.append("…" if len(joined) > len("…") + 2 else escape(joined))
            hidden = []
        out.append(f"[bold {colour}]«{escape(text)}»[/bold {colour}]" if differs else escape(text))
    return "".join(out)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


_VERDICT_STYLE = {"right": "green", "unreadable": "yellow"}  # every other verdict: red


def verdict_text(verdict: str) -> str:
    style = _VERDICT_STYLE.get(verdict, "red")
    return f"[bold {style}]{escape(verdict[:1].upper() + verdict[1:])}[/bold {style}]"


def print_check(
    console: Console,
    result: CheckResult,
    *,
    limit: int = 12,
    show_all: bool = False,
    source: str = "",
    source_style: str | None = None,
) -> None:
    """What `check` found, the verdict first: the first slip and why, the tables, the slips in
    calculation order, the counts; with `show_all`, every number of the run and quantity by
    quantity. `source` says which network the workbook was judged against. No cell of a table
    wraps: at 80 columns a right workbook's output is a dozen lines."""
    network = result.network
    iters = network.iters
    console.print(f"{verdict_text(result.verdict)}: {escape(result.message)}")
    # how the samples are used, when it is not every sample averaged
    samples = samples_text(network).removesuffix(" · ") if network.batched or summed_text(network) else ""
    console.print(
        f"[bold]sheetnet check[/bold] {escape(str(result.book.path))} · {network.shape_text} "
        f"{network.activation} network · η = {', '.join(map(number, result.wanted_rates))} · "
        f"{_count(iters, 'iteration')}" + (f" · {escape(samples)}" if samples else "")
    )
    if source:
        console.print(escape(source), style=source_style)
    if result.problem not in result.message:
        console.print(f"[red]{escape(result.problem)}[/red]")
    if result.note:
        console.print(f"[yellow]Note:[/yellow] {escape(result.note)}")
    first = result.first_mismatch
    one_sheet = len(result.book.sheets) == 1  # cells named without their sheet
    if first is not None:
        console.print(_first_slip_panel(first))
    if len(result.tables) == 1:
        console.print(_table_line(result.tables[0], iters))
    elif result.tables:
        console.print(_one_line_rows(_tables_table(result), cut=1, width=console.width))  # the cells
    if show_all:
        # the longest listing: at 80 columns, a row of long addresses and numbers may take two lines
        console.print(
            _elements_table(result.elements, "Every number of the run, in calculation order", one_sheet=one_sheet)
        )
    elif result.mismatches:
        # The slips are what to correct; what follows from them needs no correcting of its own.
        slips = [e for e in result.mismatches if e.kind != FOLLOWS]
        follows = len(result.mismatches) - len(slips)
        runs = _slip_runs(slips)
        shown = runs[:limit]
        title = f"Slips ({len(slips):,} in {len(runs):,} place{'s' if len(runs) != 1 else ''}), in calculation order"
        slips_table = _slips_table(shown, title, one_sheet=one_sheet)
        console.print(_one_line_rows(slips_table, cut=2, width=console.width))  # the cells: the panel names the first
        if len(runs) > len(shown):
            console.print(f"… and {len(runs) - len(shown)} more (--max N shows more, --json lists every one)")
        if follows:
            console.print(
                f"{follows:,} more mismatch{'es' if follows != 1 else ''} follow from these: they agree with "
                "the workbook's own earlier numbers (--all or --json lists them)."
            )
    if show_all and result.tables:
        console.print(_one_line_rows(_quantities_table(result), cut=4, width=console.width))  # where
    console.print(_summary(result))
    if not show_all and result.elements:
        console.print("[dim]--all lists every number of the run, and quantity by quantity where each is.[/dim]")


def _first_slip_panel(first: Element) -> Panel:
    from rich.panel import Panel  # here, not above: `sheetnet run` prints no panel and starts faster

    """The first slip: where, expected and found, and why (the counts of the others are below)."""
    assert first.cell is not None
    text = (
        f"iteration {first.t}, [bold]{escape(first.name)}[/bold] in [bold]{escape(first.cell.address)}[/bold]\n"
        f"expected [bold green]{number(first.expected, 10)}[/bold green], "
        f"found [bold red]{_cell_text(first.found)}[/bold red]"
    )
    if first.explanation:
        text += f"\n{escape(first.explanation)}"
    title = "[bold red]First slip[/bold red]"
    return Panel(text, title=title, title_align="left", border_style="red", expand=False)


def _iterations_text(done: int, asked: int) -> str:
    return f"{done:,} of {asked:,}"


def _table_line(t: CheckTable, asked: int) -> str:
    """The one table a workbook holds, in a line: where, its layout, η, iterations, verdict."""
    where = f"{t.sheet}!{t.range}" if t.range and "…" not in t.range else t.range or t.sheet
    eta = f"η = {number(t.eta)}" + (f" ({t.eta_cell})" if t.eta_cell else "")
    style = _VERDICT_STYLE.get(t.verdict, "red")
    return (
        f"[bold]The table:[/bold] {escape(where)} · {escape(t.layout.kind)} · {escape(eta)} · "
        f"{_iterations_text(t.done, asked)} iterations · [{style}]{escape(t.verdict)}[/{style}]"
    )


def _tables_table(result: CheckResult) -> Table:
    table = Table(title="Tables in the workbook", title_justify="left", title_style="bold")
    table.add_column("sheet")
    table.add_column("cells")
    table.add_column("layout")
    table.add_column("η", justify="right")
    table.add_column("iterations", justify="right")
    table.add_column("verdict")
    table.add_column("first slip")
    for t in result.tables:
        first = t.first_slip
        style = _VERDICT_STYLE.get(t.verdict, "red")
        table.add_row(
            escape(t.sheet),
            escape(t.range),
            escape(t.layout.kind),
            number(t.eta),
            _iterations_text(t.done, result.network.iters),
            f"[{style}]{escape(t.verdict)}[/{style}]",
            escape(first.cell.coordinate) if first is not None and first.cell is not None else "",
        )
    return table


def _one_line_rows(table: Table, *, cut: int, width: int) -> Table:
    """`table` with every row on one line, `width` wide at most: its column `cut` (the one that can
    best spare it: cell addresses, not numbers) is cut with an ellipsis to what the others leave,
    never wrapped onto lines of its own (a table whose rows take two lines each is hard to read)."""
    widths = []
    for column in table.columns:
        column.no_wrap = True
        cells = [Text.from_markup(c) if isinstance(c, str) else c for c in column.cells]
        widths.append(max([Text.from_markup(str(column.header)).cell_len] + [c.cell_len for c in cells]))
        column.min_width = widths[-1]
    edges = 2 * table.show_edge + 2 * table.pad_edge
    others = sum(w for k, w in enumerate(widths) if k != cut) + 3 * (len(widths) - 1) + edges  # padding, rules
    table.columns[cut].overflow, table.columns[cut].min_width = "ellipsis", None
    table.columns[cut].max_width = max(MIN_CUT_WIDTH, width - others)
    return table


def _slip_runs(slips: list[Element]) -> list[list[Element]]:
    """The slips, those of one number in consecutive iterations together (a formula filled down)."""
    runs: list[list[Element]] = []
    last: dict[tuple[int, str], list[Element]] = {}
    for e in slips:
        run = last.get((e.table, e.name))
        if run is not None and run[-1].t == e.t - 1:
            run.append(e)
        else:
            run = [e]
            runs.append(run)
        last[(e.table, e.name)] = run
    return runs


def _number_table(title: str) -> Table:
    """A table of numbers of the run: iteration, quantity, cell, expected, found."""
    table = Table(title=title, title_justify="left", title_style="bold")
    table.add_column("iteration", justify="right")
    table.add_column("quantity")
    table.add_column("cell")
    table.add_column("expected", justify="right")
    table.add_column("found", justify="right")
    return table


def _slips_table(runs: list[list[Element]], title: str, *, one_sheet: bool) -> Table:
    table = _number_table(title)
    for run in runs:
        first, last = run[0], run[-1]
        assert first.cell is not None and last.cell is not None
        several = len(run) > 1
        cell = _short(first.cell, one_sheet)
        if several:
            cell += " … " + (last.cell.coordinate if last.cell.sheet == first.cell.sheet else last.cell.address)
        table.add_row(
            f"{first.t}–{last.t}" if several else str(first.t),
            escape(first.name),
            escape(cell),
            number(first.expected, 6),
            _cell_text(first.found, 6),
            style="red",
        )
    return table


def _elements_table(elements: list[Element], title: str, *, one_sheet: bool) -> Table:
    table = _number_table(title)
    table.add_column("")
    for e in elements:
        style = {MISMATCH: "red", ABSENT: "dim"}.get(e.status, "")
        status = e.status if e.status != MISMATCH else f"✗ {e.kind}"
        table.add_row(
            str(e.t),
            escape(e.name),
            escape(_short(e.cell, one_sheet)) if e.cell else "",
            number(e.expected, 8),
            _cell_text(e.found, 8) if e.cell else "",
            status,
            style=style,
        )
    return table


def _quantities_table(result: CheckResult) -> Table:
    iters = result.network.iters
    table = Table(title="Quantity by quantity", title_justify="left", title_style="bold")
    table.add_column("quantity")
    table.add_column("agree", justify="right")
    table.add_column("mismatched", justify="right")
    table.add_column("absent", justify="right")
    table.add_column("where" if iters == 1 else "where (first … last)")
    one_sheet = len(result.book.sheets) == 1
    for name, elements in _groups(result).items():
        found = [e for e in elements if e.cell is not None]
        if not found:
            continue  # named once, below the table
        mismatched = sum(e.status == MISMATCH for e in elements)
        absent = sum(e.status == ABSENT for e in elements)
        first, last = found[0].cell, found[-1].cell
        assert first is not None and last is not None
        where = _short(first, one_sheet)
        if last is not first:
            where += " … " + _short(last, one_sheet)
        table.add_row(
            escape(name),
            f"{len(elements) - mismatched - absent}/{len(elements)}",
            f"[red]{mismatched}[/red]" if mismatched else "·",
            f"[dim]{absent}[/dim]" if absent else "·",
            escape(where),
        )
    return table


def _groups(result: CheckResult) -> dict[str, list[Element]]:
    """The elements quantity by quantity (W1, ∂L/∂W1, …), in calculation order."""
    groups: dict[str, list[Element]] = {}
    for e in result.elements:
        groups.setdefault(e.group, []).append(e)
    return groups


def _unwritten(result: CheckResult) -> list[str]:
    """The quantities of the run the workbook writes nowhere."""
    groups = _groups(result)
    written = {name for name, elements in groups.items() if any(e.cell is not None for e in elements)}
    # a gradient the sheet writes negated (−∂L/∂W2, the delta rule's) is written
    return [name for name in groups if name not in written and f"−{name}" not in written]


def _short(cell: Cell, one_sheet: bool) -> str:
    return cell.address.rsplit("!", 1)[1] if one_sheet else cell.address


def _summary(result: CheckResult) -> str:
    """The counts: the numbers of the run the workbook writes (all agree, or how many mismatch) and
    those it does not write, named; then how precisely the numbers were checked."""
    total = len(result.elements)
    written = sum(e.cell is not None for e in result.elements)
    mismatched = len(result.mismatches)
    if not written:
        text = f"The workbook writes none of the run's {total:,} numbers."
    elif not mismatched:
        text = f"Checked {written:,} numbers of the run: all agree."
    else:
        slips = sum(e.kind != FOLLOWS for e in result.mismatches)
        follow = f" ({_count(slips, 'slip')}, the rest follow from them)" if slips < mismatched else ""
        text = (
            f"Checked {written:,} numbers of the run: [red]{mismatched:,} mismatch[/red]{follow}, "
            f"{written - mismatched:,} agree."
        )
    unwritten = _unwritten(result) if written else []
    if 0 < written < total:
        text += f" {total - written:,} more are not in the workbook"
        if unwritten:
            why = "" if result.book.exercise else " (left out, not wrong)"
            text += f"; it never writes {', '.join(map(escape, unwritten))}{why}"
        text += "."
    if not result.book.numbers():
        text += " The workbook holds no numbers."
    rounded, full = result.precision.get("rounded", 0), result.precision.get("full", 0)  # computed numbers
    if not result.tolerance.custom and (rounded or full):
        parts = []
        if full:
            parts.append(f"{full:,} of the cells judged hold a formula's result (checked to 1e-9 relative)")
        if rounded:
            parts.append(
                f"{rounded:,} hold a number typed with few digits (checked as rounded to 4 or more decimals, "
                "also against the workbook's own earlier numbers)"
            )
        text += "\n[dim]Precision: " + "; ".join(parts) + ".[/dim]"
    elif result.tolerance.custom:
        text += f"\n[dim]Tolerance: {result.tolerance.describe()}.[/dim]"
    return text


def _shown(file: str, within: Path | None) -> str:
    path = Path(file)
    return path.name if within is not None and path.parent == within else file


def numbers_text(row: dict) -> str:
    """How a workbook's numbers fared, said so that a right one does not read as a partial mark:
    `all 3,424 agree`, `1,009 of 1,240 wrong` (of the numbers of the run it writes)."""
    written, mismatched = row.get("written", 0), row.get("mismatched", 0)
    if not written:
        return "none written"
    return f"{mismatched:,} of {written:,} wrong" if mismatched else f"all {written:,} agree"


def class_line(row: dict, within: Path | None = None) -> str:
    """One workbook of a class, as it finishes: verdict, first slip and why (or what the verdict
    means), iterations done of those asked, and how its numbers fared."""
    verdict = row["verdict"]
    style = _VERDICT_STYLE.get(verdict, "red")
    head = f"[{style}]{escape(verdict):<11}[/{style}] {escape(_shown(row['file'], within))}"
    if "error" in row:
        return f"{head}: {escape(row['error'].removeprefix(row['file'] + ': '))}"
    counts = (
        f" ({_iterations_text(row['iterations_done'], row['iterations_asked'])} iterations; "
        f"numbers of the run: {numbers_text(row)})"
    )
    read = f" · read: {escape(row['read'])}" if row.get("read") else ""
    slip = row.get("first_slip")
    if slip:
        text = f"{head}: {escape(slip['cell'])} {escape(slip['quantity'])}"
        if slip.get("explanation"):
            text += f": {escape(slip['explanation'])}"
        return text + counts + read
    if verdict != "right":
        return f"{head}: {escape(row['message'])}{counts}{read}"
    return head + counts + read


def print_class_summary(console: Console, rows: list[dict], within: Path | None = None) -> None:
    """The class table: a row per workbook, then how many got each verdict."""
    title = f"sheetnet check: {len(rows)} workbooks" + (f" in {within}" if within is not None else "")
    table = Table(title=escape(title), title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("file")
    table.add_column("verdict")
    table.add_column("iterations", justify="right")
    table.add_column("numbers", justify="right")
    table.add_column("first slip")
    for row in rows:
        style = _VERDICT_STYLE.get(row["verdict"], "red")
        slip = row.get("first_slip")
        where = f"{slip['cell']} {slip['quantity']}" if slip else "cannot be read" if "error" in row else ""
        if not slip and "error" not in row and row["verdict"] != "right":
            where = row.get("message", "")
        done = _iterations_text(row["iterations_done"], row["iterations_asked"]) if "error" not in row else ""
        numbers = numbers_text(row) if "error" not in row else ""
        verdict = f"[{style}]{escape(row['verdict'])}[/{style}]"
        table.add_row(escape(_shown(row["file"], within)), verdict, done, numbers, escape(where))
    console.print()
    console.print(_one_line_rows(table, cut=4, width=console.width))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
    parts = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    console.print(parts)
