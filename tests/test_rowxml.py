"""The rows layout's streamed rows (rowxml.py) against XlsxWriter writing the same cells one by one.

The reference here writes every Training cell through XlsxWriter's own `write_formula`, its
formula rendered from the expression by the plain layout (no row templates): the workbook written
from row templates must be the same file, part by part, byte for byte (only the time of writing,
in docProps/core.xml, differs). LibreOffice recalculates the largest run sheetnet writes.
"""

from __future__ import annotations

import json
import math
import re
import tracemalloc
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from xlsxwriter.worksheet import Worksheet

from sheetnet import limits, rates, workbook
from sheetnet.cli import main
from sheetnet.graph import Key, render
from sheetnet.layout import ROWS, RowsLayout, samples_words
from sheetnet.libreoffice import recalculate
from sheetnet.net import UPDATE, IterationGraph, Quantity, build_iteration, network_iteration_size, setup_quantities
from sheetnet.rowxml import ERROR_VALUE, RowShape, inline_text
from sheetnet.spec import Network, parse_network
from sheetnet.trace import Run

ITERS = 7  # rows 0–2 are rendered, later rows filled from the steady template: both are compared


class CellByCell:
    """The reference: each cell of a row through XlsxWriter, its formula rendered from its expression."""

    streamed = None

    def __init__(self, book: xlsxwriter.Workbook, sheet: Worksheet, formats: object, layout: RowsLayout) -> None:
        self.sheet, self.formats, self.layout = sheet, formats, layout
        self.cells = layout.on(layout.sheet)

    def row(self, graph: IterationGraph, values: Mapping[Key, float], quantities: Sequence[Quantity]) -> None:
        r = self.layout.row(graph.t)
        self.sheet.write_number(r, 0, graph.t, self.formats.iteration)  # type: ignore[attr-defined]
        if self.layout.samples_col is not None:
            self.sheet.write_string(r, self.layout.samples_col, samples_words(graph.batch), self.formats.label)  # type: ignore[attr-defined]
        self._cells(values, quantities)

    def end(self, values: Mapping[Key, float], quantities: Sequence[Quantity]) -> None:
        self.sheet.write_string(self.layout.row(self.layout.network.iters), 0, "end", self.formats.iteration)  # type: ignore[attr-defined]
        self._cells(values, quantities)

    def _cells(self, values: Mapping[Key, float], quantities: Sequence[Quantity]) -> None:
        for q in quantities:
            fmt = self.formats.computed if q.section == UPDATE else self.formats.value(q)  # type: ignore[attr-defined]
            for key, expr in zip(q.keys, q.exprs or (), strict=True):
                cell = self.layout.cell(key)
                value = values[key]
                cached = value if math.isfinite(value) else ERROR_VALUE
                self.sheet.write_formula(cell.row, cell.col, render(expr, self.cells), fmt, cached)


NETWORKS = {
    "notes": "layers = [1, 2, 2, 1]\n[init]\nweights = 1.0\nbiases = -0.5\n[[samples]]\nx = 2.0\ny = 1.0\n",
    "xor-adam": (Path(__file__).resolve().parent.parent / "examples" / "xor.toml").read_text(encoding="utf-8"),
    "batches-momentum": (
        'layers = [2, 3, 2]\nactivation = "sigmoid"\noutput_activation = "softmax"\nloss = "cross_entropy"\n'
        'optimizer = "momentum"\nbatch_size = 2\nreduction = "sum"\n[init]\nseed = 3\n'
        "[[samples]]\nx = [0.1, 0.2]\ny = [1.0, 0.0]\n[[samples]]\nx = [0.5, -0.2]\ny = [0.0, 1.0]\n"
        "[[samples]]\nx = [-0.3, 0.7]\ny = [1.0, 0.0]\n"
    ),
    "wide-tanh-frozen": (  # SUMPRODUCT over ranges, biases held fixed
        'layers = [6, 5, 2]\nactivation = "tanh"\noutput_activation = "sigmoid"\nloss = "mse"\n'
        "train_biases = false\n[init]\nseed = 5\n[[samples]]\nx = [0.1, 0.2, 0.3, -0.4, 0.5, 0.6]\ny = [1.0, 0.0]\n"
    ),
    "diverging": (  # #NUM! from the fifth row on
        'layers = [1, 2, 1]\nactivation = "linear"\nlr = 3.0\n[init]\nweights = 1.0\nbiases = -0.5\n'
        "[[samples]]\nx = 2.0\ny = 1.0\n"
    ),
}


def _parsed(name: str, iters: int) -> Network:
    return parse_network(NETWORKS[name], source=name).with_overrides(iters=iters)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    core = parts.pop("docProps/core.xml")  # the time of writing, to the second
    parts["docProps/core.xml"] = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"TIME", core)
    return parts


def _assert_same_file(streamed: Path, reference: Path) -> None:
    ours, theirs = _parts(streamed), _parts(reference)
    assert list(ours) == list(theirs)  # the same parts, in the same order
    for name, data in theirs.items():
        if ours[name] != data:
            at = next(i for i, (a, b) in enumerate(zip(ours[name], data, strict=False)) if a != b)
            pytest.fail(f"{name} differs at byte {at}: {ours[name][at - 80 : at + 80]!r} / {data[at - 80 : at + 80]!r}")


@pytest.mark.parametrize("name", list(NETWORKS))
def test_streamed_rows_are_byte_for_byte_what_xlsxwriter_writes(tmp_path: Path, name: str) -> None:
    network = _parsed(name, ITERS)
    workbook._write_rows(Run(network), str(tmp_path / "streamed.xlsx"), None)
    workbook._write_rows(Run(network), str(tmp_path / "reference.xlsx"), None, row_writer=CellByCell)
    _assert_same_file(tmp_path / "streamed.xlsx", tmp_path / "reference.xlsx")


def test_sheets_of_several_rates_are_byte_for_byte_what_xlsxwriter_writes(tmp_path: Path) -> None:
    runs = [_parsed("xor-adam", ITERS).with_overrides(lr=lr) for lr in (0.1, 0.5, 2.0)]
    rates._write_rates([Run(n) for n in runs], str(tmp_path / "streamed.xlsx"), None)
    rates._write_rates([Run(n) for n in runs], str(tmp_path / "reference.xlsx"), None, row_writer=CellByCell)
    _assert_same_file(tmp_path / "streamed.xlsx", tmp_path / "reference.xlsx")


def test_openpyxl_reads_the_streamed_formulas_values_and_styles(tmp_path: Path) -> None:
    out = workbook.write_workbook(Run(_parsed("diverging", ITERS)), tmp_path / "d.xlsx", layout=ROWS)
    formulas = openpyxl.load_workbook(out)["Training"]
    values = openpyxl.load_workbook(out, data_only=True)["Training"]
    assert formulas["A10"].value == 5 and formulas["A12"].value == "end"
    assert formulas["B10"].value == "=B9-lr*U9"  # W1 (used) in iteration 5: the update of iteration 4's row
    assert formulas["B10"].number_format == "General" and not formulas["B10"].font.b
    assert values["N5"].value == pytest.approx(1.125) and formulas["N5"].font.b  # L, bold
    assert values["N10"].value == "#NUM!"  # overflowed: an error value, not inf
    assert formulas.freeze_panes == "B5"


def test_diff_reads_two_streamed_workbooks_cell_by_cell(tmp_path: Path) -> None:
    """Two runs differing in η: the same formulas, every computed value different; `diff` says so."""
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    workbook.write_workbook(Run(_parsed("notes", ITERS)), a, layout=ROWS)
    workbook.write_workbook(Run(_parsed("notes", ITERS).with_overrides(lr=0.02)), b, layout=ROWS)
    same = CliRunner().invoke(main, ["diff", str(a), str(a), "--formulas"])
    assert same.exit_code == 0, same.output
    result = CliRunner().invoke(main, ["diff", str(a), str(b), "--formulas", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["formula_changes"] == []  # η is an input: no formula differs
    changed = {(d["sheet"], d["cell"]) for d in report["differences"]}
    assert ("Setup", "B6") in changed and ("Training", "B12") in changed  # η; W1 after the last update


def test_what_the_rows_writer_holds_does_not_grow_with_the_rows(tmp_path: Path) -> None:
    """The rows go to a file as they come: writing three times the rows takes no more memory."""
    workbook._write_rows(Run(_parsed("notes", 4)), str(tmp_path / "m.xlsx"), None)  # what is made once
    peaks = []
    # the rows outgrow the chunk they are copied into the zip by (rowxml.COPY_CHUNK); as many iterations
    # since the garbage collector last ran (every 64) in both
    for iters in (60, 60 + 2 * 64):
        tracemalloc.start()
        try:
            workbook._write_rows(Run(_parsed("notes", iters), keep=lambda t: False), str(tmp_path / "m.xlsx"), None)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    # kept in memory, the 128 more rows would add half as much again (5 KB each); what varies from run
    # to run (the garbage the collector has not yet reached) is about a tenth
    assert peaks[1] < 1.25 * peaks[0], peaks


def test_a_shape_puts_its_row_numbers_values_and_texts_in() -> None:
    class Style:
        def __init__(self, index: int) -> None:
            self.index = index

        def _get_xf_index(self) -> int:
            return self.index

    shape = RowShape()
    shape.formula(2, Style(4), "B{r1}*C{r0}+D{r2}")  # type: ignore[arg-type]
    shape.number(0, Style(3))  # type: ignore[arg-type]
    shape.formula(3, Style(4), None)  # type: ignore[arg-type]
    shape.text(1, Style(5))  # type: ignore[arg-type]
    shape.string(4, Style(6), " 100% & <end> ")  # type: ignore[arg-type]
    texts = ["9", "IF(A9&gt;0,1,0)", inline_text("samples 1, 0")]
    xml = shape.fill(9, [0.5, math.inf], texts)
    assert shape.fill(9, [0.5, math.inf], texts, once=True) == xml  # not compiled: str.format
    assert xml == (
        '<row r="10"><c r="A10" s="3"><v>9</v></c>'
        '<c r="B10" s="5" t="inlineStr"><is><t>samples 1, 0</t></is></c>'
        '<c r="C10" s="4"><f>B9*C10+D8</f><v>0.5</v></c>'
        '<c r="D10" s="4" t="e"><f>IF(A9&gt;0,1,0)</f><v>#NUM!</v></c>'
        '<c r="E10" s="6" t="inlineStr"><is><t xml:space="preserve"> 100% &amp; &lt;end&gt; </t></is></c></row>'
    )


# The largest run sheetnet writes, recalculated by LibreOffice (about a minute on two cores)

LARGEST = (
    'layers = [8, 32, 8]\nactivation = "relu"\noutput_activation = "linear"\nlr = 0.01\n[init]\nseed = 1\n'
    "[[samples]]\nx = [0.5, -0.25, 0.75, 0.1, -0.6, 0.3, 0.2, -0.4]\ny = [0.1, 0.2, -0.3, 0.4, 0.5, -0.1, 0.0, 0.3]\n"
)
_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*?(/>|>(.*?)</c>)', re.S)
_FORMULA = re.compile(rb"<f[ >/]")
_VALUE = re.compile(rb"<v>([^<]*)</v>")


def _formula_values(path: Path) -> dict[tuple[int, bytes], bytes]:
    """(sheet, cell) → the cached value of every formula cell, read straight from the XML."""
    found = {}
    with zipfile.ZipFile(path) as archive:
        names = sorted(
            (n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
            key=lambda n: int(re.sub(r"\D", "", n)),
        )
        for s, name in enumerate(names):
            for match in _CELL.finditer(archive.read(name)):
                inside = match.group(3) or b""
                if _FORMULA.search(inside):
                    value = _VALUE.search(inside)
                    found[(s, match.group(1))] = value.group(1) if value else b""
    return found


@pytest.mark.libreoffice
@pytest.mark.heavy
def test_libreoffice_recalculates_the_largest_run_to_the_cached_values(soffice: str, tmp_path: Path) -> None:
    network = parse_network(LARGEST, source="largest")
    size = network_iteration_size(network)
    network = network.with_overrides(iters=limits.WORKBOOK_CELLS // size)
    out = workbook.write_workbook(Run(network, keep=lambda t: False), tmp_path / "largest.xlsx", layout=ROWS)
    (recalculated,) = recalculate([out], tmp_path / "recalculated", timeout=600)
    cached, computed = _formula_values(out), _formula_values(recalculated)
    width = RowsLayout(network, setup_quantities(network), build_iteration(network, 0)).width
    assert len(cached) > network.iters * (width - 1)  # every column of every row but the iteration is a formula
    for where, value in cached.items():
        again = computed[where]
        a, b = float(value), float(again)
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15), (where, value, again)
