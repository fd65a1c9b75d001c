"""Loss cells placed by the workbook's formulas where their numbers did not place them.

A fitted layout finds a number where the workbook holds the run's value. A loss cell whose
formula is wrong (`LOG` where `LN` belongs) holds no number of the run, so it is found nowhere
and would be reported as "not written". Its formulas say where it is: the loss is the cell whose
derivatives the workbook's updates follow (`derive`), and each sample's loss is the cell of its
calculation that reads that sample's ŷ. Placed there, the cell is judged as any other: a slip if
the run's loss on the workbook's own ŷ and y is another number.

Guarantee: only cells no other number of the table holds are placed, and only on the table's
sheet in its first iteration (later iterations follow the layout's stride).
"""

from __future__ import annotations

import math
import re

from sheetnet.cells.chains import TYPED_AGAIN
from sheetnet.cells.formulas import Formulas
from sheetnet.check.derive import Derivation
from sheetnet.check.geometry import Layout
from sheetnet.check.judge import Element
from sheetnet.check.spots import RunSpots, Spot
from sheetnet.check.thresholds import RATIO_TOLERANCE
from sheetnet.formula import Pos
from sheetnet.net import FORWARD, LOSS, MEAN, PARAMETERS, UPDATE


def place_losses(layout: Layout, run: RunSpots, derivation: Derivation | None) -> None:
    """Put in `layout` the cells of iteration 0's losses that it lacks, found from the formulas."""
    if derivation is None or layout.own:
        return
    f = derivation.formulas
    loss = next(
        (t.losses[0] for t in derivation.tables if 0 in t.losses and t.losses[0][0] == layout.sheet),
        None,
    )
    if loss is None:
        return
    taken = set(layout.bases.values()) | {p for ps in layout.copies.values() for p in ps}
    spots = run.iterations[0]
    totals = [s for s in spots if s.quantity.section == MEAN and s.quantity.name == "L"]
    samples = [s for s in spots if s.quantity.section == LOSS and s.quantity.name == "L"]
    if len(samples) == 1 and not totals:  # one sample: its loss is the loss
        totals, samples = samples, []
    for spot in totals:
        _place(layout, spot, loss, taken)
    # each sample's loss: the cells the loss sums (or averages), each computed from its sample's ŷ
    parts = [q for q in dict.fromkeys(f.original(p) for p in f.precedents(loss)) if f.computed(q)]
    values = [f.number(q) for q in parts]
    total = f.number(loss)
    if len(parts) != len(samples) or total is None or None in values:
        return
    whole = math.fsum(values)  # type: ignore[arg-type]
    if not any(abs(total - v) <= RATIO_TOLERANCE * abs(total) for v in (whole, whole / len(parts))):
        return
    ancestries = {q: _ancestry(f, q) for q in parts}  # each part's forward pass, walked once
    for spot in samples:
        outputs = {
            f.original(p)
            for s in spots
            if s.quantity.section == FORWARD and s.quantity.name == "ŷ" and s.key.s == spot.key.s
            for p in [layout.at(s.ident, 0)]
            if p is not None
        }
        reading = [q for q in parts if outputs & ancestries[q]]
        if len(reading) == 1:
            _place(layout, spot, reading[0], taken)


_LOGARITHM = re.compile(r"\b(LOG10|LOG|LN)\s*\(", re.IGNORECASE)
BASES = {"10": math.log(10), "2": math.log(2)}  # the logarithms a sheet may take where the loss's is natural


def scaled_loss(element: Element) -> str | None:
    """Why a loss cell is wrong when it is the run's loss (on the workbook's own ŷ and y) times one
    factor: that factor, and where the formula shows it, a logarithm's base (LOG, base 10, where the
    loss's logarithm is natural); None for a loss cell wrong otherwise, or for any other cell."""
    cell = element.cell
    if cell is None or not cell.formula or not cell.is_number or element.quantity.section not in (LOSS, MEAN):
        return None
    for expected in (element.local, element.expected):
        if not expected:
            continue
        ratio = float(cell.value) / expected
        if ratio <= 0 or abs(ratio - 1) < RATIO_TOLERANCE:
            continue
        what = f"`{cell.coordinate}` = {element.name} is {ratio:.4g} times the run's loss on the same ŷ and y"
        used = {m.group(1).upper() for m in _LOGARITHM.finditer(cell.formula)}
        for base, ln in BASES.items():
            if abs(ratio * ln - 1) < RATIO_TOLERANCE and used & {"LOG", "LOG10"}:
                return (
                    what + f": it takes LOG, the logarithm in base {base}, where the loss's logarithm is natural (LN)"
                )
        return what
    return None


def used_where_read(layout: Layout, run: RunSpots, derivation: Derivation | None) -> None:
    """A number typed twice (a row of initial weights, then a row that uses them): the parameter
    used is the one the formulas read. Move each used parameter's cell that no formula reads to the
    cell holding the same number typed in its column that formulas do read. Then a copy of a used
    parameter is that parameter (`_copies_hold_their_parameter`)."""
    if derivation is None or layout.own:
        return
    f = derivation.formulas
    taken = set(layout.bases.values())
    for spot in run.iterations[0]:
        if not (spot.quantity.section == PARAMETERS and spot.carried):
            continue
        base = layout.bases.get(spot.ident)
        if base is None or f.readers(base) or not f.typed(base):
            continue
        value = f.number(base)
        column = [
            (base[0], r, base[2])
            for r in range(max(1, base[1] - TYPED_AGAIN), base[1] + TYPED_AGAIN + 1)
            if (base[0], r, base[2]) not in taken
        ]
        read = [p for p in column if f.typed(p) and f.number(p) == value and f.readers(p)]
        if len(read) == 1:
            taken.discard(base)
            _place(layout, spot, read[0], taken, replace=True)
    _copies_hold_their_parameter(layout, run, f)


def _copies_hold_their_parameter(layout: Layout, run: RunSpots, f: Formulas) -> None:
    """A cell that only repeats a parameter used (`=B16`: a phase's copy of the weights it does not
    update, a helper column's copy of w5) holds that parameter, never another quantity of the run:
    one placed there by its value or its neighbours (an input of 0.5 beside a weight of 0.5, a
    gradient where a layout of value, gradient and update columns expects one) is taken out, and
    is not written rather than wrong."""
    used = {
        f.original(layout.bases[s.ident])
        for s in run.iterations[0]
        if s.quantity.section == PARAMETERS and s.carried and s.ident in layout.bases
    }
    for spot in run.iterations[0]:
        pos = layout.bases.get(spot.ident)
        if spot.quantity.section in (PARAMETERS, UPDATE) or pos is None or f.copied(pos) is None:
            continue
        if f.original(pos) in used:
            del layout.bases[spot.ident]


def place_updates(layout: Layout, run: RunSpots, derivation: Derivation | None) -> None:
    """An updated parameter whose cell no number placed (an update that did not move as the run
    does: it reads another input, or nothing at all): its cell is the one the sheet's update
    chain of that parameter names, the first update after the cell the layout gives the
    parameter used. Placed there, it is judged: a slip if the run moves the parameter otherwise."""
    if derivation is None or layout.own:
        return
    f = derivation.formulas
    after = {f.original(chain[0]): chain[1] for chain in derivation.chains.links if len(chain) > 1}
    taken = set(layout.bases.values()) | {p for ps in layout.copies.values() for p in ps}
    used = {  # each parameter used, by its name and element (`W1@in` is W1 as it comes in)
        (s.key.q.split("@")[0], s.key.i): s for s in run.iterations[0] if s.quantity.section == PARAMETERS and s.carried
    }
    for spot in run.iterations[0]:
        if spot.quantity.section != UPDATE or spot.ident in layout.bases:
            continue
        parameter = used.get((spot.key.q, spot.key.i))
        base = layout.bases.get(parameter.ident) if parameter is not None else None
        update = after.get(f.original(base)) if base is not None else None
        if update is not None:
            _place(layout, spot, update, taken)


def _place(layout: Layout, spot: Spot, pos: Pos, taken: set[Pos], *, replace: bool = False) -> None:
    if (spot.ident in layout.bases and not replace) or pos in taken or pos[0] != layout.sheet:
        return
    layout.bases[spot.ident] = pos
    taken.add(pos)
    r0, c0, r1, c1 = layout.box
    layout.box = (min(r0, pos[1]), min(c0, pos[2]), max(r1, pos[1]), max(c1, pos[2]))


def _ancestry(f: Formulas, loss: Pos) -> set[Pos]:
    """The formula cells the loss is computed from, itself included."""
    return {loss} | f.behind(f.precedents(loss), f.computed)
