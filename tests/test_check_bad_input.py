"""`check` on workbooks it cannot judge: never a traceback, never exit 1 for what the user must
fix, and the cell that stops it named; and the two judges' `--json` in the same keys.

The workbooks are a linear regression ŷ = w·x + b over four samples, a row per iteration (w in B,
b in C, ŷ in D:G, the loss in H, ∂L/∂w in I, ∂L/∂b in J, η in B1), written by XlsxWriter with
results computed here, changed in one way each: a function the derivative does not know where the
loss is computed, or only beside it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner

from sheetnet.cells.dual import Unsupported, evaluate
from sheetnet.cli import main
from sheetnet.formula import parse

X, Y, ETA, W0, B0 = (1.0, 2.0, 3.0, 4.0), (3.1, 4.9, 7.2, 8.8), 0.05, 0.5, 0.2
ITERS = 4
ZOO = Path(__file__).resolve().parent / "zoo"
NETWORK = f"""layers = [1, 1]
activation = "linear"
output_activation = "linear"
loss = "mse"
lr = {ETA}
iters = {ITERS}
reduction = "mean"

[init]
W1 = [[{W0}]]
B1 = [{B0}]
""" + "".join(f"\n[[samples]]\nx = [{x}]\ny = [{y}]\n" for x, y in zip(X, Y, strict=True))


def _regression(
    path: Path,
    *,
    loss: str = "{}",
    yhat: str = "{}",
    helper: Callable[[int], str] | None = None,
    total: str | None = None,
    slip: bool = False,
    wrapped: int = 0,
    update: str = "{}",
) -> Path:
    """The workbook; `loss` and `yhat` wrap their formulas (`IFERROR({},0)`) from iteration
    `wrapped` on, `update` w's updates, `helper` writes column K of each row, `total` a cell of its own (N1), `slip`
    doubles ∂L/∂w in iteration 1."""
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("Train")
    ws.write_row("A1", ["eta", ETA])
    ws.write("C3", "x")
    ws.write_row("D3", X)
    ws.write("C4", "y")
    ws.write_row("D4", Y)
    ws.write_row("A6", ["iter", "w", "b", "yhat1", "yhat2", "yhat3", "yhat4", "loss", "dL/dw", "dL/db", "note"])
    w, b, losses = W0, B0, []
    for k in range(ITERS):
        r = 7 + k
        ws.write(f"A{r}", k)
        if k == 0:
            ws.write_row(f"B{r}", [w, b])
        else:
            ws.write_formula(f"B{r}", "=" + update.format(f"B{r - 1}-$B$1*I{r - 1}"), None, w)
            ws.write_formula(f"C{r}", f"=C{r - 1}-$B$1*J{r - 1}", None, b)
        out = [w * x + b for x in X]
        around, over = (yhat, loss) if k >= wrapped else ("{}", "{}")
        for c, value in zip("DEFG", out, strict=True):
            ws.write_formula(f"{c}{r}", "=" + around.format(f"$B{r}*{c}$3+$C{r}"), None, value)
        losses.append(sum((o - y) ** 2 for o, y in zip(out, Y, strict=True)) / 4)
        ws.write_formula(f"H{r}", "=" + over.format(f"SUMPRODUCT((D{r}:G{r}-$D$4:$G$4)^2)/4"), None, losses[-1])
        doubled = slip and k == 1
        gw = 2 * sum((o - y) * x for o, y, x in zip(out, Y, X, strict=True)) / 4 * (2 if doubled else 1)
        gb = 2 * sum(o - y for o, y in zip(out, Y, strict=True)) / 4
        ws.write_formula(f"I{r}", f"=2*SUMPRODUCT(D{r}:G{r}-$D$4:$G$4,$D$3:$G$3)/4{'*2' * doubled}", None, gw)
        ws.write_formula(f"J{r}", f"=2*SUMPRODUCT(D{r}:G{r}-$D$4:$G$4)/4", None, gb)
        if helper is not None:
            ws.write_formula(f"K{r}", helper(r), None, losses[-1])
        w, b = w - ETA * gw, b - ETA * gb
    if total is not None:
        ws.write_formula("N1", total, None, sum(losses))
    book.close()
    return path


def _check(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", *map(str, args)], env={"COLUMNS": "80"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def _text(out: str) -> str:
    return " ".join(out.split())


@pytest.fixture
def network(tmp_path: Path) -> Path:
    path = tmp_path / "regression.toml"
    path.write_text(NETWORK, "utf-8")
    return path


# ------------------------------------------------------------------ a formula the derivative cannot go through


@pytest.mark.parametrize(
    ("change", "cell", "formula", "why"),
    [
        (
            {"loss": "IFERROR({},0)"},
            "Train!H7",
            "=IFERROR(SUMPRODUCT((D7:G7-$D$4:$G$4)^2)/4,0)",
            "IFERROR is a function sheetnet cannot differentiate",
        ),
        ({"yhat": "IFERROR({},0)"}, "Train!D7", "=IFERROR($B7*D$3+$C7,0)", "IFERROR is a function"),
        (
            {"loss": "{}+0*SUM(Z:Z)"},
            "Train!H7",
            "=SUMPRODUCT((D7:G7-$D$4:$G$4)^2)/4+0*SUM(Z:Z)",
            "Z:Z is a whole-column range, which sheetnet does not read cell by cell",
        ),
    ],
    ids=["loss-iferror", "yhat-iferror", "loss-whole-column"],
)
def test_a_loss_that_cannot_be_differentiated_is_named_with_exit_2(
    change: dict[str, str], cell: str, formula: str, why: str, tmp_path: Path, network: Path
) -> None:
    book = _regression(tmp_path / "book.xlsx", **change)
    code, out, err = _check(book)
    assert code == 2 and err == "", out
    assert _text(out).startswith(f"Not judged: {cell} holds {formula}: {why}")
    assert "so iteration 0 cannot be judged" in _text(out) and "--config" in out
    assert "Traceback" not in out
    code, out, _ = _check(book, "--json")
    data = json.loads(out)
    assert (code, data["verdict"], data["judged"]) == (2, "not judged", "derivative")
    assert data["blocked"] == {"iteration": 0, "cell": cell, "formula": formula, "why": data["blocked"]["why"]}
    assert why in data["blocked"]["why"]
    # with the network the cell is judged by its number, as every cell: right
    code, out, _ = _check(book, "--config", network)
    assert code == 0, out


@pytest.mark.parametrize(
    "change",
    [
        {"helper": lambda r: f"=VLOOKUP(A{r},$A$7:$H$10,8,FALSE)"},  # a lookup beside the table
        {"total": "=SUM(H:H)"},  # the loss summed over a whole column, read by nothing
    ],
    ids=["helper-vlookup", "total-whole-column"],
)
def test_what_the_updates_do_not_read_does_not_stop_the_rest_being_judged(change: dict, tmp_path: Path) -> None:
    code, out, _ = _check(_regression(tmp_path / "right.xlsx", **change))
    assert code == 0 and out.startswith("Right: each of its 6 updates"), out
    code, out, _ = _check(_regression(tmp_path / "wrong.xlsx", slip=True, **change))
    assert code == 1 and out.startswith("Wrong: first slip in Train!I8, iteration 1: dL/dw"), out


def test_an_update_it_cannot_read_as_one_is_named_not_taken_for_momentum(tmp_path: Path) -> None:
    """w's updates `=IFERROR(B7-$B$1*I7,0)` are no update it reads: b's steps then carry what w's
    earlier iteration computed, as momentum's would; the cell that says why is named."""
    code, out, _ = _check(_regression(tmp_path / "book.xlsx", update="IFERROR({},0)"))
    text = _text(out)
    assert code == 2 and text.startswith("Not judged: Train!B8 holds =IFERROR(B7-$B$1*I7,0): IFERROR is a function")
    assert "momentum" not in text


def test_a_slip_before_the_iteration_that_cannot_be_judged_is_the_verdict(tmp_path: Path) -> None:
    """∂L/∂w doubled in iteration 1, ŷ through IFERROR from iteration 2: wrong (exit 1) at the slip,
    and the cell that stops iteration 2 named below it; without the slip, not judged (exit 2)."""
    code, out, _ = _check(_regression(tmp_path / "wrong.xlsx", yhat="IFERROR({},0)", wrapped=2, slip=True))
    text = _text(out)
    assert code == 1 and text.startswith("Wrong: first slip in Train!I8, iteration 1: dL/dw"), out
    assert "Not judged after the first slip: Train!D9 holds =IFERROR($B9*D$3+$C9,0): IFERROR is a function" in text
    code, out, _ = _check(_regression(tmp_path / "right.xlsx", yhat="IFERROR({},0)", wrapped=2))
    assert code == 2 and _text(out).startswith("Not judged: Train!D9 holds =IFERROR($B9*D$3+$C9,0)"), out


def test_a_network_read_through_a_cell_it_cannot_read_gives_no_verdict(tmp_path: Path) -> None:
    """The zoo's right 2-3-1 tanh rows with a1 wrapped in IFERROR in every row: the network read from
    it misses a1 (a 2-2-1), and against that every ŷ, which reads a1, differs. Not "wrong": not judged,
    naming a1's cell; with its network file, right."""
    source = ZOO / "rows-tanh-231.xlsx"
    formulas, values = openpyxl.load_workbook(source), openpyxl.load_workbook(source, data_only=True)
    book = xlsxwriter.Workbook(tmp_path / "a1-iferror.xlsx")
    for ws in formulas.worksheets:
        out = book.add_worksheet(ws.title)
        for cell in (c for row in ws.iter_rows() for c in row if c.value is not None):
            text = cell.value
            if not (isinstance(text, str) and text.startswith("=")):
                out.write(cell.coordinate, text)
                continue
            if cell.column_letter == "U":
                text = f"=IFERROR({text[1:]},0)"
            out.write_formula(cell.coordinate, text, None, values[ws.title][cell.coordinate].value)
    for name, defined in formulas.defined_names.items():
        book.define_name(name, "=" + defined.attr_text)
    book.close()
    code, out, _ = _check(book.filename)
    text = _text(out)
    assert code == 2 and text.startswith("Not judged: Training!U5 holds =IFERROR(TANH(R5),0): IFERROR is a function")
    assert "the network read from it (sheet Training: 2-2-1" in text and "is read through Training!U5 too" in text
    code, out, _ = _check(book.filename, "--config", ZOO / "rows-tanh-231.toml", "--iters", "5")
    assert code == 0, out


def test_an_unknown_function_and_a_range_no_cell_lists_say_what_they_are() -> None:
    def why(formula: str) -> str:
        with pytest.raises(Unsupported) as caught:
            evaluate(parse(formula, 0, ["Sheet1"]), lambda pos: pytest.fail("reads no cell"))
        return str(caught.value)

    assert why("=IFERROR(2,0)") == "IFERROR is a function sheetnet cannot differentiate"
    assert why("=VLOOKUP(2,1,1,FALSE)") == "VLOOKUP is a function sheetnet cannot differentiate"
    assert why("=SUM(A:A)") == "A:A is a whole-column range, which sheetnet does not read cell by cell"
    assert why("=SUM(3:3)") == "3:3 is a whole-row range, which sheetnet does not read cell by cell"
    assert why('=1+"x"') == '"x" is text where a number belongs'
    assert why("=#REF!+1") == "#REF! is an error value"


# ------------------------------------------------------------------ nothing to judge, nothing to judge it against


def _workbook(path: Path, cells: dict[str, object], *, chart: bool = False) -> Path:
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("data" if chart else "Sheet1")
    for address, value in cells.items():
        if isinstance(value, tuple):
            ws.write_formula(address, value[0], None, value[1])
        else:
            ws.write(address, value)
    if chart:
        plot = book.add_chart({"type": "line"})
        plot.add_series({"values": "=data!$A$1:$A$3"})
        book.add_chartsheet("Chart").set_chart(plot)
    book.close()
    return path


@pytest.mark.parametrize(
    ("cells", "chart"),
    [({}, False), ({"A1": "hello", "B2": "x"}, False), ({}, True)],
    ids=["empty", "text-only", "chart-of-nothing"],
)
def test_a_workbook_with_no_number_is_refused_with_or_without_config(
    cells: dict, chart: bool, tmp_path: Path, network: Path
) -> None:
    book = _workbook(tmp_path / "nothing.xlsx", cells, chart=chart)
    for extra in ((), ("--config", network)):
        code, out, err = _check(book, *extra, "--json")
        assert (code, out) == (2, "")
        assert err == f"sheetnet: error: {book}: the workbook holds no numbers: there is nothing to check\n"


@pytest.mark.parametrize(
    ("cells", "chart"),
    [
        ({f"{c}{r}": r * 0.5 + ord(c) for c in "AB" for r in range(1, 20)}, False),
        ({"A1": 1, "A2": ("=1+", 0)}, False),  # a formula no spreadsheet would save
        ({"A1": 1, "A2": 2, "A3": 3}, True),  # a chart sheet of a column of numbers
    ],
    ids=["typed-numbers", "broken-formula", "chart-sheet"],
)
def test_numbers_of_no_network_without_config_are_refused_and_with_it_follow_no_network(
    cells: dict, chart: bool, tmp_path: Path, network: Path
) -> None:
    book = _workbook(tmp_path / "numbers.xlsx", cells, chart=chart)
    code, out, err = _check(book)
    assert (code, out) == (2, "")
    assert err.startswith(f"sheetnet: error: {book}: no network file given, and no table in it follows the notes'")
    assert err.rstrip().endswith("give the assignment's network with --config")
    code, out, _ = _check(book, "--config", network, "--json")  # with it: a verdict, no table follows it
    assert (code, json.loads(out)["verdict"]) == (1, "no table")


def test_a_class_with_a_workbook_not_judged_exits_2_and_keeps_its_row(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    _regression(folder / "ann.xlsx")
    _regression(folder / "bob.xlsx", loss="IFERROR({},0)")
    code, out, _ = _check(folder, "--json", "--jobs", "1")
    rows = {Path(r["file"]).name: r for r in json.loads(out)}
    assert code == 2
    assert (rows["ann.xlsx"]["verdict"], rows["bob.xlsx"]["verdict"]) == ("right", "not judged")
    assert rows["bob.xlsx"]["blocked"]["cell"] == "Train!H7"


# ------------------------------------------------------------------ the two judges' --json


def test_both_judges_give_the_same_keys_for_the_same_slip(shared_fixtures: Path) -> None:
    book, network = shared_fixtures / "vishak-dlexcel.xlsx", shared_fixtures / "vishak-dlexcel.toml"
    code, out, _ = _check(book, "--config", network, "--iters", "32", "--json")
    run = json.loads(out)
    code_derived, out, _ = _check(book, "--json")
    derived = json.loads(out)
    assert (code, code_derived) == (1, 1)
    assert (run["judged"], derived["judged"]) == ("run", "derivative")
    assert set(run) <= set(derived), set(run) - set(derived)
    assert set(run["first_mismatch"]) <= set(derived["first_mismatch"])
    assert set(run["tables"][0]) <= set(derived["tables"][0]), set(run["tables"][0]) - set(derived["tables"][0])
    slipped = {e["cell"]: e for e in derived["elements"]}
    assert {k for e in run["elements"] if "cell" in e for k in e} <= {k for e in slipped.values() for k in e}
    for data in (run, derived):  # the same slip, in the same words
        first = data["first_mismatch"]
        assert (first["cell"], first["iteration"], first["kind"], data["verdict"]) == ("Sheet1!Z36", 0, "slip", "wrong")
        assert first["found"] == pytest.approx(0.0002248724776, rel=1e-9)
        assert first["expected"] == pytest.approx(0.0002248134626, rel=1e-6)
        assert "J36" in first["explanation"] and "L36" in first["explanation"]
        assert data["tables"][0]["sheet"] == "Sheet1" and data["tables"][0]["first_slip"] == "Sheet1!Z36"
    same = ("eta", "eta_cell", "iterations", "iterations_done")  # 32 rows, η 2 in G33
    assert [derived["tables"][0][k] for k in same] == [run["tables"][0][k] for k in same] == [2.0, "Sheet1!G33", 32, 32]
    for data in (run, derived):  # the quantity in each judge's words: ∂L/∂W1[1,0], the sheet's label E∂w3
        assert data["tables"][0]["reason"].startswith("first slip in Sheet1!Z36, iteration 0: ")
    assert derived["absent"] is None and derived["unmatched_cells"] is None
