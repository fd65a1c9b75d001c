"""A sheet's rows as SpreadsheetML written from row templates, spliced into the workbook XlsxWriter wrote.

XlsxWriter builds every cell in Python: about 45 µs a formula cell here, most of it regular-
expression passes over the formula and the escaping of each attribute. A row of the rows layout
is the row above with its row numbers moved by one, so here a row's XML is a template built once
(`RowShape`: each cell's reference, style index and XML-escaped formula text, with `{r0}` for the
row's own number, `{r1}` for the row above, `{r2}` two above), and a row is one `%` formatting,
its arguments picked by one `itemgetter` (both in C): its row numbers, its values and the few
formulas that change from row to row (a value's text is `str(value)`, as XlsxWriter writes it).
The rows go to a temporary file (`SheetRows`) as they are made: memory does not grow with them. When
XlsxWriter has written the rest of the workbook — including the sheet's own header rows, columns,
panes, merged cells and print setup — `splice` copies its parts into the workbook file and puts
the streamed rows at the end of that sheet's `<sheetData>`.

Guarantee: a row is byte for byte the XML XlsxWriter writes for the same cells in constant-memory
mode: `<row r="5">` (no spans), its cells in column order, a number as `%.16G`, a formula's cached
result as `str(value)` or, when not finite, the error `#NUM!` with `t="e"`, strings inline. Every
other part of the workbook is XlsxWriter's own, compressed as XlsxWriter compresses it. The tests
compare whole workbooks part by part with what XlsxWriter writes cell by cell.
"""

from __future__ import annotations

import functools
import math
import operator
import re
import shutil
import string
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from typing import IO, BinaryIO

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name, xl_rowcol_to_cell

from sheetnet.worksheet import ERROR_VALUE

# The streamed rows are most of a long run's file: zlib's fastest level deflates them about five
# times faster than its default (which XlsxWriter uses, and which the other parts keep), for a file
# about an eighth larger. Readers inflate either the same way.
ROWS_COMPRESSION = 1
COPY_CHUNK = 1 << 18  # bytes copied at a time from the temporary file into the zip

_CONTROL_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")  # XlsxWriter's, so text reads back as it does
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_SURROUNDING_SPACE = re.compile(r"^\s|\s$")


_column_name = functools.cache(xl_col_to_name)  # `AB` of column 27: a row shape asks for every column


def xf_index(fmt: Format) -> int:
    """The style index XlsxWriter gives `fmt` (its `s` attribute). XlsxWriter numbers styles in the
    order cells first use them; asking in the order it would write the cells numbers them, and so
    `styles.xml`, exactly as it would."""
    return fmt._get_xf_index()


def escape(text: str) -> str:
    """Text as XlsxWriter writes it inside an element (quotes and newlines stay as they are)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def inline_text(text: str) -> str:
    """The `<t>` of an inline string, as XlsxWriter writes it in constant-memory mode."""
    text = _CONTROL_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    preserve = ' xml:space="preserve"' if _SURROUNDING_SPACE.search(text) else ""
    return f"<t{preserve}>{escape(text)}</t>"


def _braced(text: str) -> str:
    """Literal text inside a format template."""
    return text.replace("{", "{{").replace("}", "}}")


_NUMBER, _TEXT, _STRING, _FORMULA = range(4)
_ROW_NUMBERS = ("r0", "r1", "r2")  # a row's own number, the row above, two rows above (`RowTemplates`)


class RowShape:
    """One row's XML but for its row numbers and its slots, built cell by cell in any column order.

    A formula cell takes a value slot (its cached result, in the order the cells were added), and a
    text slot for its formula if the formula changes from row to row; a number cell (the iteration)
    and a text cell (the samples a row uses) take a text slot. `fill` puts them in: the template is
    a `%` template whose arguments one `itemgetter` picks from the row's strings, both in C.
    """

    def __init__(self) -> None:
        self.cells: list[tuple[int, int, Format, str, int, int]] = []  # col, kind, style, literal, value, text
        self.values = 0
        self.texts = 0
        self._templates: dict[tuple[int, ...], tuple[str, Callable[[list[str]], tuple[str, ...]]]] = {}

    def number(self, col: int, fmt: Format) -> None:
        """A number, given as its text (`str(t)` for an integer) in the next text slot."""
        self.cells.append((col, _NUMBER, fmt, "", -1, self._text()))

    def text(self, col: int, fmt: Format) -> None:
        """An inline string that changes from row to row: `inline_text` of it in the next text slot."""
        self.cells.append((col, _TEXT, fmt, "", -1, self._text()))

    def string(self, col: int, fmt: Format, text: str) -> None:
        """An inline string the same in every row this shape writes."""
        self.cells.append((col, _STRING, fmt, _braced(inline_text(text)), -1, -1))

    def formula(self, col: int, fmt: Format, template: str | None) -> None:
        """A formula with its cached value in the next value slot; `template` is its text with
        `{r0}`, `{r1}`, `{r2}` for row numbers (not escaped), or None: an escaped formula in the
        next text slot."""
        literal = escape(template) if template is not None else ""
        text = -1 if template is not None else self._text()
        self.cells.append((col, _FORMULA, fmt, literal, self.values, text))
        self.values += 1

    def _text(self) -> int:
        self.texts += 1
        return self.texts - 1

    def fill(self, row: int, values: Sequence[float], texts: Sequence[str], *, once: bool = False) -> str:
        """The XML of (0-based) `row` with `values` (one per formula cell, in the order added) and
        `texts` (one per text slot) put in. A shape filled `once` is not compiled for the rows after."""
        strings = list(map(str, values))
        errors: tuple[int, ...] = ()
        if not math.isfinite(sum(values)):  # some value is not finite (or the sum overflowed)
            errors = tuple(k for k, v in enumerate(values) if not math.isfinite(v))
        if once:
            return self._template(set(errors)).format(*strings, *texts, r0=row + 1, r1=row, r2=row - 1)
        compiled = self._templates.get(errors)
        if compiled is None:
            if len(self._templates) > 64:  # a diverging run: a new set of errors in many rows
                self._templates.clear()
            compiled = self._templates[errors] = self._compiled(set(errors))
        template, pick = compiled
        strings += texts
        strings += (str(row + 1), str(row), str(row - 1))
        return template % pick(strings)

    def _compiled(self, errors: set[int]) -> tuple[str, Callable[[list[str]], tuple[str, ...]]]:
        """The row as a `%s` template and the function that picks its arguments, in order, from
        the row's strings: values, texts, then its row numbers."""
        numbers = {name: self.values + self.texts + n for n, name in enumerate(_ROW_NUMBERS)}
        pieces, order = [], []
        for literal, field, _, _ in string.Formatter().parse(self._template(errors)):
            pieces.append(literal.replace("%", "%%"))
            if field is not None:
                pieces.append("%s")
                order.append(numbers[field] if field in numbers else int(field))
        pick = operator.itemgetter(*order)
        if len(order) == 1:
            return "".join(pieces), lambda strings: (pick(strings),)
        return "".join(pieces), pick  # type: ignore[return-value]

    def _template(self, errors: set[int]) -> str:
        """The row in `str.format` syntax: `{k}` a slot, `{r0}` a row number. Styles are numbered
        here, in column order, when the row is first written: as XlsxWriter numbers them."""
        parts = ['<row r="{r0}">']
        for col, kind, fmt, literal, value, text in sorted(self.cells, key=lambda cell: cell[0]):
            head = f'<c r="{_column_name(col)}{{r0}}" s="{xf_index(fmt)}"'
            slot = f"{{{self.values + text}}}"
            if kind == _NUMBER:
                parts.append(f"{head}><v>{slot}</v></c>")
            elif kind == _TEXT:
                parts.append(f'{head} t="inlineStr"><is>{slot}</is></c>')
            elif kind == _STRING:
                parts.append(f'{head} t="inlineStr"><is>{literal}</is></c>')
            else:
                formula = literal if text < 0 else slot
                if value in errors:
                    parts.append(f'{head} t="e"><f>{formula}</f><v>{ERROR_VALUE}</v></c>')
                else:
                    parts.append(f"{head}><f>{formula}</f><v>{{{value}}}</v></c>")
        parts.append("</row>")
        return "".join(parts)


class SheetRows:
    """The rows of one sheet (the zip part `part`), kept in a temporary file as they are written."""

    def __init__(self, part: str) -> None:
        self.part = part
        self.file: IO[bytes] = tempfile.TemporaryFile()
        self.size = 0
        self.last_row = -1

    def write(self, row: int, xml: str) -> None:
        """Row `row`'s XML; rows come in ascending order, after the rows XlsxWriter wrote."""
        data = xml.encode()
        self.file.write(data)
        self.size += len(data)
        self.last_row = row

    def copy_to(self, out: IO[bytes]) -> None:
        self.file.seek(0)
        shutil.copyfileobj(self.file, out, COPY_CHUNK)

    def close(self) -> None:
        self.file.close()


_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+[0-9]+)(?::([A-Z]+[0-9]+))?"/>')


def _with_dimension(head: bytes, rows: SheetRows) -> bytes:
    """The sheet's `<dimension>` grown to its last streamed row (the streamed rows use no column
    beyond the sheet's header rows)."""
    found = _DIMENSION.search(head)
    if found is None or rows.last_row < 0:
        return head
    first = found.group(1).decode()
    last_row, last_col = xl_cell_to_rowcol((found.group(2) or found.group(1)).decode())
    last = xl_rowcol_to_cell(max(last_row, rows.last_row), last_col)
    return head[: found.start()] + f'<dimension ref="{first}:{last}"/>'.encode() + head[found.end() :]


def splice(workbook: BinaryIO, path: str, sheets: Sequence[SheetRows]) -> None:
    """Write the workbook whose zip XlsxWriter wrote to `workbook` as `path`, the rows of `sheets`
    added to the end of their sheet's `<sheetData>`. The parts keep XlsxWriter's order, names,
    dates and compression; the spliced sheets are deflated at `ROWS_COMPRESSION`."""
    streamed = {rows.part: rows for rows in sheets}
    with (
        zipfile.ZipFile(workbook) as parts,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=ROWS_COMPRESSION) as out,
    ):
        for info in parts.infolist():
            data = parts.read(info)
            rows = streamed.pop(info.filename, None)
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.compress_type, copy.external_attr = info.compress_type, info.external_attr
            if rows is None:
                out.writestr(copy, data)  # compressed at zlib's default level, as XlsxWriter did
                continue
            if b"<sheetData/>" in data:
                data = data.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)
            head, end, tail = data.partition(b"</sheetData>")
            head = _with_dimension(head, rows)
            copy.file_size = len(head) + rows.size + len(end) + len(tail)
            copy._compresslevel = ROWS_COMPRESSION  # type: ignore[attr-defined]  # zipfile's per-part level
            with out.open(copy, "w", force_zip64=copy.file_size > zipfile.ZIP64_LIMIT) as part:
                part.write(head)
                rows.copy_to(part)
                part.write(end + tail)
        if streamed:
            raise ValueError(f"no part {', '.join(streamed)} in the workbook")  # a bug: the sheet was not written
