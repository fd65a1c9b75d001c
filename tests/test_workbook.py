"""The workbook as openpyxl reads it: formulas where expected, cached values equal to the trace."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sheetnet.errors import OutputError
from sheetnet.layout import BlocksLayout
from sheetnet.net import INPUT
from sheetnet.outputs import written_by_sheetnet
from sheetnet.spec import default_network
from sheetnet.trace import Trace, run
from sheetnet.workbook import write_workbook

REFERENCE = re.compile(r"('(?:[^']|'')+'|[A-Za-z][A-Za-z0-9 ]*)?!?\$?[A-Z]{1,3}\$?[0-9]+")


def _layout(trace: Trace) -> BlocksLayout:
    return BlocksLayout(trace.network, trace.setup, trace.iterations)


def _cell(book: openpyxl.Workbook, layout: BlocksLayout, key):
    cell = layout.cells[key]
    return book[cell.sheet].cell(row=cell.row + 1, column=cell.col + 1)


@pytest.fixture(scope="module")
def books(notes_workbook: Path) -> tuple[openpyxl.Workbook, openpyxl.Workbook]:
    return openpyxl.load_workbook(notes_workbook), openpyxl.load_workbook(notes_workbook, data_only=True)


def test_sheets_in_reading_order(books) -> None:
    formulas, _ = books
    assert formulas.sheetnames == ["Setup", "Summary", "Iteration 0", "Iteration 1", "Iteration 2"]


def test_every_computed_cell_is_a_formula_caching_the_trace_value(books, notes_trace: Trace) -> None:
    formulas, values = books
    layout = _layout(notes_trace)
    count = 0
    for graph in notes_trace.iterations:
        for quantity in graph.quantities:
            for key in quantity.keys:
                formula = _cell(formulas, layout, key).value
                assert isinstance(formula, str) and formula.startswith("="), (key, formula)
                assert _cell(values, layout, key).value == pytest.approx(notes_trace.values[key], rel=1e-15)
                count += 1
    assert count == 3 * (56 + 13)  # 56 numbers an iteration and the update's 13 steps (−η·∂L/∂p)


def test_inputs_are_typed_numbers_on_setup(books, notes_trace: Trace) -> None:
    formulas, _ = books
    layout = _layout(notes_trace)
    inputs = [q for q in notes_trace.setup if q.role == INPUT]
    assert [q.name for q in inputs] == ["η", "x", "y", "W1", "B1", "W2", "B2", "W3", "B3"]
    for quantity in inputs:
        for key, value in zip(quantity.keys, quantity.inputs or (), strict=True):
            assert layout.cells[key].sheet == "Setup"
            assert _cell(formulas, layout, key).value == value


def test_lr_is_a_defined_name_on_setup(books) -> None:
    formulas, _ = books
    ((sheet, address),) = list(formulas.defined_names["lr"].destinations)
    assert sheet == "Setup"
    assert formulas[sheet][address.replace("$", "")].value == 0.01


def test_formulas_read_like_the_notes(books, notes_trace: Trace) -> None:
    formulas, _ = books
    layout = _layout(notes_trace)
    first, second = notes_trace.iterations[0], notes_trace.iterations[1]

    def formula(graph, name, i=0, sample=0):
        return _cell(formulas, layout, graph.get(name, sample).keys[i]).value

    def address(graph, name, i=0, sample=0):
        return layout.address(graph.get(name, sample).keys[i])

    # O1 = x·W1ᵀ + B1, spelled out over this sheet's cells
    assert formula(first, "O1", 1) == f"={address(first, 'x')}*{address(first, 'W1', 1, None)}+" + address(
        first, "B1", 1, None
    )
    assert formula(first, "f(O1)", 0) == f"=MAX(0,{address(first, 'O1')})"
    assert formula(first, "f'(O2)", 1) == f"=IF({address(first, 'O2', 1)}>0,1,0)"
    assert formula(first, "L") == f"=0.5*({address(first, 'ŷ')}-{address(first, 'y')})^2"
    assert formula(first, "Δ") == f"={address(first, 'ŷ')}-{address(first, 'y')}"
    update = _cell(formulas, layout, first.updated("W2").keys[3]).value
    assert update == f"={address(first, 'W2', 3, None)}-lr*{address(first, '∂L/∂W2', 3)}"
    # parameters come from Setup in iteration 0, and from the previous update afterwards
    assert formula(first, "W1", 0, None).startswith("=Setup!")
    assert formula(second, "W1", 0, None) == f"='Iteration 0'!{layout.address(first.updated('W1').keys[0])}"
    assert formula(first, "x").startswith("=Setup!")


def test_no_number_of_the_run_is_baked_into_a_formula(books) -> None:
    formulas, _ = books
    structural = {"0", "1", "0.5", "2"}
    seen = 0
    for sheet in formulas.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    literals = re.findall(r"\d+(?:\.\d+)?", REFERENCE.sub("", cell.value))
                    assert set(literals) <= structural, (sheet.title, cell.coordinate, cell.value)
                    seen += 1
    assert seen > 3 * 56


def test_summary_lists_loss_per_iteration_with_a_chart(books, notes_workbook: Path, notes_trace: Trace) -> None:
    _, values = books
    summary = values["Summary"]
    rows = [(r[0].value, r[1].value, r[2].value) for r in summary.iter_rows(min_row=5, max_row=7)]
    assert [r[0] for r in rows] == [0, 1, 2]
    assert [r[2] for r in rows] == pytest.approx([notes_trace.loss(t) for t in range(3)], rel=1e-15)
    with zipfile.ZipFile(notes_workbook) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert "<c:lineChart>" in chart and "Summary!$C$5:$C$7" in chart


def test_labels_use_the_notes_notation(books) -> None:
    formulas, _ = books
    labels = {c.value for c in formulas["Iteration 1"]["A"] if c.value}
    for label in ("O1 = x·W1ᵀ + B1", "f(O1)", "Δ = ∂L/∂ŷ = ŷ − y", "∂L/∂W2 = (∂L/∂B2)ᵀ·f(O1)", "W2 ← W2 − η·∂L/∂W2"):
        assert label in labels


def test_marked_as_written_by_sheetnet(notes_workbook: Path, tmp_path: Path) -> None:
    assert written_by_sheetnet(notes_workbook)
    other = tmp_path / "homework.xlsx"
    openpyxl.Workbook().save(other)
    assert not written_by_sheetnet(other)


def test_replaces_its_own_output_but_not_a_users_file(tmp_path: Path) -> None:
    trace = run(default_network().with_overrides(iters=1))
    target = tmp_path / "out.xlsx"
    write_workbook(trace, target)
    write_workbook(trace, target)  # its own earlier output: replaced without asking
    homework = tmp_path / "homework.xlsx"
    homework.write_bytes(b"my homework")
    with pytest.raises(OutputError, match="not written by sheetnet"):
        write_workbook(trace, homework)
    assert homework.read_bytes() == b"my homework"
    write_workbook(trace, homework, force=True)
    assert written_by_sheetnet(homework)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["homework.xlsx", "out.xlsx"]


def test_output_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a folder"):
        write_workbook(run(default_network()), tmp_path)


def test_non_finite_values_are_cached_as_errors(tmp_path: Path) -> None:
    trace = run(default_network().with_overrides(iters=3, lr=1e200))
    assert trace.first_non_finite() == (1, "L")
    path = write_workbook(trace, tmp_path / "overflow.xlsx")
    values = openpyxl.load_workbook(path, data_only=True)
    cached = [c.value for s in values.worksheets for r in s.iter_rows() for c in r]
    assert "#NUM!" in cached


def test_pages_that_print(tmp_path: Path) -> None:
    """Every sheet prints its own cells a page wide with its name and page number; the rows
    layout repeats its header rows and iteration column on every page; no section of an iteration
    sheet straddles a page break it could have avoided."""
    from sheetnet.spec import load_network

    root = Path(__file__).resolve().parent.parent
    xor = load_network(root / "examples" / "xor.toml")
    rows = openpyxl.load_workbook(write_workbook(run(xor), tmp_path / "rows.xlsx", layout="rows"))
    blocks = openpyxl.load_workbook(
        write_workbook(run(xor.with_overrides(iters=3)), tmp_path / "blocks.xlsx", layout="blocks")
    )
    for book in (rows, blocks):
        for ws in book.worksheets:
            assert ws.print_area, ws.title
            assert "&A" in ws.oddFooter.left.text and "&P" in ws.oddFooter.right.text, ws.title
    training = rows["Training"]
    assert training.print_title_rows == "$3:$4" and training.print_title_cols == "$A:$A"
    assert training.page_setup.orientation == "landscape"
    setup = blocks["Setup"]
    # short enough for one page: fitted to one page wide and tall (1, the default, is left out of the file)
    assert setup.sheet_properties.pageSetUpPr.fitToPage and setup.page_setup.fitToHeight in (None, 1)
    assert setup.page_setup.fitToWidth in (None, 1)
    # XOR's iteration (four samples) is too long for one legible page: a page wide, as many tall as needed
    assert blocks["Iteration 0"].page_setup.fitToHeight == 0
    # the long subtitle is wrapped inside the sheet's columns, not widening the page
    assert any(str(m).startswith("A3:") for m in setup.merged_cells.ranges)
    sheet = blocks["Iteration 0"]
    breaks = [b.id for b in sheet.row_breaks.brk]
    assert breaks, "the four samples' sections of XOR do not fit one page"
    for b in breaks:  # a break falls just before a section header (its row, 1-based, is b + 1)
        assert sheet.cell(b + 1, 1).fill.fgColor.rgb not in (None, "00000000"), b


def test_every_section_band_names_its_columns_and_matrix_rows_their_index(books) -> None:
    formulas, _ = books
    ws = formulas["Iteration 1"]
    bands = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "[0]"]
    assert bands and all(ws.cell(r, 3).value in ("[1]", None) for r in bands)
    labels = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    w2 = labels.index("∂L/∂W2 = (∂L/∂B2)ᵀ·f(O1)")
    assert labels[w2 + 1] == "[1,·]"  # ∂L/∂W2[1,0] is the next row's first number


def test_every_row_of_numbers_has_its_note(tmp_path: Path) -> None:
    """Each quantity row of an iteration sheet says in words what it computes, for every example."""
    from sheetnet.spec import load_network

    root = Path(__file__).resolve().parent.parent
    for example in sorted((root / "examples").glob("*.toml")):
        path = write_workbook(run(load_network(example).with_overrides(iters=2)), tmp_path / f"{example.stem}.xlsx")
        ws = openpyxl.load_workbook(path)["Iteration 0"]
        note_col = max(c.column for row in ws.iter_rows() for c in row if c.value is not None)
        for r in range(1, ws.max_row + 1):
            label, numbers = ws.cell(r, 1).value, [ws.cell(r, c).value for c in range(2, note_col)]
            formulas = [v for v in numbers if isinstance(v, str) and v.startswith("=")]
            if label and not str(label).startswith("[") and formulas:
                assert ws.cell(r, note_col).value, (example.name, label)


def test_formulas_are_stored_as_xlsxwriters_own_worksheet_stores_them(tmp_path: Path, monkeypatch) -> None:
    """`FormulaSheet` skips XlsxWriter's passes over each formula (they change none of sheetnet's):
    every example as blocks, and an exercise with its key and the rows layout's Setup and Summary,
    is the same workbook either way."""
    from xlsxwriter.worksheet import Worksheet

    from sheetnet.exercise import Exercise
    from sheetnet.spec import load_network
    from sheetnet.worksheet import FormulaBook, FormulaSheet

    def parts(path: Path) -> dict[str, bytes]:  # docProps hold the time of writing
        with zipfile.ZipFile(path) as archive:
            return {n: archive.read(n) for n in archive.namelist() if not n.startswith("docProps/")}

    examples = Path(__file__).resolve().parent.parent / "examples"
    cases = [(example.stem, "blocks", None) for example in sorted(examples.glob("*.toml"))]
    cases += [("softmax-3-class", "blocks", Exercise("all", True)), ("xor", "rows", None)]
    written = 0
    for name, layout, exercise in cases:
        trace = run(load_network(examples / f"{name}.toml").with_overrides(iters=2))
        books = []
        for sheet in (FormulaSheet, Worksheet):
            monkeypatch.setattr(FormulaBook, "worksheet_class", sheet)
            path = tmp_path / f"{name}-{layout}-{exercise is not None}-{sheet.__name__}.xlsx"
            books.append(parts(write_workbook(trace, path, layout=layout, exercise=exercise)))
        ours, xlsxwriters = books
        assert ours == xlsxwriters, (name, layout, exercise)
        written += sum(part.count(b"<f>") for part in ours.values())
    assert written > 1000  # formulas were compared, not only empty sheets


def test_formulas_not_sheetnets_are_left_to_xlsxwriter() -> None:
    from xlsxwriter.worksheet import Worksheet

    from sheetnet.worksheet import FormulaSheet

    later = ("=XLOOKUP(A1,B1:B3,C1:C3)", '=IF(A1>0,SORT(B1:B3),"SORT(")', "=STDEV.S(A1:A3)")  # inside ours too
    for formula in (
        "=SUM(A1:A2)",
        "{=SUM(A1:A2*B1:B2)}",
        "=FILTER(A1:A3,B1:B3)",
        "=_xlfn.STDEV.S(A1:A3)",
        "=A1",
        *later,
    ):
        assert FormulaSheet()._prepare_formula(formula) == Worksheet()._prepare_formula(formula), formula
    assert FormulaSheet()._prepare_formula("=STDEV.S(A1:A3)", True) == "_xlfn.STDEV.S(A1:A3)"
