"""What `diff` prints: the causes first, then what follows from them, then one line that says
equal or different.

Sheets in one file only; formula changes grouped as they were filled, each with what differs
«marked» and the rest elided around it (side by side when they fit the width, else one above the
other); the values no formula change explains; how many values follow from the changes. Each list
shows its first `limit` rows and says how to see the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from sheetnet.render import cell_text, counted, number

if TYPE_CHECKING:
    from sheetnet.diff import DiffResult


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
            console.print(f"[bold]Formula changes[/bold] in {counted(cells, 'cell')}, A → B, what differs «marked»:")
        else:
            console.print(
                f"[bold]Formula changes[/bold] in {cells} cells, {counted(len(changes), 'range')} each filled from "
                "one formula (first cell shown, A → B, what differs «marked»):"
            )
        for change in changes[:limit]:
            pieces_a, pieces_b = change.marked()
            where = f"  [bold]{escape(change.address)}[/bold] ({counted(change.cells, 'cell')})"
            side_a = _formula_side(change.a, change.a_value, pieces_a, "red")
            side_b = _formula_side(change.b, change.b_value, pieces_b, "green")
            line = f"{where}: {side_a} → {side_b}"
            if Text.from_markup(line).cell_len <= console.width:
                console.print(line)
            else:  # one above the other, so the eye can compare them
                console.print(f"{where}\n    A: {side_a}\n    B: {side_b}")
        if len(changes) > limit:
            console.print(
                f"  … and {counted(len(changes) - limit, 'more range')} (--max {len(changes)} shows them all, "
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
                escape(d.sheet), d.cell, cell_text(d.a), cell_text(d.b), number(delta, 3) if delta is not None else ""
            )
        console.print(table)
    rest = len(values) - len(shown)
    if rest > 0:
        console.print(f"… and {rest} more (--max {len(values)} shows them all, --json lists them)")
    following = len(result.following)
    if following:
        these = "this formula change" if len(changes) == 1 else "these formula changes"
        verb = "follows" if following == 1 else "follow"
        console.print(f"{counted(following, 'value')} {verb} from {these} (--json gives the range each follows from).")
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
        return cell_text(value) if value is None else f"{cell_text(value)} [dim](typed)[/dim]"
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
