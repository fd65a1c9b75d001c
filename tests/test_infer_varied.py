"""`init --from` and `check` without `--config` on workbooks of many styles (tests/varied.py).

Each workbook is written with formulas only, and LibreOffice computes every value: the numbers
come from a spreadsheet program, the truth from the network the builder was given. Typed copies
(every formula replaced by its value, rounded as a person types it) test the reading by labels.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from test_infer import assert_same_network
from varied import Net, Style, build, mazur, xor_batch

from sheetnet.cli import main
from sheetnet.libreoffice import recalculate
from sheetnet.spec import load_network, parse_network

NO_BIAS = {"B1": None, "B2": None}


@dataclass
class Case:
    truth: str  # the network file the workbook trains
    expect: str = "right"  # the verdict of `check` without --config, or "slip:<header>" (first row)
    sheet: str = "Sheet1"
    how: str = "formulas"


def _formulas(folder: Path) -> dict[str, Case]:
    """Write every case's formulas (no values yet); return what each must give."""
    cases: dict[str, Case] = {}

    def one(name: str, net: Net, style: Style, expect: str = "right") -> None:
        build(folder / f"{name}.xlsx", net, style)
        cases[name] = Case(net.toml(name), expect)

    one("mazur-fixed-bias", mazur(), Style(bias="fixed_cell"))
    one("mazur-trained-bias-typed-eta", mazur(train_biases=True), Style(bias="trained", eta="typed"))
    tanh = Net(
        x=[0.5, -0.3],
        y=[0.8],
        W1=[[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]],
        W2=[[0.3, -0.1, 0.25]],
        B1=[0.1, -0.1, 0.05],
        B2=[0.2],
        train_biases=True,
        hid="tanh",
        out="linear",
        lr=0.1,
        iters=8,
    )
    one("tanh-linear-2-3-1", tanh, Style(hid="tanh", out="linear", bias="trained", pre="bias_first", eta="far"))
    relu = Net(
        x=[1.0, 0.5, -0.5],
        y=[1.0],
        W1=[[0.2, 0.4, -0.3], [0.6, -0.1, 0.2]],
        W2=[[0.5, 0.7]],
        B1=[0.1, 0.1],
        B2=[0.0],
        train_biases=True,
        hid="relu",
        out="linear",
        lr=0.05,
        iters=7,
    )
    one("relu-3-2-1-sumproduct", relu, Style(hid="relu", out="linear", bias="trained", pre="sumproduct"))
    tiny = Net(x=[1.5], y=[0.2], W1=[[0.8]], W2=[[-0.6]], B1=[0.0], B2=[0.0], lr=1.0, iters=10)
    one("one-one-one-exp-over", tiny, Style(hid="sig2", out="sig2", pre="xw"))
    one("eta-on-another-sheet", mazur(**NO_BIAS, lr=0.7, iters=5), Style(eta="othersheet"))
    one("columns", mazur(iters=6), Style(layout="cols", bias="fixed_typed"))
    one("columns-no-bias", mazur(**NO_BIAS, iters=5), Style(layout="cols"))
    one("blocks", mazur(**NO_BIAS, lr=1.0, iters=4), Style(layout="blocks"))
    small = {"x": [0.3, 0.9], "W1": [[0.1, 0.2], [0.3, 0.4]], "W2": [[0.5, 0.6]], "B1": [0.0, 0.0], "B2": [0.0]}
    one("mse-one-output", Net(y=[0.6], loss="mse", lr=0.8, iters=6, **small), Style(loss_col="mse"))
    one("cross-entropy", Net(y=[1.0], loss="cross_entropy", lr=0.5, iters=6, **small), Style(loss_col="ce"))
    # no loss written: the verdict cannot be right (the table holds no loss), but the loss is read
    one("mse-no-loss-written", Net(y=[0.6], loss="mse", lr=0.8, iters=6, **small), Style(loss_col="none"), "incomplete")
    one("slip-dw3", mazur(**NO_BIAS), Style(slip="w3"), "slip:dE/dw3")
    other = Net(
        x=[0.4, 0.7],
        y=[0.3, -0.2],
        W1=[[0.3, 0.5], [-0.2, 0.6]],
        W2=[[0.7, -0.4], [0.1, 0.9]],
        B1=[0.0, 0.0],
        B2=[0.0, 0.0],
        hid="relu",
        out="tanh",
        lr=0.3,
        iters=5,
    )
    one("relu-if-tanh-by-exp", other, Style(hid="relu_if", out="tanh2"))
    one("gradient-inside-the-update", mazur(**NO_BIAS), Style(inline_update=True))
    one("eta-defined-name", mazur(**NO_BIAS, iters=5), Style(eta="name"))
    one("iteration-column-n", mazur(**NO_BIAS), Style(iter_col="n", eta="panel"))
    one("w-numbered-by-input", mazur(**NO_BIAS, iters=5, W1=[[0.15, 0.25], [0.20, 0.30]]), Style(wnum="cols"))

    wb = None
    for lr in (0.1, 0.5, 1.0):
        wb = build(folder / "x", mazur(**NO_BIAS, lr=lr, iters=5), Style(), wb=wb, sheet_title=f"LR_{lr}", save=False)
    if "Sheet" in wb.sheetnames:
        del wb["Sheet"]
    wb.save(folder / "sheet-per-eta.xlsx")
    cases["sheet-per-eta"] = Case(mazur(**NO_BIAS, lr=0.1, iters=5).toml(), sheet="LR_0.1")

    cases["xor-four-samples"] = Case(xor_batch(folder / "xor-four-samples.xlsx"), sheet="XOR")
    cases["xor-slip-in-sample-3"] = Case(xor_batch(folder / "xor-slip-in-sample-3.xlsx", slip=True), "wrong", "XOR")
    return cases


TYPED = {  # typed copy → (source, decimals)
    "typed-mazur-4dp": ("mazur-fixed-bias", 4),
    "typed-tanh-linear-full": ("tanh-linear-2-3-1", None),
    "typed-columns-4dp": ("columns-no-bias", 4),  # (biases typed into formulas leave no number to read)
    "typed-blocks-4dp": ("blocks", 4),
    "typed-w-numbered-by-input-4dp": ("w-numbered-by-input", 4),
    "typed-iteration-column-n-4dp": ("iteration-column-n", 4),
}


def _typed(source: Path, target: Path, decimals: int | None) -> None:
    values = openpyxl.load_workbook(source, data_only=True)
    out = openpyxl.Workbook()
    out.remove(out.active)
    for ws in values:
        copy = out.create_sheet(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, float) and decimals is not None:
                    value = round(value, decimals)
                if value is not None:
                    copy.cell(cell.row, cell.column, value)
    out.save(target)


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict[str, tuple[Path, Case]]:
    raw = tmp_path_factory.mktemp("varied-raw")
    cases = _formulas(raw)
    done = tmp_path_factory.mktemp("varied")
    names = sorted(cases)
    recalculated = recalculate([raw / f"{n}.xlsx" for n in names], done)
    books = {n: (p, cases[n]) for n, p in zip(names, recalculated, strict=True)}
    for name, (source, decimals) in TYPED.items():
        target = done / f"{name}.xlsx"
        _typed(books[source][0], target, decimals)
        case = books[source][1]
        books[name] = (target, Case(case.truth, case.expect, case.sheet, "labels"))
    return books


@pytest.mark.parametrize(
    "name",
    [
        "mazur-fixed-bias",
        "mazur-trained-bias-typed-eta",
        "tanh-linear-2-3-1",
        "relu-3-2-1-sumproduct",
        "one-one-one-exp-over",
        "eta-on-another-sheet",
        "columns",
        "columns-no-bias",
        "blocks",
        "mse-one-output",
        "cross-entropy",
        "mse-no-loss-written",
        "slip-dw3",
        "relu-if-tanh-by-exp",
        "gradient-inside-the-update",
        "eta-defined-name",
        "iteration-column-n",
        "w-numbered-by-input",
        "sheet-per-eta",
        "xor-four-samples",
        "xor-slip-in-sample-3",
        *TYPED,
    ],
)
def test_the_network_is_read_and_the_verdict_follows(
    name: str, varied: dict[str, tuple[Path, Case]], tmp_path: Path
) -> None:
    path, case = varied[name]
    out = tmp_path / "read.toml"
    result = CliRunner().invoke(main, ["init", "--from", str(path), str(out)])
    assert result.exit_code == 0, result.output
    truth = parse_network(case.truth, source=name)
    assert_same_network(load_network(out), truth)
    flat = " ".join(result.output.split())
    assert f"sheet {case.sheet}:" in flat
    assert {"formulas": "from its formulas", "labels": "from its labels and numbers"}[case.how] in out.read_text(
        encoding="utf-8"
    )

    result = CliRunner().invoke(main, ["check", str(path), "--json"])
    data = json.loads(result.stdout)
    # judged against its own forward pass where it trains by formulas, else against the network read
    own = data["network_source"].startswith("no network file: judged against its own forward pass")
    assert own or data["network_source"].startswith("network read from the workbook"), data["network_source"]
    assert case.how == "formulas" or not own, data["network_source"]
    verdicts = [t["verdict"] for t in data["tables"] if t["sheet"] == case.sheet]
    if case.expect == "right":
        assert result.exit_code == 0, data["first_mismatch"] or data["tables"]
    elif case.expect.startswith("slip:"):
        header = case.expect.removeprefix("slip:")
        sheet = openpyxl.load_workbook(path)[case.sheet]
        row = next(r for r in sheet.iter_rows() if any(c.value == header for c in r))
        col = next(c.column_letter for c in row if c.value == header)
        assert data["first_mismatch"]["cell"] == f"{case.sheet}!{col}{row[0].row + 1}"
    else:
        assert result.exit_code == 1
        assert verdicts and verdicts[0] == case.expect, data["tables"]
