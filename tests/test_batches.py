"""`reduction = "sum"` and `batch_size = N`: the network file, the engine against independent
oracles (the mean run, finite differences, one-batch runs), LibreOffice's recalculation of both
layouts, the terminal, --json, solve, check and init --from."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from networks import INIT_2_3_2
from openpyxl.utils import get_column_letter
from test_gradients import _assert_gradients_match, _random_network
from test_rows import _assert_rows_match

from sheetnet.book import read_book
from sheetnet.check import Tolerance, check_book
from sheetnet.cli import main
from sheetnet.documents import render
from sheetnet.layout import ROWS, TRAINING, BlocksLayout, RowsLayout
from sheetnet.libreoffice import recalculate
from sheetnet.net import build_iteration, network_iteration_size, param_names
from sheetnet.shape import iteration_size
from sheetnet.solve import solve
from sheetnet.spec import Network, Sample, load_network, parse_network
from sheetnet.status import FOUND, SLIP
from sheetnet.trace import Trace, run
from sheetnet.workbook import write_workbook

from handmade import and_batch_blocks, and_network_toml, and_online_rows

ROOT = Path(__file__).resolve().parent.parent
XOR = ROOT / "examples" / "xor.toml"

THREE = (
    """\
layers = [2, 3, 2]
activation = "tanh"
output_activation = "sigmoid"
lr = 0.7
iters = 7
{extra}
"""
    + INIT_2_3_2
)


def three(extra: str = "", **overrides: object) -> Network:
    """A 2-3-2 network with three samples (a tanh layer, a sigmoid output: no kinks)."""
    return replace(parse_network(THREE.format(extra=extra), source="three.toml"), **overrides)


def _cli(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, args, env={"COLUMNS": "80"})
    return result.exit_code, result.output


# ------------------------------------------------------------------------------ the network file


def test_the_network_file_takes_reduction_and_batch_size() -> None:
    network = three('reduction = "sum"\nbatch_size = 2')
    assert (network.reduction, network.batch_size, network.per_update, network.batched) == ("sum", 2, 2, True)
    assert [network.batch(t) for t in range(4)] == [(0, 1), (2, 0), (1, 2), (0, 1)]
    assert three("batch_size = 1").batch(4) == (1,)
    default = three()
    assert (default.reduction, default.batch_size, default.batch(5)) == ("mean", None, (0, 1, 2))
    assert three("batch_size = 3") == default  # every sample: the default, said out loud
    data = three('reduction = "sum"\nbatch_size = 1').to_dict()
    assert (data["reduction"], data["batch_size"]) == ("sum", 1)
    assert "reduction" not in default.to_dict() and "batch_size" not in default.to_dict()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("batch_size = 4", "three.toml, line 6: batch_size: 4 is more than the 3 samples"),
        ("batch_size = 0", "three.toml, line 6: batch_size: expected a whole number of at least 1, got 0"),
        ("batch_size = 1.5", "three.toml, line 6: batch_size: expected a whole number of at least 1, got 1.5"),
        ('reduction = "average"', "three.toml, line 6: reduction: 'average' is not supported; supported: mean, sum"),
        ('reductions = "sum"', "three.toml, line 6: reductions: unknown key (did you mean 'reduction'?)"),
    ],
)
def test_bad_reduction_or_batch_size_names_file_line_and_key(extra: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "three.toml"
    path.write_text(THREE.format(extra=extra), encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "--config", str(path), "--quiet"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sheetnet: error: ") and message in lines[0], lines


def test_the_cells_of_an_iteration_are_counted_from_the_shape() -> None:
    for extra in ("", 'reduction = "sum"', "batch_size = 1", 'batch_size = 2\nreduction = "sum"'):
        for optimizer in ("sgd", "adam"):
            network = three(extra, optimizer=optimizer)
            made = sum(len(q.keys) for q in build_iteration(network, 1).quantities)
            assert network_iteration_size(network) == made, (extra, optimizer)
            assert (
                iteration_size(
                    network.layers,
                    network.per_update,
                    activation=network.activation,
                    output_activation=network.output_activation,
                    loss=network.loss,
                    optimizer=optimizer,
                )
                == made
            )


# ------------------------------------------------------------------------------ reduction = "sum"


def test_summed_gradients_are_the_count_times_the_mean_ones() -> None:
    mean, summed = run(three()), run(three('reduction = "sum"'))
    g_mean, g_sum = mean.iterations[0], summed.iterations[0]
    assert summed.loss(0) == pytest.approx(3 * mean.loss(0), rel=1e-15)
    for name in param_names(mean.network):
        assert summed.of(g_sum.gradient(name)) == pytest.approx(
            [3 * g for g in mean.of(g_mean.gradient(name))], rel=1e-14
        )
    # and the sum is the per-sample gradients added up, each as a run of that sample alone computes it
    singles = [run(replace(mean.network, samples=(s,), iters=1)) for s in mean.network.samples]
    total = [sum(v) for v in zip(*(t.of(t.iterations[0].gradient("W2")) for t in singles), strict=True)]
    assert summed.of(g_sum.gradient("W2")) == pytest.approx(total, rel=1e-14)
    # the step is 3 times as long: the sum without dividing η by the count
    w_mean, w_sum = mean.of(g_mean.updated("W1")), summed.of(g_sum.updated("W1"))
    before = [v for row in mean.network.weights[0] for v in row]
    assert [b - a for a, b in zip(w_sum, before, strict=True)] == pytest.approx(
        [3 * (b - a) for a, b in zip(w_mean, before, strict=True)], rel=1e-12
    )


@pytest.mark.parametrize(
    ("activation", "output", "loss"), [("tanh", "softmax", "cross_entropy"), ("relu", "linear", "mse")]
)
def test_summed_gradients_match_finite_differences_of_the_summed_loss(activation: str, output: str, loss: str) -> None:
    network = replace(_random_network((3, 4, 3), 11, activation, output, loss, samples=4), reduction="sum")
    assert _assert_gradients_match(network) == 3 * 4 + 4 + 4 * 3 + 3


def test_a_batch_s_gradients_match_finite_differences_of_its_loss() -> None:
    network = replace(_random_network((3, 4, 3), 5, "sigmoid", "linear", "half_squared_error", samples=5))
    for batch_size, reduction in ((2, "mean"), (3, "sum"), (1, "mean")):
        batched = replace(network, batch_size=batch_size, reduction=reduction)
        assert _assert_gradients_match(batched) == 3 * 4 + 4 + 4 * 3 + 3


# ------------------------------------------------------------------------------ batch_size


def _one_batch_run(network: Network, trace: Trace, t: int) -> Trace:
    """Iteration t as a run of its own: one full-batch update on exactly the samples it should use,
    (t·b + k) mod N, from the parameters iteration t − 1 left."""
    n, b = len(network.samples), network.batch_size
    used = tuple(network.samples[(t * b + k) % n] for k in range(b))
    if t == 0:
        weights, biases = network.weights, network.biases
    else:
        before = trace.iterations[t - 1]
        weights, biases = [], []
        for l in range(1, network.depth + 1):
            flat, cols = trace.of(before.updated(f"W{l}")), network.layers[l - 1]
            weights.append(tuple(tuple(flat[j * cols : (j + 1) * cols]) for j in range(network.layers[l])))
            biases.append(tuple(trace.of(before.updated(f"B{l}"))))
    return run(replace(network, samples=used, batch_size=None, iters=1, weights=tuple(weights), biases=tuple(biases)))


@pytest.mark.parametrize("batch_size", [1, 2])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_each_update_is_a_one_batch_run_on_the_samples_it_uses(batch_size: int, reduction: str) -> None:
    network = three(f'batch_size = {batch_size}\nreduction = "{reduction}"')
    trace = run(network)
    expected = {
        1: [(0,), (1,), (2,), (0,), (1,), (2,), (0,)],
        2: [(0, 1), (2, 0), (1, 2), (0, 1), (2, 0), (1, 2), (0, 1)],
    }
    assert [g.batch for g in trace.iterations] == expected[batch_size]
    for t in range(network.iters):
        alone = _one_batch_run(network, trace, t)
        assert trace.loss(t) == pytest.approx(alone.loss(0), rel=1e-14)
        for name in param_names(network):
            assert trace.of(trace.iterations[t].updated(name)) == pytest.approx(
                alone.of(alone.iterations[0].updated(name)), rel=1e-14, abs=1e-15
            ), (t, name)
    # no iteration is the full batch's: the schedule really changes the run
    assert trace.loss(3) != pytest.approx(run(three(f'reduction = "{reduction}"')).loss(3), rel=1e-6)


def test_json_lists_the_samples_each_iteration_used(tmp_path: Path) -> None:
    path = tmp_path / "three.toml"
    path.write_text(THREE.format(extra="batch_size = 2"), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["run", "--config", str(path), "--json", "--iters", "3", "--quiet", "--out", str(tmp_path / "j.xlsx")]
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [it["samples_used"] for it in data["iterations"]] == [[0, 1], [2, 0], [1, 2]]
    second = data["iterations"][1]["samples"]
    assert [s["x"] for s in second] == [[1.5, -1.0], [1.0, 0.5]]  # samples 2 and 0, in that order
    assert data["network"]["batch_size"] == 2 and "reduction" not in data["network"]
    result = CliRunner().invoke(main, ["run", "--json", "--iters", "1", "--quiet", "--out", str(tmp_path / "k.xlsx")])
    assert result.exit_code == 0 and "samples_used" not in result.stdout  # the whole batch: nothing to say


def test_the_terminal_says_which_samples_each_iteration_used(tmp_path: Path) -> None:
    path = tmp_path / "three.toml"
    path.write_text(THREE.format(extra='batch_size = 1\nreduction = "sum"'), encoding="utf-8")
    code, out = _cli(["run", "--config", str(path), "--iters", "4", "--out", str(tmp_path / "t.xlsx")])
    assert code == 0
    assert "sgd η = 0.7 · 3 samples, one an iteration · 4 iterations" in out
    for t, s in enumerate([0, 1, 2, 0]):
        assert f"Iteration {t} · sample {s} " in out
    table = out[out.index("Loss by iteration") :].splitlines()
    assert "iteration" in table[2] and "sample" in table[2] and "L " in table[2]
    assert [line.split()[1:4:2] for line in table[4:8]] == [["0", "0"], ["1", "1"], ["2", "2"], ["3", "0"]]
    path.write_text(THREE.format(extra='batch_size = 2\nreduction = "sum"'), encoding="utf-8")
    code, out = _cli(["run", "--config", str(path), "--iters", "2", "--out", str(tmp_path / "t.xlsx")])
    assert "3 samples, 2 an iteration, summed · 2 iterations" in out
    assert "Iteration 1 · samples 2, 0 " in out and "Forward · sample 2 " in out and "│ Sum " in out
    assert "L (sum of 2 samples)" in out and "L (sum)" in out
    *tables, written = out.splitlines()
    assert max(map(len, tables)) <= 80 and written == f"Workbook written to {tmp_path / 't.xlsx'}"


# ------------------------------------------------------------------------------ the workbook


def _assert_blocks_match(path: Path, trace: Trace) -> int:
    book = openpyxl.load_workbook(path, data_only=True)
    layout = BlocksLayout(trace.network, trace.setup, trace.iterations)
    for key, cell in layout.cells.items():
        value = book[cell.sheet].cell(row=cell.row + 1, column=cell.col + 1).value
        assert isinstance(value, int | float), (key, cell, value)
        assert math.isclose(value, trace.values[key], rel_tol=1e-12, abs_tol=1e-15), (key, value, trace.values[key])
    return len(layout.cells)


def test_the_workbook_sums_and_says_which_samples_it_used(tmp_path: Path) -> None:
    trace = run(three('batch_size = 2\nreduction = "sum"'))
    blocks = openpyxl.load_workbook(write_workbook(trace, tmp_path / "b.xlsx"))
    texts = {c.value for c in blocks["Iteration 1"]["A"] if isinstance(c.value, str)}
    assert "Sum over the 2 samples" in texts
    assert {"Forward · sample 2", "Forward · sample 0", "∂L/∂W1 (sum of 2 samples)"} <= texts
    assert "Forward · sample 1" not in texts
    assert blocks["Iteration 1"]["A2"].value.endswith("Samples 2, 0 used in this iteration.")
    formulas = [c.value for row in blocks["Iteration 1"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(f.startswith("=SUM(") for f in formulas) and not any("AVERAGE" in f for f in formulas)
    setup = {r[0].value: r[1].value for r in blocks["Setup"].iter_rows() if r[0].value}
    assert setup["batch size"] == 2
    rows = openpyxl.load_workbook(write_workbook(trace, tmp_path / "r.xlsx", layout=ROWS))[TRAINING]
    assert [rows.cell(r, 2).value for r in range(3, 9)] == [
        "samples used",
        None,
        "samples 0, 1",
        "samples 2, 0",
        "samples 1, 2",
        "samples 0, 1",
    ]
    # each row copies the x and y of its samples from Setup: row 1's first is sample 2, its second sample 0
    layout = RowsLayout(trace.network, trace.setup, trace.iterations[0])
    for k, sample in enumerate((2, 0)):
        for name, index in (("x", 1 + 2 * sample), ("y", 2 + 2 * sample)):
            here = layout.cell(trace.iterations[1].get(name, k).keys[0])
            there = layout.cells[trace.setup[index].keys[0]]
            assert (here.sheet, here.row) == (TRAINING, layout.row(1))
            formula = f"=Setup!{get_column_letter(there.col + 1)}{there.row + 1}"
            assert rows.cell(here.row + 1, here.col + 1).value == formula


@pytest.mark.libreoffice
def test_libreoffice_recalculates_sums_and_batches_to_the_cached_values(soffice: str, tmp_path: Path) -> None:
    """Both layouts, for the sum and for batches of 1 and 2 of three samples (rows: 7 iterations, so
    rows 3 … 6 are written from the templates of rows 1 and 2)."""
    cases = {
        "sum": three('reduction = "sum"'),
        "online": three("batch_size = 1"),
        "pairs": three('batch_size = 2\nreduction = "sum"'),
        "adam": three("batch_size = 2", optimizer="adam"),
    }
    traces, paths = {}, []
    for name, network in cases.items():
        traces[name] = run(network)
        for layout in ("blocks", "rows"):
            paths.append(write_workbook(traces[name], tmp_path / f"{name}-{layout}.xlsx", layout=layout))
    recalculated = recalculate(paths, tmp_path / "lo")
    for path, again in zip(paths, recalculated, strict=True):
        name, layout = path.stem.split("-")
        cached = openpyxl.load_workbook(path, data_only=True)
        computed = openpyxl.load_workbook(again, data_only=True)
        numbers = 0
        for ws in cached.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, int | float):
                        value = computed[ws.title][cell.coordinate].value
                        assert isinstance(value, int | float), (path.name, ws.title, cell.coordinate, value)
                        assert math.isclose(value, cell.value, rel_tol=1e-12, abs_tol=1e-15), (path.name, cell)
                        numbers += 1
        trace = traces[name]
        per_iteration = sum(len(q.keys) for q in trace.iterations[0].quantities)
        if layout == "rows":
            assert _assert_rows_match(again, trace) == trace.network.iters * per_iteration
        else:
            assert _assert_blocks_match(again, trace) > trace.network.iters * per_iteration
        assert numbers > 0


def test_solve_writes_the_sum_and_the_batches() -> None:
    text = render(solve(three('batch_size = 2\nreduction = "sum"'), iterations=[1]), "md")
    assert "3 samples · 2 an iteration · loss and gradients summed" in text
    assert "L is the sum over the 2 samples each iteration uses, and so is each gradient" in text
    assert "iteration t uses samples (t·2 + k) mod 3, k = 0 … 1" in text
    assert "### Sum over the 2 samples of this iteration (2, 0)" in text
    assert "### Forward · sample 2" in text and "### Forward · sample 1" not in text
    block = text[text.index("### Sum over") :]
    assert r"L = \sum_{s} L^{(s)} = " in block and r"\frac{1}{2}" not in block.split("$$")[1]
    mean = render(solve(three(), iterations=[0]), "md")
    assert r"\frac{1}{3}\, \sum_{s} L^{(s)}" in mean and "### Mean over the 3 samples" in mean


# ------------------------------------------------------------------------------ check


def _recalculated(paths: list[Path], folder: Path) -> list[Path]:
    return recalculate(paths, folder / "lo")


def _and(iters: int, **options: object) -> Network:
    return parse_network(and_network_toml(iters=iters, **options), source="and.toml")  # type: ignore[arg-type]


@pytest.mark.libreoffice
def test_check_knows_summed_gradients(soffice: str, tmp_path: Path) -> None:
    """Hand-made AND workbooks, a block per iteration over the four samples: summed (right, and with
    one Σ cell summing three samples of four), averaged, and summed then divided by 4 in the update."""
    summed, cells = and_batch_blocks(tmp_path / "summed")
    slipped, slip = and_batch_blocks(tmp_path / "slipped", mutate="sum dw5")
    averaged, _ = and_batch_blocks(tmp_path / "averaged", reduction="mean")
    divided, _ = and_batch_blocks(tmp_path / "divided", divide=True)
    books = [read_book(p) for p in _recalculated([summed, slipped, averaged, divided], tmp_path)]
    right = check_book(books[0], _and(3, reduction="sum"), Tolerance())
    assert right.exit_code == 0 and [t.verdict for t in right.tables] == ["right"]
    sums = [e for e in right.elements if e.quantity.section == "Mean" and e.quantity.role != "extra"]
    assert sums and all(e.status == FOUND for e in sums)
    w2 = next(e for e in right.elements if e.t == 0 and e.name == "∂L/∂W2[0,0]")
    assert w2.cell.address == cells["sum dw5 0"]
    # the same sheet is no mean run: its first update already moves four times too far
    assert check_book(books[0], _and(3), Tolerance()).exit_code == 1

    wrong = check_book(books[1], _and(3, reduction="sum"), Tolerance())
    first = wrong.first_mismatch
    assert first is not None and first.kind == SLIP
    assert (first.t, first.name, first.cell.address) == (1, "∂L/∂W2[0,0]", slip["mutated"])

    assert check_book(books[2], _and(3), Tolerance()).exit_code == 0
    divided_result = check_book(books[3], _and(3), Tolerance())
    assert divided_result.exit_code == 0
    sigma = [e for e in divided_result.elements if e.name.startswith("Σ")]
    assert len(sigma) == 3 * (1 + 9) and all(e.status == FOUND for e in sigma)  # ΣL and Σ∂L/∂p, found
    assert next(e for e in sigma if e.t == 0 and e.name == "Σ∂L/∂W2[0,0]").cell.address == cells["sum dw5 0"]


@pytest.mark.libreoffice
def test_check_knows_online_learning(soffice: str, tmp_path: Path) -> None:
    right, _ = and_online_rows(tmp_path / "online")
    wrong, cells = and_online_rows(tmp_path / "slipped", mutate="dw3")
    books = [read_book(p) for p in _recalculated([right, wrong], tmp_path)]
    online = _and(8, batch_size=1)
    result = check_book(books[0], online, Tolerance())
    assert result.exit_code == 0 and result.tables[0].iterations == 8
    x = [e for e in result.elements if e.quantity.name == "x" and e.status == FOUND]
    assert {e.name for e in x if e.t == 6} == {"x[0] (sample 2)", "x[1] (sample 2)"}
    assert check_book(books[0], _and(8), Tolerance()).exit_code == 1  # not the full batch's run
    first = check_book(books[1], online, Tolerance()).first_mismatch
    assert first is not None and first.kind == SLIP
    assert (first.t, first.name, first.cell.address) == (2, "∂L/∂W1[1,0] (sample 2)", cells["mutated"])


def test_check_passes_sheetnet_s_own_batched_workbooks_and_names_a_changed_cell(tmp_path: Path) -> None:
    network = three('batch_size = 2\nreduction = "sum"')
    trace = run(network)
    for layout in ("blocks", "rows"):
        path = write_workbook(trace, tmp_path / f"{layout}.xlsx", layout=layout)
        assert check_book(read_book(path), network, Tolerance()).exit_code == 0, layout
    # iteration 1's sum of ∂L/∂B2[0], typed over as the mean
    path = tmp_path / "blocks.xlsx"
    layout = BlocksLayout(network, trace.setup, trace.iterations)
    key = trace.iterations[1].gradient("B2").keys[0]
    cell = layout.cells[key]
    book = openpyxl.load_workbook(path, data_only=True)  # its numbers, typed (openpyxl drops cached values)
    book[cell.sheet].cell(cell.row + 1, cell.col + 1).value = trace.values[key] / 2
    book.save(tmp_path / "changed.xlsx")
    first = check_book(read_book(tmp_path / "changed.xlsx"), network, Tolerance()).first_mismatch
    assert first is not None and (first.t, first.name) == (1, "∂L/∂B2[0]")
    assert first.cell.address == f"'Iteration 1'!{layout.address(key)}"


# ------------------------------------------------------------------------------ init --from


def _init_from(workbook: Path, out: Path) -> tuple[int, str, Network | None]:
    result = CliRunner().invoke(main, ["init", "--from", str(workbook), str(out)])
    return result.exit_code, result.output, load_network(out) if result.exit_code == 0 else None


@pytest.mark.parametrize("layout", ["blocks", "rows"])
def test_a_workbook_sheetnet_wrote_gives_back_its_reduction_and_batch_size(layout: str, tmp_path: Path) -> None:
    network = three('batch_size = 2\nreduction = "sum"', iters=4)
    path = write_workbook(run(network), tmp_path / "run.xlsx", layout=layout)
    code, output, read = _init_from(path, tmp_path / "read.toml")
    assert code == 0, output
    assert read == network


@pytest.mark.libreoffice
def test_init_from_reads_the_reduction_and_the_batch_size_from_formulas(soffice: str, tmp_path: Path) -> None:
    made = [
        and_batch_blocks(tmp_path / "summed")[0],
        and_batch_blocks(tmp_path / "averaged", reduction="mean")[0],
        and_batch_blocks(tmp_path / "divided", divide=True)[0],
        and_online_rows(tmp_path / "online")[0],
    ]
    summed, averaged, divided, online = _recalculated(made, tmp_path)
    samples = tuple(
        Sample((x1, x2), (y,)) for x1, x2, y in ((0.0, 0.0, 0.0), (0.0, 1.0, 0.0), (1.0, 0.0, 0.0), (1.0, 1.0, 1.0))
    )
    for path, reduction, batch_size, iters in (
        (summed, "sum", None, 3),
        (averaged, "mean", None, 3),
        (divided, "mean", None, 3),
        (online, "mean", 1, 8),
    ):
        code, output, read = _init_from(path, tmp_path / f"{path.stem}.toml")
        assert code == 0, output
        assert read is not None
        assert (read.reduction, read.batch_size, read.iters, read.samples) == (reduction, batch_size, iters, samples)
        assert read == _and(iters, reduction=reduction, batch_size=batch_size)
        assert "read from the workbook's formulas" in " ".join(output.split())
        assert "the table is right" in " ".join(output.split())
    text = (tmp_path / "online.toml").read_text(encoding="utf-8")
    assert "batch_size = 1                     # a sample an iteration: iteration 1 reads the next (row 5)" in text
    assert "x = [1.0, 1.0]                     # B7 C7 (i1 i2)" in text  # the fourth sample: row 7, iteration 3
    text = (tmp_path / "summed.toml").read_text(encoding="utf-8")
    assert 'reduction = "sum"                  # the updates move by the sum of the samples\' gradients' in text


def test_xor_online_in_the_rows_layout_copies_each_row_s_sample_and_checks(tmp_path: Path) -> None:
    """A long online run: rows 3 on are written from templates, but each copies its own sample."""
    network = replace(load_network(XOR), batch_size=1, iters=50)
    trace = run(network)
    path = write_workbook(trace, tmp_path / "xor.xlsx", layout=ROWS)
    ws = openpyxl.load_workbook(path)[TRAINING]
    layout = RowsLayout(network, trace.setup, trace.iterations[0])
    first_x = [q.name for q in trace.setup].index("x")
    for t in (3, 4, 5, 49):
        sample = t % 4
        here = layout.cell(trace.iterations[t].get("x", 0).keys[1])
        there = layout.cells[trace.setup[first_x + 2 * sample].keys[1]]
        assert ws.cell(here.row + 1, here.col + 1).value == f"=Setup!{get_column_letter(there.col + 1)}{there.row + 1}"
        assert ws.cell(layout.row(t) + 1, 2).value == f"sample {sample}"
    result = check_book(read_book(path), network, Tolerance())
    assert result.exit_code == 0 and result.tables[0].iterations == 50
    assert {e.group for e in result.elements if e.status != FOUND} == {"∂L/∂f(O1)"}  # what only homework writes
