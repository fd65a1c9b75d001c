"""Backpropagation against central finite differences of the loss, on several layer sizes."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from sheetnet.net import param_names
from sheetnet.spec import Network, Sample, default_network
from sheetnet.trace import Trace, run

STEP = 1e-6


def _random_network(
    layers: tuple[int, ...],
    seed: int,
    activation: str = "relu",
    output: str = "linear",
    loss: str = "half_squared_error",
    samples: int = 1,
) -> Network:
    """Random weights, biases and samples, redrawn until no pre-activation sits near a kink."""
    rng = random.Random(seed)
    while True:
        weights = tuple(
            tuple(tuple(rng.uniform(-1.5, 1.5) for _ in range(layers[l - 1])) for _ in range(layers[l]))
            for l in range(1, len(layers))
        )
        biases = tuple(tuple(rng.uniform(-0.5, 0.5) for _ in range(layers[l])) for l in range(1, len(layers)))
        data = tuple(
            Sample(tuple(rng.uniform(-2, 2) for _ in range(layers[0])), _target(rng, layers[-1], output, loss))
            for _ in range(samples)
        )
        network = replace(
            default_network(),
            layers=layers,
            weights=weights,
            biases=biases,
            samples=data,
            iters=1,
            activation=activation,
            output_activation=output,
            loss=loss,
        )
        trace = run(network)
        pre = [k for k in trace.values if (k.q.startswith("O") or k.q == "ŷ") and k.t == 0]
        if all(abs(trace.values[k]) > 1e-3 for k in pre):
            return network


def _target(rng: random.Random, k: int, output: str, loss: str) -> tuple[float, ...]:
    if loss == "cross_entropy" and output == "softmax":
        raw = [rng.uniform(0.1, 1) for _ in range(k)]
        return tuple(v / sum(raw) for v in raw)
    if loss == "cross_entropy":
        return tuple(rng.uniform(0, 1) for _ in range(k))
    return tuple(rng.uniform(-1, 1) for _ in range(k))


def _loss_with(network: Network, name: str, index: int, delta: float) -> float:
    l = int(name[1:]) - 1
    if name[0] == "W":
        rows = [list(r) for r in network.weights[l]]
        cols = len(rows[0])
        rows[index // cols][index % cols] += delta
        weights = list(network.weights)
        weights[l] = tuple(tuple(r) for r in rows)
        network = replace(network, weights=tuple(weights))
    else:
        bias = list(network.biases[l])
        bias[index] += delta
        biases = list(network.biases)
        biases[l] = tuple(bias)
        network = replace(network, biases=tuple(biases))
    return run(replace(network, iters=1)).loss(0)


def _assert_gradients_match(network: Network) -> int:
    trace: Trace = run(replace(network, iters=1))
    checked = 0
    for name in param_names(network):
        analytic = trace.of(trace.iterations[0].gradient(name))
        for i, g in enumerate(analytic):
            numeric = (_loss_with(network, name, i, STEP) - _loss_with(network, name, i, -STEP)) / (2 * STEP)
            assert g == pytest.approx(numeric, rel=1e-6, abs=1e-7), f"∂L/∂{name}[{i}]"
            checked += 1
    return checked


def test_notes_network_gradients_match_finite_differences() -> None:
    assert _assert_gradients_match(default_network()) == 2 + 2 + 4 + 2 + 2 + 1


@pytest.mark.parametrize("layers", [(1, 1), (2, 3, 1), (3, 4, 2), (2, 5, 4, 3), (4, 3, 3, 3, 2)])
def test_other_layer_sizes_match_finite_differences(layers: tuple[int, ...]) -> None:
    network = _random_network(layers, seed=sum(layers))
    expected = sum(layers[l] * layers[l - 1] + layers[l] for l in range(1, len(layers)))
    assert _assert_gradients_match(network) == expected


def test_relu_slope_at_zero_is_zero() -> None:
    # B1 = −2·W1 puts O1 exactly at 0: f'(0) = 0, so nothing flows back into layer 1.
    network = replace(default_network(), biases=((-2.0, -2.0), (-0.5, -0.5), (-0.5,)), iters=1)
    graph = run(network).iterations[0]
    trace = run(network)
    assert trace.of(graph.get("O1", 0)) == [0.0, 0.0]
    assert trace.of(graph.get("f'(O1)", 0)) == [0.0, 0.0]
    assert trace.of(graph.get("∂L/∂W1", 0)) == [0.0, 0.0]


COMBINATIONS = [
    ("leaky_relu", "linear", "half_squared_error"),
    ("sigmoid", "sigmoid", "half_squared_error"),
    ("tanh", "tanh", "mse"),
    ("linear", "leaky_relu", "mse"),
    ("tanh", "softmax", "cross_entropy"),
    ("sigmoid", "sigmoid", "cross_entropy"),
    ("relu", "softmax", "half_squared_error"),
    ("leaky_relu", "relu", "mse"),
]


@pytest.mark.parametrize(("activation", "output", "loss"), COMBINATIONS)
@pytest.mark.parametrize("samples", [1, 3])
def test_every_activation_and_loss_matches_finite_differences(
    activation: str, output: str, loss: str, samples: int
) -> None:
    layers = (3, 4, 3)
    network = _random_network(layers, 11, activation, output, loss, samples)
    assert (network.activation, network.output_activation, network.loss) == (activation, output, loss)
    assert len(network.samples) == samples
    assert _assert_gradients_match(network) == 3 * 4 + 4 + 4 * 3 + 3


def test_several_samples_average_loss_and_gradients() -> None:
    network = _random_network((2, 3, 2), 5, "tanh", "linear", "half_squared_error", samples=4)
    trace = run(network)
    graph = trace.iterations[0]
    singles = [run(replace(network, samples=(s,))) for s in network.samples]
    assert trace.loss(0) == pytest.approx(sum(t.loss(0) for t in singles) / 4, rel=1e-14)
    mean = [sum(vals) / 4 for vals in zip(*(t.of(t.iterations[0].gradient("W1")) for t in singles), strict=True)]
    assert trace.of(graph.gradient("W1")) == pytest.approx(mean, rel=1e-13)
