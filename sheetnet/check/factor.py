"""What every step of an iteration is over its parameter's derivative: one factor all share, and
each parameter's own η.

A right step is c·∂L/∂p, where c is −η times the loss's convention (½, a sum, a mean, a logarithm's
base): one number for every parameter. So c is the factor most steps share over their derivatives
(`common_factor`, the `mode` of their quotients), and a slip's own factor is an outlier. Where each
parameter steps by an η of its own, typed once for it (`=w1-B1*g1`, `=w2-B2*g2`), its steps are
divided by that η first (`parameter_rates`); a number the steps of two parameters or more read is
the η they share (`shared_reads`).

Guarantee: two numbers `agree` only within the rounding of a few dozen float operations
(`STEP_RELATIVE`), or where their difference is 0 beside the table's largest step (`STEP_FLOOR`);
`mode` returns a value `least` of its values agree on, or None.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from sheetnet import limits
from sheetnet.cells.chains import Chains
from sheetnet.cells.formulas import Formulas
from sheetnet.formula import Pos

# A step and c·∂L/∂p, computed from the same numbers a program saved with 15 to 17 digits, differ
# by the rounding of a few dozen operations: far below this
STEP_RELATIVE = 1e-6
# a step this small beside the table's largest is 0: an input of 0 makes a gradient 0, and a gradient
# near convergence is a difference of terms a million times larger, exact to no more than this
STEP_FLOOR = 1e-9
# what a loss's convention multiplies a whole number of samples or outputs by (`conventional`):
# nothing, its ½ (or a 2 where the ½ is left out of the loss but not of the gradients), and the
# base of a logarithm, 10 or 2, where a sheet takes LOG where its gradients are those of LN
CONVENTION_BASES = (1.0, 0.5, 2.0, math.log(10), 1 / math.log(10), math.log(2), 1 / math.log(2))


def agrees(step: float, expected: float, scale: float) -> bool:
    """True if a step is the number expected of it, to float rounding, or both are 0 beside `scale`."""
    return abs(step - expected) <= STEP_RELATIVE * max(abs(step), abs(expected)) + STEP_FLOOR * scale


def mode(
    values: list[float], least: int = 2, near: float | None = None, likely: Callable[[float], bool] | None = None
) -> float | None:
    """The value most of `values` agree on (to STEP_RELATIVE), if `least` agree at least; of values
    as many agree on, the nearest to `near` (−η: a loss without a ½, a sum or a mean is the commonest).
    With `likely`, a value it accepts comes before any it does not, however many agree on that one."""
    values = sorted(values)
    best, rank, lo = None, (False, least - 1), 0
    for hi, v in enumerate(values):
        while abs(values[lo] - v) > STEP_RELATIVE * abs(v):
            lo += 1
        middle = values[(lo + hi) // 2]
        here = (likely is not None and likely(middle), hi - lo + 1)
        closer = near is not None and best is not None and abs(middle - near) < abs(best - near)
        if here > rank or (here == rank and closer):
            best, rank = middle, here
    return best


def conventional(c: float) -> bool:
    """True if a loss's convention can scale its steps by c: a whole number k of samples or outputs
    summed (k), averaged (1/k), with a ½ or a 2 (k/2, 1/(2k), 2k, 2/k), a logarithm's base, or none."""
    if not c > 0:
        return False
    for base in CONVENTION_BASES:
        for ratio in (c / base, base / c):
            k = round(ratio)
            if 1 <= k <= limits.SAMPLES and abs(ratio - k) <= STEP_RELATIVE * ratio:
                return True
    return False


def common_factor(
    steps: dict[int, float], derivatives: dict[int, float], scale: float, eta: float | None = None
) -> float | None:
    """The factor most steps share over their derivatives (a slip's own is an outlier). Where η is
    known, a factor −η·c whose c a loss's convention can be (`conventional`: a ½, a sum or a mean of
    whole counts) comes before one that no convention gives, however many steps share that one: two
    weights stepping 4/3 of a mean over 4 samples (divided by 3), beside a bias stepping it exactly,
    are the wrong ones."""
    likely = None if not eta else (lambda factor: conventional(-factor / eta))
    return mode(
        [
            s / derivatives[j]
            for j, s in steps.items()
            if abs(s) > STEP_FLOOR * scale and abs(derivatives.get(j, 0.0)) > 0.0
        ],
        least=1,
        near=None if eta is None else -eta,
        likely=likely,
    )


def shared_reads(f: Formulas, chains: Chains, t: int) -> set[Pos]:
    """Cells the steps of two parameters or more read directly (η)."""
    seen: dict[Pos, int] = {}
    for j in range(len(chains.links)):
        if len(chains.links[j]) <= t + 1:
            continue
        for r in {f.original(p) for p in chains.update(j, t).reads}:
            seen[r] = seen.get(r, 0) + 1
    return {p for p, n in seen.items() if n > 1 and not f.computed(p)}


def parameter_rates(f: Formulas, chains: Chains) -> tuple[dict[int, float], set[Pos]]:
    """Each parameter's own η, where its steps, in more than one iteration, multiply by a typed
    cell no other parameter's step reads (`=w1-B1*g1`, `=w2-B2*g2`): its value by parameter, and
    those cells. A number typed once, in one iteration, is no η: it is a gradient typed over its formula."""
    known = chains.derived.get("rates")
    if known is not None:
        return known
    seen: dict[tuple[int, Pos], int] = {}
    readers: dict[Pos, set[int]] = {}
    for j, chain in enumerate(chains.links):
        for i in range(len(chain) - 1):
            for p in _typed_factors(f, chains.updates[chain[i + 1]].step):
                seen[(j, p)] = seen.get((j, p), 0) + 1
                readers.setdefault(p, set()).add(j)
    rates: dict[int, float] = {}
    cells: set[Pos] = set()
    for (j, p), count in seen.items():
        if count > 1 and readers[p] == {j}:
            value = f.number(p)
            if value:
                rates[j] = rates.get(j, 1.0) * value
                cells.add(p)
    chains.derived["rates"] = (rates, cells)
    return rates, cells


def _typed_factors(f: Formulas, step) -> list[Pos]:
    """The typed cells a step of one term multiplies by (η, where it is typed beside the parameter)."""
    from sheetnet.formula import factors, terms

    parts = terms(step)
    if len(parts) != 1:
        return []
    return [f.original(n.pos) for n in factors(parts[0][1]) if hasattr(n, "pos") and f.typed(f.original(n.pos))]
