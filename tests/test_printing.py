"""The printed workbook: every column written is on the page, an iteration of a small network is
one page, a rows-layout run takes as few pages in height as it legibly can."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string

from sheetnet.printing import rows_scale
from sheetnet.rates import write_rates_workbook
from sheetnet.spec import load_network, parse_network
from sheetnet.trace import run
from sheetnet.workbook import write_workbook

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

THREE_THREE_TWO = """
layers = [3, 3, 2]
activation = "sigmoid"
output_activation = "softmax"
loss = "cross_entropy"
iters = 4
[init]
seed = 3
[[samples]]
x = [1.0, 0.0, 0.5]
y = [1.0, 0.0]
[[samples]]
x = [0.0, 1.0, -0.5]
y = [0.0, 1.0]
"""


def _print_area_last_col(sheet: openpyxl.worksheet.worksheet.Worksheet) -> int:
    """The last column (1-based) of the sheet's print area."""
    (area,) = re.findall(r"\$([A-Z]+)\$\d+$", sheet.print_area)
    return column_index_from_string(area)


def _last_written_col(sheet: openpyxl.worksheet.worksheet.Worksheet) -> int:
    return max(cell.column for row in sheet.iter_rows() for cell in row if cell.value is not None)


def _chart_right_col(path: Path) -> int:
    """The column (1-based) the workbook's one chart reaches, from its drawing's anchor."""
    with zipfile.ZipFile(path) as archive:
        (drawing,) = [n for n in archive.namelist() if n.startswith("xl/drawings/drawing")]
        xml = archive.read(drawing).decode()
    return int(re.search(r"<xdr:to><xdr:col>(\d+)</xdr:col>", xml).group(1)) + 1


def _network(name: str):
    return load_network(EXAMPLES / name)


@pytest.mark.parametrize(
    ("network", "layout"),
    [
        (_network("softmax-3-class.toml"), "blocks"),  # the sample table runs to ŷ[2], "right", the accuracy
        (parse_network(THREE_THREE_TWO, source="3-3-2"), "blocks"),
        (dataclasses.replace(_network("softmax-3-class.toml"), iters=30), "rows"),
        (dataclasses.replace(parse_network(THREE_THREE_TWO, source="3-3-2"), iters=30), "rows"),
    ],
    ids=["softmax-blocks", "3-3-2-blocks", "softmax-30-rows", "3-3-2-30-rows"],
)
def test_summary_prints_every_column_and_the_chart(network, layout: str, tmp_path: Path) -> None:
    path = write_workbook(run(network), tmp_path / "run.xlsx", layout=layout)
    summary = openpyxl.load_workbook(path)["Summary"]
    last = _print_area_last_col(summary)
    assert last >= _last_written_col(summary)
    assert last >= _chart_right_col(path)
    assert "accuracy" in {c.value for row in summary.iter_rows() for c in row}
    assert summary.page_setup.fitToWidth in (None, 1) and summary.sheet_properties.pageSetUpPr.fitToPage


def test_the_blocks_summary_shows_lowest_l_as_wide_as_the_column_of_l(tmp_path: Path) -> None:
    path = write_workbook(run(_network("softmax-3-class.toml")), tmp_path / "run.xlsx")
    summary = openpyxl.load_workbook(path)["Summary"]
    cells = {c.value: c for row in summary.iter_rows() for c in row if isinstance(c.value, str)}
    label, value = cells["at iteration"], cells["lowest L"].offset(0, 1)
    width = summary.column_dimensions

    def chars(col: str) -> float:
        return width[col].width

    assert chars(label.column_letter) >= len("at iteration") + 1
    loss_col = cells[next(t for t in cells if t.startswith("L ("))].column_letter
    assert chars(value.column_letter) == chars(loss_col)


def test_a_small_iteration_sheet_prints_on_one_page(notes_workbook: Path) -> None:
    book = openpyxl.load_workbook(notes_workbook)
    for name in ("Iteration 0", "Iteration 2"):
        setup = book[name].page_setup  # XlsxWriter leaves out a 1 (the default); 0 would be "as many as needed"
        assert book[name].sheet_properties.pageSetUpPr.fitToPage
        assert setup.fitToWidth in (None, 1) and setup.fitToHeight in (None, 1)
        assert not book[name].row_breaks.brk


@pytest.mark.parametrize(("rows", "scale"), [(4, 70), (31, 70), (51, 55), (101, 55)])
def test_rows_scale_saves_pages_in_height(rows: int, scale: int) -> None:
    assert rows_scale(rows) == scale


def _pdf_pages(soffice: str, path: Path, tmp_path: Path) -> int:
    profile = tmp_path / "profile"
    options = ["--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(tmp_path)]
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", *options, str(path)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return len(re.findall(rb"/Type\s*/Page\b", path.with_suffix(".pdf").read_bytes()))


@pytest.mark.libreoffice
def test_three_iterations_of_the_notes_print_on_five_pages(soffice: str, notes_workbook: Path, tmp_path: Path) -> None:
    """Setup, Summary and a page per iteration (it was two per iteration: 9 pages)."""
    copy = tmp_path / "notes.xlsx"
    copy.write_bytes(notes_workbook.read_bytes())
    assert _pdf_pages(soffice, copy, tmp_path) == 5


@pytest.mark.libreoffice
def test_six_rates_of_fifty_iterations_print_one_page_tall(soffice: str, tmp_path: Path) -> None:
    """Each η sheet is one page tall (four across): 26 pages with Setup and Summary (it was 74)."""
    network = dataclasses.replace(_network("mazur-2-2-2.toml"), iters=50)
    traces = [run(dataclasses.replace(network, lr=lr)) for lr in (0.1, 0.2, 0.5, 0.8, 1.0, 2.0)]
    path = write_rates_workbook(traces, tmp_path / "rates.xlsx")
    assert _pdf_pages(soffice, path, tmp_path) <= 2 + 6 * 4
