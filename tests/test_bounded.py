"""Bounded: no input makes sheetnet eat the machine, hang, or replace a file it did not write.

Each hostile input is generated here, small, and given to sheetnet in a child process whose
address space is capped at 1 GiB (`capped.py`): an unbounded reader would run out of memory
instead of answering exit 2 with one line.
"""

from __future__ import annotations

import itertools
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner

from sheetnet import limits
from sheetnet.capacity import default_layout
from sheetnet.cli import main
from sheetnet.net import build_iteration
from sheetnet.shape import iteration_size
from sheetnet.spec import load_network, parse_network

from capped import cap_memory, refused, sheetnet
from paused import PausedRun

ROOT = Path(__file__).resolve().parent.parent
XOR = ROOT / "examples" / "xor.toml"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


# 1, 14: outputs that are no regular file


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/full", "/dev/urandom"])
def test_a_device_is_never_an_output(tmp_path: Path, device: str) -> None:
    refused(sheetnet("run", "--out", device, cwd=tmp_path), device)
    link = tmp_path / "run.xlsx"
    link.symlink_to(device)  # a device under a workbook's name: the link is not replaced, the device not read
    refused(sheetnet("run", "--out", str(link), cwd=tmp_path), "symbolic link")
    assert link.is_symlink() and os.readlink(link) == device


def test_a_pipe_is_never_read_or_written(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    refused(sheetnet("run", "--out", str(fifo), cwd=tmp_path), "not a regular file")
    toml = tmp_path / "pipe.toml"
    os.mkfifo(toml)
    refused(sheetnet("run", "--config", str(toml), cwd=tmp_path), "not a regular file")
    refused(sheetnet("check", str(fifo), cwd=tmp_path), "not a regular file")
    refused(sheetnet("diff", str(fifo), str(fifo), cwd=tmp_path), "not a regular file")
    refused(sheetnet("init", "--from", str(fifo), cwd=tmp_path), "not a regular file")
    assert fifo.exists() and not fifo.is_file()


@pytest.mark.parametrize("target", ["missing.xlsx", "loop.xlsx"])
def test_a_dangling_or_looping_link_is_not_replaced(tmp_path: Path, target: str) -> None:
    link = tmp_path / "out.xlsx"
    if target == "loop.xlsx":
        (tmp_path / "loop.xlsx").symlink_to(link)
    link.symlink_to(tmp_path / target)
    refused(sheetnet("run", "--out", str(link), cwd=tmp_path), "symbolic link", "--force")
    assert link.is_symlink() and os.readlink(link) == str(tmp_path / target)
    done = sheetnet("run", "--out", str(link), "--force", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert link.is_file() and not link.is_symlink()  # --force replaces the link, not what it points to
    assert not (tmp_path / "missing.xlsx").exists()


# 2, 4, 8: network files


def test_an_endless_or_huge_network_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    refused(sheetnet("run", "--config", "/dev/zero", cwd=tmp_path), "/dev/zero", "not a regular file")
    big = tmp_path / "big.toml"
    samples = "[[samples]]\nx = 1\ny = 1\n"
    big.write_text("layers = [1, 1]\n[init]\nseed = 1\n" + samples * (50 * 2**20 // len(samples)))  # 50 MB
    refused(sheetnet("run", "--config", str(big), cwd=tmp_path), f"at most {limits.NETWORK_FILE_BYTES:,}")


def test_too_many_samples_are_refused_before_they_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "many.toml"
    path.write_text("layers = [1, 1]\n[init]\nseed = 1\n" + "[[samples]]\nx = 1\ny = 1\n" * (limits.SAMPLES + 1))
    line = refused(sheetnet("run", "--config", str(path), cwd=tmp_path), "samples")
    assert f"{limits.SAMPLES + 1:,} samples" in line and f"at most {limits.SAMPLES:,}" in line


def test_arrays_nested_thousands_deep_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("layers = [1, 1]\nx = " + "[" * 3000 + "]" * 3000 + "\n")
    refused(sheetnet("run", "--config", str(path), cwd=tmp_path), "nested too deeply")


# 3, 5: a run's size, known before anything is built


def _network_file(tmp_path: Path, layers: list[int], samples: int = 1) -> Path:
    path = tmp_path / "net.toml"
    rows = "".join(f"[[samples]]\nx = {[0.5] * layers[0]}\ny = {[0.5] * layers[-1]}\n" for _ in range(samples))
    path.write_text(f"layers = {layers}\n[init]\nseed = 1\n{rows}")
    return path


@pytest.mark.parametrize(
    ("layers", "iters", "said"),
    [
        ([1, 1_000_000, 1], 3, "one iteration of this network holds 15,000,009 numbers"),
        ([1000, 1000, 1000], 3, "one iteration of this network holds 8,015,001 numbers"),
        ([400, 400, 400], 3, "one iteration of this network holds 1,286,001 numbers"),
        ([100, 100, 100], 25, "25 iterations of this network are 2,037,525 numbers"),
    ],
)
def test_a_run_too_large_is_refused_from_its_shape(tmp_path: Path, layers: list[int], iters: int, said: str) -> None:
    config = _network_file(tmp_path, layers)
    line = refused(sheetnet("run", "--config", str(config), "--iters", str(iters), cwd=tmp_path), "at most 1,000,000")
    assert said in line
    if "one iteration" in line:  # said while reading the file, before a weight is made
        assert "fewer neurons" in line and "samples" not in line  # one sample: no "fewer samples"
    else:
        assert "use --iters 12 or fewer" in line


def test_the_blocks_layout_holds_a_quarter_of_the_rows_layout(tmp_path: Path) -> None:
    """XlsxWriter holds a blocks workbook's sheets whole: 250,000 numbers there; the rows layout
    streams its rows and takes 1,000,000, and is the default above 250,000."""
    config = _network_file(tmp_path, [100, 100, 100])  # 81,501 numbers an iteration
    line = refused(
        sheetnet("run", "--config", str(config), "--iters", "5", "--layout", "blocks", cwd=tmp_path),
        "at most 250,000 in a sheet per iteration",
    )
    assert "use --layout rows (a row each), or --iters 3 or fewer" in line
    line = refused(sheetnet("run", "--config", str(config), "--iters", "5", "--exercise", cwd=tmp_path), "250,000")
    assert "--layout rows" not in line and "--iters 3 or fewer" in line  # an exercise is blocks only
    assert not list(tmp_path.glob("*.xlsx"))
    network = load_network(config)
    assert default_layout(network.with_overrides(iters=3)) == "blocks"  # 244,503 numbers
    assert default_layout(network.with_overrides(iters=4)) == "rows"  # 326,004: more than blocks hold
    assert not list(tmp_path.glob("*.xlsx"))


def test_a_billion_iterations_are_refused_in_either_layout(tmp_path: Path) -> None:
    for layout in ("blocks", "rows"):
        line = refused(sheetnet("run", "--iters", "1000000000", "--layout", layout, cwd=tmp_path), "at most")
        fit = 3623 if layout == "blocks" else 14492  # 250,000 or 1,000,000 cells of 69 numbers an iteration
        assert "69,000,000,000 numbers" in line and f"use --iters {fit} or fewer" in line
    line = refused(sheetnet("run", "--iters", "1000", "--layout", "blocks", cwd=tmp_path), "--layout rows")
    assert f"at most {limits.BLOCK_SHEETS}" in line


def test_the_hints_never_point_at_each_other(tmp_path: Path) -> None:
    """Rows too wide for Excel suggests blocks only when blocks would take the run."""
    wide = _network_file(tmp_path, [1, 72, 72])  # about the narrowest whose row is wider than Excel's
    line = refused(sheetnet("run", "--config", str(wide), "--layout", "rows", cwd=tmp_path), "16,384 columns")
    assert "--layout blocks" in line and "fewer samples" not in line
    line = refused(
        sheetnet("run", "--config", str(wide), "--layout", "rows", "--iters", "1", cwd=tmp_path), "16,384 columns"
    )
    assert "--layout blocks" in line
    result = sheetnet("run", "--config", str(wide), "--layout", "blocks", "--iters", "1", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # the layout it suggested takes it


def test_check_trains_no_more_iterations_than_the_workbook_holds(tmp_path: Path) -> None:
    made = sheetnet("run", "-q", "--out", "good.xlsx", cwd=tmp_path)
    assert made.returncode == 0
    result = sheetnet("check", "good.xlsx", "--iters", "1000000000", cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # it stops early: the workbook holds 3 iterations
    assert "stops after iteration 2" in result.stdout
    assert "1,000,000,000 iterations are more than the workbook could hold" in result.stdout


def test_the_iteration_size_is_the_graphs() -> None:
    """`iteration_size` (from the shape) counts exactly the numbers `build_iteration` makes."""
    for layers, act, out, loss, opt, n, biases in itertools.product(
        [[1, 2, 1], [2, 3, 2], [3, 1, 4, 2]],
        ["relu", "linear"],
        ["linear", "sigmoid", "softmax"],
        ["half_squared_error", "cross_entropy", "mse"],
        ["sgd", "momentum", "adam"],
        [1, 3],
        [True, False],
    ):
        if (loss == "cross_entropy" and out == "linear") or (out == "softmax" and layers[-1] == 1):
            continue  # refused networks
        y = [1.0] + [0.0] * (layers[-1] - 1)
        samples = "".join(f"[[samples]]\nx = {[0.5] * layers[0]}\ny = {y}\n" for _ in range(n))
        network = parse_network(
            f'layers = {layers}\nactivation = "{act}"\noutput_activation = "{out}"\nloss = "{loss}"\n'
            f'optimizer = "{opt}"\ntrain_biases = {str(biases).lower()}\n[init]\nseed = 1\n' + samples,
            source="test",
        )
        made = sum(len(q.keys) for q in build_iteration(network, 0).quantities)
        counted = iteration_size(
            layers, n, activation=act, output_activation=out, loss=loss, optimizer=opt, train_biases=biases
        )
        assert counted == made, (layers, act, out, loss, opt, n, biases)


# 6, 7: workbooks whose parts inflate to millions of elements


def _workbook(tmp_path: Path, name: str, part: str, write) -> Path:
    """A real workbook with one part replaced by what `write(handle)` streams into it."""
    plain = tmp_path / "plain.xlsx"
    with xlsxwriter.Workbook(plain) as wb:  # it writes every part: shared strings and styles too
        sheet = wb.add_worksheet()
        sheet.write_string(0, 0, "text")
        sheet.write_number(0, 1, 1.5)
    path = tmp_path / name
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename == part:
                with dst.open(part, "w", force_zip64=True) as handle:
                    write(handle)
            else:
                dst.writestr(item, src.read(item.filename))
    return path


def _strings(n: int):
    def write(handle) -> None:
        handle.write(f'{HEAD}<sst {NS} count="{n}" uniqueCount="{n}">'.encode())
        block = b"<si><t>a</t></si>" * 10_000
        for _ in range(n // 10_000):
            handle.write(block)
        handle.write(b"</sst>")

    return write


def _styles(n: int):
    def write(handle) -> None:
        handle.write(
            f'{HEAD}<styleSheet {NS}><fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
            f'<borders count="1"><border/></borders><cellXfs count="{n}">'.encode()
        )
        block = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>' * 10_000
        for _ in range(n // 10_000):
            handle.write(block)
        handle.write(b"</cellXfs></styleSheet>")

    return write


def _cells(n: int):
    def write(handle) -> None:
        handle.write(f"{HEAD}<worksheet {NS}><sheetData>".encode())
        row = b"<c><v>1</v></c>" * 100
        for r in range(1, n // 100 + 1):
            handle.write(b'<row r="%d">' % r + row + b"</row>")
        handle.write(b"</sheetData></worksheet>")

    return write


@pytest.mark.parametrize(
    ("name", "part", "write", "words"),
    [
        ("strings.xlsx", "xl/sharedStrings.xml", _strings(1_100_000), ["1,100,000 shared strings"]),
        ("styles.xlsx", "xl/styles.xml", _styles(100_000), ["100,000 cell formats"]),
        ("bigger.xlsx", "xl/sharedStrings.xml", _strings(4_200_000), ["68 MiB", "at most 64 MiB per part"]),
        ("cells.xlsx", "xl/worksheets/sheet1.xml", _cells(300_000), ["300,000 cells", "at most 250,000"]),
        ("million.xlsx", "xl/worksheets/sheet1.xml", _cells(1_000_000), ["1,000,000 cells"]),
    ],
)
def test_a_small_file_of_millions_of_elements_is_refused(tmp_path: Path, name: str, part: str, write, words) -> None:
    path = _workbook(tmp_path, name, part, write)
    assert path.stat().st_size < 2 * 2**20  # a few bytes of input …
    for command in (["check", str(path)], ["diff", str(path), str(path)]):
        refused(sheetnet(*command, cwd=tmp_path), *words)  # … refused, within the memory cap


def test_cells_are_counted_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A workbook of more than half the cells sheetnet reads, under the limit, is read: the formulas'
    and the values' passes do not count each cell twice. (The limit is lowered for the test: what is
    counted, and how often, does not depend on its size.)"""
    monkeypatch.setattr(limits, "READ_CELLS", 2_500)
    path = _workbook(tmp_path, "fine.xlsx", "xl/worksheets/sheet1.xml", _cells(2_000))
    result = CliRunner().invoke(main, ["diff", str(path), str(path)])
    assert result.exit_code == 0, result.output
    over = _workbook(tmp_path, "over.xlsx", "xl/worksheets/sheet1.xml", _cells(2_600))
    result = CliRunner().invoke(main, ["diff", str(over), str(over)])
    assert result.exit_code == 2 and "2,600 cells; sheetnet reads at most 2,500" in result.output  # the limit holds


# 9, 10: options


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["run", "--lr", "abc"], "sheetnet run: --lr: 'abc' is not a number"),
        (["run", "--iters", "-1"], "sheetnet run: --iters: -1 must be at least 1"),
        (["run", "--layout", "foo"], "sheetnet run: --layout: 'foo' is not one of 'blocks', 'rows'"),
        (["check", "missing.xlsx"], "sheetnet: error: missing.xlsx: no such file"),
        (["check", "x.xlsx", "--rtol", "nan"], "sheetnet check: --rtol: 'nan' is not a finite number of 0 or more"),
        (["check", "x.xlsx", "--atol", "-1"], "sheetnet check: --atol: '-1' is not a finite number of 0 or more"),
        (["diff", "a.xlsx", "b.xlsx", "--rtol", "nan"], "sheetnet diff: --rtol: 'nan' is not a finite number"),
        (["diff", "a.xlsx"], "sheetnet diff: Missing argument 'B'"),
        (["run", "--bogus"], "sheetnet run: No such option '--bogus'"),
    ],
)
def test_click_errors_are_one_line(tmp_path: Path, args: list[str], line: str) -> None:
    assert refused(sheetnet(*args, cwd=tmp_path)).startswith(line)


# 11: names and causes


@pytest.mark.parametrize(("out", "better"), [("data.csv", "data.xlsx"), ("plain", "plain.xlsx")])
def test_an_output_that_is_no_xlsx_is_refused(tmp_path: Path, out: str, better: str) -> None:
    refused(sheetnet("run", "--out", out, cwd=tmp_path), f"use {better}")
    assert not list(tmp_path.iterdir())


def test_an_overflow_names_its_cause(tmp_path: Path) -> None:
    huge = tmp_path / "huge.toml"
    huge.write_text("layers = [1, 1]\n[init]\nweights = 1.0\nbiases = 0.0\n[[samples]]\nx = 1e308\ny = 1\n")
    result = sheetnet("run", "--config", str(huge), "-q", "--out", "a.xlsx", cwd=tmp_path)
    assert result.returncode == 0
    assert "x[0] = 1e+308" in result.stderr and "η too large" not in result.stderr
    steep = tmp_path / "steep.toml"  # w ← w − η·(wx − y)·x: each step multiplies w by 1 − η·x² = −39
    steep.write_text("layers = [1, 1]\nlr = 10\n[init]\nweights = 1.0\nbiases = 0.0\n[[samples]]\nx = 2\ny = 1\n")
    result = sheetnet("run", "--config", str(steep), "--iters", "300", "-q", "--out", "b.xlsx", cwd=tmp_path)
    assert result.returncode == 0
    assert "η too large? the loss grew from 0.5 to" in result.stderr


# 12, 13: the file at --out


def test_a_file_saved_at_out_during_the_run_is_kept(tmp_path: Path) -> None:
    """A run is started; while it computes, a file of the user's appears at --out. It is kept byte
    for byte, and the finished workbook is put beside it, under a name the message gives."""
    out = tmp_path / "run.xlsx"
    run = PausedRun(
        ["run", "--config", str(XOR), "--iters", "2", "--out", str(out), "-q"], cwd=tmp_path, preexec_fn=cap_memory
    )
    assert run.paused and list(tmp_path.glob(".sheetnet-*")), "the run never wrote its workbook"
    out.write_bytes(b"the user's own file")
    returncode, stderr = run.finish()
    assert returncode == 2, stderr
    assert out.read_bytes() == b"the user's own file"
    aside = tmp_path / "run (sheetnet 1).xlsx"
    assert "appeared while sheetnet was running" in stderr and str(aside) in stderr
    assert openpyxl.load_workbook(aside, read_only=True).sheetnames[:2] == ["Setup", "Summary"]
    assert not list(tmp_path.glob(".sheetnet-*"))


def test_a_sheetnet_workbook_changed_during_the_run_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "run.xlsx"
    assert sheetnet("run", "--out", str(out), "-q", cwd=tmp_path).returncode == 0
    run = PausedRun(["run", "--config", str(XOR), "--iters", "2", "--out", str(out), "-q"], cwd=tmp_path)
    assert run.paused, "the run never wrote its workbook"
    saved = out.read_bytes()  # saved again by the user's spreadsheet program: another file
    out.unlink()
    out.write_bytes(saved)
    returncode, stderr = run.finish()
    assert returncode == 2 and "changed while sheetnet was running" in stderr
    assert out.read_bytes() == saved


def test_a_name_as_long_as_the_system_allows(tmp_path: Path) -> None:
    name = "n" * 250 + ".xlsx"  # 255 bytes: the longest name Linux allows
    result = sheetnet("run", "--out", name, "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / name).is_file()


def test_the_docs_give_the_limits() -> None:
    readme = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for number in (
        limits.WORKBOOK_CELLS,
        limits.SAMPLES,
        limits.BLOCK_SHEETS,
        limits.READ_CELLS,
        limits.READ_STRINGS,
        limits.READ_STYLES,
    ):
        assert f"{number:,}" in readme, number
    assert f"{limits.NETWORK_FILE_BYTES // 2**20} MiB" in readme


# What an adversarial review found after the first round


def test_every_output_follows_the_rules_of_out(tmp_path: Path) -> None:
    """solve --out, init PATH and check --csv: no device, pipe or link, the right extension, and a
    name as long as the system allows or longer is one line, never a traceback."""
    dangling = tmp_path / "d.md"
    dangling.symlink_to(tmp_path / "nowhere.md")
    refused(sheetnet("solve", "--out", str(dangling), cwd=tmp_path), "symbolic link")
    assert dangling.is_symlink()
    fifo = tmp_path / "g.md"
    os.mkfifo(fifo)
    refused(sheetnet("solve", "--out", str(fifo), cwd=tmp_path), "not a regular file")
    long_name = "s" * 250 + ".md"
    done = sheetnet("solve", "--out", long_name, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    refused(sheetnet("run", "--out", "r" * 300 + ".xlsx", cwd=tmp_path), "File name too long")
    refused(sheetnet("check", "c" * 300 + ".xlsx", cwd=tmp_path), "File name too long")
    refused(sheetnet("init", "net.xlsx", cwd=tmp_path), "use net.toml")
    made = sheetnet("run", "-q", "--out", "ok.xlsx", cwd=tmp_path)
    assert made.returncode == 0
    refused(sheetnet("check", "ok.xlsx", "--csv", "grades.xlsx", cwd=tmp_path), "use grades.csv")


def test_a_newline_in_a_name_stays_on_one_line(tmp_path: Path) -> None:
    line = refused(sheetnet("check", "a\nb.xlsx", cwd=tmp_path), "no such file")
    assert "a\\nb.xlsx" in line


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["solve", "--iters", "1000000000"], ["at most 1,000,000"]),
        (["check", "x.xlsx", "--jobs", "100000"], ["--jobs"]),
        (["run", "--lr", ",".join(str(0.001 * (k + 1)) for k in range(300))], ["300 learning rates", "at most 255"]),
    ],
)
def test_options_that_would_run_unbounded(tmp_path: Path, args: list[str], words: list[str]) -> None:
    refused(sheetnet(*args, cwd=tmp_path), *words)


def test_network_files_that_would_run_unbounded(tmp_path: Path) -> None:
    rates = tmp_path / "rates.toml"
    rates.write_text(
        "layers = [1, 1]\nlr = [" + ", ".join(str(0.0001 * (k + 1)) for k in range(100_000)) + "]\n"
        "[init]\nseed = 1\n[[samples]]\nx = 1\ny = 1\n"
    )
    refused(sheetnet("run", "--config", str(rates), cwd=tmp_path), "100,000 learning rates")
    digits = tmp_path / "digits.toml"
    digits.write_text("layers = [1, " + "9" * 5000 + "]\n")
    refused(sheetnet("run", "--config", str(digits), cwd=tmp_path), "not a network file")


def _part(handle, text: bytes, repeat: int, head: bytes = b"", tail: bytes = b"") -> None:
    handle.write(head)
    block = text * 10_000
    for _ in range(repeat // 10_000):
        handle.write(block)
    handle.write(tail)


@pytest.mark.parametrize(
    ("part", "write", "words"),
    [
        (  # cells in a sheet part outside xl/worksheets/, with a namespace prefix of its own
            "xl/data/s.xml",
            lambda h: _part(h, "<é:c><é:v>1</é:v></é:c>".encode(), 2_000_000, f"<worksheet {NS}>".encode()),
            ["2,000,001 cells"],
        ),
        (
            "xl/_rels/many.xml.rels",
            lambda h: _part(h, b'<Relationship Id="r" Type="t" Target="x"/>', 1_000_000, b"<Relationships>"),
            ["1,00", "elements besides cells and strings"],
        ),
        (
            "xl/dxfs.xml",
            lambda h: _part(h, b"<dxf/>", 2_000_000, b"<styleSheet>"),
            ["2,000,00", "cell formats"],
        ),
    ],
)
def test_elements_anywhere_are_counted(tmp_path: Path, part: str, write, words: list[str]) -> None:
    plain = tmp_path / "plain.xlsx"
    with xlsxwriter.Workbook(plain) as wb:
        wb.add_worksheet().write_number(0, 0, 1.5)
    path = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        with dst.open(part, "w", force_zip64=True) as handle:
            write(handle)
    refused(sheetnet("check", str(path), cwd=tmp_path), *words)
