"""Read any workbook a person brings: its cells' values, formulas and how precisely numbers are written.

openpyxl reads .xlsx and .xlsm (formulas, and the values cached by the program that saved them).
.ods and old .xls files go through LibreOffice first. Whatever goes wrong while reading
becomes one `WorkbookError` line (exit 2), never a traceback.

Every cell reads as openpyxl reads it (`load_workbook(read_only=True)`: its saved value, and its
formula with `data_only=False`) but where openpyxl reads a damaged file wrongly or without saying
where: a shared formula's cell with no first cell before it on its sheet, a first cell with no
text or text openpyxl's tokenizer refuses, a fill moved off the sheet, a value its type cannot
hold (`t="n"` with text), a data table's `<f>` without its attributes and a cell outside the sheet
(row 0, past XFD) are refused naming the cell; a cell without `r` is moved to where the parser
counts it; an empty `<f/>` or a data table's `<f t="dataTable"/>` is its saved value.
"""

from __future__ import annotations

import functools
import math
import re
import shutil
import stat
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sheetnet import archive as archive_directory
from sheetnet import limits
from sheetnet.collector import quiet
from sheetnet.errors import SheetnetError
from sheetnet.spec import EXERCISE_PROPERTY, KEY_SHEET, NETWORK_PROPERTY

Pos = tuple[int, int, int]  # where a cell is: its sheet's index in the book's order, its row, its column (1-based)
# a reference to one cell as a formula writes it (`$H$31`, `b6`): its $, column, $, row
CELL = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)(\d+)$")

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
_ROUNDING = re.compile(r"\b(ROUND|ROUNDUP|ROUNDDOWN|TRUNC|INT|FIXED|MROUND|FLOOR|CEILING)\s*\(", re.IGNORECASE)
_ROUNDING_WORDS = ("ROUND", "TRUNC", "INT", "FIXED", "FLOOR", "CEILING")  # one is in each name `_ROUNDING` finds

# A typed number with at least this many significant digits was not rounded by hand.
FULL_PRECISION_DIGITS = 10

# Bounds on what a workbook from anywhere may make sheetnet do (issue: untrusted workbooks).
MAX_MEMBER = 64 * 2**20  # bytes one part of the archive may inflate to (a blocks workbook's largest sheet: 18 MiB)
MAX_TOTAL = 128 * 2**20  # bytes all parts together may inflate to
# characters of every formula, each written out in its cell: a shared formula's text is written in
# every cell of its fill (`<f t="shared" si="0"/>`, 25 bytes), so a file of a few KiB could make
# gigabytes of formulas; bounded as the parts are, it makes no more than plain formulas can
MAX_FORMULA_TEXT = MAX_TOTAL
MAX_MEMBERS = archive_directory.ENTRIES
MAX_SHEETS = 1_000
NOT_A_NUMBER = "#NUM!"  # what a cell shows whose number is infinite or not a number (1e999 cached)


class WorkbookError(SheetnetError):
    """A file that cannot be read as a workbook."""


_UNKNOWN = object()  # a value not yet worked out


@dataclass
class Cell:
    """One non-empty cell: its value (the cached result for a formula) and its formula, if any."""

    sheet: str
    row: int
    col: int
    value: Any
    formula: str | None = None
    array: str | None = None  # an array formula's anchor: the range it fills (`J5:J8`)

    @property
    def address(self) -> str:
        return cell_address(self.sheet, self.row, self.col)

    @property
    def coordinate(self) -> str:
        """`B7`: the address without the sheet."""
        return f"{column_letter(self.col)}{self.row}"

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, int | float) and not isinstance(self.value, bool)

    @property
    def decimals(self) -> int | None:
        """How many decimals a rounded number was written with; None for one at full precision.

        A formula's result is at full precision unless the formula rounds it. A typed number
        counts as rounded when it has fewer than `FULL_PRECISION_DIGITS` significant digits.
        Worked out once per cell (kept in the cell's own dictionary: `functools.cached_property`
        takes a lock on every read in Python 3.11, and check reads this for every number).
        """
        known = self.__dict__.get("_decimals", _UNKNOWN)
        if known is not _UNKNOWN:
            return known
        if self.formula is not None and not _rounds(self.formula):
            known = None
        else:
            known = written_decimals(float(self.value))
        self.__dict__["_decimals"] = known
        return known


def _rounds(formula: str) -> bool:
    """True where a formula calls a function that rounds (`_ROUNDING`). Its names are looked for
    as plain text first, the pattern only where one is: most formulas have none (a quarter of
    the cost)."""
    if "(" not in formula:
        return False
    upper = formula.upper()
    for word in _ROUNDING_WORDS:
        if word in upper:
            return _ROUNDING.search(formula) is not None
    return False


def written_decimals(number: float) -> int | None:
    """How many decimals a finite `number` is written with at its shortest (`repr`), trailing
    zeros dropped (0 for 0 and for a whole number); None where it has `FULL_PRECISION_DIGITS`
    significant digits or more. What `Decimal(repr(number)).normalize()` says, read off the text
    (`1e-05`, `1.5e+20`, `-0.0`): a typed number's costs a tenth as much."""
    text = repr(number)
    mantissa, _, power = text.partition("e")
    whole, _, fraction = mantissa.lstrip("-").partition(".")
    if not (whole + fraction).isdigit():
        raise ValueError(f"no decimals for {text}")
    coefficient = (whole + fraction).lstrip("0")
    significant = coefficient.rstrip("0")
    if not significant:
        return 0  # 0 and −0: Decimal's (0,) at exponent 0
    if len(significant) >= FULL_PRECISION_DIGITS:
        return None
    return max(0, len(fraction) - len(coefficient) + len(significant) - int(power or 0))


@dataclass
class Book:
    """A workbook's cells, sheet by sheet, in the order the file lists its sheets."""

    path: Path
    sheets: list[str]
    cells: dict[str, dict[tuple[int, int], Cell]] = field(default_factory=dict)
    formulas_without_value: int = 0
    formula_cells: int = 0
    formula_chars: int = 0  # of every formula, written out in its cell
    cells_read: int = 0
    names: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # defined names of one cell, lowercase
    written: bool = False  # sheetnet wrote it: its network is on its Setup sheet
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # what is worked out once per book
    properties: dict[str, str] = field(default_factory=dict)  # custom document properties (sheetnet's network kind)
    exercise: str | None = None  # of an exercise sheetnet wrote (`run --exercise`): its part, "all", "update, no key"
    # by sheet: a cell Excel saved as one of a shared formula's fill (`<f t="shared" si="0"/>`) → the
    # fill's first cell (row, column), where the formula is that cell's with its references moved
    # (`shared_formulas.Planned.exact`): what it computes can be read from that cell's
    fills: dict[str, dict[tuple[int, int], tuple[int, int]]] = field(default_factory=dict, repr=False)

    def kept(self, name: str, make: Callable[[Book], Any]) -> Any:
        """What `make` works out of the book (its formulas, its grid, its labels), worked out the
        first time it is asked for and kept with the book under `name`."""
        if name not in self.derived:
            self.derived[name] = make(self)
        return self.derived[name]

    def numbers(self) -> list[Cell]:
        """Every cell holding a number, sheet by sheet, row by row."""
        return [c for sheet in self.sheets for c in self.cells[sheet].values() if c.is_number]


def column_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_number(letters: str) -> int:
    """1 for `A`, 28 for `AB`: `column_letter` turned back."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def cell_address(sheet: str, row: int, col: int) -> str:
    """`Sheet1!B7`, or `'Iteration 0'!B7` when the sheet's name needs quotes."""
    return f"{_sheet_prefix(sheet)}{column_letter(col)}{row}"


def _sheet_prefix(sheet: str) -> str:
    """`Sheet1!`, or `'Iteration 0'!` when the sheet's name needs quotes."""
    name = sheet if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", sheet) else "'" + sheet.replace("'", "''") + "'"
    return name + "!"


@quiet
def read_book(path: str | Path, *, recalc: bool = False, timeout: float = 180) -> Book:
    """Read `path`: values, formulas and sheets. `recalc` recalculates it in LibreOffice first.

    .ods and .xls files are converted by LibreOffice (and recalculated only with `recalc`).
    """
    path = Path(path)
    kind = _sniff(path)
    if recalc or kind in ("ods", "xls"):
        from sheetnet.libreoffice import recalculate

        with tempfile.TemporaryDirectory(prefix="sheetnet-read-") as tmp:
            # LibreOffice names its output after the input's stem: copy under a fixed name.
            suffix = path.suffix.lower()
            source = Path(tmp) / ("in" + (suffix if suffix in (".xlsx", ".xlsm", ".ods", ".xls") else "." + kind))
            try:
                shutil.copyfile(path, source)  # in pieces: never the whole file in memory
            except OSError as exc:
                raise WorkbookError(
                    f"{path}: cannot copy it to a temporary folder for LibreOffice: {exc.strerror or exc}"
                ) from None
            try:
                (converted,) = recalculate([source], Path(tmp) / "out", timeout=timeout, force=recalc)
            except SheetnetError as exc:
                raise WorkbookError(f"{path}: {exc}") from None
            book = _read_xlsx(converted, shown_as=path)
        book.path = path
        return book
    return _read_xlsx(path, shown_as=path)


def _sniff(path: Path) -> str:
    """'xlsx' (also .xlsm), 'ods' or 'xls', from the file's bytes; anything else is refused.
    Only a regular file is opened: a device could be read forever, a pipe would block."""
    try:
        if not stat.S_ISREG(path.stat().st_mode) and not path.is_dir():
            raise WorkbookError(f"{path}: not a regular file (a device, a pipe or a socket), not a workbook")
        with path.open("rb") as handle:
            head = handle.read(8)
            handle.seek(0)
            whole_start = handle.read(1 << 20)
    except FileNotFoundError:
        raise WorkbookError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise WorkbookError(f"{path}: is a directory, not a workbook") from None
    except OSError as exc:
        raise WorkbookError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not head:
        raise WorkbookError(f"{path}: the file is empty, not a workbook")
    if head.startswith(_OLE2_MAGIC):
        if _ENCRYPTED_MARK in whole_start:
            raise WorkbookError(
                f"{path}: the workbook is password-protected; open it, remove the password "
                "(File > Info > Protect Workbook in Excel) and save a copy"
            )
        return "xls"
    if not head.startswith(b"PK"):
        raise WorkbookError(f"{path}: not a workbook (expected an .xlsx, .xlsm, .ods or .xls file)")
    try:
        found = archive_directory.directory(path)
        if found is not None and not found.fits:
            raise WorkbookError(
                f"{path}: the archive's directory lists {found.entries:,} parts in {found.size / 2**20:,.1f} MiB; "
                f"sheetnet reads at most {archive_directory.ENTRIES:,} parts and "
                f"{archive_directory.DIRECTORY_BYTES / 2**20:,.0f} MiB of directory (refused)"
            )
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _check_archive(path, members)
            names = {m.filename for m in members}
            if "mimetype" in names and b"spreadsheet" in archive.read("mimetype")[:100]:
                return "ods"
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise WorkbookError(f"{path}: the file is damaged or truncated (not a readable zip archive)") from None
    if "xl/workbook.xml" not in names:
        raise WorkbookError(f"{path}: a zip archive but not a spreadsheet (no xl/workbook.xml)")
    return "xlsx"


def _check_archive(path: Path, members: list[zipfile.ZipInfo]) -> None:
    """Refuse, from the zip's own directory and before inflating anything, what no workbook needs:
    a member that would inflate to more than MAX_MEMBER bytes (a zip bomb), more than MAX_SHEETS
    sheets, more than MAX_MEMBERS parts."""
    if len(members) > MAX_MEMBERS:
        raise WorkbookError(f"{path}: the archive has {len(members):,} parts; a workbook has far fewer (refused)")
    sheets = sum(m.filename.startswith(("xl/worksheets/", "xl/chartsheets/")) for m in members)
    if sheets > MAX_SHEETS:
        raise WorkbookError(f"{path}: {sheets:,} sheets; sheetnet reads at most {MAX_SHEETS:,} (refused)")
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > MAX_MEMBER or total > MAX_TOTAL:
            raise WorkbookError(
                f"{path}: {member.filename} would inflate to {member.file_size / 2**20:,.0f} MiB "
                f"({total / 2**20:,.0f} MiB in all); sheetnet reads at most {MAX_MEMBER / 2**20:,.0f} MiB per part "
                f"and {MAX_TOTAL / 2**20:,.0f} MiB in all (refused: it may be a zip bomb, or a workbook of more than "
                f"{limits.READ_CELLS:,} cells, more than sheetnet reads)"
            )


# Elements counted in every part of a workbook before openpyxl reads any of it: openpyxl holds the
# shared strings, the styles, the relationships and the names whole, and a few hundred kilobytes
# can inflate to millions of them. A tag may carry any namespace prefix (`<x:c>`).
_PREFIX = rb"<(?:[^\s<>/:!?]+:)?"
_COUNTED = {
    "cells": (re.compile(_PREFIX + rb"c[\s>/]"), "READ_CELLS"),
    "shared strings": (re.compile(_PREFIX + rb"si[\s>/]"), "READ_STRINGS"),
    "cell formats": (re.compile(_PREFIX + rb"d?xf[\s>/]"), "READ_STYLES"),
    "sheets": (re.compile(_PREFIX + rb"sheet[\s>/]"), "READ_SHEETS"),
    # what cells and strings are made of: a cell holds two or three (<v>, <f>; its <row>), a string one or two
    "values, formulas, rows and runs of text": (re.compile(_PREFIX + rb"(?:v|f|row|is|t|r)[\s>/]"), "READ_CELL_PARTS"),
}
_CHUNK = 1 << 20
_BINARY = (".png", ".jpeg", ".jpg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".bin", ".svg")


# a UTF-16 or UTF-32 byte-order mark, or "<" followed by a character in either
_WIDE_START = re.compile(rb"\xff\xfe|\xfe\xff|\x00\x00\xfe\xff|<\x00[^\x00]\x00|<\x00\x00\x00|\x00<|\x00\x00\x00<")


def _xml_encoding(start: bytes) -> str | None:
    """ "utf-8" if a part's first bytes are XML as every spreadsheet program writes it (UTF-8, or
    ASCII, maybe after a byte-order mark), "wide" if they are XML in UTF-16 or UTF-32, else None."""
    text = start.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if _WIDE_START.match(text):
        return "wide"
    return "utf-8" if text.startswith(b"<") else None


def _check_counts(path: Path, shown_as: Path) -> None:
    """Refuse a workbook with more cells, shared strings, cell formats or sheets than `limits`
    allows, or more elements of anything else (merged ranges, conditional formats, relationships,
    names, fonts, properties), counted from every part's bytes as it inflates, whatever the part
    holds besides (each cell once), before openpyxl reads it."""
    counts = dict.fromkeys(_COUNTED, 0)
    tags = 0  # every element of every part
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                if member.is_dir():
                    continue
                with archive.open(member) as part:
                    chunk = part.read(_CHUNK)
                    encoding = _xml_encoding(chunk)
                    if encoding == "wide":  # the patterns below would not see a tag of it
                        raise WorkbookError(
                            f"{shown_as}: {member.filename} is XML in UTF-16 or UTF-32, which no spreadsheet "
                            "program writes (refused)"
                        )
                    if encoding is None and member.filename.lower().endswith(_BINARY):
                        continue  # an image; a part named like one but holding XML is counted
                    rest = b""
                    while True:
                        data = rest + chunk
                        cut = data.rfind(b"<") if chunk else len(data)  # a tag is never split between reads
                        cut = len(data) if cut < 0 else cut
                        block = data[:cut]
                        for what, (pattern, _) in _COUNTED.items():
                            counts[what] += len(pattern.findall(block))
                        tags += block.count(b"<") - block.count(b"</") - block.count(b"<?") - block.count(b"<!")
                        rest = data[cut:]
                        if not chunk:
                            break
                        chunk = part.read(_CHUNK)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error):
        raise WorkbookError(f"{shown_as}: the file is damaged or truncated (not a readable zip archive)") from None
    for what, (_, name) in _COUNTED.items():
        limit = getattr(limits, name)
        if counts[what] > limit:
            raise WorkbookError(f"{shown_as}: {counts[what]:,} {what}; sheetnet reads at most {limit:,} (refused)")
    other = tags - sum(counts.values())
    if other > limits.READ_OTHER_ELEMENTS:
        raise WorkbookError(
            f"{shown_as}: {other:,} elements besides cells and strings (merged ranges, conditional formats, "
            "relationships, names, styles, properties); "
            f"sheetnet reads at most {limits.READ_OTHER_ELEMENTS:,} (refused)"
        )


def _read_xlsx(path: Path, *, shown_as: Path) -> Book:
    import openpyxl  # 0.2 s to import: only the commands that read workbooks pay for it

    _adapt_openpyxl()
    _check_counts(path, shown_as)

    try:
        with warnings.catch_warnings():
            # openpyxl warns about drawings, data validation and other parts it drops: harmless here.
            warnings.simplefilter("ignore")
            # File objects, not names: openpyxl judges a name by its extension, the bytes are judged above.
            with path.open("rb") as f_handle:
                formulas = openpyxl.load_workbook(f_handle, read_only=True, data_only=False)
                key = _exercise_key(formulas)
                properties = _properties(formulas)
                sheets = [ws for ws in formulas.worksheets if ws is not key]
                book = Book(
                    shown_as,
                    [ws.title for ws in sheets],
                    exercise=properties.get("sheetnet exercise"),
                    properties=properties,
                )
                book.written = "Setup" in book.sheets and NETWORK_PROPERTY in properties
                for ws in sheets:
                    book.cells[ws.title] = _read_sheet(book, ws)
                book.names = _single_cell_names(formulas)
                formulas.close()
    except WorkbookError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        causes = [exc]
        while causes[-1].__cause__ or causes[-1].__context__:
            causes.append(causes[-1].__cause__ or causes[-1].__context__)  # type: ignore[arg-type]
        if any(type(c).__module__.startswith("defusedxml") for c in causes):
            raise WorkbookError(
                f"{shown_as}: its XML declares entities ({type(exc).__name__}), which no spreadsheet program "
                "writes and which can make a reader expand or fetch data (refused)"
            ) from None
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(".")
        raise WorkbookError(f"{shown_as}: cannot be read as a workbook ({reason})") from None
    return book


def _properties(workbook: Any) -> dict[str, str]:
    """The workbook's custom document properties, by name (none where openpyxl cannot read them)."""
    try:
        return {p.name: str(p.value) for p in workbook.custom_doc_props.props}
    except Exception:  # no custom properties, or ones openpyxl cannot read
        return {}


def _exercise_key(workbook: Any) -> Any:
    """The hidden key sheet of an exercise sheetnet wrote (`run --exercise`), left out of what is
    read: its numbers are the run's, not the student's."""
    if EXERCISE_PROPERTY in _properties(workbook) and KEY_SHEET in workbook.sheetnames:
        sheet = workbook[KEY_SHEET]
        if sheet.sheet_state != "visible":
            return sheet
    return None


def _single_cell_names(workbook: Any) -> dict[str, tuple[str, int, int]]:
    """The workbook's defined names that stand for one cell (`lr` → Setup!B6), by lowercase name."""
    from openpyxl.utils import column_index_from_string

    names: dict[str, tuple[str, int, int]] = {}
    try:
        defined = list(workbook.defined_names.values())[:10_000]
    except Exception:  # a name openpyxl cannot read names nothing
        return names
    for name in defined:
        try:
            destinations = list(name.destinations)
        except Exception:
            continue
        if len(destinations) != 1:
            continue
        sheet, ref = destinations[0]
        match = CELL.match(ref or "")
        if match and sheet in workbook.sheetnames:
            names[name.name.lower()] = (sheet, int(match.group(4)), column_index_from_string(match.group(2).upper()))
    return names


def _read_sheet(book: Book, ws: Any) -> dict[tuple[int, int], Cell]:
    cells: dict[tuple[int, int], Cell] = {}
    title = ws.title
    fills = book.fills[title] = {}
    firsts: dict[tuple[int, int], str] = {}  # each fill's first cell: the formula its fill is moved from
    for row, column, value, raw, filled_from in _parsed_cells(book, ws):
        where = (row, column)
        formula = _formula_text(raw) if raw is not None else None
        if filled_from is not None and formula is not None:
            fills[where] = first = (filled_from.row, filled_from.col)
            firsts[first] = filled_from.tokenizer.formula
        elif where in fills:  # a cell of a fill written again (a hostile file): read as it is written last
            del fills[where]
        if formula is None:  # a value, or an empty <f/> or a data table's (`<f t="dataTable" …/>`): its saved value
            if value is not None:
                cells[where] = Cell(title, row, column, _as_read(value))
            continue
        if len(formula) - 1 > limits.FORMULA_CHARS:
            raise WorkbookError(
                f"{book.path}: {cell_address(title, row, column)} holds a formula of {len(formula) - 1:,} characters; "
                f"Excel allows at most {limits.FORMULA_CHARS:,} (refused)"
            )
        book.formula_cells += 1
        book.formula_chars += len(formula)
        if book.formula_chars > MAX_FORMULA_TEXT:
            raise WorkbookError(
                f"{book.path}: its formulas, each written out in its cell (a shared formula in every cell it "
                f"fills), hold more than {MAX_FORMULA_TEXT:,} characters; sheetnet reads at most that many (refused)"
            )
        if value is None:
            book.formulas_without_value += 1
        cells[where] = Cell(
            title, row, column, _as_read(value) if value is not None else None, formula, _array_range(raw)
        )
    # a fill's first cell written again later in the sheet (a hostile file), with another formula or
    # none: its fill is read from each cell's own text, as openpyxl gives it (the last written)
    moved_from = {first for first, formula in firsts.items() if getattr(cells.get(first), "formula", None) == formula}
    if len(moved_from) < len(firsts):
        book.fills[title] = {where: first for where, first in fills.items() if first in moved_from}
    return cells


def _parsed_cells(book: Book, ws: Any) -> Iterator[tuple[int, int, Any, Any, Any]]:
    """The cells a sheet's XML holds, as (row, column, cached value, formula, the shared formula
    (`shared_formulas.Planned`) it is filled from where `Book.fills` keeps it): the cells that are
    there, not the rectangle its <dimension> claims (a hostile file may claim all 17 billion). One
    pass reads both: a formula (openpyxl's, shared formulas written out in each cell) and the
    value a spreadsheet saved for it, as openpyxl reads either alone. A formula is what the file
    writes as one (`<f>`): a text typed as `=abc` is a text (the two passes read it as a formula).
    A cell whose value its type cannot hold, or a shared formula's cell that cannot be written
    (`_Damaged`), is a `WorkbookError` naming the cell."""
    workbook = ws.parent
    with ws._get_source() as source:
        parser = _both_parser()(
            source,
            ws._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        rows = parser.parse()
        while True:
            try:
                _, row = next(rows)
            except StopIteration:
                return
            except _Damaged as exc:
                where, what = exc.args
                at = _sheet_prefix(ws.title) + where
                raise WorkbookError(f"{book.path}: {at} {what} (the file is damaged)") from None
            for cell in row:
                value, formula = cell["value"], cell["formula"]
                if value is None and formula is None:
                    continue
                book.cells_read += 1
                if book.cells_read > limits.READ_CELLS:  # what _check_counts did not see (it should)
                    raise WorkbookError(
                        f"{book.path}: more than {limits.READ_CELLS:,} cells; sheetnet reads at most that many "
                        "(refused)"
                    )
                yield cell["row"], cell["column"], value, formula, cell["filled from"]


class _Damaged(Exception):
    """A cell the sheet's parser cannot read: where it is (`C5`) and what is wrong with it."""


_SHOWN = 60  # characters of a formula a message quotes (a formula may hold 8,192)
_ADDRESS = re.compile(r"[A-Za-z]{1,3}\d{1,9}$")  # a cell's `r` openpyxl reads: `C5`
_TYPES = {"n": "a number", "b": "a boolean (0 or 1)", "s": "a shared string's index", "d": "a date (ISO 8601)"}


@functools.cache
def _both_parser() -> type:
    """openpyxl's sheet parser, reading a cell's saved value (as `data_only` does) and its formula.

    A shared formula's cell is written where the parser counts it (openpyxl leaves a cell without
    `r` unmoved, and cannot read a fill's first cell without one). What openpyxl reads with an error
    of no place (a value its type cannot hold, a shared formula it cannot tokenise or move, a
    cell of a fill whose first cell is not before it) is `_Damaged`, naming the cell."""
    from openpyxl.formula.tokenizer import TokenizerError
    from openpyxl.formula.translate import TranslatorError
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    from sheetnet.shared_formulas import Planned

    class BothParser(WorkSheetParser):  # type: ignore[misc]
        filled_from: Planned | None = None  # the cell just parsed: the shared formula it is filled from

        def parse_cell(self, element: Any) -> dict[str, Any]:
            try:
                cell = super().parse_cell(element)
            except (ValueError, TypeError, IndexError, KeyError, OverflowError):
                written = element.get("r")
                if written and not _ADDRESS.match(written):
                    raise _Damaged(written, "is no cell's address (a column's letters, then a row's number)") from None
                where = written or f"{column_letter(self.col_counter)}{self.row_counter}"
                kind = element.get("t", "n")
                value = element.findtext(VALUE_TAG)
                raise _Damaged(
                    where, f'holds {value!r}, which is not {_TYPES.get(kind, "a value")} as its type t="{kind}" says'
                ) from None
            self.filled_from = None
            formula = element.find(FORMULA_TAG)
            where = f"{column_letter(cell['column'])}{cell['row']}"
            if not (1 <= cell["row"] <= limits.SHEET_ROWS and 1 <= cell["column"] <= limits.SHEET_COLUMNS):
                raise _Damaged(where, f"is outside the sheet (rows 1 to {limits.SHEET_ROWS:,}, columns A to XFD)")
            try:
                cell["formula"] = None if formula is None else self.formula_at(element, formula, where)
            except (ValueError, TypeError) as exc:  # a data table's <f> without its attributes
                raise _Damaged(where, f"holds a formula that cannot be read ({exc})") from None
            cell["filled from"] = self.filled_from
            return cell

        def formula_at(self, element: Any, formula: Any, where: str) -> Any:
            """openpyxl's `parse_formula` of the cell at `where`, but the first cell of a shared
            formula keeps its translation planned (`shared_formulas.Planned`): every other cell of
            the fill is then a join, and is said to be filled from it where its text is that
            cell's moved (`Planned.exact`)."""
            if formula.get("t") != "shared":
                return self.parse_formula(element)
            key = formula.get("si")
            planned = self.shared_formulae.get(key)
            if planned is None:
                if not formula.text:
                    raise _Damaged(
                        where, f'is a cell of shared formula si="{key}", but no cell before it holds that formula'
                    )
                try:
                    self.shared_formulae[key] = Planned("=" + formula.text, where)
                except TokenizerError as exc:
                    raise _Damaged(where, f"holds a shared formula that cannot be read ({exc})") from None
                return "=" + formula.text
            if planned.exact:
                self.filled_from = planned
            try:
                return planned.translate_formula(where)
            except TranslatorError:
                first, text = f"{column_letter(planned.col)}{planned.row}", planned.tokenizer.formula
                text = text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
                raise _Damaged(
                    where,
                    f"is a cell of the shared formula {text} of {first}, whose references moved "
                    "there fall off the sheet (above row 1, left of column A or right of column ZZZ)",
                ) from None

    return BothParser


def _as_read(value: Any) -> Any:
    """A cell's value as sheetnet keeps it: a number no float holds (`1e999`, 400 digits, `NaN`)
    as the error a spreadsheet shows for it, so that it is a mismatch wherever a number belongs."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        try:
            float(value)
        except OverflowError:
            return NOT_A_NUMBER
    elif isinstance(value, float) and not math.isfinite(value):
        return NOT_A_NUMBER
    return value


def _number_as_written(text: str) -> int | float:
    """openpyxl's reading of a cell's number, which takes `NaN`, `INF` and an integer of more
    digits than Python converts (4,300) as the float they spell (NaN, inf) instead of failing."""
    try:
        return _OPENPYXL_NUMBER(text)
    except ValueError:
        return float(text)  # a text that is no number at all still fails: the file is damaged


def _adapt_openpyxl() -> None:
    """Two changes to how openpyxl reads, made once: numbers as `_number_as_written`, and no
    sizing of a read-only sheet on opening it (sheetnet reads the cells that are there, never the
    size): a sheet without a <dimension> element would otherwise be parsed whole to size it,
    twice per file, before a cell is read (30 s for 200,000 cells)."""
    global _OPENPYXL_NUMBER
    from openpyxl.worksheet import _read_only, _reader

    if _reader._cast_number is not _number_as_written:
        _OPENPYXL_NUMBER = _reader._cast_number
        _reader._cast_number = _number_as_written
        _read_only.ReadOnlyWorksheet._get_size = _unsized


def _unsized(sheet: Any) -> None:
    """A read-only sheet's size left unknown (openpyxl's class defaults: None)."""


_OPENPYXL_NUMBER: Any = None


def _formula_text(raw: Any) -> str | None:
    if isinstance(raw, str):
        return raw if raw.startswith("=") and len(raw) > 1 else None
    text = getattr(raw, "text", None)  # ArrayFormula, DataTableFormula
    return str(text) if text is not None else None


def _array_range(raw: Any) -> str | None:
    ref = getattr(raw, "ref", None)  # ArrayFormula
    return str(ref) if isinstance(ref, str) and ":" in ref else None


def require_cached_values(book: Book) -> None:
    """Refuse a workbook whose formulas carry no results: it cannot be compared by value."""
    if book.formula_cells and book.formulas_without_value == book.formula_cells:
        raise WorkbookError(
            f"{book.path}: its {book.formula_cells} formulas have no saved results (the file was written "
            "by a script, not saved by a spreadsheet program), so it cannot be compared by value; "
            "add --recalc to recalculate it in LibreOffice first"
        )
