"""Property tests (hypothesis): any valid network file runs and its --json round-trips; any
mutation of a valid file gives exit 0 or 2 with one line, never a traceback."""

from __future__ import annotations

import json
import math
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sheetnet.cli import main
from sheetnet.spec import DEFAULT_TOML, load_network

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def toml_text(data: dict[str, Any]) -> str:
    """A network file from plain data: scalars and lists first, then tables, then arrays of tables."""
    lines, tables, arrays = [], [], []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            arrays.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, table in tables:
        lines.append(f"\n[{_key(key)}]")
        lines.extend(f"{_key(k)} = {_value(v)}" for k, v in table.items())
    for key, items in arrays:
        for item in items:
            lines.append(f"\n[[{_key(key)}]]")
            lines.extend(f"{_key(k)} = {_value(v)}" for k, v in item.items())
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    return key if key.replace("_", "").isalnum() and key.isascii() else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int | str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


small = st.floats(min_value=-2, max_value=2, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def networks(draw: st.DrawFn) -> dict[str, Any]:
    layers = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    activation = draw(st.sampled_from(["relu", "leaky_relu", "sigmoid", "tanh", "linear"]))
    loss = draw(st.sampled_from(["half_squared_error", "mse", "cross_entropy"]))
    outputs = ["softmax", "sigmoid"] if loss == "cross_entropy" else ["linear", "sigmoid", "tanh", "softmax"]
    if layers[-1] == 1:  # softmax over one output is refused: ŷ would always be 1
        outputs = [o for o in outputs if o != "softmax"]
    output = draw(st.sampled_from(outputs))
    optimizer = draw(st.sampled_from(["sgd", "momentum", "adam"]))
    n = draw(st.integers(1, 3))
    samples = []
    for _ in range(n):
        x = [draw(small) for _ in range(layers[0])]
        if loss == "cross_entropy" and output == "softmax":
            hot = draw(st.integers(0, layers[-1] - 1))
            y = [1.0 if k == hot else 0.0 for k in range(layers[-1])]
        elif loss == "cross_entropy":
            y = [draw(st.sampled_from([0.0, 0.25, 1.0])) for _ in range(layers[-1])]
        else:
            y = [draw(small) for _ in range(layers[-1])]
        samples.append({"x": x, "y": y})
    data: dict[str, Any] = {
        "layers": layers,
        "activation": activation,
        "output_activation": output,
        "loss": loss,
        "lr": draw(st.sampled_from([0.001, 0.01, 0.1, 0.5])),
        "iters": draw(st.integers(1, 3)),
        "optimizer": optimizer,
        "train_biases": draw(st.booleans()),
        "init": {"seed": draw(st.integers(0, 10_000))},
        "samples": samples,
    }
    return data


@SETTINGS
@given(networks())
def test_any_valid_network_runs_and_its_json_round_trips(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "net.toml"
        config.write_text(toml_text(data), encoding="utf-8")
        runner = CliRunner()
        result = runner.invoke(main, ["run", "--config", str(config), "--json", "-q", "--out", f"{tmp}/a.xlsx"])
        assert result.exit_code == 0, result.output
        first = json.loads(result.stdout)
        assert len(first["iterations"]) == data["iters"]
        # The network --json shows is a network file that gives the very same run.
        again = Path(tmp) / "again.toml"
        again.write_text(toml_text(first["network"]), encoding="utf-8")
        assert load_network(again).to_dict() == first["network"]
        second = runner.invoke(main, ["run", "--config", str(again), "--json", "-q", "--out", f"{tmp}/b.xlsx"])
        assert second.exit_code == 0, second.output
        assert json.loads(second.stdout) == first


BASE = tomllib.loads(DEFAULT_TOML)
PATHS = [
    ("layers",),
    ("activation",),
    ("output_activation",),
    ("loss",),
    ("lr",),
    ("iters",),
    ("init",),
    ("init", "W1"),
    ("init", "B1"),
    ("init", "W2"),
    ("init", "B3"),
    ("samples",),
    ("samples", 0, "x"),
    ("samples", 0, "y"),
]
junk = st.one_of(
    st.text(max_size=5),
    st.integers(-5, 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.lists(st.one_of(st.integers(-3, 3), st.text(max_size=2)), max_size=4),
    st.lists(st.lists(st.floats(-3, 3), max_size=3), max_size=3),
    st.just([]),
    st.dictionaries(st.sampled_from(["a", "W1", "seed"]), st.integers(0, 3), max_size=2),
)


@st.composite
def mutations(draw: st.DrawFn) -> dict[str, Any]:
    data = json.loads(json.dumps(BASE))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = data
        for step in path[:-1]:
            try:
                parent = parent[step]
            except (KeyError, IndexError, TypeError):
                break
        else:
            action = draw(st.sampled_from(["replace", "delete", "unknown key"]))
            if action == "unknown key" and isinstance(parent, dict):
                parent[draw(st.sampled_from(["learning_rate", "Layers", "activations", "x", "zzz"]))] = draw(junk)
            elif action == "delete" and isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif isinstance(parent, dict) or (isinstance(parent, list) and isinstance(path[-1], int)):
                try:
                    parent[path[-1]] = draw(junk)
                except IndexError:
                    pass
    return data


@SETTINGS
@given(mutations())
def test_any_mutation_of_a_valid_file_gives_exit_0_or_2_and_one_line(data: dict[str, Any]) -> None:
    try:
        text = toml_text(data)
    except TypeError:
        return
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "net.toml"
        config.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, ["run", "--config", str(config), "-q", "--out", f"{tmp}/a.xlsx"])
        assert result.exit_code in (0, 2), (text, result.output)
        event(f"exit {result.exit_code}")
        assert "Traceback" not in result.output
        if result.exit_code == 2:
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("sheetnet: error: "), result.stderr


# ------------------------------------------------ check's grid: numbers found by value, in windows

_numbers = st.one_of(
    st.floats(-3, 3, allow_nan=False),
    st.integers(-3, 3).map(float),
    st.floats(0.49, 0.51),  # a slow run's outputs, near each other
)


def _cells(max_size: int) -> st.SearchStrategy[list[tuple[float, bool, int]]]:
    """Numbers of a sheet, each a formula's result (True) or typed to 0-5 decimals."""
    return st.lists(st.tuples(_numbers, st.booleans(), st.integers(0, 5)), min_size=1, max_size=max_size)


def _cell(row: int, col: int, value: float, formula: bool, places: int) -> Any:
    """A formula's result at full precision, or the number typed rounded to `places` decimals."""
    from sheetnet.book import Cell

    return Cell("S", row, col, value, formula=f"=A{row}*1") if formula else Cell("S", row, col, round(value, places))


@settings(max_examples=150, deadline=None)
@given(
    cells=_cells(60),
    probes=st.lists(_numbers, min_size=1, max_size=10),
)
def test_grid_matches_finds_what_comparing_every_cell_finds(
    cells: list[tuple[float, bool, int]], probes: list[float]
) -> None:
    """`Grid.matches` looks in a narrow window for formulas' results and in the rounding's window
    for typed numbers: it finds exactly the cells `agrees_exactly` accepts, in the order of value."""
    from sheetnet.book import Book
    from sheetnet.check.grid import Grid, agrees_exactly

    sheet = {(row, 1): _cell(row, 1, *cell) for row, cell in enumerate(cells, start=1)}
    grid = Grid(Book(path=Path("s.xlsx"), sheets=["S"], cells={"S": sheet}))
    for value in [*probes, *(float(c.value) for c in sheet.values())]:
        every = sorted(
            ((float(c.value), (0, c.row, c.col)) for c in sheet.values() if agrees_exactly(c, value, grid.places[0])),
        )
        assert grid.matches(value, [0]) == [p for _, p in every]


@settings(max_examples=100, deadline=None)
@given(
    cells=_cells(60),
    probes=st.lists(_numbers, min_size=1, max_size=10),
    order=st.randoms(use_true_random=False),
)
def test_grid_matching_many_numbers_at_once_finds_what_matching_each_finds(
    cells: list[tuple[float, bool, int]], probes: list[float], order: Any
) -> None:
    """`Grid.matching` searches every number's windows at once: it gives each number the cells
    `matches_on` finds for it, and leaves out a number with none. The grid keeps a sheet's numbers
    by value, then cell, whatever order its cells were read in."""
    from sheetnet.book import Book
    from sheetnet.check.grid import Grid

    placed = [_cell(k // 3 + 1, k % 3 + 1, *cell) for k, cell in enumerate(cells)]
    order.shuffle(placed)  # not in reading order: the sort by value then cell must still hold
    grid = Grid(Book(path=Path("s.xlsx"), sheets=["S"], cells={"S": {(c.row, c.col): c for c in placed}}))
    values = [float(c.value) for c in placed]
    assert grid.numbers_on(0) == [(0, r, c) for _, r, c in sorted((float(x.value), x.row, x.col) for x in placed)]
    wanted = [v for v in [*probes, *values] if math.isfinite(v)]
    found = grid.matching(wanted, 0)
    for value in wanted:
        assert found.get(value, []) == grid.matches_on(value, 0)
    assert all(found.values())


@settings(max_examples=100, deadline=None)
@given(
    cells=_cells(40),
    probes=st.lists(_numbers, min_size=1, max_size=12),
)
def test_a_line_in_line_with_a_parameter_holds_what_comparing_each_cell_finds(
    cells: list[tuple[float, bool, int]], probes: list[float]
) -> None:
    """`eta._Line.holds`, asked of many η, searches the numbers sorted by value from its second
    question on: each answer is what comparing every cell (`Grid.agrees`) gives."""
    from sheetnet.book import Book
    from sheetnet.check.eta import _Line
    from sheetnet.check.grid import Grid

    sheet = {(row, 1): _cell(row, 1, *cell) for row, cell in enumerate(cells, start=1)}
    grid = Grid(Book(path=Path("s.xlsx"), sheets=["S"], cells={"S": sheet}))
    positions = [(0, row, 1) for row in range(1, len(cells) + 1)]
    line = _Line(grid, list(positions))
    # the numbers as drawn, before typing them rounded: each within its cell's rounding window
    for value in [*probes, *(float(c.value) for c in sheet.values()), *(v for v, _, _ in cells), *probes]:
        assert line.holds(value) == any(grid.agrees(p, value) for p in positions)


@settings(max_examples=150, deadline=None)
@given(
    stride=st.tuples(st.integers(-3, 3), st.integers(-4, 4), st.integers(-4, 4)),
    bases=st.lists(st.tuples(st.integers(0, 3), st.integers(1, 12), st.integers(1, 12)), min_size=1, max_size=8),
    last=st.integers(0, 4),
    probes=st.lists(st.tuples(st.integers(-6, 9), st.integers(-12, 30), st.integers(-12, 30)), max_size=30),
)
def test_a_cell_held_in_some_iteration_is_a_base_moved_by_whole_strides(
    stride: tuple[int, int, int], bases: list[tuple[int, int, int]], last: int, probes: list[tuple[int, int, int]]
) -> None:
    """`fit._held_in_some_iteration` looks a cell up among the bases in its line: it finds what
    moving every base by −last … last strides finds, whichever axes the stride moves along."""
    from sheetnet.check.fit import _held_in_some_iteration
    from sheetnet.check.geometry import Layout

    layout = Layout(0, stride, bases={("q", 0, k): b for k, b in enumerate(bases)}, last=last)
    every = {layout.shift(b, t) for b in bases for t in range(-last, last + 1)}
    held = _held_in_some_iteration(layout)
    for p in [*probes, *every]:
        assert held(p) == (p in every)


@settings(max_examples=150, deadline=None)
@given(
    stride=st.tuples(st.integers(0, 2), st.integers(-5, 5), st.integers(-5, 5)).filter(lambda s: any(s)),
    box=st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(0, 4), st.integers(0, 4)),
    last=st.integers(0, 5),
    probes=st.lists(st.tuples(st.integers(0, 4), st.integers(-25, 35), st.integers(-25, 35)), max_size=40),
)
def test_a_cell_is_inside_a_table_where_iteration_0_s_box_moved_by_whole_strides_puts_it(
    stride: tuple[int, int, int], box: tuple[int, int, int, int], last: int, probes: list[tuple[int, int, int]]
) -> None:
    """`Layout.inside` (its arithmetic for one stride along rows or columns, and for the rest): a
    cell is inside exactly when iteration 0's box, moved by 0 … last strides, holds it."""
    from sheetnet.check.geometry import Layout

    r0, c0, height, width = box
    layout = Layout(1, stride, box=(r0, c0, r0 + height, c0 + width), last=last)
    every = {
        (1 + t * stride[0], r + t * stride[1], c + t * stride[2])
        for t in range(last + 1)
        for r in range(r0, r0 + height + 1)
        for c in range(c0, c0 + width + 1)
    }
    for p in [*probes, *every]:
        assert layout.inside(p) == (p in every)


def _decimals_by_decimal(number: float) -> int | None:
    """`written_decimals` worked out independently, as `Decimal` normalizes the number's text."""
    from decimal import Decimal

    from sheetnet.book import FULL_PRECISION_DIGITS

    digits = Decimal(repr(number)).normalize().as_tuple()
    return None if len(digits.digits) >= FULL_PRECISION_DIGITS else max(0, -int(digits.exponent))


@settings(max_examples=400, deadline=None)
@given(
    number=st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.decimals(min_value=-(10**12), max_value=10**12, places=12, allow_nan=False, allow_infinity=False).map(float),
        st.builds(round, st.floats(-1e6, 1e6), st.integers(0, 12)),
        st.builds(lambda m, e: m * 10.0**e, st.integers(-999, 999), st.integers(-30, 30)),
        st.sampled_from([0.0, -0.0, 1e-05, 1.5e20, 1e16, 1e22, 5e-324, 100.0, 1234567890.0, 123456789.0]),
    )
)
def test_a_number_s_decimals_read_off_its_text_are_decimal_s(number: float) -> None:
    """`written_decimals` (from `repr` as text: `1e-05`, `1.5e+20`, `-0.0`) gives what the
    `Decimal` of the number's text gives, on any float and on numbers rounded to some decimals."""
    from sheetnet.book import written_decimals

    assert written_decimals(number) == _decimals_by_decimal(number)
