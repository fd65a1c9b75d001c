"""Evaluate a run's quantities: the numbers behind the tables, `--json` and the cached values."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sheetnet.graph import Key
from sheetnet.net import (
    IterationGraph,
    Quantity,
    activation_name,
    build_iteration,
    param_names,
    pre_activation_name,
    setup_quantities,
)
from sheetnet.spec import Network


@dataclass
class Trace:
    """A finished run: every quantity of every iteration and its value."""

    network: Network
    setup: list[Quantity]
    iterations: list[IterationGraph]
    values: dict[Key, float]

    def of(self, quantity: Quantity) -> list[float]:
        """The values of a quantity, row-major."""
        return [self.values[k] for k in quantity.keys]

    def loss(self, t: int) -> float:
        """The iteration's loss: the mean over the samples."""
        return self.values[self.iterations[t].loss().keys[0]]

    def first_non_finite(self) -> tuple[int, str] | None:
        """The first iteration and element whose value overflowed, if any."""
        for graph in self.iterations:
            for quantity in graph.quantities:
                for i, key in enumerate(quantity.keys):
                    if not math.isfinite(self.values[key]):
                        return graph.t, quantity.element_name(i)
        return None

    def to_json(self) -> dict[str, Any]:
        """The trace as `--json` prints it (non-finite numbers become null)."""
        network = self.network
        iterations = []
        for graph in self.iterations:
            samples = []
            for s, sample in enumerate(network.samples):
                layers = [
                    {
                        "S": self.of(graph.get(pre_activation_name(network, l), s)),
                        "A": self.of(graph.get(activation_name(network, l), s)),
                    }
                    for l in range(1, network.depth + 1)
                ]
                samples.append(
                    {
                        "x": list(sample.x),
                        "y": list(sample.y),
                        "layers": layers,
                        "yhat": self.of(graph.get("ŷ", s)),
                        "loss": self.of(graph.get("L", s))[0],
                    }
                )
            gradients = {name: self._nested(graph.gradient(name)) for name in param_names(network)}
            params = {name: self._nested(graph.updated(name)) for name in param_names(network)}
            iterations.append(
                {
                    "index": graph.t,
                    "loss": self.loss(graph.t),
                    "samples": samples,
                    "gradients": gradients,
                    "params": params,
                }
            )
        return _finite_or_null({"network": network.to_dict(), "iterations": iterations})

    def _nested(self, quantity: Quantity) -> list[Any]:
        values = self.of(quantity)
        if len(quantity.shape) == 2:
            cols = quantity.cols
            return [values[j * cols : (j + 1) * cols] for j in range(quantity.rows)]
        return values


def run(network: Network) -> Trace:
    """Train `network` for `network.iters` iterations and keep every value."""
    setup = setup_quantities(network)
    values: dict[Key, float] = {}
    for quantity in setup:
        values.update(zip(quantity.keys, quantity.inputs or (), strict=True))
    iterations = []
    for t in range(network.iters):
        graph = build_iteration(network, t)
        for quantity in graph.quantities:
            for key, expr in zip(quantity.keys, quantity.exprs or (), strict=True):
                values[key] = expr.value(values)
        iterations.append(graph)
    return Trace(network, setup, iterations, values)


def _finite_or_null(data: Any) -> Any:
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _finite_or_null(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_finite_or_null(v) for v in data]
    return data
