"""Long runs: the rows layout, its limits, the default layout, memory that does not grow, the terminal summary."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheetnet.book import read_book
from sheetnet.check import check_book
from sheetnet.cli import main
from sheetnet.layout import ROWS, TRAINING, RowsLayout
from sheetnet.libreoffice import recalculate
from sheetnet.spec import default_network, load_network
from sheetnet.status import FOUND
from sheetnet.trace import Run, Trace, run
from sheetnet.workbook import write_workbook

ROOT = Path(__file__).resolve().parent.parent
XOR = ROOT / "examples" / "xor.toml"


def _cli(args: list[str], **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, args, env=env or None)
    return result.exit_code, result.output


def _assert_rows_match(path: Path, trace: Trace) -> int:
    """Every number of the run, at its Training (or Setup) cell, equals the trace's value."""
    book = openpyxl.load_workbook(path, data_only=True)
    layout = RowsLayout(trace.network, trace.setup, trace.iterations[0])
    checked = 0
    for graph in trace.iterations:
        for quantity in graph.quantities:
            for key in quantity.keys:
                cell = layout.cell(key)
                value = book[cell.sheet].cell(row=cell.row + 1, column=cell.col + 1).value
                assert isinstance(value, int | float), (key, cell, value)
                assert math.isclose(value, trace.values[key], rel_tol=1e-12, abs_tol=1e-15), (key, value)
                checked += 1
    return checked


def test_a_row_per_iteration_each_reading_the_row_above(tmp_path: Path) -> None:
    trace = run(default_network())
    path = write_workbook(trace, tmp_path / "rows.xlsx", layout=ROWS)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Setup", "Summary", TRAINING]
    ws = book[TRAINING]
    assert [ws.cell(4, c).value for c in range(1, 5)] == ["iteration", "W1[0,0]", "W1[1,0]", "B1[0]"]
    assert ws.cell(3, 2).value == "W1 (used)"
    assert [ws.cell(r, 1).value for r in range(5, 9)] == [0, 1, 2, "end"]
    assert ws["B5"].value.startswith("=Setup!")  # row 0 copies Setup
    layout = RowsLayout(trace.network, trace.setup, trace.iterations[0])
    grad = layout.address(trace.iterations[0].gradient("W1").keys[0])
    assert grad.endswith("5")
    assert ws["B6"].value == f"=B5-lr*{grad}"  # row 1's W1 is row 0's update
    assert ws["B8"].value == f"=B7-lr*{grad[:-1]}7"  # the last row: after the last update
    cached = openpyxl.load_workbook(path, data_only=True)
    assert _assert_rows_match(path, trace) == 3 * (56 + 13)  # and the update's 13 steps (−η·∂L/∂p)
    assert cached[TRAINING]["B8"].value == pytest.approx(trace.of(trace.iterations[2].updated("W1"))[0])
    # the Summary's chart reads L from the Training sheet
    with zipfile.ZipFile(path) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    column = layout.address(trace.iterations[0].loss().keys[0])[:-1]
    assert f"{TRAINING}!${column}$5:${column}$7" in chart
    assert cached["Summary"]["B5"].value == pytest.approx(trace.loss(2))


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", ["notes", "xor"])
def test_libreoffice_recalculates_a_rows_workbook_to_the_trace(soffice: str, tmp_path: Path, name: str) -> None:
    network = default_network() if name == "notes" else load_network(XOR).with_overrides(iters=25)
    trace = run(network)
    path = write_workbook(trace, tmp_path / f"{name}.xlsx", layout=ROWS)
    (recalculated,) = recalculate([path], tmp_path / "out")
    per_iteration = sum(len(q.keys) for q in trace.iterations[0].quantities)
    assert _assert_rows_match(recalculated, trace) == network.iters * per_iteration
    errors = [
        c.coordinate
        for ws in openpyxl.load_workbook(recalculated, data_only=True).worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("#")
    ]
    assert errors == []


@pytest.mark.libreoffice
def test_changing_lr_in_a_rows_workbook_retrains_every_row(soffice: str, tmp_path: Path) -> None:
    network = load_network(XOR).with_overrides(iters=30)
    path = write_workbook(run(network), tmp_path / "rows.xlsx", layout=ROWS)
    book = openpyxl.load_workbook(path)
    ((sheet, address),) = list(book.defined_names["lr"].destinations)
    book[sheet][address.replace("$", "")] = 0.05
    book.save(tmp_path / "edited.xlsx")
    (recalculated,) = recalculate([tmp_path / "edited.xlsx"], tmp_path / "out")
    fresh = run(network.with_overrides(lr=0.05))
    assert _assert_rows_match(recalculated, fresh) > 30 * 100
    assert not math.isclose(fresh.loss(29), run(network).loss(29), rel_tol=1e-6)


def test_check_finds_every_number_of_a_rows_workbook(tmp_path: Path) -> None:
    network = load_network(XOR).with_overrides(iters=25)
    path = write_workbook(run(network), tmp_path / "rows.xlsx", layout=ROWS)
    exit_code, out = _cli(["check", str(path), "--config", str(XOR), "--iters", "25"])
    assert exit_code == 0
    assert out.startswith("Right: ")
    result = check_book(read_book(path), network)
    # Every number the Training sheet holds: all but x and y (read from Setup) and ∂L/∂f(O1),
    # which only homework sheets write.
    absent = {e.group for e in result.elements if e.status != FOUND}
    assert absent == {"x", "y", "∂L/∂f(O1)"}
    assert [(t.sheet, t.layout.kind, t.iterations) for t in result.tables] == [(TRAINING, "rows", 25)]


def test_the_default_layout_switches_after_20_iterations(tmp_path: Path) -> None:
    for iters, sheet in ((20, "Iteration 19"), (21, TRAINING)):
        out = tmp_path / f"{iters}.xlsx"
        assert _cli(["run", "--iters", str(iters), "--out", str(out), "--quiet"])[0] == 0
        assert sheet in openpyxl.load_workbook(out, read_only=True).sheetnames
    out = tmp_path / "blocks.xlsx"
    assert _cli(["run", "--iters", "21", "--layout", "blocks", "--out", str(out), "--quiet"])[0] == 0
    assert "Iteration 20" in openpyxl.load_workbook(out, read_only=True).sheetnames
    out = tmp_path / "rows.xlsx"
    assert _cli(["run", "--iters", "3", "--layout", "rows", "--out", str(out), "--quiet"])[0] == 0
    assert TRAINING in openpyxl.load_workbook(out, read_only=True).sheetnames


def _network_file(tmp_path: Path, layers: list[int], samples: int = 1) -> Path:
    rows = "\n".join(f"[[samples]]\nx = {[0.5] * layers[0]}\ny = {[0.25] * layers[-1]}\n" for _ in range(samples))
    path = tmp_path / "big.toml"
    path.write_text(f"layers = {layers}\n[init]\nseed = 1\n{rows}", encoding="utf-8")
    return path


def test_excel_limits_are_checked_before_anything_is_computed(tmp_path: Path) -> None:
    out = tmp_path / "never.xlsx"
    exit_code, text = _cli(["run", "--iters", "1048572", "--layout", "rows", "--out", str(out)])
    assert exit_code == 2  # 69 numbers an iteration: 14,492 iterations fit in 1,000,000 cells
    assert "72,351,468 numbers" in text and "use --iters 14492 or fewer" in text

    wide = _network_file(tmp_path, [1, 128, 128])
    exit_code, text = _cli(["run", "--config", str(wide), "--layout", "rows", "--out", str(out)])
    assert exit_code == 2
    assert "16,384 columns" in text and "--layout blocks" in text

    many = _network_file(tmp_path, [1, 1], samples=1500)
    exit_code, text = _cli(["run", "--config", str(many), "--layout", "blocks", "--out", str(out)])
    assert exit_code == 2
    assert "8,192" in text and "fewer samples" in text
    assert not out.exists()


def test_memory_does_not_grow_with_the_iterations() -> None:
    """What a long run holds: the values of the last two iterations (and of those kept to print)."""
    network = load_network(XOR).with_overrides(iters=60)
    sizes = []
    training = Run(network, keep=lambda t: t < 3)
    for _graph, values in training:
        sizes.append(len(values))
    per_iteration = sizes[1] - sizes[0]
    assert len(set(sizes[4:])) == 1  # flat: 3 kept iterations, the last two, and the inputs
    assert sizes[59] == sizes[0] + 4 * per_iteration
    assert [g.t for g in training.trace().iterations] == [0, 1, 2]
    assert len(training.losses) == 60


def test_a_long_run_prints_its_first_and_last_iterations_and_a_loss_summary(tmp_path: Path) -> None:
    out = tmp_path / "long.xlsx"
    exit_code, text = _cli(["run", "--config", str(XOR), "--iters", "60", "--out", str(out)], COLUMNS="200")
    assert exit_code == 0
    assert "Iteration 2 " in text and "Iteration 58 " in text and "Iteration 59 " in text
    assert "Iteration 3 " not in text and "Iteration 57 " not in text
    assert "iterations 3–57 are not shown" in text
    assert "Loss by iteration (11 of 60)" in text and "▁" in text
    assert "training and writing" not in text  # no progress bar without a terminal
    exit_code, text = _cli(["run", "--config", str(XOR), "--iters", "12", "--all-iterations", "--out", str(out)])
    assert all(f"Iteration {t} " in text for t in range(12))


def test_a_progress_bar_shows_on_a_terminal(tmp_path: Path) -> None:
    out = tmp_path / "long.xlsx"
    exit_code, text = _cli(["run", "--config", str(XOR), "--iters", "40", "--out", str(out)], FORCE_COLOR="1")
    assert exit_code == 0
    assert "training and writing" in text
    exit_code, text = _cli(["run", "--config", str(XOR), "--iters", "40", "--out", str(out), "-q"], FORCE_COLOR="1")
    assert "training and writing" not in text


def test_json_of_a_long_rows_run_has_every_iteration(tmp_path: Path) -> None:
    import json

    result = CliRunner().invoke(
        main, ["run", "--config", str(XOR), "--iters", "30", "--json", "--out", str(tmp_path / "j.xlsx")]
    )
    data = json.loads(result.stdout)
    assert len(data["iterations"]) == 30
    assert data["iterations"][29]["loss"] == pytest.approx(run(load_network(XOR).with_overrides(iters=30)).loss(29))


def test_adams_bias_correction_reads_its_step_from_a_cell(tmp_path: Path) -> None:
    """Rows filled down count on: no step number is typed into a formula."""
    import re

    import openpyxl

    from sheetnet.spec import load_network
    from sheetnet.trace import run
    from sheetnet.workbook import write_workbook

    root = Path(__file__).resolve().parent.parent
    network = load_network(root / "examples" / "xor.toml").with_overrides(iters=5)
    ws = openpyxl.load_workbook(write_workbook(run(network), tmp_path / "adam.xlsx", layout="rows"))["Training"]
    step = next(c.column_letter for c in ws[3] if c.value == "step")
    first = next(r for r in range(1, 20) if ws["A" + str(r)].value == 0)
    assert ws[f"{step}{first}"].value == "=1"
    for r in range(first + 1, first + 5):
        assert ws[f"{step}{r}"].value == f"={step}{r - 1}+1"
    corrections = [c.value for row in ws.iter_rows(min_row=first) for c in row if "beta1^" in str(c.value)]
    assert corrections and all(re.search(r"beta1\^" + step + r"\d+", f) for f in corrections), corrections[:3]
