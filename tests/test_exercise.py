"""Exercise sheets (`sheetnet run --exercise`): answer cells left empty, ✓/✗ beside each, and a
hidden key. A student is simulated: every answer typed rounded to 4 places, computed from the
student's own earlier numbers, one of them a slip; LibreOffice recalculates the self-checks, and
`sheetnet check` must reach the same verdict."""

from __future__ import annotations

import json
import math
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils import get_column_letter

from sheetnet.cli import main
from sheetnet.exercise import KEY_SHEET, Exercise, answer_cells, answer_count
from sheetnet.graph import Key
from sheetnet.layout import Cell
from sheetnet.libreoffice import recalculate
from sheetnet.net import BACKPROP, COMPUTED, FORWARD, PARAMETERS, STEP_PREFIX, UPDATE
from sheetnet.spec import default_network, load_network
from sheetnet.trace import Trace, run
from sheetnet.workbook import write_workbook

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _student(trace: Trace, answers: set[Key], slip: Key | None = None, by: float = 0.1) -> dict[Key, float]:
    """What a student types: each answer from their own earlier numbers, rounded to 4 places;
    `slip` off by `by`. The engine's formulas (Expr.value) stand for the student's arithmetic."""
    values = dict(trace.values)
    for graph in trace.iterations:
        for quantity in graph.quantities:
            for key, expr in zip(quantity.keys, quantity.exprs or (), strict=True):
                value = expr.value(values)
                if key in answers:
                    value = round(value + (by if key == slip else 0.0), 4)
                values[key] = value
    return values


def _fill(exercise_path: Path, cells: dict, typed: dict[Key, float], out: Path) -> Path:
    book = openpyxl.load_workbook(exercise_path)
    for key, cell in cells.items():
        book[cell.sheet].cell(cell.row + 1, cell.col + 1).value = typed[key]
    book.save(out)
    return out


def _marks(path: Path, cells: dict) -> dict[Key, str | None]:
    book = openpyxl.load_workbook(path, data_only=True)
    return {key: book[c.sheet].cell(c.row + 1, c.col + 2).value for key, c in cells.items()}


def _check(path: Path, *args: str) -> dict:
    result = CliRunner().invoke(main, ["check", str(path), "--json", *args])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _a1(cell: Cell) -> str:
    return f"'{cell.sheet}'!{get_column_letter(cell.col + 1)}{cell.row + 1}"


def test_answer_cells_are_empty_and_given_cells_are_formulas(tmp_path: Path) -> None:
    trace = run(default_network())
    path = write_workbook(trace, tmp_path / "ex.xlsx", exercise=Exercise("backward"))
    book = openpyxl.load_workbook(path)
    cells = answer_cells(trace, Exercise("backward"))
    assert len(cells) == answer_count(trace, "backward") > 0
    for key, c in cells.items():
        assert book[c.sheet].cell(c.row + 1, c.col + 1).value is None, key
        assert book[c.sheet].cell(c.row + 1, c.col + 2).value.startswith(f"={KEY_SHEET}!"), key
    # the forward pass is given: O1 of iteration 0 is a live formula of x and the parameters; Δ is an answer
    sheet = book["Iteration 0"]
    labels = {sheet.cell(r, 1).value: r for r in range(1, sheet.max_row + 1)}
    o1 = sheet.cell(labels["O1 = x·W1ᵀ + B1"], 2).value
    assert o1.startswith("=") and "B5" in o1
    assert sheet.cell(labels["Δ = ∂L/∂ŷ = ŷ − y"], 2).value is None
    # iteration 1 takes its parameters from the student's update: empty while that is
    w1 = book["Iteration 1"].cell(5, 2).value
    assert w1.startswith("=IF(") and "'Iteration 0'!" in w1
    assert book[KEY_SHEET].sheet_state == "hidden"
    assert book[KEY_SHEET].protection.sheet


@pytest.mark.parametrize(
    ("part", "sections"),
    [
        ("all", {FORWARD, "Loss", BACKPROP, UPDATE}),
        ("backward", {"Loss", BACKPROP, UPDATE}),
        ("update", {UPDATE}),
    ],
)
def test_each_part_leaves_its_sections(part: str, sections: set[str]) -> None:
    trace = run(default_network())
    answers = set(answer_cells(trace, Exercise(part)))
    left = {
        q.section
        for graph in trace.iterations
        for q in graph.quantities
        if q.role == COMPUTED and set(q.keys) <= answers
    }
    assert left == sections
    given = {q.section for q in trace.iterations[0].quantities if not set(q.keys) & answers}
    assert PARAMETERS in given


def test_a_student_is_judged_by_the_self_checks_and_by_check(soffice: str, tmp_path: Path) -> None:
    """The notes' network, every part of it an exercise: right answers all ✓; a slip in ∂L/∂W2 of
    iteration 1, carried on by the student, is the only ✗, and `check` names the same cell."""
    trace = run(default_network())
    exercise = Exercise("all")
    path = write_workbook(trace, tmp_path / "ex.xlsx", exercise=exercise)
    cells = answer_cells(trace, exercise)
    right = _fill(path, cells, _student(trace, set(cells)), tmp_path / "right.xlsx")
    slip = next(k for k in cells if k.q == "∂L/∂W2" and k.t == 1 and k.i == 1)
    wrong = _fill(path, cells, _student(trace, set(cells), slip), tmp_path / "wrong.xlsx")
    half = openpyxl.load_workbook(path)
    for key in list(cells)[:5]:
        c = cells[key]
        half[c.sheet].cell(c.row + 1, c.col + 1).value = round(trace.values[key], 4)
    half.save(tmp_path / "half.xlsx")
    out = recalculate([right, wrong, tmp_path / "half.xlsx"], tmp_path / "recalculated")

    marks = _marks(out[0], cells)
    assert set(marks.values()) == {"✓"}
    marks = _marks(out[1], cells)
    assert [k for k, m in marks.items() if m != "✓"] == [slip]
    assert marks[slip] == "✗"
    marks = _marks(out[2], cells)  # five typed, the rest empty: no mark where nothing is typed
    assert [m for m in marks.values() if m] == ["✓"] * 5

    report = _check(out[0])
    assert report["verdict"] == "right", report["verdict"]
    report = _check(out[1])
    assert report["verdict"] != "right"
    c = cells[slip]
    assert report["first_mismatch"]["cell"].endswith(
        f"'Iteration 1'!{openpyxl.utils.get_column_letter(c.col + 1)}{c.row + 1}"
    )


def test_several_samples_and_the_forward_pass_given(soffice: str, tmp_path: Path) -> None:
    """XOR (four samples, sigmoid, the mean over the samples), the backward part: a slip in the
    mean gradient is the only ✗."""
    network = load_network(EXAMPLES / "xor.toml").with_overrides(iters=2)
    trace = run(network)
    exercise = Exercise("backward")
    path = write_workbook(trace, tmp_path / "ex.xlsx", exercise=exercise)
    cells = answer_cells(trace, exercise)
    slip = next(k for k in cells if k.q == "∂L/∂B1" and k.s == -1 and k.t == 0)
    wrong = _fill(path, cells, _student(trace, set(cells), slip, by=0.05), tmp_path / "wrong.xlsx")
    (out,) = recalculate([wrong], tmp_path / "recalculated")
    marks = _marks(out, cells)
    assert [k for k, m in marks.items() if m != "✓"] == [slip]
    assert _check(out)["first_mismatch"]["cell"] == _a1(cells[slip])


def _student_adding_steps(trace: Trace, answers: set[Key], slip: Key, by: float = 0.01) -> dict[Key, float]:
    """A student who writes each step −η·∂L/∂W and then W + step (not W − η·∂L/∂W again), to 4
    places, `slip` off by `by`."""
    values = dict(trace.values)
    for graph in trace.iterations:
        for quantity in graph.quantities:
            step = graph.step(quantity.name) if quantity.section == UPDATE else None
            for i, (key, expr) in enumerate(zip(quantity.keys, quantity.exprs or (), strict=True)):
                value = expr.a.value(values) + values[step.keys[i]] if step is not None else expr.value(values)
                if key in answers:
                    value = round(value + (by if key == slip else 0.0), 4)
                values[key] = value
    return values


def test_a_wrong_step_added_to_the_parameter_is_one_cross_and_checks_first_slip(soffice: str, tmp_path: Path) -> None:
    """`W2 + step` after a wrong step −η·∂L/∂W2: the new W2 follows from the student's own step, so
    the step is the only ✗ (not the W2 too), and `check` names the step's cell."""
    trace = run(default_network())
    exercise = Exercise("update")
    path = write_workbook(trace, tmp_path / "ex.xlsx", exercise=exercise)
    cells = answer_cells(trace, exercise)
    slip = next(k for k in cells if k.q == STEP_PREFIX + "W2" and k.t == 1 and k.i == 1)
    typed = _student_adding_steps(trace, set(cells), slip)
    new_w2 = Key("W2", 1, -1, 1)
    assert abs(typed[new_w2] - round(trace.values[new_w2], 4)) > 0.005  # the slip carried into W2
    wrong = _fill(path, cells, typed, tmp_path / "wrong.xlsx")
    (out,) = recalculate([wrong], tmp_path / "recalculated")
    marks = _marks(out, cells)
    assert [k for k, m in marks.items() if m != "✓"] == [slip]
    assert _check(out)["first_mismatch"]["cell"] == _a1(cells[slip])


def test_no_key_is_graded_by_check(soffice: str, tmp_path: Path) -> None:
    trace = run(default_network())
    exercise = Exercise("update", key=False)
    path = write_workbook(trace, tmp_path / "ex.xlsx", exercise=exercise)
    book = openpyxl.load_workbook(path)
    assert KEY_SHEET not in book.sheetnames
    cells = answer_cells(trace, exercise)
    texts = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [t for t in texts if "Key!" in t or "✓" in t]  # no self-check cells
    given = book["Iteration 0"].cell(16, 2).value  # O1[0]: given as its number, there is no key to compute it
    assert given == pytest.approx(trace.values[Key("O1", 0, 0, 0)])
    slip = next(k for k in cells if k.q == "W2" and k.t == 0 and k.i == 2)
    wrong = _fill(path, cells, _student(trace, set(cells), slip), tmp_path / "wrong.xlsx")
    (out,) = recalculate([wrong], tmp_path / "recalculated")
    report = _check(out)
    c = cells[slip]
    assert report["first_mismatch"]["cell"].endswith(
        f"'Iteration 0'!{openpyxl.utils.get_column_letter(c.col + 1)}{c.row + 1}"
    )


def test_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # --out defaults to a path in the current folder
    runner = CliRunner()
    result = runner.invoke(main, ["run", "--exercise"])
    assert result.exit_code == 0, result.output
    assert "162 answer cells on 3 iteration sheets" in result.output
    assert "1.5" not in result.output  # the answers are not printed
    assert Path("workbooks/exercise.xlsx").is_file() and not Path("workbooks/sheetnet.xlsx").exists()
    result = runner.invoke(main, ["run", "--no-key"])
    assert result.exit_code == 2 and "--no-key goes with --exercise" in result.output
    result = runner.invoke(main, ["run", "--exercise", "--layout", "rows"])
    assert result.exit_code == 2 and "--layout rows" in result.output
    Path("mine.xlsx").write_text("a student's own file")
    result = runner.invoke(main, ["run", "--exercise", "backward", "--out", "mine.xlsx"])
    assert result.exit_code == 2 and Path("mine.xlsx").read_text() == "a student's own file"
    result = runner.invoke(main, ["run", "--exercise", "update", "--no-key", "--out", "graded.xlsx"])
    assert result.exit_code == 0 and "sheetnet check" in result.output


def test_key_values_are_the_run(tmp_path: Path) -> None:
    """The key's value column caches the run's numbers (what Excel shows before recalculating)."""
    trace = run(default_network())
    path = write_workbook(trace, tmp_path / "ex.xlsx", exercise=Exercise())
    key = openpyxl.load_workbook(path, data_only=True)[KEY_SHEET]
    numbers = [key.cell(r, 3).value for r in range(4, key.max_row + 1)]
    expected = [trace.values[k] for g in trace.iterations for q in g.quantities for k in q.keys]
    assert len(numbers) == len(expected)
    assert all(math.isclose(a, b) for a, b in zip(numbers, expected, strict=True))


def test_a_blank_exercise_is_checked_against_its_own_network(tmp_path: Path) -> None:
    """Before a single answer is typed, check reads the exercise's network from its Setup sheet
    (not the notes' network) and says nothing of formulas without results (its empty cells)."""
    network = load_network(EXAMPLES / "xor.toml").with_overrides(iters=2)
    path = write_workbook(run(network), tmp_path / "blank.xlsx", exercise=Exercise())
    result = CliRunner().invoke(main, ["check", str(path), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["network_source"].startswith("network read from the workbook: sheet Setup: 2-2-1 sigmoid")
    assert report["found"] == 0
    assert "no saved result" not in result.stderr


def test_blanks_make_an_exercise_incomplete_and_the_runs_number_is_right_after_a_slip(
    soffice: str, tmp_path: Path
) -> None:
    """A slip the student did not carry on (the later cells hold the run's numbers, as check
    accepts) is the only ✗; cells left empty have no mark, and check calls the sheet incomplete,
    naming the first empty answer, however much else is right."""
    trace = run(default_network())
    exercise = Exercise("update", key=True)
    path = write_workbook(trace, tmp_path / "ex.xlsx", exercise=exercise)
    cells = answer_cells(trace, exercise)
    typed = {k: round(v, 4) for k, v in trace.values.items()}
    slip = next(k for k in cells if k.q == "B2" and k.t == 0 and k.i == 1)
    typed[slip] += 0.1
    empty = [k for k in cells if k.t == 2 and k.q == "W3"]
    book = openpyxl.load_workbook(path)
    for key, c in cells.items():
        if key not in empty:
            book[c.sheet].cell(c.row + 1, c.col + 1).value = typed[key]
    book.save(tmp_path / "slip.xlsx")
    typed[slip] -= 0.1
    for key in cells:
        if key not in empty:
            book[cells[key].sheet].cell(cells[key].row + 1, cells[key].col + 1).value = typed[key]
    book.save(tmp_path / "blanks.xlsx")
    slipped, blanks = recalculate([tmp_path / "slip.xlsx", tmp_path / "blanks.xlsx"], tmp_path / "out")

    marks = _marks(slipped, cells)
    assert [k for k, m in marks.items() if m == "✗"] == [slip]
    assert [k for k, m in marks.items() if m is None] == empty
    assert _check(slipped)["first_mismatch"]["cell"] == _a1(cells[slip])

    report = _check(blanks)
    (table,) = report["tables"]
    assert report["verdict"] == table["verdict"] == "incomplete", table
    assert f"2 answer cells of the exercise hold no number; the first: {_a1(cells[empty[0]])}" in table["reason"]


def test_an_exercise_filled_in_part_names_its_first_empty_answer_and_a_text_is_a_slip(
    soffice: str, tmp_path: Path
) -> None:
    """Iterations 0 and 1 answered, 2 left empty: incomplete (not "stops early"), naming the first
    empty answer cell; with a text typed in an answer of iteration 1, which the sheet marks ✗,
    wrong from that cell, and the empty answers said too. Every verdict has its message in --json."""
    trace = run(default_network())
    exercise = Exercise("all", key=True)
    path = write_workbook(trace, tmp_path / "ex.xlsx", exercise=exercise)
    cells = answer_cells(trace, exercise)
    typed: dict[Key, float | str] = dict(_student(trace, set(cells)))
    empty = [k for g in trace.iterations[2:] for q in g.quantities for k in q.keys if k in cells]
    text = next(k for k in cells if k.t == 1 and k.q == "O2")
    answered = {k: typed[k] for k in cells if k.t < 2}
    _fill(path, {k: cells[k] for k in answered}, answered, tmp_path / "part.xlsx")
    _fill(path, {k: cells[k] for k in answered}, answered | {text: "abc"}, tmp_path / "text.xlsx")
    part, with_text = recalculate([tmp_path / "part.xlsx", tmp_path / "text.xlsx"], tmp_path / "out")

    report = _check(part)
    first_empty = _a1(cells[empty[0]])
    assert (report["verdict"], report["first_mismatch"]) == ("incomplete", None)
    assert report["message"] == (
        f"{len(empty)} answer cells of the exercise hold no number; the first: {first_empty}, O1[0] of iteration 2"
    )
    (table,) = report["tables"]
    assert (table["iterations"], table["iterations_done"]) == (3, 2)

    assert _marks(with_text, {text: cells[text]})[text] == "✗"  # the sheet's own self-check
    report = _check(with_text)
    first = report["first_mismatch"]
    assert report["verdict"] == "wrong" and (first["cell"], first["found"]) == (_a1(cells[text]), "abc")
    assert "holds the text 'abc' where the run gives" in first["explanation"]
    assert report["message"].startswith(f"first slip in {_a1(cells[text])}, iteration 1: O2[0]")
    assert f"answer cells of the exercise hold no number; the first: {first_empty}" in report["message"]
