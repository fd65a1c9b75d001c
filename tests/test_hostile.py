"""Nothing unbounded: each kind of hostile input of issue 24 ends with the exit it owes.

Every case runs sheetnet in a child process capped at 1 GiB (`capped`): 2 and one line for an
input refused, 1 for a verdict of different or wrong, never a traceback or "internal error".
The files are small but of the kind that broke: what is bounded is the class (a part's elements,
a formula's length, a range's area, a directory's entries), so any file of that kind is.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import struct
import subprocess
import sys
import time
import tomllib
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from sheetnet import limits
from sheetnet.errors import OutputError
from sheetnet.libreoffice import MEMORY

from capped import TIME_LIMIT, cap_memory, refused, sheetnet
from handmade import rounded_blocks

HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
ITERATION_0 = "xl/worksheets/sheet3.xml"  # of `sheetnet run`'s workbook: Setup, Summary, Iteration 0, …
linux = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc and /dev/full (Linux)")


@pytest.fixture
def made(tmp_path: Path) -> Path:
    """`sheetnet run`'s workbook of the notes' network, 3 iterations."""
    result = sheetnet("run", "-q", "--out", "good.xlsx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path / "good.xlsx"


def _edited(source: Path, target: Path, part: str, change: Callable[[bytes], bytes]) -> Path:
    """`source` copied to `target`, one part's bytes changed."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item.filename, change(data) if item.filename == part else data)
    return target


def _replaced(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        assert data.count(old) == 1, old
        return data.replace(old, new)

    return change


def _with_sheet(tmp_path: Path, name: str, write: Callable[..., None]) -> Path:
    """A plain workbook whose one sheet's XML is written by `write(handle)`, streamed."""
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    path = tmp_path / name
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with dst.open(item.filename, "w", force_zip64=True) as handle:
                    write(handle)
            else:
                dst.writestr(item, src.read(item.filename))
    return path


def _sheet(*parts: bytes, repeat: bytes = b"", times: int = 0, after: bytes = b"") -> Callable[..., None]:
    def write(handle) -> None:
        handle.write(f"{HEAD}<worksheet {NS}>".encode())
        for part in parts:
            handle.write(part)
        block = repeat * 10_000
        for _ in range(times // 10_000):
            handle.write(block)
        handle.write(repeat * (times % 10_000))
        handle.write(after + b"</worksheet>")

    return write


TWO_CELLS = b'<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row></sheetData>'


# ------------------------------------------------------------------------------ the zip directory


def test_a_directory_of_millions_of_entries_is_refused_from_its_end_record(tmp_path: Path) -> None:
    """A Zip64 end record claiming 4,000,000 entries in 188 MB: refused from the last bytes."""
    body = b"PK\x03\x04" + bytes(60)
    end64 = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, 4_000_000, 4_000_000, 188_000_000, 0)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, len(body), 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    path = tmp_path / "claims.xlsx"
    path.write_bytes(body + end64 + locator + end)
    for command in (["check"], ["diff", str(path)], ["init", "--from"]):
        line = refused(sheetnet(*command, str(path), cwd=tmp_path), "4,000,000 parts", "at most 10,000")
        assert str(path) in line


def test_a_real_directory_one_entry_too_many_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for k in range(10_000):
            archive.writestr(f"{k}", b"")
    refused(sheetnet("check", str(path), cwd=tmp_path), "10,001 parts")


# ------------------------------------------------------------------- every part's elements counted


@pytest.mark.parametrize(
    ("element", "times"),
    [
        (b'<mergeCell ref="A1:B1"/>', limits.READ_OTHER_ELEMENTS * 2),
        (b'<conditionalFormatting sqref="A1"><cfRule type="expression" priority="1"/></conditionalFormatting>', 60_000),
        (b'<hyperlink ref="A1" display="x"/>', limits.READ_OTHER_ELEMENTS + 1),
    ],
)
def test_a_part_that_holds_cells_has_its_other_elements_counted(tmp_path: Path, element: bytes, times: int) -> None:
    wrapper = element.split(b" ")[0][1:]
    path = _with_sheet(
        tmp_path,
        "beside.xlsx",
        _sheet(TWO_CELLS, b"<" + wrapper + b"s>", repeat=element, times=times, after=b"</" + wrapper + b"s>"),
    )
    line = refused(sheetnet("check", str(path), cwd=tmp_path), "elements besides cells and strings")
    assert f"at most {limits.READ_OTHER_ELEMENTS:,}" in line


def test_the_parts_cells_are_made_of_are_counted_too(tmp_path: Path) -> None:
    """One shared string of millions of runs of text: no cell, no string too many, still refused."""
    runs = limits.READ_CELL_PARTS // 2 + 1
    path = _with_sheet(
        tmp_path,
        "runs.xlsx",
        _sheet(
            b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is>',
            repeat=b"<r><t>x</t></r>",
            times=runs,
            after=b"</is></c></row></sheetData>",
        ),
    )
    refused(sheetnet("check", str(path), cwd=tmp_path), "runs of text", f"at most {limits.READ_CELL_PARTS:,}")


def test_cells_in_a_part_named_like_an_image_are_counted(tmp_path: Path) -> None:
    path = _with_sheet(
        tmp_path,
        "plain-cells.xlsx",
        _sheet(b"<sheetData>", repeat=b"<c><v>1</v></c>", times=limits.READ_CELLS + 1, after=b"</sheetData>"),
    )
    hidden = tmp_path / "hidden.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(hidden, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            name = item.filename.replace("worksheets/sheet1.xml", "media/image1.png")
            dst.writestr(name, data.replace(b"worksheets/sheet1.xml", b"media/image1.png"))
    refused(sheetnet("check", str(hidden), cwd=tmp_path), f"{limits.READ_CELLS + 1:,} cells")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_a_part_in_utf16_or_utf32_is_refused(tmp_path: Path, encoding: str) -> None:
    """The counting reads UTF-8 bytes: a part in another encoding would slip past it."""
    xml = f"{HEAD}<worksheet {NS}>".replace("UTF-8", encoding.upper()) + "<sheetData/></worksheet>"
    path = _with_sheet(tmp_path, "wide.xlsx", lambda handle: handle.write(xml.encode(encoding)))
    refused(sheetnet("check", str(path), cwd=tmp_path), "xl/worksheets/sheet1.xml", "UTF-16 or UTF-32")


# ------------------------------------------------------------------------------------- formulas


def test_a_formula_longer_than_excel_allows_is_refused_on_reading(tmp_path: Path) -> None:
    terms = 2**20 // 2  # 1 MiB of formula (the took 2.4 GB at 8 MiB) in a file of a few KiB
    huge = _with_sheet(
        tmp_path,
        "huge.xlsx",
        _sheet(
            b'<sheetData><row r="1"><c r="A1"><f>SUM(1',
            repeat=b",1",
            times=terms,
            after=b")</f><v>1</v></c></row></sheetData>",
        ),
    )
    assert huge.stat().st_size < 100_000
    for command in (
        ["check", str(huge)],
        ["diff", "--formulas", str(huge), str(huge)],
        ["init", "--from", str(huge), "n.toml"],
    ):
        line = refused(sheetnet(*command, cwd=tmp_path), "Sheet!A1", "at most 8,192")
        assert f"{2 * terms + 6:,} characters" in line
    just = tmp_path / "just.xlsx"  # 8,192 characters: read; one more: refused
    over = tmp_path / "over.xlsx"
    for path, length in ((just, limits.FORMULA_CHARS), (over, limits.FORMULA_CHARS + 1)):
        with xlsxwriter.Workbook(path) as book:
            book.add_worksheet().write_formula(0, 0, "=" + "1+" * ((length - 1) // 2) + "1" * (2 - length % 2), None, 1)
    assert sheetnet("diff", str(just), str(just), cwd=tmp_path).returncode == 0
    refused(sheetnet("diff", str(over), str(over), cwd=tmp_path), "8,193 characters")


def test_a_wrong_cell_reading_the_whole_sheet_is_explained_in_bounded_memory(made: Path, tmp_path: Path) -> None:
    wrong = _edited(
        made,
        tmp_path / "wrong.xlsx",
        ITERATION_0,
        _replaced(b"<f>B15*B5+B7</f><v>1.5</v>", b"<f>SUM(A1:XFD1048576)</f><v>2.5</v>"),
    )
    result = sheetnet("check", str(wrong), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "SUM" in result.stdout or "B16" in result.stdout
    copy = _edited(wrong, tmp_path / "copy.xlsx", "docProps/app.xml", lambda data: data)
    result = sheetnet("check", "--jobs", "2", str(wrong), str(copy), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr


def _long_formulas(tmp_path: Path, terms: int) -> tuple[Path, Path]:
    paths = []
    for name, shift in (("a.xlsx", 0), ("b.xlsx", 1)):
        path = tmp_path / name
        with xlsxwriter.Workbook(path) as book:
            sheet = book.add_worksheet()
            for r in range(terms + 2):
                sheet.write_number(r, 0, r)
                sheet.write_number(r, 1, r)
            formula = "=" + "+".join(f"A{k}*B{k + (shift if k % 3 == 0 else 0)}" for k in range(1, terms + 1))
            sheet.write_formula(0, 3, formula, None, 1.0)
        paths.append(path)
    return paths[0], paths[1]


def test_the_formula_diff_of_long_formulas_is_linear(tmp_path: Path) -> None:
    """800 terms, 7,800 characters, a third of them changed: difflib would take minutes."""
    a, b = _long_formulas(tmp_path, 800)
    result = sheetnet("diff", "--formulas", str(a), str(b), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Different: 1 of" in " ".join(result.stdout.split())


def test_the_dependents_walk_is_linear_in_wide_ranges(tmp_path: Path) -> None:
    """A chain of 10,000 cells, each summing a wide range below it that holds the next, read
    bottom-up from a changed formula: the quadratic walk took 56 s for 5,000 (minutes for these)."""
    n = 10_000
    paths = []
    for name, seed in (("a.xlsx", 1), ("b.xlsx", 2)):
        path = tmp_path / name
        with xlsxwriter.Workbook(path) as book:
            sheet = book.add_worksheet()
            for k in range(1, n + 1):
                sheet.write_formula(k - 1, 0, f"=SUM(A{k + 1}:Z{k + 20})", None, seed)
            sheet.write_formula(n, 0, f"={seed}", None, seed)
        paths.append(path)
    result = sheetnet("diff", "--formulas", str(paths[0]), str(paths[1]), "--max", "3", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert f"Sheet1!A{n + 1} (1 cell)" in result.stdout
    assert f"{n} values follow from this formula change" in " ".join(result.stdout.split())


# ------------------------------------------------------------------------------------- numbers


def test_a_number_too_large_for_a_float_is_a_mismatch(made: Path, tmp_path: Path) -> None:
    digits = b"9" * 400
    big = _edited(
        made,
        tmp_path / "big.xlsx",
        ITERATION_0,
        _replaced(b"<f>B15*B5+B7</f><v>1.5</v>", b"<f>B15*B5+B7</f><v>" + digits + b"</v>"),
    )
    result = sheetnet("check", str(big), cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # #NUM! where the run has 1.5
    assert "B16" in result.stdout
    result = sheetnet("diff", str(made), str(big), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "#NUM!" in result.stdout
    result = sheetnet("init", "--from", str(big), "n.toml", cwd=tmp_path)
    assert result.returncode in (0, 2) and "Traceback" not in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize("cached", [b"1e999", b"-1e999", b"NaN", b"INF", b"9" * 5000])
def test_an_infinite_or_nan_cached_loss_is_a_mismatch(made: Path, tmp_path: Path, cached: bytes) -> None:
    bad = _edited(made, tmp_path / "bad.xlsx", ITERATION_0, _replaced(b"<v>6.125</v>", b"<v>" + cached + b"</v>"))
    result = sheetnet("check", str(bad), cwd=tmp_path)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "B24" in result.stdout and "#NUM!" in result.stdout


# ------------------------------------------------------------------------ what sheetnet writes


def test_a_sheet_name_with_newlines_stays_in_its_comment(tmp_path: Path) -> None:
    plain = rounded_blocks(tmp_path / "hand.xlsx", 3)
    name = "Hand&#10;optimizer = &quot;adam&quot;&#13;&#10;momentum = 0.9"
    hostile = _edited(
        plain, tmp_path / "hostile.xlsx", "xl/workbook.xml", _replaced(b'name="Hand"', f'name="{name}"'.encode())
    )
    result = sheetnet("init", "--from", str(hostile), "net.toml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "net.toml").read_text(encoding="utf-8")
    assert all(ch == "\n" or ch >= " " for ch in text)
    network = tomllib.loads(text)
    assert "optimizer" not in network and "momentum" not in network
    assert 'sheet Hand\\noptimizer = "adam"\\r\\nmomentum = 0.9, read by' in text


def test_the_class_table_holds_each_name_on_one_line() -> None:
    from sheetnet.batch import csv_text

    row = {
        "file": "a\nb.xlsx",
        "verdict": "wrong",
        "table": "Hand\r\nx = 1",
        "first_slip": {"cell": "'It\x1b[2J'!B5", "explanation": "uses\u2028B4"},
    }
    text = csv_text([row])
    assert text.count("\n") == 2 and "\r" not in text and "\x1b" not in text and "\u2028" not in text
    assert "a\\nb.xlsx" in text and "Hand\\r\\nx = 1" in text and "It\\x1b[2J" in text


def _no_space(*args, **kwargs):
    raise OSError(28, "No space left on device")


def test_a_full_disk_is_one_line_and_nothing_is_left_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sheetnet.spec import default_network
    from sheetnet.trace import run
    from sheetnet.workbook import write_workbook

    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    monkeypatch.setattr(zipfile.ZipFile, "writestr", _no_space)
    monkeypatch.setattr(zipfile.ZipFile, "write", _no_space)
    with pytest.raises(OutputError, match=r"cannot write .*out\.xlsx: No space left on device"):
        write_workbook(run(default_network()), tmp_path / "out.xlsx")
    gc.collect()
    assert unraisable == []
    assert list(tmp_path.iterdir()) == []


def _files_of_at_most(size: int) -> Callable[[], None]:
    """In the child: files may grow to `size` bytes; a write past it fails (EFBIG), as on a full disk."""

    def limit() -> None:
        import resource

        cap_memory()
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the signal kills instead of the write failing
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


@linux
@pytest.mark.parametrize("args", [["solve"], ["run", "--json", "-q", "--out", "w.xlsx"], ["check", "good.xlsx"]])
def test_standard_output_on_a_full_disk_is_one_line(made: Path, tmp_path: Path, args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "sheetnet", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIME_LIMIT,
            preexec_fn=cap_memory,
            cwd=tmp_path,
        )
    refused(result, "cannot write the output: No space left on device")


@pytest.mark.parametrize(
    ("args", "code", "written"),
    [
        (["run", "--out", "w.xlsx"], 0, "w.xlsx"),  # rich's tables
        (["run", "--json", "--out", "w.xlsx"], 0, "w.xlsx"),  # click's echo; stderr's reader gone too
        (["solve"], 0, None),
        (["check", "good.xlsx"], 0, None),
        (["check", "good.xlsx", "--lr", "0.02"], 1, None),  # the verdict, whatever the reader read
        (["diff", "good.xlsx", "good.xlsx"], 0, None),
        (["init", "--from", "good.xlsx", "net.toml"], 0, "net.toml"),  # written after what it prints
    ],
)
def test_a_reader_that_stops_reading_changes_nothing(
    request: pytest.FixtureRequest, tmp_path: Path, args: list[str], code: int, written: str | None
) -> None:
    """`sheetnet … | head -0`: nothing said, the files written, the command's own exit code."""
    if "good.xlsx" in args:
        request.getfixturevalue("made")
    both = "--json" in args
    process = subprocess.Popen(
        [sys.executable, "-m", "sheetnet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if both else subprocess.PIPE,
        preexec_fn=cap_memory,
        cwd=tmp_path,
    )
    process.stdout.close()  # the reader is gone before the first line
    _, stderr = process.communicate(timeout=TIME_LIMIT)
    assert (process.returncode, stderr) == (code, None if both else b"")
    if written is not None:
        assert (tmp_path / written).stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "size"),
    [
        (["run", "-q", "--out", "w.xlsx"], 8_000),
        (["run", "-q", "--iters", "30", "--out", "w.xlsx"], 8_000),
        (["solve", "--out", "w.md"], 8_000),
        (["check", "good.xlsx", "good.xlsx", "--csv", "class.csv"], 100),
    ],
)
def test_a_refused_write_is_one_line_and_the_old_file_kept(
    made: Path, tmp_path: Path, args: list[str], size: int
) -> None:
    out = tmp_path / args[-1]
    if args[0] == "run":  # sheetnet's own workbook, unchanged: it would be replaced
        out.write_bytes(made.read_bytes())
    before = set(tmp_path.iterdir())
    old = out.read_bytes() if out.exists() else None
    result = subprocess.run(
        [sys.executable, "-m", "sheetnet", *args],
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        preexec_fn=_files_of_at_most(size),
        cwd=tmp_path,
        # no bytecode written under the cap: Python does not check a short write of a .pyc, and a
        # truncated one would break every later process that imports that module
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    line = refused(result, "cannot write")
    assert "File too large" in line and "Exception ignored" not in result.stderr
    assert set(tmp_path.iterdir()) == before  # nothing left behind
    assert (out.read_bytes() if out.exists() else None) == old


# ---------------------------------------------------------------------------------- LibreOffice


def _alive_in_group(pgid: int, settle: float = 5.0) -> list[int]:
    """The processes of group `pgid` still running once those killed have had `settle` seconds to
    die: a process sent SIGKILL is still listed, running, while the kernel tears it down (seen once
    in a loaded fresh-clone CI run), then lingers a moment as a zombie, which is not counted."""
    deadline = time.monotonic() + settle
    while (alive := _running_in_group(pgid)) and time.monotonic() < deadline:
        time.sleep(0.01)
    return alive


def _running_in_group(pgid: int) -> list[int]:
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                alive.append(int(entry.name))
    return alive


@linux
def test_libreoffice_and_all_it_started_end_on_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program that never ends and starts one of its own, as soffice starts soffice.bin."""
    from sheetnet.libreoffice import LibreOfficeError, _run_alone

    started: list[int] = []

    class Recorded(subprocess.Popen):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            started.append(self.pid)

    monkeypatch.setattr(subprocess, "Popen", Recorded)
    with pytest.raises(LibreOfficeError, match="did not finish"):
        _run_alone(["sh", "-c", "sleep 1000 & sleep 1000"], timeout=0.2)
    assert started and _alive_in_group(started[0]) == []


class _Stopped(BaseException):
    """What SIGTERM raises in this test, as it raises `Terminated` in sheetnet."""


@linux
def test_a_stop_that_comes_as_libreoffice_starts_ends_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM arrives once the child exists but before Popen has returned (as it can to the second
    worker of `check --jobs 2`, which starts its LibreOffice as the first one's is seen): the child
    is still killed, and the stop still unwinds."""
    from sheetnet.libreoffice import _run_alone

    started: list[int] = []

    class StoppedAsItStarts(subprocess.Popen):
        def _execute_child(self, *args, **kwargs) -> None:
            super()._execute_child(*args, **kwargs)
            started.append(self.pid)
            os.kill(os.getpid(), signal.SIGTERM)  # handled at the next line of Python, inside Popen

    def stop(number: int, frame: object) -> None:
        raise _Stopped

    monkeypatch.setattr(subprocess, "Popen", StoppedAsItStarts)
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(_Stopped):
            _run_alone(["sh", "-c", "sleep 1000 & sleep 1000"], timeout=600)
        assert signal.getsignal(signal.SIGTERM) is stop  # sheetnet's handler is back
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert started
    alive = _alive_in_group(started[0])
    with contextlib.suppress(ProcessLookupError):  # what a failure leaves
        os.killpg(started[0], signal.SIGKILL)
    assert alive == []


def _processes_mentioning(text: str) -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in cmdline:
                found[int(entry.name)] = cmdline
    return found


def _libreoffice(cmdline: str) -> bool:
    """LibreOffice itself, not the `prlimit` that starts it: prlimit's command line shows before
    it has capped its address space, LibreOffice's only after."""
    return "soffice" in cmdline and Path(cmdline.split(" ", 1)[0]).name != "prlimit"


@linux
@pytest.mark.libreoffice
@pytest.mark.parametrize(
    ("stop", "code", "jobs"), [(signal.SIGTERM, 143, 1), (signal.SIGINT, 130, 1), (signal.SIGTERM, 143, 2)]
)
def test_no_libreoffice_outlives_sheetnet(
    made: Path, tmp_path: Path, soffice: str, stop: int, code: int, jobs: int
) -> None:
    """sheetnet is stopped while LibreOffice recalculates (in a worker of its own with --jobs):
    every LibreOffice process it started ends with it."""
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes(made.read_bytes())
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "sheetnet", "check", "--recalc", "--jobs", str(jobs), str(made), str(copy)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(temporary)},
    )
    try:
        running: dict[int, str] = {}
        while not running and process.poll() is None:  # until LibreOffice has started (its profile is in tmp)
            running = {p: c for p, c in _processes_mentioning(str(temporary)).items() if _libreoffice(c)}
            time.sleep(0.02)  # polling: waits for the event, however long it takes
        assert running, process.communicate()[1]
        pid = next(iter(running))  # its address space is capped
        limits_text = Path(f"/proc/{pid}/limits").read_text()
        limit = next(line for line in limits_text.splitlines() if "address space" in line)
        assert limit.split()[3] == str(MEMORY), limit
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=TIME_LIMIT)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == code, stderr
    assert _processes_mentioning(str(temporary)) == {}
