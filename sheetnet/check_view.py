"""What `check` prints of workbooks judged against a run: one in detail, several as a class.

One workbook: the verdict first, then the first slip and why in a panel, the tables, the slips
in calculation order (a formula filled down is one place), the counts; with `--all`, every number
of the run and quantity by quantity. A class: a line per workbook as it finishes, then a table
and how many got each verdict. No cell of a table wraps: a column of cell addresses is cut to
fit the width instead, so at 80 columns a right workbook's report is a dozen lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from sheetnet.net import summed_text
from sheetnet.render import cell_text, counted, number, samples_text
from sheetnet.status import ABSENT, FOLLOWS, MISMATCH

if TYPE_CHECKING:
    from rich.panel import Panel

    from sheetnet.book import Cell
    from sheetnet.check import CheckResult, Element
    from sheetnet.check import Table as CheckTable

MIN_CUT_WIDTH = 12  # a column cut to fit the screen keeps this much: a cell address and a little


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
        f"{counted(iters, 'iteration')}" + (f" · {escape(samples)}" if samples else "")
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
        f"found [bold red]{cell_text(first.found)}[/bold red]"
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
            cell_text(first.found, 6),
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
            cell_text(e.found, 8) if e.cell else "",
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
        follow = f" ({counted(slips, 'slip')}, the rest follow from them)" if slips < mismatched else ""
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
