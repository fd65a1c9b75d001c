"""The four families of ../shared/fixtures as strangers write them: another author, another language.

Each family of the real workbooks (the course's 2-2-2 logistic network, Mazur's example a sheet per
iteration, a logistic regression with MMULT array formulas, a one-step 2-4-1 network with η typed in
its formulas) written once more the ways real ones differ: iterations across columns, labels in
French, Spanish or German or none at all, helper rows that feed nothing, a loss with no ½, tanh,
biases trained, η a defined name or typed in the formulas. Each correct, or a copy with one slip a
student really makes: a reference one row off, a bias forgotten, a `$` that pins every block to the
first block's weights, (1 − h)² where 1 − h² belongs.
"""

from __future__ import annotations

from cells import Book
from kin import SIG, WEIGHTS, mazur
from openpyxl.utils import get_column_letter as C  # column number (1 = A) → letters
from openpyxl.worksheet.formula import ArrayFormula
from training import Net, train


def course_columns(slip: str = "") -> Book:
    """The course's 2-2-2 network a column per iteration, in French, η the name `alpha`, helper rows w − ∂E/∂w.
    `slip`: "offset" (∂E/∂w5 reads z_h1 where a_h1 belongs), "typed" (iteration 3's w6 typed over its formula)."""
    net = Net(
        [2, 2, 2],
        "sigmoid",
        "sigmoid",
        "half_squared_error",
        0.5,
        6,
        W=[[[0.3, -0.1], [0.25, 0.4]], [[0.5, -0.3], [0.2, 0.45]]],
        B=[[0.0, 0.0], [0.0, 0.0]],
        samples=[([0.1, 0.6], [0.2, 0.8])],
        train_biases=False,
    )
    steps = train(net)
    book = Book(
        f"course-columns-fr-{slip}-slip.xlsx" if slip else "course-columns-fr.xlsx",
        net,
        "course-columns-fr.toml",
        "the course's 2-2-2 logistic network without biases, a column per iteration (C-H), quantities down "
        "rows 9-46 labelled in French (entrée, cible, poids), i and t typed once (B3:B6); E_total = E1 + E2, "
        "each ½(a − t)²; helper rows 39-46 'w − ∂E/∂w' that feed nothing; η the defined name alpha (B2)",
    )
    S = "Feuil1"
    for addr, value in {
        "A1": "Rétropropagation, une colonne par itération",
        "A2": "taux d'apprentissage",
        "A3": "entrée 1",
        "A4": "entrée 2",
        "A5": "cible 1",
        "A6": "cible 2",
        "A8": "itération",
    }.items():
        book.put(S, addr, value)
    book.put(S, "B2", net.lr)
    book.names["alpha"] = f"{S}!$B$2"
    for row, value in zip((3, 4, 5, 6), (*net.samples[0][0], *net.samples[0][1]), strict=True):
        book.put(S, f"B{row}", value, 0, value)
    labels = [f"poids w{n}" for n in range(1, 9)]
    labels += "z_h1 a_h1 z_h2 a_h2 z_o1 a_o1 z_o2 a_o2 E1 E2 E_total δ_o1 δ_o2".split()
    labels += [f"∂E/∂w{n}" for n in range(1, 9)]
    for n, label in enumerate(labels):
        book.put(S, f"A{9 + n}", label)
    for n in range(8):
        book.put(S, f"A{39 + n}", f"w{n + 1} - dE/dw{n + 1}")
    prow = {p: 9 + n for n, p in enumerate(WEIGHTS)}
    grow = {p: 30 + n for n, p in enumerate(WEIGHTS)}
    for t, st in enumerate(steps):
        c, b, v = C(3 + t), C(2 + t), st.seen[0]
        book.put(S, f"{c}8", t + 1)
        book.params[t] = {}
        for p in WEIGHTS:
            content = st.param(p) if t == 0 else f"={b}{prow[p]}-alpha*{b}{grow[p]}"
            book.params[t][p] = book.put(S, f"{c}{prow[p]}", content, max(t - 1, 0), st.param(p))
            if t > 0:
                book.updates.setdefault(t - 1, {})[p] = book.params[t][p]
        (h1, h2), (o1, o2) = v.a
        d1, d2 = v.dS[1]
        forward = {
            17: (f"={c}9*$B$3+{c}10*$B$4", v.s[0][0]),
            18: (SIG.format(f"{c}17"), h1),
            19: (f"={c}11*$B$3+{c}12*$B$4", v.s[0][1]),
            20: (SIG.format(f"{c}19"), h2),
            21: (f"={c}13*{c}18+{c}14*{c}20", v.s[1][0]),
            22: (SIG.format(f"{c}21"), o1),
            23: (f"={c}15*{c}18+{c}16*{c}20", v.s[1][1]),
            24: (SIG.format(f"{c}23"), o2),
            25: (f"=0.5*({c}22-$B$5)^2", 0.5 * (o1 - v.y[0]) ** 2),
            26: (f"=0.5*({c}24-$B$6)^2", 0.5 * (o2 - v.y[1]) ** 2),
            27: (f"={c}25+{c}26", st.loss),
            28: (f"=({c}22-$B$5)*{c}22*(1-{c}22)", d1),
            29: (f"=({c}24-$B$6)*{c}24*(1-{c}24)", d2),
        }
        for row, (formula, value) in forward.items():
            book.put(S, f"{c}{row}", formula, t, value)
        book.losses[t] = f"{S}!{c}27"
        e_h1 = f"({c}28*{c}13+{c}29*{c}15)*{c}18*(1-{c}18)"
        e_h2 = f"({c}28*{c}14+{c}29*{c}16)*{c}20*(1-{c}20)"
        grads = [
            f"={e_h1}*$B$3",
            f"={e_h1}*$B$4",
            f"={e_h2}*$B$3",
            f"={e_h2}*$B$4",
            f"={c}28*{c}18",
            f"={c}28*{c}20",
            f"={c}29*{c}18",
            f"={c}29*{c}20",
        ]
        for p, formula in zip(WEIGHTS, grads, strict=True):
            key = book.put(S, f"{c}{grow[p]}", formula, t, st.param(p, grad=True))
            if slip == "offset" and p == "W2[0,0]":  # a_h1 read one row up: z_h1, its pre-activation
                book.seed(key, f"={c}28*{c}17")
        for n, p in enumerate(WEIGHTS):
            helper = st.param(p) - st.param(p, grad=True)
            book.put(S, f"{c}{39 + n}", f"={c}{prow[p]}-{c}{grow[p]}", t, helper)
    if slip == "typed":  # w6 of iteration 3 (F14) pasted as a number: iteration 2's w6 (E14), the column before
        book.seed(f"{S}!F14", steps[2].param("W2[0,1]"))
        book.copy_of = "course-columns-fr.xlsx"
        book.first_slip = book.no_network_slip = [f"{S}!F14"]
        book.no_network_exit = "1"
        book.why = (
            "w6 of iteration 3 (F14) is a number typed over its formula =E14-alpha*E35: iteration 2's w6, the "
            "column before, pasted; so iteration 2's step of w6 is 0 where ∂E/∂w6 is not, and every number after "
            "it drifts; iterations 0 and 1 are right"
        )
    if slip == "offset":
        book.copy_of = "course-columns-fr.xlsx"
        book.first_slip = book.no_network_slip = [f"{S}!C34"]
        book.no_network_exit = "1"
        book.why = (
            "∂E/∂w5 (row 34) reads z_h1 (row 17), one row above a_h1 (row 18) where it belongs, =C28*C17, in "
            "every column: w5's step is not its derivative from iteration 0 (C34), the other seven are right"
        )
    return book


def mazur_across(slip: bool = False) -> Book:
    """Mazur's example a sheet per iteration laid out across, in Spanish, biases per neuron trained, η a name."""
    base = mazur(0.5, 3, train_biases=True)
    net = Net(
        base.layers,
        base.activation,
        base.output_activation,
        base.loss,
        base.lr,
        base.iters,
        base.W,
        [[0.35, 0.35], [0.60, 0.60]],
        base.samples,
    )
    steps = train(net)
    book = Book(
        "mazur-across-es-bias-slip.xlsx" if slip else "mazur-across-es.xlsx",
        net,
        "mazur-across-es.toml",
        "Mazur's worked example a sheet per iteration ('Iteración 1' … 3) laid out across: labels in Spanish "
        "in one row, values in the row below (x, y row 4; w1..w8 b1..b4 row 7; forward row 10 with error "
        "total L10; gradients row 13, each one formula; new values row 16); a bias per neuron, trained; the "
        "later sheets' x, y and parameters are references to the sheet before; η the defined name tasa "
        "('Iteración 1'!F4)",
    )
    order = [*WEIGHTS, "B1[0]", "B1[1]", "B2[0]", "B2[1]"]
    names = [f"w{n}" for n in range(1, 9)] + ["b1", "b2", "b3", "b4"]
    col = {p: C(2 + n) for n, p in enumerate(order)}  # w1 B … w8 I, b1 J … b4 M
    first = "Iteración 1"
    book.names["tasa"] = f"'{first}'!$F$4"
    for t, st in enumerate(steps):
        S, before = f"Iteración {t + 1}", f"'Iteración {t}'"
        v = st.seen[0]
        book.put(S, "A1", f"Retropropagación: iteración {t + 1}")
        book.put(S, "A4", "datos")
        for c, label, value in zip("BCDE", ("x1", "x2", "y1", "y2"), (*v.x, *v.y), strict=True):
            book.put(S, f"{c}3", label)
            book.put(S, f"{c}4", value if t == 0 else f"={before}!{c}4", t, value)
        if t == 0:
            book.put(S, "F3", "tasa de aprendizaje")
            book.put(S, "F4", net.lr)
        book.put(S, "A7", "parámetros")
        book.params[t], book.updates[t] = {}, {}
        for p, label in zip(order, names, strict=True):
            c = col[p]
            book.put(S, f"{c}6", label)
            content = st.param(p) if t == 0 else f"={before}!{c}16"
            book.params[t][p] = book.put(S, f"{c}7", content, max(t - 1, 0), st.param(p))
        (h1, h2), (o1, o2) = v.a
        forward = [
            ("neta h1", "=B7*B4+C7*C4+J7", v.s[0][0]),
            ("salida h1", SIG.format("B10"), h1),
            ("neta h2", "=D7*B4+E7*C4+K7", v.s[0][1]),
            ("salida h2", SIG.format("D10"), h2),
            ("neta o1", "=F7*C10+G7*E10+L7", v.s[1][0]),
            ("salida o1", SIG.format("F10"), o1),
            ("neta o2", "=H7*C10+I7*E10+M7", v.s[1][1]),
            ("salida o2", SIG.format("H10"), o2),
            ("error o1", "=0.5*(D4-G10)^2", 0.5 * (o1 - v.y[0]) ** 2),
            ("error o2", "=0.5*(E4-I10)^2", 0.5 * (o2 - v.y[1]) ** 2),
            ("error total", "=J10+K10", st.loss),
        ]
        book.put(S, "A10", "hacia adelante")
        for n, (label, formula, value) in enumerate(forward):
            book.put(S, f"{C(2 + n)}9", label)
            key = book.put(S, f"{C(2 + n)}10", formula, t, value)
            if slip and label == "neta o2":  # b4 forgotten
                book.seed(key, "=H7*C10+I7*E10")
        book.losses[t] = f"{S}!L10"
        d1, d2 = "(G10-D4)*G10*(1-G10)", "(I10-E4)*I10*(1-I10)"
        e1, e2 = f"({d1}*F7+{d2}*H7)*C10*(1-C10)", f"({d1}*G7+{d2}*I7)*E10*(1-E10)"
        grads = [f"={e1}*B4", f"={e1}*C4", f"={e2}*B4", f"={e2}*C4"]
        grads += [f"={d1}*C10", f"={d1}*E10", f"={d2}*C10", f"={d2}*E10", f"={e1}", f"={e2}", f"={d1}", f"={d2}"]
        book.put(S, "A13", "gradientes")
        book.put(S, "A16", "nuevos valores")
        for p, label, formula in zip(order, names, grads, strict=True):
            c = col[p]
            book.put(S, f"{c}12", f"dE/d{label}")
            book.put(S, f"{c}13", formula, t, st.param(p, grad=True))
            book.put(S, f"{c}15", f"{label} nuevo")
            book.updates[t][p] = book.put(S, f"{c}16", f"={c}7-tasa*{c}13", t, st.param(p, after=True))
    if slip:
        book.copy_of = "mazur-across-es.xlsx"
        book.first_slip = [f"'{first}'!H10"]
        book.no_network_slip = [f"'{first}'!H10", f"'{first}'!M13", f"'{first}'!M16"]
        book.no_network_exit = "1"
        book.why = (
            "neta o2 (H10) forgets its bias b4 (M7), =H7*C10+I7*E10, on every sheet: salida o2 and the loss are "
            "wrong from iteration 0 and b4 is trained though the sheet's loss does not depend on it. With no "
            "network, H10 (where b4 is left out), or b4's gradient or update (M13, M16: a step the loss does "
            "not ask for)"
        )
    return book


def logreg_columns(slip: bool = False) -> Book:
    """A logistic regression in blocks across columns with MMULT, no label anywhere, η typed in the updates."""
    samples = [([0.5, 1.0], [0.0]), ([1.5, -0.5], [1.0]), ([-1.0, 0.3], [0.0]), ([2.0, 1.2], [1.0])]
    net = Net(
        [2, 1],
        "linear",
        "sigmoid",
        "cross_entropy",
        0.5,
        5,
        W=[[[0.1, -0.2]]],
        B=[[0.05]],
        samples=samples,
        reduction="mean",
    )
    steps = train(net)
    book = Book(
        "logreg-columns-pinned-slip.xlsx" if slip else "logreg-columns.xlsx",
        net,
        "logreg-columns.toml",
        "logistic regression (2-1 sigmoid), no label anywhere: X in A2:B5, y in C2:C5, a block of 6 columns "
        "per iteration across (E, L, S, Z, AG): W and b in its first column (rows 2-4), {=MMULT($A$2:$B$5, W)+b}, "
        "the sigmoid, the sample losses with LN and their AVERAGE (row 6), a − y, then "
        "{=MMULT(TRANSPOSE($A$2:$B$5), a − y)/4} and db = AVERAGE(a − y); the next block's W and b are "
        "=E2-0.5*J2 (η = 0.5 typed inside)",
    )
    S = "Sheet1"
    for n, (x, y) in enumerate(samples):
        book.put(S, f"A{2 + n}", x[0], 0, x[0])
        book.put(S, f"B{2 + n}", x[1], 0, x[1])
        book.put(S, f"C{2 + n}", y[0], 0, y[0])
    order = ["W1[0,0]", "W1[0,1]", "B1[0]"]
    for t, st in enumerate(steps):
        k = 5 + 7 * t
        w, z, a, loss, dz, g = (C(k + n) for n in range(6))
        book.params[t] = {}
        for n, p in enumerate(order):
            if t == 0:
                content: object = st.param(p)
            else:
                content = f"={C(k - 7)}{2 + n}-0.5*{C(k - 2)}{2 + n}"
            book.params[t][p] = book.put(S, f"{w}{2 + n}", content, max(t - 1, 0), st.param(p))
            if t > 0:
                book.updates.setdefault(t - 1, {})[p] = book.params[t][p]
        keys = book.array(S, f"{z}2:{z}5", f"=MMULT($A$2:$B$5,{w}2:{w}3)+{w}4", t, [v.s[0][0] for v in st.seen])
        if slip and t > 0:  # the block copied from one whose W was made absolute: every block reads the first W
            book.seed(keys[0], ArrayFormula(f"{z}2:{z}5", f"=MMULT($A$2:$B$5,$E$2:$E$3)+{w}4"))
        for n, v in enumerate(st.seen):
            row = 2 + n
            book.put(S, f"{a}{row}", SIG.format(f"{z}{row}"), t, v.a[0][0])
            book.put(S, f"{loss}{row}", f"=-($C{row}*LN({a}{row})+(1-$C{row})*LN(1-{a}{row}))", t, v.loss)
            book.put(S, f"{dz}{row}", f"={a}{row}-$C{row}", t, v.dS[0][0])
        book.losses[t] = book.put(S, f"{loss}6", f"=AVERAGE({loss}2:{loss}5)", t, st.loss)
        book.array(
            S,
            f"{g}2:{g}3",
            f"=MMULT(TRANSPOSE($A$2:$B$5),{dz}2:{dz}5)/4",
            t,
            [st.param(p, grad=True) for p in order[:2]],
        )
        book.put(S, f"{g}4", f"=AVERAGE({dz}2:{dz}5)", t, st.param("B1[0]", grad=True))
    if slip:
        book.copy_of = "logreg-columns.xlsx"
        book.first_slip = [f"{S}!M2"]
        book.no_network_slip = [f"{S}!M2", f"{S}!Q2", f"{S}!S2"]
        book.no_network_exit = "1"
        book.why = (
            "from the second block on, z reads the first block's W, {=MMULT($A$2:$B$5,$E$2:$E$3)+L4} (a $ that "
            "pins the copies): iteration 1's z (M2:M5) is wrong, and its W is trained though its loss does not "
            "depend on it. With no network, M2, or iteration 1's dW (Q2) or its update (S2)"
        )
    return book


def phases_columns(slip: bool = False) -> Book:
    """One step of a 2-4-1 network a column per phase, in German: tanh hidden, biases, a loss with no ½, η typed."""
    net = Net(
        [2, 4, 1],
        "tanh",
        "sigmoid",
        "mse",
        0.25,
        1,
        W=[[[0.2, -0.4], [0.5, 0.1], [-0.3, 0.6], [0.1, 0.3]], [[0.4, -0.6, 0.3, 0.5]]],
        B=[[0.1, -0.1, 0.05, 0.2], [-0.1]],
        samples=[([1.0, 0.5], [1.0])],
    )
    st = train(net)[0]
    v = st.seen[0]
    book = Book(
        "phases-columns-de-tanh-slip.xlsx" if slip else "phases-columns-de.xlsx",
        net,
        "phases-columns-de.toml",
        "one step of a 2-4-1 network, a column per phase (Vorwärts B, Rückwärts Ausgabe C, Rückwärts verdeckt "
        "D), labels in German down column A: parameters rows 6-22 (w11..w42, b1..b4, v1..v4, c), tanh hidden, "
        "sigmoid output, E = (t − y)² with no ½ (B33), δ o = 2(y − t)·y(1 − y), δ h = δ o·v·(1 − h²); column C "
        "updates v and c and copies the rest, column D updates w and b and copies v and c; η = 0.25 typed "
        "inside the updates",
    )
    S = "Tabelle1"
    book.put(S, "A1", "Ein Schritt Backpropagation, 2-4-1")
    for c, head in zip("BCD", ("Vorwärts", "Rückwärts Ausgabe", "Rückwärts verdeckt"), strict=True):
        book.put(S, f"{c}2", head)
    for row, label, value in ((3, "Eingabe x1", v.x[0]), (4, "Eingabe x2", v.x[1]), (5, "Ziel t", v.y[0])):
        book.put(S, f"A{row}", label)
        book.put(S, f"B{row}", value, 0, value)
    order = [f"W1[{j},{i}]" for j in range(4) for i in range(2)] + [f"B1[{j}]" for j in range(4)]
    order += [f"W2[0,{j}]" for j in range(4)] + ["B2[0]"]
    labels = [f"Gewicht w{j + 1}{i + 1}" for j in range(4) for i in range(2)] + [f"Bias b{j + 1}" for j in range(4)]
    labels += [f"Gewicht v{j + 1}" for j in range(4)] + ["Bias c"]
    row = {p: 6 + n for n, p in enumerate(order)}
    book.params[0], book.updates[0] = {}, {}
    for p, label in zip(order, labels, strict=True):
        book.put(S, f"A{row[p]}", label)
        book.params[0][p] = book.put(S, f"B{row[p]}", st.param(p), 0, st.param(p))
    y = v.a[1][0]
    for j in range(4):
        book.put(S, f"A{23 + j}", f"Netz h{j + 1}")
        w1, w2, b = (row[f"W1[{j},0]"], row[f"W1[{j},1]"], row[f"B1[{j}]"])
        book.put(S, f"B{23 + j}", f"=B{w1}*B3+B{w2}*B4+B{b}", 0, v.s[0][j])
        book.put(S, f"A{27 + j}", f"Ausgabe h{j + 1}")
        book.put(S, f"B{27 + j}", f"=TANH(B{23 + j})", 0, v.a[0][j])
    rest = [
        ("Netz o", "=B18*B27+B19*B28+B20*B29+B21*B30+B22", v.s[1][0]),
        ("Ausgabe y", SIG.format("B31"), y),
        ("Fehler E", "=(B5-B32)^2", v.loss),
        ("δ o", "=2*(B32-B5)*B32*(1-B32)", v.dS[1][0]),
    ]
    for n, (label, formula, value) in enumerate(rest):
        book.put(S, f"A{31 + n}", label)
        book.put(S, f"B{31 + n}", formula, 0, value)
    book.losses[0] = f"{S}!B33"
    for j in range(4):
        book.put(S, f"A{35 + j}", f"δ h{j + 1}")
        key = book.put(S, f"B{35 + j}", f"=B34*B{18 + j}*(1-B{27 + j}^2)", 0, v.dS[0][j])
        if slip:  # the precedence of ^: (1 − h)² where 1 − h² belongs
            book.seed(key, f"=B34*B{18 + j}*(1-B{27 + j})^2")
    for p in order:
        r, kind = row[p], p[:2]
        j = int(p[5] if kind == "W2" else p[3])  # the neuron a hidden parameter feeds, or v's hidden neuron
        after = st.param(p, after=True)
        if kind == "W2":
            book.put(S, f"C{r}", f"=B{r}-0.25*B34*B{27 + j}", 0, after)
            book.updates[0][p] = book.put(S, f"D{r}", f"=C{r}", 0, after)
        elif p == "B2[0]":
            book.put(S, f"C{r}", f"=B{r}-0.25*B34", 0, after)
            book.updates[0][p] = book.put(S, f"D{r}", f"=C{r}", 0, after)
        else:
            book.put(S, f"C{r}", f"=B{r}", 0, st.param(p))
            source = f"*B{3 + int(p[5])}" if kind == "W1" else ""
            book.updates[0][p] = book.put(S, f"D{r}", f"=C{r}-0.25*B{35 + j}{source}", 0, after)
    if slip:
        book.copy_of = "phases-columns-de.xlsx"
        book.first_slip = book.no_network_slip = [f"{S}!B35", f"{S}!D6"]
        book.no_network_exit = "1"
        book.why = (
            "the hidden deltas (B35:B38) take (1 − h)² where tanh's slope 1 − h² belongs, =B34*B18*(1-B27)^2: "
            "the twelve updates of w and b (D6:D17) are wrong, v and c right. B35 is where the author went wrong; "
            "D6, the first update that reads it, is w11's"
        )
    return book
