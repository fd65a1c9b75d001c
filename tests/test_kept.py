"""Nothing lost: a file sheetnet wrote is replaced without --force only while nobody changed it.

"Unchanged" is the file's seal (a digest of every byte sheetnet wrote, kept in the file) matching
its bytes now; a document property, which every save keeps and anyone can copy, proves nothing.
"""

from __future__ import annotations

import shutil
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sheetnet.outputs import State, sealed_text, text_state, workbook_state

from capped import refused, sheetnet

CHANGED = "was changed since sheetnet wrote it"


def _ran(*args: str, cwd: Path) -> None:
    result = sheetnet(*args, cwd=cwd)
    assert result.returncode == 0, result.stderr


def _edited_with_openpyxl(path: Path) -> None:
    book = openpyxl.load_workbook(path)
    book["Setup"]["F2"] = "my note"
    book.save(path)


def _rezipped(path: Path, change: bytes = b"") -> None:
    """The archive rewritten member by member, its comment (the seal) kept: `change` appended to
    the last sheet's XML comment-free tail, or the same bytes packed again."""
    with zipfile.ZipFile(path) as src:
        comment = src.comment
        members = [(info, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in members:
            if change and info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", change + b"</worksheet>")
            dst.writestr(info.filename, data)
        dst.comment = comment


def test_an_unchanged_workbook_is_replaced_and_an_edited_one_kept(tmp_path: Path) -> None:
    _ran("run", "-q", "--out", "w.xlsx", cwd=tmp_path)
    _ran("run", "-q", "--lr", "0.2", "--out", "w.xlsx", cwd=tmp_path)  # its own, unchanged: replaced
    _edited_with_openpyxl(tmp_path / "w.xlsx")
    edited = (tmp_path / "w.xlsx").read_bytes()
    line = refused(sheetnet("run", "-q", "--lr", "0.5", "--out", "w.xlsx", cwd=tmp_path), CHANGED, "--force", "--out")
    assert line.startswith("sheetnet: error: w.xlsx ")
    assert (tmp_path / "w.xlsx").read_bytes() == edited
    _ran("run", "-q", "--out", "w.xlsx", "--force", cwd=tmp_path)
    assert workbook_state(tmp_path / "w.xlsx") is State.UNCHANGED


def test_a_filled_in_exercise_is_kept(tmp_path: Path) -> None:
    _ran("run", "-q", "--exercise", "--out", "ex.xlsx", cwd=tmp_path)
    _edited_with_openpyxl(tmp_path / "ex.xlsx")
    refused(sheetnet("run", "-q", "--exercise", "--out", "ex.xlsx", cwd=tmp_path), CHANGED)


def test_the_seal_copied_or_kept_through_a_change_proves_nothing(tmp_path: Path) -> None:
    _ran("run", "-q", "--out", "w.xlsx", cwd=tmp_path)
    out = tmp_path / "w.xlsx"
    # the same parts packed again, the seal carried over: other bytes, so no longer sealed
    _rezipped(out)
    assert workbook_state(out) is State.CHANGED
    # a change of one sheet's bytes, in place, the comment kept
    _ran("run", "-q", "--out", "v.xlsx", cwd=tmp_path)
    _rezipped(tmp_path / "v.xlsx", change=b"<!-- mine -->")
    refused(sheetnet("run", "-q", "--out", "v.xlsx", cwd=tmp_path), CHANGED)
    # someone's own workbook given a sheetnet workbook's seal and property
    _ran("run", "-q", "--out", "u.xlsx", cwd=tmp_path)
    with zipfile.ZipFile(tmp_path / "u.xlsx") as src:
        seal, properties = src.comment, src.read("docProps/custom.xml")
    theirs = tmp_path / "theirs.xlsx"
    openpyxl.Workbook().save(theirs)
    with zipfile.ZipFile(theirs, "a") as archive:
        archive.writestr("docProps/custom.xml", properties)
        archive.comment = seal
    assert workbook_state(theirs) is State.CHANGED
    refused(sheetnet("run", "-q", "--out", "theirs.xlsx", cwd=tmp_path), CHANGED)


@pytest.mark.libreoffice
def test_a_workbook_saved_again_by_libreoffice_is_kept(tmp_path: Path, soffice: str) -> None:
    from sheetnet.libreoffice import recalculate

    _ran("run", "-q", "--out", "w.xlsx", cwd=tmp_path)
    (saved,) = recalculate([tmp_path / "w.xlsx"], tmp_path / "lo", force=False)
    shutil.copyfile(saved, tmp_path / "w.xlsx")
    refused(sheetnet("run", "-q", "--out", "w.xlsx", cwd=tmp_path), CHANGED)


def test_a_solution_is_replaced_only_while_unchanged(tmp_path: Path) -> None:
    for name in ("s.md", "s.tex"):  # html is sealed as md is, by an HTML comment
        _ran("solve", "--out", name, cwd=tmp_path)
        _ran("solve", "--iters", "2", "--out", name, cwd=tmp_path)
        path = tmp_path / name
        assert text_state(path, b"written by sheetnet solve") is State.UNCHANGED
        path.write_text(path.read_text(encoding="utf-8").replace("Iteration 1", "Iteration one"), encoding="utf-8")
        kept = path.read_bytes()
        refused(sheetnet("solve", "--out", name, cwd=tmp_path), CHANGED)
        assert path.read_bytes() == kept


def test_a_seal_covers_every_byte_before_it(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(sealed_text("line one\nline two\n", "<!-- {} -->"), encoding="utf-8")
    assert text_state(path, b"line") is State.UNCHANGED
    path.write_text(sealed_text("line one\nline two\n", "<!-- {} -->").replace("two", "2"), encoding="utf-8")
    assert text_state(path, b"line") is State.CHANGED
    path.write_text("line one\n" + sealed_text("line one\nline two\n", "<!-- {} -->"), encoding="utf-8")
    assert text_state(path, b"nothing") is State.FOREIGN


def test_a_hostile_archive_at_out_is_judged_from_its_last_bytes(tmp_path: Path) -> None:
    """A directory claiming 4,000,000 entries at --out: not sheetnet's, decided without parsing it."""
    body = b"PK\x03\x04" + bytes(60)
    end64 = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, 4_000_000, 4_000_000, 188_000_000, 0)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, len(body), 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    (tmp_path / "w.xlsx").write_bytes(body + end64 + locator + end)
    refused(sheetnet("run", "-q", "--out", "w.xlsx", cwd=tmp_path), "not written by sheetnet", "--force")
