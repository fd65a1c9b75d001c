"""A run's numbers, computed by the compiled programs of its iterations (`sheetnet.program`), are
those of evaluating every iteration's own graph node by node (`Expr.value`), to the last bit; and
the spots `check` makes of an iteration from its shape's first one are those of its own graph: on
every example network, the zoo's, and a small network under every activation, output, loss and
optimizer, with batches, sums, frozen biases and a run that overflows."""

from __future__ import annotations

import itertools
import math
import struct
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path

import pytest
from networks import INIT_2_3_2

from sheetnet.cells.labels import label_token
from sheetnet.check.judge import _local, _local_as_read
from sheetnet.check.spots import (
    EXTRA,
    NEGATED,
    _alternatives,
    _frozen,
    _with_extras,
    ident_of,
    run_spots,
    step_parameter,
)
from sheetnet.errors import NetworkFileError
from sheetnet.graph import Key
from sheetnet.net import CARRIED, MEAN, build_iteration, param_names, setup_quantities
from sheetnet.program import Reads
from sheetnet.spec import (
    HIDDEN_ACTIVATIONS,
    LOSSES,
    OPTIMIZERS,
    OUTPUT_ACTIVATIONS,
    Network,
    load_network,
    parse_network,
)
from sheetnet.trace import COMPILED_FROM, Run, iteration_shape, run

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "examples").glob("*.toml")) + sorted((ROOT / "tests" / "zoo").glob("*.toml"))

SMALL = (
    """
layers = [2, 3, 2]
activation = "{activation}"
output_activation = "{output}"
loss = "{loss}"
optimizer = "{optimizer}"
lr = 0.3
iters = 4
{extra}
"""
    + INIT_2_3_2
)


def _small(activation: str, output: str, loss: str, optimizer: str, extra: str = "") -> Network | None:
    text = SMALL.format(activation=activation, output=output, loss=loss, optimizer=optimizer, extra=extra)
    try:
        return parse_network(text, source="small.toml")
    except NetworkFileError:  # a combination sheetnet refuses (softmax without cross-entropy, …)
        return None


def _networks() -> list[tuple[str, Network]]:
    """The example and zoo networks; a small one per output and loss sheetnet trains, its hidden
    activation and optimizer taken in turn (so each appears with several); batches, sums and frozen
    biases; and one whose numbers overflow."""
    found = [(path.name, load_network(path).with_overrides(iters=COMPILED_FROM)) for path in FILES]
    hidden, optimizers = itertools.cycle(HIDDEN_ACTIVATIONS), itertools.cycle(OPTIMIZERS)
    for output, loss in itertools.product(OUTPUT_ACTIVATIONS, LOSSES):
        activation, optimizer = next(hidden), next(optimizers)
        network = _small(activation, output, loss, optimizer)
        if network is not None:
            found.append((f"{activation}-{output}-{loss}-{optimizer}", network.with_overrides(iters=COMPILED_FROM)))
    extras = ("batch_size = 1", "batch_size = 2", 'reduction = "sum"', 'batch_size = 2\nreduction = "sum"')
    for extra in (*extras, "train_biases = false"):
        network = _small("relu", "sigmoid", "mse", next(optimizers), extra)
        assert network is not None
        found.append((f"{extra}-{network.optimizer}", network.with_overrides(iters=COMPILED_FROM + 1)))
    overflowing = _small("linear", "linear", "half_squared_error", "sgd")
    assert overflowing is not None
    found.append(("overflow", replace(overflowing, lr=40.0, iters=max(30, COMPILED_FROM))))
    return found


NETWORKS = _networks()


def _bits(value: float) -> tuple[type, bytes]:
    """A number to the last bit: its type and its IEEE 754 bytes (−0.0 is not 0.0; NaN is NaN)."""
    return type(value), struct.pack("<d", value)


def _plain(network: Network) -> tuple[dict[Key, float], list[float], tuple[int, str] | None, dict[Key, float]]:
    """Every value of the run, each iteration's graph evaluated node by node; the losses; the first
    number that overflowed; and the values of the numbers `check` adds (`spots`), evaluated so too."""
    values: dict[Key, float] = {}
    for quantity in setup_quantities(network):
        values.update(zip(quantity.keys, quantity.inputs or (), strict=True))
    losses, overflow, extras = [], None, {}
    for t in range(network.iters):
        graph = build_iteration(network, t)
        for quantity in graph.quantities:
            for i, (key, expr) in enumerate(zip(quantity.keys, quantity.exprs or (), strict=True)):
                values[key] = expr.value(values)
                if overflow is None and not math.isfinite(values[key]):
                    overflow = (t, quantity.element_name(i))
        losses.append(values[graph.loss().keys[0]])
        reading = {**values, **extras}
        for quantity in _with_extras(network, graph):
            for key, expr in zip(quantity.keys, quantity.exprs or (), strict=True):
                if key not in reading:
                    extras[key] = reading[key] = expr.value(reading)
    return values, losses, overflow, extras


@pytest.mark.parametrize(("name", "network"), NETWORKS, ids=[name for name, _ in NETWORKS])
def test_the_compiled_run_is_the_graphs_evaluated_to_the_last_bit(name: str, network: Network) -> None:
    values, losses, overflow, extras = _plain(network)
    trace = run(network)
    assert {k: _bits(v) for k, v in trace.values.items()} == {k: _bits(v) for k, v in values.items()}
    assert [_bits(v) for v in trace.losses] == [_bits(v) for v in losses]
    assert trace.overflow == overflow
    spots = run_spots(trace)
    assert {k: _bits(v) for k, v in spots.values.items()} == {k: _bits(v) for k, v in (values | extras).items()}
    for t in (0, network.iters - 1):
        for spot in spots.iterations[t]:
            assert _bits(spot.value) == _bits(spots.values[spot.key]) and spot.t == t


def test_the_streamed_run_is_the_compiled_one_and_keeps_its_graphs() -> None:
    """`sheetnet run` streams the iterations' graphs to the workbook: compiled from `COMPILED_FROM`
    iterations on, as `run`; a shorter run evaluates its graphs, compiling nothing."""
    for iters in (COMPILED_FROM + 2, 3):
        network = replace(NETWORKS[0][1], iters=iters)
        trace = run(network)
        training = Run(network)
        graphs = [graph for graph, _ in training]
        assert training.trace().values == trace.values and training.trace().losses == trace.losses
        assert [g.t for g in graphs] == list(range(iters))
        assert [q.keys for q in trace.iterations[2].quantities] == [q.keys for q in graphs[2].quantities]
        assert training.compiled == (iters >= COMPILED_FROM)
        assert all("program" not in vars(shape) for shape in training.shapes.values()) == (iters < COMPILED_FROM)


def test_a_test_network_of_every_kind_is_here() -> None:
    """The networks above cover every activation, output, loss and optimizer sheetnet trains."""
    kinds = {(n.activation, n.output_activation, n.loss, n.optimizer) for _, n in NETWORKS}
    assert len(NETWORKS) < 50  # a covering, not every combination: the tests stay fast
    assert {k[0] for k in kinds} == set(HIDDEN_ACTIVATIONS)
    assert {k[1] for k in kinds} == set(OUTPUT_ACTIVATIONS)
    assert {k[2] for k in kinds} == set(LOSSES) and {k[3] for k in kinds} == set(OPTIMIZERS)
    assert any(n.batched for _, n in NETWORKS) and any(not n.train_biases for _, n in NETWORKS)
    assert any(run(n).overflow for name, n in NETWORKS if name == "overflow")


class _Recording(Mapping[Key, float]):
    """Values that note the keys read, in their order."""

    def __init__(self, values: dict[Key, float]) -> None:
        self.values = values
        self.read: list[tuple] = []

    def __getitem__(self, key: Key) -> float:
        self.read.append(tuple(key))
        return self.values[key]

    def __iter__(self) -> Iterator[Key]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def _judged(local: Callable, formulas, t: int, values: dict[Key, float], tainted: set[Key]) -> tuple:
    """A spot's local value, its other ways' and whether they read a wrong number (to the last
    bit), or the KeyError it fails with."""
    try:
        value, others, wrong = local(formulas, t, values, tainted)
    except KeyError:
        return ("KeyError",)
    return _bits(value), [_bits(v) for v in others], wrong


def _evaluated(evaluate: Callable[[_Recording], float], values: _Recording) -> tuple:
    """A value (to the last bit) or the KeyError it fails with, and the keys read on the way."""
    values.read.clear()
    try:
        outcome = _bits(evaluate(values))
    except KeyError as error:
        outcome = ("KeyError", tuple(error.args[0]))
    return outcome, tuple(values.read)


@pytest.mark.parametrize(("name", "network"), NETWORKS, ids=[name for name, _ in NETWORKS])
def test_the_spots_of_every_iteration_are_those_its_own_graph_gives(name: str, network: Network) -> None:
    """An iteration's spots, made from its shape's forms (`check.spots._Shape`), are those its own
    graph gives, field by field: key, expressions (as trees: `repr`), value to the last bit, quantity,
    name and identity. Their compiled expressions (`program.CompiledExprs`, what `judge` evaluates)
    give each expression's value on the run's numbers to the last bit, reading the same keys in
    the same order, and fail as it fails where a number is missing."""
    values, _, _, extras = _plain(network)
    every = values | extras
    some_missing = dict(every)  # the steps left out, as a table without them is judged
    for key in [k for k in some_missing if k.q.startswith(("η·", "−η·"))][::2]:
        del some_missing[key]
    readings = [_Recording(every), _Recording(some_missing)]
    spots = run_spots(run(network))
    params = set(param_names(network))
    shapes = len({iteration_shape(network, t) for t in range(network.iters)})
    for t in sorted({0, 1, 2, 3, shapes + 1, network.iters - 1}):
        graph = build_iteration(network, t)
        built = [
            (quantity, i, key, (expr, *_alternatives(network, graph, quantity, i, params)))
            for quantity in _with_extras(network, graph)
            if not _frozen(network, quantity)
            for i, (key, expr) in enumerate(zip(quantity.keys, quantity.exprs or (), strict=True))
        ]
        made = spots.iterations[t]
        assert len(made) == len(built)
        for spot, (quantity, i, key, expressions) in zip(made, built, strict=True):
            assert (spot.t, spot.key, spot.index) == (t, key, i)
            assert [repr(e) for e in spot.expressions] == [repr(e) for e in expressions]
            assert _bits(spot.value) == _bits(every[key])
            ours = spot.quantity
            assert (ours.name, ours.section, ours.shape, ours.role, ours.sample, len(ours.keys)) == (
                quantity.name,
                quantity.section,
                quantity.shape,
                quantity.role,
                quantity.sample,
                len(quantity.keys),
            )
            assert label_token(ours.label) == label_token(quantity.label)
            assert step_parameter(ours) == step_parameter(quantity)
            assert (spot.negated, spot.optional, spot.extra, spot.carried) == (
                quantity.note == NEGATED,
                quantity.role == EXTRA and (quantity.section == MEAN or quantity.note == NEGATED),
                quantity.role == EXTRA,
                quantity.role == CARRIED,
            )
            assert spot.ident == ident_of(quantity, key.s, i)
            assert spot.name.startswith(quantity.element_name(i)) and spot.group.startswith(quantity.name)
            formulas = spot.form.formulas
            for known in readings:
                for expr, function in zip(expressions, formulas.functions, strict=True):
                    tree = _evaluated(expr.value, known)
                    compiled = _evaluated(lambda v, f=function, c=formulas, u=t: f(Reads(v, c, u)), known)
                    assert compiled == tree
            # what `judge` works out at once (every number named looked up together) is what reading
            # the numbers as the expressions read them gives, whichever numbers are wrong
            for known in (every, some_missing):
                for tainted in (set(), set(list(known)[t % 3 :: 3])):
                    at_once = _judged(_local, formulas, t, known, tainted)
                    assert at_once == _judged(_local_as_read, formulas, t, known, tainted)
