"""`sheetnet init --from WORKBOOK`: the network a workbook trains, read from the workbook.

The truth each reading is compared with comes from elsewhere: the network files written by hand
beside the real homework workbooks (../shared/fixtures), the network sheetnet itself wrote a
workbook from, and the networks the test builders (homework.py, handmade.py) computed their
numbers with in plain Python.
"""

from __future__ import annotations

import csv
import json
import math
import random
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from homework import ASHWIN_COLUMNS, COLUMNS, blocks_workbook, rows_workbook

from sheetnet.cli import main
from sheetnet.formula import FormulaError, evaluate, parse
from sheetnet.infer import PLACEHOLDER, Reading
from sheetnet.libreoffice import recalculate
from sheetnet.spec import Network, default_network, load_network, parse_network
from sheetnet.trace import run
from sheetnet.workbook import write_workbook

import shared
from handmade import mazur_rows, notes_blocks, rounded_blocks

FIXTURES = ("era-wk6", "vishak-dlexcel", "ashwin-nntraining", "samdani-s4", "harshvs4-bp")


def fixture_workbooks(shared: Path) -> dict[str, tuple[Path, Path, str, int]]:
    """name → (workbook, network file, first-slip cell or '-', exit code), from verdicts.tsv."""
    out = {}
    for line in (shared / "verdicts.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        workbook, network, _, code, cell = line.split("\t")
        out[workbook] = (shared / workbook, shared / network, cell, int(code))
    return out


def assert_same_network(read: Network, truth: Network, *, iters: bool = True) -> None:
    assert read.layers == truth.layers
    assert (read.activation, read.output_activation) == (truth.activation, truth.output_activation)
    assert read.loss == truth.loss
    assert math.isclose(read.lr, truth.lr, rel_tol=1e-12)
    if iters:
        assert read.iters == truth.iters
    assert read.train_biases == truth.train_biases
    assert read.optimizer == truth.optimizer
    for a, b in zip(read.weights, truth.weights, strict=True):
        assert [v for r in a for v in r] == pytest.approx([v for r in b for v in r], rel=1e-12)
        assert len(a) == len(b)
    for a, b in zip(read.biases, truth.biases, strict=True):
        assert list(a) == pytest.approx(list(b), rel=1e-12)
    assert len(read.samples) == len(truth.samples)
    for a, b in zip(read.samples, truth.samples, strict=True):
        assert list(a.x) == pytest.approx(list(b.x), rel=1e-12)
        assert list(a.y) == pytest.approx(list(b.y), rel=1e-12)


def init_from(workbook: Path, out: Path, *args: str) -> tuple[int, str, Network | None]:
    result = CliRunner().invoke(main, ["init", "--from", str(workbook), str(out), *args])
    network = load_network(out) if out.exists() and result.exit_code == 0 else None
    return result.exit_code, result.output, network


# --------------------------------------------------------------------------------------------------
# the real homework workbooks


@pytest.mark.parametrize("verdict", shared.verdicts("verdicts.tsv", shared.INIT_OWED))
def test_every_fixture_gives_its_own_network_file(
    shared_fixtures: Path, tmp_path: Path, verdict: tuple[str, ...]
) -> None:
    book, network_file = verdict[:2]
    code, output, read = init_from(shared_fixtures / book, tmp_path / "read.toml")
    assert code == 0, output
    assert read is not None
    assert_same_network(read, load_network(shared_fixtures / network_file))
    assert "read from the workbook's formulas" in output, output
    if book == "harshvs4-bp.xlsx":  # several tables: the first is read and the others listed (read once, here)
        assert read.lr == 0.1
        assert "Other tables: LR_0.2 (η 0.2, B29); LR_0.5 (η 0.5, B29)" in " ".join(output.split())
    if book == "vishak-dlexcel.xlsx":  # the comments name the cells each value came from (read once, here)
        text = (tmp_path / "read.toml").read_text(encoding="utf-8")
        lines = {
            line.split("=")[0].strip(): line for line in text.splitlines() if "=" in line and not line.startswith("#")
        }
        assert lines["W1"].endswith("# E36 F36 G36 H36 (w1 w2 w3 w4)")
        assert lines["W2"].endswith("# M36 N36 O36 P36 (w5 w6 w7 w8)")
        assert lines["lr"].endswith("# G33 (n)")  # vishak writes "n = " beside η
        assert lines["x"].endswith("# C36 D36 (i1 i2)")
        assert lines["y"].endswith("# A36 B36 (t1 t2)")
        # the reading is confirmed by the check: the table is found, and it is the one with the slip
        assert "the table is wrong" in text
    if book in NAMED:
        text = (tmp_path / "read.toml").read_text(encoding="utf-8")
        assert all(named in text for named in NAMED[book]), text


# what the network file's comments name cells by: each cell by its label as written (a word labels
# share told apart by what follows it), never by a caption over a whole column (`value`, `sample 1`)
NAMED = {
    "luizcf-241.xlsx": ("# B4 C4 (IN A, IN B)",),  # "IN A", "IN B": not "IN IN", the word they share
    "phases-241.xlsx": ("# B3 C3 (IN A, IN B)",),
    "mazur-sheet.xlsx": ("# B6 B7 (target o1, target o2)",),
    "mazur-biases.xlsx": (  # `value` over all of them, in a header's reach down to w6
        "# B4 B5 B6 B7 (w1 w2 w3 w4)\n",
        "# B8 B9 B10 B11 (w5 w6 w7 w8)\n",
        "# G4 G5 (i1 i2)\n",
        "# G6 G7 (t1 t2)\n",
    ),
    "transposed-batch.xlsx": ("# C9 C10 (x1 x2)\n", "# C11 (t)\n", "# D9 D10 (x1 x2)\n"),  # under `sample 1`, `2`
    "logreg-sumproduct.xlsx": ("# E4 E5 (x1 x2)\n", "# E6 (y)\n"),
}


ZOO = Path(__file__).resolve().parent / "zoo"
ZOO_OWED: dict[str, str] = {}


def _zoo_rows(exit_with: str) -> list[object]:
    """The zoo's workbooks whose check exits `exit_with` with their network file: right ("0") or seeded ("1")."""
    with (ZOO / "verdicts.tsv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#") and r[3] == exit_with]
    return [
        pytest.param(r[0], r[1], marks=pytest.mark.xfail(reason=ZOO_OWED[r[0]], strict=True))
        if r[0] in ZOO_OWED
        else pytest.param(r[0], r[1])
        for r in rows
    ]


@pytest.mark.parametrize(("book", "network_file"), _zoo_rows("0"))
def test_each_right_zoo_workbook_gives_its_network(tmp_path: Path, book: str, network_file: str) -> None:
    """Rows, columns, transposed, a sheet per epoch, online, blocks, SUMPRODUCT, Δw cells, the delta
    rule, defined names: the network read is the one the zoo's builder trained (tests/zoo)."""
    code, output, read = init_from(ZOO / book, tmp_path / "read.toml")
    assert code == 0, output
    assert read is not None
    assert_same_network(read, load_network(ZOO / network_file))
    if book in NAMED:
        text = (tmp_path / "read.toml").read_text(encoding="utf-8")
        assert all(named in text for named in NAMED[book]), text


@pytest.mark.parametrize(("book", "network_file"), _zoo_rows("1"))
def test_each_seeded_zoo_workbook_gives_the_network_of_its_correct_workbook(
    tmp_path: Path, book: str, network_file: str
) -> None:
    """A slip changes what a workbook computes, not what it trains: the network read from a seeded copy is
    its correct workbook's, as vishak's and harshvs4's are read with their slips."""
    code, output, read = init_from(ZOO / book, tmp_path / "read.toml")
    assert code == 0, output
    assert read is not None
    assert_same_network(read, load_network(ZOO / network_file))


def test_of_several_tables_the_one_asked_for_is_read(shared_fixtures: Path, tmp_path: Path) -> None:
    # without --sheet the first is read and the others listed: test_every_fixture_gives_its_own_network_file
    code, output, read = init_from(shared_fixtures / "harshvs4-bp.xlsx", tmp_path / "b.toml", "--sheet", "LR_0.8")
    assert code == 0, output
    assert read is not None and read.lr == 0.8 and read.iters == 34


def test_check_without_config_judges_the_workbook_by_its_own_forward_pass_and_says_so(shared_fixtures: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["check", str(shared_fixtures / "vishak-dlexcel.xlsx")], env={"COLUMNS": "80"})
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Wrong: first slip in Sheet1!Z36")  # the verdict first, then what it was judged by
    assert "no network file: judged against its own forward pass" in " ".join(lines[1:4])
    # explained from the formula: Z36 reads a_h1 (J36), which w3 does not reach
    assert "reads Sheet1!J36 (a_h1) where Sheet1!L36 (a_h2) belongs" in " ".join(
        result.output.replace("│", " ").split()
    )
    data = json.loads(runner.invoke(main, ["check", str(shared_fixtures / "vishak-dlexcel.xlsx"), "--json"]).stdout)
    assert data["first_mismatch"]["cell"] == "Sheet1!Z36"
    assert data["judged"] == "derivative"
    assert data["found"] == 186 and data["total"] == 248  # 8 steps × 31 iterations, w3's and w4's wrong


@pytest.mark.parametrize("verdict", shared.verdicts("verdicts-no-network.tsv", shared.NO_NETWORK_OWED))
def test_check_without_config_gives_the_verdict_judged_by_hand(shared_fixtures: Path, verdict: tuple[str, ...]) -> None:
    book, code, cells = verdict
    data = json.loads(CliRunner().invoke(main, ["check", str(shared_fixtures / book), "--json"]).stdout)
    first = data["first_mismatch"]
    assert (first["cell"] if first else "-") in cells.split(","), book
    assert (0 if data["verdict"] == "right" else 1) == int(code), book
    if book == "vishak-dlexcel.xlsx":  # judged against its own forward pass, and the JSON says so
        assert first["cell"] == "Sheet1!Z36" and data["judged"] == "derivative"


# --------------------------------------------------------------------------------------------------
# workbooks sheetnet wrote: the Setup sheet


@pytest.mark.parametrize("layout", ["blocks", "rows"])
@pytest.mark.parametrize("config", [None, "examples/xor.toml", "examples/softmax-3-class.toml"])
def test_a_workbook_sheetnet_wrote_gives_back_its_network(layout: str, config: str | None, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    network = default_network() if config is None else load_network(root / config).with_overrides(iters=4)
    workbook = write_workbook(run(network), tmp_path / "run.xlsx", layout=layout)
    code, output, read = init_from(workbook, tmp_path / "read.toml")
    assert code == 0, output
    assert read is not None
    assert_same_network(read, network)
    assert "read from the Setup sheet" in output


def test_the_setup_sheet_is_read_as_it_is_now(tmp_path: Path, soffice: str) -> None:
    """A person changed η and an initial weight on Setup: the network read is the changed one."""
    network = default_network()
    workbook = write_workbook(run(network), tmp_path / "run.xlsx", layout="rows")
    book = openpyxl.load_workbook(workbook)
    book["Setup"]["B6"] = 0.05  # η
    book["Setup"]["B14"] = 0.5  # W1[0,0]
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    (recalculated,) = recalculate([edited], tmp_path / "lo")
    code, output, read = init_from(recalculated, tmp_path / "read.toml")
    assert code == 0, output
    assert read is not None and read.lr == 0.05 and read.weights[0][0][0] == 0.5
    assert "the table is right" in output


def test_without_its_property_sheetnet_s_rows_are_read_from_their_formulas(tmp_path: Path) -> None:
    """Its updates read η through the defined name `lr` and x, y from Setup: the formula reader
    follows both."""
    import re
    import zipfile

    network = load_network(Path(__file__).resolve().parent.parent / "examples" / "mazur-2-2-2.toml")
    network = network.with_overrides(iters=25)
    written = write_workbook(run(network), tmp_path / "run.xlsx", layout="rows")
    stripped = tmp_path / "stripped.xlsx"
    with zipfile.ZipFile(written) as zin, zipfile.ZipFile(stripped, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "docProps/custom.xml":
                data = re.sub(rb'<property[^>]*name="sheetnet network".*?</property>', b"", data, flags=re.S)
            zout.writestr(info, data)
    code, output, read = init_from(stripped, tmp_path / "read.toml")
    assert code == 0, output
    assert "read from the workbook's formulas" in " ".join(output.split())
    assert read is not None
    assert_same_network(read, network)


# --------------------------------------------------------------------------------------------------
# hand-made workbooks: formulas, typed numbers, unusual column orders, blocks


def _builder_network(built) -> Network:
    return load_network(built.network())


@pytest.mark.parametrize(
    "kind",
    ["formulas", "formulas-helpers", "typed-4dp", "typed-full", "shuffled", "shuffled-typed", "blocks"],
)
def test_hand_made_workbooks(kind: str, tmp_path: Path) -> None:
    order = list(COLUMNS)
    random.Random(7).shuffle(order)
    build = {
        "formulas": lambda p: rows_workbook(p, iters=20, eta=2.0),
        "formulas-helpers": lambda p: rows_workbook(p, iters=20, helper_columns=True, column_order=ASHWIN_COLUMNS),
        "typed-4dp": lambda p: rows_workbook(p, iters=20, typed=True, decimals=4),
        "typed-full": lambda p: rows_workbook(p, iters=20, typed=True),
        "shuffled": lambda p: rows_workbook(p, iters=20, column_order=order),
        "shuffled-typed": lambda p: rows_workbook(p, iters=20, column_order=order, typed=True, decimals=4),
        "blocks": lambda p: blocks_workbook(p, iters=12),
    }[kind]
    built = build(tmp_path / kind)
    code, output, read = init_from(built.path, tmp_path / "read.toml")
    assert code == 0, output
    assert read is not None
    assert_same_network(read, _builder_network(built))
    how = "labels and the numbers" if kind.endswith(("typed", "4dp", "full")) or kind == "blocks" else "formulas"
    assert how in " ".join(output.split())


def test_hand_made_mazur_with_biases_held_fixed(tmp_path: Path, soffice: str) -> None:
    path, _ = mazur_rows(tmp_path / "mazur", iters=12)
    code, output, read = init_from(path, tmp_path / "read.toml", "--recalc")
    assert code == 0, output
    truth = parse_network(
        (Path(__file__).resolve().parent.parent / "examples" / "mazur-2-2-2.toml").read_text(encoding="utf-8"),
        source="mazur",
    ).with_overrides(iters=12)
    assert read is not None
    assert_same_network(read, truth)
    assert " ".join(output.split()).count("B1 = [0.35, 0.35] # J4 J4 (b1 b1)") == 1


def test_hand_made_blocks_with_matrices_and_shared_biases(tmp_path: Path) -> None:
    path = rounded_blocks(tmp_path / "rb", 5)
    code, output, read = init_from(path, tmp_path / "read.toml")
    assert code == 0, output
    assert read is not None
    assert read.layers == (2, 2, 2) and read.lr == 0.5 and read.iters == 5
    assert read.biases == ((0.35, 0.35), (0.6, 0.6)) and not read.train_biases
    assert read.weights[1] == ((0.4, 0.45), (0.5, 0.55))


def _epochs_reading_one_typed_x(path: Path) -> None:
    """Logistic regression, a block of 3 rows per epoch (4, 7, 10): x typed once (B2:C2) and read
    by every epoch's z; epoch 1's w1 w2 b typed, the next epochs' copies of the updates above."""
    book = openpyxl.Workbook()
    ws = book.active
    ws["A1"], ws["B1"] = "eta", 0.5
    ws["A2"], ws["B2"], ws["C2"], ws["D2"], ws["E2"] = "x", 1.0, 2.0, "y", 1.0
    for top in (4, 7, 10):
        if top == 4:
            ws["B4"], ws["C4"], ws["D4"] = 0.1, -0.2, 0.05
        else:
            for c in "BCD":
                ws[f"{c}{top}"] = f"={c}{top - 2}"
        ws[f"E{top}"] = f"=B{top}*$B$2+C{top}*$C$2+D{top}"  # z
        ws[f"F{top}"] = f"=1/(1+EXP(-E{top}))"  # a
        ws[f"G{top}"] = f"=F{top}-$E$2"  # dz
        ws[f"H{top}"], ws[f"I{top}"], ws[f"J{top}"] = f"=G{top}*$B$2", f"=G{top}*$C$2", f"=G{top}"
        for c, g in zip("BCD", "HIJ", strict=True):
            ws[f"{c}{top + 1}"] = f"={c}{top}-$B$1*{g}{top}"
    book.save(path)


def test_later_epochs_reading_the_same_inputs_are_iterations_not_neurons(tmp_path: Path) -> None:
    """The neurons are read from iteration 0's parameters only: epochs 2 and 3 compute the same z
    from the same typed x, but their weights are copies of updates, so they are no more outputs."""
    from sheetnet.book import read_book
    from sheetnet.infer import read_network

    path = tmp_path / "epochs.xlsx"
    _epochs_reading_one_typed_x(path)
    reading = read_network(read_book(path), confirm=False)  # no values saved: the formulas alone
    assert reading.values["layers"] == [2, 1]
    assert reading.values["init"] == {"W1": [[0.1, -0.2]], "B1": [0.05]}
    assert reading.values["output_activation"] == "sigmoid"
    assert reading.values["samples"] == [{"x": [1.0, 2.0]}]
    assert reading.cells["W1"] == "B4 C4" and reading.cells["B1"] == "D4"


def _output_reading_pre_activations(path: Path) -> None:
    """2-2-1 sigmoid, a row per iteration (4–6): o = w5·h1 + w6·h2 reads the pre-activations where
    a1, a2 belong, while ∂E/∂w5 = δ_o·a1 and ∂E/∂w6 = δ_o·a2 (R, S) and δ_h = δ_o·w·a(1 − a)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws["A1"], ws["B1"], ws["C1"], ws["E1"], ws["F1"] = "x1", "x2", "y", "eta", 0.5
    ws["A2"], ws["B2"], ws["C2"] = 1.0, 0.5, 1.0
    ws["D4"], ws["E4"], ws["F4"], ws["G4"], ws["H4"], ws["I4"] = 0.1, 0.2, -0.3, 0.4, 0.5, -0.6
    for r in range(4, 7):
        ws[f"J{r}"], ws[f"K{r}"] = f"=D{r}*$A$2+E{r}*$B$2", f"=1/(1+EXP(-J{r}))"  # h1, a1
        ws[f"L{r}"], ws[f"M{r}"] = f"=F{r}*$A$2+G{r}*$B$2", f"=1/(1+EXP(-L{r}))"  # h2, a2
        ws[f"N{r}"] = f"=H{r}*J{r}+I{r}*L{r}"  # the slip: h1, h2 where a1, a2 belong
        ws[f"O{r}"], ws[f"P{r}"] = f"=1/(1+EXP(-N{r}))", f"=0.5*($C$2-O{r})^2"
        ws[f"Q{r}"] = f"=(O{r}-$C$2)*O{r}*(1-O{r})"  # δ_o
        ws[f"R{r}"], ws[f"S{r}"] = f"=Q{r}*K{r}", f"=Q{r}*M{r}"
        ws[f"T{r}"], ws[f"U{r}"] = f"=Q{r}*H{r}*K{r}*(1-K{r})", f"=Q{r}*I{r}*M{r}*(1-M{r})"
        for c, g in zip("VWXY", (f"T{r}*$A$2", f"T{r}*$B$2", f"U{r}*$A$2", f"U{r}*$B$2"), strict=True):
            ws[f"{c}{r}"] = f"={g}"
        if r > 4:
            for c, g in zip("DEFGHI", "VWXYRS", strict=True):
                ws[f"{c}{r}"] = f"={c}{r - 1}-$F$1*{g}{r - 1}"
    book.save(path)


def test_a_layer_s_input_is_the_activation_its_weights_updates_multiply(tmp_path: Path) -> None:
    """o reads h1, h2, but the updates of w5, w6 multiply a1 = σ(h1), a2 = σ(h2): the hidden layer
    is a layer of sigmoids, and o's formula is named as the slip."""
    from sheetnet.book import read_book
    from sheetnet.infer import read_network

    path = tmp_path / "o-reads-h.xlsx"
    _output_reading_pre_activations(path)
    reading = read_network(read_book(path), confirm=False)
    assert reading.values["layers"] == [2, 2, 1]
    assert (reading.values["activation"], reading.values["output_activation"]) == ("sigmoid", "sigmoid")
    assert reading.values["init"]["W1"] == [[0.1, 0.2], [-0.3, 0.4]]
    assert reading.values["init"]["W2"] == [[0.5, -0.6]]
    assert reading.cells["W2"] == "H4 I4"
    assert reading.notes == [
        "N4 reads the pre-activations J4, L4 where their sigmoids K4, M4 belong: the updates of H4, I4 "
        "multiply them (a slip in that formula?)"
    ]


def test_a_zoo_workbook_whose_output_reads_the_pre_activations_gives_its_assignment(tmp_path: Path) -> None:
    """rows-tanh-231-forward-slip: ŷ sums s1..s3 where the tanh a1..a3 belong, from iteration 0; the
    updates of v1..v3 multiply a1..a3, so the network read is the one the correct workbook trains."""
    code, output, read = init_from(ZOO / "rows-tanh-231-forward-slip.xlsx", tmp_path / "read.toml")
    assert code == 0, output
    assert read is not None
    assert_same_network(read, load_network(ZOO / "rows-tanh-231.toml"))
    assert "X5 reads the pre-activations s1 (R5), s2 (S5), s3 (T5) where their tanhs" in " ".join(output.split())


def _weight_read_twice_typed_again(path: Path) -> None:
    """A row per phase: row 3 feeds (h = w1·x1 + w1·x2 + w3·x3: w1 where w2 belongs), row 5 types
    w1 w2 w3 again, row 6 updates those."""
    book = openpyxl.Workbook()
    ws = book.active
    for c, label in zip("ABCDEFGHIJ", ("x1", "x2", "x3", "w1", "w2", "w3", "h", "y", "e", "eta"), strict=True):
        ws[f"{c}2"] = label
    for c, v in zip("ABCDEFHJ", (1.0, 2.0, 3.0, 0.2, 0.5, -0.1, 1.0, 0.1), strict=True):
        ws[f"{c}3"] = v
    ws["G3"], ws["I3"] = "=A3*D3+B3*D3+C3*F3", "=G3-H3"
    for c, x in zip("DEF", "ABC", strict=True):
        ws[f"{c}5"] = ws[f"{c}3"].value
        ws[f"{c}6"] = f"={c}5-$J$3*I3*{x}3"
    book.save(path)


def test_a_weight_read_twice_gives_its_place_to_one_typed_again_and_updated(tmp_path: Path) -> None:
    """w2 is read by no formula: its update reads E5, the number E3 holds typed again. E3 is taken
    where G3 reads w1 a second time."""
    from sheetnet.book import read_book
    from sheetnet.infer import read_network

    path = tmp_path / "twice.xlsx"
    _weight_read_twice_typed_again(path)
    reading = read_network(read_book(path), confirm=False)
    assert reading.values["init"]["W1"] == [[0.2, 0.5, -0.1]]
    assert reading.cells["W1"] == "D3 E3 F3"
    assert reading.notes == [
        "G3 reads w1 (D3) twice; w2 (E3), updated like a weight but read by no pre-activation, is taken in "
        "its second place (a slip in that formula?)"
    ]


def _phases_copying_the_weights(path: Path) -> None:
    """One step of a 2-2-1 sigmoid network a row per phase: row 3 feeds (h = w·x + b*1, the bias
    typed once and never updated), carries δ back through `=v1*δ` and ½(t − y)²; row 5 copies w1..w4
    (`=C3`) and updates v1, v2; row 6 updates the copies of w1..w4 and copies v1, v2."""
    book = openpyxl.Workbook()
    ws = book.active
    labels = ("x1", "x2", "w1", "w2", "w3", "w4", "v1", "v2", "b", "h1", "a1", "h2", "a2", "o", "y", "t")
    for k, label in enumerate(labels):
        ws.cell(2, k + 1, label)
    for c, v in zip("ABCDEFGHIP", (1.0, 0.5, 0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.25, 1.0), strict=True):
        ws[f"{c}3"] = v
    ws["J3"], ws["K3"] = "=C3*A3+D3*B3+I3*1", "=1/(1+EXP(-J3))"
    ws["L3"], ws["M3"] = "=E3*A3+F3*B3+I3*1", "=1/(1+EXP(-L3))"
    ws["N3"], ws["O3"] = "=G3*K3+H3*M3", "=1/(1+EXP(-N3))"
    ws["Q3"], ws["R3"], ws["S3"] = "=(P3-O3)*O3*(1-O3)", "=G3*Q3", "=H3*Q3"  # δ_o, carried back to h1, h2
    ws["T3"], ws["U3"], ws["V3"] = "=R3*K3*(1-K3)", "=S3*M3*(1-M3)", "=0.5*(P3-O3)^2"
    for c in "CDEF":
        ws[f"{c}5"] = f"={c}3"
    ws["G5"], ws["H5"] = "=G3+0.5*Q3*K3", "=H3+0.5*Q3*M3"
    for c, g in zip("CDEF", ("T3*A3", "T3*B3", "U3*A3", "U3*B3"), strict=True):
        ws[f"{c}6"] = f"={c}5+0.5*{g}"
    ws["G6"], ws["H6"] = "=G5", "=H5"
    book.save(path)


def _phases_reading(tmp_path: Path) -> Reading:
    from sheetnet.book import read_book
    from sheetnet.infer import read_network

    _phases_copying_the_weights(tmp_path / "phases.xlsx")
    return read_network(read_book(tmp_path / "phases.xlsx"), confirm=False)


def test_an_update_of_a_copy_of_a_typed_weight_updates_the_weight(tmp_path: Path) -> None:
    """Row 6 updates C5:F5, copies of w1..w4 (C3:F3) that nothing else reads: the hidden layer's
    weights are C3:F3, updated a phase after the output's, and the network is 2-2-1."""
    reading = _phases_reading(tmp_path)
    assert reading.values["layers"] == [2, 2, 1]
    assert reading.values["init"]["W1"] == [[0.1, 0.2], [-0.3, 0.4]]
    assert reading.cells["W1"] == "C3 D3 E3 F3"
    assert reading.cells["x"] == "A3 B3"
    assert reading.values["lr"] == 0.5


def test_a_weight_times_an_error_computed_from_it_is_no_neuron(tmp_path: Path) -> None:
    """`=G3*Q3` multiplies v1 by δ_o, which v1 feeds through the output: the backward pass carrying
    δ back to h1, never a 1-2 table of v1, v2 with δ_o as its input."""
    reading = _phases_reading(tmp_path)
    assert reading.cells["W2"] == "G3 H3"
    assert reading.others == []


def test_a_bias_written_as_the_weight_of_an_input_1_is_a_bias(tmp_path: Path) -> None:
    """`=C3*A3+D3*B3+I3*1`: I3 is each hidden neuron's bias, typed once and never updated."""
    reading = _phases_reading(tmp_path)
    assert reading.values["init"]["B1"] == [0.25, 0.25]
    assert reading.cells["B1"] == "I3 I3"
    assert reading.values["train_biases"] is False


# --------------------------------------------------------------------------------------------------
# what cannot be read


def test_what_cannot_be_read_is_a_marked_placeholder(tmp_path: Path) -> None:
    built = rows_workbook(tmp_path / "typed", iters=20, typed=True, decimals=4)
    book = openpyxl.load_workbook(built.path)
    book.active["A4"] = "a note"  # "η =" becomes "a note": η is nowhere labelled, and no formula updates
    path = tmp_path / "no-eta.xlsx"
    book.save(path)
    out = tmp_path / "read.toml"
    code, output, _ = init_from(path, out)
    assert code == 2, output
    assert "lr" in output and "could not be read" in output
    text = out.read_text(encoding="utf-8")
    assert f'lr = "{PLACEHOLDER}"' in text and "# FILL IN: no number labelled η" in text
    result = CliRunner().invoke(main, ["run", "--config", str(out)])
    assert result.exit_code == 2 and "lr" in result.output


def test_no_network_no_file(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active["A1"] = "my notes"
    book.active["B2"] = 3.5
    path = tmp_path / "notes.xlsx"
    book.save(path)
    out = tmp_path / "read.toml"
    code, output, _ = init_from(path, out)
    assert code == 2
    assert "no network found" in output and "Traceback" not in output
    assert not out.exists()


def test_existing_file_is_never_replaced_without_force(shared_fixtures: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine.toml"
    out.write_text("# my own notes\n", encoding="utf-8")
    code, output, _ = init_from(shared_fixtures / "era-wk6-backpropagation.xlsx", out)
    assert code == 2 and "exists" in output
    assert out.read_text(encoding="utf-8") == "# my own notes\n"
    code, output, read = init_from(shared_fixtures / "era-wk6-backpropagation.xlsx", out, "--force")
    assert code == 0 and read is not None and read.lr == 2.0


def test_sheet_that_does_not_exist(shared_fixtures: Path, tmp_path: Path) -> None:
    code, output, _ = init_from(shared_fixtures / "harshvs4-bp.xlsx", tmp_path / "x.toml", "--sheet", "LR_9")
    assert code == 2 and "LR_9" in output and "LR_0.1" in output


def test_notes_typed_by_hand_are_checked_against_the_notes_network(tmp_path: Path) -> None:
    path, cells = notes_blocks(tmp_path / "notes", slip=True)
    result = CliRunner().invoke(main, ["check", str(path), "--json"])
    data = json.loads(result.stdout)
    assert data["network_source"].startswith("the notes' 1-2-2-1 network")
    assert data["first_mismatch"]["cell"] == cells["B1 slip"]


# --------------------------------------------------------------------------------------------------
# the formula reader's own pieces


@pytest.mark.parametrize(
    ("formula", "value"),
    [
        ("=-2^2", 4.0),  # unary minus binds tighter than ^, as in Excel and LibreOffice
        ("=2^-1", 0.5),
        ("=1+2*3^2", 19.0),
        ("=(1+2)*3", 9.0),
        ("=50%", 0.5),
        ("=1/(1+EXP(-1*A1))", 1 / (1 + math.exp(-3))),
        ("=SUMPRODUCT(A1:B1,A2:B2)", 3 * 4 + 5 * 6),
        ("=MAX(0,A1-10)", 0.0),
        ("=IF(A1>0,A1,0.01*A1)", 3.0),
        ("=0.5*POWER(A1-B1,2)", 2.0),
        ("=SUM(A1:B2)", 18.0),
    ],
)
def test_formulas_evaluate_as_a_spreadsheet_does(formula: str, value: float) -> None:
    cells = {(0, 1, 1): 3.0, (0, 1, 2): 5.0, (0, 2, 1): 4.0, (0, 2, 2): 6.0}
    assert evaluate(parse(formula, 0, ["S"]), cells.__getitem__) == pytest.approx(value)


@pytest.mark.parametrize("formula", ["=VLOOKUP(A1,B1:C9,2)", "=A1&B1", "=NOW()"])
def test_formulas_it_cannot_evaluate_say_so(formula: str) -> None:
    with pytest.raises(FormulaError):
        evaluate(parse(formula, 0, ["S"]), lambda p: 1.0)


# --------------------------------------------------------------------------------------------------
# a class's workbooks at once


@pytest.mark.heavy
@pytest.mark.filterwarnings("ignore:DrawingML support is incomplete")  # openpyxl on era's drawing
def test_a_folder_of_a_class(shared_fixtures: Path, tmp_path: Path, soffice: str) -> None:
    """Copies of the fixtures (two of them also with a slip put in, one with six tables) and two
    unreadable files: each gets its own verdict, checked in parallel, and the CSV reads back."""
    folder = tmp_path / "class"
    staging = tmp_path / "staging"
    folder.mkdir()
    staging.mkdir()
    fixtures = fixture_workbooks(shared_fixtures)
    expected: dict[str, tuple[str, str]] = {}  # file → (verdict, first slip cell)
    sources = {
        "era": ("era-wk6-backpropagation.xlsx", "Sheet1", 33, "AC"),  # ∂E/∂w5 column, first row 33
        "ashwin": ("ashwin-nntraining.xlsx", "training", 37, "AB"),
    }
    to_recalculate = []
    n = 0
    for key, (name, sheet, first, col) in sources.items():
        n += 1
        target = staging / f"{n:02d}-{key}.xlsx"
        book = openpyxl.load_workbook(fixtures[name][0])
        row = first + 1  # iteration 1: the slip is not in the first row
        cell = book[sheet][f"{col}{row}"]
        cell.value = f"=({cell.value.lstrip('=')})*1.01"  # the kind of slip a typo makes
        book.save(target)
        to_recalculate.append(target)
        expected[target.name] = ("wrong", f"{sheet}!{col}{row}")
        n += 1
        shutil.copy(fixtures[name][0], folder / f"{n:02d}-{key}.xlsx")
        expected[f"{n:02d}-{key}.xlsx"] = ("right", "-")
    for key, name in (("vishak", "vishak-dlexcel.xlsx"), ("harshvs4", "harshvs4-bp.xlsx")):
        n += 1
        shutil.copy(fixtures[name][0], folder / f"{n:02d}-{key}.xlsx")
        expected[f"{n:02d}-{key}.xlsx"] = ("wrong", fixtures[name][2])
    for recalculated, source in zip(recalculate(to_recalculate, tmp_path / "lo"), to_recalculate, strict=True):
        shutil.copy(recalculated, folder / source.name)
    (folder / "21-broken.xlsx").write_text("not a workbook", encoding="utf-8")
    (folder / "22-empty.xlsx").write_bytes(b"")
    (folder / "notes.txt").write_text("not a workbook either, and not looked at", encoding="utf-8")
    assert len(expected) == 6

    grades = tmp_path / "grades.csv"
    result = CliRunner().invoke(main, ["check", str(folder), "--csv", str(grades), "--json", "--jobs", "2"])
    assert result.exit_code == 2, result.output  # two files could not be read
    data = json.loads(result.stdout)  # --json: one array, in the order of the files
    with grades.open(encoding="utf-8-sig", newline="") as f:  # Excel's byte-order mark
        rows = list(csv.DictReader(f))
    assert len(rows) == 8
    by_file = {Path(r["file"]).name: r for r in rows}
    for name, (verdict, cell) in expected.items():
        row = by_file[name]
        assert row["verdict"] == verdict, (name, row)
        assert (row["first slip cell"] or "-") == cell, (name, row)
    for name in ("21-broken.xlsx", "22-empty.xlsx"):
        assert by_file[name]["verdict"] == "unreadable"
        assert by_file[name]["explanation"], by_file[name]
    wrong = by_file["01-era.xlsx"]
    assert float(wrong["expected"]) != pytest.approx(float(wrong["found"]))
    assert "notes.txt" not in by_file

    assert [Path(d["file"]).name for d in data] == sorted(by_file)
    assert {d["verdict"] for d in data} == {"right", "wrong", "unreadable"}

    # the CSV is not replaced without --force
    before = grades.read_bytes()
    result = CliRunner().invoke(main, ["check", str(folder), "--json", "--csv", str(grades)])
    assert result.exit_code == 2 and "exists" in result.output
    assert grades.read_bytes() == before


def test_exit_codes_of_several_files(shared_fixtures: Path) -> None:
    right = [str(shared_fixtures / n) for n in ("ashwin-nntraining.xlsx", "cardona-mazur.xlsx")]
    assert CliRunner().invoke(main, ["check", *right]).exit_code == 0
    assert CliRunner().invoke(main, ["check", *right, str(shared_fixtures / "vishak-dlexcel.xlsx")]).exit_code == 1
    result = CliRunner().invoke(main, ["check", *right, "missing.xlsx"])
    assert result.exit_code == 2 and "missing.xlsx" in result.output


def test_the_workbook_read_is_never_the_file_written(shared_fixtures: Path, tmp_path: Path) -> None:
    workbook = tmp_path / "homework.xlsx"
    shutil.copy(shared_fixtures / "era-wk6-backpropagation.xlsx", workbook)
    before = workbook.read_bytes()
    code, output, _ = init_from(workbook, workbook, "--force")
    assert code == 2 and "the workbook read from" in output
    assert workbook.read_bytes() == before


def test_a_read_with_a_slip_in_the_forward_pass_says_what_it_decided(tmp_path: Path) -> None:
    """h1 = w1·i1 + w1·i2 (w1 where w2 belongs): w2 is updated but read by no pre-activation."""
    built = rows_workbook(tmp_path / "twice", iters=20)
    book = openpyxl.load_workbook(built.path)
    ws = book.active
    h1, w1, w2 = (COLUMNS.index(n) for n in ("h1", "w1", "w2"))
    letter = openpyxl.utils.get_column_letter
    for row in range(7, 27):
        formula = ws.cell(row, h1 + 1).value
        assert f"{letter(w2 + 1)}{row}" in formula, formula
        ws.cell(row, h1 + 1).value = formula.replace(f"{letter(w2 + 1)}{row}", f"{letter(w1 + 1)}{row}")
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    (recalculated,) = recalculate([edited], tmp_path / "lo")
    code, output, read = init_from(recalculated, tmp_path / "read.toml")
    assert code == 0, output
    assert read is not None and read.weights[0] == ((0.15, 0.2), (0.25, 0.3))
    flat = " ".join(output.split())
    assert f"{letter(h1 + 1)}7 reads w1 ({letter(w1 + 1)}7) twice; w2 ({letter(w2 + 1)}7)" in flat
    result = CliRunner().invoke(main, ["check", str(recalculated), "--json"])
    assert json.loads(result.stdout)["first_mismatch"]["cell"] == f"Sheet1!{letter(h1 + 1)}7"
