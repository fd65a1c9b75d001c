"""Workbooks as people make them by hand, in layouts sheetnet never writes.

Each is built here from numbers and formulas written out independently of sheetnet's engine:
the notes' own numbers, spreadsheet formulas typed as a student would, and a 2-2-2 network
computed by hand-rounding every step to 4 places.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

# The notes' numbers, as the notes write them (seed/README.md): one block per iteration.
# Iteration 2 has only its forward pass. None marks a number the notes do not write.
NOTES_BLOCKS: list[list[tuple[str, list[float] | None]]] = [
    [
        ("O1 = x·W1ᵀ + B1", [1.5, 1.5]),
        ("f(O1)", [1.5, 1.5]),
        ("O2 = f(O1)·W2ᵀ + B2", [2.5, 2.5]),
        ("f(O2)", [2.5, 2.5]),
        ("ŷ", [4.5]),
        ("Δ = ŷ − y", [3.5]),
        ("∂L/∂B3", [3.5]),
        ("∂L/∂B2", [3.5, 3.5]),
        ("∂L/∂W2", [5.25, 5.25]),
        ("", [5.25, 5.25]),
        ("∂L/∂B1", [7, 7]),
        ("∂L/∂W1", [14, 14]),
        ("W1 ←", [0.86, 0.86]),
        ("B1 ←", [-0.57, -0.57]),
        ("W2 ←", [0.9475, 0.9475]),
        ("", [0.9475, 0.9475]),
        ("B2 ←", [-0.535, -0.535]),
        ("W3 ←", [0.9125, 0.9125]),
        ("B3 ←", [-0.535]),
    ],
    [
        ("O1 = x·W1ᵀ + B1", [1.15, 1.15]),
        ("f(O1)", [1.15, 1.15]),
        ("O2 = f(O1)·W2ᵀ + B2", [1.64425, 1.64425]),
        ("f(O2)", [1.64425, 1.64425]),
        ("ŷ", [2.4658]),
        ("Δ = ŷ − y", [1.4658]),
        ("∂L/∂B3", [1.4658]),
        ("∂L/∂B2", [1.3375, 1.3375]),
        ("∂L/∂W2", [1.5381, 1.5381]),
        ("", [1.5381, 1.5381]),
        ("∂L/∂B1", [2.5346, 2.5346]),
        ("∂L/∂W1", [5.0691, 5.0691]),
        ("W1 ←", [0.8093, 0.8093]),
        ("B1 ←", [-0.5953, -0.5953]),
        ("W2 ←", [0.9321, 0.9321]),
        ("", [0.9321, 0.9321]),
        ("B2 ←", [-0.5484, -0.5484]),
        ("W3 ←", [0.8884, 0.8884]),
        ("B3 ←", [-0.5497]),
    ],
    [
        ("O1 = x·W1ᵀ + B1", [1.0233, 1.0233]),
        ("f(O1)", [1.0233, 1.0233]),
        ("O2 = f(O1)·W2ᵀ + B2", [1.3592, 1.3592]),
        ("f(O2)", [1.3592, 1.3592]),
        ("ŷ", [1.8654]),
        ("Δ = ŷ − y", [0.8654]),
    ],
]
NOTES_SLIP = 2.5436  # what the notes write for ∂L/∂B1 in iteration 1 (it is 2.5346)


def notes_blocks(path: Path, *, slip: bool = False) -> tuple[Path, dict[str, str]]:
    """The notes typed into one sheet, a block per iteration, numbers rounded as the notes round them.

    Returns the file and the cells of some notable numbers (`"B1 slip"`: ∂L/∂B1[0] of iteration 1).
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Backprop"
    ws.append(["Backpropagation by hand", None, None, "η", 0.01])
    ws.append(["x", 2, None, "y", 1])
    ws.append(["W1", 1, 1])
    ws.append(["B1", -0.5, -0.5])
    ws.append(["W2", 1, 1])
    ws.append([None, 1, 1])
    ws.append(["B2", -0.5, -0.5])
    ws.append(["W3", 1, 1])
    ws.append(["B3", -0.5])
    cells: dict[str, str] = {}
    for t, block in enumerate(NOTES_BLOCKS):
        ws.append([])
        ws.append([f"Iteration {t}"])
        for label, numbers in block:
            if numbers is not None and label == "∂L/∂B1" and t == 1:
                cells["B1 slip"] = f"Backprop!B{ws.max_row + 1}"
                if slip:
                    numbers = [NOTES_SLIP, NOTES_SLIP]
            ws.append([label, *(numbers or [])])
    path = path.with_suffix(".xlsx")
    wb.save(path)
    return path, cells


# A 2-2-2 logistic network in one row per iteration, formulas typed the way students type them.
# Mazur's example: inputs .05/.10, targets .01/.99, biases .35/.60 held fixed, η = 0.5.
ROW_COLUMNS = (
    "i1 i2 t1 t2 w1 w2 w3 w4 b1 h1 a_h1 h2 a_h2 w5 w6 w7 w8 b2 o1 a_o1 o2 a_o2 E1 E2 E_tot "
    "d_o1 d_o2 dw5 dw6 dw7 dw8 d_h1 d_h2 dw1 dw2 dw3 dw4"
).split()
FIRST_ROW = 4


def column(name: str) -> str:
    return openpyxl.utils.get_column_letter(2 + ROW_COLUMNS.index(name))


def mazur_rows(path: Path, *, iters: int = 12, slip: bool = False) -> tuple[Path, dict[str, str]]:
    """One row per iteration with live formulas (no cached values: openpyxl cannot store them).

    `slip` types ∂E/∂w6 as δo1·a_h1 where a_h2 belongs, filled down every row, as a student would.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Training"
    ws["A1"], ws["B1"], ws["C1"] = "Backpropagation, one row per iteration", "eta", 0.5
    ws.append([])
    ws.cell(3, 1, "iteration")
    for j, name in enumerate(ROW_COLUMNS):
        ws.cell(3, 2 + j, name)
    c = {name: column(name) for name in ROW_COLUMNS}
    for k in range(iters):
        r = FIRST_ROW + k
        p = r - 1
        f: dict[str, object] = {}
        if k == 0:
            f.update(i1=0.05, i2=0.10, t1=0.01, t2=0.99, b1=0.35, b2=0.60)
            f.update(w1=0.15, w2=0.20, w3=0.25, w4=0.30, w5=0.40, w6=0.45, w7=0.50, w8=0.55)
        else:
            for name in ("i1", "i2", "t1", "t2", "b1", "b2"):
                f[name] = f"={c[name]}{p}"
            for w in range(1, 9):
                f[f"w{w}"] = f"={c[f'w{w}']}{p}-$C$1*{c[f'dw{w}']}{p}"

        def at(name: str, r: int = r) -> str:
            return f"{c[name]}{r}"

        f["h1"] = f"={at('w1')}*{at('i1')}+{at('w2')}*{at('i2')}+{at('b1')}"
        f["a_h1"] = f"=1/(1+EXP(-{at('h1')}))"
        f["h2"] = f"={at('w3')}*{at('i1')}+{at('w4')}*{at('i2')}+{at('b1')}"
        f["a_h2"] = f"=1/(1+EXP(-{at('h2')}))"
        f["o1"] = f"={at('w5')}*{at('a_h1')}+{at('w6')}*{at('a_h2')}+{at('b2')}"
        f["a_o1"] = f"=1/(1+EXP(-{at('o1')}))"
        f["o2"] = f"={at('w7')}*{at('a_h1')}+{at('w8')}*{at('a_h2')}+{at('b2')}"
        f["a_o2"] = f"=1/(1+EXP(-{at('o2')}))"
        f["E1"] = f"=0.5*({at('t1')}-{at('a_o1')})^2"
        f["E2"] = f"=0.5*({at('t2')}-{at('a_o2')})^2"
        f["E_tot"] = f"={at('E1')}+{at('E2')}"
        f["d_o1"] = f"=({at('a_o1')}-{at('t1')})*{at('a_o1')}*(1-{at('a_o1')})"
        f["d_o2"] = f"=({at('a_o2')}-{at('t2')})*{at('a_o2')}*(1-{at('a_o2')})"
        f["dw5"] = f"={at('d_o1')}*{at('a_h1')}"
        f["dw6"] = f"={at('d_o1')}*{at('a_h1' if slip else 'a_h2')}"
        f["dw7"] = f"={at('d_o2')}*{at('a_h1')}"
        f["dw8"] = f"={at('d_o2')}*{at('a_h2')}"
        f["d_h1"] = f"=({at('d_o1')}*{at('w5')}+{at('d_o2')}*{at('w7')})*{at('a_h1')}*(1-{at('a_h1')})"
        f["d_h2"] = f"=({at('d_o1')}*{at('w6')}+{at('d_o2')}*{at('w8')})*{at('a_h2')}*(1-{at('a_h2')})"
        f["dw1"] = f"={at('d_h1')}*{at('i1')}"
        f["dw2"] = f"={at('d_h1')}*{at('i2')}"
        f["dw3"] = f"={at('d_h2')}*{at('i1')}"
        f["dw4"] = f"={at('d_h2')}*{at('i2')}"
        ws.cell(r, 1, k)
        for name, value in f.items():
            ws[at(name)] = value
    path = path.with_suffix(".xlsx")
    wb.save(path)
    return path, {"dw6 row 0": f"Training!{c['dw6']}{FIRST_ROW}", "first row": str(FIRST_ROW)}


def rounded_by_hand(iters: int) -> list[dict[str, list[float]]]:
    """Mazur's 2-2-2 network trained by a person who rounds every number to 4 places and goes on
    from the rounded numbers: written independently of sheetnet's engine."""

    def r4(v: float) -> float:
        return round(v, 4)

    def sig(v: float) -> float:
        return 1 / (1 + math.exp(-v))

    x, y, b1, b2, eta = [0.05, 0.10], [0.01, 0.99], 0.35, 0.60, 0.5
    w1 = [[0.15, 0.20], [0.25, 0.30]]
    w2 = [[0.40, 0.45], [0.50, 0.55]]
    rows = []
    for _ in range(iters):
        h = [r4(w1[j][0] * x[0] + w1[j][1] * x[1] + b1) for j in range(2)]
        a = [r4(sig(v)) for v in h]
        o = [r4(w2[k][0] * a[0] + w2[k][1] * a[1] + b2) for k in range(2)]
        out = [r4(sig(v)) for v in o]
        loss = r4(sum(0.5 * (out[k] - y[k]) ** 2 for k in range(2)))
        delta_o = [r4((out[k] - y[k]) * out[k] * (1 - out[k])) for k in range(2)]
        grad2 = [[r4(delta_o[k] * a[j]) for j in range(2)] for k in range(2)]
        delta_h = [r4((delta_o[0] * w2[0][j] + delta_o[1] * w2[1][j]) * a[j] * (1 - a[j])) for j in range(2)]
        grad1 = [[r4(delta_h[j] * x[i]) for i in range(2)] for j in range(2)]
        w2 = [[r4(w2[k][j] - eta * grad2[k][j]) for j in range(2)] for k in range(2)]
        w1 = [[r4(w1[j][i] - eta * grad1[j][i]) for i in range(2)] for j in range(2)]
        rows.append(
            {
                "O1": h,
                "f(O1)": a,
                "O2": o,
                "ŷ": out,
                "L": [loss],
                "∂L/∂B2": delta_o,
                "∂L/∂W2": [g for row in grad2 for g in row],
                "∂L/∂B1": delta_h,
                "∂L/∂W1": [g for row in grad1 for g in row],
                "W1 ←": [w for row in w1 for w in row],
                "W2 ←": [w for row in w2 for w in row],
            }
        )
    return rows


def rounded_blocks(path: Path, iters: int) -> Path:
    """`rounded_by_hand` typed as blocks on one sheet, every number to 4 places."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Hand"
    ws.append(["x", 0.05, 0.10, "y", 0.01, 0.99, "η", 0.5])
    ws.append(["W1", 0.15, 0.20, 0.25, 0.30, "b1", 0.35])
    ws.append(["W2", 0.40, 0.45, 0.50, 0.55, "b2", 0.60])
    for t, row in enumerate(rounded_by_hand(iters)):
        ws.append([f"Iteration {t}"])
        for label, numbers in row.items():
            ws.append([label, *numbers])
    path = path.with_suffix(".xlsx")
    wb.save(path)
    return path


# A 2-2-1 logistic network learning AND from its four samples, typed as people type it when they
# sum (or average) over the samples, or update after each sample. The numbers come from the
# spreadsheet's own formulas: read such a workbook after LibreOffice has recalculated it.
AND_SAMPLES = ((0.0, 0.0, 0.0), (0.0, 1.0, 0.0), (1.0, 0.0, 0.0), (1.0, 1.0, 1.0))  # i1, i2, t (x1, x2, y)
AND_START = {"w1": 0.5, "w2": -0.4, "w3": 0.3, "w4": 0.8, "b1": 0.1, "b2": -0.2, "w5": 0.7, "w6": -0.6, "b3": 0.05}
AND_ETA = 0.5
PARAMETERS = tuple(AND_START)  # w1, w2 into h1; w3, w4 into h2; b1, b2; w5, w6 into the output; b3
FORWARD_COLUMNS = "h1 h2 a1 a2 o yhat E d_o dw5 dw6 db3 d_h1 d_h2 dw1 dw2 dw3 dw4 db1 db2".split()
GRADIENT_OF = {p: "d" + p for p in PARAMETERS}  # w1 → dw1, b3 → db3


def and_network_toml(*, iters: int, reduction: str = "mean", batch_size: int | None = None) -> str:
    """The network of the AND workbooks below, as a network file."""
    s = AND_START
    lines = [
        "layers = [2, 2, 1]",
        'activation = "sigmoid"',
        'output_activation = "sigmoid"',
        f"lr = {AND_ETA}",
        f"iters = {iters}",
        f'reduction = "{reduction}"',
    ]
    if batch_size is not None:
        lines.append(f"batch_size = {batch_size}")
    lines += [
        "[init]",
        f"W1 = [[{s['w1']}, {s['w2']}], [{s['w3']}, {s['w4']}]]",
        f"B1 = [{s['b1']}, {s['b2']}]",
        f"W2 = [[{s['w5']}, {s['w6']}]]",
        f"B2 = [{s['b3']}]",
    ]
    for x1, x2, y in AND_SAMPLES:
        lines += ["[[samples]]", f"x = [{x1}, {x2}]", f"y = [{y}]"]
    return "\n".join(lines) + "\n"


def _sample_formulas(at: dict[str, str]) -> dict[str, str]:
    """One sample's forward pass, error and gradients, as a student types them; `at` gives the cell
    of every name (i1, i2, t, the parameters used and the columns of FORWARD_COLUMNS)."""
    return {
        "h1": f"={at['w1']}*{at['i1']}+{at['w2']}*{at['i2']}+{at['b1']}",
        "h2": f"={at['w3']}*{at['i1']}+{at['w4']}*{at['i2']}+{at['b2']}",
        "a1": f"=1/(1+EXP(-{at['h1']}))",
        "a2": f"=1/(1+EXP(-{at['h2']}))",
        "o": f"={at['w5']}*{at['a1']}+{at['w6']}*{at['a2']}+{at['b3']}",
        "yhat": f"=1/(1+EXP(-{at['o']}))",
        "E": f"=0.5*({at['t']}-{at['yhat']})^2",
        "d_o": f"=({at['yhat']}-{at['t']})*{at['yhat']}*(1-{at['yhat']})",
        "dw5": f"={at['d_o']}*{at['a1']}",
        "dw6": f"={at['d_o']}*{at['a2']}",
        "db3": f"={at['d_o']}",
        "d_h1": f"={at['d_o']}*{at['w5']}*{at['a1']}*(1-{at['a1']})",
        "d_h2": f"={at['d_o']}*{at['w6']}*{at['a2']}*(1-{at['a2']})",
        "dw1": f"={at['d_h1']}*{at['i1']}",
        "dw2": f"={at['d_h1']}*{at['i2']}",
        "dw3": f"={at['d_h2']}*{at['i1']}",
        "dw4": f"={at['d_h2']}*{at['i2']}",
        "db1": f"={at['d_h1']}",
        "db2": f"={at['d_h2']}",
    }


def and_batch_blocks(
    path: Path, *, iters: int = 3, reduction: str = "sum", divide: bool = False, mutate: str | None = None
) -> tuple[Path, dict[str, str]]:
    """A block per iteration: the parameters used, a row per sample (i1 i2 t, its forward pass and
    gradients), a row that sums (`reduction = "sum"`) or averages (`"mean"`) each column over the
    samples, and the updated parameters W − η·Σ. With `divide`, the row holds sums and the update
    divides by the number of samples (W − η·Σ/4): the mean, written through the sum.

    `mutate` names a cell of iteration 1 to get wrong: `"sum dw5"` sums three samples of four.
    Returns the file and the cells of some notable numbers.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Batch"
    ws["A1"], ws["E1"], ws["F1"] = "AND, the whole batch in each update", "η", AND_ETA
    eta = "$F$1"
    letter = openpyxl.utils.get_column_letter
    table = ["i1", "i2", "t", *FORWARD_COLUMNS]
    col = {name: letter(2 + k) for k, name in enumerate(table)}
    pcol = {name: letter(2 + k) for k, name in enumerate(PARAMETERS)}
    n = len(AND_SAMPLES)
    height = 6 + n  # title, parameter names and values, table header, samples, Σ, update, blank
    cells: dict[str, str] = {}
    function = "SUM" if reduction == "sum" or divide else "AVERAGE"
    for t in range(iters):
        r0 = 3 + t * (height + 1)
        ws.cell(r0, 1, f"Iteration {t}")
        ws.cell(r0 + 1, 1, "parameters")
        for name in PARAMETERS:
            ws[f"{pcol[name]}{r0 + 1}"] = name
            if t == 0:
                ws[f"{pcol[name]}{r0 + 2}"] = AND_START[name]
            else:  # the update of the block before
                ws[f"{pcol[name]}{r0 + 2}"] = f"={pcol[name]}{r0 - (height + 1) + n + 5}"
        header = r0 + 3
        for name in table:
            ws[f"{col[name]}{header}"] = name
        for s, (x1, x2, y) in enumerate(AND_SAMPLES):
            r = header + 1 + s
            ws.cell(r, 1, f"sample {s}")
            at = {name: f"{col[name]}{r}" for name in table}
            at.update({name: f"{pcol[name]}${r0 + 2}" for name in PARAMETERS})
            ws[at["i1"]], ws[at["i2"]], ws[at["t"]] = x1, x2, y
            for name, formula in _sample_formulas(at).items():
                ws[at[name]] = formula
        total = header + 1 + n
        ws.cell(total, 1, "Σ" if function == "SUM" else "mean")
        for name in ["E", *GRADIENT_OF.values()]:
            first, last = f"{col[name]}{header + 1}", f"{col[name]}{header + n}"
            ws[f"{col[name]}{total}"] = f"={function}({first}:{last})"
        if mutate == "sum dw5" and t == 1:
            ws[f"{col['dw5']}{total}"] = f"=SUM({col['dw5']}{header + 1}:{col['dw5']}{header + n - 1})"
            cells["mutated"] = f"Batch!{col['dw5']}{total}"
        cells[f"sum dw5 {t}"] = f"Batch!{col['dw5']}{total}"
        new = total + 1
        ws.cell(new, 1, "updated")
        for name in PARAMETERS:
            g = f"{col[GRADIENT_OF[name]]}{total}"
            step = f"{eta}*{g}/{n}" if divide else f"{eta}*{g}"
            ws[f"{pcol[name]}{new}"] = f"={pcol[name]}{r0 + 2}-{step}"
        cells[f"w1 {t}"] = f"Batch!{pcol['w1']}{new}"
    path = path.with_suffix(".xlsx")
    wb.save(path)
    return path, cells


def and_online_rows(path: Path, *, iters: int = 8, mutate: str | None = None) -> tuple[Path, dict[str, str]]:
    """One row per sample, in order and round again (online learning, an update after each): the
    row's sample typed in (i1 i2 t), the parameters it uses (the row above's, less η times its
    gradient), its forward pass and its gradients.

    `mutate`: `"dw3"` types ∂E/∂w3 of row 2 with i2 where i1 belongs."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Online"
    ws["A1"], ws["B1"], ws["C1"] = "AND, an update after each sample", "eta", AND_ETA
    eta = "$C$1"
    letter = openpyxl.utils.get_column_letter
    columns = ["i1", "i2", "t", *PARAMETERS, *FORWARD_COLUMNS]
    col = {name: letter(2 + k) for k, name in enumerate(columns)}
    ws.cell(3, 1, "step")
    for name in columns:
        ws[f"{col[name]}3"] = name
    cells: dict[str, str] = {}
    for t in range(iters):
        r = 4 + t
        ws.cell(r, 1, t)
        at = {name: f"{col[name]}{r}" for name in columns}
        x1, x2, y = AND_SAMPLES[t % len(AND_SAMPLES)]
        ws[at["i1"]], ws[at["i2"]], ws[at["t"]] = x1, x2, y
        for name in PARAMETERS:
            if t == 0:
                ws[at[name]] = AND_START[name]
            else:
                ws[at[name]] = f"={col[name]}{r - 1}-{eta}*{col[GRADIENT_OF[name]]}{r - 1}"
        for name, formula in _sample_formulas(at).items():
            ws[at[name]] = formula
        if mutate == "dw3" and t == 2:
            ws[at["dw3"]] = f"={at['d_h2']}*{at['i2']}"
            cells["mutated"] = f"Online!{at['dw3']}"
    path = path.with_suffix(".xlsx")
    wb.save(path)
    return path, cells


# --------------------------------------------------------------- shapes of other families
#
# Workbooks of families other than the course's 2-2-2 rows: step columns (dw = −η·∂L/∂w written
# and added, or η·∂L/∂w written and subtracted), momentum and Adam with their state, iterations
# running across columns (a row per network), matrices written transposed (X·W: inputs down,
# neurons across) with the bias as an extra row and a 1 appended to the inputs, and W·X sheets
# (neurons down, samples across, the bias as an extra column of W and a row of ones under X).
# Every formula is typed as a person types it; LibreOffice computes the values. `mutate` names a
# cell ("dw2@2": dw2 of iteration 2) whose formula is multiplied by 1.01: the one slip, every
# number after it computed from it.

_PLACEHOLDER = re.compile(r"\{(\$?)([^{}']+)(')?\}")


class Placer:
    """Named cells of one sheet. A formula template names what it reads: `{w1}` is w1 of the
    iteration being written, `{w1'}` w1 of the one before, `{$eta}` a cell every iteration reads."""

    def __init__(self, ws: Any, mutate: str | None = None, *, transposed: bool = False) -> None:
        self.ws, self.mutate, self.transposed = ws, mutate, transposed
        self.where: dict[str, tuple[int, int]] = {}

    def __call__(self, name: str, row: int, col: int, value: float | str, k: int | None = None) -> None:
        """Write `value` (a number, or a formula template) as `name` of iteration k ("w1@3")."""
        if self.transposed:
            row, col = col, row
        key = name if k is None else f"{name}@{k}"
        if isinstance(value, str):
            text = _PLACEHOLDER.sub(lambda m: self._ref(m, k), value)
            value = f"=({text})*1.01" if key == self.mutate else f"={text}"
        elif key == self.mutate:
            value = value * 1.01
        self.ws.cell(row, col, value)
        self.where[key] = (row, col)

    def _ref(self, match: re.Match[str], k: int | None) -> str:
        absolute, name, before = match.groups()
        if absolute:
            row, col = self.where[name]
            return f"${get_column_letter(col)}${row}"
        row, col = self.where[f"{name}@{(k or 0) - (1 if before else 0)}"]
        return f"{get_column_letter(col)}{row}"

    def label(self, row: int, col: int, text: str) -> None:
        self.ws.cell(*((col, row) if self.transposed else (row, col)), text)

    def address(self, key: str) -> str:
        """`Rows!D7`: where `key` ("dw2@2") went."""
        row, col = self.where[key]
        return f"{self.ws.title}!{get_column_letter(col)}{row}"


def network_toml(
    layers: list[int],
    weights: list[list[list[float]]],
    biases: list[list[float]],
    samples: list[tuple[list[float], list[float]]],
    *,
    lr: float,
    iters: int,
    output_activation: str = "sigmoid",
    optimizer: str = "sgd",
    settings: str = "",
) -> str:
    """A network file for these workbooks: sigmoid hidden layers, ½ squared error."""
    lines = [
        f"layers = {layers}",
        'activation = "sigmoid"',
        f'output_activation = "{output_activation}"',
        'loss = "half_squared_error"',
        f'optimizer = "{optimizer}"',
        f"lr = {lr!r}",
        f"iters = {iters}",
        settings,
        "",
        "[init]",
    ]
    for l, (w, b) in enumerate(zip(weights, biases, strict=True), start=1):
        lines += [f"W{l} = {w!r}", f"B{l} = {b!r}"]
    for x, y in samples:
        lines += ["", "[[samples]]", f"x = {x!r}", f"y = {y!r}"]
    return "\n".join(lines) + "\n"


# A 1-1-1 logistic network: w1, b1 into the hidden neuron, w2, b2 into the output.
ONE = {"x": 0.8, "y": 0.3, "w1": 0.4, "b1": 0.1, "w2": 0.7, "b2": -0.2}
ONE_PARAMS = ("w1", "b1", "w2", "b2")
ONE_ETA = {"sgd": 0.5, "momentum": 0.5, "adam": 0.05}
MU, BETA1, BETA2, EPS = 0.9, 0.9, 0.999, 1e-8
HYPER = {"sgd": {}, "momentum": {"mu": MU}, "adam": {"beta1": BETA1, "beta2": BETA2, "eps": EPS}}


def one_one_one_toml(optimizer: str = "sgd", iters: int = 10, lr: float | None = None) -> str:
    settings = {"sgd": "", "momentum": f"momentum = {MU}", "adam": f"beta1 = {BETA1}\nbeta2 = {BETA2}\neps = {EPS}"}
    return network_toml(
        [1, 1, 1],
        [[[ONE["w1"]]], [[ONE["w2"]]]],
        [[ONE["b1"]], [ONE["b2"]]],
        [([ONE["x"]], [ONE["y"]])],
        lr=ONE_ETA[optimizer] if lr is None else lr,
        iters=iters,
        optimizer=optimizer,
        settings=settings[optimizer],
    )


# z = w·x + b and a = σ(z) of each neuron, E, and d = ∂E/∂z (the error at a neuron) of each
ONE_FORWARD = {
    "z1": "{w1}*{x}+{b1}",
    "a1": "1/(1+EXP(-{z1}))",
    "z2": "{w2}*{a1}+{b2}",
    "a2": "1/(1+EXP(-{z2}))",
    "E": "0.5*({a2}-{y})^2",
    "d2": "({a2}-{y})*{a2}*(1-{a2})",
    "d1": "{d2}*{w2}*{a1}*(1-{a1})",
}
ONE_GRADIENTS = {"w2": "{d2}*{a1}", "b2": "{d2}", "w1": "{d1}*{x}", "b1": "{d1}"}  # backpropagation's order


def one_one_one_rows(
    path: Path,
    *,
    optimizer: str = "sgd",
    sign: int = -1,
    iters: int = 10,
    mutate: str | None = None,
    transposed: bool = False,
) -> tuple[Path, Placer]:
    """The 1-1-1 network, one row per iteration, under headers in row 3; η in B1 (`transposed`:
    one column per iteration, the quantities down rows, their names in column C, η in A2).

    sgd: step columns dw2 db2 dw1 db1, −η·∂E/∂p added (`sign` −1: w ← w + dw) or η·∂E/∂p
    subtracted (`sign` +1); the weights' gradients are written nowhere but in their steps.
    momentum: g_w2, g_w1 (the biases' are d2, d1), then v of each parameter; w ← w − η·v.
    adam: g_w2, g_w1, then m v m̂ v̂ and the step of each parameter; w ← w − step (t from 1)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rows"
    put = Placer(ws, mutate, transposed=transposed)
    put.label(1, 1, "eta")
    put("eta", 1, 2, ONE_ETA[optimizer])
    for c, (name, value) in enumerate(HYPER[optimizer].items()):
        put.label(1, 4 + 2 * c, name)
        put(name, 1, 5 + 2 * c, value)
    gradient = dict(ONE_GRADIENTS)
    if optimizer == "sgd":
        state = [f"d{p}" for p in gradient]
    elif optimizer == "momentum":
        state = ["g_w2", "g_w1", *(f"v_{p}" for p in gradient)]
        gradient |= {"w2": "{g_w2}", "w1": "{g_w1}"}
    else:
        state = ["g_w2", "g_w1", *(f"{s}_{p}" for p in gradient for s in ("m", "v", "mh", "vh", "s"))]
        gradient |= {"w2": "{g_w2}", "w1": "{g_w1}"}
    names = ["t", "x", "y", *ONE_PARAMS, *ONE_FORWARD, *state]
    col = {n: 1 + i for i, n in enumerate(names)}
    for n in names:
        put.label(3, col[n], n)
    hyper = {n: "{$" + n + "}" for n in ("eta", *HYPER[optimizer])}
    for k in range(iters):
        row = 4 + k
        put("t", row, col["t"], k + 1, k)
        for name in ("x", "y"):
            put(name, row, col[name], ONE[name] if k == 0 else f"{{{name}'}}", k)
        for p in ONE_PARAMS:
            if k == 0:
                update: float | str = ONE[p]
            elif optimizer == "sgd":
                update = f"{{{p}'}}+{{d{p}'}}" if sign < 0 else f"{{{p}'}}-{{d{p}'}}"
            elif optimizer == "momentum":
                update = f"{{{p}'}}-{{$eta}}*{{v_{p}'}}"
            else:
                update = f"{{{p}'}}-{{s_{p}'}}"
            put(p, row, col[p], update, k)
        for name, template in ONE_FORWARD.items():
            put(name, row, col[name], template, k)
        if optimizer == "sgd":
            for p, g in gradient.items():
                put(f"d{p}", row, col[f"d{p}"], ("-" if sign < 0 else "") + f"{hyper['eta']}*{g}", k)
            continue
        put("g_w2", row, col["g_w2"], ONE_GRADIENTS["w2"], k)
        put("g_w1", row, col["g_w1"], ONE_GRADIENTS["w1"], k)
        for p, g in gradient.items():
            if optimizer == "momentum":
                put(f"v_{p}", row, col[f"v_{p}"], g if k == 0 else f"{hyper['mu']}*{{v_{p}'}}+{g}", k)
                continue
            m0, v0 = ("0", "0") if k == 0 else (f"{{m_{p}'}}", f"{{v_{p}'}}")
            put(f"m_{p}", row, col[f"m_{p}"], f"{hyper['beta1']}*{m0}+(1-{hyper['beta1']})*{g}", k)
            put(f"v_{p}", row, col[f"v_{p}"], f"{hyper['beta2']}*{v0}+(1-{hyper['beta2']})*{g}^2", k)
            put(f"mh_{p}", row, col[f"mh_{p}"], f"{{m_{p}}}/(1-{hyper['beta1']}^{{t}})", k)
            put(f"vh_{p}", row, col[f"vh_{p}"], f"{{v_{p}}}/(1-{hyper['beta2']}^{{t}})", k)
            put(f"s_{p}", row, col[f"s_{p}"], f"{hyper['eta']}*{{mh_{p}}}/(SQRT({{vh_{p}}})+{hyper['eps']})", k)
    path = path.with_suffix(".xlsx")
    wb.save(path)
    return path, put


ACROSS_GROUP = ("w1", "b1", "w2", "b2", *ONE_FORWARD, "g_w2", "g_w1")
ACROSS_ETAS = (0.1, 0.5, 1.0)


def one_one_one_across(
    path: Path, *, iters: int = 8, etas: tuple[float, ...] = ACROSS_ETAS, mutate: str | None = None
) -> tuple[Path, Placer]:
    """The 1-1-1 network once per row, each row with its own η (a column "lr"), its iterations
    running across: a group of columns per iteration (w1 b1 w2 b2 z1 a1 z2 a2 E d2 d1 g_w2 g_w1)
    under "Iteration k", each group's parameters the update of the group before. Names are
    `w1@k` with the row's η appended: `g_w2@3/0.5` is g_w2 of iteration 3 in the η = 0.5 row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Across"
    put = Placer(ws)
    put.label(1, 1, "One network per row, its iterations across")
    for c, text in enumerate(("lr", "x", "y"), start=1):
        put.label(3, c, text)
    first = 5
    width = len(ACROSS_GROUP)
    gradient = dict(ONE_GRADIENTS) | {"w2": "{g_w2}", "w1": "{g_w1}"}
    for k in range(iters):
        put.label(2, first + k * width, f"Iteration {k}")
        for j, name in enumerate(ACROSS_GROUP):
            put.label(3, first + k * width + j, name)
    for r, eta in enumerate(etas):
        row = 4 + r
        here = mutate.rsplit("/", 1) if mutate else None
        rows = Placer(ws, here[0] if here and float(here[1]) == eta else None)
        rows("eta", row, 1, eta)
        rows("x", row, 2, ONE["x"], 0)
        rows("y", row, 3, ONE["y"], 0)
        eta_ref = f"$A{row}"  # the row's η, its column fixed as a formula filled right reads it
        for k in range(iters):
            rows.where[f"x@{k}"], rows.where[f"y@{k}"] = rows.where["x@0"], rows.where["y@0"]
            col = {n: first + k * width + j for j, n in enumerate(ACROSS_GROUP)}
            for p in ONE_PARAMS:
                before = gradient[p].replace("}", "'}")  # the gradient of the group before
                rows(p, row, col[p], ONE[p] if k == 0 else f"{{{p}'}}-{eta_ref}*{before}", k)
            for name, template in ONE_FORWARD.items():
                rows(name, row, col[name], template, k)
            rows("g_w2", row, col["g_w2"], ONE_GRADIENTS["w2"], k)
            rows("g_w1", row, col["g_w1"], ONE_GRADIENTS["w1"], k)
        for key, where in rows.where.items():
            put.where[f"{key}/{eta:g}"] = where
    path = path.with_suffix(".xlsx")
    wb.save(path)
    return path, put


# A 2-3-1 network, sigmoid hidden layer, linear output; x1 = 1, x2 = 2, y = 1 and zero biases: the
# small integers such sheets are full of.
XW = {
    "x": [1.0, 2.0],
    "y": [1.0],
    "W1": [[0.2, -0.3], [0.4, 0.1], [-0.5, 0.2]],
    "B1": [0.0, 0.0, 0.0],
    "W2": [[0.3, -0.2, 0.5]],
    "B2": [0.0],
}
XW_ETA = 0.1
XW_HEIGHT, XW_WIDTH = 34, 6  # a block's rows (stacked), a block's columns (side by side)


def xw_toml(iters: int = 6) -> str:
    return network_toml(
        [2, 3, 1],
        [XW["W1"], XW["W2"]],
        [XW["B1"], XW["B2"]],
        [(XW["x"], XW["y"])],
        lr=XW_ETA,
        iters=iters,
        output_activation="linear",
    )


def xw_blocks(path: Path, *, iters: int = 6, across: bool = False, mutate: str | None = None) -> tuple[Path, Placer]:
    """The 2-3-1 network as X·W sheets write it, a block per iteration (one below the other, or
    side by side when `across`). X is a row [x1 x2 1]; W1 is written transposed, inputs down and
    neurons across, its last row the biases B1 (the 1 of X multiplies them); A1 gets a 1 appended
    the same way for W2 (a column: h1 h2 h3, then B2). Then ŷ, E, dZ2 = ŷ − y, dW2 = A1ᵀ·dZ2 (its
    last entry ∂E/∂B2) and η·dW2, dA1 = dZ2·W2ᵀ, dZ1 = dA1∘A1∘(1 − A1), dW1 = Xᵀ·dZ1 (its last row
    ∂E/∂B1) and η·dW1. The next block's W1 and W2 are this block's minus the η· block. Names:
    `W1_ij` (input i, 2 for the bias; neuron j), `z_j`, `a_j`, `W2_i`, `yhat`, `E`, `d2`, `dW2_i`,
    `edW2_i`, `dA_j`, `dZ_j`, `dW1_ij`, `edW1_ij`, each `@t`."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "XW"
    put = Placer(ws, mutate)
    put.label(1, 1, "learning rate")
    put("eta", 1, 2, XW_ETA)
    eta = "{$eta}"
    for t in range(iters):
        top, left = (3, 1 + t * XW_WIDTH) if across else (3 + t * XW_HEIGHT, 1)

        def cell(r: int, c: int, top: int = top, left: int = left) -> tuple[int, int]:
            return top + r, left + c

        put.label(*cell(0, 0), f"Iteration {t}")
        put.label(*cell(1, 0), "X")
        for i in range(2):
            put(f"x_{i}", *cell(1, 1 + i), XW["x"][i] if t == 0 else f"{{x_{i}'}}", t)
        put("x_2", *cell(1, 3), 1, t)
        put.label(*cell(2, 0), "W1")
        for j in range(3):
            put.label(*cell(2, 1 + j), f"h{j + 1}")
        for i, label in enumerate(("x1", "x2", "bias")):
            put.label(*cell(3 + i, 0), label)
            for j in range(3):
                start = XW["W1"][j][i] if i < 2 else XW["B1"][j]
                put(f"W1_{i}{j}", *cell(3 + i, 1 + j), start if t == 0 else f"{{W1_{i}{j}'}}-{{edW1_{i}{j}'}}", t)
        put.label(*cell(6, 0), "Z1 = X·W1")
        for j in range(3):
            put(f"z_{j}", *cell(6, 1 + j), "+".join(f"{{x_{i}}}*{{W1_{i}{j}}}" for i in range(3)), t)
        put.label(*cell(7, 0), "A1")
        for j in range(3):
            put(f"a_{j}", *cell(7, 1 + j), f"1/(1+EXP(-{{z_{j}}}))", t)
        put("a_3", *cell(7, 4), 1, t)
        put.label(*cell(8, 0), "W2")
        put.label(*cell(8, 1), "o")
        for i, label in enumerate(("h1", "h2", "h3", "bias")):
            put.label(*cell(9 + i, 0), label)
            start = XW["W2"][0][i] if i < 3 else XW["B2"][0]
            put(f"W2_{i}", *cell(9 + i, 1), start if t == 0 else f"{{W2_{i}'}}-{{edW2_{i}'}}", t)
        rows = [("ŷ = A1·W2", "yhat", "+".join(f"{{a_{i}}}*{{W2_{i}}}" for i in range(4)))]
        rows += [("y", "y", XW["y"][0] if t == 0 else "{y'}"), ("E", "E", "0.5*({yhat}-{y})^2")]
        rows += [("dZ2 = ŷ − y", "d2", "{yhat}-{y}")]
        for r, (label, name, value) in enumerate(rows):
            put.label(*cell(13 + r, 0), label)
            put(name, *cell(13 + r, 1), value, t)
        put.label(*cell(17, 0), "dW2 = A1ᵀ·dZ2")
        put.label(*cell(21, 0), "η·dW2")
        for i in range(4):
            put(f"dW2_{i}", *cell(17 + i, 1), f"{{a_{i}}}*{{d2}}", t)
        for i in range(4):
            put(f"edW2_{i}", *cell(21 + i, 1), f"{eta}*{{dW2_{i}}}", t)
        put.label(*cell(25, 0), "dA1 = dZ2·W2ᵀ")
        put.label(*cell(26, 0), "dZ1 = dA1∘A1∘(1−A1)")
        for j in range(3):
            put(f"dA_{j}", *cell(25, 1 + j), f"{{d2}}*{{W2_{j}}}", t)
        for j in range(3):
            put(f"dZ_{j}", *cell(26, 1 + j), f"{{dA_{j}}}*{{a_{j}}}*(1-{{a_{j}}})", t)
        put.label(*cell(27, 0), "dW1 = Xᵀ·dZ1")
        put.label(*cell(30, 0), "η·dW1")
        for i in range(3):
            for j in range(3):
                put(f"dW1_{i}{j}", *cell(27 + i, 1 + j), f"{{x_{i}}}*{{dZ_{j}}}", t)
        for i in range(3):
            for j in range(3):
                put(f"edW1_{i}{j}", *cell(30 + i, 1 + j), f"{eta}*{{dW1_{i}{j}}}", t)
    path = path.with_suffix(".xlsx")
    wb.save(path)
    return path, put


# A 2-2-1 logistic network on XOR's four samples, as W·X sheets write it.
WX = {
    "x": [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
    "y": [0.0, 1.0, 1.0, 0.0],
    "W1": [[0.5, -0.4], [0.3, 0.8]],
    "B1": [0.1, -0.2],
    "W2": [[0.7, -0.6]],
    "B2": [0.05],
}
WX_ETA = 0.5
WX_HEIGHT, WX_WIDTH = 22, 11


def wx_toml(iters: int = 6) -> str:
    samples = [(x, [y]) for x, y in zip(WX["x"], WX["y"], strict=True)]
    return network_toml([2, 2, 1], [WX["W1"], WX["W2"]], [WX["B1"], WX["B2"]], samples, lr=WX_ETA, iters=iters)


def wx_blocks(path: Path, *, iters: int = 6, across: bool = False, mutate: str | None = None) -> tuple[Path, Placer]:
    """The 2-2-1 network on XOR as W·X sheets write it (AI by hand): neurons down, the four samples
    across, a block per iteration (one below the other, or side by side when `across`). X is 3×4,
    its last row ones; W1 is 2×3 and W2 1×3, each with its biases as the last column. Z1 = W1·X,
    A1 = σ(Z1) with a row of ones under it, Z2 = W2·A1, ŷ = σ(Z2), y, E = ½(ŷ − y)² per sample and
    L their mean, dZ2 = (ŷ − y)·ŷ·(1 − ŷ), dW2 = dZ2·A1ᵀ/4 (its last entry the mean ∂E/∂b2),
    dA1 = W2ᵀ·dZ2, dZ1 = dA1∘A1∘(1 − A1), dW1 = dZ1·Xᵀ/4; the next block's W = W − η·dW. Names:
    `W1_ji` (i = 2: the bias), `Z1_js`, `A1_js`, `W2_i`, `Z2_s`, `yhat_s`, `E_s`, `L`, `dZ2_s`,
    `dW2_i`, `dA1_js`, `dZ1_js`, `dW1_ji`, each `@t`."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "WX"
    put = Placer(ws, mutate)
    put.label(1, 1, "η")
    put("eta", 1, 2, WX_ETA)
    n = len(WX["y"])
    for t in range(iters):
        top, left = (3, 1 + t * WX_WIDTH) if across else (3 + t * WX_HEIGHT, 1)

        def cell(r: int, c: int, top: int = top, left: int = left) -> tuple[int, int]:
            return top + r, left + c

        def row(name: str, r: int) -> str:  # the four samples of a row, as a range
            (r0, c0), (_, c1) = cell(r, 5), cell(r, 4 + n)
            return f"{get_column_letter(c0)}{r0}:{get_column_letter(c1)}{r0}"

        put.label(*cell(0, 0), f"Iteration {t}")
        put.label(*cell(1, 4), "X")
        for s in range(n):
            for i in range(2):
                put(f"X_{i}{s}", *cell(1 + i, 5 + s), WX["x"][s][i] if t == 0 else f"{{X_{i}{s}'}}", t)
            put(f"X_2{s}", *cell(3, 5 + s), 1, t)
        put.label(*cell(4, 0), "W1 | b1")
        put.label(*cell(4, 4), "Z1 = W1·X")
        for j in range(2):
            for i in range(3):
                start = WX["W1"][j][i] if i < 2 else WX["B1"][j]
                value = start if t == 0 else f"{{W1_{j}{i}'}}-{{$eta}}*{{dW1_{j}{i}'}}"
                put(f"W1_{j}{i}", *cell(4 + j, 1 + i), value, t)
            for s in range(n):
                put(f"Z1_{j}{s}", *cell(4 + j, 5 + s), "+".join(f"{{W1_{j}{i}}}*{{X_{i}{s}}}" for i in range(3)), t)
        put.label(*cell(6, 4), "A1 = σ(Z1)")
        for j in range(2):
            for s in range(n):
                put(f"A1_{j}{s}", *cell(6 + j, 5 + s), f"1/(1+EXP(-{{Z1_{j}{s}}}))", t)
        for s in range(n):
            put(f"A1_2{s}", *cell(8, 5 + s), 1, t)
        put.label(*cell(9, 0), "W2 | b2")
        put.label(*cell(9, 4), "Z2 = W2·A1")
        for i in range(3):
            start = WX["W2"][0][i] if i < 2 else WX["B2"][0]
            put(f"W2_{i}", *cell(9, 1 + i), start if t == 0 else f"{{W2_{i}'}}-{{$eta}}*{{dW2_{i}'}}", t)
        for s in range(n):
            put(f"Z2_{s}", *cell(9, 5 + s), "+".join(f"{{W2_{i}}}*{{A1_{i}{s}}}" for i in range(3)), t)
        labels = {10: "ŷ = σ(Z2)", 11: "y", 12: "E = ½(ŷ − y)²", 13: "dZ2 = (ŷ − y)·ŷ·(1 − ŷ)"}
        for r, text in labels.items():
            put.label(*cell(r, 4), text)
        for s in range(n):
            put(f"yhat_{s}", *cell(10, 5 + s), f"1/(1+EXP(-{{Z2_{s}}}))", t)
            put(f"y_{s}", *cell(11, 5 + s), WX["y"][s] if t == 0 else f"{{y_{s}'}}", t)
            put(f"E_{s}", *cell(12, 5 + s), f"0.5*({{yhat_{s}}}-{{y_{s}}})^2", t)
            put(f"dZ2_{s}", *cell(13, 5 + s), f"({{yhat_{s}}}-{{y_{s}}})*{{yhat_{s}}}*(1-{{yhat_{s}}})", t)
        put.label(*cell(12, 2), "L")
        put("L", *cell(12, 3), f"AVERAGE({row('E', 12)})", t)
        put.label(*cell(14, 0), "dW2 = dZ2·A1ᵀ/4")
        for i in range(3):
            put(f"dW2_{i}", *cell(14, 1 + i), f"SUMPRODUCT({row('dZ2', 13)},{row('A1', 6 + i)})/{n}", t)
        put.label(*cell(15, 4), "dA1 = W2ᵀ·dZ2")
        put.label(*cell(17, 4), "dZ1 = dA1∘A1∘(1 − A1)")
        for j in range(2):
            for s in range(n):
                put(f"dA1_{j}{s}", *cell(15 + j, 5 + s), f"{{W2_{j}}}*{{dZ2_{s}}}", t)
            for s in range(n):
                put(f"dZ1_{j}{s}", *cell(17 + j, 5 + s), f"{{dA1_{j}{s}}}*{{A1_{j}{s}}}*(1-{{A1_{j}{s}}})", t)
        put.label(*cell(19, 0), "dW1 = dZ1·Xᵀ/4")
        for j in range(2):
            for i in range(3):
                put(f"dW1_{j}{i}", *cell(19 + j, 1 + i), f"SUMPRODUCT({row('dZ1', 17 + j)},{row('X', 1 + i)})/{n}", t)
    path = path.with_suffix(".xlsx")
    wb.save(path)
    return path, put


SAMPLE_COLUMNS = ("x1 x2 y z1 z2 a1 a2 zo yhat E do dh1 dh2 g_w11 g_w12 g_w21 g_w22 g_b1 g_b2 g_v1 g_v2 g_c").split()
SAMPLE_PARAMS = {  # the 2-2-1 network of `wx_blocks`: w_ji into hidden neuron j, v_j into the output
    "w11": WX["W1"][0][0],
    "w12": WX["W1"][0][1],
    "w21": WX["W1"][1][0],
    "w22": WX["W1"][1][1],
    "b1": WX["B1"][0],
    "b2": WX["B1"][1],
    "v1": WX["W2"][0][0],
    "v2": WX["W2"][0][1],
    "c": WX["B2"][0],
}
SAMPLE_FORMULAS = {
    "z1": "{w11}*{x1_s}+{w12}*{x2_s}+{b1}",
    "z2": "{w21}*{x1_s}+{w22}*{x2_s}+{b2}",
    "a1": "1/(1+EXP(-{z1_s}))",
    "a2": "1/(1+EXP(-{z2_s}))",
    "zo": "{v1}*{a1_s}+{v2}*{a2_s}+{c}",
    "yhat": "1/(1+EXP(-{zo_s}))",
    "E": "0.5*({yhat_s}-{y_s})^2",
    "do": "({yhat_s}-{y_s})*{yhat_s}*(1-{yhat_s})",
    "dh1": "{do_s}*{v1}*{a1_s}*(1-{a1_s})",
    "dh2": "{do_s}*{v2}*{a2_s}*(1-{a2_s})",
    "g_w11": "{dh1_s}*{x1_s}",
    "g_w12": "{dh1_s}*{x2_s}",
    "g_w21": "{dh2_s}*{x1_s}",
    "g_w22": "{dh2_s}*{x2_s}",
    "g_b1": "{dh1_s}",  # a reference to the cell beside: the bias's gradient is the neuron's error
    "g_b2": "{dh2_s}",
    "g_v1": "{do_s}*{a1_s}",
    "g_v2": "{do_s}*{a2_s}",
    "g_c": "{do_s}",
}


def sample_rows_blocks(path: Path, *, iters: int = 6, mutate: str | None = None) -> tuple[Path, Placer]:
    """The 2-2-1 network of `wx_blocks` on XOR, a block per iteration, a row per sample (AND and XOR
    sheets): the parameters w11 … c in a row, then the four samples' forward pass, errors and
    gradients (g_b1 = dh1 and g_b2 = dh2 as references), then their mean row, AVERAGE of each
    gradient column; the next block's parameters are these minus η times the mean. Names:
    `w11@t`, `dh2_1@t` (dh2 of sample 1), `mean_g_w21@t`."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "XOR"
    put = Placer(ws, mutate)
    put.label(1, 1, "lr")
    put("eta", 1, 2, WX_ETA)
    n, height = len(WX["y"]), 12
    for t in range(iters):
        top = 3 + t * height
        put.label(top, 1, f"Iteration {t}")
        for j, p in enumerate(SAMPLE_PARAMS):
            put.label(top + 1, 2 + j, p)
            start = SAMPLE_PARAMS[p]
            put(p, top + 2, 2 + j, start if t == 0 else f"{{{p}'}}-{{$eta}}*{{mean_g_{p}'}}", t)
        for j, name in enumerate(SAMPLE_COLUMNS):
            put.label(top + 3, 2 + j, name)
        for s in range(n):
            typed = {"x1": WX["x"][s][0], "x2": WX["x"][s][1], "y": WX["y"][s]}
            for j, name in enumerate(SAMPLE_COLUMNS):
                value = typed[name] if name in typed else SAMPLE_FORMULAS[name].replace("_s}", f"_{s}}}")
                put(f"{name}_{s}", top + 4 + s, 2 + j, value, t)
        put.label(top + 4 + n, 1, "mean")
        for j, name in enumerate(SAMPLE_COLUMNS):
            if name == "E" or name.startswith("g_"):
                (r0, c), (r1, _) = put.where[f"{name}_0@{t}"], put.where[f"{name}_{n - 1}@{t}"]
                column = get_column_letter(c)
                put(f"mean_{name}", top + 4 + n, 2 + j, f"AVERAGE({column}{r0}:{column}{r1})", t)
    path = path.with_suffix(".xlsx")
    wb.save(path)
    return path, put
