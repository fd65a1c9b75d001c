"""`sheetnet check` on workbooks people made by hand: the notes typed in, rounded blocks, formula rows."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheetnet.book import read_book
from sheetnet.check import CheckResult, Tolerance, check_book
from sheetnet.cli import main
from sheetnet.libreoffice import recalculate
from sheetnet.spec import Network, default_network, load_network
from sheetnet.status import ABSENT, FOLLOWS, FOUND, MISMATCH, SLIP

import shared
from handmade import (
    FIRST_ROW,
    NOTES_SLIP,
    column,
    mazur_rows,
    notes_blocks,
    rounded_blocks,
    rounded_by_hand,
)

ROOT = Path(__file__).resolve().parent.parent
MAZUR = ROOT / "examples" / "mazur-2-2-2.toml"


def _check(path: Path, network: Network | None = None, **tolerance: float) -> CheckResult:
    return check_book(read_book(path), network or default_network(), Tolerance(**tolerance))


def _by_name(result: CheckResult, t: int, name: str):
    return next(e for e in result.elements if e.t == t and e.name == name)


# ------------------------------------------------------------------------------ the notes typed in


def test_the_notes_typed_in_are_found_and_pass(tmp_path: Path) -> None:
    path, _ = notes_blocks(tmp_path / "notes")
    result = _check(path)
    assert result.mismatches == []
    # Every number the notes write is found, at the cell it was typed in.
    assert _by_name(result, 1, "ŷ[0]").cell.address == "Backprop!B37"
    assert _by_name(result, 1, "ŷ[0]").found == 2.4658
    assert _by_name(result, 2, "O1[1]").found == 1.0233
    assert _by_name(result, 1, "∂L/∂W1[0,0]").found == 5.0691
    assert _by_name(result, 0, "W2[1,1]").found == 0.9475  # the update
    assert _by_name(result, 1, "W2[1,1] (used)").cell == _by_name(result, 0, "W2[1,1]").cell
    # What the notes do not write is absent, not wrong: L, ∂L/∂W3, f'(S), iteration 2's backward pass.
    for name in ("L", "∂L/∂W3[0,0]", "f'(O1)[0]"):
        assert _by_name(result, 0, name).status == ABSENT
    backward = [e for e in result.elements if e.t == 2 and e.quantity.section in ("Backpropagation", "Update")]
    assert [e.name for e in backward if e.status != ABSENT] == ["∂L/∂B3[0]"]  # ∂L/∂B3 = Δ, which is written
    # Every number of the three blocks, and the parameters typed above them: iteration 0 uses them,
    # and each block's update stands one block below them (W1 ← of block 0 is 21 rows under W1).
    assert result.count(FOUND) == 105 + 13
    assert _by_name(result, 0, "W1[0,0] (used)").cell.address == "Backprop!B3"
    # each of the symmetric network's equal weights in its own cell, by its matrix's grid
    assert _by_name(result, 0, "W2[1,0] (used)").cell.address == "Backprop!B6"
    assert _by_name(result, 0, "∂L/∂W2[1,1]").cell.address == "Backprop!C21"
    assert result.tables[0].layout.kind == "blocks" and result.tables[0].verdict == "right"
    exit_code, out = _cli(["check", str(path)])
    assert exit_code == 0
    assert out.startswith("Right: ") and "stops" not in out


def test_the_notes_own_slip_is_the_first_mismatch(tmp_path: Path) -> None:
    path, cells = notes_blocks(tmp_path / "notes", slip=True)
    result = _check(path)
    first = result.first_mismatch
    assert first is not None
    assert (first.t, first.name, first.found, first.kind) == (1, "∂L/∂B1[0]", NOTES_SLIP, SLIP)
    assert round(first.expected, 4) == 2.5346
    assert first.cell.address == cells["B1 slip"]
    # Only the slip itself: the notes go on from the right value (∂L/∂W1 = 5.0691 is found).
    assert [e.name for e in result.mismatches] == ["∂L/∂B1[0]", "∂L/∂B1[1]"]
    assert _by_name(result, 1, "∂L/∂W1[0,0]").status == FOUND

    exit_code, out = _cli(["check", str(path)])
    assert exit_code == 1
    assert "First slip" in out and "∂L/∂B1[0]" in out and cells["B1 slip"] in out and "2.5436" in out

    exit_code, out = _cli(["check", str(path), "--json"])
    data = json.loads(out)
    assert exit_code == 1
    assert data["mismatches"][0] == {
        "iteration": 1,
        "quantity": "∂L/∂B1[0]",
        "expected": pytest.approx(2.5345673855),
        "status": "mismatch",
        "found": 2.5436,
        "cell": cells["B1 slip"],
        "kind": "slip",
        "reads": [],
        "explanation": "`B43` = ∂L/∂B1[0] is typed as 2.5436; the run gives 2.534567386 "
        "and the workbook's own numbers give 2.5345625",
    }
    assert (data["found"], data["absent"], data["total"]) == (116, 62, 180)
    assert data["found"] + data["absent"] + len(data["mismatches"]) == data["total"]


def test_a_slip_inside_the_default_tolerance_is_not_reported_but_a_tighter_tolerance_reports_it(
    tmp_path: Path,
) -> None:
    path, _ = notes_blocks(tmp_path / "notes", slip=True)
    assert _check(path, rtol=0.01).mismatches == []  # 2.5436 is within 1 % of 2.5346
    tight = _check(path, atol=1e-3)
    assert tight.first_mismatch is not None and tight.first_mismatch.name == "∂L/∂B1[0]"


# -------------------------------------------------------------- rounding carried forward, by hand


def test_rounding_carried_forward_for_20_iterations_is_accepted(tmp_path: Path) -> None:
    iters = 20
    path = rounded_blocks(tmp_path / "rounded", iters)
    result = _check(path, load_network(MAZUR).with_overrides(iters=iters))
    assert result.mismatches == []
    written = ("O1", "f(O1)", "O2", "ŷ", "L", "∂L/∂B2", "∂L/∂W2", "∂L/∂B1", "∂L/∂W1")
    missing = [(e.t, e.name) for e in result.elements if e.quantity.name in written and e.status != FOUND]
    assert missing == []
    updates = [e for e in result.elements if e.quantity.section == "Update"]
    assert all(e.status == FOUND for e in updates)
    # The hand-rounded numbers really drift from the exact run, beyond a 4-place rounding:
    drift = max(abs(e.found - e.expected) for e in updates)
    assert drift > 1e-4


def test_a_transposed_digit_in_a_rounded_workbook_is_the_only_mismatch(tmp_path: Path) -> None:
    iters = 8
    path = rounded_blocks(tmp_path / "rounded", iters)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    target = rounded_by_hand(iters)[5]["∂L/∂W2"][1]  # 0.0862 → 0.0826
    digits = f"{target:.4f}"
    swapped = float(digits[:-2] + digits[-1] + digits[-2])
    hits = [c for row in ws.iter_rows() for c in row if c.value == target and c.column == 3]
    cell = next(c for c in hits if c.row > 5 * 12)
    cell.value = swapped
    wb.save(path)
    result = _check(path, load_network(MAZUR).with_overrides(iters=iters))
    assert [(e.t, e.name, e.found, e.kind) for e in result.mismatches] == [(5, "∂L/∂W2[0,1]", swapped, SLIP)]
    assert result.first_mismatch.cell.address == f"Hand!C{cell.row}"


# --------------------------------------------------------------- one row per iteration, formulas


@pytest.fixture(scope="module")
def formula_rows(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict[str, Path]:
    """Hand-typed formula rows, right and with a slip, saved through LibreOffice (cached values)."""
    folder = tmp_path_factory.mktemp("rows")
    right, _ = mazur_rows(folder / "rows")
    wrong, _ = mazur_rows(folder / "rows_slip", slip=True)
    saved = recalculate([right, wrong], folder / "saved")
    return {"right": saved[0], "wrong": saved[1], "uncached": right}


@pytest.mark.libreoffice
def test_formula_rows_pass_at_full_precision(formula_rows: dict[str, Path]) -> None:
    network = load_network(MAZUR).with_overrides(iters=12)
    result = _check(formula_rows["right"], network)
    assert result.mismatches == []
    for t in range(12):
        row = FIRST_ROW + t
        assert _by_name(result, t, "L").cell.address == f"Training!{column('E_tot')}{row}"
        assert _by_name(result, t, "∂L/∂W2[0,1]").cell.address == f"Training!{column('dw6')}{row}"
        assert _by_name(result, t, "∂L/∂W1[1,1]").cell.address == f"Training!{column('dw4')}{row}"
        assert _by_name(result, t, "f(O1)[1]").cell.address == f"Training!{column('a_h2')}{row}"
    # the last row has no update after it: incomplete, not wrong
    assert all(e.status == ABSENT for e in result.elements if e.t == 11 and e.quantity.section == "Update")
    assert result.precision["full"] > 300 and result.precision["rounded"] == 0  # computed: all formulas


@pytest.mark.libreoffice
def test_a_formula_slip_filled_down_is_named_in_every_row_and_its_consequences_follow(
    formula_rows: dict[str, Path],
) -> None:
    network = load_network(MAZUR).with_overrides(iters=12)
    result = _check(formula_rows["wrong"], network)
    first = result.first_mismatch
    assert (first.t, first.name, first.cell.address, first.kind) == (0, "∂L/∂W2[0,1]", f"Training!AD{FIRST_ROW}", SLIP)
    # a_h1 used where a_h2 belongs: a difference in the 3rd significant digit, far inside a
    # 4-decimal tolerance's reach for numbers this small, yet a mismatch at full precision
    assert abs(first.found - first.expected) / first.expected < 0.01
    slips = [(e.t, e.name) for e in result.mismatches if e.kind == SLIP]
    assert [s for s in slips if s[1] == "∂L/∂W2[0,1]"] == [(t, "∂L/∂W2[0,1]") for t in range(12)]
    # Everything the slip feeds is reported as following from it, not as a new slip.
    assert _by_name(result, 0, "W2[0,1]").kind == FOLLOWS
    assert _by_name(result, 3, "ŷ[0]").kind == FOLLOWS
    # Unaffected numbers are still found: iteration 0's forward pass and the update of W2's second row.
    assert _by_name(result, 0, "ŷ[0]").status == FOUND
    assert _by_name(result, 0, "W2[1,1]").status == FOUND
    # ...and every number the workbook holds is accounted for, as in the right workbook.
    right = _check(formula_rows["right"], network)
    assert result.count(ABSENT) == right.count(ABSENT)

    exit_code, out = _cli(["check", str(formula_rows["wrong"]), "--config", str(MAZUR), "--iters", "12"])
    assert exit_code == 1
    assert "iteration 0, ∂L/∂W2[0,1] in Training!AD4" in out


@pytest.mark.libreoffice
def test_formulas_without_saved_results_need_recalc(formula_rows: dict[str, Path]) -> None:
    args = ["check", str(formula_rows["uncached"]), "--config", str(MAZUR), "--iters", "12"]
    exit_code, out = _cli(args)
    assert exit_code == 2
    assert "no saved results" in out and "--recalc" in out
    exit_code, out = _cli([*args, "--recalc"])
    assert exit_code == 0, out
    assert out.startswith("Right: ")


# -------------------------------------------------------------------- a real hand-made workbook


def test_a_real_homework_workbook_passes_with_nothing_wrong(shared_fixtures: Path) -> None:
    folder = shared_fixtures
    network = load_network(folder / "era-wk6.toml").with_overrides(iters=88)
    result = _check(folder / "era-wk6-backpropagation.xlsx", network)
    assert result.mismatches == []
    gradients = [e for e in result.elements if e.quantity.name in ("∂L/∂W1", "∂L/∂W2")]
    assert len(gradients) == 88 * 8 and all(e.status == FOUND for e in gradients)
    assert _by_name(result, 87, "∂L/∂W1[0,0]").cell.address == "Sheet1!Y120"
    assert _by_name(result, 0, "L").cell.address == "Sheet1!X33"
    # the values of the last row fall to 1e-8: found at full precision, not matched by chance
    last = [e for e in gradients if e.t == 87]
    assert min(abs(e.expected) for e in last) < 1e-7
    assert all(e.cell.row == 120 for e in last)
    # the last row has no update after it
    assert [e.status for e in result.elements if e.t == 87 and e.quantity.section == "Update"] == [ABSENT] * 8
    assert result.count(FOUND) == 3424
    assert result.exit_code == 0 and result.tables[0].range == "B33:AF120"


# ------------------------------------------------------------------------- sheetnet's own files


def test_sheetnet_own_workbook_is_found_whole(notes_workbook: Path) -> None:
    result = _check(notes_workbook)
    ours = [e for e in result.elements if not e.spot.extra]  # ∂L/∂f(O1) is no row of sheetnet's
    assert all(e.status == FOUND for e in ours) and result.mismatches == []
    assert result.tables[0].layout.kind == "a sheet per iteration" and result.exit_code == 0


def test_a_workbook_of_another_run_is_flagged(notes_workbook: Path) -> None:
    exit_code, out = _cli(["check", str(notes_workbook), "--lr", "0.02"])
    assert exit_code == 1
    assert "no table trains with η = 0.02" in out and "--lr" in out
    # It is judged with the η it trains with (read from its first update), and is right with it.
    result = _check(notes_workbook, default_network().with_overrides(lr=0.02))
    assert [(t.eta, t.verdict) for t in result.tables] == [(0.01, "right")]
    exit_code, out = _cli(["check", str(notes_workbook), "--config", str(MAZUR)])
    assert exit_code == 1 and "no table in the workbook follows this network" in out


def _cli(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


# ------------------------------------------------------- every real homework workbook, as judged


@pytest.mark.parametrize("verdict", shared.verdicts("verdicts.tsv", shared.CHECK_OWED))
def test_every_shared_fixture_gets_the_verdict_judged_by_hand(shared_fixtures: Path, verdict: tuple[str, ...]) -> None:
    book, config, iters, want, cells = verdict
    exit_code, out = _cli(
        ["check", str(shared_fixtures / book), "--config", str(shared_fixtures / config), "--iters", iters, "--json"]
    )
    data = json.loads(out)
    assert exit_code == int(want), (book, data["message"], data["tables"])
    first = (data["first_mismatch"] or {}).get("cell")
    if want == "1":
        assert first in cells.split(","), (book, data["first_mismatch"])
    else:
        assert first is None, (book, data["first_mismatch"])
    if book == "harshvs4-bp.xlsx":  # six learning rates are six tables, each judged with its own (checked once, here)
        assert [(t["sheet"], t["eta"], t["verdict"]) for t in data["tables"]] == [
            (f"LR_{name}", eta, "wrong")
            for name, eta in (("0.1", 0.1), ("0.2", 0.2), ("0.5", 0.5), ("0.8", 0.8), ("1", 1.0), ("2", 2.0))
        ]
        assert all(t["first_slip"] == f"{t['sheet']}!X32" for t in data["tables"])
    if book == "vishak-dlexcel.xlsx":  # the commonest slip, explained from its formula (checked once, here)
        first = data["first_mismatch"]
        assert (first["iteration"], first["quantity"], first["kind"]) == (0, "∂L/∂W1[1,0]", SLIP)
        explanation = first["explanation"]
        assert "`J36` = f(O1)[0] (a_h1)" in explanation and "f(O1)[1] (`L36`, a_h2) belongs" in explanation
        assert "J36" in first["reads"] and "L36" not in first["reads"]
        # ∂E/∂w4 beside it is the second slip of the same kind; what they feed follows from them
        elements = data["elements"]
        slips = [e for e in elements if e["status"] == MISMATCH and e.get("kind") == SLIP and e["iteration"] == 0]
        assert [e["cell"] for e in slips] == ["Sheet1!Z36", "Sheet1!AA36"]
        assert next(e for e in elements if e["iteration"] == 0 and e["quantity"] == "W1[1,0]")["kind"] == FOLLOWS


@pytest.mark.parametrize("example", ["notes", "mazur-2-2-2", "xor", "softmax-3-class"])
@pytest.mark.parametrize("layout", ["blocks", "rows"])
def test_every_workbook_sheetnet_writes_passes_its_own_check(tmp_path: Path, example: str, layout: str) -> None:
    from sheetnet.trace import run
    from sheetnet.workbook import write_workbook

    network = load_network(ROOT / "examples" / f"{example}.toml").with_overrides(iters=6)
    path = write_workbook(run(network), tmp_path / "own.xlsx", layout=layout)
    result = _check(path, network)
    # one table (the Summary's copies of ŷ and L are no table of their own), right
    kind = "a sheet per iteration" if layout == "blocks" else "rows"
    assert [(t.layout.kind, t.verdict) for t in result.tables] == [(kind, "right")]
    assert result.exit_code == 0 and result.mismatches == []


@pytest.mark.parametrize("layout", ["blocks", "rows"])
def test_a_step_column_is_not_taken_for_another_number(tmp_path: Path, layout: str) -> None:
    """At η = 1 Mazur's step −η·∂L/∂W2[1,1] is within 4 % of the per-output loss E[1], which sheetnet
    does not write: the column named for the step is the step's (not looked for), never a slip of E[1]."""
    from sheetnet.trace import run
    from sheetnet.workbook import write_workbook

    network = load_network(MAZUR).with_overrides(iters=6, lr=1.0)
    path = write_workbook(run(network), tmp_path / "eta1.xlsx", layout=layout)
    result = _check(path, network)
    assert [t.verdict for t in result.tables] == ["right"]
    assert result.mismatches == [] and _by_name(result, 0, "E[1]").status == ABSENT


def test_a_table_of_one_iteration_checked_for_more_stops_early(tmp_path: Path) -> None:
    from sheetnet.trace import run
    from sheetnet.workbook import write_workbook

    path = write_workbook(run(default_network().with_overrides(iters=1)), tmp_path / "one.xlsx", layout="blocks")
    assert _check(path, default_network().with_overrides(iters=1)).exit_code == 0
    result = _check(path, default_network().with_overrides(iters=3))
    assert [(t.layout.kind, t.verdict) for t in result.tables] == [("one iteration", "stops early")]
    assert result.exit_code == 1 and result.mismatches == []


def test_the_commonest_slip_is_named_when_only_iteration_0_is_checked(shared_fixtures: Path) -> None:
    network = load_network(shared_fixtures / "vishak-dlexcel.toml").with_overrides(iters=1)
    result = _check(shared_fixtures / "vishak-dlexcel.xlsx", network)
    assert result.first_mismatch.cell.address == "Sheet1!Z36" and result.exit_code == 1


def test_a_difference_a_spreadsheet_gives_as_0_agrees_with_the_runs_tiny_one() -> None:
    """2.5 − 2.499999999999993 is 0 in Excel and LibreOffice and −7e-15 in the run (a ReLU network
    that has converged): the same number. A formula's result 1e-9 away from a number near 1 is not."""
    from sheetnet.book import Cell
    from sheetnet.check.grid import agrees_exactly

    zero = Cell("S", 1, 1, 0.0, formula="=A1-B1")
    run_value = 2.499999999999993 - 2.5
    assert run_value != 0 and Tolerance().agrees(zero, run_value) and agrees_exactly(zero, run_value)
    assert not Tolerance().agrees(zero, 1e-9) and not agrees_exactly(zero, 1e-9)
    near_one = Cell("S", 1, 1, 0.75 + 2e-9, formula="=A1*B1")
    assert not Tolerance().agrees(near_one, 0.75) and not agrees_exactly(near_one, 0.75)


def test_a_table_without_one_update_is_incomplete_and_names_it(tmp_path: Path) -> None:
    """A parameter's update of iteration t is held as the update or as the value iteration t + 1
    uses: with either, the table is right; with neither, it is incomplete, naming that update
    (and a missing ŷ or loss by its name)."""
    from sheetnet.check import _verdict
    from sheetnet.net import FORWARD, PARAMETERS, UPDATE
    from sheetnet.trace import run
    from sheetnet.workbook import write_workbook

    network = default_network().with_overrides(iters=3)
    table = _check(write_workbook(run(network), tmp_path / "own.xlsx", layout="rows"), network).tables[0]
    assert _verdict(table) == ("right", "")

    def blank(section: str, name: str, index: int, t: int) -> None:
        for e in table.elements:
            if (e.quantity.section, e.quantity.name, e.spot.index, e.t) == (section, name, index, t):
                e.status = ABSENT

    blank(UPDATE, "W1", 1, 1)
    assert _verdict(table) == ("right", "")  # iteration 2 uses it
    blank(PARAMETERS, "W1", 1, 2)
    assert _verdict(table) == ("incomplete", "the table does not hold the update of W1[1] of iteration 1")
    blank(FORWARD, "ŷ", 0, 0)
    assert _verdict(table) == ("incomplete", "the table does not hold ŷ of iteration 0")


@pytest.mark.parametrize(
    ("workbook", "iters"),
    [
        ("rows-tanh-231", 5),
        ("columns-relu-221", None),
        ("blocks-121", None),
        ("sheet-per-epoch", None),
        ("logreg-blocks", None),  # blocks a row taller than the others: moves, not one stride
        ("named-cells", None),  # one iteration
    ],
)
def test_where_a_layout_puts_an_element_is_at_in_every_iteration(workbook: str, iters: int | None) -> None:
    """`Layout.where` (an element's cells by the stride's arithmetic, what judging asks of every
    number) gives `Layout.at`'s cell in every iteration, before the table, in it and past its end."""
    network = load_network(shared.ZOO / f"{workbook}.toml")
    result = check_book(
        read_book(shared.ZOO / f"{workbook}.xlsx"), network.with_overrides(iters=iters or network.iters)
    )
    assert result.tables
    for table in result.tables:
        layout = table.layout
        for ident in [*layout.bases, ("Forward:nothing", -1, 0)]:
            where = layout.where(ident)
            assert [where(t) for t in range(-1, layout.last + 4)] == [
                layout.at(ident, t) for t in range(-1, layout.last + 4)
            ]
