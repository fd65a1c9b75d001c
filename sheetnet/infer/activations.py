"""The activations a reading may name, and which of them a formula computes.

A formula is named by evaluating it at a few pre-activations (PROBES): the activation whose
values it gives there, to 10⁻⁴, is the one it computes (`=1/(1+EXP(-h1))` is σ however written).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from sheetnet.formula import FormulaError
from sheetnet.net import LEAKY_SLOPE  # the one sheetnet trains: another slope is no activation of its

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")  # the order a tie is settled in
OUTPUT_PREFERENCE = ("sigmoid", "tanh", "linear", "relu", "leaky_relu")  # positive outputs: ReLU or none
PROBES = (-2.3, -0.7, -0.05, 0.3, 1.9)  # both signs, near 0 and in the tails: no two activations agree on all


def _sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v)) if v > -700 else 0.0


FUNCTIONS = {
    "sigmoid": _sigmoid,
    "tanh": math.tanh,
    "relu": lambda v: max(0.0, v),
    "leaky_relu": lambda v: v if v > 0 else LEAKY_SLOPE * v,
    "linear": lambda v: v,
}


def activation_of(at: Callable[[float], float]) -> str | None:
    """The activation a formula computes, given as the function of its pre-activation `at`;
    None if it computes none of them (or `at` raises FormulaError)."""
    try:
        results = [at(v) for v in PROBES]
    except FormulaError:
        return None
    for kind in ACTIVATIONS:
        f = FUNCTIONS[kind]
        if all(math.isclose(r, f(v), rel_tol=1e-4, abs_tol=1e-9) for r, v in zip(results, PROBES, strict=True)):
            return kind
    return None
