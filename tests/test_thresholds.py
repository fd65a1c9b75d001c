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
from homework import COLUMNS, HEADERS, Mutation, Network, first_slip, scaled, train

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


ETA = [(3, 0, "η ="), (3, 1, 0.5)]  # "η =" in A4, 0.5 in B4


def typed_rows(
    path: Path,
    top: list[tuple[int, int, str | float]] = ETA,
    mutation: Mutation | None = None,
    summary: tuple[str, ...] = (),
) -> Path:
    """`homework.train`'s numbers typed at full precision, a row per iteration in `COLUMNS` order
    under headers in row 6; `top` are the cells (row, column, text or number) written above them;
    `mutation` a slip made in them; `summary` columns copied to a second sheet, `Summary`."""
    table = train(ITERS, typed=True, mutation=mutation)
    assert first_slip(table, Network()) in (mutation.cells if mutation else {None})
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet("Sheet1")
    if summary:
        copy = book.add_worksheet("Summary")
        for j, name in enumerate(("iteration", *summary)):
            copy.write_string(0, j, HEADERS.get(name, name))
        for k, row in enumerate(table):
            copy.write_number(k + 1, 0, k + 1)
            for j, name in enumerate(summary, start=1):
                copy.write_number(k + 1, j, row[name].value)
    for r, c, v in top:
        (ws.write_string if isinstance(v, str) else ws.write_number)(r, c, v)
    for j, name in enumerate(COLUMNS):
        ws.write_string(HEADER_ROW, j, HEADERS[name])
    for k, row in enumerate(table):
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


def test_a_table_wrong_from_its_first_hidden_number_is_still_a_table(tmp_path: Path) -> None:
    """TABLE_FORWARD_SHARE = 1/4, TABLE_QUANTITIES = 2: h1 typed 1 % off in iteration 0 leaves, of
    iteration 0's eight forward numbers (h, a_h, o, a_o), only h2 and a_h2 right, a quarter of
    them, from two quantities (O1, f(O1)); every later number follows the slip. The table is still
    found and h1 (I7) is its first slip (a share of 0.6, or 3 quantities: "no table")."""
    book = typed_rows(tmp_path / "h1.xlsx", mutation=scaled("h1", 0, 1.01))
    data = check(book, tmp_path)
    assert [(t["verdict"], t["first_slip"]) for t in data["tables"]] == [("wrong", "Sheet1!I7")]
    assert data["first_mismatch"]["cell"] == "Sheet1!I7"


def test_a_summary_of_the_outputs_alone_is_no_table(tmp_path: Path) -> None:
    """TABLE_QUANTITIES = 2: a second sheet listing each iteration's ŷ (a_o1, a_o2) and loss holds
    two of iteration 0's eight forward numbers, but of one quantity: no table starts there (with 1,
    it is judged as a second table, and the workbook with it)."""
    book = typed_rows(tmp_path / "summary.xlsx", summary=("a_o1", "a_o2", "E_total"))
    data = check(book, tmp_path)
    assert [(t["sheet"], t["verdict"]) for t in data["tables"]] == [("Sheet1", "right")]
    assert data["verdict"] == "right"
