"""LibreOffice recalculates our workbooks itself and must agree with sheetnet, cell by cell."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from sheetnet.layout import BlocksLayout
from sheetnet.libreoffice import recalculate
from sheetnet.spec import default_network
from sheetnet.trace import Trace, run
from sheetnet.workbook import write_workbook

from hang import HANG

pytestmark = pytest.mark.libreoffice

REL = 1e-12


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-15)


def _values(path: Path) -> dict[tuple[str, str], object]:
    book = openpyxl.load_workbook(path, data_only=True)
    return {
        (sheet.title, cell.coordinate): cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    }


def _assert_matches_trace(recalculated: Path, trace: Trace) -> int:
    """Every key of the trace, at its cell in the recalculated workbook, equals the trace's value."""
    book = openpyxl.load_workbook(recalculated, data_only=True)
    layout = BlocksLayout(trace.network, trace.setup, trace.iterations)
    for key, cell in layout.cells.items():
        value = book[cell.sheet].cell(row=cell.row + 1, column=cell.col + 1).value
        assert isinstance(value, int | float), (key, cell, value)
        assert _close(value, trace.values[key]), (key, cell, value, trace.values[key])
    return len(layout.cells)


@pytest.mark.libreoffice_command  # the profile sheetnet writes is what forces the recalculation
def test_recalculation_is_forced_not_echoed(soffice: str, tmp_path: Path) -> None:
    """A wrong cached value must come back corrected, or the other tests prove nothing."""
    source = tmp_path / "wrong.xlsx"
    book = xlsxwriter.Workbook(source)
    sheet = book.add_worksheet()
    sheet.write_number(0, 0, 20)
    sheet.write_formula(0, 1, "=A1*2+1", None, 999)
    book.close()
    (out,) = recalculate([source], tmp_path / "out")
    assert openpyxl.load_workbook(out, data_only=True).active["B1"].value == 41


@pytest.mark.libreoffice_command  # sheetnet's own soffice command line, not the worker's LibreOffice
def test_libreoffice_agrees_with_every_cached_value_and_the_trace(
    soffice: str, notes_workbook: Path, notes_trace: Trace, tmp_path: Path
) -> None:
    (recalculated,) = recalculate([notes_workbook], tmp_path)
    cached, computed = _values(notes_workbook), _values(recalculated)
    numbers = 0
    for where, value in cached.items():
        again = computed.get(where)
        if isinstance(value, str):
            assert again == value, where
            continue
        assert isinstance(again, int | float), (where, again)
        assert _close(again, value), (where, value, again)
        numbers += 1
    errors = [w for w, v in computed.items() if isinstance(v, str) and v.startswith("#")]
    assert errors == []
    assert numbers > 3 * 56
    # 16 Setup inputs; a sheet per iteration of 56 numbers and the update's 13 steps (−η·∂L/∂p)
    assert _assert_matches_trace(recalculated, notes_trace) == 16 + 3 * (56 + 13)


def test_changing_lr_in_the_workbook_retrains_every_iteration(
    soffice: str, notes_workbook: Path, tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(notes_workbook)
    ((sheet, address),) = list(book.defined_names["lr"].destinations)
    book[sheet][address.replace("$", "")] = 0.05
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    (recalculated,) = recalculate([edited], tmp_path / "out")
    fresh = run(default_network().with_overrides(iters=3, lr=0.05))
    assert _assert_matches_trace(recalculated, fresh) == 16 + 3 * (56 + 13)
    # and the numbers really moved: iteration 2's ŷ differs from the η = 0.01 run's
    assert not _close(fresh.values[fresh.iterations[2].get("ŷ", 0).keys[0]], 1.8654490)


def test_changing_an_initial_weight_retrains(soffice: str, tmp_path: Path) -> None:
    network = default_network()
    path = write_workbook(run(network), tmp_path / "w.xlsx")
    trace = run(network)
    layout = BlocksLayout(network, trace.setup, trace.iterations)
    w2 = layout.cells[trace.setup[[q.name for q in trace.setup].index("W2")].keys[1]]
    book = openpyxl.load_workbook(path)
    book["Setup"].cell(row=w2.row + 1, column=w2.col + 1).value = 0.25
    book.save(tmp_path / "edited.xlsx")
    (recalculated,) = recalculate([tmp_path / "edited.xlsx"], tmp_path / "out")
    weights = list(network.weights)
    weights[1] = ((1.0, 0.25), (1.0, 1.0))
    from dataclasses import replace

    _assert_matches_trace(recalculated, run(replace(network, weights=tuple(weights))))


@pytest.mark.parametrize("layout", ["blocks", "rows"])
def test_an_overflowed_run_is_a_valid_workbook_libreoffice_opens(soffice: str, tmp_path: Path, layout: str) -> None:
    """η far too large: the numbers overflow, the file stays valid, LibreOffice opens and recalculates it."""
    trace = run(default_network().with_overrides(iters=3, lr=1e200))
    assert trace.first_non_finite() is not None
    path = write_workbook(trace, tmp_path / f"overflow-{layout}.xlsx", layout=layout)
    (recalculated,) = recalculate([path], tmp_path / "out")
    values = [
        c.value
        for s in openpyxl.load_workbook(recalculated, data_only=True).worksheets
        for r in s.iter_rows()
        for c in r
    ]
    assert any(isinstance(v, str) and v.startswith("#") for v in values)  # the overflow shows as an error
    assert 2.0 in values  # and the rest is there: x on Setup


def _as_shown(paths: list[Path], outdir: Path, soffice: str) -> dict[str, dict[str, list[list[str]]]]:
    """Every sheet of each workbook as LibreOffice displays it (its CSV export "as shown"), by the
    workbook's name and the sheet's, in one LibreOffice call."""
    import csv
    import subprocess

    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / "profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--convert-to",
            # separator, quote, UTF-8, from row 1, …, save cell contents as shown, every sheet (-1)
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
            "--outdir",
            str(outdir),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=HANG,
    )
    shown: dict[str, dict[str, list[list[str]]]] = {}
    for path in paths:
        for name in openpyxl.load_workbook(path, read_only=True).sheetnames:
            with (outdir / f"{path.stem}-{name}.csv").open(encoding="utf-8", newline="") as f:
                shown.setdefault(path.stem, {})[name] = list(csv.reader(f))
    return shown


SHOWN = {  # the examples whose every number is read as LibreOffice shows it, and how each is run
    "xor.toml": {"layout": "rows"},  # Adam's v (1e-6 … 1e-9), ε = 1e-8, L falling to 1e-4
    "softmax-3-class.toml": {"layout": "blocks"},
    "mazur-2-2-2.toml": {"layout": "rows", "iters": 400},  # L falls over four decades
    "notes.toml": {"layout": "blocks", "iters": 12, "lr": 3.0},  # η too large: it diverges
}


@pytest.fixture(scope="module")
def shown_examples(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict[str, tuple[Path, dict]]:
    """Each of SHOWN's workbooks, and its sheets as LibreOffice shows them (one call for all four)."""
    from sheetnet.spec import load_network

    root = Path(__file__).resolve().parent.parent
    folder = tmp_path_factory.mktemp("shown")
    paths = {}
    for example, options in SHOWN.items():
        network = load_network(root / "examples" / example)
        network = network.with_overrides(iters=options.get("iters"), lr=options.get("lr"))
        paths[example] = write_workbook(run(network), folder / f"{Path(example).stem}.xlsx", layout=options["layout"])
    shown = _as_shown(list(paths.values()), folder / "shown", soffice)
    return {example: (path, shown[path.stem]) for example, path in paths.items()}


@pytest.mark.parametrize("example", list(SHOWN))
def test_every_number_shows_four_significant_digits_and_never_hashes(
    example: str, shown_examples: dict[str, tuple[Path, dict]]
) -> None:
    """As LibreOffice displays it: no `###`, and every number that is not 0 shows as itself to 4
    significant digits at least (no 2.9e-16 shown as 0.0, no ε = 1e-8 as 0)."""
    path, shown = shown_examples[example]
    values = openpyxl.load_workbook(path, data_only=True)
    checked, wrong = 0, []
    for ws in values.worksheets:
        rows = shown[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if not isinstance(v, int | float) or isinstance(v, bool):
                    continue
                text = rows[cell.row - 1][cell.column - 1]
                checked += 1
                percent = text.endswith("%")  # the accuracy: a share, shown as a percentage
                try:
                    number = float(text.replace(",", "").rstrip("%")) / (100 if percent else 1)
                except ValueError:
                    wrong.append((ws.title, cell.coordinate, v, text))
                    continue
                if abs(number - v) > (0.005 if percent else 5e-4 * abs(v)):
                    wrong.append((ws.title, cell.coordinate, v, text))
    assert checked > 100
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("layout", ["rows", "blocks"])
def test_the_summary_shows_what_each_sample_has_learned(layout: str, tmp_path: Path, soffice: str) -> None:
    """XOR's truth table after the last iteration, and the accuracy, as LibreOffice computes them."""
    from sheetnet.spec import load_network

    root = Path(__file__).resolve().parent.parent
    xor = load_network(root / "examples" / "xor.toml")
    runs = {iters: run(xor.with_overrides(iters=iters)) for iters in (60, 2)}  # 60 iterations learn XOR
    paths = [write_workbook(t, tmp_path / f"xor-{layout}-{n}.xlsx", layout=layout) for n, t in runs.items()]
    for (iters, trace), recalculated in zip(runs.items(), recalculate(paths, tmp_path / "lo"), strict=True):
        network = trace.network
        accuracy = 1.0 if iters == 60 else None
        ws = openpyxl.load_workbook(recalculated, data_only=True, read_only=True)["Summary"]
        cells = {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}
        (r, c) = next(k for k, v in cells.items() if v == "sample")
        assert [cells.get((r, c + j)) for j in range(6)] == ["sample", "x[0]", "x[1]", "y[0]", "ŷ[0]", "right"]
        last = trace.iterations[-1]
        rights = []
        for s, sample in enumerate(network.samples):
            row = [cells[(r + 1 + s, c + j)] for j in range(6)]
            yhat = trace.values[last.get("ŷ", s).keys[0]]
            assert row[:4] == [s, *sample.x, *sample.y]
            assert math.isclose(row[4], yhat, rel_tol=1e-9)
            assert row[5] == (1 if round(yhat) == sample.y[0] else 0)
            rights.append(row[5])
        (ar, ac) = next(k for k, v in cells.items() if v == "accuracy")
        assert cells[(ar, ac + 1)] == pytest.approx(sum(rights) / 4)
        if accuracy is not None:
            assert cells[(ar, ac + 1)] == accuracy
