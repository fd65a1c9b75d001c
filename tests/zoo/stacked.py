"""The families of a block or a sheet per iteration: each workbook correct, or with its seeded slip."""

from __future__ import annotations

from cells import DELTA_RULE_221, PARAMETERS_221, Book
from openpyxl.utils import get_column_letter as C  # column number (1 = A) → letters
from training import Net, train


def transposed_batch(slip: bool = False) -> Book:
    """Family 3: neurons down, samples across, a block per iteration; 2-2-1 sigmoid, 3 samples, mean ½ squared error."""
    samples = [([0.2, 0.9], [0.1]), ([0.8, 0.4], [0.7]), ([0.5, 0.5], [0.4])]
    net = Net(
        [2, 2, 1],
        "sigmoid",
        "sigmoid",
        "half_squared_error",
        0.5,
        3,
        W=[[[0.3, -0.2], [0.4, 0.1]], [[0.5, -0.4]]],
        B=[[0.0, 0.1], [0.1]],
        samples=samples,
        reduction="mean",
    )
    steps = train(net)
    name = "transposed-batch-product-slip.xlsx" if slip else "transposed-batch.xlsx"
    book = Book(
        name,
        net,
        "transposed-batch.toml",
        "transposed: neurons down, samples across (C-E), a block of "
        "15 rows per iteration (rows 8, 24, 40) with its parameter table in H:J; 2-2-1 sigmoid, batch of 3, "
        "mean ½ squared error; η in B2",
    )
    S = "Batch"
    book.put(S, "A1", "2-2-1 sigmoid, batch of 3 samples (mean loss): neurons down, samples across")
    book.put(S, "A2", "η")
    book.put(S, "B2", net.lr)
    for n in range(3):
        book.put(S, f"{C(3 + n)}3", f"sample {n + 1}")
        book.put(S, f"{C(3 + n)}4", samples[n][0][0])
        book.put(S, f"{C(3 + n)}5", samples[n][0][1])
        book.put(S, f"{C(3 + n)}6", samples[n][1][0])
    for row, label in ((4, "x1"), (5, "x2"), (6, "t")):
        book.put(S, f"A{row}", label)
    # the parameter table, a row per neuron (h1, h2, o) and a column per input (in1, in2, bias): parameter →
    # (column, row in the block); each gradient sits in the same column, 11 rows below, beside its δ row
    neurons = (("W1[0,0]", "W1[0,1]", "B1[0]"), ("W1[1,0]", "W1[1,1]", "B1[1]"), ("W2[0,0]", "W2[0,1]", "B2[0]"))
    place = {p: (col, 1 + k) for k, row in enumerate(neurons) for col, p in zip("HIJ", row, strict=True)}
    to_gradient = 11  # rows from a parameter to its gradient
    labels = ["x1", "x2", "t", "net h1", "net h2", "out h1", "out h2", "net o", "out o", "E", "δ o", "δ h1", "δ h2"]
    for t, st in enumerate(steps):
        r = 8 + 16 * t
        book.put(S, f"A{r}", f"Iteration {t}")
        for n in range(3):
            book.put(S, f"{C(3 + n)}{r}", f"sample {n + 1}")
        book.put(S, f"F{r}", "mean")
        for col, head in zip("GHIJ", ("", "w · in1", "w · in2", "b"), strict=True):
            if head:
                book.put(S, f"{col}{r}", head)
        for k, label in enumerate(("h1", "h2", "o")):
            book.put(S, f"G{r + 1 + k}", label)
        for k, label in enumerate(("∂E/∂ h1", "∂E/∂ h2", "∂E/∂ o")):
            book.put(S, f"G{r + 12 + k}", label)
        for n, label in enumerate(labels):
            book.put(S, f"A{r + 1 + n}", label)
        book.params[t] = {}
        for p, (col, k) in place.items():
            before = r - 16 + k  # the previous block's row of this parameter
            content = st.param(p) if t == 0 else f"={col}{before}-$B$2*{col}{before + to_gradient}"
            book.params[t][p] = book.put(S, f"{col}{r + k}", content, max(t - 1, 0), st.param(p))
            if t > 0:
                book.updates.setdefault(t - 1, {})[p] = book.params[t][p]
        for n, v in enumerate(st.seen):
            c = C(3 + n)
            for k in range(3):
                book.put(S, f"{c}{r + 1 + k}", f"={c}${4 + k}", t, (v.x + v.y)[k])
            book.put(S, f"{c}{r + 4}", f"=$H{r + 1}*{c}{r + 1}+$I{r + 1}*{c}{r + 2}+$J{r + 1}", t, v.s[0][0])
            book.put(S, f"{c}{r + 5}", f"=$H{r + 2}*{c}{r + 1}+$I{r + 2}*{c}{r + 2}+$J{r + 2}", t, v.s[0][1])
            book.put(S, f"{c}{r + 6}", f"=1/(1+EXP(-{c}{r + 4}))", t, v.a[0][0])
            book.put(S, f"{c}{r + 7}", f"=1/(1+EXP(-{c}{r + 5}))", t, v.a[0][1])
            book.put(S, f"{c}{r + 8}", f"=$H{r + 3}*{c}{r + 6}+$I{r + 3}*{c}{r + 7}+$J{r + 3}", t, v.s[1][0])
            book.put(S, f"{c}{r + 9}", f"=1/(1+EXP(-{c}{r + 8}))", t, v.a[1][0])
            book.put(S, f"{c}{r + 10}", f"=0.5*({c}{r + 9}-{c}{r + 3})^2", t, v.loss)
            y, tt = f"{c}{r + 9}", f"{c}{r + 3}"
            key = book.put(S, f"{c}{r + 11}", f"=({y}-{tt})*{y}*(1-{y})", t, v.dS[1][0])
            if slip:
                book.seed(key, f"={y}*{tt}*{y}*(1-{y})")
            book.put(S, f"{c}{r + 12}", f"={c}{r + 11}*$H{r + 3}*{c}{r + 6}*(1-{c}{r + 6})", t, v.dS[0][0])
            book.put(S, f"{c}{r + 13}", f"={c}{r + 11}*$I{r + 3}*{c}{r + 7}*(1-{c}{r + 7})", t, v.dS[0][1])
        book.losses[t] = book.put(S, f"F{r + 10}", f"=AVERAGE(C{r + 10}:E{r + 10})", t, st.loss)
        # each neuron's δ row and its inputs' rows: h1 and h2 read x1, x2; o reads out h1, out h2
        for (w_in1, w_in2, bias), delta, inputs in zip(
            neurons, (r + 12, r + 13, r + 11), ((r + 1, r + 2), (r + 1, r + 2), (r + 6, r + 7)), strict=True
        ):
            for p, src in zip((w_in1, w_in2), inputs, strict=True):
                col, k = place[p]
                formula = f"=SUMPRODUCT(C{delta}:E{delta},C{src}:E{src})/3"
                book.put(S, f"{col}{r + k + to_gradient}", formula, t, st.param(p, grad=True))
            col, k = place[bias]
            book.put(S, f"{col}{r + k + to_gradient}", f"=AVERAGE(C{delta}:E{delta})", t, st.param(bias, grad=True))
    if slip:
        book.copy_of = "transposed-batch.xlsx"
        book.first_slip = [f"{S}!C19"]
        book.no_network_exit = "1"
        book.no_network_slip = [f"{S}!C19", f"{S}!D19", f"{S}!E19", f"{S}!H20", f"{S}!I20", f"{S}!J20"]
        book.why = (
            "δ o reads out·t where out − t belongs: C17*C11*C17*(1−C17), in every sample and block; C19 is "
            "sample 1's in iteration 0. The factor out·t/(out − t) differs from sample to sample, so the mean "
            "gradients are not proportional to the true ones: the sheet contradicts its own forward pass. With "
            "no network a judge may name a δ o cell of iteration 0 or the first gradient that reads them (H20)"
        )
    return book


def sheet_per_epoch(slip: bool = False) -> Book:
    """Family 4: a sheet per epoch, down one column; the next sheet's weights are ='Epoch 1'!E26 references."""
    net = Net(
        [2, 2, 1],
        "sigmoid",
        "sigmoid",
        "half_squared_error",
        0.9,
        4,
        W=[[[0.1, 0.8], [0.4, 0.6]], [[0.3, 0.9]]],
        B=[[0.1, -0.1], [0.05]],
        samples=[([0.35, 0.9], [0.5])],
    )
    steps = train(net)
    name = "sheet-per-epoch-sigma-slip.xlsx" if slip else "sheet-per-epoch.xlsx"
    book = Book(
        name,
        net,
        "sheet-per-epoch.toml",
        "a sheet per epoch (Epoch 1 … Epoch 4), down column C; each "
        "sheet's weights are references to the previous sheet's updates; 2-2-1 sigmoid, ½ squared error; η on "
        "Epoch 1 (C1), the later sheets' η are references to it",
    )
    order = ["W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]", "B1[0]", "B1[1]", "W2[0,0]", "W2[0,1]", "B2[0]"]
    labels = ["w1", "w2", "w3", "w4", "b1", "b2", "w5", "w6", "b3"]
    for t, st in enumerate(steps):
        S, v = f"Epoch {t + 1}", st.seen[0]
        prev = f"'Epoch {t}'"
        book.put(S, "B1", "learning rate")
        book.put(S, "C1", net.lr if t == 0 else "='Epoch 1'!C1", -1 if t == 0 else t, net.lr)
        for row, label, value in ((3, "x1", v.x[0]), (4, "x2", v.x[1]), (5, "target", v.y[0])):
            book.put(S, f"B{row}", label)
            book.put(S, f"C{row}", value, t)
        book.params[t] = {}
        for n, (p, label) in enumerate(zip(order, labels, strict=True)):
            book.put(S, f"B{7 + n}", label)
            content = st.param(p) if t == 0 else f"={prev}!E{26 + n}"
            book.params[t][p] = book.put(S, f"C{7 + n}", content, t, st.param(p))
        rows = [
            ("net h1", "=C7*C3+C8*C4+C11", v.s[0][0]),
            ("net h2", "=C9*C3+C10*C4+C12", v.s[0][1]),
            ("out h1", "=1/(1+EXP(-C17))", v.a[0][0]),
            ("out h2", "=1/(1+EXP(-C18))", v.a[0][1]),
            ("net o", "=C13*C19+C14*C20+C15", v.s[1][0]),
            ("out o", "=1/(1+EXP(-C21))", v.a[1][0]),
            ("E", "=0.5*(C5-C22)^2", v.loss),
            ("δ o", "=(C22-C5)*C22*(1-C22)", v.dS[1][0]),
        ]
        for n, (label, formula, value) in enumerate(rows):
            book.put(S, f"B{17 + n}", label)
            key = book.put(S, f"C{17 + n}", formula, t, value)
            if label == "E":
                book.losses[t] = key
        grads = [
            "=C24*C13*C19*(1-C19)*C3",
            "=C24*C13*C19*(1-C19)*C4",
            "=C24*C14*C20*(1-C20)*C3",
            "=C24*C14*C20*(1-C20)*C4",
            "=C24*C13*C19*(1-C19)",
            "=C24*C14*C20*(1-C20)",
            "=C24*C19",
            "=C24*C20",
            "=C24",
        ]
        book.put(S, "B25", "gradients")
        book.put(S, "E25", "updated")
        book.updates[t] = {}
        for n, (p, label, formula) in enumerate(zip(order, labels, grads, strict=True)):
            book.put(S, f"B{26 + n}", f"dE/d{label}")
            key = book.put(S, f"C{26 + n}", formula, t, st.param(p, grad=True))
            if slip and label == "w3":
                book.seed(key, "=C24*C14*C19*(1-C19)*C3")
            book.put(S, f"D{26 + n}", f"{label} new")
            book.updates[t][p] = book.put(S, f"E{26 + n}", f"=C{7 + n}-$C$1*C{26 + n}", t, st.param(p, after=True))
    if slip:
        book.copy_of = "sheet-per-epoch.xlsx"
        book.first_slip = book.no_network_slip = ["'Epoch 1'!C28"]
        book.no_network_exit = "1"
        book.why = (
            "dE/dw3 uses σ' of h1, out h1·(1 − out h1) (C19), where out h2's (C20) belongs, on every sheet; "
            "the other eight gradients are right"
        )
    return book


def blocks(slip: bool = False) -> Book:
    """Family 6: a block of 16 rows per iteration, stacked; 1-2-1 sigmoid, linear output; η typed in the updates."""
    net = Net(
        [1, 2, 1],
        "sigmoid",
        "linear",
        "half_squared_error",
        0.1,
        5,
        W=[[[0.8], [-0.5]], [[0.9, -0.3]]],
        B=[[0.1, 0.2], [0.1]],
        samples=[([1.5], [0.6])],
    )
    steps = train(net)
    name = "blocks-121-typed-slip.xlsx" if slip else "blocks-121.xlsx"
    book = Book(
        name,
        net,
        "blocks-121.toml",
        "a block of 16 rows per iteration (rows 3, 20, 37, 54, 71), stacked; "
        "each block's parameters are copies of the previous block's updated values (E:F); 1-2-1 sigmoid, "
        "linear output, ½ squared error; η = 0.1 typed inside the updates (=B4-0.1*B15)",
    )
    S = "Sheet1"
    book.put(S, "A1", "1-2-1 network, a block per iteration")
    # parameter → (row offset in the block, column)
    place = {
        "W1[0,0]": (1, "B"),
        "W1[1,0]": (1, "C"),
        "B1[0]": (2, "B"),
        "B1[1]": (2, "C"),
        "W2[0,0]": (3, "B"),
        "W2[0,1]": (3, "C"),
        "B2[0]": (4, "B"),
    }
    new_col = {"B": "E", "C": "F"}
    for t, st in enumerate(steps):
        r, v = 3 + 17 * t, st.seen[0]
        book.put(S, f"A{r}", f"Iteration {t + 1}")
        for k, label in enumerate(
            (
                "w1",
                "b1",
                "w2",
                "b2",
                "x",
                "y",
                "net",
                "out",
                "ŷ",
                "E",
                "δ = ŷ − y",
                "dE/dw1",
                "dE/db1",
                "dE/dw2",
                "dE/db2",
            ),
            start=1,
        ):
            book.put(S, f"A{r + k}", label)
        for k, label in enumerate(("new w1", "new b1", "new w2", "new b2")):
            book.put(S, f"D{r + 12 + k}", label)
        book.params[t], book.updates[t] = {}, {}
        for p, (k, col) in place.items():
            content = st.param(p) if t == 0 else f"={new_col[col]}{r - 17 + 11 + k}"
            book.params[t][p] = book.put(S, f"{col}{r + k}", content, t, st.param(p))
        book.put(S, f"B{r + 5}", v.x[0], t)
        book.put(S, f"B{r + 6}", v.y[0], t)
        for j, col in enumerate("BC"):
            book.put(S, f"{col}{r + 7}", f"={col}{r + 1}*B{r + 5}+{col}{r + 2}", t, v.s[0][j])
            book.put(S, f"{col}{r + 8}", f"=1/(1+EXP(-{col}{r + 7}))", t, v.a[0][j])
        book.put(S, f"B{r + 9}", f"=B{r + 3}*B{r + 8}+C{r + 3}*C{r + 8}+B{r + 4}", t, v.a[1][0])
        book.losses[t] = book.put(S, f"B{r + 10}", f"=0.5*(B{r + 9}-B{r + 6})^2", t, v.loss)
        book.put(S, f"B{r + 11}", f"=B{r + 9}-B{r + 6}", t, v.dS[1][0])
        d = f"B{r + 11}"
        grads = {
            "W1[0,0]": f"={d}*B{r + 3}*B{r + 8}*(1-B{r + 8})*B{r + 5}",
            "W1[1,0]": f"={d}*C{r + 3}*C{r + 8}*(1-C{r + 8})*B{r + 5}",
            "B1[0]": f"={d}*B{r + 3}*B{r + 8}*(1-B{r + 8})",
            "B1[1]": f"={d}*C{r + 3}*C{r + 8}*(1-C{r + 8})",
            "W2[0,0]": f"={d}*B{r + 8}",
            "W2[0,1]": f"={d}*C{r + 8}",
            "B2[0]": f"={d}",
        }
        for p, formula in grads.items():
            k, col = place[p]
            key = book.put(S, f"{col}{r + 11 + k}", formula, t, st.param(p, grad=True))
            if slip and t == 3 and p == "W1[1,0]":
                book.seed(key, steps[2].param(p, grad=True))  # last iteration's value, pasted over the formula
            book.updates[t][p] = book.put(
                S, f"{new_col[col]}{r + 11 + k}", f"={col}{r + k}-0.1*{col}{r + 11 + k}", t, st.param(p, after=True)
            )
    if slip:
        book.copy_of = "blocks-121.xlsx"
        book.first_slip = book.no_network_slip = [f"{S}!C66"]
        book.no_network_exit = "1"
        book.why = (
            "in iteration 3 (block 'Iteration 4', rows 54-69) dE/dw1 of h2 (C66) is a number typed over its "
            "formula: iteration 2's value (C49), pasted; iterations 0-2 are right"
        )
    return book


def logreg_mmult() -> Book:
    """Family 8b: logistic regression in blocks per epoch with MMULT array formulas (and TRANSPOSE)."""
    samples = [([1.0, 0.0, 1.0], [1.0]), ([0.0, 1.0, 1.0], [0.0]), ([1.0, 1.0, 0.0], [1.0]), ([0.0, 0.0, 1.0], [0.0])]
    net = Net(
        [3, 1],
        "linear",
        "sigmoid",
        "cross_entropy",
        1.0,
        5,
        W=[[[0.3, -0.1, 0.2]]],
        B=[[0.0]],
        samples=samples,
        reduction="mean",
    )
    steps = train(net)
    book = Book(
        "logreg-mmult.xlsx",
        net,
        "logreg-mmult.toml",
        "logistic regression (3-1 sigmoid) in blocks per "
        "epoch (rows 14, 26, …, 62), X typed once (B4:D7); z = MMULT(X, W) + b and dW = MMULT(TRANSPOSE(X), "
        "dz)/4 as array formulas; cross-entropy with LN, mean over 4 samples; η in B1",
    )
    S = "Sheet1"
    book.put(S, "A1", "Learning rate")
    book.put(S, "B1", net.lr)
    book.put(S, "A3", "X")
    book.put(S, "F3", "y")
    for n, (x, y) in enumerate(samples):
        for col, value in zip("BCD", x, strict=True):
            book.put(S, f"{col}{4 + n}", value)
        book.put(S, f"F{4 + n}", y[0])
    for t, st in enumerate(steps):
        r = 14 + 12 * t
        book.put(S, f"A{r}", f"Epoch {t + 1}")
        for col, head in zip("BCEFGHI", ("W", "b", "z", "A", "sample loss", "L", "dz"), strict=True):
            book.put(S, f"{col}{r + 1}", head)
        for col, head in zip("BCEF", ("dW", "db", "new W", "new b"), strict=True):
            book.put(S, f"{col}{r + 7}", head)
        book.params[t], book.updates[t] = {}, {}
        for i in range(3):
            p = f"W1[0,{i}]"
            content = st.param(p) if t == 0 else f"=E{r - 12 + 8 + i}"
            book.params[t][p] = book.put(S, f"B{r + 2 + i}", content, t, st.param(p))
        content = st.param("B1[0]") if t == 0 else f"=F{r - 12 + 8}"
        book.params[t]["B1[0]"] = book.put(S, f"C{r + 2}", content, t, st.param("B1[0]"))
        book.array(
            S, f"E{r + 2}:E{r + 5}", f"=MMULT($B$4:$D$7,B{r + 2}:B{r + 4})+C{r + 2}", t, [v.s[0][0] for v in st.seen]
        )
        for n, v in enumerate(st.seen):
            row = r + 2 + n
            book.put(S, f"F{row}", f"=1/(1+EXP(-E{row}))", t, v.a[0][0])
            book.put(S, f"G{row}", f"=-($F${4 + n}*LN(F{row})+(1-$F${4 + n})*LN(1-F{row}))", t, v.loss)
            book.put(S, f"I{row}", f"=F{row}-$F${4 + n}", t, v.dS[0][0])
        book.losses[t] = book.put(S, f"H{r + 2}", f"=AVERAGE(G{r + 2}:G{r + 5})", t, st.loss)
        book.array(
            S,
            f"B{r + 8}:B{r + 10}",
            f"=MMULT(TRANSPOSE($B$4:$D$7),I{r + 2}:I{r + 5})/4",
            t,
            [st.param(f"W1[0,{i}]", grad=True) for i in range(3)],
        )
        book.put(S, f"C{r + 8}", f"=AVERAGE(I{r + 2}:I{r + 5})", t, st.param("B1[0]", grad=True))
        for i in range(3):
            p = f"W1[0,{i}]"
            book.updates[t][p] = book.put(
                S, f"E{r + 8 + i}", f"=B{r + 2 + i}-$B$1*B{r + 8 + i}", t, st.param(p, after=True)
            )
        book.updates[t]["B1[0]"] = book.put(
            S, f"F{r + 8}", f"=C{r + 2}-$B$1*C{r + 8}", t, st.param("B1[0]", after=True)
        )
    return book


def xor_delta_rule() -> Book:
    """Family 10: XOR, 2-2-1 sigmoid, the delta rule's signs: δ = (t − y)·y(1 − y), w ← w + η·Σ δ·a."""
    samples = [([0.0, 0.0], [0.0]), ([0.0, 1.0], [1.0]), ([1.0, 0.0], [1.0]), ([1.0, 1.0], [0.0])]
    net = Net(
        [2, 2, 1],
        "sigmoid",
        "sigmoid",
        "half_squared_error",
        0.5,
        4,
        W=[[[0.6, -0.4], [-0.5, 0.7]], [[0.8, 0.9]]],
        B=[[0.1, -0.1], [-0.3]],
        samples=samples,
        reduction="sum",
    )
    steps = train(net)
    book = Book(
        "xor-delta-rule.xlsx",
        net,
        "xor-delta-rule.toml",
        "XOR, a block of 4 rows (a row per sample) per "
        "iteration (rows 4, 9, 14, 19), parameters on each block's first row; 2-2-1 sigmoid, ½ squared error "
        "summed over the samples; the delta rule: δ = (t − y)·y(1 − y), w + η·SUMPRODUCT(δ, input); η in B1",
    )
    S = "XOR"
    book.put(S, "A1", "eta")
    book.put(S, "B1", net.lr)
    heads = [*"iteration x1 x2 t w11 w12 w21 w22 b1 b2 v1 v2 c s1 s2 a1 a2 so y E δ δh1 δh2".split(), "E total"]
    for n, h in enumerate(heads, start=1):
        book.put(S, f"{C(n)}3", h)
    order, rule = PARAMETERS_221, DELTA_RULE_221
    pcol = {p: C(5 + n) for n, p in enumerate(order)}
    for t, st in enumerate(steps):
        r = 4 + 5 * t
        book.put(S, f"A{r}", t)
        book.params[t] = {}
        for p in order:
            if t == 0:
                content: object = st.param(p)
            else:
                q, delta, inp, last = r - 5, *rule[p], r - 2
                total = (
                    f"SUMPRODUCT({delta}{q}:{delta}{last},{inp}{q}:{inp}{last})"
                    if inp
                    else f"SUM({delta}{q}:{delta}{last})"
                )
                content = f"={pcol[p]}{q}+$B$1*{total}"
            book.params[t][p] = book.put(S, f"{pcol[p]}{r}", content, max(t - 1, 0), st.param(p))
            if t > 0:
                book.updates.setdefault(t - 1, {})[p] = book.params[t][p]
        for n, v in enumerate(st.seen):
            row = r + n
            for col, value in zip("BCD", v.x + v.y, strict=True):
                book.put(S, f"{col}{row}", value, t)
            cells = [
                ("N", f"=E${r}*B{row}+F${r}*C{row}+I${r}", v.s[0][0]),
                ("O", f"=G${r}*B{row}+H${r}*C{row}+J${r}", v.s[0][1]),
                ("P", f"=1/(1+EXP(-N{row}))", v.a[0][0]),
                ("Q", f"=1/(1+EXP(-O{row}))", v.a[0][1]),
                ("R", f"=K${r}*P{row}+L${r}*Q{row}+M${r}", v.s[1][0]),
                ("S", f"=1/(1+EXP(-R{row}))", v.a[1][0]),
                ("T", f"=0.5*(D{row}-S{row})^2", v.loss),
                ("U", f"=(D{row}-S{row})*S{row}*(1-S{row})", -v.dS[1][0]),
                ("V", f"=U{row}*K${r}*P{row}*(1-P{row})", -v.dS[0][0]),
                ("W", f"=U{row}*L${r}*Q{row}*(1-Q{row})", -v.dS[0][1]),
            ]
            for col, formula, value in cells:
                book.put(S, f"{col}{row}", formula, t, value)
        book.losses[t] = book.put(S, f"X{r}", f"=SUM(T{r}:T{r + 3})", t, st.loss)
    return book
