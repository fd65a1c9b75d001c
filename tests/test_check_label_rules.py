"""The label rules of check's value fit (sheetnet/check/labels.py), each held down by a small workbook
of typed numbers (values pasted over a sheet: no formula says what a cell is) whose verdict changes
without the rule.

Each workbook is built here with openpyxl from a plain-Python training written in this file (from
the definitions, not from sheetnet), with one slip a person makes seeded in every iteration: a
quantity wrong from iteration 0 matches none of the run's numbers, so no value votes for its cell,
and only its label can name it. The expected first slip is the seeded quantity's cell in iteration
0, as the docstrings work out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner

from sheetnet.cli import main


def sigmoid(s: float) -> float:
    return 1 / (1 + math.exp(-s))


def check(tmp_path: Path, name: str, cells: dict[str, Any], network: str) -> tuple[int, dict[str, Any]]:
    """`sheetnet check` of the typed numbers `cells` (one sheet) against `network`: exit code and JSON."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sheet1"
    for ref, value in cells.items():
        sheet[ref] = value
    path = tmp_path / f"{name}.xlsx"
    book.save(path)
    config = tmp_path / f"{name}.toml"
    config.write_text(network, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--config", str(config), "--json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def col(c: int) -> str:
    return openpyxl.utils.get_column_letter(c)


# --------------------------------------------------------------------------------------------------
# a neuron's δ named by the names the sheet gives its neurons: `δ o` where `net o`, `out o` name O2

TRANSPOSED = """
layers = [2, 2, 1]
activation = "sigmoid"
output_activation = "sigmoid"
loss = "half_squared_error"
lr = 0.5
iters = 3
reduction = "mean"

[init]
W1 = [[0.1, 0.3], [-0.3, 0.2]]
B1 = [0.05, -0.1]
W2 = [[0.4, 0.6]]
B2 = [-0.2]

[[samples]]
x = [0.3, 0.7]
y = [0.2]

[[samples]]
x = [0.9, 0.1]
y = [0.8]

[[samples]]
x = [0.6, 0.4]
y = [0.5]
"""
SAMPLES = [((0.3, 0.7), 0.2), ((0.9, 0.1), 0.8), ((0.6, 0.4), 0.5)]


def transposed(delta_out: Callable[[float, float], float]) -> dict[str, Any]:
    """TRANSPOSED's network trained as the zoo's transposed-batch.xlsx lays it out: neurons down,
    samples across (C:E), a block of 16 rows per iteration (rows 8, 24, 40): x1, x2, t copied, the
    parameters as a table beside them (H:J, a row per neuron: h1, h2, o), net h1 … out o, E (the
    mean in F), δ o, δ h1, δ h2, the mean gradients beside them; the next block's parameters are
    the updated ones. `delta_out(out, t)` is the sheet's δ o."""
    W1, B1, W2, B2 = [[0.1, 0.3], [-0.3, 0.2]], [0.05, -0.1], [0.4, 0.6], -0.2
    cells: dict[str, Any] = {"A2": "η", "B2": 0.5}
    for t in range(3):
        b = 8 + 16 * t
        cells |= {f"A{b}": f"Iteration {t}", f"F{b}": "mean", f"H{b}": "w · in1", f"I{b}": "w · in2", f"J{b}": "b"}
        labels = ["x1", "x2", "t", "net h1", "net h2", "out h1", "out h2", "net o", "out o", "E", "δ o", "δ h1", "δ h2"]
        cells |= {f"A{b + 1 + k}": label for k, label in enumerate(labels)}
        rows = [(W1[0], B1[0]), (W1[1], B1[1]), (W2, B2)]
        for k, (name, (w, bias)) in enumerate(zip(("h1", "h2", "o"), rows, strict=True)):
            cells |= {f"G{b + 1 + k}": name, f"H{b + 1 + k}": w[0], f"I{b + 1 + k}": w[1], f"J{b + 1 + k}": bias}
        grads = [[0.0] * 3 for _ in range(3)]  # h1, h2, o: w · in1, w · in2, b summed over the samples
        losses = []
        for s, ((x1, x2), y) in enumerate(SAMPLES):
            c = col(3 + s)
            n = [W1[j][0] * x1 + W1[j][1] * x2 + B1[j] for j in (0, 1)]
            h = [sigmoid(v) for v in n]
            no = W2[0] * h[0] + W2[1] * h[1] + B2
            out = sigmoid(no)
            d_o = delta_out(out, y)
            d_h = [d_o * W2[j] * h[j] * (1 - h[j]) for j in (0, 1)]
            losses.append(0.5 * (out - y) ** 2)
            column = [x1, x2, y, n[0], n[1], h[0], h[1], no, out, losses[-1], d_o, d_h[0], d_h[1]]
            cells |= {f"{c}{b}": f"sample {s + 1}"} | {f"{c}{b + 1 + k}": v for k, v in enumerate(column)}
            for j, (d, ins) in enumerate(((d_h[0], (x1, x2)), (d_h[1], (x1, x2)), (d_o, (h[0], h[1])))):
                grads[j] = [grads[j][0] + d * ins[0], grads[j][1] + d * ins[1], grads[j][2] + d]
        cells[f"F{b + 10}"] = sum(losses) / 3
        for j, name in enumerate(("h1", "h2", "o")):
            cells |= {f"G{b + 12 + j}": f"∂E/∂ {name}"}
            cells |= {f"{col(8 + i)}{b + 12 + j}": grads[j][i] / 3 for i in range(3)}
        mean = [[g / 3 for g in row] for row in grads]
        W1 = [[W1[j][i] - 0.5 * mean[j][i] for i in (0, 1)] for j in (0, 1)]
        B1 = [B1[j] - 0.5 * mean[j][2] for j in (0, 1)]
        W2, B2 = [W2[i] - 0.5 * mean[2][i] for i in (0, 1)], B2 - 0.5 * mean[2][2]
    return cells


def test_a_delta_labelled_by_the_neurons_own_name_is_that_neurons_delta(tmp_path: Path) -> None:
    """`δ o` names ∂L/∂O2 (∂L/∂B2 of each sample) where the sheet's own rows call O2 `net o` and
    ŷ `out o` (labels.neuron_names, labels.delta_named), and a block's rows under its loss are its
    own (Layout.block_rows). With δ o = (out − t)·out, the (1 − out) left out, every backward
    number of every iteration is wrong (0.2 − 0.5·… : no number of the run is in rows 19-22): the
    first slip is sample 1's δ o in iteration 0, C19. Without either rule nothing names those rows
    and the first slip named is an update (H25), the slip's consequence. The mean gradients beside
    them are named by their row, `∂E/∂ h1` beside the row `h1` of the parameters' table (W1[0,0],
    W1[0,1], B1[0]), column by column (labels.derivative_in_table): they follow from δ o (without
    the rule nothing names them), and the only slips are the δ o of each sample and iteration.
    The same sheet with δ o = (out − t)·out·(1 − out) is right."""
    code, _ = check(tmp_path, "right", transposed(lambda out, t: (out - t) * out * (1 - out)), TRANSPOSED)
    assert code == 0
    code, data = check(tmp_path, "slip", transposed(lambda out, t: (out - t) * out), TRANSPOSED)
    assert code == 1
    assert data["first_mismatch"]["cell"] == "Sheet1!C19", data["first_mismatch"]
    assert data["first_mismatch"]["quantity"] == "∂L/∂B2[0] (sample 0)"
    kinds = {m["cell"]: (m["quantity"], m.get("kind")) for m in data["mismatches"]}
    assert {cell for cell, (_, kind) in kinds.items() if kind == "slip"} == {
        f"Sheet1!{c}{r}" for c in "CDE" for r in (19, 35, 51)
    }, kinds
    assert kinds["Sheet1!H20"] == ("∂L/∂W1[0,0]", "follows")
    assert kinds["Sheet1!J22"] == ("∂L/∂B2[0]", "follows")


# --------------------------------------------------------------------------------------------------
# `dW`, `db` name the gradient of the parameter the sheet calls W, b

LOGREG = """
layers = [2, 1]
activation = "linear"
output_activation = "sigmoid"
loss = "cross_entropy"
lr = 1.0
iters = 4
reduction = "mean"

[init]
W1 = [[-0.3, 0.5]]
B1 = [0.2]

[[samples]]
x = [1.0, 0.5]
y = [1.0]

[[samples]]
x = [0.0, 1.0]
y = [0.0]

[[samples]]
x = [0.5, 0.0]
y = [1.0]

[[samples]]
x = [1.0, 1.0]
y = [0.0]
"""
DATA = [((1.0, 0.5), 1.0), ((0.0, 1.0), 0.0), ((0.5, 0.0), 1.0), ((1.0, 1.0), 0.0)]


def logreg_blocks(count: int) -> dict[str, Any]:
    """LOGREG's logistic regression as the zoo's logreg-mmult-blocks.xlsx lays it out, typed: a block
    of 14 rows per epoch (rows 2, 16, 30, 44), X (B:C) and y (E) a row per sample, W a column (G4:G5)
    and b (H4), z, A, the sample losses (LN), their mean, dz = A − y; under them Xᵀ, dW (G10:G11),
    db (H10) and the updated W and b beside them; the next block's W and b are those. dW is
    Xᵀ·dz/`count`, db the mean of dz."""
    w, bias = [-0.3, 0.5], 0.2
    cells: dict[str, Any] = {"A1": "Learning rate", "B1": 1.0}
    for t in range(4):
        r = 2 + 14 * t
        cells |= {f"A{r}": f"Epoch {t + 1}"}
        heads = {"B": "X1", "C": "X2", "E": "y", "G": "W", "H": "b", "J": "z", "L": "A", "N": "loss", "O": "total"}
        cells |= {f"{c}{r + 1}": text for c, text in heads.items()} | {f"P{r + 1}": "dz"}
        dz, losses = [], []
        for k, ((x1, x2), y) in enumerate(DATA):
            z = w[0] * x1 + w[1] * x2 + bias
            a = sigmoid(z)
            losses.append(-(y * math.log(a) + (1 - y) * math.log(1 - a)))
            dz.append(a - y)
            row = r + 2 + k
            cells |= {f"B{row}": x1, f"C{row}": x2, f"E{row}": y, f"J{row}": z, f"L{row}": a}
            cells |= {f"N{row}": losses[-1], f"P{row}": dz[-1]}
            cells |= {f"{col(2 + k)}{r + 7}": x1, f"{col(2 + k)}{r + 8}": x2}  # Xᵀ
        dw = [sum(d * x[i] for d, (x, _) in zip(dz, DATA, strict=True)) / count for i in (0, 1)]
        db = sum(dz) / 4
        new_w, new_b = [w[i] - dw[i] for i in (0, 1)], bias - db
        cells |= {f"G{r + 2}": w[0], f"G{r + 3}": w[1], f"H{r + 2}": bias, f"O{r + 2}": sum(losses) / 4}
        cells |= {f"G{r + 6}": "dW", f"H{r + 6}": "db", f"I{r + 6}": "new W", f"J{r + 6}": "new b", f"A{r + 7}": "Xᵀ"}
        cells |= {f"G{r + 8}": dw[0], f"G{r + 9}": dw[1], f"H{r + 8}": db, f"I{r + 8}": new_w[0], f"I{r + 9}": new_w[1]}
        cells |= {f"J{r + 8}": new_b}
        w, bias = new_w, new_b
    return cells


def test_dw_and_db_name_the_gradients_of_the_parameters_the_sheet_calls_w_and_b(tmp_path: Path) -> None:
    """`dW` and `db` over a column name the gradient of the parameter the sheet calls W and b (learned
    from the columns placed as W1 and B1: labels.header_names, `_gradient_by_name`), the one its
    update reads (the mean over the 4 samples, no sample's own). With dW = Xᵀ·dz/3 where there are
    4 samples, dW is 4/3 of the run's mean gradient in every epoch and matches nothing: the first
    slip is epoch 1's dW[0] (G10), and its second element (G11) is a slip too. The same sheet
    dividing by 4 is right."""
    code, _ = check(tmp_path, "right", logreg_blocks(4), LOGREG)
    assert code == 0
    code, data = check(tmp_path, "slip", logreg_blocks(3), LOGREG)
    assert code == 1
    assert data["first_mismatch"]["cell"] == "Sheet1!G10", data["first_mismatch"]
    slips = {m["cell"]: m["quantity"] for m in data["mismatches"] if m.get("kind") == "slip"}
    assert slips.get("Sheet1!G11") == "∂L/∂W1[0,1]", slips


# --------------------------------------------------------------------------------------------------
# `loss1` names sample 1's loss (a quantity of one number, numbered by its sample); `x1` an input


def logreg_rows(log: Callable[[float], float]) -> dict[str, Any]:
    """LOGREG's logistic regression as the zoo's logreg-sumproduct.xlsx lays it out, typed: the data
    once (x1, x2, y down D4:D6, samples across E:H), a row per iteration (rows 9-12): w1, w2, b;
    z1..z4, a1..a4, loss1..loss4 (taken with `log`), their mean, a1 − y1 … a4 − y4, dL/dw1, dL/dw2,
    dL/db; the next row's parameters are the updated ones."""
    w, bias = [-0.3, 0.5], 0.2
    cells: dict[str, Any] = {"A2": "learning rate", "B2": 1.0, "D4": "x1", "D5": "x2", "D6": "y"}
    for k, ((x1, x2), y) in enumerate(DATA):
        c = col(5 + k)
        cells |= {f"{c}3": f"sample {k + 1}", f"{c}4": x1, f"{c}5": x2, f"{c}6": y}
    heads = ["iter", "w1", "w2", "b"] + [f"{q}{k}" for q in ("z", "a", "loss") for k in range(1, 5)]
    heads += ["L (mean)"] + [f"a{k} − y{k}" for k in range(1, 5)] + ["dL/dw1", "dL/dw2", "dL/db"]
    cells |= {f"{col(1 + j)}8": text for j, text in enumerate(heads)}
    for t in range(4):
        z = [w[0] * x1 + w[1] * x2 + bias for (x1, x2), _ in DATA]
        a = [sigmoid(v) for v in z]
        losses = [-(y * log(v) + (1 - y) * log(1 - v)) for v, (_, y) in zip(a, DATA, strict=True)]
        dz = [v - y for v, (_, y) in zip(a, DATA, strict=True)]
        grads = [sum(d * x[i] for d, (x, _) in zip(dz, DATA, strict=True)) / 4 for i in (0, 1)] + [sum(dz) / 4]
        row = [t, w[0], w[1], bias, *z, *a, *losses, sum(losses) / 4, *dz, *grads]
        cells |= {f"{col(1 + j)}{9 + t}": v for j, v in enumerate(row)}
        w, bias = [w[0] - grads[0], w[1] - grads[1]], bias - grads[2]
    return cells


def test_loss1_names_sample_1s_loss(tmp_path: Path) -> None:
    """`loss1` … `loss4` over the samples' losses name each sample's loss (labels.names_sample: a
    quantity of one number numbered by its sample, as `sample 1` heads its column). Taken with
    LOG where LN belongs, every sample's loss is 1/ln 10 = 0.434 of the run's in every row (the
    gradients, a − y, are LN's and right): no loss matches, and the first slip is sample 1's loss in
    iteration 0, M9. Without the rule the losses are named by nothing and the first slip named is
    the mean (Q9). The same sheet with LN is right."""
    code, _ = check(tmp_path, "right", logreg_rows(math.log), LOGREG)
    assert code == 0
    code, data = check(tmp_path, "slip", logreg_rows(math.log10), LOGREG)
    assert code == 1
    assert data["first_mismatch"]["cell"] == "Sheet1!M9", data["first_mismatch"]
    assert data["first_mismatch"]["quantity"] == "L (sample 0)"


def test_x1_still_names_an_input_not_sample_1s_x() -> None:
    """`x1` is numbered as `loss1` is, but x is a vector: its number names the element (x[0], of any
    sample), not the sample (labels.names_sample asks for a quantity of one number). Of LOGREG's
    run (4 samples), sample 1's own loss is named by `loss1` and not by `loss2`; x of sample 1 is
    named by neither `x1` nor `x2` as a sample's."""
    from sheetnet.book import Book, Cell
    from sheetnet.check.geometry import Layout
    from sheetnet.check.grid import Grid
    from sheetnet.check.labels import names_sample
    from sheetnet.check.spots import run_spots
    from sheetnet.spec import parse_network
    from sheetnet.trace import run

    texts = ["loss1", "loss2", "x1", "x2"]
    cells = {(1, c): Cell("S", 1, c, text) for c, text in enumerate(texts, start=1)}
    cells |= {(2, c): Cell("S", 2, c, 0.25 * c) for c in range(1, 5)}
    grid = Grid(Book(path=Path("s.xlsx"), sheets=["S"], cells={"S": cells}))
    spots = run_spots(run(parse_network(LOGREG, source="LOGREG"))).iterations[0]
    loss = next(s for s in spots if s.quantity.name == "L" and s.key.s == 0)
    x = [s for s in spots if s.quantity.name == "x" and s.key.s == 0]
    named = {text: names_sample(grid, Layout(0, None), (0, 2, c), loss) for c, text in enumerate(texts, start=1)}
    assert named == {"loss1": True, "loss2": False, "x1": False, "x2": False}
    assert len(x) == 2
    assert not any(names_sample(grid, Layout(0, None), (0, 2, c), s) for s in x for c in (3, 4))


# --------------------------------------------------------------------------------------------------
# a label naming a neuron by the sheet's own name for it (`err N3`, N3 learned as O1[2]); and a label
# the sheet gave another quantity's number (`w2` over W1[1,0]) not naming this one (W2)

PHASES = """
layers = [2, 4, 1]
activation = "sigmoid"
output_activation = "sigmoid"
loss = "half_squared_error"
lr = 0.1
iters = 1
train_biases = false

[init]
W1 = [[0.3, 0.5], [0.6, 0.2], [0.1, 0.7], [0.4, 0.9]]
B1 = [0.0, 0.0, 0.0, 0.0]
W2 = [[0.5, 0.8, 0.2, 0.6]]
B2 = [0.0]

[[samples]]
x = [0.8, 0.3]
y = [0.9]
"""


def phases(err_from: list[int], w: list[float] | None = None) -> dict[str, Any]:
    """PHASES's one step as the zoo's phases-241.xlsx lays it out (luizcf's 2-4-1 network), typed: a
    row per phase under one header row (row 2): feed (row 3: IN A, IN B, w1..w12, N1..N4 each with
    sig and sig', N5 with them, desired, error = t − y, delta = sig'·error, err N1..N4 = w·delta,
    delta N1..N4 = sig'·err, E = ½·error²), back output (row 5: w9..w12 + 0.1·delta·sig(Nk), w1..w8
    copied), back hidden (row 6: w1..w8 + 0.1·delta Nk·input, w9..w12 copied). w1..w4 join IN A to
    N1..N4, w5..w8 IN B; err Nk reads w`err_from[k]` (w9..w12 where right). `w`: w1..w12."""
    x, t = [0.8, 0.3], 0.9
    w = w or [0.3, 0.6, 0.1, 0.4, 0.5, 0.2, 0.7, 0.9, 0.5, 0.8, 0.2, 0.6]
    heads = ["Phase", "IN A", "IN B"] + [f"w{k}" for k in range(1, 13)]
    heads += [h for k in range(1, 6) for h in (f"N{k}", f"sig(N{k})", f"sig'(N{k})")]
    heads += ["desired", "error", "delta"] + [f"err N{k}" for k in range(1, 5)] + [f"delta N{k}" for k in range(1, 5)]
    heads += ["E"]
    n = [x[0] * w[k] + x[1] * w[k + 4] for k in range(4)]
    h = [sigmoid(v) for v in n]
    n5 = sum(w[8 + k] * h[k] for k in range(4))
    y = sigmoid(n5)
    error = t - y
    delta = y * (1 - y) * error
    err = [w[err_from[k] - 1] * delta for k in range(4)]
    deltas = [h[k] * (1 - h[k]) * err[k] for k in range(4)]
    feed = ["feed", *x, *w] + [v for k in range(4) for v in (n[k], h[k], h[k] * (1 - h[k]))]
    feed += [n5, y, y * (1 - y), t, error, delta, *err, *deltas, 0.5 * error**2]
    output = ["back (output)", *x, *w[:8]] + [w[8 + k] + 0.1 * delta * h[k] for k in range(4)]
    hidden = ["back (hidden)", *x] + [w[k] + 0.1 * deltas[k % 4] * x[k // 4] for k in range(8)] + output[11:]
    cells: dict[str, Any] = {}
    for r, line in ((2, heads), (3, feed), (5, output), (6, hidden)):
        cells |= {f"{col(1 + j)}{r}": v for j, v in enumerate(line)}
    return cells


def test_err_n3_names_the_neuron_the_sheet_calls_n3(tmp_path: Path) -> None:
    """`err N3` names the error reaching the neuron the sheet calls N3 (its column `N3` placed as
    O1[2]: labels.neurons_named), −∂L/∂f(O1)[2] in the delta rule's sign. Read with w12 where w11
    belongs, err N3 = w12·delta is the very number err N4 holds (AK3): of the two cells holding
    N4's error, the one under `err N4` is N4's, and AJ3, where the author went wrong, is the first
    slip (N3's delta in AN3 and the updates of w3, w7 in F6, J6 follow from it). Without the rule the
    two equal cells are told apart by nothing and AJ3 is taken for N4's. Read right, the sheet is
    right."""
    code, _ = check(tmp_path, "right", phases([9, 10, 11, 12]), PHASES)
    assert code == 0
    code, data = check(tmp_path, "slip", phases([9, 10, 12, 12]), PHASES)
    assert code == 1
    assert data["first_mismatch"]["cell"] == "Sheet1!AJ3", data["first_mismatch"]


def test_a_label_given_to_another_quantitys_number_does_not_name_this_one(tmp_path: Path) -> None:
    """`w2` heads W1[1,0] (the sheet numbers its weights w1..w12, W2 being w9..w12): the label the
    sheet gave that number does not name W2 in the cells below it (bases.names_quantity). With w9
    chosen equal to w2's updated value (E6, the back-hidden row: w2 + 0.1·delta N2·IN A, w9 found
    by iterating that equation to a fixed point), W2[0,0] (used) is in L3 (w9) and in E6: it is
    L3's, where the sheet's w9 is. Read as naming W2, `w2` puts it in E6."""
    w = [0.3, 0.5, 0.1, 0.7, 0.6, 0.2, 0.9, 0.4, 0.5, 0.8, 0.2, 0.6]
    for _ in range(50):
        w[8] = phases([9, 10, 11, 12], w)["E6"]
    cells = phases([9, 10, 11, 12], w)
    assert cells["E6"] == cells["L3"] == w[8]
    network = PHASES.replace(
        "W1 = [[0.3, 0.5], [0.6, 0.2], [0.1, 0.7], [0.4, 0.9]]", "W1 = " + str([[w[k], w[k + 4]] for k in range(4)])
    ).replace("W2 = [[0.5, 0.8, 0.2, 0.6]]", f"W2 = [{w[8:]}]")
    code, data = check(tmp_path, "tied", cells, network)
    assert code == 0
    placed = {e["quantity"]: e.get("cell") for e in data["elements"] if e["iteration"] == 0}
    assert placed["W1[1,0] (used)"] == "Sheet1!E3"
    assert placed["W2[0,0] (used)"] == "Sheet1!L3", placed


# --------------------------------------------------------------------------------------------------
# init --from: parameters named as the sheet names them

ZOO = Path(__file__).resolve().parent / "zoo"


def test_init_names_a_tables_parameters_by_its_row_and_column(tmp_path: Path) -> None:
    """The transposed batch (tests/zoo) holds its parameters in a table, a row per neuron (h1, h2,
    o) and a column per input (`w · in1`, `w · in2`, `b`): the header alone would call all four of
    W1 `w` and both of B1 `b`, so each is named by its row and its column (Labels.table_name). A
    row per phase (phases-241: `feed`, `back (output)`), where each header names one weight, keeps
    the header's names."""
    comments = {}
    for book in ("transposed-batch", "phases-241"):
        out = tmp_path / f"{book}.toml"
        result = CliRunner().invoke(main, ["init", "--from", str(ZOO / f"{book}.xlsx"), str(out)])
        assert result.exit_code == 0, result.output
        for line in out.read_text(encoding="utf-8").splitlines():
            if line[:2] in ("W1", "B1", "W2", "B2") and "#" in line:
                comments[(book, line[:2])] = line.split("#", 1)[1].strip()
    assert comments[("transposed-batch", "W1")] == "H9 I9 H10 I10 (h1 w · in1, h1 w · in2, h2 w · in1, h2 w · in2)"
    assert comments[("transposed-batch", "B1")] == "J9 J10 (h1 b, h2 b)"
    assert comments[("transposed-batch", "W2")] == "H11 I11 (o w · in1, o w · in2)"
    assert comments[("transposed-batch", "B2")] == "J11 (o b)"
    assert comments[("phases-241", "W1")] == "D3 H3 E3 I3 F3 J3 G3 K3 (w1 w5 w2 w6 w3 w7 w4 w8)"


def test_a_kind_written_before_a_name_labels_by_the_name() -> None:
    """KIND_WORDS: `poids w5`, `Gewicht w11`, `Bias b3`, `peso w2` name w5, w11, b3, w2 (the kind is
    what every row of parameters is, in the sheet's language); so `∂E/∂w5` is the derivative by the
    parameter in the row `poids w5` (course-columns-fr-offset-slip.xlsx with its numbers pasted:
    C34, w5's gradient wrong from iteration 0, was placed nowhere, and w5's update named instead).
    A kind alone is still its own word."""
    from sheetnet.cells.labels import label_token

    assert [label_token(t) for t in ("poids w5", "Gewicht w11", "Bias b3", "peso w2", "weight w1 =")] == [
        "w5",
        "w11",
        "b3",
        "w2",
        "w1",
    ]
    assert [label_token(t) for t in ("bias", "Weights", "Netz h1")] == ["bias", "weights", "netz"]
