"""Every formula of a workbook parsed once, with what it reads and what reads it.

Built once per file from a `Book`: one expression tree per formula (`sheetnet.formula`), the
cells an array formula fills (each one element of its anchor's result), copies (`=C5`,
`=+'iter 1'!E29`: a cell that only repeats another is that cell), and the readers of every cell.
It knows cells, not networks: what the numbers mean is the checker's business.

Guarantee: `tree`, `precedents` and `readers` agree with one another, and a formula this module
cannot parse has no tree (it is never read as another formula).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sheetnet.book import Book, Cell
from sheetnet.formula import FormulaError, Node, Pos, Ref, parse, references

COPY_DEPTH = 64  # copies of copies followed at most this far (a loop of copies is no copy)


class Formulas:
    """The parsed formulas of a book, by position (sheet index, row, column)."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.sheets = book.sheets
        self.cells: dict[Pos, Cell] = {}
        self.trees: dict[Pos, Node] = {}
        self.members: dict[Pos, tuple[Pos, int, int]] = {}  # an array's cell: its anchor, its offset
        self.unparsed: set[Pos] = set()
        self._precedents: dict[Pos, tuple[Pos, ...]] = {}
        self._readers: dict[Pos, list[Pos]] = defaultdict(list)
        for s, name in enumerate(book.sheets):
            for (row, col), cell in book.cells[name].items():
                self.cells[(s, row, col)] = cell
        for pos, cell in self.cells.items():
            if cell.formula is None:
                continue
            try:
                tree = parse(cell.formula, pos[0], self.sheets, book.names)
            except FormulaError:
                self.unparsed.add(pos)
                continue
            self.trees[pos] = tree
            self._precedents[pos] = tuple(dict.fromkeys(r.pos for r in references(tree)))
            if cell.array:
                self._spread_array(pos, cell.array)
        for pos, reads in self._precedents.items():
            for p in reads:
                self._readers[p].append(pos)
        for member, (anchor, _, _) in self.members.items():
            self._precedents.setdefault(member, (anchor,))
            self._readers[anchor].append(member)

    def _spread_array(self, anchor: Pos, ref: str) -> None:
        from openpyxl.utils.cell import range_boundaries

        try:
            c1, r1, c2, r2 = range_boundaries(ref)
        except (ValueError, TypeError):
            return
        if (r2 - r1 + 1) * (c2 - c1 + 1) > 10_000:  # no homework array is larger
            return
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (anchor[1], anchor[2]):
                    self.members[(anchor[0], r, c)] = (anchor, r - r1, c - c1)

    def number(self, pos: Pos) -> float | None:
        """The number a cell shows (a formula's cached result), None for text, errors, emptiness."""
        cell = self.cells.get(pos)
        if cell is None or not cell.is_number:
            return None
        return float(cell.value)

    def typed(self, pos: Pos) -> bool:
        """A number typed into the cell: no formula and no part of an array formula."""
        cell = self.cells.get(pos)
        return cell is not None and cell.formula is None and pos not in self.members and cell.is_number

    def computed(self, pos: Pos) -> bool:
        return pos in self.trees or pos in self.members

    def precedents(self, pos: Pos) -> tuple[Pos, ...]:
        return self._precedents.get(pos, ())

    def readers(self, pos: Pos) -> list[Pos]:
        return self._readers.get(pos, [])

    def copied(self, pos: Pos) -> Pos | None:
        """The cell `pos` only repeats (`=C5`, `=+C5`), if it is a copy."""
        tree = self.trees.get(pos)
        return tree.pos if isinstance(tree, Ref) else None

    def original(self, pos: Pos) -> Pos:
        """`pos` with copies followed to the cell that holds the number first."""
        for _ in range(COPY_DEPTH):
            target = self.copied(pos)
            if target is None:
                return pos
            pos = target
        return pos

    def copies(self, pos: Pos) -> Iterator[Pos]:
        """Every cell that repeats `pos`, through copies of copies."""
        todo, seen = [pos], {pos}
        while todo:
            for reader in self.readers(todo.pop()):
                if reader not in seen and self.copied(reader) is not None:
                    seen.add(reader)
                    todo.append(reader)
                    yield reader

    def address(self, pos: Pos) -> str:
        from sheetnet.book import cell_address

        return cell_address(self.sheets[pos[0]], pos[1], pos[2])
