"""`sheetnet check` on one neuron trained online, a row per sample step, its inputs and targets all
0 or ±1 (ADALINE on bipolar AND, a sigmoid neuron on OR), typed as a person types them and
recalculated in LibreOffice.

Such inputs and targets cast no vote (`small`): which column is x1, x2 or the target comes from
the formula of the forward pass that reads them. ADALINE's error column t − y is ŷ − y's negative
(and ∂L/∂W1's where x is −1): another number, not a slip. A first sample (0, 0) makes z equal the
bias, and writes ŷ twice in its row (dE/dout = ŷ − 0).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from sheetnet.book import read_book
from sheetnet.check import CheckResult, check_book
from sheetnet.check.judge import Tolerance
from sheetnet.libreoffice import recalculate
from sheetnet.spec import parse_network

pytestmark = pytest.mark.libreoffice

STEPS = 12
BIPOLAR_AND = [(1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, -1)]
OR = [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 1)]
OR_LATER = OR[1:] + OR[:1]  # the first sample (0, 1)


def _network(activation: str, eta: float, w: tuple[float, float], b: float, samples: list) -> str:
    lines = [
        "layers = [2, 1]",
        f'activation = "{activation}"',
        f'output_activation = "{activation}"',
        'loss = "half_squared_error"',
        f"lr = {eta}",
        f"iters = {STEPS}",
        "batch_size = 1",
        "[init]",
        f"W1 = [[{w[0]}, {w[1]}]]",
        f"B1 = [{b}]",
    ]
    for x1, x2, t in samples:
        lines += ["[[samples]]", f"x = [{x1}, {x2}]", f"y = [{t}]"]
    return "\n".join(lines) + "\n"


def _rows(
    path: Path, title: str, columns: list[str], heads: list[str], samples: list, start: dict, formulas: dict, mutate
) -> tuple[Path, dict[str, str]]:
    """A row per step from row 5: the sample typed (x1, x2, t), the parameters (typed in the first
    row, the row above's updated below it) and `formulas` (templates: `{w1}` this row's w1,
    `{w1'}` the row above's, `{eta}` the rate in B2). `mutate(name, k, value)` may change a cell."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws["A1"], ws["A2"], ws["B2"] = title, "α =", start.pop("eta")
    col = {name: get_column_letter(2 + j) for j, name in enumerate(columns)}
    ws["A4"] = "step"
    for name, head in zip(columns, heads, strict=True):
        ws[f"{col[name]}4"] = head
    cells: dict[str, str] = {}
    for k in range(STEPS):
        r = 5 + k
        ws.cell(r, 1, k + 1)
        x1, x2, t = samples[k % len(samples)]
        values = {"x1": x1, "x2": x2, "t": t, **(start if k == 0 else {})}
        for name in columns:
            value = values.get(name, formulas.get(name))
            if value is None:  # an update
                value = formulas[f"{name}+"]
            if isinstance(value, str):
                value = value.replace("{eta}", "$B$2")
                for other in columns:
                    value = value.replace(f"{{{other}'}}", f"{col[other]}{r - 1}").replace(
                        f"{{{other}}}", f"{col[other]}{r}"
                    )
            value = mutate(name, k, value)
            ws[f"{col[name]}{r}"] = value
            cells[f"{name}@{k}"] = f"{title}!{col[name]}{r}"
    wb.save(path)
    return path, cells


def adaline(path: Path, mutate=lambda name, k, value: value) -> tuple[Path, dict[str, str]]:
    """ADALINE (the delta rule): y = net, err = t − y, Δw = α·err·x added."""
    columns = ["x1", "x2", "t", "w1", "w2", "b", "net", "y", "err", "dw1", "dw2", "db", "E"]
    heads = ["x1", "x2", "t", "w1", "w2", "b", "y_in", "y", "t - y", "Δw1", "Δw2", "Δb", "E = ½(t−y)²"]
    formulas = {
        "w1+": "={w1'}+{dw1'}",
        "w2+": "={w2'}+{dw2'}",
        "b+": "={b'}+{db'}",
        "net": "={x1}*{w1}+{x2}*{w2}+{b}",
        "y": "={net}",
        "err": "={t}-{y}",
        "dw1": "={eta}*{err}*{x1}",
        "dw2": "={eta}*{err}*{x2}",
        "db": "={eta}*{err}",
        "E": "=0.5*{err}^2",
    }
    start = {"eta": 0.1, "w1": 0.2, "w2": 0.35, "b": 0.1}
    return _rows(path, "ADALINE", columns, heads, BIPOLAR_AND, start, formulas, mutate)


ADALINE_TOML = _network("linear", 0.1, (0.2, 0.35), 0.1, BIPOLAR_AND)


def sigmoid_neuron(path: Path, samples: list, mutate=lambda name, k, value: value) -> tuple[Path, dict[str, str]]:
    """One sigmoid neuron, gradient descent after each sample: dE/dout = out − t, dout/dz = out·(1 − out)."""
    columns = ["x1", "x2", "t", "w1", "w2", "b", "z", "y", "E", "dEdy", "dydz", "g1", "g2", "gb"]
    heads = ["x1", "x2", "target", "w1", "w2", "bias", "z", "out", "Error", "dE/dout", "dout/dz"]
    heads += ["dE/dw1", "dE/dw2", "dE/db"]
    formulas = {
        "w1+": "={w1'}-{eta}*{g1'}",
        "w2+": "={w2'}-{eta}*{g2'}",
        "b+": "={b'}-{eta}*{gb'}",
        "z": "={w1}*{x1}+{w2}*{x2}+{b}",
        "y": "=1/(1+EXP(-{z}))",
        "E": "=0.5*({t}-{y})^2",
        "dEdy": "={y}-{t}",
        "dydz": "={y}*(1-{y})",
        "g1": "={dEdy}*{dydz}*{x1}",
        "g2": "={dEdy}*{dydz}*{x2}",
        "gb": "={dEdy}*{dydz}",
    }
    start = {"eta": 0.8, "w1": 0.3, "w2": -0.1, "b": 0.2}
    return _rows(path, "Neuron", columns, heads, samples, start, formulas, mutate)


def _sigmoid_toml(samples: list) -> str:
    return _network("sigmoid", 0.8, (0.3, -0.1), 0.2, samples)


def _slip(name: str, k: int, formula: str):
    """A mutation: the cell `name` of step k holds `formula` (a template of `sigmoid_neuron`'s own)."""

    def mutate(n: str, step: int, value):
        return formula if (n, step) == (name, k) else value

    return mutate


def _typed(name: str, k: int, number: float):
    def mutate(n: str, step: int, value):
        return number if (n, step) == (name, k) else value

    return mutate


@pytest.fixture(scope="module")
def books(soffice: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[object, dict[str, str]]]:
    src = tmp_path_factory.mktemp("neuron-src")
    made = {
        "adaline": adaline(src / "adaline.xlsx"),
        # Δw2 of step 6 multiplies by x1
        "adaline-dw2": adaline(src / "adaline-dw2.xlsx", _slip("dw2", 5, "=$B$2*J10*B10")),
        # step 7's target typed as 1 (bipolar AND gives −1)
        "adaline-target": adaline(src / "adaline-target.xlsx", _typed("t", 6, 1)),
        "sigmoid": sigmoid_neuron(src / "sigmoid.xlsx", OR),
        "sigmoid-later": sigmoid_neuron(src / "sigmoid-later.xlsx", OR_LATER),
        # step 6's bias gradient multiplied by x1, which is 0 there
        "sigmoid-gb": sigmoid_neuron(src / "sigmoid-gb.xlsx", OR, _slip("gb", 5, "=K10*L10*B10")),
    }
    saved = recalculate([path for path, _ in made.values()], tmp_path_factory.mktemp("neuron"))
    return {name: (read_book(path), cells) for (name, (_, cells)), path in zip(made.items(), saved, strict=True)}


def _check(book, toml: str) -> CheckResult:
    return check_book(book, parse_network(toml, source="test"), Tolerance())


@pytest.mark.parametrize(
    ("name", "toml"),
    [("adaline", ADALINE_TOML), ("sigmoid", _sigmoid_toml(OR)), ("sigmoid-later", _sigmoid_toml(OR_LATER))],
)
def test_check_passes_a_correct_single_neuron_trained_online(books, name: str, toml: str) -> None:
    book, cells = books[name]
    result = _check(book, toml)
    assert result.exit_code == 0, (result.message, result.first_mismatch and result.first_mismatch.name)
    assert result.tables[0].iterations == STEPS
    x = {e.name: e.cell.address for e in result.elements if e.quantity.name in ("x", "y") and e.t == 0 and e.cell}
    assert x == {
        "x[0] (sample 0)": cells["x1@0"],
        "x[1] (sample 0)": cells["x2@0"],
        "y[0] (sample 0)": cells["t@0"],
    }


@pytest.mark.parametrize(
    ("name", "toml", "cell"),
    [
        ("adaline-dw2", ADALINE_TOML, "dw2@5"),
        ("adaline-target", ADALINE_TOML, "t@6"),
        ("sigmoid-gb", _sigmoid_toml(OR), "gb@5"),
    ],
)
def test_check_names_the_one_slip_of_a_single_neuron_trained_online(books, name: str, toml: str, cell: str) -> None:
    book, cells = books[name]
    result = _check(book, toml)
    first = result.first_mismatch
    assert result.exit_code == 1 and first is not None, result.message
    assert first.cell.address == cells[cell], (first.name, first.cell.address)
