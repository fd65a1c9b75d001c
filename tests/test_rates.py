"""Several η in one run: a rows sheet per η, each with its own η cell, a Summary comparing them,
the terminal's comparison, and `check` judging each sheet with its own η.

The truth each η sheet is compared with is a run of that η alone: its trace, the Training sheet
of its own single-η workbook, and LibreOffice's recalculation after η is changed in the file.
"""

from __future__ import annotations

import json
import math
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheetnet.batch import Options, judge
from sheetnet.book import read_book
from sheetnet.cli import main
from sheetnet.infer import read_network
from sheetnet.layout import ROWS, TRAINING, RowsLayout, rate_sheet
from sheetnet.libreoffice import recalculate
from sheetnet.rates import write_rates_workbook
from sheetnet.render import sparklines
from sheetnet.spec import Network, default_network, load_network
from sheetnet.trace import Trace, run
from sheetnet.workbook import write_workbook

ROOT = Path(__file__).resolve().parent.parent
MAZUR = ROOT / "examples" / "mazur-2-2-2.toml"
RATES = (0.1, 0.5, 2.0)
ITERS = 12


def _networks(rates: tuple[float, ...] = RATES, iters: int = ITERS, path: Path = MAZUR) -> list[Network]:
    base = load_network(path)
    return [base.with_overrides(lr=lr, iters=iters) for lr in rates]


@pytest.fixture(scope="module")
def rates_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_rates_workbook([run(n) for n in _networks()], tmp_path_factory.mktemp("rates") / "rates.xlsx")


def _cli(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.stdout, result.stderr


def _assert_sheet_is_the_run(book: openpyxl.Workbook, trace: Trace, sheet: str | None = None) -> int:
    """Every number of `trace` (a run of one η), at its cell on that η's sheet (or on `sheet`),
    equals the trace's."""
    layout = RowsLayout(trace.network, trace.setup, trace.iterations[0], own_rate=True)
    checked = 0
    for graph in trace.iterations:
        for quantity in graph.quantities:
            for key in quantity.keys:
                cell = layout.cell(key)
                on = sheet if sheet is not None and cell.sheet == layout.sheet else cell.sheet
                value = book[on].cell(row=cell.row + 1, column=cell.col + 1).value
                assert isinstance(value, int | float), (key, cell, value)
                assert math.isclose(value, trace.values[key], rel_tol=1e-12, abs_tol=1e-15), (key, value)
                checked += 1
    return checked


# ------------------------------------------------------------------------------ the workbook


def test_a_sheet_per_rate_holding_the_run_of_that_rate_alone(rates_workbook: Path) -> None:
    book = openpyxl.load_workbook(rates_workbook, data_only=True)
    assert book.sheetnames == ["Setup", "Summary", "η = 0.1", "η = 0.5", "η = 2"]
    per_iteration = sum(len(q.keys) for q in run(_networks()[0]).iterations[0].quantities)
    for network in _networks():
        sheet = book[rate_sheet(network.lr)]
        assert (sheet["A2"].value, sheet["B2"].value) == ("η", network.lr)
        assert _assert_sheet_is_the_run(book, run(network)) == ITERS * per_iteration
    # η is on each sheet, not on Setup, and no defined name `lr` stands for one of them
    assert "lr" not in openpyxl.load_workbook(rates_workbook).defined_names
    texts = [c.value for row in book["Setup"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(text.startswith("η: one per sheet, the yellow cell B2") for text in texts)


def test_each_sheet_s_formulas_are_a_single_rate_training_sheet_s_reading_its_own_eta(
    rates_workbook: Path, tmp_path: Path
) -> None:
    """The η = 0.5 sheet is, formula for formula, the Training sheet of a run of η = 0.5 alone,
    with `lr` (Setup's η) replaced by `$B$2` (its own)."""
    network = _networks()[1]
    single = write_workbook(run(network), tmp_path / "single.xlsx", layout=ROWS)
    training = openpyxl.load_workbook(single)[TRAINING]
    sheet = openpyxl.load_workbook(rates_workbook)["η = 0.5"]
    compared = 0
    for row in training.iter_rows(min_row=5):
        for cell in row:
            if cell.value is None:
                continue
            mine = sheet[cell.coordinate].value
            expected = re.sub(r"\blr\b", "$B$2", cell.value) if isinstance(cell.value, str) else cell.value
            assert mine == expected, (cell.coordinate, mine, expected)
            compared += 1
    assert compared > ITERS * 40
    assert "$B$2" in sheet["B6"].value  # the update of row 0 moves by its own η
    # and Setup holds x, y and the initial parameters in the same cells as a single run's
    setup, own = openpyxl.load_workbook(single)["Setup"], openpyxl.load_workbook(rates_workbook)["Setup"]
    assert [[c.value for c in r] for r in setup.iter_rows(min_row=8)] == [
        [c.value for c in r] for r in own.iter_rows(min_row=8)
    ]


def test_the_summary_compares_every_rate_with_live_formulas_and_one_chart(rates_workbook: Path) -> None:
    formulas = openpyxl.load_workbook(rates_workbook)["Summary"]
    values = openpyxl.load_workbook(rates_workbook, data_only=True)["Summary"]
    assert [c.value for c in values[4]] == ["η", f"L at iteration {ITERS - 1}", "lowest L", "at iteration"]
    loss_column = "V"  # L on the Training sheet of a 2-2-2 network
    for r, network in enumerate(_networks(), start=5):
        trace = run(network)
        best = min(range(ITERS), key=lambda t: trace.losses[t])
        assert [c.value for c in values[r]] == pytest.approx([network.lr, trace.losses[-1], trace.losses[best], best])
        sheet = f"'{rate_sheet(network.lr)}'"
        assert formulas[f"A{r}"].value == f"={sheet}!$B$2"
        assert formulas[f"B{r}"].value == f"={sheet}!{loss_column}{4 + ITERS}"
        assert formulas[f"C{r}"].value == f"=MIN({sheet}!${loss_column}$5:${loss_column}${4 + ITERS})"
        assert formulas[f"D{r}"].value == f"=MATCH(C{r},{sheet}!${loss_column}$5:${loss_column}${4 + ITERS},0)-1"
    with zipfile.ZipFile(rates_workbook) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        chart = archive.read(charts[0]).decode()
    assert len(charts) == 1 and chart.count("<c:ser>") == len(RATES)
    for network in _networks():
        name = rate_sheet(network.lr)
        assert f"<c:v>{name}</c:v>" in chart  # the legend
        assert f"'{name}'!${loss_column}$5:${loss_column}${4 + ITERS}" in chart
    assert "c:logBase" not in chart  # 0.298 to 0.04: less than two decades


def test_losses_spanning_more_than_two_decades_are_charted_on_a_log_scale(tmp_path: Path) -> None:
    networks = [default_network().with_overrides(lr=lr, iters=12) for lr in (0.01, 0.05)]
    assert run(networks[0]).losses[-1] < run(networks[0]).losses[0] / 100
    path = write_rates_workbook([run(n) for n in networks], tmp_path / "log.xlsx")
    with zipfile.ZipFile(path) as archive:
        assert '<c:logBase val="10"/>' in archive.read("xl/charts/chart1.xml").decode()


@pytest.mark.libreoffice
def test_changing_one_sheet_s_eta_recomputes_that_sheet_only(
    soffice: str, rates_workbook: Path, tmp_path: Path
) -> None:
    (as_written,) = recalculate([rates_workbook], tmp_path / "lo")
    for network in _networks():  # LibreOffice's own recalculation agrees with every run
        assert _assert_sheet_is_the_run(openpyxl.load_workbook(as_written, data_only=True), run(network)) > 0
    book = openpyxl.load_workbook(rates_workbook)
    book["η = 0.5"]["B2"] = 0.3
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    (recalculated,) = recalculate([edited], tmp_path / "out")
    values = openpyxl.load_workbook(recalculated, data_only=True)
    slow, changed, fast = (run(n) for n in _networks((0.1, 0.3, 2.0)))
    assert _assert_sheet_is_the_run(values, changed, "η = 0.5") > 0  # the η = 0.5 sheet trains with 0.3 ...
    assert not math.isclose(changed.losses[-1], run(_networks()[1]).losses[-1], rel_tol=1e-6)
    for trace in (slow, fast):  # ... and the others are as they were
        assert _assert_sheet_is_the_run(values, trace) > 0
    summary = values["Summary"]
    assert [summary["A6"].value, summary["B6"].value] == pytest.approx([0.3, changed.losses[-1]], rel=1e-12)
    errors = [c.coordinate for ws in values.worksheets for row in ws.iter_rows() for c in row if c.data_type == "e"]
    assert errors == []


# ------------------------------------------------------------------------------ the command line


def test_run_with_several_rates_prints_the_comparison_and_a_curve_each(tmp_path: Path) -> None:
    out = tmp_path / "rates.xlsx"
    code, text, _ = _cli(["run", "--config", str(MAZUR), "--lr", "0.1,0.5,2", "--iters", str(ITERS), "--out", str(out)])
    assert code == 0
    lines = text.splitlines()
    assert max(map(len, lines[:-1])) <= 80  # the last line is the path, whole however long
    assert lines[-1] == f"Workbook written to {out}"
    traces = [run(n) for n in _networks()]
    for trace in traces:
        eta = f"{trace.network.lr:g}"
        row = next(line for line in lines if re.match(rf"^│ +{re.escape(eta)} │", line))
        assert [cell.strip() for cell in row.strip("│").split("│")] == [
            eta,
            f"{trace.losses[-1]:.6g}",
            f"{min(trace.losses):.6g}",
            str(ITERS - 1),
        ]
        curve = next(line for line in lines if line.startswith(f"η = {eta} "))
        assert len(curve.split()[-1]) == ITERS  # a character per iteration
    assert f"Lowest L: {traces[2].losses[-1]:.6g}, with η = 2 at iteration {ITERS - 1}." in text
    assert f"Every η starts from L = {traces[0].losses[0]:.6g}" in text
    assert "Iteration 0" not in text  # no iteration's tables
    assert openpyxl.load_workbook(out, read_only=True).sheetnames[2:] == ["η = 0.1", "η = 0.5", "η = 2"]


def test_json_of_several_rates_is_each_run_and_the_comparison(tmp_path: Path) -> None:
    out = tmp_path / "rates.xlsx"
    code, text, err = _cli(
        ["run", "--config", str(MAZUR), "--lr", "0.5,2", "--iters", "4", "--json", "--out", str(out)]
    )
    assert code == 0 and err == f"Workbook written to {out}\n"
    data = json.loads(text)
    assert list(data) == ["runs", "comparison"]
    for run_json, lr in zip(data["runs"], (0.5, 2.0), strict=True):
        alone = run(load_network(MAZUR).with_overrides(lr=lr, iters=4))
        assert run_json == json.loads(json.dumps(alone.to_json()))  # as a run of that η alone prints it
    assert data["comparison"][1] == {
        "lr": 2.0,
        "last_loss": alone.losses[-1],
        "lowest_loss": alone.losses[-1],
        "lowest_at": 3,
    }


def test_a_network_file_may_list_the_rates_and_lr_overrides_them(tmp_path: Path) -> None:
    text = MAZUR.read_text(encoding="utf-8").replace("lr = 0.5", "lr = [0.5, 1]")
    config = tmp_path / "rates.toml"
    config.write_text(text, encoding="utf-8")
    out = tmp_path / "r.xlsx"
    assert _cli(["run", "--config", str(config), "--out", str(out), "-q"])[:2] == (0, f"{out}\n")
    assert openpyxl.load_workbook(out, read_only=True).sheetnames == ["Setup", "Summary", "η = 0.5", "η = 1"]
    # one η on the command line: the run of one η, exactly as before (blocks, an iteration each)
    code, text, _ = _cli(["run", "--config", str(config), "--lr", "0.5", "--out", str(out)])
    assert code == 0 and "Iteration 1 · update (sgd, η = 0.5)" in text
    assert openpyxl.load_workbook(out, read_only=True).sheetnames == ["Setup", "Summary", "Iteration 0", "Iteration 1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lr", "0.1,abc"], "'0.1,abc' is not a list of numbers"),
        (["--lr", "0.1,,2"], "'0.1,,2' is not a list of numbers"),
        (["--lr", "0.1,0.10"], "'0.1,0.10' gives 0.1 twice"),
        (["--lr", "0.1,-2"], "must be a finite number greater than 0, got -2.0"),
        (["--lr", "0.1,nan"], "must be a finite number greater than 0, got nan"),
        (["--lr", "0.1,2", "--layout", "blocks"], "several η are written in the rows layout, a sheet per η"),
        (["--lr", "0.1,2", "--all-iterations"], "--all-iterations prints the tables of one run"),
    ],
)
def test_bad_rates_exit_2_with_a_message_and_write_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "never.xlsx"
    result = CliRunner().invoke(main, ["run", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output and not out.exists()


def test_a_file_sheetnet_did_not_write_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "mine.xlsx"
    out.write_bytes(b"precious")
    code, _, err = _cli(["run", "--lr", "0.1,0.2", "--out", str(out)])
    assert code == 2 and "not written by sheetnet" in err and out.read_bytes() == b"precious"


def test_a_rate_that_overflows_warns_and_its_summary_row_shows_the_error(tmp_path: Path) -> None:
    out = tmp_path / "overflow.xlsx"
    code, _, err = _cli(["run", "--lr", "0.01,10", "--iters", "200", "--out", str(out), "-q"])
    assert code == 0
    assert "η = 10: L stopped being a finite number in iteration 161" in err
    assert "η = 0.01:" not in err
    summary = openpyxl.load_workbook(out, data_only=True)["Summary"]
    # MIN and MATCH over a column holding #NUM! give #NUM! (as LibreOffice recalculates it)
    assert [c.value for c in summary[6]][:4] == [10, "#NUM!", "#NUM!", "#NUM!"]
    assert isinstance(summary["C5"].value, float)


def test_sparklines_share_one_scale() -> None:
    assert sparklines([[4.0, 0.0], [2.0, 2.0]], 10) == ["█▁", "▅▅"]
    assert sparklines([[1000.0, 1.0], [10.0, 10.0]], 10, log=True) == ["█▁", "▃▃"]
    assert sparklines([[1.0, math.inf]], 10) == ["▁✕"]


# ------------------------------------------------------------------------------ reading and checking it


def test_the_network_read_from_it_is_each_sheet_s(rates_workbook: Path) -> None:
    book = read_book(rates_workbook)
    reading = read_network(book)
    truth = _networks()[0]
    assert (reading.sheet, reading.network()) == ("η = 0.1", truth)
    assert reading.eta_cell == "'η = 0.1'!B2"
    assert [(o.sheet, o.values["lr"]) for o in reading.others] == [("η = 0.5", 0.5), ("η = 2", 2.0)]
    assert read_network(book, sheet="η = 2").network() == _networks()[2]


def test_check_judges_each_sheet_with_its_own_rate(rates_workbook: Path, tmp_path: Path) -> None:
    result, reading, line = judge(rates_workbook, Options())
    assert reading is not None and "η = 0.1" in line
    assert [(t.sheet, t.eta, t.eta_cell, t.verdict) for t in result.tables] == [
        (rate_sheet(lr), lr, f"'{rate_sheet(lr)}'!B2", "right") for lr in RATES
    ]
    assert result.exit_code == 0 and result.mismatches == []
    # against the network file, every rate of --lr must have its table
    config = Options(config=MAZUR, iters=ITERS, lr=RATES)
    assert judge(rates_workbook, config)[0].exit_code == 0
    listed = tmp_path / "rates.toml"
    listed.write_text(MAZUR.read_text(encoding="utf-8").replace("lr = 0.5", "lr = [2, 0.1, 0.5]"), encoding="utf-8")
    in_file, _, _ = judge(rates_workbook, Options(config=listed, iters=ITERS))
    assert in_file.exit_code == 0 and [t.eta for t in in_file.tables] == [2.0, 0.1, 0.5]  # in the file's order
    more = listed.read_text(encoding="utf-8").replace("lr = [2, 0.1, 0.5]", "lr = [2, 0.1, 0.5, 1]")
    listed.write_text(more, encoding="utf-8")
    assert judge(rates_workbook, Options(config=listed, iters=ITERS))[0].message.startswith(
        "no table trains with η = 1 ("
    )
    missing, _, _ = judge(rates_workbook, Options(config=MAZUR, iters=ITERS, lr=(0.1, 0.3)))
    assert missing.exit_code == 1
    assert missing.message.startswith("no table trains with η = 0.3 (η = 0.1: η = 0.1, η = 0.5: η = 0.5")


@pytest.mark.libreoffice
def test_a_slip_on_one_sheet_is_named_there_and_the_others_pass(
    soffice: str, rates_workbook: Path, tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(rates_workbook)
    sheet = book["η = 0.5"]
    # iteration 3's O1[0] = x·W1[0,:]ᵀ + B1[0] (column N, row 8) reads W1[1,0] (D) where W1[0,1] (C) belongs
    assert sheet["N8"].value == "=Setup!B10*B8+Setup!C10*C8+F8"
    sheet["N8"] = "=Setup!B10*B8+Setup!C10*D8+F8"
    book.save(tmp_path / "slip.xlsx")
    (recalculated,) = recalculate([tmp_path / "slip.xlsx"], tmp_path / "out")
    code, text, _ = _cli(["check", str(recalculated)])
    assert code == 1
    result, _, _ = judge(recalculated, Options())
    assert [(t.sheet, t.verdict) for t in result.tables] == [
        ("η = 0.1", "right"),
        ("η = 0.5", "wrong"),
        ("η = 2", "right"),
    ]
    first = result.first_mismatch
    assert (first.cell.address, first.t, first.name) == ("'η = 0.5'!N8", 3, "O1[0]")
    assert "'η = 0.5'!N8" in text
