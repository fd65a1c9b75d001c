"""A workbook being built: its cells by "Sheet!A1", each with its iteration and expected value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula
from training import Net


@dataclass
class Cell:
    """One cell as written: what it holds, the iteration it belongs to, and (in a correct workbook) its value."""

    it: int  # the iteration the cell belongs to; -1 for the setup (typed inputs, labels)
    content: object  # a number, a text, a formula "=…", an ArrayFormula, or None (inside an array)
    expect: float | None = None


@dataclass
class Book:
    """A workbook being built: its cells by "Sheet!A1", the roles the checks need, its verdicts."""

    file: str
    net: Net
    network_file: str
    summary: str  # one line for verdicts.tsv and the README
    cells: dict[str, Cell] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # defined names: name → "Sheet!$B$2"
    params: dict[int, dict[str, str]] = field(default_factory=dict)  # iteration → parameter → cell it uses
    updates: dict[int, dict[str, str]] = field(default_factory=dict)  # iteration → parameter → its updated cell
    losses: dict[int, str] = field(default_factory=dict)  # iteration → its loss cell
    seeded: list[str] = field(default_factory=list)  # the cells a slip changed
    probes: set[str] = field(default_factory=set)  # cells only the measuring copies hold (a loss not written)
    first_slip: list[str] = field(default_factory=list)  # with the network file: any of these
    no_network_exit: str = "0"
    no_network_slip: list[str] = field(default_factory=list)
    why: str = ""
    copy_of: str = ""

    def put(self, sheet: str, addr: str, content: object, it: int = -1, expect: float | None = None) -> str:
        """Write `content` at `addr` of `sheet` (made when first used); its key, "Sheet!A1"."""
        if sheet not in self.sheets:
            self.sheets.append(sheet)
        key = f"{sheet}!{addr}"
        self.cells[key] = Cell(it, content, expect)
        return key

    def array(self, sheet: str, area: str, formula: str, it: int, expects: list[float]) -> list[str]:
        """An array formula over a column `area` (one cell per expected value)."""
        first, last = area.split(":")
        col, row = coordinate_from_string(first)
        keys = [self.put(sheet, first, ArrayFormula(area, formula), it, expects[0])]
        for n, value in enumerate(expects[1:], start=1):
            keys.append(self.put(sheet, f"{col}{row + n}", None, it, value))
        assert keys[-1].endswith(last)
        return keys

    def seed(self, key: str, content: object) -> None:
        """A slip: `key` gets `content` instead of the correct formula."""
        self.cells[key].content = content
        self.seeded.append(key)

    def save(self, path: Path, overrides: dict[str, float] | None = None) -> None:
        """Write the workbook with openpyxl (formulas without results); `overrides` put numbers in some cells,
        and make a measuring copy: it holds the probes too."""
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for name in self.sheets:
            wb.create_sheet(name)
        for key, cell in self.cells.items():
            if cell.content is None or (key in self.probes and overrides is None):
                continue
            sheet, addr = split_key(key)
            value = (overrides or {}).get(key, cell.content)
            wb[sheet][addr] = value
        for name, target in self.names.items():
            wb.defined_names[name] = DefinedName(name, attr_text=target)
        for ws in wb.worksheets:
            ws.column_dimensions["A"].width = 16
        wb.save(path)


# A 2-2-1 network's parameters in the order its sheets write them (from column E), and the delta
# rule's update of each in those sheets: parameter ← parameter − η·δ·input, as (its δ column, its
# input column, or None for a bias). The online AND sheet and the XOR blocks share it.
PARAMETERS_221 = ["W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]", "B1[0]", "B1[1]", "W2[0,0]", "W2[0,1]", "B2[0]"]
DELTA_RULE_221 = {
    "W1[0,0]": ("V", "B"),
    "W1[0,1]": ("V", "C"),
    "W1[1,0]": ("W", "B"),
    "W1[1,1]": ("W", "C"),
    "B1[0]": ("V", None),
    "B1[1]": ("W", None),
    "W2[0,0]": ("U", "P"),
    "W2[0,1]": ("U", "Q"),
    "B2[0]": ("U", None),
}


def split_key(key: str) -> tuple[str, str]:
    sheet, _, addr = key.rpartition("!")
    return sheet, addr


def reading_order(book: Book, key: str) -> tuple[int, int, int, int]:
    """The order in which a slip counts as first: its iteration, then the sheet, the row, the column."""
    sheet, addr = split_key(key)
    col, row = coordinate_from_string(addr)
    return (book.cells[key].it, book.sheets.index(sheet), row, column_index_from_string(col))


def display(key: str) -> str:
    """A cell as sheetnet names it: `Sheet1!X5`, `'Epoch 1'!C28` (the sheet quoted when it needs to be)."""
    sheet, addr = split_key(key)
    plain = sheet.replace("_", "").replace(".", "").isalnum()
    return f"{sheet if plain else repr(sheet)}!{addr}"
