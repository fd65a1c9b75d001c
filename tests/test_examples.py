"""The bundled examples: published numbers, XOR solved, and LibreOffice agreeing on every one."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from sheetnet.layout import BlocksLayout
from sheetnet.libreoffice import recalculate
from sheetnet.spec import Network, Sample, default_network, glorot_uniform, load_network
from sheetnet.trace import Trace, run
from sheetnet.workbook import write_workbook

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _example(name: str) -> Network:
    return load_network(EXAMPLES / f"{name}.toml")


def test_notes_example_is_the_default() -> None:
    assert _example("notes") == default_network()


def test_mazur_published_numbers_after_one_update() -> None:
    trace = run(_example("mazur-2-2-2"))
    first = trace.iterations[0]
    assert trace.loss(0) == pytest.approx(0.298371109, abs=5e-10)
    assert trace.of(first.updated("W2")) == pytest.approx([0.35891648, 0.408666186, 0.511301270, 0.561370121], abs=5e-9)
    assert trace.of(first.updated("W1")) == pytest.approx([0.149780716, 0.19956143, 0.24975114, 0.29950229], abs=5e-9)
    assert trace.of(first.updated("B1")) == [0.35, 0.35]  # held fixed
    # standard backpropagation: 0.291027774, not the blog's 0.291027924
    assert trace.loss(1) == pytest.approx(0.291027774, abs=5e-10)


def test_xor_is_solved() -> None:
    trace = run(_example("xor"))
    last = trace.iterations[-1]
    outputs = [trace.of(last.get("ŷ", s))[0] for s in range(4)]
    assert [abs(o - y) < 0.1 for o, y in zip(outputs, [0, 1, 1, 0], strict=True)] == [True] * 4
    assert trace.loss(0) > 0.6 > 0.05 > trace.loss(len(trace.iterations) - 1)


def test_softmax_example_learns() -> None:
    trace = run(_example("softmax-3-class"))
    losses = [trace.loss(t) for t in range(len(trace.iterations))]
    assert all(b < a for a, b in itertools.pairwise(losses))
    for s in range(3):
        assert sum(trace.of(trace.iterations[0].get("ŷ", s))) == pytest.approx(1.0, abs=1e-15)


def _scalar_network(optimizer: str, **settings: float) -> Network:
    """ŷ = w·x + b with x = 1, y = 0, L = ½ŷ²: the gradient is ŷ for both w and b."""
    return replace(
        default_network(),
        layers=(1, 1),
        weights=(((1.0,),),),
        biases=((0.0,),),
        samples=(Sample((1.0,), (0.0,)),),
        lr=0.1,
        iters=3,
        optimizer=optimizer,
        **settings,
    )


def _w_sequence(trace: Trace) -> list[float]:
    return [trace.of(graph.updated("W1"))[0] for graph in trace.iterations]


def test_momentum_by_hand() -> None:
    # w = b = 1, 0: ŷ = 1, g = 1, v = 1, w = 0.9, b = −0.1; ŷ = 0.8, v = 0.5·1 + 0.8 = 1.3, w = 0.77 ...
    w, b, v, expected = 1.0, 0.0, 0.0, []
    for t in range(3):
        g = w + b
        v = g if t == 0 else 0.5 * v + g
        w, b = w - 0.1 * v, b - 0.1 * v
        expected.append(w)
    assert expected[:2] == pytest.approx([0.9, 0.77])
    assert _w_sequence(run(_scalar_network("momentum", momentum=0.5))) == pytest.approx(expected, rel=1e-15)


def test_adam_by_hand() -> None:
    # first Adam step moves every parameter by η·sign(g) (up to ε): w = 1 − 0.1
    w, b, m, v, expected = 1.0, 0.0, 0.0, 0.0, []
    for t in range(1, 4):
        g = w + b
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        step = 0.1 * (m / (1 - 0.9**t)) / (math.sqrt(v / (1 - 0.999**t)) + 1e-8)
        w, b = w - step, b - step
        expected.append(w)
    assert expected[0] == pytest.approx(0.9, abs=1e-8)
    assert _w_sequence(run(_scalar_network("adam"))) == pytest.approx(expected, rel=1e-14)


def _random(layers: tuple[int, ...], seed: int, **changes: object) -> Network:
    weights, _ = glorot_uniform(layers, seed)
    biases = tuple(tuple(0.1 * (j + 1) for j in range(n)) for n in layers[1:])
    samples = tuple(
        Sample(
            tuple((s + 1) * 0.3 - i * 0.2 for i in range(layers[0])), tuple(0.2 + 0.1 * k for k in range(layers[-1]))
        )
        for s in range(2)
    )
    network = replace(default_network(), layers=layers, weights=weights, biases=biases, samples=samples, iters=3)
    return replace(network, **changes)


LIBREOFFICE_CASES = {
    "notes": lambda: _example("notes"),
    "mazur": lambda: _example("mazur-2-2-2"),
    "xor": lambda: replace(_example("xor"), iters=12),
    "softmax": lambda: replace(_example("softmax-3-class"), iters=4),
    "leaky-mse-momentum": lambda: _random(
        (3, 5, 2), 3, activation="leaky_relu", output_activation="tanh", loss="mse", optimizer="momentum"
    ),
    "wide-sumproduct-adam": lambda: _random(
        (6, 7, 2), 4, activation="tanh", output_activation="sigmoid", loss="cross_entropy", optimizer="adam"
    ),
    "linear-frozen": lambda: _random(
        (2, 3, 3), 5, activation="linear", output_activation="leaky_relu", train_biases=False
    ),
}


@pytest.mark.libreoffice
def test_libreoffice_recalculation_agrees_for_examples_and_random_networks(soffice: str, tmp_path: Path) -> None:
    traces = {name: run(make()) for name, make in LIBREOFFICE_CASES.items()}
    sources = [write_workbook(trace, tmp_path / f"{name}.xlsx") for name, trace in traces.items()]
    recalculated = recalculate(sources, tmp_path / "out")
    for (name, trace), path, source in zip(traces.items(), recalculated, sources, strict=True):
        computed = openpyxl.load_workbook(path, data_only=True)
        cached = openpyxl.load_workbook(source, data_only=True)
        layout = BlocksLayout(trace.network, trace.setup, trace.iterations)
        for key, cell in layout.cells.items():
            value = computed[cell.sheet].cell(row=cell.row + 1, column=cell.col + 1).value
            stored = cached[cell.sheet].cell(row=cell.row + 1, column=cell.col + 1).value
            assert isinstance(value, int | float), (name, key, value)
            assert math.isclose(value, trace.values[key], rel_tol=1e-12, abs_tol=1e-14), (name, key, value)
            assert math.isclose(value, stored, rel_tol=1e-12, abs_tol=1e-14), (name, key, value, stored)
        errors = [
            (sheet.title, c.coordinate)
            for sheet in computed.worksheets
            for row in sheet.iter_rows()
            for c in row
            if isinstance(c.value, str) and c.value.startswith("#")
        ]
        assert errors == [], name


@pytest.mark.libreoffice
def test_optimizer_settings_are_live_inputs(soffice: str, tmp_path: Path) -> None:
    """Editing μ (momentum) or β2 (Adam) on Setup and recalculating equals a fresh run with it."""
    cases = {
        "momentum": (LIBREOFFICE_CASES["leaky-mse-momentum"](), "mu", 0.3, {"momentum": 0.3}),
        "adam": (LIBREOFFICE_CASES["wide-sumproduct-adam"](), "beta2", 0.9, {"beta2": 0.9}),
    }
    edited = []
    for name, (network, defined, value, _) in cases.items():
        path = write_workbook(run(network), tmp_path / f"{name}.xlsx")
        book = openpyxl.load_workbook(path)
        ((sheet, address),) = list(book.defined_names[defined].destinations)
        book[sheet][address.replace("$", "")] = value
        book.save(tmp_path / f"edited-{name}.xlsx")
        edited.append(tmp_path / f"edited-{name}.xlsx")
    for (network, _, _, change), path in zip(cases.values(), recalculate(edited, tmp_path / "out"), strict=True):
        fresh = run(replace(network, **change))
        assert fresh.loss(2) != pytest.approx(run(network).loss(2), rel=1e-9)
        computed = openpyxl.load_workbook(path, data_only=True)
        layout = BlocksLayout(fresh.network, fresh.setup, fresh.iterations)
        for key, cell in layout.cells.items():
            value = computed[cell.sheet].cell(row=cell.row + 1, column=cell.col + 1).value
            assert math.isclose(value, fresh.values[key], rel_tol=1e-12, abs_tol=1e-14), (key, value)
