"""Tables drawn as rich draws them, without rich's layout: the iteration tables of `sheetnet run`.

rich lays out, measures and wraps every cell of a table on its own, which took a third of
`sheetnet run --iters 3` (bench/startup.py). When every cell and the title fit on one line, the
layout is simple (each column as wide as its widest cell, a space either side, the heavy-head
box) and is drawn here; rich still writes the result, so colours and terminals are its. A table
that would wrap is left to rich. `tests/test_render.py` compares both, plain and in colour.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.table import Table
from rich.text import Text


def table_width(headers: Sequence[str], rows: Sequence[Sequence[str | Text]]) -> int:
    """The width rich gives a table of these cells with its default box: each column as wide as
    its widest cell, a space of padding either side, a rule between columns and at both edges."""
    widths = [cell_len(h) for h in headers]
    for row in rows:
        widths = [max(w, cell_len(str(cell))) for w, cell in zip(widths, row, strict=True)]
    return sum(widths) + 2 * len(widths) + len(widths) + 1


class Drawn:
    """A table drawn beforehand: its lines as pieces of text with their styles, handed to rich as
    they are (no wrapping, no measuring)."""

    def __init__(self) -> None:
        self.pieces: list[tuple[str, str]] = []

    def add(self, text: str, style: str = "") -> None:
        """`text` in `style`; unstyled text joins the unstyled piece before it, so rich handles a
        piece per run of plain text, not one per cell, rule and space (a styled piece stays one:
        rich writes each with its own escape codes, and the output stays exactly rich's)."""
        pieces = self.pieces
        if not style and pieces and not pieces[-1][1] and "\n" not in (text, pieces[-1][0]):
            pieces[-1] = (pieces[-1][0] + text, style)
        else:
            pieces.append((text, style))

    def __rich_console__(self, console: Console, options: object) -> Iterator[Segment]:
        for text, style in self.pieces:
            if text == "\n":
                yield Segment.line()
            else:
                yield Segment(text, console.get_style(style) if style else None)


def drawn(table: Table, width: int) -> Drawn | Table:
    """`table` drawn as rich draws it when every cell and the title fit on one line (its heavy-head
    box, a space either side of each cell): rich lays out, measures and wraps every cell on its own,
    (see above). The table itself when
    something would wrap, for rich to lay out."""
    columns = table.columns
    cells = [[_plain(cell) for cell in column.cells] for column in columns]
    widths = [
        max([cell_len(str(c.header)), *(cell_len(text) for text, _ in column)])
        for c, column in zip(columns, cells, strict=True)
    ]
    total = sum(widths) + 3 * len(widths) + 1
    title = str(table.title or "")
    if total > width or cell_len(title) > total or any("\n" in text for column in cells for text, _ in column):
        return table
    out = Drawn()
    if title:
        out.add(title + " " * (total - cell_len(title)), str(table.title_style or ""))
        out.add("\n")

    def rule(left: str, line: str, cross: str, right: str) -> None:
        out.add(left + cross.join(line * (w + 2) for w in widths) + right)
        out.add("\n")

    def row(texts: list[tuple[str, str]], edge: str, row_style: str, header: bool = False) -> None:
        out.add(edge)
        for c, ((text, style), w) in enumerate(zip(texts, widths, strict=True)):
            gap = " " * (w - cell_len(text))
            around = "bold" if header else " ".join(filter(None, [str(columns[c].style or ""), row_style]))
            justified = gap + text if columns[c].justify == "right" else text + gap
            out.add(" ", around)
            out.add(justified, " ".join(filter(None, [around, style])))
            out.add(" ", around)
            out.add(edge)
        out.add("\n")

    rule("┏", "━", "┳", "┓")
    row([(str(c.header), "") for c in columns], "┃", "", header=True)
    rule("┡", "━", "╇", "┩")
    for r, info in enumerate(table.rows):
        row([column[r] for column in cells], "│", str(info.style or ""))
        if info.end_section and r < len(table.rows) - 1:
            rule("├", "─", "┼", "┤")
    rule("└", "─", "┴", "┘")
    return out


def _plain(cell: object) -> tuple[str, str]:
    """A cell's text and style: a Text's own, a string's as written (sheetnet's cells hold no markup)."""
    if isinstance(cell, Text):
        return cell.plain, str(cell.style or "")
    return str(cell), ""
