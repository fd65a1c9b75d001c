"""Hostile workbooks: `check` and `diff` refuse them quickly, in bounded memory, with one line.

Each file is read by `sheetnet check` in a child process whose address space is capped
(RLIMIT_AS) and which must finish within a generous time: a reader that inflated a bomb or
expanded entities would run out of memory or hang instead of answering exit 2.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

import sheetnet.book
import sheetnet.limits
from sheetnet.book import WorkbookError, read_book

from hang import HANG

resource = pytest.importorskip("resource")  # POSIX: the memory cap

MEMORY_CAP = 2 * 2**30

SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SHEET_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sheetnet", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=HANG,
        preexec_fn=_cap_memory,
    )


def _workbook_with_sheet(tmp_path: Path, name: str, sheet_xml: str | None = None, extra: int = 0) -> Path:
    """A real workbook whose first sheet's XML is replaced, and `extra` more sheet parts added."""
    plain = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1.5
    wb.save(plain)
    path = tmp_path / name
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml" and sheet_xml is not None:
                data = sheet_xml.encode()
            dst.writestr(item, data)
        for k in range(extra):
            dst.writestr(f"xl/worksheets/sheet{k + 2}.xml", f"{SHEET_HEAD}<worksheet {SHEET_NS}/>")
    return path


def _assert_refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1, line
    for word in words:
        assert word in line, line


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{k} "{("&lol" + str(k - 1) + ";") * 10}">' for k in range(1, 10)
    ]
    xml = (
        f"{SHEET_HEAD}<!DOCTYPE worksheet [{''.join(entities)}]>"
        f'<worksheet {SHEET_NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c>'
        "</row></sheetData></worksheet>"
    )
    _assert_refused(_check(_workbook_with_sheet(tmp_path, "laughs.xlsx", xml)), "entities", "refused")


def test_an_external_entity_is_not_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-42", encoding="utf-8")
    xml = (
        f'{SHEET_HEAD}<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
        f'<worksheet {SHEET_NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c>'
        "</row></sheetData></worksheet>"
    )
    result = _check(_workbook_with_sheet(tmp_path, "xxe.xlsx", xml))
    _assert_refused(result, "entities")
    assert "TOP-SECRET" not in result.stdout + result.stderr


def test_a_zip_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    path = _workbook_with_sheet(tmp_path, "bomb.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, archive.open("xl/media/big.bin", "w") as big:
        zeros = bytes(2**20)
        for _ in range(300):  # 300 MiB of zeros: about 300 KiB compressed
            big.write(zeros)
    assert path.stat().st_size < 5 * 2**20
    _assert_refused(_check(path), "xl/media/big.bin", "300 MiB", "zip bomb")


def test_thousands_of_sheets_are_refused(tmp_path: Path) -> None:
    path = _workbook_with_sheet(tmp_path, "sheets.xlsx", extra=1500)
    _assert_refused(_check(path), "1,501 sheets", "at most 1,000")


def test_absurd_dimensions_are_read_for_what_is_there(tmp_path: Path) -> None:
    """A sheet that claims A1:XFD1048576 and writes cells far out: read as the cells it holds."""
    rows = "".join(f'<row r="{r}"><c r="XFD{r}"><v>{r}.25</v></c></row>' for r in range(1, 3001))
    xml = f'{SHEET_HEAD}<worksheet {SHEET_NS}><dimension ref="A1:XFD1048576"/><sheetData>{rows}</sheetData></worksheet>'
    path = _workbook_with_sheet(tmp_path, "wide.xlsx", xml)
    result = _check(path)
    assert result.returncode == 2, result.stderr  # read whole; it holds no run, and no network file was given
    assert "no table in it follows the notes' 1-2-2-1 network" in result.stderr
    book = read_book(path)
    assert len(book.numbers()) == 3000


def test_too_many_cells_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheetnet.limits, "READ_CELLS", 100)
    wb = openpyxl.Workbook()
    for r in range(1, 202):
        wb.active.cell(r, 1, float(r))
    wb.save(tmp_path / "many.xlsx")
    with pytest.raises(WorkbookError, match="201 cells; sheetnet reads at most 100 "):
        read_book(tmp_path / "many.xlsx")
