"""`sheetnet check` as a teacher reads it: the table, the first slip explained, the slips grouped."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from click.testing import CliRunner

from sheetnet.cli import main
from sheetnet.spec import default_network
from sheetnet.trace import run
from sheetnet.workbook import write_workbook


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


def _wrapped_rows(out: str) -> list[str]:
    """The lines of the boxed tables that continue a row or a header wrapped from the line above."""
    lines = out.splitlines()
    rows = [line for line in lines if line.startswith("│") and not line.split("│")[1].strip()]
    headers = [b for a, b in itertools.pairwise(lines) if a.startswith("┃") and b.startswith("┃")]
    return rows + headers


def test_a_right_workbook_says_so_first_on_one_screen(shared_fixtures: Path, tmp_path: Path) -> None:
    """At 80 columns: the verdict in the first line, the whole output in 25 lines, no table row on two."""
    book, network = shared_fixtures / "era-wk6-backpropagation.xlsx", shared_fixtures / "era-wk6.toml"
    own = write_workbook(run(default_network()), tmp_path / "own.xlsx")  # a sheet per iteration, 31 quantities
    outputs = []
    for args in ([str(book), "--config", str(network), "--iters", "88"], [str(own)]):
        code, out = _check(*args)
        lines = out.splitlines()
        assert code == 0 and lines[0].startswith("Right: the workbook holds all "), out
        assert len(lines) <= 25 and not _wrapped_rows(out), out
        assert max(len(line) for line in lines) <= 80
        outputs.append(" ".join(out.split()))
    assert "The table: Sheet1!B33:AF120 · rows · η = 2 (Sheet1!H31) · 88 of 88 iterations · right" in outputs[0]
    assert "Checked 3,424 numbers of the run: all agree. 1,064 more are not in the workbook" in outputs[0]
    assert "the 207 numbers of the run it writes all agree" in outputs[1]
    code, out = _check(str(own), "--all")  # the long listings: every number, and quantity by quantity
    assert code == 0 and "Every number of the run" in out
    quantities = out[out.index("Quantity by quantity") :]
    assert "│ W1 (used) " in quantities and not _wrapped_rows(quantities)


def test_a_wrong_workbook_explains_its_first_slip_before_any_table(shared_fixtures: Path) -> None:
    book, network = shared_fixtures / "vishak-dlexcel.xlsx", shared_fixtures / "vishak-dlexcel.toml"
    code, out = _check(str(book), "--config", str(network))
    lines = out.splitlines()
    assert code == 1 and lines[0] == "Wrong: first slip in Sheet1!Z36, iteration 0: ∂L/∂W1[1,0]"
    explained = next(k for k, line in enumerate(lines) if "uses `J36` = f(O1)[0] (a_h1)" in line)
    tables = [k for k, line in enumerate(lines) if line.startswith(("┏", "The table:"))]
    assert tables and explained < min(tables), out
    assert not _wrapped_rows(out)
