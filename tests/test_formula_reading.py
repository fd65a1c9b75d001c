"""Reading formulas for `diff`: R1C1 keys, same-cell keys, the rectangles a formula reads, and the
reverse-dependency graph walked from a change."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.formula.tokenizer import Token, Tokenizer

from sheetnet.book import Book, Cell, column_letter
from sheetnet.cells.dependents import EXPANDED_AREA, Dependents
from sheetnet.cells.formulas import Rectangles
from sheetnet.diff import keyed_tokens, relative_key, seen_from
from sheetnet.formula import parse, rectangles
from sheetnet.limits import SHEET_COLUMNS, SHEET_ROWS


def same_key(formula: str, sheet: str, row: int, col: int) -> tuple[object, ...]:
    return seen_from(relative_key(formula, sheet, row, col), row, col)


def test_a_formula_filled_down_or_across_has_one_relative_key() -> None:
    down = [relative_key(f"=E{r - 1}-($G$33*X{r - 1})", "S", r, 5) for r in range(37, 40)]
    across = [relative_key(f"={c}36-($G$33*{x}36)", "S", 37, col) for col, c, x in ((6, "F", "Y"), (7, "G", "Z"))]
    assert len({*down, *across}) == 1
    # the same text one row lower is another formula: its relative references point elsewhere
    assert relative_key("=E36-($G$33*X36)", "S", 38, 5) != down[0]
    # a `$` row stays put: filled down, `$G$33` is not `G34`
    assert relative_key("=E37-($G$34*X37)", "S", 38, 5) != down[0]


def test_formulas_of_one_cell_are_the_same_when_they_point_at_the_same_cells() -> None:
    def same(a: str, b: str) -> bool:
        return same_key(a, "Sheet1", 2, 2) == same_key(b, "Sheet1", 2, 2)

    assert same("=$A$1*2", "=A1*2")
    assert same("=Sheet1!A1", "=a1")  # its own sheet, named or not
    assert same("=SUM(A1:B3)", "=sum( $B$3:A1 )")  # a range by its cells, whichever corner comes first
    assert same("=_xlfn.STDEV.S(A1:A3)", "=STDEV.S(A1:A3)")
    assert same("=A:A", "=$A:A")
    assert not same("=A1+B1", "=B1+A1")
    assert not same("=Sheet2!A1", "=A1")
    assert not same('=IF(A1>0,"a b","")', '=IF(A1>0,"ab","")')  # text in quotes as written
    assert not same("=lr*A1", "=$B$6*A1")  # a name is not the cell it names
    assert not same('="ID007"&A1', '="ID7"&A1') and same('="ID7"&A007', '="ID7"&A7')


def test_the_rectangles_a_formula_reads() -> None:
    read = Rectangles(["S", "Sheet 2"], {"lr": ("Sheet 2", 6, 2)})
    formula = "=SUM(A:A)+SUM($3:4)+lr*'Sheet 2'!B2:A1+[1]S!A1+S:Sheet2!A1+nothing+SUM(s!C1:C500)"
    assert read(formula, 0) == [
        (0, 1, 1, SHEET_ROWS, 1),
        (0, 3, 1, 4, SHEET_COLUMNS),
        (1, 1, 1, 2, 2),
        (0, 1, 3, 500, 3),  # kept whole, its sheet named in another case
        (1, 6, 2, 6, 2),  # lr
    ]
    assert read("=Missing!A1+'Sheet 2'!A1", 1) == [(1, 1, 1, 1, 1)]
    for broken in ('="unclosed', "=A1+[", "=))", "=SUM((", "=A1\x00"):
        assert isinstance(read(broken, 0), list)
        assert relative_key(broken, "S", 1, 1)  # read as text, never an exception
    # a formula the tree parser refuses still reads what its tokens name
    assert read("=A1+{1,2}+B2" + "+0" * 1000, 0) == [(0, 1, 1, 1, 1), (0, 2, 2, 2, 2)]


# ----------------------------------------------------------------- formulas made up by hypothesis


@dataclass(frozen=True)
class _Ref:
    sheet: str  # "" for the formula's own
    col: int
    col_absolute: bool
    row: int
    row_absolute: bool

    def text(self, down: int) -> str:
        """As written in the cell `down` rows below the first: filled down, a relative row moves."""
        row = self.row if self.row_absolute else self.row + down
        return f"{'$' if self.col_absolute else ''}{column_letter(self.col)}{'$' if self.row_absolute else ''}{row}"


_SHEETS = ["S", "Sheet2", "It 0"]


def _references(sheets: list[str]) -> st.SearchStrategy[_Ref]:
    return st.builds(_Ref, st.sampled_from(sheets), st.integers(1, 5), st.booleans(), st.integers(1, 30), st.booleans())


_refs = _references(["", "Sheet2!", "'It 0'!"])
_Atom = str | _Ref | tuple[_Ref, _Ref]
_atoms: st.SearchStrategy[_Atom] = st.one_of(
    _refs,
    st.tuples(_refs, _references([""])),  # a range: its sheet named once, before the first corner
    st.sampled_from(["2", "0.5", "1E-3", "10", '"A1"', '"x7 y"', "lr", "rate7", "TRUE"]),
)
_formulas = st.lists(st.tuples(st.sampled_from(["+", "-", "*", "/", "^", "&", ","]), _atoms), min_size=1, max_size=8)


def _render(parts: list[tuple[str, _Atom]], down: int) -> str:
    """`=` and the atoms joined by their operators; a range inside SUM(…), a comma splits MAX(…)."""
    text = ""
    for i, (op, atom) in enumerate(parts):
        if isinstance(atom, _Ref):
            written = atom.sheet + atom.text(down)
        elif isinstance(atom, tuple):
            written = f"SUM({atom[0].sheet}{atom[0].text(down)}:{atom[1].text(down)})"
        else:
            written = atom
        if i == 0:
            text = written
        elif op == ",":
            text = f"MAX({text},{written})"
        else:
            text = f"{text}{op}{written}"
    return "=" + text


@settings(max_examples=150, deadline=None)
@given(_formulas, st.integers(40, 60), st.integers(1, 30))
def test_a_made_up_formula_filled_down_keeps_its_relative_key(
    parts: list[tuple[str, _Atom]], row: int, down: int
) -> None:
    first, lower = _render(parts, 0), _render(parts, down)
    # relative_key reuses what it read for an earlier formula of the same pattern: it must agree
    # with reading each formula afresh
    for formula, r in ((first, row), (lower, row + down)):
        assert relative_key(formula, "S", r, 3) == tuple(t.relative for t in keyed_tokens(formula, "S", r, 3))
    assert relative_key(first, "S", row, 3) == relative_key(lower, "S", row + down, 3)
    # tokens come back as openpyxl's tokenizer reads the formula itself
    direct = [t.value for t in Tokenizer(lower).items if t.type != Token.WSPACE]
    assert [t.text for t in keyed_tokens(lower, "S", row + down, 3)] == direct


@settings(max_examples=150, deadline=None)
@given(_formulas, st.integers(0, 30))
def test_a_made_up_formula_reads_the_rectangles_sheetnets_formula_parser_finds(
    parts: list[tuple[str, _Atom]], down: int
) -> None:
    formula = _render(parts, down)
    names = {"lr": ("Sheet2", 6, 2)}
    oracle = sorted(rectangles(parse(formula, 0, _SHEETS, names)))
    read = Rectangles(_SHEETS, names)
    for _ in range(2):  # the second time through the pattern already planned
        assert sorted(read(formula, 0)) == oracle


# ----------------------------------------------------------------------------------- dependents


def _book(sheets: dict[str, dict[str, object]]) -> Book:
    """A Book in memory: "=…" is a formula (its value left out), anything else a typed value."""
    book = Book(Path("mem.xlsx"), list(sheets), names={"lr": ("Setup", 1, 1)})
    for sheet, cells in sheets.items():
        book.cells[sheet] = {}
        for where, content in cells.items():
            col = "".join(ch for ch in where if ch.isalpha())
            row = int(where[len(col) :])
            number = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(col)))
            formula = content if isinstance(content, str) and content.startswith("=") else None
            book.cells[sheet][(row, number)] = Cell(sheet, row, number, None if formula else content, formula)
    return book


def test_what_depends_on_a_cell_through_cells_ranges_whole_columns_names_and_sheets() -> None:
    column = {f"A{r}": f"=Setup!A1*{r}" for r in range(1, 501)}  # each reads η through the sheet
    book = _book(
        {
            "Setup": {"A1": 0.1, "B1": 2},
            "Work": {
                **column,
                "B1": "=SUM(A1:A500)",  # 500 cells: a range kept whole
                "B2": "=SUM(A1:A3)",  # a small range, an edge per cell
                "B3": "=MAX(C:C)",  # a whole column
                "C7": "=lr*2",  # a name of one cell
                "D1": "=B1+B3",
                "E1": "=Setup!B1",  # reads nothing that changes
            },
            "Out": {"A1": "=Work!D1", "A2": "=Work!E1"},
        }
    )
    graph = Dependents(book)
    assert len(graph.wide) == 2 and EXPANDED_AREA < 500  # SUM(A1:A500) and MAX(C:C)
    reached = graph.reach([((0, 1, 1), "η")])
    names = {(book.sheets[s], f"{column_letter(c)}{r}") for s, r, c in reached}
    assert names == (
        {("Setup", "A1")}
        | {("Work", f"A{r}") for r in range(1, 501)}
        | {("Work", cell) for cell in ("B1", "B2", "B3", "C7", "D1")}
        | {("Out", "A1")}
    )
    # from B1 (typed) only what reads it
    assert set(graph.reach([((0, 1, 2), "b")])) == {(0, 1, 2), (1, 1, 5), (2, 2, 1)}


def test_a_cell_reached_from_two_changes_follows_the_nearer() -> None:
    book = _book({"S": {"A1": 1, "B1": "=A1", "C1": "=B1", "D1": "=C1+A2", "A2": 2, "E1": "=D1"}})
    labels = Dependents(book).reach([((0, 1, 1), "far"), ((0, 2, 1), "near")])
    assert labels[(0, 1, 4)] == "near" and labels[(0, 1, 5)] == "near" and labels[(0, 1, 3)] == "far"


def test_the_cells_an_array_formula_fills_depend_on_its_anchor() -> None:
    book = _book({"S": {"A1": 1, "A2": 2, "B1": "=TRANSPOSE(A1:A2)", "C2": "=C1*2"}})
    book.cells["S"][(1, 2)] = Cell("S", 1, 2, 1, "=TRANSPOSE(A1:A2)", array="B1:C1")
    reached = Dependents(book).reach([((0, 2, 1), "a2")])
    assert set(reached) == {(0, 2, 1), (0, 1, 2), (0, 1, 3), (0, 2, 3)}  # A2, B1, its C1, and C2 reading C1
