"""A class's folder as a teacher grades it: without --config every workbook is judged against the
network most of them train, the CSV says in which iteration the first slip is and how far each
workbook got, and every verdict comes with its message. The workbooks are homework rows built
without sheetnet (tests/homework.py), so the cell of each slip is known independently."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from homework import Network, W, rows_workbook, scaled

from sheetnet.cli import main

ITERS = 5


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Three right workbooks of 5 iterations, one that stops after 2, one with a slip in iteration 2,
    one whose w1 is typed 0.16 where the assignment's is 0.15."""
    folder = tmp_path_factory.mktemp("class")
    for name in ("anna", "ben", "carla"):
        rows_workbook(folder / name, iters=ITERS)
    rows_workbook(folder / "dora", iters=2)
    emil = rows_workbook(folder / "emil", iters=ITERS, mutation=scaled("dw5", 2, 1.01))
    fred = rows_workbook(folder / "fred", iters=ITERS, net=Network(w=(0.16, *W[1:])))
    return {"folder": folder, "emil": emil, "fred": fred}


@pytest.fixture(scope="module")
def graded(classroom: dict, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], dict[str, dict[str, str]]]:
    """The class checked once for --json and --csv together: the JSON array, the CSV rows by file name."""
    grades = tmp_path_factory.mktemp("grades") / "grades.csv"
    result = CliRunner().invoke(main, ["check", str(classroom["folder"]), "--json", "--csv", str(grades), "-j", "2"])
    assert result.exit_code == 1, result.output
    with grades.open(encoding="utf-8-sig", newline="") as f:  # Excel's byte-order mark
        rows = {Path(r["file"]).name: r for r in csv.DictReader(f)}
    return json.loads(result.stdout), rows


def _check(*args: object, columns: int = 80) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *map(str, args)], env={"COLUMNS": str(columns)})
    return result.exit_code, result.output


def test_a_folder_without_config_is_judged_against_the_network_most_of_it_trains(classroom: dict) -> None:
    folder = classroom["folder"]
    code, out = _check(folder, "--jobs", "2")
    assert code == 1
    flat = " ".join(out.split())
    # all six train the same 2-2-2 network but fred (other starting numbers); four of them to 5 iterations
    assert "No --config: the class's network, as 5 of 6 workbooks train it: 2-2-2 sigmoid, η 0.5, 5 iterations" in flat
    assert "(as 4 of them hold)" in flat
    table = [[cell.strip() for cell in line.split("│")] for line in out.splitlines() if "│" in line]
    summary = {row[0]: row[1:] for row in table}  # the class table: file, verdict, iterations, numbers, first slip
    assert summary["dora.xlsx"][:2] == ["stops early", "2 of 5"], summary
    assert summary["anna.xlsx"][:3] == ["right", "5 of 5", "all 187 agree"], summary
    assert summary["emil.xlsx"][:2] == ["wrong", "5 of 5"] and summary["emil.xlsx"][3].startswith(
        classroom["emil"].first_slip
    )
    assert "3 right, 2 wrong, 1 stops early" in out


def test_the_json_of_a_class_says_which_network_and_which_numbers_differ(classroom: dict, graded: tuple) -> None:
    data, _ = graded
    by_name = {Path(d["file"]).name: d for d in data}
    # fred starts from w1 = 0.16: judged against the class's network, the typed w1 is his first slip
    fred = by_name["fred.xlsx"]
    assert fred["verdict"] == "wrong" and fred["first_mismatch"]["cell"] == classroom["fred"].cell(0, "w1")
    assert "W1[0,0] 0.16 (not 0.15)" in fred["note"]
    assert all(d["network_source"].startswith("the class's network, as 5 of 6 workbooks") for d in data)
    assert by_name["dora.xlsx"]["tables"][0]["iterations"] == 2 and by_name["dora.xlsx"]["verdict"] == "stops early"


def test_a_folder_of_other_networks_is_each_judged_against_its_own(classroom: dict, tmp_path: Path) -> None:
    folder = classroom["folder"]
    code, out = _check(folder / "anna.xlsx", folder / "fred.xlsx")
    assert code == 0, out  # two workbooks, each right about its own network: none shared by most
    assert "no network is shared by most of the workbooks (at most 1 of 2 train the same)" in " ".join(out.split())


def test_the_csv_says_where_each_went_wrong_and_how_far_it_got(classroom: dict, graded: tuple) -> None:
    _, rows = graded
    emil, dora, anna = rows["emil.xlsx"], rows["dora.xlsx"], rows["anna.xlsx"]
    assert (emil["verdict"], emil["first slip cell"], emil["first slip iteration"]) == (
        "wrong",
        classroom["emil"].first_slip,
        "2",  # the slip was made in iteration 2 (row 9)
    )
    assert float(emil["found"]) == pytest.approx(1.01 * float(emil["expected"]))  # ∂E/∂w5 × 1.01
    assert (anna["iterations done"], anna["iterations asked"], dora["iterations done"], dora["iterations asked"]) == (
        "5",
        "5",
        "2",
        "5",
    )
    # a right workbook: every number of the run it writes agrees; none reads as a partial mark
    assert (anna["numbers mismatched"], anna["first slip iteration"]) == ("0", "")
    written, unwritten = int(anna["numbers written"]), int(anna["numbers not written"])
    assert int(emil["numbers written"]) == written and int(emil["numbers mismatched"]) > 0
    # n rows: each of the 31 columns a number of the run, and the 8 weights of the rows after the first
    # also the update of the row before
    assert (written, int(dora["numbers written"])) == (31 * ITERS + 8 * (ITERS - 1), 31 * 2 + 8 * 1)
    assert written + unwritten == int(emil["numbers written"]) + int(emil["numbers not written"])
    assert "numbers found" not in rows["anna.xlsx"]


@pytest.mark.parametrize(
    ("args", "verdict"),
    [
        ((), "right"),
        (("--iters", "8"), "stops early"),
        (("--lr", "0.3"), "other η"),
    ],
)
def test_every_verdict_has_its_message_in_json(classroom: dict, args: tuple[str, ...], verdict: str) -> None:
    anna = classroom["folder"] / "anna.xlsx"
    toml = anna.with_suffix(".toml")
    toml.write_text(Network().toml(ITERS), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(anna), "--config", str(toml), *args, "--json"])
    data = json.loads(result.stdout)
    assert (data["verdict"], result.exit_code) == (verdict, 0 if verdict == "right" else 1)
    assert data["message"]
    if verdict == "right":
        assert data["message"] == (
            "the workbook holds all 5 iterations of the run, and the 187 numbers of the run it writes all agree with it"
        )
    if verdict == "stops early":
        assert "stops after iteration 4 of the run's 8" in data["message"]


def test_a_wrong_and_a_workbook_of_no_table_have_their_message_in_json(classroom: dict, tmp_path: Path) -> None:
    emil = classroom["emil"]
    data = json.loads(CliRunner().invoke(main, ["check", str(emil.path), "--json"]).stdout)
    assert data["verdict"] == "wrong"
    assert data["message"].startswith(f"first slip in {emil.first_slip}, iteration 2: ")
    other = tmp_path / "tanh.toml"  # another assignment from the same numbers: the table its updates train
    text = Network().toml(ITERS).replace('activation = "sigmoid"', 'activation = "tanh"', 1)
    other.write_text(text, "utf-8")
    result = CliRunner().invoke(main, ["check", str(emil.path), "--config", str(other), "--json"])
    data = json.loads(result.stdout)
    assert (result.exit_code, data["verdict"]) == (1, "wrong")  # found by its updates, wrong from iteration 0
    assert data["first_mismatch"]["iteration"] == 0
    numbers = {
        "[[0.15, 0.2], [0.25, 0.3]]": "[[0.1, 0.3], [0.2, 0.4]]",
        "[[0.4, 0.45], [0.5, 0.55]]": "[[0.6, 0.7], [0.8, 0.9]]",
    }
    for was, now in numbers.items():  # and from other numbers: nothing of it is in the workbook
        text = text.replace(was, now)
    other.write_text(text, "utf-8")
    result = CliRunner().invoke(main, ["check", str(emil.path), "--config", str(other), "--json"])
    data = json.loads(result.stdout)
    assert (result.exit_code, data["verdict"]) == (1, "no table")
    assert data["message"].startswith("no table in the workbook follows this network")
