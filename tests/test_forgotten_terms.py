"""A forward formula that forgets a trained parameter: `neta o2 = w7·h1 + w8·h2` where b4 is still
updated, `s2 = w21·x1 + w22·x2` without b2, `s3 = w31·x1 + b3` without w32·x2. The slip is that formula
(or, with no network, the gradient of a parameter the loss does not depend on); the network the
workbook trains is its correct workbook's, the forgotten parameter at its typed starting number.

`init --from` reads the parameter no pre-activation reads in the place left empty and says so;
`check`, with the assignment's network or the one read from the workbook, finds the table on the
run the sheet's forward pass follows (0 where it forgets), names the formula, and says nothing of
other starting numbers (the workbook types the assignment's). The family's second member is the
zoo's right 2-3-1 tanh rows (a row per iteration, MSE, η a defined name), edited and recalculated
in LibreOffice here: a hidden bias forgotten, and a weight.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheetnet.batch import Options, judge
from sheetnet.book import read_book
from sheetnet.cli import main
from sheetnet.infer import read_network
from sheetnet.libreoffice import recalculate
from sheetnet.spec import load_network

ZOO = Path(__file__).resolve().parent / "zoo"
ROWS = ZOO / "rows-tanh-231.xlsx"  # rows 5-9, s1..s3 in R:T, b1..b3 in K:M, w31 w32 in I J
# the edit (column, formula of row r), and the cells a teacher accepts: with the network first, then without
FORGOTTEN = {
    "bias": ("S", "=G{r}*B{r}+H{r}*C{r}", ("Training!S5",), ("Training!S5", "Training!AH5", "Training!L6")),
    "weight": ("T", "=I{r}*B{r}+M{r}", ("Training!T5",), ("Training!T5", "Training!AF5", "Training!J6")),
}


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> dict[str, Path]:
    raw = tmp_path_factory.mktemp("forgotten-raw")
    made = {}
    for what, (column, formula, _, _) in FORGOTTEN.items():
        wb = openpyxl.load_workbook(ROWS)
        for r in range(5, 10):  # every row: the formula copied down
            wb["Training"][f"{column}{r}"] = formula.format(r=r)
        made[what] = raw / f"rows-forgotten-{what}.xlsx"
        wb.save(made[what])
    done = recalculate(list(made.values()), tmp_path_factory.mktemp("forgotten"))
    return dict(zip(made, done, strict=True))


def _assert_network(read: object, truth: object) -> None:
    for key in ("layers", "activation", "output_activation", "loss", "lr", "iters", "train_biases"):
        assert getattr(read, key) == getattr(truth, key), key
    assert read.weights == truth.weights and read.biases == truth.biases  # type: ignore[attr-defined]
    assert read.samples == truth.samples  # type: ignore[attr-defined]


def test_mazur_across_reads_the_bias_its_forward_pass_forgets() -> None:
    reading = read_network(read_book(ZOO / "mazur-across-es-bias-slip.xlsx"))
    _assert_network(reading.network(), load_network(ZOO / "mazur-across-es.toml"))
    assert reading.cells["B2"] == "L7 M7"  # b3 and b4, each value its cell
    assert reading.forward_init["B2"] == [0.6, 0.0]  # what neta o2 adds: nothing
    assert any(note.startswith("neta o2 (H10) adds no bias: b4 (M7)") for note in reading.notes), reading.notes
    assert reading.verdict == "wrong" and reading.result.first_mismatch.cell.address == "'Iteración 1'!H10"
    assert reading.result.note == ""


@pytest.mark.parametrize(
    "options",
    [Options(config=ZOO / "mazur-across-es.toml", iters=3), Options(), Options(iters=3)],
    ids=["network file", "network read", "network read, --iters"],
)
def test_mazur_across_names_the_formula_and_no_other_starting_number(options: Options) -> None:
    result, _, line = judge(ZOO / "mazur-across-es-bias-slip.xlsx", options)
    first = result.first_mismatch
    assert first.cell.address == "'Iteración 1'!H10", line
    assert first.expected == pytest.approx(first.found + 0.6)  # the run adds b4
    assert result.note == ""  # it starts from the assignment's numbers: b4 is typed 0.6


@pytest.mark.libreoffice
@pytest.mark.parametrize("what", list(FORGOTTEN))
def test_a_forgotten_term_in_rows_is_read_and_named(what: str, books: dict[str, Path], tmp_path: Path) -> None:
    _, _, with_network, without = FORGOTTEN[what]
    truth = load_network(ZOO / "rows-tanh-231.toml").with_overrides(iters=5)
    reading = read_network(read_book(books[what]))
    _assert_network(reading.network(), truth)
    forgotten = {"bias": "s2 (S5) adds no bias: b2 (L5)", "weight": "s3 (T5) does not weigh x2 (C5): w32 (J5)"}
    assert any(note.startswith(forgotten[what]) for note in reading.notes), reading.notes
    for options, cells in ((Options(config=ZOO / "rows-tanh-231.toml", iters=5), with_network), (Options(), without)):
        result, _, line = judge(books[what], options)
        assert result.exit_code == 1 and result.first_mismatch.cell.address in cells, line
        assert not getattr(result, "note", "")
    # the CLI writes the network file, its note naming the formula
    out = tmp_path / "read.toml"
    code = CliRunner().invoke(main, ["init", "--from", str(books[what]), str(out)]).exit_code
    assert code == 0 and forgotten[what] in out.read_text(encoding="utf-8")
