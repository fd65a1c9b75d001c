"""Workbooks as people make them by hand, in layouts sheetnet never writes.

Each is built here from numbers and formulas written out independently of sheetnet's engine:
the notes' own numbers, spreadsheet formulas typed as a student would, and a 2-2-2 network
computed by hand-rounding every step to 4 places.
"""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl

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
