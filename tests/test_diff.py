"""`sheetnet diff`: cell by cell, with tolerance, exit codes and JSON; and reading any file safely."""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner

from sheetnet.book import column_letter, read_book
from sheetnet.cli import main
from sheetnet.diff import diff_books, formula_change
from sheetnet.layout import BlocksLayout
from sheetnet.libreoffice import recalculate
from sheetnet.spec import default_network
from sheetnet.trace import run
from sheetnet.workbook import write_workbook

from handmade import notes_blocks
from hang import HANG


def _cli(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


def test_two_runs_at_different_learning_rates_differ_in_exactly_the_cells_that_depend_on_it(tmp_path: Path) -> None:
    a_trace = run(default_network())
    b_trace = run(default_network().with_overrides(lr=0.02))
    a = write_workbook(a_trace, tmp_path / "a.xlsx")
    b = write_workbook(b_trace, tmp_path / "b.xlsx")

    # What must differ, from the layout and the two runs (not from reading the files):
    layout = BlocksLayout(a_trace.network, a_trace.setup, a_trace.iterations)
    expected = set()
    for key, cell in layout.cells.items():
        va, vb = a_trace.values[key], b_trace.values[key]
        if not math.isclose(va, vb, rel_tol=1e-9, abs_tol=1e-12):
            expected.add((cell.sheet, f"{column_letter(cell.col + 1)}{cell.row + 1}"))
    # the Summary repeats ŷ and L, one row per iteration from row 5
    for t in range(3):
        expected |= {("Summary", f"B{5 + t}"), ("Summary", f"C{5 + t}")}
    expected -= {("Summary", "B5"), ("Summary", "C5")}  # iteration 0's forward pass does not depend on η
    assert min(a_trace.losses) != min(b_trace.losses)
    expected.add(("Summary", "F21"))  # the lowest L, under the chart (at the same iteration, 2, in both)
    assert ("Setup", "B6") in expected  # η itself

    exit_code, out = _cli(["diff", str(a), str(b), "--json"])
    assert exit_code == 1
    data = json.loads(out)
    found = {(d["sheet"], d["cell"]) for d in data["differences"]}
    assert found == expected
    assert data["sheets_only_in_a"] == data["sheets_only_in_b"] == []
    eta = next(d for d in data["differences"] if d["sheet"] == "Setup")
    assert (eta["a"], eta["b"], eta["difference"]) == (0.01, 0.02, pytest.approx(0.01))

    exit_code, out = _cli(["diff", str(a), str(b), "--max", "3"])
    assert exit_code == 1
    assert f"and {len(expected) - 3} more" in out
    assert f"{len(expected)} of" in out and "cells differ" in out

    # Same formulas: --formulas adds nothing to the value differences.
    result = diff_books(read_book(a), read_book(b), formulas=True)
    assert {d.what for d in result.differences} == {"value"}


def test_a_workbook_equals_itself_and_a_rerun(tmp_path: Path) -> None:
    a = write_workbook(run(default_network()), tmp_path / "a.xlsx")
    b = write_workbook(run(default_network()), tmp_path / "b.xlsx")
    exit_code, out = _cli(["diff", str(a), str(b), "--formulas"])
    assert exit_code == 0
    assert "Equal" in out


def test_tolerance_text_empty_cells_and_sheets_in_one_file(tmp_path: Path) -> None:
    a, _ = notes_blocks(tmp_path / "a")
    b, _ = notes_blocks(tmp_path / "b")
    wb = openpyxl.load_workbook(b)
    ws = wb["Backprop"]
    ws["B12"] = ws["B12"].value * (1 + 1e-11)  # inside the default rtol of 1e-9
    ws["A1"] = "Backpropagation, by hand"  # text compares exactly
    ws["H1"] = 42  # a cell only B has
    wb.create_sheet("Notes")
    wb.save(b)

    exit_code, out = _cli(["diff", str(a), str(b), "--json"])
    data = json.loads(out)
    assert exit_code == 1
    assert [(d["cell"], d["a"], d["b"]) for d in data["differences"]] == [
        ("A1", "Backpropagation by hand", "Backpropagation, by hand"),
        ("H1", None, 42),
    ]
    assert data["sheets_only_in_b"] == ["Notes"] and data["sheets_only_in_a"] == []

    exit_code, out = _cli(["diff", str(a), str(b), "--json", "--rtol", "0", "--atol", "0"])
    assert [d["cell"] for d in json.loads(out)["differences"]] == ["A1", "H1", "B12"]

    exit_code, out = _cli(["diff", str(a), str(b)])
    assert "Sheet Notes is only in" in out and "(empty)" in out


def test_formulas_compare_without_case_spaces_dollars_or_xlfn(tmp_path: Path) -> None:
    def book(name: str, formula: str) -> Path:
        path = tmp_path / name
        with xlsxwriter.Workbook(path) as wb:
            ws = wb.add_worksheet("S")
            ws.write_number("A1", 1)
            ws.write_number("A2", 2)
            ws.write_formula("A3", formula, None, 3)
        return path

    a = book("a.xlsx", "=SUM($A$1:A2)")
    b = book("b.xlsx", "=sum( A1:$A2 )")
    c = book("c.xlsx", "=A1+A2")
    assert _cli(["diff", str(a), str(b), "--formulas"])[0] == 0
    assert _cli(["diff", str(a), str(c)])[0] == 0  # same values
    exit_code, out = _cli(["diff", str(a), str(c), "--formulas", "--json"])
    assert exit_code == 1
    assert json.loads(out)["differences"] == [
        {"sheet": "S", "cell": "A3", "a": "=SUM($A$1:A2)", "b": "=A1+A2", "compared": "formula"}
    ]
    assert formula_change("=_xlfn.STDEV.S(A1:A3)", "=stdev.s(a1:a3)", "S", 4, 1) is None
    assert formula_change('=IF(A1>0,"a b","")', '=IF(A1>0,"ab","")', "S", 4, 1) is not None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty"),
        (b"\x00\x01random bytes" * 100, "not a workbook"),
        (b"PK\x03\x04truncated", "damaged or truncated"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 600, "password"),
    ],
)
def test_unreadable_files_exit_2_with_one_line(tmp_path: Path, content: bytes | None, message: str) -> None:
    good, _ = notes_blocks(tmp_path / "good")
    bad = tmp_path / "bad.xlsx"
    if content is not None:
        bad.write_bytes(content)
    for args in (["diff", str(good), str(bad)], ["check", str(bad)]):
        exit_code, out = _cli(args)
        assert exit_code == 2
        assert message in out and "Traceback" not in out
        assert len(out.strip().splitlines()) == 1


def test_a_zip_that_is_not_a_spreadsheet_and_a_folder_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "docs.xlsx"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    assert "not a spreadsheet" in _cli(["check", str(archive)])[1]
    assert _cli(["check", str(tmp_path)])[0] == 2


def test_a_damaged_workbook_part_is_one_line(tmp_path: Path) -> None:
    good, _ = notes_blocks(tmp_path / "good")
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    exit_code, out = _cli(["diff", str(good), str(broken)])
    assert exit_code == 2
    assert "cannot be read as a workbook" in out and "Traceback" not in out


@pytest.mark.heavy
@pytest.mark.libreoffice
def test_ods_and_xls_files_are_read_through_libreoffice(tmp_path: Path, soffice: str) -> None:
    source, cells = notes_blocks(tmp_path / "notes", slip=True)
    import subprocess

    for fmt in ("ods", "xls"):
        subprocess.run(
            [soffice, "--headless", "--convert-to", fmt, "--outdir", str(tmp_path), str(source)],
            check=True,
            capture_output=True,
            timeout=HANG,
        )
        converted = tmp_path / f"notes.{fmt}"
        exit_code, out = _cli(["diff", str(source), str(converted)])
        assert exit_code == 0, out
        exit_code, out = _cli(["check", str(converted), "--json"])
        assert exit_code == 1
        assert json.loads(out)["first_mismatch"]["cell"] == cells["B1 slip"]


@pytest.mark.libreoffice
def test_recalc_recomputes_before_comparing(tmp_path: Path, soffice: str) -> None:
    """--recalc on a sheetnet workbook edited by openpyxl (η changed, no saved results) equals a fresh run."""
    original = write_workbook(run(default_network()), tmp_path / "a.xlsx")
    edited = tmp_path / "edited.xlsx"
    wb = openpyxl.load_workbook(original)
    wb["Setup"]["B6"] = 0.02
    wb.save(edited)
    fresh = write_workbook(run(default_network().with_overrides(lr=0.02)), tmp_path / "fresh.xlsx")
    assert _cli(["diff", str(edited), str(fresh)])[0] == 2  # no saved results
    exit_code, out = _cli(["diff", str(edited), str(fresh), "--recalc", "--rtol", "1e-12"])
    assert exit_code == 0, out
    recalculated = recalculate([edited], tmp_path / "lo")[0]
    assert read_book(recalculated).cells["Setup"][(6, 2)].value == 0.02


def test_recalc_without_libreoffice_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sheetnet.libreoffice

    monkeypatch.setattr(sheetnet.libreoffice, "find_soffice", lambda: None)
    good, _ = notes_blocks(tmp_path / "good")
    exit_code, out = _cli(["check", str(good), "--recalc"])
    assert exit_code == 2
    assert "LibreOffice (soffice) was not found" in out and "apt-get install -y libreoffice-calc-nogui" in out


def test_the_file_kind_comes_from_its_bytes_not_its_name(tmp_path: Path) -> None:
    good, _ = notes_blocks(tmp_path / "good")
    for name in ("homework.xlsm", "homework", "homework.XLSX"):
        copy = tmp_path / name
        copy.write_bytes(good.read_bytes())
        exit_code, out = _cli(["diff", str(good), str(copy)])
        assert exit_code == 0, out
