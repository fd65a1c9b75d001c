"""A shared formula's text in each cell it fills (`sheetnet.shared_formulas.Planned`) is exactly the
text openpyxl's own `Translator` writes there, and a workbook Excel saved with shared formulas
reads, cell by cell, as openpyxl reads it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.formula.translate import Translator, TranslatorError
from openpyxl.utils.cell import range_boundaries

from sheetnet.book import read_book
from sheetnet.cells.formulas import Formulas
from sheetnet.shared_formulas import Planned

FORMULAS = [
    "=A1",
    "=$A$1+A$1+$A1+a1",  # absolute either way, and a column written in lowercase
    "=SUM(B2:C5)*$D$1",
    "=Sheet2!B7-'Iter 1'!$C3*'It''s'!D4",  # other sheets, quoted, with a quote in the name
    "=SUM(A:A)+SUM($B:C)+SUM(3:4)+SUM($5:6)",  # whole columns and rows
    "=lr*B2+SUM(data)+Sheet1!lr",  # names: they never move
    '=IF(A2>0,"A2 "&B3,C4)',  # a text that looks like a reference does not move
    "=SUMPRODUCT(A1:A3,TRANSPOSE(B1:D1))",
    "=A1:named_end",  # a range that ends at a name
    "=MMULT($A$1:$B$2,C1:C2)",
    "=1/(1+EXP(-A1))",
    "=-A1^2 % ",
    "={1,2;3,4}",
    "=XFD1+ZZZ1",  # the last columns Excel and openpyxl know: moved right, openpyxl refuses
    "hello",  # no formula: a literal
    "=",
]
ORIGINS = ["A1", "B2", "C10", "AA5"]
DESTINATIONS = ["A1", "B2", "B3", "C10", "D2", "AA5", "AB7", "ZZ100", "ZZZ3", "A1048576"]


def _both(formula: str, origin: str, dest: str) -> tuple[str, str]:
    """What openpyxl's translator and the planned one write at `dest`, or the error each raises."""
    out = []
    for kind in (Translator, Planned):
        try:
            out.append(kind(formula, origin).translate_formula(dest))
        except TranslatorError as exc:
            out.append(f"TranslatorError: {exc}")
    return out[0], out[1]


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_planned_translation_writes_what_openpyxl_writes_at_every_cell(formula: str) -> None:
    moved = 0
    for origin in ORIGINS:
        for dest in DESTINATIONS:
            theirs, ours = _both(formula, origin, dest)
            assert ours == theirs, (formula, origin, dest)
            moved += theirs not in (formula, "") and not theirs.startswith("TranslatorError")
    assert moved or formula in ("hello", "=", "=lr*B2+SUM(data)+Sheet1!lr", "={1,2;3,4}", "=1/(1+EXP(-A1))")


def test_a_planned_translation_moves_only_the_relative_parts() -> None:
    """An independent spelling of what a move does, for one formula of every kind of reference."""
    planned = Planned("=SUM($A2:B$3)+Sheet2!C4*'x y'!$D$5+E:E+6:6+lr", "B2")
    assert planned.translate_formula("D5") == "=SUM($A5:D$3)+Sheet2!E7*'x y'!$D$5+G:G+9:9+lr"
    assert planned.translate_formula("B2") == "=SUM($A2:B$3)+Sheet2!C4*'x y'!$D$5+E:E+6:6+lr"


def test_a_move_above_the_first_row_raises_openpyxls_error() -> None:
    with pytest.raises(TranslatorError):
        Planned("=A2+B1", "C3").translate_formula("C2")  # B1 moved up a row: row 0


_COLUMN = st.sampled_from(["A", "b", "Z", "AA", "XFD", "zz"])
_REFERENCE = st.builds(
    lambda sheet, c1, r1, c2, r2, d: (
        sheet + d[0] + c1 + d[1] + str(r1) + ("" if c2 is None else ":" + d[2] + c2 + d[3] + str(r2))
    ),
    st.sampled_from(["", "Sheet2!", "'a b'!"]),
    _COLUMN,
    st.integers(1, 40),
    st.one_of(st.none(), _COLUMN),
    st.integers(1, 40),
    st.tuples(*[st.sampled_from(["", "$"])] * 4),
)
_TERM = st.one_of(_REFERENCE, st.sampled_from(["lr", "Sheet2!lr", "2", '"B3"', "PI()", "A:C", "$3:4", "A1:lr"]))


@settings(max_examples=300, deadline=None)
@given(
    terms=st.lists(_TERM, min_size=1, max_size=5),
    ops=st.lists(st.sampled_from(["+", "-", "*", "/", "^", "&", ","]), min_size=4, max_size=4),
    wrap=st.sampled_from(["{}", "SUM({})", "IF({}>0,{},0)"]),
    origin=st.sampled_from(ORIGINS),
    dest=st.sampled_from(DESTINATIONS),
)
def test_a_made_up_formula_moves_as_openpyxl_moves_it(terms, ops, wrap, origin, dest) -> None:
    body = terms[0] + "".join(op + term for op, term in zip(ops, terms[1:], strict=False))
    formula = "=" + wrap.replace("{}", body) if wrap != "IF({}>0,{},0)" else f"=IF({body}>0,{body},0)"
    theirs, ours = _both(formula, origin, dest)
    assert ours == theirs


def _shared(path: Path, fills: dict[str, str]) -> None:
    """Rewrite the first sheet of `path` so that each range of `fills` is one shared formula, as
    Excel saves a formula filled down or across: its first cell's text, the others pointers."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for index, ref in enumerate(fills):
        first = ref.split(":")[0]
        c1, r1, c2, r2 = range_boundaries(ref)
        for row in range(r1, r2 + 1):
            for col in range(c1, c2 + 1):
                at = f"{openpyxl.utils.get_column_letter(col)}{row}"
                pattern = re.compile(rf'(<c r="{at}"[^>]*>)<f>([^<]*)</f>')
                if at == first:
                    sheet, found = pattern.subn(rf'\1<f t="shared" ref="{ref}" si="{index}">\2</f>', sheet)
                else:
                    sheet, found = pattern.subn(rf'\1<f t="shared" si="{index}"/>', sheet)
                assert found == 1, at
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


FILLS = {  # a fill's range: its first cell's formula, as Excel saves it filled down or across
    "D2:D7": "=A2-lr*B2+'Iter 1'!C2*$C$1",  # a defined name, another sheet, an absolute reference
    "E2:E7": "=SUM(A$2:A2)+SUM(B:B)",  # a range that grows down, and a whole column
    "F3:H3": '=IF(A3>0,"A3",SUMPRODUCT($A1:$A3,B1:B3))',  # a text that looks like a reference
    "D9:F10": "=MMULT(A1:B1,$A$1:$A$2)+Data!C1",  # across and down
    "G5:G7": "=C5",  # a copy
    "H5:H7": "=SUM($A$1:A2)  +  b5",  # a range that grows both ways; spaces and a column openpyxl rewrites
    "I2:I7": "=SUM(A$2:C2)*Data!$B2",  # a range that grows down, across sheets
}
MOVED = {"D2:D7", "D9:F10", "G5:G7", "I2:I7"}  # the fills whose formulas are read as their first cell's moved


@pytest.fixture
def shared_book(tmp_path: Path) -> Path:
    """A workbook whose first sheet holds `FILLS` as Excel saves them: shared formulas."""
    path = tmp_path / "shared.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    other = book.create_sheet("Iter 1")
    for row in range(1, 8):
        for col in range(1, 4):
            sheet.cell(row, col, row * 10 + col)
            other.cell(row, col, -row)
    book.defined_names["lr"] = openpyxl.workbook.defined_name.DefinedName("lr", attr_text="Data!$A$1")
    for ref, formula in FILLS.items():
        first = ref.split(":")[0]
        for row in sheet[ref]:
            for cell in row:
                moved = Translator(formula, first).translate_formula(cell.coordinate)
                cell.value = formula if cell.coordinate == first else moved  # the first as typed
    book.save(path)
    _shared(path, FILLS)
    assert zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").count(b't="shared"') == 6 + 6 + 3 + 6 + 3 + 3 + 6
    return path


def test_a_workbook_of_shared_formulas_reads_as_openpyxl_reads_it(shared_book: Path) -> None:
    """Every cell of fills down and across, of every kind of reference, read by `read_book` has the
    formula openpyxl's own reading gives it (its `Translator`, cell by cell)."""
    read = read_book(shared_book)
    theirs = openpyxl.load_workbook(shared_book)["Data"]
    formulas = {(c.row, c.col): c.formula for c in read.cells["Data"].values() if c.formula}
    assert len(formulas) == 33
    for (row, col), formula in formulas.items():
        assert formula == theirs.cell(row, col).value
    assert formulas[(7, 5)] == "=SUM(A$2:A7)+SUM(B:B)"
    assert formulas[(3, 8)] == '=IF(C3>0,"A3",SUMPRODUCT($A1:$A3,D1:D3))'
    assert formulas[(10, 6)] == "=MMULT(C2:D2,$A$1:$A$2)+Data!E2"
    assert formulas[(7, 8)] == "=SUM($A$1:A4) + B7"  # openpyxl's tokens give one space and `B`
    # the cells filled from a first cell whose text its tokens give back, by that cell
    fills = read.fills["Data"]
    assert fills[(7, 4)] == (2, 4) and fills[(3, 8)] == (3, 6) and fills[(10, 6)] == (9, 4)
    assert len(fills) == 5 + 5 + 2 + 5 + 2 + 5 and (6, 8) not in fills


def test_a_formula_filled_from_a_shared_formulas_first_cell_reads_as_its_own_text_does(shared_book: Path) -> None:
    """Read as its first cell's shape with the references moved (`Book.fills`), each formula of a
    fill has the tree, the cells read, the shape and the copy its own text gives; a fill whose
    text could say otherwise (a whole column, a text in quotes) is read from its text."""
    book = read_book(shared_book)
    moved = Formulas(book)
    fills, book.fills = book.fills, {}
    own = Formulas(book)
    book.fills = fills
    assert set(moved.trees) == set(own.trees) and len(own.trees) == 33
    for pos in own.trees:
        assert moved.trees[pos] == own.trees[pos], pos
        assert moved.shaped(pos) == own.shaped(pos), pos
        assert moved.precedents(pos) == own.precedents(pos), pos
        assert moved.copied(pos) == own.copied(pos), pos
    assert moved.sheet_shape(0) == own.sheet_shape(0) and moved.levels() == own.levels()
    assert moved.copied((0, 7, 7)) == (0, 7, 3)
    assert moved.precedents((0, 7, 5)) == tuple((0, r, 1) for r in range(2, 8))  # A$2:A7; B:B an Area
    assert moved.precedents((0, 7, 9)) == tuple((0, r, c) for r in range(2, 8) for c in range(1, 4))  # B7 in it
    plans = moved.trees._filled._moves  # by a fill's first formula and cell: read moved or from its text
    assert sorted((row, col) for (_, row, col), plan in plans.items() if plan is not None) == sorted(
        (int(ref.split(":")[0][1:]), ord(ref[0]) - 64) for ref in MOVED
    )


# ------------------------------------------------------------------------------ damaged shared formulas

HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
NUMBERS = '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row><row r="2"><c r="A2"><v>3</v></c></row>'


def _written(tmp_path: Path, *sheets: str, name: str = "hand.xlsx") -> Path:
    """A workbook of sheets `S`, `T`, … whose <sheetData> are `sheets`, written as a hostile file would."""
    plain = tmp_path / "plain.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "S"
    for k in range(1, len(sheets)):
        book.create_sheet("STUVW"[k])
    book.save(plain)
    path = tmp_path / name
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            for k, body in enumerate(sheets):
                if item.filename == f"xl/worksheets/sheet{k + 1}.xml":
                    data = f"{HEAD}<worksheet {NS}><sheetData>{body}</sheetData></worksheet>".encode()
            dst.writestr(item, data)
    return path


def _refused_on_reading(path: Path) -> str:
    from sheetnet.book import WorkbookError

    with pytest.raises(WorkbookError) as caught:
        read_book(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message


@pytest.mark.parametrize(
    ("cells", "said"),
    [
        # a cell of a fill with no first cell before it: after its first, on another sheet, of an array
        ('<row r="3"><c r="C3"><f t="shared" si="0"/><v>7</v></c></row>', 'S!C3 is a cell of shared formula si="0"'),
        (
            '<row r="3"><c r="C3"><f t="shared" si="0"/><v>7</v></c><c r="D3"><f t="shared" ref="C3:D3" si="0">A1</f>'
            "<v>1</v></c></row>",
            'S!C3 is a cell of shared formula si="0", but no cell before it',
        ),
        ('<row r="3"><c r="C3"><f t="shared" ref="C3:C4" si="0"/><v>7</v></c></row>', "S!C3 is a cell"),
        (
            '<row r="3"><c r="C3"><f t="array" ref="C3:C4" si="0">A1:A2*2</f><v>2</v></c></row>'
            '<row r="4"><c r="C4"><f t="shared" si="0"/><v>6</v></c></row>',
            "S!C4 is a cell of shared formula",
        ),
        # a first cell openpyxl's tokenizer cannot read, one moved above row 1, left of column A, right of ZZZ
        ('<row r="3"><c r="C3"><f t="shared" ref="C3:C4" si="0">"abc</f><v>1</v></c></row>', "S!C3 holds a shared"),
        (
            '<row r="3"><c r="C3"><f t="shared" ref="C3:D3" si="0">A1+B2</f><v>5</v></c></row>'
            '<row r="2"><c r="C2"><f t="shared" si="0"/><v>7</v></c></row>',
            "S!C2 is a cell of the shared formula =A1+B2 of C3",
        ),
        (
            '<row r="3"><c r="B3"><f t="shared" ref="B3:C3" si="0">A1</f><v>1</v></c><c r="A3"><f t="shared" si="0"/>'
            "<v>7</v></c></row>",
            "fall off the sheet (above row 1, left of column A",
        ),
        (
            '<row r="3"><c r="C3"><f t="shared" ref="C3:D3" si="0">ZZZ1</f><v>1</v></c><c r="D3"><f t="shared" si="0"/>'
            "<v>7</v></c></row>",
            "S!D3 is a cell of the shared formula =ZZZ1 of C3, whose references moved there fall off the sheet",
        ),
        # a value its type cannot hold
        ('<row r="3"><c r="C3" t="n"><v>abc</v></c></row>', "S!C3 holds 'abc', which is not a number"),
        ('<row r="3"><c r="C3" t="b"><v>x</v></c></row>', "S!C3 holds 'x', which is not a boolean"),
        ('<row r="3"><c r="C3" t="s"><v>99</v></c></row>', "S!C3 holds '99', which is not a shared string's index"),
        ('<row r="3"><c r="C3" t="d"><v>soon</v></c></row>', "S!C3 holds 'soon', which is not a date"),
        (
            '<row r="3"><c r="C3"><f t="dataTable" r1="A1"/><v>1</v></c></row>',
            "S!C3 holds a formula that cannot be read",
        ),
        # a cell no spreadsheet can hold, or no cell's address
        ('<row r="3"><c r="XFE3"><v>1</v></c></row>', "S!XFE3 is outside the sheet (rows 1 to 1,048,576, columns A"),
        ('<row r="3"><c r="A0"><v>1</v></c></row>', "S!A0 is outside the sheet"),
        ('<row r="3"><c r="$A$3"><v>1</v></c></row>', "S!$A$3 is no cell's address"),
    ],
)
def test_a_damaged_cell_is_refused_naming_it(tmp_path: Path, cells: str, said: str) -> None:
    assert said in _refused_on_reading(_written(tmp_path, NUMBERS + cells))


def test_a_fill_of_another_sheets_shared_formula_is_refused(tmp_path: Path) -> None:
    """`si` numbers a sheet's shared formulas: the same number on another sheet is none of them."""
    fill = '<row r="3"><c r="C3"><f t="shared" ref="C3:C4" si="0">A1</f><v>1</v></c></row>'
    fill += '<row r="4"><c r="C4"><f t="shared" si="0"/><v>3</v></c></row>'
    other = NUMBERS + '<row r="4"><c r="C4"><f t="shared" si="0"/><v>3</v></c></row>'
    message = _refused_on_reading(_written(tmp_path, NUMBERS + fill, other))
    assert 'T!C4 is a cell of shared formula si="0"' in message


def test_a_damaged_shared_formula_is_one_line_from_every_command(tmp_path: Path) -> None:
    from capped import refused, sheetnet

    path = _written(tmp_path, NUMBERS + '<row r="3"><c r="C3"><f t="shared" si="4"/><v>7</v></c></row>')
    for args in (["check", path.name], ["diff", path.name, path.name], ["init", "--from", path.name, "n.toml"]):
        refused(sheetnet(*args, cwd=tmp_path), path.name, 'S!C3 is a cell of shared formula si="4"')
    assert not (tmp_path / "n.toml").exists()


def test_a_fill_whose_first_cell_is_written_again_is_read_from_each_cells_text(tmp_path: Path) -> None:
    """A first cell written twice (the second wins, as in openpyxl) is not what its fill moves:
    each cell of the fill is read from its own text (`=A2*2`), never as the later formula moved."""
    cells = '<row r="3"><c r="C3"><f t="shared" ref="C3:C4" si="0">A1*2</f><v>2</v></c>'
    cells += '<c r="C3"><f>B1*100</f><v>200</v></c></row><row r="4"><c r="C4"><f t="shared" si="0"/><v>6</v></c></row>'
    book = read_book(_written(tmp_path, NUMBERS + cells))
    assert book.cells["S"][(3, 3)].formula == "=B1*100" and book.cells["S"][(4, 3)].formula == "=A2*2"
    assert book.fills["S"] == {}
    formulas = Formulas(book)
    assert formulas.precedents((0, 4, 3)) == ((0, 2, 1),)  # A2, not B2


def test_a_cell_of_a_fill_written_again_is_read_as_written_last(tmp_path: Path) -> None:
    cells = '<row r="3"><c r="C3"><f t="shared" ref="C3:C5" si="0">A1*2</f><v>2</v></c></row><row r="4">'
    cells += '<c r="C4"><f t="shared" si="0"/><v>6</v></c><c r="C4"><f>B1*100</f><v>200</v></c></row>'
    cells += '<row r="5"><c r="C5"><f t="shared" si="0"/><v>10</v></c></row>'
    book = read_book(_written(tmp_path, NUMBERS + cells))
    assert book.cells["S"][(4, 3)].formula == "=B1*100" and book.fills["S"] == {(5, 3): (3, 3)}
    formulas = Formulas(book)
    assert formulas.precedents((0, 4, 3)) == ((0, 1, 2),)  # B1, not A2
    assert formulas.precedents((0, 5, 3)) == ((0, 3, 1),)


def test_an_empty_formula_or_a_data_tables_keeps_its_saved_value(tmp_path: Path) -> None:
    cells = '<row r="3"><c r="C3"><f/><v>5</v></c>'
    cells += '<c r="D3"><f t="dataTable" ref="D3:E4" dt2D="1" dtr="1" r1="A1" r2="A2"/><v>8</v></c></row>'
    book = read_book(_written(tmp_path, NUMBERS + cells))
    assert [(c.value, c.formula) for c in (book.cells["S"][(3, 3)], book.cells["S"][(3, 4)])] == [(5, None), (8, None)]


def test_a_shared_formula_in_cells_without_r_is_moved_where_they_are(tmp_path: Path) -> None:
    """`r` is optional on a cell: openpyxl cannot read a fill's first cell without one, and leaves
    a later cell unmoved; sheetnet moves it to where the row's count puts it."""
    rows = '<row r="1"><c><v>1</v></c><c><f t="shared" ref="B1:B2" si="0">A1*2</f><v>2</v></c></row>'
    rows += '<row r="2"><c><v>3</v></c><c><f t="shared" si="0"/><v>6</v></c></row>'
    book = read_book(_written(tmp_path, rows))
    assert book.cells["S"][(2, 2)].formula == "=A2*2" and book.fills["S"] == {(2, 2): (1, 2)}


def test_a_shared_formulas_text_written_out_in_every_cell_is_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fill writes its first cell's text in each of its cells: a file of a few KiB (a long first
    formula, thousands of 25-byte pointers to it) would otherwise read as gigabytes of formulas."""
    import sheetnet.book

    first = "+".join(f"A{k}" for k in range(1, 200))  # 886 characters
    rows = [
        f'<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B50" si="0">{first}</f><v>1</v></c></row>'
    ]
    rows += [f'<row r="{r}"><c r="B{r}"><f t="shared" si="0"/><v>1</v></c></row>' for r in range(2, 51)]
    path = _written(tmp_path, "".join(rows))
    assert len(read_book(path).cells["S"]) == 51
    monkeypatch.setattr(sheetnet.book, "MAX_FORMULA_TEXT", 40 * len(first))
    assert f"hold more than {40 * len(first):,} characters" in _refused_on_reading(path)  # 40 of its 50 cells
