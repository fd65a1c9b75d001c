"""`sheetnet check` as a teacher reads it: the table, the first slip explained, the slips grouped."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from sheetnet.cli import main


def _check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *args], env={"COLUMNS": "80"})
    return result.exit_code, result.output


def test_the_commonest_slip_reads_as_a_teacher_would_write_it(shared_fixtures: Path) -> None:
    book, network = shared_fixtures / "vishak-dlexcel.xlsx", shared_fixtures / "vishak-dlexcel.toml"
    code, out = _check(str(book), "--config", str(network), "--iters", "32")
    assert code == 1
    text = " ".join(out.replace("│", " ").split())  # the panel wraps at 80 columns
    assert "The table" in out and "A36:AE67" in out and "rows" in out
    assert "it never writes Δ, f'(O2), ∂L/∂B2, ∂L/∂f(O1), f'(O1), ∂L/∂B1 (left out, not wrong)" in text
    assert "First slip" in out and "∂L/∂W1[1,0] in Sheet1!Z36" in text
    assert "uses `J36` = f(O1)[0] (a_h1) where f(O1)[1] (`L36`, a_h2) belongs" in text
    # the same formula filled down is one place, not 32 rows of slips
    assert "Slips (64 in 2 places)" in out and "0–31" in out and "Z36 … Z67" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_one_sheet_of_several_with_sheet(shared_fixtures: Path) -> None:
    book, network = shared_fixtures / "harshvs4-bp.xlsx", shared_fixtures / "harshvs4-bp.toml"
    code, out = _check(str(book), "--config", str(network), "--iters", "34", "--sheet", "LR_0.5", "--json")
    data = json.loads(out)
    assert code == 1  # LR_0.5 trains with η = 0.5, not the network file's 0.1: it does not follow it
    assert [(t["sheet"], t["eta"], t["verdict"], t["first_slip"]) for t in data["tables"]] == [
        ("LR_0.5", 0.5, "wrong", "LR_0.5!X32")
    ]
    assert "no table trains with η = 0.1" in data["message"]
    code, out = _check(str(book), "--config", str(network), "--sheet", "LR_9")
    assert code == 2 and "no sheet named 'LR_9'" in out and "'LR_0.1'" in out


def test_a_sheet_where_no_table_starts_is_said_to_be_one(notes_workbook: Path) -> None:
    code, out = _check(str(notes_workbook), "--sheet", "Iteration 1", "--json")
    assert code == 1
    assert json.loads(out)["message"].startswith("no table starts on sheet 'Iteration 1'")
    code, out = _check(str(notes_workbook), "--sheet", "Iteration 0", "--json")
    assert code == 0 and [t["layout"] for t in json.loads(out)["tables"]] == ["a sheet per iteration"]
