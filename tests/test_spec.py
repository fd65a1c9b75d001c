"""The network file: what it accepts, and the message for each thing it refuses."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from sheetnet.errors import NetworkFileError
from sheetnet.spec import (
    DEFAULT_TOML,
    default_network,
    load_network,
    parse_network,
    parse_networks,
    rate_text,
    with_overrides,
)


def _with(old: str, new: str) -> str:
    assert old in DEFAULT_TOML, old
    return DEFAULT_TOML.replace(old, new)


def _error(text: str) -> str:
    with pytest.raises(NetworkFileError) as info:
        parse_network(text, source="net.toml")
    return str(info.value)


def test_default_is_the_notes_network() -> None:
    network = default_network()
    assert network.layers == (1, 2, 2, 1)
    assert network.weights == (((1.0,), (1.0,)), ((1.0, 1.0), (1.0, 1.0)), ((1.0, 1.0),))
    assert network.biases == ((-0.5, -0.5), (-0.5, -0.5), (-0.5,))
    assert (network.lr, network.iters) == (0.01, 3)
    assert network.samples[0].x == (2.0,) and network.samples[0].y == (1.0,)


def test_fills_give_every_layer_the_same_values() -> None:
    start = DEFAULT_TOML.index("W1 = ")
    end = DEFAULT_TOML.index("# or fill")
    text = DEFAULT_TOML[:start] + "weights = 1.0\nbiases = -0.5\nW3 = [[2.0, 3.0]]\n" + DEFAULT_TOML[end:]
    network = parse_network(text, source="net.toml")
    assert network.weights[:2] == default_network().weights[:2]
    assert network.weights[2] == ((2.0, 3.0),)
    assert network.biases == default_network().biases


def test_scalar_is_accepted_for_a_one_element_vector() -> None:
    network = parse_network(_with("x = [2.0]", "x = 3"), source="net.toml")
    assert network.samples[0].x == (3.0,)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'activation = "relu"',
            'activation = "swish"',
            "line 6: activation: 'swish' is not supported; supported: relu, leaky_relu, sigmoid, tanh, linear",
        ),
        ('activation = "relu"', 'activation = "softmax"', "activation: 'softmax' is not supported"),
        (
            'loss = "half_squared_error"',
            'loss = "hinge"',
            "line 8: loss: 'hinge' is not supported; supported: half_squared_error, mse, cross_entropy",
        ),
        (
            'loss = "half_squared_error"',
            'loss = "cross_entropy"',
            'loss: cross_entropy needs output_activation = "softmax" or "sigmoid", not "linear"',
        ),
        (
            'output_activation = "linear"',
            'output_activation = "sigmoid"\nmomentum = 0.5',
            'momentum: only used with optimizer = "momentum"',
        ),
        (
            "lr = 0.01",
            'lr = 0.01\noptimizer = "rmsprop"',
            "optimizer: 'rmsprop' is not supported; supported: sgd, momentum, adam",
        ),
        (
            "lr = 0.01",
            'lr = 0.01\noptimizer = "momentum"\nmomentum = 1.5',
            "momentum: expected a number in [0, 1), got 1.5",
        ),
        ("lr = 0.01", 'lr = 0.01\ntrain_biases = "no"', "train_biases: expected true or false, got 'no'"),
        ("B1 = [-0.5, -0.5]", "B1 = [-0.5, -0.5]\nseed = 3\nweights = 1.0", "init.seed: seed draws every weight"),
        (
            'output_activation = "linear"',
            'output_activation = "softmax"',
            "line 7: output_activation: softmax over one output is always 1: ŷ = 1, L and every gradient are 0",
        ),
        (
            "W2 = [[1.0, 1.0], [1.0, 1.0]]",
            "W2 = [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]",
            "line 15: init.W2: has shape 2×3, expected 2×2",
        ),
        ("B1 = [-0.5, -0.5]", "B1 = [-0.5]", "init.B1: expected 2 numbers (one per neuron of layer 1), got 1"),
        ("W1 = [[1.0], [1.0]]", "W1 = [[1.0], [nan]]", "init.W1[1][0]: expected a finite number, got nan"),
        ("W1 = [[1.0], [1.0]]", 'W1 = [[1.0], ["one"]]', "init.W1[1][0]: expected a number, got 'one'"),
        ("W1 = [[1.0], [1.0]]", "W1 = [[1.0], [1.0, 2.0]]", "init.W1: has shape 2 rows of different lengths"),
        ("W1 = [[1.0], [1.0]]", "", "init.W1: missing; give a 2×1 matrix"),
        ("y = [1.0]", "y = [1.0, 2.0]", "samples[0].y: expected 1 numbers (layers[-1] = 1 outputs), got 2"),
        ("x = [2.0]", "x = [2.0, 1.0]", "line 23: samples[0].x: expected 1 numbers (layers[0] = 1 inputs), got 2"),
        ("lr = 0.01", "lr = -0.01", "lr: must be greater than 0"),
        ("lr = 0.01", "lr = inf", "lr: expected a finite number, got inf"),
        ("iters = 3", "iters = 0", "iters: expected a whole number of at least 1, got 0"),
        ("layers = [1, 2, 2, 1]", "layers = [1]", "layers: expected a list of at least 2 sizes"),
        ("lr = 0.01", "lr = 0.01\nlearning_rate = 0.1", "learning_rate: unknown key (did you mean 'lr'?)"),
        ("B1 = [-0.5, -0.5]", "B1 = [-0.5, -0.5]\nb1 = 3", "init.b1: unknown key (did you mean 'B1'?)"),
        ("lr = 0.01", "lr = = 0.01", "not valid TOML: Invalid value"),
        ("[[samples]]", "[[samples]]\nx = [1.0]\n[[samples]]", "samples[0].y: missing"),
    ],
)
def test_bad_files_name_what_and_where(old: str, new: str, message: str) -> None:
    assert message in _error(_with(old, new))


def test_syntax_error_gives_the_line() -> None:
    assert _error(_with("lr = 0.01", "lr = = 0.01")).startswith("net.toml, line 9: not valid TOML")


def test_missing_samples() -> None:
    text = DEFAULT_TOML[: DEFAULT_TOML.index("[[samples]]")]
    assert "samples: missing" in _error(text)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(NetworkFileError, match="no such file"):
        load_network(tmp_path / "nope.toml")
    with pytest.raises(NetworkFileError, match="is a directory"):
        load_network(tmp_path)
    binary = tmp_path / "net.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(NetworkFileError, match="not a text file"):
        load_network(binary)


def test_cross_entropy_targets_must_be_probabilities() -> None:
    text = _with('output_activation = "linear"', 'output_activation = "softmax"')
    text = _with('loss = "half_squared_error"', 'loss = "cross_entropy"').replace(
        'output_activation = "linear"', 'output_activation = "softmax"'
    )
    text = text.replace("layers = [1, 2, 2, 1]", "layers = [1, 2, 2, 2]").replace(
        "W3 = [[1.0, 1.0]]\nB3 = [-0.5]", "W3 = [[1.0, 1.0], [1.0, 1.0]]\nB3 = [-0.5, -0.5]"
    )
    assert "samples[0].y: with softmax, cross_entropy targets must sum to 1" in _error(
        text.replace("y = [1.0]", "y = [1.0, 1.0]")
    )
    assert parse_network(text.replace("y = [1.0]", "y = [0.25, 0.75]"), source="net.toml").samples[0].y == (0.25, 0.75)


def test_seed_gives_glorot_uniform_weights_and_zero_biases() -> None:
    start = DEFAULT_TOML.index("W1 = ")
    end = DEFAULT_TOML.index("[[samples]]")
    text = DEFAULT_TOML[:start] + "seed = 7\n\n" + DEFAULT_TOML[end:]
    network = parse_network(text, source="net.toml")
    again = parse_network(text, source="net.toml")
    assert network.weights == again.weights
    import math
    import random

    rng = random.Random(7)
    a1 = math.sqrt(6 / (1 + 2))
    assert network.weights[0] == ((rng.uniform(-a1, a1),), (rng.uniform(-a1, a1),))
    limit = math.sqrt(6 / (2 + 2))
    assert all(-limit <= w <= limit for row in network.weights[1] for w in row)
    assert network.biases == ((0.0, 0.0), (0.0, 0.0), (0.0,))
    other = parse_network(text.replace("seed = 7", "seed = 8"), source="net.toml")
    assert other.weights != network.weights


# ------------------------------------------------------------------------------ several η


def test_a_list_of_learning_rates_is_one_network_per_rate_differing_in_nothing_else() -> None:
    networks = parse_networks(_with("lr = 0.01", "lr = [0.5, 0.1, 2]"), source="net.toml")
    assert [n.lr for n in networks] == [0.5, 0.1, 2.0]  # in the file's order
    base = default_network()
    assert all(replace(n, lr=base.lr) == base for n in networks)
    # one η, as a number or a list of one, is one network, as before
    assert parse_networks(DEFAULT_TOML, source="net.toml") == (base,)
    assert parse_networks(_with("lr = 0.01", "lr = [0.01]"), source="net.toml") == (base,)


@pytest.mark.parametrize(
    ("lr", "message"),
    [
        ("[]", "line 9: lr: an empty list; give η, or a list of them to compare"),
        ("[0.1, -1]", "line 9: lr[1]: must be greater than 0, got -1.0"),
        ("[0.1, 0]", "lr[1]: must be greater than 0, got 0.0"),
        ("[0.1, inf]", "lr[1]: expected a finite number, got inf"),
        ("[0.1, 'fast']", "lr[1]: expected a number, got 'fast'"),
        ("[0.1, [0.2]]", "lr[1]: expected a number, got [0.2]"),
        ("[0.5, 0.1, 0.5]", "line 9: lr[2]: 0.5 is given twice (lr[0] and lr[2])"),
        ("'0.1'", "lr: expected a number, got '0.1'"),
    ],
)
def test_bad_lists_of_learning_rates_name_the_element(lr: str, message: str) -> None:
    with pytest.raises(NetworkFileError) as info:
        parse_networks(_with("lr = 0.01", f"lr = {lr}"), source="net.toml")
    assert message in str(info.value)


def test_a_reader_of_one_network_refuses_several_rates_and_says_where() -> None:
    assert "net.toml, line 9: lr: gives 2 learning rates (0.1, 2); one is needed here" in _error(
        _with("lr = 0.01", "lr = [0.1, 2.0]")
    )


def test_command_line_rates_replace_the_file_s() -> None:
    networks = parse_networks(_with("lr = 0.01", "lr = [0.5, 0.1]"), source="net.toml")
    assert [(n.lr, n.iters) for n in with_overrides(networks, iters=7)] == [(0.5, 7), (0.1, 7)]
    assert [n.lr for n in with_overrides(networks, lrs=(0.3,))] == [0.3]
    assert [n.lr for n in with_overrides(networks[:1], lrs=(1.0, 2.0, 0.25))] == [1.0, 2.0, 0.25]


@pytest.mark.parametrize(
    ("lr", "text"), [(0.1, "0.1"), (2.0, "2"), (1e-05, "1e-05"), (0.30000000000000004, "0.30000000000000004")]
)
def test_rate_text_reads_back_as_the_same_number(lr: float, text: str) -> None:
    assert rate_text(lr) == text and float(text) == lr


def test_seed_draws_the_weights_and_biases_may_be_given_beside_it() -> None:
    """`seed` is the weights' fill: biases = (or B1 = …) sets the biases, W2 = … one layer's weights,
    and the other layers keep the very weights the seed alone draws."""
    start, end = DEFAULT_TOML.index("W1 = "), DEFAULT_TOML.index("[[samples]]")
    seeded = parse_network(DEFAULT_TOML[:start] + "seed = 7\n\n" + DEFAULT_TOML[end:], source="net.toml")
    text = DEFAULT_TOML[:start] + "seed = 7\nbiases = 0.1\nB3 = [-0.5]\nW2 = [[1.0, 2.0], [3.0, 4.0]]\n\n"
    network = parse_network(text + DEFAULT_TOML[end:], source="net.toml")
    assert network.biases == ((0.1, 0.1), (0.1, 0.1), (-0.5,))
    assert network.weights[1] == ((1.0, 2.0), (3.0, 4.0))
    assert network.weights[0] == seeded.weights[0] and network.weights[2] == seeded.weights[2]


def test_the_file_init_writes_names_every_choice() -> None:
    from sheetnet.spec import HIDDEN_ACTIVATIONS, LOSSES, OPTIMIZERS, OUTPUT_ACTIVATIONS, REDUCTIONS

    for choice in (*HIDDEN_ACTIVATIONS, *OUTPUT_ACTIVATIONS, *LOSSES, *OPTIMIZERS, *REDUCTIONS):
        assert f'"{choice}"' in DEFAULT_TOML, choice
    for key in ("seed", "train_biases", "batch_size", "momentum", "beta1", "beta2", "eps"):
        assert key in DEFAULT_TOML, key
