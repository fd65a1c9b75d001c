"""Evaluate a run's quantities: the numbers behind the tables, `--json` and the cached values."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

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
from sheetnet.program import Program
from sheetnet.spec import Network


@dataclass
class Trace:
    """A finished run: its iterations (all of them, or those a long run kept) and their values.

    `losses` and `overflow` always cover every iteration.
    """

    network: Network
    setup: list[Quantity]
    iterations: Sequence[IterationGraph]
    values: dict[Key, float]
    losses: list[float] = field(default_factory=list)
    overflow: tuple[int, str] | None = None
    last_fired: dict[str, int] = field(default_factory=dict)  # each ReLU's last iteration with S > 0 (−1: never)

    def dead_relus(self) -> list[tuple[str, int]]:
        """The ReLUs that died: each neuron (`O1[0]`) whose S was ≤ 0 for every sample from some
        iteration to the last, with that iteration. f'(S) = 0 there, so nothing before such a neuron
        learns through it again."""
        last = self.network.iters - 1
        return [(name, t + 1) for name, t in self.last_fired.items() if t < last]

    @property
    def complete(self) -> bool:
        """True if every iteration is here (a long run's terminal summary keeps only a few)."""
        return len(self.iterations) == self.network.iters

    def of(self, quantity: Quantity) -> list[float]:
        """The values of a quantity, row-major."""
        return [self.values[k] for k in quantity.keys]

    def loss(self, t: int) -> float:
        """Iteration t's loss: over the samples it uses, their mean (or sum, `reduction = "sum"`)."""
        return self.losses[t]

    def first_non_finite(self) -> tuple[int, str] | None:
        """The first iteration and element whose value overflowed, if any."""
        return self.overflow

    def overflow_cause(self) -> str:
        """What the numbers say made a value overflow: a typed number near the largest a spreadsheet
        holds, or a loss that grew (η too large)."""
        network = self.network
        several = len(network.samples) > 1
        typed: list[tuple[str, float]] = []
        for s, sample in enumerate(network.samples):
            where = f" (sample {s})" if several else ""
            typed += [(f"x[{i}]{where}", v) for i, v in enumerate(sample.x)]
            typed += [(f"y[{k}]{where}", v) for k, v in enumerate(sample.y)]
        for l, (w, b) in enumerate(zip(network.weights, network.biases, strict=True), start=1):
            typed += [(f"W{l}[{j},{i}]", v) for j, row in enumerate(w) for i, v in enumerate(row)]
            typed += [(f"B{l}[{j}]", v) for j, v in enumerate(b)]
        name, value = max(typed, key=lambda item: abs(item[1]))
        if abs(value) > 1e100:
            return f"{name} = {value:g} is near the largest number a spreadsheet holds, about 1.8e+308"
        t = self.overflow[0] if self.overflow else len(self.losses)
        finite = [v for v in self.losses[:t] if math.isfinite(v)]
        if len(finite) >= 2 and finite[-1] > finite[0]:
            return f"η too large? the loss grew from {finite[0]:.4g} to {finite[-1]:.4g} before it"
        return "η or the typed numbers too large?"

    def to_json(self) -> dict[str, Any]:
        """The trace as `--json` prints it (non-finite numbers become null)."""
        network = self.network
        iterations = []
        for graph in self.iterations:
            samples = []
            for s, used in enumerate(graph.batch):
                sample = network.samples[used]
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
            iteration: dict[str, Any] = {"index": graph.t}
            if network.batched:
                iteration["samples_used"] = list(graph.batch)
            iteration.update(loss=self.loss(graph.t), samples=samples, gradients=gradients, params=params)
            iterations.append(iteration)
        return _finite_or_null({"network": network.to_dict(), "iterations": iterations})

    def _nested(self, quantity: Quantity) -> list[Any]:
        values = self.of(quantity)
        if len(quantity.shape) == 2:
            cols = quantity.cols
            return [values[j * cols : (j + 1) * cols] for j in range(quantity.rows)]
        return values


# Compiling an iteration's shape costs about as much as evaluating five to ten iterations from their
# graphs (the notes' network, XOR); a run has two shapes (iteration 0 and the others; more with
# batches). From this many iterations on, compiling pays, and a shorter run (`sheetnet run --iters 3`)
# is not slowed by it.
COMPILED_FROM = 20


class Run:
    """Training, one iteration at a time, in memory that does not grow with the iterations.

    Iterating yields each iteration's graph and the values so far. Only the values the next
    iteration reads (this one's) are kept, and those of the iterations `keep(t)` selects; every
    loss is kept. `trace()` afterwards gives the kept iterations as a `Trace`.

    A run of `COMPILED_FROM` iterations or more computes each by its shape's program
    (`sheetnet.program`), compiled from the first iteration of that shape; a shorter one evaluates
    each iteration's own graph (`Expr.value`). The numbers are the same to the last bit.
    """

    def __init__(self, network: Network, keep: Callable[[int], bool] = lambda t: True) -> None:
        self.network = network
        self.keep = keep
        self.setup = setup_quantities(network)
        self.values: dict[Key, float] = {}
        for quantity in self.setup:
            self.values.update(zip(quantity.keys, quantity.inputs or (), strict=True))
        self.kept: Sequence[IterationGraph] = []
        self.losses: list[float] = []
        self.overflow: tuple[int, str] | None = None
        self.relus = _relu_layers(network)
        self.last_fired: dict[str, int] = {}
        self.done = 0
        self.shapes: dict[tuple[bool, tuple[int, ...]], _Shape] = {}
        self.compiled = network.iters >= COMPILED_FROM

    def __iter__(self) -> Iterator[tuple[IterationGraph, dict[Key, float]]]:
        values = self.values
        kept: list[IterationGraph] = []
        self.kept = kept
        previous: list[Key] = []
        for t in range(self.network.iters):
            graph = build_iteration(self.network, t)
            own = [key for quantity in graph.quantities for key in quantity.keys]
            self._step(t, own, graph)
            if self.keep(t):
                kept.append(graph)
            yield graph, values
            self.done = t + 1
            if previous and not self.keep(t - 1):
                for key in previous:
                    del values[key]
            previous = own

    def compute(self) -> None:
        """Every iteration, every value kept; a compiled run builds no iteration's graph but the
        first of each shape's (`trace()` builds each when it is first asked for)."""
        graphs = Iterations(self.network)
        for t in range(self.network.iters):
            shape = self.shapes.get(iteration_shape(self.network, t))
            if self.compiled and shape is not None:
                self._step(t, shape.program.keys_at(t))
            else:
                graph = graphs[t]
                self._step(t, [key for quantity in graph.quantities for key in quantity.keys], graph)
            self.done = t + 1
        self.kept = graphs

    def _step(self, t: int, own: Sequence[Key], graph: IterationGraph | None = None) -> None:
        """Iteration t's values (of `own`, its keys in calculation order), its loss, and what it
        says of overflow and of the ReLUs."""
        shape = self._shape(t, graph)
        if self.compiled:
            numbers = shape.program.run(self.values, t)
            self.values.update(zip(own, numbers, strict=True))
        else:
            values = self.values
            for quantity in graph.quantities if graph is not None else ():
                for key, expr in zip(quantity.keys, quantity.exprs or (), strict=True):
                    values[key] = expr.value(values)
            numbers = [values[key] for key in own]
        self.losses.append(numbers[shape.loss])
        if self.overflow is None and not all(map(math.isfinite, numbers)):
            self.overflow = (t, shape.element_name(next(j for j, v in enumerate(numbers) if not math.isfinite(v))))
        for name, samples in shape.relus:
            for j, slots in enumerate(samples):
                on = any(numbers[slot] > 0 for slot in slots)
                if on or t == 0:
                    self.last_fired[f"{name}[{j}]"] = t if on else -1

    def _shape(self, t: int, graph: IterationGraph | None = None) -> _Shape:
        """Iteration t's shape (iteration 0, or a later one using its samples), made from `graph`
        (iteration t's) the first time."""
        shape = iteration_shape(self.network, t)
        if shape not in self.shapes:
            self.shapes[shape] = _Shape(graph or build_iteration(self.network, t), self.relus)
        return self.shapes[shape]

    def trace(self) -> Trace:
        """The kept iterations and their values, once the iterations have run."""
        return Trace(self.network, self.setup, self.kept, self.values, self.losses, self.overflow, self.last_fired)


def iteration_shape(network: Network, t: int) -> tuple[bool, tuple[int, ...]]:
    """What makes iteration t's graph differ from another's beyond its keys: being the first
    (which reads the Setup sheet where the others read the iteration before), and its samples."""
    return t == 0, network.batch(t) if network.batched else ()


class _Shape:
    """Where in an iteration's numbers its loss, and each ReLU's S, are; and its program."""

    def __init__(self, graph: IterationGraph, relus: Sequence[str]) -> None:
        self.graph = graph
        keys = [key for quantity in graph.quantities for key in quantity.keys]
        slot = {key: j for j, key in enumerate(keys)}
        self.loss = slot[graph.loss().keys[0]]
        # each ReLU layer's neurons, each as its S's slot in every sample of the iteration
        self.relus = [
            (name, list(zip(*([slot[k] for k in graph.get(name, s).keys] for s in range(graph.samples)), strict=True)))
            for name in relus
        ]

    @functools.cached_property
    def program(self) -> Program:
        """The iteration's expressions compiled, for every iteration of its shape."""
        quantities = self.graph.quantities
        keys = [key for quantity in quantities for key in quantity.keys]
        return Program(self.graph.t, keys, [expr for quantity in quantities for expr in quantity.exprs or ()])

    def element_name(self, slot: int) -> str:
        """The name of the element in `slot` (`W2[1,0]`, `L`), as `check` reports it."""
        for quantity in self.graph.quantities:
            if slot < len(quantity.keys):
                return quantity.element_name(slot)
            slot -= len(quantity.keys)
        raise IndexError(slot)


class Iterations(Sequence[IterationGraph]):
    """Every iteration's graph of a run, each built the first time it is asked for."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.built: dict[int, IterationGraph] = {}

    def __len__(self) -> int:
        return self.network.iters

    @overload
    def __getitem__(self, t: int) -> IterationGraph: ...

    @overload
    def __getitem__(self, t: slice) -> list[IterationGraph]: ...

    def __getitem__(self, t: int | slice) -> IterationGraph | list[IterationGraph]:
        if isinstance(t, slice):
            return [self[u] for u in range(*t.indices(len(self)))]
        if not -len(self) <= t < len(self):
            raise IndexError(t)
        t %= len(self)
        if t not in self.built:
            self.built[t] = build_iteration(self.network, t)
        return self.built[t]


def _relu_layers(network: Network) -> list[str]:
    """The pre-activations (O1, O2, …) of the layers whose f is ReLU: a ReLU can die, a leaky one cannot."""
    hidden = [pre_activation_name(network, l) for l in range(1, network.depth)] if network.activation == "relu" else []
    return hidden + ([pre_activation_name(network, network.depth)] if network.output_activation == "relu" else [])


def run(network: Network) -> Trace:
    """Train `network` for `network.iters` iterations and keep every value (an iteration's graph
    is built when the trace is first asked for it)."""
    training = Run(network)
    training.compute()
    return training.trace()


def compared_json(traces: Sequence[Trace]) -> dict[str, Any]:
    """Several η, as `run --json` prints them: `runs`, each η's trace as a run of one η prints it,
    and `comparison`, each η's last loss and its lowest with the iteration of it."""
    comparison = []
    for trace in traces:
        at, low = lowest(trace.losses)
        comparison.append({"lr": trace.network.lr, "last_loss": trace.losses[-1], "lowest_loss": low, "lowest_at": at})
    return _finite_or_null({"runs": [t.to_json() for t in traces], "comparison": comparison})


def lowest(losses: Sequence[float]) -> tuple[int, float]:
    """The iteration of the lowest finite loss, and that loss (the first on a tie; a loss that
    overflowed never counts unless every one did)."""
    best = min(range(len(losses)), key=lambda t: losses[t] if math.isfinite(losses[t]) else math.inf)
    return best, losses[best]


def _finite_or_null(data: Any) -> Any:
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _finite_or_null(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_finite_or_null(v) for v in data]
    return data
