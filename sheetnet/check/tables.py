"""Before a table is fitted: the sheets where tables start, and the run each table follows.

A table starts on a sheet that holds iteration 0's forward pass (`table_sheets`), which η does not
change, so each table of a sheet per η is found. Where a later iteration's parameters are typed by
hand, rounded (a student copying the last block's weights into the next block), the run the table
follows goes on from the typed numbers (`retyped`).

Guarantee: a sheet starts a table only if it holds a quarter of iteration 0's forward pass (one
number at least), from two of its quantities; `retyped` gives `run` itself unless the typed
parameters explain more of an iteration's computed numbers at full precision than the run does.
"""

from __future__ import annotations

import math
from collections import ChainMap, Counter, defaultdict

from sheetnet.check.evidence import small
from sheetnet.check.grid import Grid, full_window
from sheetnet.check.spots import RunSpots, run_spots
from sheetnet.check.thresholds import RETYPED_SHARE, TABLE_FORWARD_SHARE, TABLE_QUANTITIES
from sheetnet.graph import Key
from sheetnet.net import FORWARD, PARAMETERS, IterationGraph
from sheetnet.trace import Trace


def table_sheets(grid: Grid, run: RunSpots) -> list[int]:
    """The sheets holding iteration 0's forward pass (which η does not change): a table starts there."""
    inputs = set(run.inputs.values())  # a typed input (0, 1, 0.5) found again says nothing
    # nor is a number of the forward pass that equals one looked for (O1 = B1 where x is 0)
    forward = [
        s for s in run.iterations[0] if s.quantity.section == FORWARD and not s.carried and s.value not in inputs
    ]
    counts: Counter[int] = Counter()
    quantities: dict[int, set[str]] = defaultdict(set)
    for spot in forward:
        found = grid.matches(spot.value, range(len(grid.sheets)))
        for sheet in {p[0] for p in found if float(grid.cells[p].value) not in inputs}:
            counts[sheet] += 1
            quantities[sheet].add(spot.quantity.name)
    # A quarter of it, from two quantities at least: a slip in iteration 0's first layer leaves
    # little of the forward pass right, and a summary of ŷ alone is no table.
    need = max(1, math.ceil(len(forward) * TABLE_FORWARD_SHARE))
    kinds = min(TABLE_QUANTITIES, len({s.quantity.name for s in forward}))
    return [s for s in range(len(grid.sheets)) if counts[s] >= need and len(quantities[s]) >= kinds]


def retyped(grid: Grid, run: RunSpots, sheet: int) -> RunSpots:
    """The run a table's numbers follow where a later iteration's parameters are typed as numbers
    rounded by hand (a student copying the last block's updated weights into the next block): from
    that iteration on, the run goes on from the typed numbers, so that what the formulas compute
    from them holds its numbers exactly, as the iterations before do, and the layout is fitted on
    them (`judge` then judges each against the workbook's own earlier numbers). `run` itself if no
    iteration's parameters are typed so.

    An iteration's parameters are taken as typed when at least half of them (of those not 0, ±1
    or 2) are in a typed cell as their rounding (not a number the parameter held before), and the
    run going on from the typed numbers finds more of the iteration's computed numbers at full
    precision (in formulas' cells) than the run itself: a sheet typed throughout, or a summary
    of rounded weights beside a table of formulas, is no such table."""
    trace = run.trace
    if len(trace.iterations) < 2:
        return run
    values = dict(trace.values)
    changed = False
    previous = {(key.q, key.s, key.i): values[key] for key in _carried_parameters(run, 0)}
    for t in range(1, len(trace.iterations)):
        sheets = [sheet] + ([sheet + t] if sheet + t < len(grid.sheets) else [])
        carried = _carried_parameters(run, t)
        graph = trace.iterations[t] if changed else None  # built only where it is evaluated
        plain = _evaluate(graph, values, {}) if graph is not None else None
        current = plain if plain is not None else values
        typed: dict[Key, float] = {}
        counted = 0
        for key in carried:
            value = current[key]
            if small(value):
                continue
            counted += 1
            old = previous.get((key.q, key.s, key.i))
            options = [
                float(grid.cells[p].value)
                for p in grid.matches(value, sheets)
                if grid.cells[p].formula is None
                and grid.cells[p].decimals is not None
                and not _exact(float(grid.cells[p].value), value)
                and (old is None or not _exact(float(grid.cells[p].value), old))
            ]
            if options:
                typed[key] = min(options, key=lambda v: (abs(v - value), v))
        accepted = None
        if typed and len(typed) >= RETYPED_SHARE * counted:
            graph = graph or trace.iterations[t]
            retyped_values = _evaluate(graph, values, typed)
            if plain is None:
                plain = {key: values[key] for q in graph.quantities for key in q.keys}
            if _found_at_full_precision(grid, graph, retyped_values, sheets, carried) > _found_at_full_precision(
                grid, graph, plain, sheets, carried
            ):
                accepted = retyped_values
        if accepted is not None:
            values.update(accepted)
            changed = True
        elif plain is not None:
            values.update(plain)
        previous = {(key.q, key.s, key.i): values[key] for key in carried}
    if not changed:
        return run
    losses = [values[g.loss().keys[0]] for g in trace.iterations]
    return run_spots(Trace(trace.network, trace.setup, trace.iterations, values, losses, trace.overflow))


def _carried_parameters(run: RunSpots, t: int) -> list[Key]:
    """The keys of the parameters iteration t uses, as it carries them in (not frozen biases), in
    its graph's order: its spots' (made from its shape's forms, no graph built)."""
    return [
        spot.key
        for spot in run.iterations[t]
        if spot.carried and spot.quantity.section == PARAMETERS and spot.key not in run.fixed
    ]


def _evaluate(graph: IterationGraph, values: dict[Key, float], typed: dict[Key, float]) -> dict[Key, float]:
    """Iteration `graph`'s values from the iterations before (in `values`), its parameters as
    `typed` says where it says."""
    own: dict[Key, float] = {}
    reading = ChainMap(own, values)
    for q in graph.quantities:
        for key, expr in zip(q.keys, q.exprs or (), strict=True):
            own[key] = typed[key] if key in typed else expr.value(reading)
    return own


def _found_at_full_precision(
    grid: Grid, graph: IterationGraph, values: dict[Key, float], sheets: list[int], carried: list[Key]
) -> int:
    """How many of an iteration's computed numbers (not 0, ±1, 2) a formula's cell holds exactly."""
    skip = set(carried)
    count = 0
    for q in graph.quantities:
        for key in q.keys:
            value = values[key]
            if key in skip or small(value) or not math.isfinite(value):
                continue
            count += any(grid.cells[p].decimals is None for p in grid.matches(value, sheets))
    return count


def _exact(a: float, b: float) -> bool:
    return abs(a - b) <= full_window(b)
