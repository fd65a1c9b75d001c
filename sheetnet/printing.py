"""How a sheet prints: every column it writes on the page, an iteration on as few pages as it fits.

A printed sheet is read by a person with a pen: nothing it holds may fall off the right edge (the
print area reaches the last column written and the right edge of any chart), and a page is not
wasted on a few leftover rows. The numbers here model an A4 page as LibreOffice and Excel lay it
out with their default margins; `tests/test_printing.py` holds them to LibreOffice's own PDF.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from xlsxwriter.worksheet import Worksheet

A4 = 9  # XlsxWriter's paper code
ROWS_PER_PAGE = 46  # A4 portrait, fitted to its width: a section that would straddle a page starts the next
SMALLEST_ONE_PAGE_SCALE = 0.7  # an iteration's sheet fits one page if it needs no less than 70 %: still legible
ONE_PAGE_ROWS = int(ROWS_PER_PAGE / SMALLEST_ONE_PAGE_SCALE)  # 65 rows

# The rows layout, landscape: a dozen 14-character columns a page at 70 %, the numbers still legible.
ROWS_SCALE = 70
SMALLEST_ROWS_SCALE = 55  # scaled down to this for a run that then takes a page less in height
LANDSCAPE_ROWS_AT_100 = 30  # 15-point rows on landscape A4 between the default margins, at 100 %
HEADER_ROWS = 3  # the bands and the element names, repeated on every page: 30 + 15 points

DEFAULT_COLUMN_PX = 64  # a column whose width is not set: 8.43 characters


def column_px(width: float) -> int:
    """Pixels of a column `width` characters wide, as XlsxWriter converts it (Calibri 11)."""
    if width < 1:
        return int(width * 12 + 0.5)
    return int(width * 7 + 0.5) + 5


def columns_under(first_col: int, px: int, widths: Sequence[float]) -> int:
    """The last column an object `px` pixels wide reaches when placed at `first_col`; `widths[c]` is
    column c's width in characters (columns beyond it are of the default width)."""
    col, left = first_col, px
    while True:
        left -= column_px(widths[col]) if col < len(widths) else DEFAULT_COLUMN_PX
        if left <= 0:
            return col
        col += 1


def print_whole(
    sheet: Worksheet,
    *,
    last_row: int,
    last_col: int,
    landscape: bool = False,
    scale: int | None = None,
    one_page: bool = False,
) -> None:
    """Print the sheet's own cells on A4: a page wide (or at `scale` %), on one page if `one_page`,
    with its name and the page number in the footer."""
    sheet.print_area(0, 0, last_row, last_col)
    if scale is not None:
        sheet.set_print_scale(scale)
    else:
        sheet.fit_to_pages(1, 1 if one_page else 0)
    sheet.set_paper(A4)
    if landscape:
        sheet.set_landscape()
    sheet.set_footer("&L&A&RPage &P of &N")


def fits_one_page(rows: int) -> bool:
    """True if a sheet of `rows` rows (a page wide) is still legible shrunk onto one page."""
    return rows <= ONE_PAGE_ROWS


def section_breaks(section_starts: Sequence[int], rows: int) -> list[int]:
    """Page breaks before the sections (first rows `section_starts`) that would not fit on the rest
    of their page, for a sheet of `rows` rows printed a page wide."""
    starts = [*section_starts, rows]
    breaks, page = [], 0
    for start, end in itertools.pairwise(starts):
        if start > page and end - page > ROWS_PER_PAGE:
            breaks.append(start)
            page = start
    return breaks


def rows_scale(rows: int) -> int:
    """The print scale of a rows-layout sheet of `rows` rows below its two header rows: 70 %, or
    less (down to 55 %) when that saves pages in height, so that 50 iterations are one page tall."""

    def pages(scale: int) -> int:
        return math.ceil(rows / (int(LANDSCAPE_ROWS_AT_100 * 100 / scale) - HEADER_ROWS))

    fewest = pages(SMALLEST_ROWS_SCALE)
    return max(s for s in range(SMALLEST_ROWS_SCALE, ROWS_SCALE + 1) if pages(s) == fewest)
