"""A neuron as a sheet's formulas write it: its pre-activation's cell, its activation's, the weights
it reads with the cells they weigh, and its bias; and what names an update's η, whichever way it is
written (a cell, or a number typed in the formula), so updates with one η are known alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sheetnet.formula import Node, Pos, Ref


@dataclass
class Neuron:
    z: Pos  # its pre-activation
    out: Pos  # its activation (z itself for a linear neuron written once)
    kind: str  # activation
    weights: list[tuple[Pos, Pos]]  # (the weight's cell, the cell it weighs)
    bias: Pos | float | None
    notes: list[str] = field(default_factory=list)  # a slip in its formula the reading worked around


def eta_key(eta: Node) -> tuple[str, Any]:
    """The same for every update written with one η: its cell, or the number typed."""
    return ("cell", eta.pos) if isinstance(eta, Ref) else ("number", eta.value)  # type: ignore[union-attr]
