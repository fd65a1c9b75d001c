"""Workbooks judged against their own forward pass (`check` with no network file), and against the
network: the zoo of families (tests/zoo, verdicts computed independently of sheetnet), the duals
against finite differences, and the update chains of the layouts people use."""

from __future__ import annotations

import math
import random
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from sheetnet.batch import Options, judge
from sheetnet.book import read_book
from sheetnet.cells.chains import find_chains
from sheetnet.cells.dual import Dual, evaluate
from sheetnet.cells.evaluation import run, shown_without
from sheetnet.cells.formulas import Formulas
from sheetnet.check.derive import derive
from sheetnet.formula import parse

import shared

ZOO = Path(__file__).resolve().parent / "zoo"
# the zoo's workbooks whose verdict check does not give yet: workbook → what it says instead
# A reading of Netz o (B31 = Σ v·h + B22) as an update of b2 (B15) in cells.chains._updates: c (B22, −0.1)
# is the number typed as b2 above it (_typed_above) and the sum reads b2 through h2, so b2's chain is
# B15 → B31 and the derivation of phases-columns-de-tanh-slip is not decided
_NETZ_O_AS_UPDATE = "cells.chains._updates reads Netz o (B31 = Σv·h + c) as b2's update: c is typed as b2"
ZOO_OWED_WITHOUT: dict[str, str] = {
    # cells.chains: b4's update (M16) reads no forward cell that reads b4 (neta o2 forgets it), so it is
    # listed in Chains.unread and left out of the chains; a derivation with no first slip says right,
    # though the step moves b4 while ∂L/∂b4 = 0
    "mazur-across-es-bias-slip.xlsx": "an update of a parameter the loss does not read (Chains.unread) is no slip",
    # cells.chains._carries_on: blocks 2-5 read the first block's W ($E$2:$E$3), not L2:L3, so W's updates
    # do not carry on and W's chains are dropped as columns that feed nothing; only b is judged: right
    "logreg-columns-pinned-slip.xlsx": "W's chains dropped: its updates are not read where the first W was",
    "phases-columns-de-tanh-slip.xlsx": _NETZ_O_AS_UPDATE,
}
# (phases-columns-de-tanh-slip is not decided (above), so no backward slip comes first: the value fit
# names D6, w11's update, since each parameter's own row holds only its update: leftovers._parameter_rows)
ZOO_OWED_WITH: dict[str, str] = {}


@pytest.mark.parametrize("row", shared.zoo_verdicts(ZOO_OWED_WITHOUT))
def test_each_zoo_workbook_gets_its_verdict_with_no_network_file(row: tuple[str, ...]) -> None:
    name, _, _, _, _, code, cells, _ = row
    result, _, line = judge(ZOO / name, Options())
    first = result.first_mismatch
    if code == "any":
        return
    assert result.exit_code == int(code), (name, line, first and first.cell.address)
    if cells not in ("-", "any"):
        assert first is not None and first.cell.address in cells.split(","), (name, first and first.cell.address)


@pytest.mark.parametrize("row", shared.zoo_verdicts(ZOO_OWED_WITH))
def test_each_zoo_workbook_gets_its_verdict_with_its_network_file(row: tuple[str, ...]) -> None:
    name, network, iters, code, cells, *_ = row
    result, _, line = judge(ZOO / name, Options(config=ZOO / network, iters=int(iters)))
    first = result.first_mismatch
    assert result.exit_code == int(code), (name, line, first and first.cell.address)
    if cells != "-":
        assert first is not None and first.cell.address in cells.split(","), (name, first and first.cell.address)


def _correct_with_no_network_open() -> list[object]:
    """The correct zoo workbooks whose verdict with no network file is 'any' (no loss written)."""
    return [r[0] for r in (p.values[0] for p in shared.zoo_verdicts({})) if r[3] == "0" and r[5] == "any"]


@pytest.mark.parametrize("name", _correct_with_no_network_open())
def test_a_correct_workbook_that_writes_no_loss_is_never_called_wrong(name: str) -> None:
    """With no loss written and no network file the judge may infer ½·error² (right) or decline (not judged),
    never name a slip in a correct workbook."""
    result, _, _ = judge(ZOO / name, Options())
    assert result.verdict in ("right", "not judged"), result.first_mismatch and result.first_mismatch.cell.address


def test_a_correct_workbook_is_judged_whole_and_names_its_loss() -> None:
    result = derive(read_book(ZOO / "sheet-per-epoch.xlsx"))
    assert result is not None and result.exit_code == 0
    # 4 sheets, one iteration each: the chains run across the sheets (='Epoch 1'!… references)
    assert result.chains.iterations == 4
    assert len(result.tables) == 1 and result.count("found") == len(result.steps) > 0
    assert all(p[0] == t for t, p in result.tables[0].losses.items())  # iteration t's loss is on sheet t


@pytest.mark.parametrize(
    ("name", "loss"),
    [
        ("mazur-biases.xlsx", "E total (NN!G16)"),  # labelled on its left; "value" heads its column far up
        ("transposed-batch.xlsx", "E (Batch!F18 in iteration 0)"),  # not "mean", far up its column
        ("logreg-sumproduct.xlsx", "L (mean) (LogReg!Q9 in iteration 0)"),  # its column's header
    ],
)
def test_the_loss_is_named_by_its_own_label(name: str, loss: str) -> None:
    result = derive(read_book(ZOO / name))
    assert result is not None and result.exit_code == 0
    assert result.message.endswith(f"the gradient of {loss}"), result.message


def test_a_loss_with_no_label_is_named_the_loss(tmp_path: Path) -> None:
    """w ← w − η·∂L/∂w with L = (w·x − y)², three times down column B; no text anywhere."""
    path = tmp_path / "unlabelled.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    x, y, eta, w = 2.0, 1.0, 0.1, 1.0
    for cell, value in (("A1", x), ("A2", y), ("C1", eta), ("B1", w)):
        sheet.write_number(cell, value)
    for r in (1, 4, 7):
        gradient = 2 * (w * x - y) * x
        sheet.write_formula(f"B{r + 1}", f"=(B{r}*$A$1-$A$2)^2", None, (w * x - y) ** 2)
        sheet.write_formula(f"B{r + 2}", f"=2*(B{r}*$A$1-$A$2)*$A$1", None, gradient)
        w -= eta * gradient
        sheet.write_formula(f"B{r + 3}", f"=B{r}-$C$1*B{r + 2}", None, w)
    book.close()
    result = derive(read_book(path))
    assert result is not None and result.exit_code == 0
    assert result.message.endswith("the gradient of the loss (S!B2 in iteration 0)"), result.message


@pytest.mark.parametrize("layout", ["rows", "columns"])
def test_a_running_total_of_the_loss_is_not_the_loss(tmp_path: Path, layout: str) -> None:
    """w ← w − η·∂L/∂w with L = (w·x − y)², five iterations (a row each, or a column each), beside a
    running total of the losses (`=E5+C6`, labelled `total loss`) and an iteration count (`=A5+1`).
    The total's derivatives by the iteration's w are the loss's, but it reads the iteration before:
    the loss the steps follow is each iteration's own, and the sheet is right."""
    count, weight, loss, gradient, total = range(5)
    names = ("iteration", "w", "loss", "dL/dw", "total loss")

    def at(q: int, k: int) -> str:  # quantity q of iteration k (k = -1: its label)
        return xl_rowcol_to_cell(1 + k, q) if layout == "rows" else xl_rowcol_to_cell(1 + q, 1 + k)

    path = tmp_path / f"running-{layout}.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Run")
    x, y, eta, w, running = 2.0, 1.0, 0.05, 1.0, 0.0
    for r, (text, value) in enumerate((("x", x), ("y", y), ("η", eta)), start=8):
        sheet.write_string(r, 0, text)
        sheet.write_number(r, 1, value)
    for q, text in enumerate(names):
        sheet.write_string(at(q, -1), text)
    for k in range(5):
        c = {q: at(q, k) for q in range(5)}
        if k == 0:
            sheet.write_number(c[count], 0)
            sheet.write_number(c[weight], w)
        else:
            sheet.write_formula(c[count], f"={at(count, k - 1)}+1", None, k)
            sheet.write_formula(c[weight], f"={at(weight, k - 1)}-$B$11*{at(gradient, k - 1)}", None, w)
        error = w * x - y
        running += error**2
        sheet.write_formula(c[loss], f"=({c[weight]}*$B$9-$B$10)^2", None, error**2)
        sheet.write_formula(c[gradient], f"=2*({c[weight]}*$B$9-$B$10)*$B$9", None, 2 * error * x)
        sum_before = f"{at(total, k - 1)}+" if k else ""
        sheet.write_formula(c[total], f"={sum_before}{c[loss]}", None, running)
        w -= eta * 2 * error * x
    book.close()
    result = derive(read_book(path))
    assert result is not None and result.exit_code == 0, result.message
    assert result.count("found") == len(result.steps) == 4
    assert [result.formulas.address(p) for p in result.tables[0].losses.values()] == [
        f"Run!{at(loss, k)}" for k in range(4)
    ]
    assert result.message.endswith(f"the gradient of loss (Run!{at(loss, 0)} in iteration 0)"), result.message


def _with_running_total(source: Path, path: Path, sheet_name: str, column: str, losses: list[int]) -> Path:
    """`source` written again with its cached values (XlsxWriter), and a running total of the
    losses in `column` of rows `losses` (`=K18+F34`), beside them, as a student adds one."""
    formulas, values = openpyxl.load_workbook(source), openpyxl.load_workbook(source, data_only=True)
    book = xlsxwriter.Workbook(path)
    for ws in formulas.worksheets:
        sheet = book.add_worksheet(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                value = values[ws.title][cell.coordinate].value
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    sheet.write_formula(cell.coordinate, cell.value, None, value)
                elif cell.value is not None:
                    sheet.write(cell.coordinate, cell.value)
        if ws.title == sheet_name:
            total, before = 0.0, None
            for r in losses:
                total += values[ws.title][f"F{r}"].value
                sum_before = f"{column}{before}+" if before else ""
                sheet.write_formula(f"{column}{r}", f"={sum_before}F{r}", None, total)
                before = r
    book.close()
    return path


@pytest.mark.parametrize("name", ["transposed-batch.xlsx", "transposed-batch-product-slip.xlsx"])
def test_a_running_total_beside_the_loss_changes_no_verdict(tmp_path: Path, name: str) -> None:
    """The transposed batch (mean loss F18, F34, F50) with a running total of it in K: the same
    verdict, first slip and loss as without it, where the slip is judged with no shared factor
    (the loss the one cell the calculation ends in, once the running total is left out)."""
    path = _with_running_total(ZOO / name, tmp_path / name, "Batch", "K", [18, 34, 50])
    alone, running = derive(read_book(ZOO / name)), derive(read_book(path))
    assert alone is not None and running is not None
    assert running.message == alone.message
    assert running.tables[0].losses == alone.tables[0].losses
    assert [(s.cell.address, s.t) for s in running.slips] == [(s.cell.address, s.t) for s in alone.slips]


def test_the_wrong_gradient_is_explained_by_the_cell_it_should_not_read(shared_fixtures: Path) -> None:
    result = derive(read_book(shared_fixtures / "vishak-dlexcel.xlsx"))
    assert result is not None
    first = result.first_mismatch
    assert first is not None and first.cell.address == "Sheet1!Z36" and first.t == 0
    assert "reads Sheet1!J36 (a_h1) where Sheet1!L36 (a_h2) belongs" in first.explanation
    # the value the derivative gives: the correct formula, a_h2·(1 − a_h2) in place of a_h1's
    ws = openpyxl.load_workbook(shared_fixtures / "vishak-dlexcel.xlsx", data_only=True)["Sheet1"]
    v = {c: ws[f"{c}36"].value for c in ("A", "B", "C", "L", "N", "P", "R", "T")}
    right = (
        ((v["R"] - v["A"]) * v["R"] * (1 - v["R"]) * v["N"] + (v["T"] - v["B"]) * v["T"] * (1 - v["T"]) * v["P"])
        * v["L"]
        * (1 - v["L"])
        * v["C"]
    )
    assert first.expected == pytest.approx(right, rel=1e-9)
    # named as the sheet labels it: vishak's own header over the column, one text, `E∂w3` as typed
    assert first.name == ws["Z35"].value == "E∂w3"


def test_duals_agree_with_finite_differences() -> None:
    """Random formulas of the functions homework uses, differentiated exactly and by central differences."""
    rng = random.Random(23)
    shapes = [
        "=1/(1+EXP(-({a}*{b}+{c})))",
        "=-(0.3*LN({s})+(1-0.3)*LN(1-{s}))",
        "=0.5*({a}-{b})^2+TANH({c})*{a}",
        "=MAX(0,{a}*{b}-{c})+SQRT({a}*{a}+1)",
        "=IF({a}>{b},{a}*{c},{b}/{c})",
        "=SUMPRODUCT(A1:A3,B1:B3)",
        "=POWER({a},2)*LOG({s})+ABS({b}-{c})",
    ]
    for text in shapes:
        for _ in range(5):
            values = {"A1": rng.uniform(0.2, 2), "A2": rng.uniform(-2, 2), "A3": rng.uniform(0.5, 2)}
            values |= {"B1": rng.uniform(-1, 1), "B2": rng.uniform(-1, 1), "B3": rng.uniform(-1, 1)}
            s = rng.uniform(0.1, 0.9)
            formula = text.format(a="A1", b="A2", c="A3", s=str(s))
            tree = parse(formula, 0, ["S"])
            names = sorted(values)

            def at(point: dict[str, float], wrt: str | None = None):
                def read(pos):
                    name = f"{'AB'[pos[2] - 1]}{pos[1]}"
                    return Dual(point[name], {0: 1.0} if name == wrt else {})

                return read

            for name in names:
                exact = evaluate(tree, at(values, name))
                h = 1e-6
                up = evaluate(tree, at(values | {name: values[name] + h})).value
                down = evaluate(tree, at(values | {name: values[name] - h})).value
                numeric = (up - down) / (2 * h)
                assert exact.d.get(0, 0.0) == pytest.approx(numeric, rel=1e-5, abs=1e-7), (formula, name)
                assert math.isfinite(exact.value)


def test_a_shape_compiled_once_gives_each_cell_filled_with_it_its_own_value_and_derivatives(tmp_path: Path) -> None:
    """Formulas filled down a column are parsed and compiled once per shape, then run on each
    cell's own references: each cell's tree is its own formula's, and its value and derivatives are
    those of the formula written out in Python (derivatives by central differences)."""
    filled = {
        "D": ("=1/(1+EXP(-(A{r}*$F$1+B{r})))", lambda a, b, c, w: 1 / (1 + math.exp(-(a * w + b)))),
        "E": ("=SUMPRODUCT(A{r}:C{r},$F$1:$H$1)", lambda a, b, c, w: a * w + b * 0.5 + c * -2),
        "G": ("=IF(A{r}>B{r},A{r}*C{r},B{r}/C{r})-LN(Data!A{r})", lambda a, b, c, w: a * c if a > b else b / c),
    }
    book = openpyxl.Workbook()
    sheet, data = book.active, book.create_sheet("Data")
    sheet["F1"], sheet["G1"], sheet["H1"] = 0.7, 0.5, -2
    for r in range(2, 8):
        data[f"A{r}"] = float(r)  # LN(r): a constant of each row
        for column, (text, _) in filled.items():
            sheet[f"{column}{r}"] = text.format(r=r)
    book.save(tmp_path / "filled.xlsx")
    f = Formulas(read_book(tmp_path / "filled.xlsx"))
    rng = random.Random(23)
    for r in range(2, 8):
        point = {"A": rng.uniform(-1, 1), "B": rng.uniform(-1, 1), "C": rng.uniform(0.5, 2), "F": 0.7}
        for column, (text, written) in filled.items():
            pos = (0, r, openpyxl.utils.column_index_from_string(column))
            assert f.trees[pos] == parse(text.format(r=r), 0, f.sheets)

            def at(values: dict[str, float], wrt: str, r: int = r):
                def read(p):
                    if p[0] == 1:
                        return Dual(float(p[1]), {})
                    name = openpyxl.utils.get_column_letter(p[2])
                    fixed = {"G": 0.5, "H": -2.0}
                    value = values[name] if p[1] == r or name == "F" else fixed.get(name, 0.0)
                    return Dual(value, {0: 1.0} if name == wrt and p[1] == r else {})

                return read

            right = written(point["A"], point["B"], point["C"], point["F"])
            if column == "G":
                right -= math.log(r)
            for name in "ABC":
                exact = run(f, pos, at(point, name))
                assert exact.value == pytest.approx(right, rel=1e-12)
                h = 1e-6
                up = written(*(point[k] + (h if k == name else 0) for k in "ABCF"))
                down = written(*(point[k] - (h if k == name else 0) for k in "ABCF"))
                numeric = (up - down) / (2 * h)
                assert exact.d.get(0, 0.0) == pytest.approx(numeric, rel=1e-5, abs=1e-7), (column, r, name)
    assert len(f.derived["programs"]) == len(filled)  # one program per shape, whatever the rows


@pytest.mark.parametrize("name", ["rows-tanh-231.xlsx", "columns-relu-221.xlsx", "online-and.xlsx"])
def test_a_step_run_with_its_parameter_left_out_is_what_its_update_adds(name: str) -> None:
    """An update's step is its formula's program with the parameter's term left out, compiled once
    per shape: on the numbers shown, it is what the spreadsheet added to the parameter (the update's
    number less the parameter's, both as saved), for every update."""
    f = Formulas(read_book(ZOO / name))
    updates = find_chains(f).updates.values()
    for update in updates:
        added = f.number(update.cell) - f.number(update.previous)
        step = shown_without(f, update.cell, update.term)
        assert step == pytest.approx(added, rel=1e-9, abs=1e-12), f.address(update.cell)
    assert len(f.derived["programs without"]) < len(updates) / 2  # one per shape, not one per update


def test_a_sum_run_with_one_term_left_out_reads_the_other_terms_own_cells(tmp_path: Path) -> None:
    """Whichever term is left out (first, in the middle, last), the others read their own cells
    of the row, as the sum written without that term in Python does; one program per term."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["F1"] = 0.25
    rows = range(2, 7)
    for r in rows:
        sheet[f"A{r}"], sheet[f"B{r}"], sheet[f"C{r}"] = r * 1.5, r * r, 10.0 - r
        sheet[f"D{r}"] = f"=B{r}*$F$1+A{r}-C{r}"
    book.save(tmp_path / "sum.xlsx")
    f = Formulas(read_book(tmp_path / "sum.xlsx"))
    for r in rows:
        a, b, c = r * 1.5, r * r, 10.0 - r
        without = [a - c, b * 0.25 - c, b * 0.25 + a]
        for term, right in enumerate(without):
            assert shown_without(f, (0, r, 4), term) == pytest.approx(right, rel=1e-12), (r, term)
    assert len(f.derived["programs without"]) == 3


def test_the_chains_of_a_row_per_iteration_run_down_their_columns() -> None:
    """`s1 = w11·x1 + w12·x2 + b1` reads as `b1 + …`, but only the update is read as b1 was."""
    chains = find_chains(Formulas(read_book(ZOO / "rows-tanh-231.xlsx")))
    starts = {c[0] for c in chains.links}
    # every chain starts at a typed parameter of the first row and runs down its column: 5 rows, 4 updates
    assert chains.iterations == 4
    assert all(chain[i + 1][1] == chain[i][1] + 1 for chain in chains.links for i in range(len(chain) - 1))
    assert len(starts) == len(chains.links) == 13  # 2·3 + 3 weights and 3 + 1 biases of a 2-3-1 net


def test_a_typed_repeat_of_a_weight_is_chained_to_the_cell_the_forward_pass_reads(shared_fixtures: Path) -> None:
    """luizcf's row 7 types the weights again and row 8 updates those: the forward pass reads row 4."""
    f = Formulas(read_book(shared_fixtures / "luizcf-241.xlsx"))
    chains = find_chains(f)
    starts = sorted(f.address(c[0]) for c in chains.links)
    assert "Planilha1!D4" in starts and "Planilha1!D7" not in starts
    # G4 (w4) is read by no formula of the forward pass (Y4 reads J4): nothing trains it by its derivative
    assert "Planilha1!G4" not in starts


ODD = ZOO / "odd"


@pytest.mark.parametrize(
    ("name", "verdict", "cell"),
    [
        ("08-momentum.xlsx", "not judged", None),  # momentum: no derivative of one iteration's loss
        ("09-eta-per-param.xlsx", "right", None),
        ("11-wrong-sign.xlsx", "wrong", "Train!B8"),  # the update's sign, not the right gradient
        ("22-grad-w-double.xlsx", "wrong", "Train!I7"),  # two parameters: the one off from −η is wrong
        ("28-deep-update.xlsx", "not judged", None),  # 500 parentheses: no traceback
        ("31b-one-param-sq.xlsx", "right", None),  # one parameter, a loss not labelled "loss"
        ("03-text-eta.xlsx", "not judged", None),  # η typed as text: no traceback
    ],
)
def test_odd_workbooks_are_judged_or_said_not_to_be(name: str, verdict: str, cell: str | None) -> None:
    """tests/zoo/odd: what an adversary built; a right workbook is never called wrong."""
    result, _, _ = judge(ODD / name, Options())
    first = result.first_mismatch
    assert (result.verdict, first.cell.address if first else None) == (verdict, cell)
    assert result.exit_code == {"right": 0, "wrong": 1, "not judged": 2}[verdict]  # not judged: give --config


def test_a_loss_one_factor_off_is_explained_by_its_factor(shared_fixtures: Path) -> None:
    """mlifc's sample loss takes LOG where LN belongs: with its network file, P5 is 1/ln 10 of the run's
    loss on the same ŷ and y, and the explanation says which logarithm."""
    result, _, _ = judge(shared_fixtures / "mlifc-logreg.xlsx", Options(config=shared_fixtures / "mlifc-logreg.toml"))
    first = result.first_mismatch
    assert first.cell.address == "Sheet1!P5"
    assert f"is {1 / math.log(10):.4g} times the run's loss" in first.explanation
    assert "the logarithm in base 10, where the loss's logarithm is natural (LN)" in first.explanation


def test_an_irregular_block_is_placed_where_its_update_chain_puts_it(shared_fixtures: Path) -> None:
    """mlifc's blocks are 20 rows apart but one is 21: its update chains (G18, G38, …, G158, G179,
    G199) say iteration 8 and 9 stand a row lower than the stride puts them. Its only slips are then
    the LOG loss of every sample in every block and the gradient typed over its formula in Epoch 3
    (H52); a fixed stride read iterations 8 and 9 a row off and called their right numbers wrong."""
    result, _, _ = judge(shared_fixtures / "mlifc-logreg.xlsx", Options(config=shared_fixtures / "mlifc-logreg.toml"))
    slips = [e for e in result.elements if e.kind == "slip"]
    assert {e.name for e in slips} == {f"L (sample {k})" for k in range(4)} | {"∂L/∂B1[0]"}
    assert [e.cell.address for e in slips if e.name == "∂L/∂B1[0]"] == ["Sheet1!H52"]
    last = {e.cell.address for e in slips if e.t == 9}
    assert last == {f"Sheet1!P{row}" for row in range(186, 190)}  # one row below 5 + 9·20 …


def test_a_layout_moved_by_its_chains_holds_each_iteration_where_they_put_it() -> None:
    """Layout.moves: iteration t at base + moves[t] (one stride more per iteration past their end),
    and `inside` finds a cell of a moved iteration, not the cell a whole stride would give."""
    from sheetnet.check.geometry import Layout

    layout = Layout(0, (0, 20, 0), bases={("W", 0): (0, 5, 7)}, box=(5, 7, 18, 17), last=11)
    layout.moves = ((0, 0, 0), (0, 20, 0), (0, 41, 0))
    assert [layout.at(("W", 0), t) for t in range(4)] == [(0, 5, 7), (0, 25, 7), (0, 46, 7), (0, 66, 7)]
    assert layout.inside((0, 59, 7)) and not layout.inside((0, 45, 7))  # iteration 2: rows 46-59, not 45-58
    assert layout.inside((0, 5 + 41 + 20 * 9 + 13, 17))  # iteration 11's last row
    assert not layout.inside((0, 5 + 41 + 20 * 9 + 14, 17))


def test_a_term_computed_and_left_out_of_its_sum_is_the_slip_of_the_cell_that_drops_it() -> None:
    """Mazur's ∂E_total/∂out_h1 written `=H16` where `=H16+H17` belongs: H17 (∂E_o2/∂out_h1) is
    computed and nothing reads it, and w1's and w2's steps are right exactly when H18 is H16 + H17.
    The slip is H18, the cell that drops the term, not H16, which is right."""
    result, _, _ = judge(ZOO / "mazur-sheet-sum-slip.xlsx", Options())
    first = result.first_mismatch
    assert first.cell.address == "Backprop!H18"
    assert "where H16 + H17 belongs" in first.explanation and "nothing reads it" in first.explanation
    sheet = openpyxl.load_workbook(ZOO / "mazur-sheet-sum-slip.xlsx", data_only=True)["Backprop"]
    assert first.expected == pytest.approx(sheet["H16"].value + sheet["H17"].value, rel=1e-12)
    assert first.found == pytest.approx(sheet["H16"].value, rel=1e-12)


def test_a_slip_under_a_caption_is_named_by_its_row_label() -> None:
    """The transposed batch's δ o (C19) sits under `sample 1`, which heads the whole column: it is
    named `δ o`, its row's label, as the parameter it updates is `w1`, not `value`, in Mazur's table."""
    result, _, _ = judge(ZOO / "transposed-batch-product-slip.xlsx", Options())
    first = result.first_mismatch
    assert (first.cell.address, first.name) == ("Batch!C19", "δ o")
    assert first.explanation.startswith("Batch!C19 (δ o) is read only by updates that go wrong")
    result, _, _ = judge(ZOO / "mazur-biases-ah-slip.xlsx", Options())
    assert result.first_mismatch.parameter == "NN!B4 (w1)"


@pytest.mark.parametrize(
    ("name", "cell", "wrong", "right"),
    [
        ("course-helpers-weight-slip.xlsx", "Sheet1!AB6", "Sheet1!L6 (w7)", "Sheet1!M6 (w8)"),
        ("phases-241-delta-slip.xlsx", "Sheet1!AJ3", "Sheet1!O3 (w12)", "Sheet1!N3 (w11)"),
        # `value` heads column G: each cell is named by its row's label
        ("mazur-biases-ah-slip.xlsx", "NN!C4", "NN!G11 (out h2)", "NN!G9 (out h1)"),
    ],
)
def test_one_wrong_reference_is_the_slip_of_the_cell_that_reads_it(
    name: str, cell: str, wrong: str, right: str
) -> None:
    """A backward cell reads one parameter where another belongs (`=X6*L6`, w7, where `=X6*M6`, w8,
    belongs): with that one reference moved, the step is −η times the gradient, and the cell that
    reads it is the slip, not its right neighbour in the same sum."""
    result, _, _ = judge(ZOO / name, Options())
    first = result.first_mismatch
    assert first.cell.address == cell
    assert f"reads {wrong} where {right} belongs" in first.explanation
