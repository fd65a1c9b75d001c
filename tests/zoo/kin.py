"""Siblings of the real workbooks of other families: the same exercises done by other hands.

Each is a plausible cousin of a fixture in ../shared/fixtures (read there, never copied): Mazur's
worked example on one sheet or a sheet per iteration (`cardona-mazur`), a one-step 2-4-1 network
written a row per phase with η typed in the updates and the delta rule's signs (`luizcf-241`),
a logistic regression in blocks of uneven height (`mlifc-logreg`), and the course family's row
per iteration with its columns in another order and helper columns (`vishak-dlexcel`). Each
correct, or a copy with exactly one slip of the kind people make.
"""

from __future__ import annotations

from cells import Book
from openpyxl.utils import get_column_letter as C  # column number (1 = A) → letters
from openpyxl.worksheet.formula import ArrayFormula
from training import Net, Seen, train

SIG = "=1/(1+EXP(-{}))"


def mazur(lr: float, iters: int, *, train_biases: bool) -> Net:
    """Mazur's worked example: 2-2-2 sigmoid, i = (0.05, 0.10), t = (0.01, 0.99), biases 0.35 and 0.60."""
    return Net(
        [2, 2, 2],
        "sigmoid",
        "sigmoid",
        "half_squared_error",
        lr,
        iters,
        W=[[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
        B=[[0.35, 0.35], [0.60, 0.60]],
        samples=[([0.05, 0.10], [0.01, 0.99])],
        train_biases=train_biases,
    )


# Mazur's names: w1 w2 into h1, w3 w4 into h2, w5 w6 into o1, w7 w8 into o2
WEIGHTS = ["W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]", "W2[0,0]", "W2[0,1]", "W2[1,0]", "W2[1,1]"]


def deltas(v: Seen, W) -> dict[str, float]:
    """Mazur's intermediate quantities of one pass (for the expected values of helper cells)."""
    o1, o2 = v.a[1]
    d1, d2 = v.dS[1]
    return {
        "dE/do1": o1 - v.y[0],
        "do1/dn": o1 * (1 - o1),
        "dE/do2": o2 - v.y[1],
        "do2/dn": o2 * (1 - o2),
        "E1/h1": d1 * W[1][0][0],
        "E2/h1": d2 * W[1][1][0],
        "E1/h2": d1 * W[1][0][1],
        "E2/h2": d2 * W[1][1][1],
        "dh1": v.a[0][0] * (1 - v.a[0][0]),
        "dh2": v.a[0][1] * (1 - v.a[0][1]),
    }


def mazur_sheet(slip: bool = False) -> Book:
    """Mazur's example on one sheet, one iteration, his chain of intermediate cells; biases typed, not updated."""
    net = mazur(0.5, 1, train_biases=False)
    st = train(net)[0]
    v, d = st.seen[0], deltas(st.seen[0], st.W)
    name = "mazur-sheet-sum-slip.xlsx" if slip else "mazur-sheet.xlsx"
    book = Book(
        name,
        net,
        "mazur-sheet.toml",
        "Mazur's worked example on one sheet, one iteration: inputs and parameters down B4:B18, the "
        "forward pass in E4:E14 (E_total E14), his chain of intermediate cells in H4:H28 (∂E/∂out, δ, "
        "∂E_o1/∂out_h1 + ∂E_o2/∂out_h1, ∂E/∂w), the new weights in K9:K16; 2-2-2 sigmoid, one bias per "
        "layer typed (b1 0.35, b2 0.6) and never updated, ½ squared error; η in B2",
    )
    S = "Backprop"
    book.put(S, "A1", "Backpropagation, step by step (one iteration)")
    book.put(S, "A2", "learning rate")
    book.put(S, "B2", net.lr)
    for row, label, value in ((4, "i1", 0.05), (5, "i2", 0.10), (6, "target o1", 0.01), (7, "target o2", 0.99)):
        book.put(S, f"A{row}", label)
        book.put(S, f"B{row}", value, 0)
    book.params[0], book.updates[0] = {}, {}
    for n, p in enumerate(WEIGHTS):
        book.put(S, f"A{9 + n}", f"w{n + 1}")
        book.params[0][p] = book.put(S, f"B{9 + n}", st.param(p), 0, st.param(p))
    book.put(S, "A17", "b1")
    book.put(S, "B17", 0.35, 0, 0.35)
    book.put(S, "A18", "b2")
    book.put(S, "B18", 0.60, 0, 0.60)
    forward = [
        ("net h1", "=B9*B4+B10*B5+B17*1", v.s[0][0]),
        ("out h1", SIG.format("E4"), v.a[0][0]),
        ("net h2", "=B11*B4+B12*B5+B17*1", v.s[0][1]),
        ("out h2", SIG.format("E6"), v.a[0][1]),
        ("net o1", "=B13*E5+B14*E7+B18*1", v.s[1][0]),
        ("out o1", SIG.format("E8"), v.a[1][0]),
        ("net o2", "=B15*E5+B16*E7+B18*1", v.s[1][1]),
        ("out o2", SIG.format("E10"), v.a[1][1]),
        ("E o1", "=0.5*(B6-E9)^2", 0.5 * d["dE/do1"] ** 2),
        ("E o2", "=0.5*(B7-E11)^2", 0.5 * d["dE/do2"] ** 2),
        ("E total", "=E12+E13", st.loss),
    ]
    for n, (label, formula, value) in enumerate(forward):
        book.put(S, f"D{4 + n}", label)
        book.put(S, f"E{4 + n}", formula, 0, value)
    book.losses[0] = f"{S}!E14"
    g = {p: st.param(p, grad=True) for p in WEIGHTS}
    backward = {
        4: ("dE/dout o1", "=-(B6-E9)", d["dE/do1"]),
        5: ("dout o1/dnet o1", "=E9*(1-E9)", d["do1/dn"]),
        6: ("δ o1", "=H4*H5", v.dS[1][0]),
        7: ("dE/dout o2", "=-(B7-E11)", d["dE/do2"]),
        8: ("dout o2/dnet o2", "=E11*(1-E11)", d["do2/dn"]),
        9: ("δ o2", "=H7*H8", v.dS[1][1]),
        11: ("dE/dw5", "=H6*E5", g["W2[0,0]"]),
        12: ("dE/dw6", "=H6*E7", g["W2[0,1]"]),
        13: ("dE/dw7", "=H9*E5", g["W2[1,0]"]),
        14: ("dE/dw8", "=H9*E7", g["W2[1,1]"]),
        16: ("dE o1/dout h1", "=H6*B13", d["E1/h1"]),
        17: ("dE o2/dout h1", "=H9*B15", d["E2/h1"]),
        18: ("dE total/dout h1", "=H16+H17", d["E1/h1"] + d["E2/h1"]),
        19: ("dout h1/dnet h1", "=E5*(1-E5)", d["dh1"]),
        20: ("dE o1/dout h2", "=H6*B14", d["E1/h2"]),
        21: ("dE o2/dout h2", "=H9*B16", d["E2/h2"]),
        22: ("dE total/dout h2", "=H20+H21", d["E1/h2"] + d["E2/h2"]),
        23: ("dout h2/dnet h2", "=E7*(1-E7)", d["dh2"]),
        25: ("dE/dw1", "=H18*H19*B4", g["W1[0,0]"]),
        26: ("dE/dw2", "=H18*H19*B5", g["W1[0,1]"]),
        27: ("dE/dw3", "=H22*H23*B4", g["W1[1,0]"]),
        28: ("dE/dw4", "=H22*H23*B5", g["W1[1,1]"]),
    }
    for row, (label, formula, value) in backward.items():
        book.put(S, f"G{row}", label)
        key = book.put(S, f"H{row}", formula, 0, value)
        if slip and row == 18:
            book.seed(key, "=H16")
    grad_row = dict(zip(WEIGHTS, (25, 26, 27, 28, 11, 12, 13, 14), strict=True))
    book.put(S, "J8", "updated")
    for n, p in enumerate(WEIGHTS):
        book.put(S, f"J{9 + n}", f"w{n + 1}+")
        book.updates[0][p] = book.put(S, f"K{9 + n}", f"=B{9 + n}-$B$2*H{grad_row[p]}", 0, st.param(p, after=True))
    if slip:
        book.copy_of = "mazur-sheet.xlsx"
        book.first_slip = book.no_network_slip = [f"{S}!H18", f"{S}!H25"]
        book.no_network_exit = "1"
        book.why = (
            "∂E_total/∂out_h1 (H18) keeps only E_o1's path, =H16, where H16+H17 belongs (the sum over both "
            "outputs forgotten): so ∂E/∂w1 and ∂E/∂w2 (H25, H26) are wrong, the other six right. H18 is "
            "where the author went wrong; H25 is the first gradient that reads it"
        )
    return book


def mazur_biases(slip: bool = False) -> Book:
    """Mazur's example with a bias per neuron, updated; a parameter table beside the forward pass; η named."""
    net = Net(
        [2, 2, 2],
        "sigmoid",
        "sigmoid",
        "half_squared_error",
        0.5,
        1,
        W=mazur(0.5, 1, train_biases=True).W,
        B=[[0.35, 0.35], [0.60, 0.60]],
        samples=[([0.05, 0.10], [0.01, 0.99])],
    )
    st = train(net)[0]
    v = st.seen[0]
    name = "mazur-biases-ah-slip.xlsx" if slip else "mazur-biases.xlsx"
    book = Book(
        name,
        net,
        "mazur-biases.toml",
        "Mazur's worked example with a bias per neuron, updated: a parameter table (value B4:B15, "
        "gradient C4:C15, updated D4:D15; w1..w8, b1..b4), the forward pass in G4:G16 with E_total = "
        "½(t1 − out o1)² + ½(t2 − out o2)² in one cell (G16); each gradient one formula; η the defined name eta (I2)",
    )
    S = "NN"
    book.put(S, "A1", "Neural network, one iteration of gradient descent")
    book.put(S, "H2", "eta")
    book.put(S, "I2", net.lr)
    book.names["eta"] = f"{S}!$I$2"
    for col, head in zip("ABCD", ("parameter", "value", "gradient", "updated"), strict=True):
        book.put(S, f"{col}3", head)
    order = [*WEIGHTS, "B1[0]", "B1[1]", "B2[0]", "B2[1]"]
    labels = [f"w{n}" for n in range(1, 9)] + ["b1", "b2", "b3", "b4"]
    book.params[0], book.updates[0] = {}, {}
    for n, (p, label) in enumerate(zip(order, labels, strict=True)):
        book.put(S, f"A{4 + n}", label)
        book.params[0][p] = book.put(S, f"B{4 + n}", st.param(p), 0, st.param(p))
    book.put(S, "F3", "quantity")
    book.put(S, "G3", "value")
    forward = [
        ("i1", 0.05, 0.05),
        ("i2", 0.10, 0.10),
        ("t1", 0.01, 0.01),
        ("t2", 0.99, 0.99),
        ("net h1", "=B4*G4+B5*G5+B12", v.s[0][0]),
        ("out h1", SIG.format("G8"), v.a[0][0]),
        ("net h2", "=B6*G4+B7*G5+B13", v.s[0][1]),
        ("out h2", SIG.format("G10"), v.a[0][1]),
        ("net o1", "=B8*G9+B9*G11+B14", v.s[1][0]),
        ("out o1", SIG.format("G12"), v.a[1][0]),
        ("net o2", "=B10*G9+B11*G11+B15", v.s[1][1]),
        ("out o2", SIG.format("G14"), v.a[1][1]),
        ("E total", "=0.5*(G6-G13)^2+0.5*(G7-G15)^2", st.loss),
    ]
    for n, (label, content, value) in enumerate(forward):
        book.put(S, f"F{4 + n}", label)
        book.put(S, f"G{4 + n}", content, 0, value)
    book.losses[0] = f"{S}!G16"
    d1, d2 = "(G13-G6)*G13*(1-G13)", "(G15-G7)*G15*(1-G15)"
    h1, h2 = f"({d1}*B8+{d2}*B10)*G9*(1-G9)", f"({d1}*B9+{d2}*B11)*G11*(1-G11)"
    grads = [
        f"={h1}*G4",
        f"={h1}*G5",
        f"={h2}*G4",
        f"={h2}*G5",
        f"={d1}*G9",
        f"={d1}*G11",
        f"={d2}*G9",
        f"={d2}*G11",
        f"={h1}",
        f"={h2}",
        f"={d1}",
        f"={d2}",
    ]
    for n, (p, formula) in enumerate(zip(order, grads, strict=True)):
        key = book.put(S, f"C{4 + n}", formula, 0, st.param(p, grad=True))
        if slip and n < 2:  # w1, w2: σ' of h2 where h1's belongs
            book.seed(key, formula.replace("G9*(1-G9)", "G11*(1-G11)"))
        book.updates[0][p] = book.put(S, f"D{4 + n}", f"=B{4 + n}-eta*C{4 + n}", 0, st.param(p, after=True))
    if slip:
        book.copy_of = "mazur-biases.xlsx"
        book.first_slip = book.no_network_slip = [f"{S}!C4"]
        book.no_network_exit = "1"
        book.why = (
            "∂E/∂w1 and ∂E/∂w2 (C4, C5, copied down) take σ' of h2, out h2·(1 − out h2) (G11), where out "
            "h1's (G9) belongs; b1's gradient (C12) is right"
        )
    return book


def mazur_sheets() -> Book:
    """Mazur's example, a sheet per iteration (as cardona-mazur), δ cells, biases and η typed on every sheet."""
    net = mazur(0.5, 3, train_biases=False)
    steps = train(net)
    book = Book(
        "mazur-sheets.xlsx",
        net,
        "mazur-sheets.toml",
        "Mazur's worked example, a sheet per iteration (Iteration 1 … Iteration 3) down column B; "
        "inputs, targets, b1, b2 and η (B2) typed again on every sheet, biases never updated; δ cells "
        "B30:B33, gradients C9:C16 beside the weights, new weights D9:D16; each later sheet's weights are "
        "='Iteration 1'!D9 …; E_total = ((t1 − o1)² + (t2 − o2)²)/2 (B28)",
    )
    for t, st in enumerate(steps):
        S, v = f"Iteration {t + 1}", st.seen[0]
        book.put(S, "A1", f"Iteration {t + 1}")
        book.put(S, "A2", "eta")
        book.put(S, "B2", net.lr, t)
        for row, label, value in ((4, "i1", 0.05), (5, "i2", 0.10), (6, "t1", 0.01), (7, "t2", 0.99)):
            book.put(S, f"A{row}", label)
            book.put(S, f"B{row}", value, t)
        book.put(S, "B8", "value")
        book.put(S, "C8", "dE/dw")
        book.put(S, "D8", "new w")
        book.params[t], book.updates[t] = {}, {}
        for n, p in enumerate(WEIGHTS):
            book.put(S, f"A{9 + n}", f"w{n + 1}")
            content = st.param(p) if t == 0 else f"='Iteration {t}'!D{9 + n}"
            book.params[t][p] = book.put(S, f"B{9 + n}", content, t, st.param(p))
        book.put(S, "A17", "b1")
        book.put(S, "B17", 0.35, t, 0.35)
        book.put(S, "A18", "b2")
        book.put(S, "B18", 0.60, t, 0.60)
        rows = [
            ("net h1", "=B9*B4+B10*B5+B17", v.s[0][0]),
            ("out h1", SIG.format("B20"), v.a[0][0]),
            ("net h2", "=B11*B4+B12*B5+B17", v.s[0][1]),
            ("out h2", SIG.format("B22"), v.a[0][1]),
            ("net o1", "=B13*B21+B14*B23+B18", v.s[1][0]),
            ("out o1", SIG.format("B24"), v.a[1][0]),
            ("net o2", "=B15*B21+B16*B23+B18", v.s[1][1]),
            ("out o2", SIG.format("B26"), v.a[1][1]),
            ("E total", "=((B6-B25)^2+(B7-B27)^2)/2", st.loss),
        ]
        for n, (label, formula, value) in enumerate(rows):
            book.put(S, f"A{20 + n}", label)
            book.put(S, f"B{20 + n}", formula, t, value)
        book.losses[t] = f"{S}!B28"
        for row, label, formula, value in (
            (30, "δ o1", "=(B25-B6)*B25*(1-B25)", v.dS[1][0]),
            (31, "δ o2", "=(B27-B7)*B27*(1-B27)", v.dS[1][1]),
            (32, "δ h1", "=(B30*B13+B31*B15)*B21*(1-B21)", v.dS[0][0]),
            (33, "δ h2", "=(B30*B14+B31*B16)*B23*(1-B23)", v.dS[0][1]),
        ):
            book.put(S, f"A{row}", label)
            book.put(S, f"B{row}", formula, t, value)
        grads = ["=B32*B4", "=B32*B5", "=B33*B4", "=B33*B5", "=B30*B21", "=B30*B23", "=B31*B21", "=B31*B23"]
        for n, (p, formula) in enumerate(zip(WEIGHTS, grads, strict=True)):
            book.put(S, f"C{9 + n}", formula, t, st.param(p, grad=True))
            book.updates[t][p] = book.put(S, f"D{9 + n}", f"=B{9 + n}-$B$2*C{9 + n}", t, st.param(p, after=True))
    return book


def phases_241(slip: bool = False, loss: bool = True) -> Book:
    """A one-step 2-4-1 sigmoid network a row per phase (as luizcf-241): feed, back output, back hidden;
    η typed inside the updates, the delta rule's signs (error = t − y, w + η·δ·a). With `loss` False, as
    luizcf's: no loss written, and IN A is 0 (the build measures with a loss cell of its own, a probe)."""
    if loss:
        lr, x, W = 0.1, [1.0, 0.5], [[[0.2, 0.6], [0.5, 0.7], [0.4, 0.9], [0.8, 0.3]], [[0.6, 0.7, 0.3, 0.4]]]
    else:
        lr, x, W = 0.5, [0.0, 1.0], [[[0.3, 0.6], [0.5, 0.2], [0.1, 0.9], [0.7, 0.4]], [[0.5, 0.8, 0.2, 0.6]]]
    net = Net(
        [2, 4, 1],
        "sigmoid",
        "sigmoid",
        "half_squared_error",
        lr,
        1,
        W=W,
        B=[[0.0] * 4, [0.0]],
        samples=[(x, [1.0])],
        train_biases=False,
    )
    st = train(net)[0]
    v = st.seen[0]
    stem = "phases-241" if loss else "phases-241-noloss"
    name = f"{stem}-{'delta' if loss else 'input'}-slip.xlsx" if slip else f"{stem}.xlsx"
    summary = (
        "one step of a 2-4-1 sigmoid network without biases, a row per phase: feed (row 3: inputs, "
        "w1..w12, N1..N4 with sig and sig', N5, error = t − y, δ, the hidden errors and deltas, E = ½·error²), "
        "back output (row 5: w9..w12 = w + 0.1·δ·sig, w1..w8 copied), back hidden (row 6: w1..w8 = "
        "w + 0.1·δk·input); η = 0.1 typed inside the updates; w1..w4 from IN A to N1..N4, w5..w8 from IN B"
    )
    if not loss:
        summary = (
            "as phases-241 but as luizcf wrote it: no loss written anywhere (error = t − y, δ = sig'·error), "
            "input (0, 1) so w1..w4 do not move, η = 0.5 typed inside the updates (=L3+0.5*AG3*Q3); with no "
            "network file a judge may take ½·error² from error = t − y, or say it cannot judge"
        )
    book = Book(name, net, f"{stem}.toml", summary)
    S = "Sheet1"
    heads = ["Phase", "IN A", "IN B", *[f"w{n}" for n in range(1, 13)]]
    for k in range(1, 5):
        heads += [f"N{k}", f"sig(N{k})", f"sig'(N{k})"]
    heads += ["N5", "sig(N5)", "sig'(N5)", "desired", "error", "delta"]
    heads += [f"err N{k}" for k in range(1, 5)] + [f"delta N{k}" for k in range(1, 5)] + ["E"] * loss
    for n, h in enumerate(heads, start=1):
        book.put(S, f"{C(n)}2", h)
    # parameter → column: w1..w4 (IN A → N1..N4) D..G, w5..w8 (IN B → N1..N4) H..K, w9..w12 (N1..N4 → N5) L..O
    col = {f"W1[{k},0]": C(4 + k) for k in range(4)} | {f"W1[{k},1]": C(8 + k) for k in range(4)}
    col |= {f"W2[0,{k}]": C(12 + k) for k in range(4)}
    book.put(S, "A3", "feed")
    book.put(S, "B3", x[0], 0)
    book.put(S, "C3", x[1], 0)
    book.params[0], book.updates[0] = {}, {}
    for p, c in col.items():
        book.params[0][p] = book.put(S, f"{c}3", st.param(p), 0, st.param(p))
    for k in range(4):
        n, s, ds = C(16 + 3 * k), C(17 + 3 * k), C(18 + 3 * k)  # N_k, sig, sig' in P..AA
        book.put(S, f"{n}3", f"=(B3*{col[f'W1[{k},0]']}3)+(C3*{col[f'W1[{k},1]']}3)", 0, v.s[0][k])
        book.put(S, f"{s}3", SIG.format(f"{n}3"), 0, v.a[0][k])
        book.put(S, f"{ds}3", f"={s}3*(1-{s}3)", 0, v.a[0][k] * (1 - v.a[0][k]))
    y = v.a[1][0]
    book.put(S, "AB3", "=(Q3*L3)+(T3*M3)+(W3*N3)+(Z3*O3)", 0, v.s[1][0])
    book.put(S, "AC3", SIG.format("AB3"), 0, y)
    book.put(S, "AD3", "=AC3*(1-AC3)", 0, y * (1 - y))
    book.put(S, "AE3", 1.0, 0)
    book.put(S, "AF3", "=AE3-AC3", 0, 1.0 - y)
    book.put(S, "AG3", "=AD3*AF3", 0, -v.dS[1][0])
    for k in range(4):
        err, delta = C(34 + k), C(38 + k)  # AH..AK, AL..AO
        key = book.put(S, f"{err}3", f"={C(12 + k)}3*AG3", 0, -v.dS[1][0] * st.W[1][0][k])
        if slip and loss and k == 2:  # N3's error reads w12 (O) where w11 (N) belongs
            book.seed(key, "=O3*AG3")
        book.put(S, f"{delta}3", f"={C(18 + 3 * k)}3*{err}3", 0, -v.dS[0][k])
    book.losses[0] = book.put(S, "AP3", "=0.5*AF3^2", 0, st.loss)
    if not loss:  # no loss written: with no network file a judge may infer ½·error² or decline
        book.probes.add(book.losses[0])
        book.no_network_exit, book.no_network_slip = "any", ["any"]
    book.put(S, "A5", "back (output)")
    book.put(S, "A6", "back (hidden)")
    for c in "BC":
        book.put(S, f"{c}5", f"={c}3", 0, book.cells[f"{S}!{c}3"].content)
        book.put(S, f"{c}6", f"={c}5", 0, book.cells[f"{S}!{c}3"].content)
    for k in range(4):
        p, c = f"W2[0,{k}]", C(12 + k)
        sig = C(17 + 3 * k)
        formula = f"={c}3+{lr:g}*AG3*{sig}3"
        book.updates[0][p] = book.put(S, f"{c}5", formula, 0, st.param(p, after=True))
        book.put(S, f"{c}6", f"={c}5", 0, st.param(p, after=True))
    for k in range(4):
        for i, xc in enumerate("BC"):
            p = f"W1[{k},{i}]"
            c = col[p]
            book.put(S, f"{c}5", f"={c}3", 0, st.param(p))
            formula = f"={c}5+{lr:g}*{C(38 + k)}3*{xc}3"
            key = book.put(S, f"{c}6", formula, 0, st.param(p, after=True))
            book.updates[0][p] = key
            if slip and not loss and i == 1:  # IN B's weights read IN A (0): copied along from w1's formula
                book.seed(key, formula.replace("*C3", "*B3"))
    if slip and not loss:
        book.copy_of = "phases-241-noloss.xlsx"
        book.first_slip = [f"{S}!H6"]
        book.no_network_exit, book.no_network_slip = "any", ["any"]
        book.why = (
            "the updates of w5..w8 (H6:K6), IN B's weights, read IN A (B3, which is 0) where IN B (C3) belongs, "
            "copied along from w1's formula: w5..w8 do not move. No loss is written: with no network a judge "
            "may take ½·error² from error = t − y and name H6, or say it cannot judge"
        )
    elif slip:
        book.copy_of = "phases-241.xlsx"
        book.first_slip = book.no_network_slip = [f"{S}!AJ3", f"{S}!AN3"]
        book.no_network_exit = "1"
        book.why = (
            "the error back-propagated to N3 (AJ3) reads w12 (O3) where w11 (N3) belongs, =O3*AG3: N3's delta "
            "(AN3) and the updates of w3 and w7 (F6, J6) are wrong, the other ten right. AJ3 is where the author "
            "went wrong; AN3, the delta that reads it, is ∂E/∂N3 (with the delta rule's sign)"
        )
    return book


def logreg_blocks(slip: bool = False) -> Book:
    """Logistic regression in blocks of uneven height (as mlifc-logreg), X typed in every block, SUMPRODUCT."""
    samples = [([0.0, 1.0, 1.0], [0.0]), ([1.0, 1.0, 1.0], [1.0]), ([1.0, 0.0, 1.0], [1.0]), ([0.0, 1.0, 0.0], [0.0])]
    net = Net(
        [3, 1],
        "linear",
        "sigmoid",
        "cross_entropy",
        0.8,
        5,
        W=[[[0.5, -0.4, 0.1]]],
        B=[[0.0]],
        samples=samples,
        reduction="mean",
    )
    steps = train(net)
    name = "logreg-blocks-typed-slip.xlsx" if slip else "logreg-blocks.xlsx"
    starts = [3, 13, 24, 34, 46]  # blocks of 10, 11, 10 and 12 rows: a blank row added here and there
    book = Book(
        name,
        net,
        "logreg-blocks.toml",
        "logistic regression (3-1 sigmoid) in 5 blocks 'Epoch 1' … 'Epoch 5' of uneven height (rows 3, 13, "
        "24, 34, 46), X and y typed in every block (B:E), W a row (G:I) and b (J), z = SUMPRODUCT(x, W) + b, "
        "dW = SUMPRODUCT(x column, a − y)/4, db = AVERAGE(a − y), the updated row below; cross-entropy with LN, "
        "mean over 4 samples; η in B1",
    )
    S = "Sheet1"
    book.put(S, "A1", "Learning rate")
    book.put(S, "B1", net.lr)
    order = ["W1[0,0]", "W1[0,1]", "W1[0,2]", "B1[0]"]
    for t, st in enumerate(steps):
        r = starts[t]
        book.put(S, f"A{r}", f"Epoch {t + 1}")
        for c, head in zip("BCDEGHIJLMNOP", "x1 x2 x3 y w1 w2 w3 b z a a−y loss L".split(), strict=True):
            book.put(S, f"{c}{r + 1}", head)
        book.params[t], book.updates[t] = {}, {}
        for c, p in zip("GHIJ", order, strict=True):
            content = st.param(p) if t == 0 else f"={c}{starts[t - 1] + 7}"
            book.params[t][p] = book.put(S, f"{c}{r + 2}", content, t, st.param(p))
        for n, v in enumerate(st.seen):
            row = r + 2 + n
            for c, value in zip("BCDE", [*v.x, *v.y], strict=True):
                book.put(S, f"{c}{row}", value, t)
            formula = f"=SUMPRODUCT(B{row}:D{row},$G${r + 2}:$I${r + 2})+$J${r + 2}"
            book.put(S, f"L{row}", formula, t, v.s[0][0])
            book.put(S, f"M{row}", SIG.format(f"L{row}"), t, v.a[0][0])
            book.put(S, f"N{row}", f"=M{row}-E{row}", t, v.dS[0][0])
            book.put(S, f"O{row}", f"=-(E{row}*LN(M{row})+(1-E{row})*LN(1-M{row}))", t, v.loss)
        book.losses[t] = book.put(S, f"P{r + 2}", f"=SUM(O{r + 2}:O{r + 5})/4", t, st.loss)
        book.put(S, f"F{r + 6}", "gradient")
        book.put(S, f"F{r + 7}", "updated")
        for c, x, p in zip("GHI", "BCD", order[:3], strict=True):
            formula = f"=SUMPRODUCT({x}{r + 2}:{x}{r + 5},$N{r + 2}:$N{r + 5})/4"
            key = book.put(S, f"{c}{r + 6}", formula, t, st.param(p, grad=True))
            if slip and t == 2 and c == "H":  # epoch 3's dw2: epoch 2's value pasted over the formula
                book.seed(key, steps[1].param(p, grad=True))
        book.put(S, f"J{r + 6}", f"=AVERAGE(N{r + 2}:N{r + 5})", t, st.param("B1[0]", grad=True))
        for c, p in zip("GHIJ", order, strict=True):
            formula = f"={c}{r + 2}-$B$1*{c}{r + 6}"
            book.updates[t][p] = book.put(S, f"{c}{r + 7}", formula, t, st.param(p, after=True))
    if slip:
        book.copy_of = "logreg-blocks.xlsx"
        book.first_slip = book.no_network_slip = [f"{S}!H30"]
        book.no_network_exit = "1"
        book.why = (
            "in Epoch 3 (rows 24-33) dw2 (H30) is a number typed over its formula: Epoch 2's value (H19), "
            "pasted; epochs 1 and 2 are right"
        )
    return book


def course_helpers(slip: bool = False) -> Book:
    """The course family (2-2-2 logistic, no biases) a row per iteration, its columns in another order:
    E_total in one column, δ o1 and δ o2, ∂E1/∂a_h and ∂E2/∂a_h as four helper columns; η a defined name."""
    net = mazur(1.5, 7, train_biases=True)
    net.B = [[0.0, 0.0], [0.0, 0.0]]
    net.train_biases = False
    steps = train(net)
    name = "course-helpers-weight-slip.xlsx" if slip else "course-helpers.xlsx"
    book = Book(
        name,
        net,
        "course-helpers.toml",
        "the course's 2-2-2 logistic network without biases, a row per iteration (rows 6-12): i1 i2 t1 t2 "
        "typed per row, w1..w8, h, a_h, o, a_o, E_total = ½(t1 − a_o1)² + ½(t2 − a_o2)² in one column (V), "
        "δ o1 δ o2 (W:X), helper columns ∂E1/∂a_h1 ∂E2/∂a_h1 ∂E1/∂a_h2 ∂E2/∂a_h2 (Y:AB), ∂E/∂w1..w4 (AC:AF) "
        "before ∂E/∂w5..w8 (AG:AJ); η the defined name eta (B2)",
    )
    S = "Sheet1"
    book.put(S, "A1", "Backpropagation, 2-2-2, no biases")
    book.put(S, "A2", "η =")
    book.put(S, "B2", net.lr)
    book.names["eta"] = f"{S}!$B$2"
    heads = "iter i1 i2 t1 t2 w1 w2 w3 w4 w5 w6 w7 w8 h1 a_h1 h2 a_h2 o1 a_o1 o2 a_o2 E_total".split()
    heads += ["δ o1", "δ o2", "∂E1/∂a_h1", "∂E2/∂a_h1", "∂E1/∂a_h2", "∂E2/∂a_h2"]
    heads += [f"∂E/∂w{n}" for n in range(1, 9)]
    for n, h in enumerate(heads, start=1):
        book.put(S, f"{C(n)}5", h)
    pcol = dict(zip(WEIGHTS, "FGHIJKLM", strict=True))
    gcol = dict(zip(WEIGHTS, ["AC", "AD", "AE", "AF", "AG", "AH", "AI", "AJ"], strict=True))
    for t, st in enumerate(steps):
        r, v = 6 + t, st.seen[0]
        d = deltas(v, st.W)
        book.put(S, f"A{r}", t + 1)
        for c, value in zip("BCDE", [*v.x, *v.y], strict=True):
            book.put(S, f"{c}{r}", value, t)
        book.params[t] = {}
        for p, c in pcol.items():
            content = st.param(p) if t == 0 else f"={c}{r - 1}-eta*{gcol[p]}{r - 1}"
            book.params[t][p] = book.put(S, f"{c}{r}", content, max(t - 1, 0), st.param(p))
            if t > 0:
                book.updates.setdefault(t - 1, {})[p] = book.params[t][p]
        cells = [
            ("N", f"=F{r}*B{r}+G{r}*C{r}", v.s[0][0]),
            ("O", SIG.format(f"N{r}"), v.a[0][0]),
            ("P", f"=H{r}*B{r}+I{r}*C{r}", v.s[0][1]),
            ("Q", SIG.format(f"P{r}"), v.a[0][1]),
            ("R", f"=J{r}*O{r}+K{r}*Q{r}", v.s[1][0]),
            ("S", SIG.format(f"R{r}"), v.a[1][0]),
            ("T", f"=L{r}*O{r}+M{r}*Q{r}", v.s[1][1]),
            ("U", SIG.format(f"T{r}"), v.a[1][1]),
            ("V", f"=0.5*(D{r}-S{r})^2+0.5*(E{r}-U{r})^2", st.loss),
            ("W", f"=(S{r}-D{r})*S{r}*(1-S{r})", v.dS[1][0]),
            ("X", f"=(U{r}-E{r})*U{r}*(1-U{r})", v.dS[1][1]),
            ("Y", f"=W{r}*J{r}", d["E1/h1"]),
            ("Z", f"=X{r}*L{r}", d["E2/h1"]),
            ("AA", f"=W{r}*K{r}", d["E1/h2"]),
            ("AB", f"=X{r}*M{r}", d["E2/h2"]),
            ("AC", f"=(Y{r}+Z{r})*O{r}*(1-O{r})*B{r}", st.param("W1[0,0]", grad=True)),
            ("AD", f"=(Y{r}+Z{r})*O{r}*(1-O{r})*C{r}", st.param("W1[0,1]", grad=True)),
            ("AE", f"=(AA{r}+AB{r})*Q{r}*(1-Q{r})*B{r}", st.param("W1[1,0]", grad=True)),
            ("AF", f"=(AA{r}+AB{r})*Q{r}*(1-Q{r})*C{r}", st.param("W1[1,1]", grad=True)),
            ("AG", f"=W{r}*O{r}", st.param("W2[0,0]", grad=True)),
            ("AH", f"=W{r}*Q{r}", st.param("W2[0,1]", grad=True)),
            ("AI", f"=X{r}*O{r}", st.param("W2[1,0]", grad=True)),
            ("AJ", f"=X{r}*Q{r}", st.param("W2[1,1]", grad=True)),
        ]
        for c, formula, value in cells:
            key = book.put(S, f"{c}{r}", formula, t, value)
            if slip and c == "AB":  # ∂E2/∂a_h2 reads w7 (L) where w8 (M) belongs
                book.seed(key, f"=X{r}*L{r}")
        book.losses[t] = f"{S}!V{r}"
    if slip:
        book.copy_of = "course-helpers.xlsx"
        book.first_slip = book.no_network_slip = [f"{S}!AB6", f"{S}!AE6"]
        book.no_network_exit = "1"
        book.why = (
            "the helper ∂E2/∂a_h2 (AB) reads w7 (L) where w8 (M) belongs, =X6*L6, in every row: ∂E/∂w3 and "
            "∂E/∂w4 (AE, AF) are wrong from iteration 0, the other six right. AB6 is where the author went "
            "wrong; AE6 is the first gradient that reads it"
        )
    return book


def logreg_mmult_blocks(slip: bool = False) -> Book:
    """Logistic regression in blocks with MMULT array formulas (as mlifc-logreg), X and its transpose typed
    in every block, the sums written 1/4*SUM (LN, right)."""
    samples = [([1.0, 0.5], [1.0]), ([0.0, 1.0], [0.0]), ([0.5, 0.0], [1.0]), ([1.0, 1.0], [0.0])]
    net = Net(
        [2, 1],
        "linear",
        "sigmoid",
        "cross_entropy",
        1.0,
        6,
        W=[[[0.2, 0.4]]],
        B=[[0.1]],
        samples=samples,
        reduction="mean",
    )
    steps = train(net)
    book = Book(
        "logreg-mmult-blocks-count-slip.xlsx" if slip else "logreg-mmult-blocks.xlsx",
        net,
        "logreg-mmult-blocks.toml",
        "logistic regression (2-1 sigmoid) in 6 blocks of 14 rows 'Epoch 1' … (rows 2, 16, …, 72), X typed in "
        "every block (B:C) and its transpose typed below it (B:E), W a column (G) and b (H); {=MMULT(X, W)+b} "
        "and {=1/4*MMULT(Xᵀ, dz)} as array formulas, db = 1/4*SUM(dz), loss 1/4*SUM of the sample losses "
        "with LN; the next block's W and b are copies of the updated ones; η in B1",
    )
    S = "Sheet1"
    book.put(S, "A1", "Learning rate")
    book.put(S, "B1", net.lr)
    for t, st in enumerate(steps):
        r = 2 + 14 * t
        book.put(S, f"A{r}", f"Epoch {t + 1}")
        for c, head in zip("BCEGHJLNOP", "X1 X2 y W b z A loss total dz".split(), strict=True):
            book.put(S, f"{c}{r + 1}", head)
        book.params[t], book.updates[t] = {}, {}
        order = ["W1[0,0]", "W1[0,1]", "B1[0]"]
        for cell, p in zip((f"G{r + 2}", f"G{r + 3}", f"H{r + 2}"), order, strict=True):
            c, row = cell[0], int(cell[1:])
            content = st.param(p) if t == 0 else f"={'I' if c == 'G' else 'J'}{row - 8}"
            book.params[t][p] = book.put(S, cell, content, t, st.param(p))
        for n, v in enumerate(st.seen):
            row = r + 2 + n
            book.put(S, f"B{row}", v.x[0], t)
            book.put(S, f"C{row}", v.x[1], t)
            book.put(S, f"E{row}", v.y[0], t)
            book.put(S, f"L{row}", SIG.format(f"J{row}"), t, v.a[0][0])
            book.put(S, f"N{row}", f"=-(E{row}*LN(L{row})+(1-E{row})*LN(1-L{row}))", t, v.loss)
            book.put(S, f"P{row}", f"=L{row}-E{row}", t, v.dS[0][0])
        book.array(
            S,
            f"J{r + 2}:J{r + 5}",
            f"=MMULT(B{r + 2}:C{r + 5},G{r + 2}:G{r + 3})+H{r + 2}",
            t,
            [v.s[0][0] for v in st.seen],
        )
        book.losses[t] = book.put(S, f"O{r + 2}", f"=1/4*SUM(N{r + 2}:N{r + 5})", t, st.loss)
        book.put(S, f"A{r + 7}", "Xᵀ")
        for i in range(2):
            for n, v in enumerate(st.seen):
                book.put(S, f"{C(2 + n)}{r + 7 + i}", v.x[i], t)
        book.put(S, f"G{r + 6}", "dW")
        book.put(S, f"H{r + 6}", "db")
        book.put(S, f"I{r + 6}", "new W")
        book.put(S, f"J{r + 6}", "new b")
        keys = book.array(
            S,
            f"G{r + 8}:G{r + 9}",
            f"=1/4*MMULT(B{r + 7}:E{r + 8},P{r + 2}:P{r + 5})",
            t,
            [st.param(p, grad=True) for p in order[:2]],
        )
        if slip:  # dW divided by 3 where there are 4 samples (db right), in every block
            book.seed(keys[0], ArrayFormula(f"G{r + 8}:G{r + 9}", f"=1/3*MMULT(B{r + 7}:E{r + 8},P{r + 2}:P{r + 5})"))
        book.put(S, f"H{r + 8}", f"=1/4*SUM(P{r + 2}:P{r + 5})", t, st.param("B1[0]", grad=True))
        for i, p in enumerate(order[:2]):
            book.updates[t][p] = book.put(
                S, f"I{r + 8 + i}", f"=G{r + 2 + i}-$B$1*G{r + 8 + i}", t, st.param(p, after=True)
            )
        book.updates[t]["B1[0]"] = book.put(
            S, f"J{r + 8}", f"=H{r + 2}-$B$1*H{r + 8}", t, st.param("B1[0]", after=True)
        )
    if slip:
        book.copy_of = "logreg-mmult-blocks.xlsx"
        book.first_slip = book.no_network_slip = [f"{S}!G10"]
        book.no_network_exit = "1"
        book.why = (
            "dW divides by 3 where there are 4 samples, {=1/3*MMULT(Xᵀ, dz)} (G10:G11, every block), while db "
            "(H10) divides by 4: the weights' steps are 4/3 of the derivative of the sheet's own mean loss, the "
            "bias's 1, so no one factor fits; G10 is iteration 0's"
        )
    return book
