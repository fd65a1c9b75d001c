"""The thresholds of `sheetnet/check/thresholds.py` that no verdict of the zoo, the fixtures or the
other tests of `check` holds down, each held down here by a small workbook whose verdict changes
when the threshold does.

Each workbook is the notes' 2-2-2 network (tests/homework.py), its numbers given by the plain-Python
row model `homework.train` (not by sheetnet), typed at full precision in a row per iteration, with
one thing about it changed as a person would; the expected verdict follows from how it was built.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import xlsxwriter
from click.testing import CliRunner
from homework import COLUMNS, HEADERS, Network, train

from sheetnet.cli import main

ITERS = 6
HEADER_ROW = 5  # 0-based: the headers in row 6, iteration k in row 7 + k


def check(book: Path, tmp_path: Path, net: Network | None = None) -> dict[str, Any]:
    """`sheetnet check BOOK --config NET --json`, the JSON (exit 0 or 1 only)."""
    network = tmp_path / "net.toml"
    network.write_text((net or Network()).toml(ITERS), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(book), "--config", str(network), "--json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def typed_rows(path: Path, top: list[tuple[int, int, str | float]], net: Network | None = None) -> Path:
    """`homework.train`'s numbers typed at full precision, a row per iteration in `COLUMNS` order
    under headers in row 6; `top` are the cells (row, column, text or number) written above them."""
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("Sheet1")
    for r, c, v in top:
        (ws.write_string if isinstance(v, str) else ws.write_number)(r, c, v)
    for j, name in enumerate(COLUMNS):
        ws.write_string(HEADER_ROW, j, HEADERS[name])
    for k, row in enumerate(train(ITERS, net, typed=True)):
        for j, name in enumerate(COLUMNS):
            ws.write_number(HEADER_ROW + 1 + k, j, row[name].value)
    book.close()
    return path


def test_eta_written_two_cells_right_of_its_label_is_the_eta_cell_and_a_number_farther_is_not(
    tmp_path: Path,
) -> None:
    """ETA_LABEL_REACH = 2: `η | = | 0.5` names 0.5 (C4) η, two cells right of its label (reach 1
    finds no η cell); `iterations | 6` further along the row is no η, though nearer the table (reach
    4 takes 6 for η, and the table is judged against a run with η = 6)."""
    top = [(3, 0, "η"), (3, 1, "="), (3, 2, 0.5), (3, 3, "iterations"), (3, 4, float(ITERS))]
    data = check(typed_rows(tmp_path / "eta.xlsx", top), tmp_path)
    [table] = data["tables"]
    assert (table["eta"], table["eta_cell"], table["verdict"]) == (0.5, "Sheet1!C4", "right")
    assert data["first_mismatch"] is None
