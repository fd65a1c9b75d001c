"""The families of a row (or a column) per iteration: each workbook correct, or with its seeded slip."""

from __future__ import annotations

from cells import DELTA_RULE_221, PARAMETERS_221, Book
from openpyxl.utils import get_column_letter as C  # column number (1 = A) → letters
from training import Net, train


def rows_tanh(slip: bool = False) -> Book:
    """Family 1: a row per iteration, a column per quantity; 2-3-1 tanh, linear output, biases, MSE, η named lr."""
    net = Net(
        [2, 3, 1],
        "tanh",
        "linear",
        "mse",
        0.1,
        5,
        W=[[[0.4, -0.3], [0.2, 0.5], [-0.6, 0.1]], [[0.7, -0.5, 0.3]]],
        B=[[0.1, -0.2, 0.05], [0.2]],
        samples=[([1.0, 0.5], [0.8])],
    )
    steps = train(net)
    name = "rows-tanh-231-forward-slip.xlsx" if slip else "rows-tanh-231.xlsx"
    book = Book(
        name,
        net,
        "rows-tanh-231.toml",
        "a row per iteration (rows 5-9), a column per quantity; "
        "2-3-1 tanh, linear output, biases, MSE; η the defined name lr (B2)",
    )
    S = "Training"
    book.put(S, "A1", "2-3-1 tanh network, one row per iteration")
    book.put(S, "A2", "η (lr)")
    book.put(S, "B2", net.lr)
    book.names["lr"] = f"{S}!$B$2"
    heads = [*"iter x1 x2 t w11 w12 w21 w22 w31 w32 b1 b2 b3 v1 v2 v3 c s1 s2 s3 a1 a2 a3 ŷ L".split(), "δ = dL/dŷ"]
    heads += ["dL/d" + h for h in heads[4:17]]
    for n, h in enumerate(heads, start=1):
        book.put(S, f"{C(n)}4", h)
    names = net.names()  # W1[0,0] W1[0,1] W1[1,0] … B1[0..2] W2[0,0..2] B2[0]: columns E..Q in this order
    pcol = {p: C(5 + n) for n, p in enumerate(names)}
    gcol = {p: C(27 + n) for n, p in enumerate(names)}
    for t, st in enumerate(steps):
        r, v = 5 + t, st.seen[0]
        book.put(S, f"A{r}", t)
        book.put(S, f"B{r}", v.x[0], t)
        book.put(S, f"C{r}", v.x[1], t)
        book.put(S, f"D{r}", v.y[0], t)
        book.params[t] = {}
        for p in names:
            content = st.param(p) if t == 0 else f"={pcol[p]}{r - 1}-lr*{gcol[p]}{r - 1}"
            book.params[t][p] = book.put(S, f"{pcol[p]}{r}", content, t if t == 0 else t - 1, st.param(p))
            if t > 0:
                book.updates.setdefault(t - 1, {})[p] = book.params[t][p]
        for j in range(3):
            w0, w1, b = pcol[f"W1[{j},0]"], pcol[f"W1[{j},1]"], pcol[f"B1[{j}]"]
            book.put(S, f"{C(18 + j)}{r}", f"={w0}{r}*B{r}+{w1}{r}*C{r}+{b}{r}", t, v.s[0][j])
            book.put(S, f"{C(21 + j)}{r}", f"=TANH({C(18 + j)}{r})", t, v.a[0][j])
        yhat = f"=N{r}*U{r}+O{r}*V{r}+P{r}*W{r}+Q{r}"
        key = book.put(S, f"X{r}", yhat, t, v.a[1][0])
        if slip:
            book.seed(key, f"=N{r}*R{r}+O{r}*S{r}+P{r}*T{r}+Q{r}")
        book.losses[t] = book.put(S, f"Y{r}", f"=(X{r}-D{r})^2", t, v.loss)
        book.put(S, f"Z{r}", f"=2*(X{r}-D{r})", t, v.dS[1][0])
        for j in range(3):
            v_j, a_j = pcol[f"W2[0,{j}]"], C(21 + j)
            for i, x in enumerate("BC"):
                book.put(
                    S,
                    f"{gcol[f'W1[{j},{i}]']}{r}",
                    f"=$Z{r}*{v_j}{r}*(1-{a_j}{r}^2)*{x}{r}",
                    t,
                    st.param(f"W1[{j},{i}]", grad=True),
                )
            book.put(S, f"{gcol[f'B1[{j}]']}{r}", f"=$Z{r}*{v_j}{r}*(1-{a_j}{r}^2)", t, st.param(f"B1[{j}]", grad=True))
            book.put(S, f"{gcol[f'W2[0,{j}]']}{r}", f"=$Z{r}*{a_j}{r}", t, st.param(f"W2[0,{j}]", grad=True))
        book.put(S, f"{gcol['B2[0]']}{r}", f"=Z{r}", t, st.param("B2[0]", grad=True))
    if slip:
        book.copy_of = "rows-tanh-231.xlsx"
        book.first_slip = [f"{S}!X5"]
        book.no_network_exit, book.no_network_slip = "1", ["any"]
        book.why = (
            "forward slip: ŷ sums the pre-activations s1..s3 (R:T) where their tanh a1..a3 (U:W) belong, "
            "in every row, so from iteration 0; with no network the backward cells (δ·a, δ·v·(1−a²)) are not "
            "the derivative of this forward pass, but which cell is wrong only the assignment tells"
        )
    return book


def columns_relu(slip: bool = False) -> Book:
    """Family 2: a column per iteration, quantities down the rows; 2-2-1 ReLU, linear output, ½ squared error."""
    net = Net(
        [2, 2, 1],
        "relu",
        "linear",
        "half_squared_error",
        0.05,
        6,
        W=[[[0.5, 0.3], [0.2, 0.6]], [[0.8, 0.4]]],
        B=[[0.1, 0.1], [0.0]],
        samples=[([1.0, 2.0], [2.5])],
    )
    steps = train(net)
    name = "columns-relu-221-sign-slip.xlsx" if slip else "columns-relu-221.xlsx"
    book = Book(
        name,
        net,
        "columns-relu-221.toml",
        "a column per iteration (C-H), quantities down rows 9-35; "
        "2-2-1 ReLU, linear output, biases, ½ squared error; η in B3",
    )
    S = "Sheet1"
    for addr, value in {
        "A1": "ReLU network, one column per iteration",
        "A3": "eta",
        "B3": net.lr,
        "A4": "x1",
        "B4": 1.0,
        "A5": "x2",
        "B5": 2.0,
        "A6": "target",
        "B6": 2.5,
        "A8": "iteration",
    }.items():
        book.put(S, addr, value)
    order = ["W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]", "B1[0]", "B1[1]", "W2[0,0]", "W2[0,1]", "B2[0]"]
    labels = ["w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c"]
    prow = {p: 9 + n for n, p in enumerate(order)}
    grow = {
        "W2[0,0]": 27,
        "W2[0,1]": 28,
        "B2[0]": 29,
        "W1[0,0]": 30,
        "W1[0,1]": 31,
        "W1[1,0]": 32,
        "W1[1,1]": 33,
        "B1[0]": 34,
        "B1[1]": 35,
    }
    rest = [
        "s1",
        "s2",
        "a1",
        "a2",
        "ŷ",
        "E",
        "δ = ŷ − t",
        "f'(s1)",
        "f'(s2)",
        "dE/dv1",
        "dE/dv2",
        "dE/dc",
        "dE/dw11",
        "dE/dw12",
        "dE/dw21",
        "dE/dw22",
        "dE/db1",
        "dE/db2",
    ]
    for n, label in enumerate(labels + rest):
        book.put(S, f"A{9 + n}", label)
    for t, st in enumerate(steps):
        c, v = C(3 + t), st.seen[0]
        p = C(2 + t)  # the column before
        book.put(S, f"{c}8", t)
        book.params[t] = {}
        for q in order:
            if t == 0:
                content: object = st.param(q)
            elif slip and q == "W1[1,0]":
                content = f"={p}{prow[q]}+$B$3*{p}{grow[q]}"
            else:
                content = f"={p}{prow[q]}-$B$3*{p}{grow[q]}"
            key = book.put(S, f"{c}{prow[q]}", content, max(t - 1, 0), st.param(q))
            book.params[t][q] = key
            if t > 0:
                book.updates.setdefault(t - 1, {})[q] = key
                if slip and q == "W1[1,0]":
                    book.seeded.append(key)
        book.put(S, f"{c}18", f"={c}9*$B$4+{c}10*$B$5+{c}13", t, v.s[0][0])
        book.put(S, f"{c}19", f"={c}11*$B$4+{c}12*$B$5+{c}14", t, v.s[0][1])
        book.put(S, f"{c}20", f"=MAX(0,{c}18)", t, v.a[0][0])
        book.put(S, f"{c}21", f"=MAX(0,{c}19)", t, v.a[0][1])
        book.put(S, f"{c}22", f"={c}15*{c}20+{c}16*{c}21+{c}17", t, v.a[1][0])
        book.losses[t] = book.put(S, f"{c}23", f"=0.5*({c}22-$B$6)^2", t, v.loss)
        book.put(S, f"{c}24", f"={c}22-$B$6", t, v.dS[1][0])
        book.put(S, f"{c}25", f"=IF({c}18>0,1,0)", t, 1.0)
        book.put(S, f"{c}26", f"=IF({c}19>0,1,0)", t, 1.0)
        grads = {
            "W2[0,0]": f"={c}24*{c}20",
            "W2[0,1]": f"={c}24*{c}21",
            "B2[0]": f"={c}24",
            "W1[0,0]": f"={c}24*{c}15*{c}25*$B$4",
            "W1[0,1]": f"={c}24*{c}15*{c}25*$B$5",
            "W1[1,0]": f"={c}24*{c}16*{c}26*$B$4",
            "W1[1,1]": f"={c}24*{c}16*{c}26*$B$5",
            "B1[0]": f"={c}24*{c}15*{c}25",
            "B1[1]": f"={c}24*{c}16*{c}26",
        }
        for q, formula in grads.items():
            book.put(S, f"{c}{grow[q]}", formula, t, st.param(q, grad=True))
    if slip:
        book.copy_of = "columns-relu-221.xlsx"
        book.first_slip = [f"{S}!D11"]
        book.no_network_exit, book.no_network_slip = "1", [f"{S}!D11"]
        book.why = (
            "update with the wrong sign: w21 ← w21 + η·dE/dw21 (row 11, every column from D), so iteration 0's "
            "update D11 is the first wrong cell; the other eight parameters step against their gradients"
        )
    return book


def online_and() -> Book:
    """Family 5: online learning, a row per sample and an update after each; AND, 2-2-1 sigmoid, 3 passes."""
    samples = [([0.0, 0.0], [0.0]), ([0.0, 1.0], [0.0]), ([1.0, 0.0], [0.0]), ([1.0, 1.0], [1.0])]
    net = Net(
        [2, 2, 1],
        "sigmoid",
        "sigmoid",
        "half_squared_error",
        0.5,
        12,
        W=[[[0.5, -0.4], [0.3, 0.6]], [[0.7, -0.5]]],
        B=[[-0.2, 0.1], [0.2]],
        samples=samples,
        batch_size=1,
    )
    steps = train(net)
    book = Book(
        "online-and.xlsx",
        net,
        "online-and.toml",
        "online learning: a row per sample (rows 5-16), an update "
        "after each, 4 samples of AND × 3 passes; 2-2-1 sigmoid, ½ squared error; η in B2; the gradient is "
        "not a cell: updates read w − η·δ·input",
    )
    S = "Online"
    book.put(S, "A1", "AND, online: the weights change after every sample")
    book.put(S, "A2", "learning rate")
    book.put(S, "B2", net.lr)
    heads = "pass x1 x2 t w11 w12 w21 w22 b1 b2 v1 v2 c s1 s2 a1 a2 so y E δo δh1 δh2".split()
    for n, h in enumerate(heads, start=1):
        book.put(S, f"{C(n)}4", h)
    order, rule = PARAMETERS_221, DELTA_RULE_221
    pcol = {p: C(5 + n) for n, p in enumerate(order)}
    for t, st in enumerate(steps):
        r, v = 5 + t, st.seen[0]
        book.put(S, f"A{r}", t // 4 + 1)
        for col, value in zip("BCD", v.x + v.y, strict=True):
            book.put(S, f"{col}{r}", value, t)
        book.params[t] = {}
        for p in order:
            if t == 0:
                content: object = st.param(p)
            else:
                delta, inp = rule[p]
                content = f"={pcol[p]}{r - 1}-$B$2*{delta}{r - 1}" + (f"*{inp}{r - 1}" if inp else "")
            book.params[t][p] = book.put(S, f"{pcol[p]}{r}", content, max(t - 1, 0), st.param(p))
            if t > 0:
                book.updates.setdefault(t - 1, {})[p] = book.params[t][p]
        cells = [
            ("N", f"=E{r}*B{r}+F{r}*C{r}+I{r}", v.s[0][0]),
            ("O", f"=G{r}*B{r}+H{r}*C{r}+J{r}", v.s[0][1]),
            ("P", f"=1/(1+EXP(-N{r}))", v.a[0][0]),
            ("Q", f"=1/(1+EXP(-O{r}))", v.a[0][1]),
            ("R", f"=K{r}*P{r}+L{r}*Q{r}+M{r}", v.s[1][0]),
            ("S", f"=1/(1+EXP(-R{r}))", v.a[1][0]),
            ("T", f"=0.5*(S{r}-D{r})^2", v.loss),
            ("U", f"=(S{r}-D{r})*S{r}*(1-S{r})", v.dS[1][0]),
            ("V", f"=U{r}*K{r}*P{r}*(1-P{r})", v.dS[0][0]),
            ("W", f"=U{r}*L{r}*Q{r}*(1-Q{r})", v.dS[0][1]),
        ]
        for col, formula, value in cells:
            key = book.put(S, f"{col}{r}", formula, t, value)
            if col == "T":
                book.losses[t] = key
    return book


def logreg_sumproduct(slip: bool = False) -> Book:
    """Family 8a: logistic regression, a row per iteration; SUMPRODUCT gradients; cross-entropy with LN."""
    samples = [([0.5, 1.5], [0.0]), ([1.0, 0.2], [1.0]), ([2.0, 1.0], [1.0]), ([0.3, 0.8], [0.0])]
    net = Net(
        [2, 1],
        "linear",
        "sigmoid",
        "cross_entropy",
        0.8,
        6,
        W=[[[0.2, -0.4]]],
        B=[[0.1]],
        samples=samples,
        reduction="mean",
    )
    steps = train(net)
    name = "logreg-sumproduct-log-slip.xlsx" if slip else "logreg-sumproduct.xlsx"
    book = Book(
        name,
        net,
        "logreg-sumproduct.toml",
        "logistic regression (2-1 sigmoid), a row per iteration "
        "(rows 9-14), samples across (E:H per quantity, data in E4:H6); cross-entropy with LN averaged over "
        "4 samples; gradients by SUMPRODUCT; η in B2",
    )
    S = "LogReg"
    book.put(S, "A1", "logistic regression, binary cross-entropy")
    book.put(S, "A2", "learning rate")
    book.put(S, "B2", net.lr)
    for row, label in ((4, "x1"), (5, "x2"), (6, "y")):
        book.put(S, f"D{row}", label)
    for n, (x, y) in enumerate(samples):
        book.put(S, f"{C(5 + n)}3", f"sample {n + 1}")
        for row, value in zip((4, 5, 6), x + y, strict=True):
            book.put(S, f"{C(5 + n)}{row}", value)
    heads = ["iter", "w1", "w2", "b"] + [f"{q}{n}" for q in ("z", "a", "loss") for n in range(1, 5)]
    heads += ["L (mean)"] + [f"a{n} − y{n}" for n in range(1, 5)] + ["dL/dw1", "dL/dw2", "dL/db"]
    for n, h in enumerate(heads, start=1):
        book.put(S, f"{C(n)}8", h)
    pcol = {"W1[0,0]": "B", "W1[0,1]": "C", "B1[0]": "D"}
    gcol = {"W1[0,0]": "V", "W1[0,1]": "W", "B1[0]": "X"}
    log = "LOG" if slip else "LN"
    for t, st in enumerate(steps):
        r = 9 + t
        book.put(S, f"A{r}", t)
        book.params[t] = {}
        for p, col in pcol.items():
            content = st.param(p) if t == 0 else f"={col}{r - 1}-$B$2*{gcol[p]}{r - 1}"
            book.params[t][p] = book.put(S, f"{col}{r}", content, max(t - 1, 0), st.param(p))
            if t > 0:
                book.updates.setdefault(t - 1, {})[p] = book.params[t][p]
        for n, v in enumerate(st.seen):
            x = C(5 + n)
            z, a, lo, e = C(5 + n), C(9 + n), C(13 + n), C(18 + n)
            book.put(S, f"{z}{r}", f"=$B{r}*{x}$4+$C{r}*{x}$5+$D{r}", t, v.s[0][0])
            book.put(S, f"{a}{r}", f"=1/(1+EXP(-{z}{r}))", t, v.a[0][0])
            key = book.put(S, f"{lo}{r}", f"=-({x}$6*{log}({a}{r})+(1-{x}$6)*{log}(1-{a}{r}))", t, v.loss)
            if slip:
                book.seeded.append(key)
            book.put(S, f"{e}{r}", f"={a}{r}-{x}$6", t, v.dS[0][0])
        book.losses[t] = book.put(S, f"Q{r}", f"=AVERAGE(M{r}:P{r})", t, st.loss)
        book.put(S, f"V{r}", f"=SUMPRODUCT(R{r}:U{r},$E$4:$H$4)/4", t, st.param("W1[0,0]", grad=True))
        book.put(S, f"W{r}", f"=SUMPRODUCT(R{r}:U{r},$E$5:$H$5)/4", t, st.param("W1[0,1]", grad=True))
        book.put(S, f"X{r}", f"=AVERAGE(R{r}:U{r})", t, st.param("B1[0]", grad=True))
    if slip:
        book.copy_of = "logreg-sumproduct.xlsx"
        book.first_slip = [f"{S}!M9"]
        book.no_network_exit, book.no_network_slip = "any", ["any"]
        book.why = (
            "the sample losses use LOG (base 10) where LN belongs, in every row (M:P); the gradients a − y are "
            "those of LN, so against the sheet's own loss every gradient is ln 10 times too large: one factor "
            "shared by every parameter, which a judge with no network may take as a convention of scale"
        )
    return book


def linreg_steps() -> Book:
    """Family 9 and 7a: linear regression, a row per iteration, step cells dw = −η·g and updates w + dw; SUM loss."""
    samples = [([0.5], [1.2]), ([1.0], [1.9]), ([2.0], [4.1]), ([3.0], [6.2])]
    net = Net([1, 1], "linear", "linear", "mse", 0.02, 8, W=[[[0.5]]], B=[[0.0]], samples=samples, reduction="sum")
    steps = train(net)
    book = Book(
        "linreg-steps.xlsx",
        net,
        "linreg-steps.toml",
        "linear regression ŷ = w·x + b, a row per iteration "
        "(rows 7-14), 4 samples across (D:G, data in D3:G4); L = Σ (ŷ − y)² by SUMPRODUCT; step cells "
        "dw = −$B$1·dL/dw and updates w + dw; η in B1",
    )
    S = "Regression"
    book.put(S, "A1", "learning rate")
    book.put(S, "B1", net.lr)
    book.put(S, "C3", "x")
    book.put(S, "C4", "y")
    for n, (x, y) in enumerate(samples):
        book.put(S, f"{C(4 + n)}3", x[0])
        book.put(S, f"{C(4 + n)}4", y[0])
    heads = ["iter", "w", "b", "ŷ1", "ŷ2", "ŷ3", "ŷ4", "e1", "e2", "e3", "e4", "L = Σ e²", "dL/dw", "dL/db", "dw", "db"]
    for n, h in enumerate(heads, start=1):
        book.put(S, f"{C(n)}6", h)
    for t, st in enumerate(steps):
        r = 7 + t
        book.put(S, f"A{r}", t)
        book.params[t] = {}
        for p, col, step in (("W1[0,0]", "B", "O"), ("B1[0]", "C", "P")):
            content = st.param(p) if t == 0 else f"={col}{r - 1}+{step}{r - 1}"
            book.params[t][p] = book.put(S, f"{col}{r}", content, max(t - 1, 0), st.param(p))
            if t > 0:
                book.updates.setdefault(t - 1, {})[p] = book.params[t][p]
        for n, v in enumerate(st.seen):
            c, e = C(4 + n), C(8 + n)
            book.put(S, f"{c}{r}", f"=$B{r}*{c}$3+$C{r}", t, v.a[0][0])
            book.put(S, f"{e}{r}", f"={c}{r}-{c}$4", t, v.a[0][0] - v.y[0])
        book.losses[t] = book.put(S, f"L{r}", f"=SUMPRODUCT(H{r}:K{r},H{r}:K{r})", t, st.loss)
        book.put(S, f"M{r}", f"=2*SUMPRODUCT(H{r}:K{r},$D$3:$G$3)", t, st.param("W1[0,0]", grad=True))
        book.put(S, f"N{r}", f"=2*SUM(H{r}:K{r})", t, st.param("B1[0]", grad=True))
        book.put(S, f"O{r}", f"=-$B$1*M{r}", t, -net.lr * st.param("W1[0,0]", grad=True))
        book.put(S, f"P{r}", f"=-$B$1*N{r}", t, -net.lr * st.param("B1[0]", grad=True))
    return book


def named_cells() -> Book:
    """Family 7c: one step down a column where every cell has a defined name: `=w_11-lr*dE_dw_11`."""
    net = Net(
        [2, 2, 1],
        "sigmoid",
        "sigmoid",
        "half_squared_error",
        0.5,
        1,
        W=[[[0.2, -0.3], [0.4, 0.1]], [[0.6, -0.2]]],
        B=[[0.1, 0.0], [-0.1]],
        samples=[([1.0, 0.5], [0.9])],
    )
    (st,) = train(net)
    v = st.seen[0]
    book = Book(
        "named-cells.xlsx",
        net,
        "named-cells.toml",
        "one step down column B, every cell a defined name (lr, x_1, w_11, net_1, h_1, out, loss, delta, dE_dw_11, "
        "…) and every formula written with the names: =w_11*x_1+w_12*x_2+b_1, =w_11-lr*dE_dw_11 (updates in E); "
        "2-2-1 sigmoid, ½ squared error",
    )
    S = "Step"
    book.put(S, "A1", "one step of gradient descent, with named cells")

    def named(row: int, name: str, content: object, expect: float | None, it: int = 0) -> str:
        book.put(S, f"A{row}", name)
        book.names[name] = f"{S}!$B${row}"
        return book.put(S, f"B{row}", content, it, expect)

    named(3, "lr", net.lr, None, -1)
    named(4, "x_1", v.x[0], v.x[0])
    named(5, "x_2", v.x[1], v.x[1])
    named(6, "target", v.y[0], v.y[0])
    order = ["W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]", "B1[0]", "B1[1]", "W2[0,0]", "W2[0,1]", "B2[0]"]
    names = "w_11 w_12 w_21 w_22 b_1 b_2 v_1 v_2 b_out".split()
    book.params[0] = {
        p: named(8 + n, name, st.param(p), st.param(p)) for n, (p, name) in enumerate(zip(order, names, strict=True))
    }
    forward = [
        ("net_1", "=w_11*x_1+w_12*x_2+b_1", v.s[0][0]),
        ("net_2", "=w_21*x_1+w_22*x_2+b_2", v.s[0][1]),
        ("h_1", "=1/(1+EXP(-net_1))", v.a[0][0]),
        ("h_2", "=1/(1+EXP(-net_2))", v.a[0][1]),
        ("net_out", "=v_1*h_1+v_2*h_2+b_out", v.s[1][0]),
        ("out", "=1/(1+EXP(-net_out))", v.a[1][0]),
        ("loss", "=0.5*(out-target)^2", v.loss),
        ("delta", "=(out-target)*out*(1-out)", v.dS[1][0]),
    ]
    for n, (name, formula, value) in enumerate(forward):
        key = named(18 + n, name, formula, value)
        if name == "loss":
            book.losses[0] = key
    grads = [
        "=delta*v_1*h_1*(1-h_1)*x_1",
        "=delta*v_1*h_1*(1-h_1)*x_2",
        "=delta*v_2*h_2*(1-h_2)*x_1",
        "=delta*v_2*h_2*(1-h_2)*x_2",
        "=delta*v_1*h_1*(1-h_1)",
        "=delta*v_2*h_2*(1-h_2)",
        "=delta*h_1",
        "=delta*h_2",
        "=delta",
    ]
    book.put(S, "D27", "updated")
    book.updates[0] = {}
    for n, (p, name, formula) in enumerate(zip(order, names, grads, strict=True)):
        named(27 + n, f"dE_d{name}", formula, st.param(p, grad=True))
        book.put(S, f"D{27 + n}", f"{name} new")
        book.updates[0][p] = book.put(S, f"E{27 + n}", f"={name}-lr*dE_d{name}", 0, st.param(p, after=True))
    return book
