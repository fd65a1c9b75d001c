"""What `check` prints of a workbook judged against its own forward pass (no network file).

The verdict comes first, then the first slip and why, then the slips place by place (a formula
filled down is one place), then the tables when there are several. Nothing wraps at 80 columns:
long names are cut in tables, whole in the first slip's panel.

Its `--json` (`derivation_json`) has the keys of a check against a run (`CheckResult.to_json`),
meaning the same, so that one reader reads both.
"""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from sheetnet.check.derive import Derivation, DerivedTable
from sheetnet.check.slips import Slip, label
from sheetnet.check_view import verdict_text
from sheetnet.render import number
from sheetnet.status import FOUND, MISMATCH

JUDGED = "derivative"  # --json's "judged": against the derivative of its own forward pass ("run": a run's numbers)


def print_derivation(
    console: Console,
    result: Derivation,
    *,
    limit: int = 12,
    show_all: bool = False,
    source: str = "",
    source_style: str | None = None,
) -> None:
    """The verdict, what it was judged by, the first slip, the slips; every place with --all."""
    chains = result.chains
    first = result.first_mismatch
    console.print(f"{verdict_text(result.verdict)}: {escape(result.message)}")
    iterations = (max((t.done for t in result.tables), default=0) if result.decided else 0) or chains.iterations
    judged = f"{_count(len(chains.links), 'trained parameter')} · {_count(iterations, 'iteration')}"
    console.print(f"[bold]sheetnet check[/bold] {escape(str(result.book.path))} · {judged}")
    if source:
        console.print(escape(source), style=source_style)
    if first is not None:
        console.print(_panel(first, len(result.slips) - 1))
    if result.slips:
        places = _places(result.slips)
        shown = places if show_all else places[:limit]
        title = f"Slips ({len(result.slips):,} in {_count(len(places), 'place')})"
        console.print(_slips_table(shown, title))
        if len(places) > len(shown):
            console.print(f"… and {len(places) - len(shown)} more places (--all shows them, --json lists every one)")
    if len(result.tables) > 1:
        console.print(_tables_table(result))
    unjudged = result.unjudged
    if unjudged and result.decided:  # wrong before the iterations not judged
        why = result.blocked_text or "; ".join(unjudged)
        console.print(f"[yellow]Not judged[/yellow] after the first slip: {escape(why)}", overflow="fold")
    if source.startswith("no network file") and result.decided:
        console.print(
            "[dim]Each update must move its parameter by −η times the gradient of the workbook's own loss "
            "(with the same ½, sum or mean for all). Whether the forward pass is the assignment's only "
            "--config can tell.[/dim]"
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _panel(first: Slip, more: int) -> Panel:
    expected = f"expected [bold green]{number(first.expected, 10)}[/bold green], " if first.expected is not None else ""
    text = (
        f"iteration {first.t}, [bold]{escape(first.name)}[/bold] in [bold]{escape(first.cell.address)}[/bold] "
        f"(updates {escape(first.parameter)})\n"
        f"{expected}found [bold red]{_value(first.found)}[/bold red]\n{escape(first.explanation)}"
    )
    if more:
        text += f"\n{more} more slip{'s' if more != 1 else ''} after it"
    return Panel(text, title="[bold red]First slip[/bold red]", title_align="left", border_style="red", expand=False)


def _value(value: object) -> str:
    return number(value, 10) if isinstance(value, float) else escape(str(value))


def _places(slips: list[Slip]) -> list[list[Slip]]:
    """The slips, one place per cell label and column (a formula filled down), in order."""
    places: dict[tuple[str, str, int], list[Slip]] = {}
    for s in slips:
        places.setdefault((s.cell.sheet, s.name, s.cell.col), []).append(s)
    return list(places.values())


def _slips_table(places: list[list[Slip]], title: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold")
    table.add_column("iteration", justify="right", no_wrap=True)
    table.add_column("quantity", no_wrap=True, max_width=18, overflow="ellipsis")
    table.add_column("cells", no_wrap=True, max_width=24, overflow="ellipsis")
    table.add_column("expected", justify="right", no_wrap=True)
    table.add_column("found", justify="right", no_wrap=True)
    for place in places:
        first, last = place[0], place[-1]
        several = len(place) > 1
        table.add_row(
            f"{first.t}–{last.t}" if several else str(first.t),
            escape(first.name),
            escape(first.cell.address + (f"…{last.cell.coordinate} ({len(place)})" if several else "")),
            number(first.expected, 6) if first.expected is not None else "",
            number(first.found, 6) if isinstance(first.found, float) else escape(str(first.found)),
        )
    return table


def _tables_table(result: Derivation) -> Table:
    table = Table(title="Tables in the workbook", title_justify="left", title_style="bold")
    table.add_column("sheet", no_wrap=True, max_width=16, overflow="ellipsis")
    table.add_column("parameters", justify="right")
    table.add_column("iterations", justify="right")
    table.add_column("verdict", no_wrap=True)
    for t in result.tables:
        style = "green" if t.verdict == "right" else "red"
        table.add_row(escape(t.sheet), str(len(t.chains.links)), str(t.iterations), f"[{style}]{t.verdict}[/{style}]")
    return table


def derivation_json(result: Derivation) -> dict[str, Any]:
    """`--json`: the keys of a check against the run with the same meaning; null where this judge
    has no such number (a run's numbers absent or unmatched, a layout); and its own besides."""
    first, blocked = result.first_mismatch, result.blocked
    return {
        "verdict": result.verdict,
        "judged": JUDGED,
        "message": result.message,
        "note": result.note,
        "mismatches": [_slip_json(s) for s in result.slips],
        "found": result.count(FOUND),
        "absent": None,
        "total": len(result.steps),
        "unmatched_cells": None,
        "first_mismatch": _slip_json(first) if first else None,
        "tables": [_table_json(result, t) for t in result.tables],
        "elements": _elements(result),
        "parameters": len(result.chains.links),
        "iterations": max((t.held for t in result.tables), default=result.chains.iterations),
        "blocked": None
        if blocked is None
        else {"iteration": blocked[0], "cell": blocked[1].address, "formula": blocked[1].formula, "why": blocked[2]},
    }


def _slip_json(slip: Slip) -> dict[str, Any]:
    return {
        "iteration": slip.t,
        "cell": slip.cell.address,
        "quantity": slip.name,
        "parameter": slip.parameter,
        "found": _number(slip.found),
        "expected": _number(slip.expected),
        "status": MISMATCH,
        "kind": slip.kind,
        "explanation": slip.explanation,
        "reads": slip.reads,
    }


def _elements(result: Derivation) -> list[dict[str, Any]]:
    """The slips, and each update as a check lists its numbers: found where its step follows the
    derivative (its expected number not worked out: null), a mismatch that follows from a slip
    where it does not."""
    slipped = {s.cell.address for s in result.slips}
    out = [_slip_json(s) for s in result.slips]
    for step in result.steps:
        if step.cell is None or step.cell.address in slipped:
            continue
        entry = {"iteration": step.t, "cell": step.cell.address, "quantity": label(result.formulas, step.update)}
        entry |= {"expected": None, "found": _number(step.cell.value), "status": step.status}
        out.append(entry | ({"kind": "follows"} if step.status == MISMATCH else {}))
    return out


def _table_json(result: Derivation, t: DerivedTable) -> dict[str, Any]:
    f = result.formulas
    first = next((s for s in result.slips if s.cell.sheet == t.sheet), None)
    return {
        "sheet": t.sheet,
        "range": t.range,
        "layout": None,
        "eta": None if math.isnan(t.eta) else t.eta,
        "eta_cell": f.address(t.eta_cell) if t.eta_cell is not None else None,
        "iterations": t.held,
        "iterations_done": t.done,
        "verdict": t.verdict,
        "reason": "; ".join(sorted(set(t.unjudged.values())))
        or (f"first slip in {first.cell.address}, iteration {first.t}: {first.name}" if first is not None else ""),
        "first_slip": first.cell.address if first is not None else None,
        "found": sum(s.status == FOUND for s in t.steps),
        "total": len(t.steps),
        "parameters": len(t.chains.links),
        "loss": {str(i): f.address(p) for i, p in sorted(t.losses.items())},
        "unjudged": {str(i): why for i, why in sorted(t.unjudged.items())},
    }


def _number(value: object) -> object:
    """A number as JSON holds it: NaN and infinities (no JSON number) as null."""
    return None if isinstance(value, float) and not math.isfinite(value) else value
