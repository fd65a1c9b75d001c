"""Which cells depend on which: a workbook's formulas as a reverse-dependency graph, walked breadth-first.

Each formula cell is an edge from every cell it reads to itself. A reference to one cell, or to
a range of at most `EXPANDED_AREA` cells, becomes an edge per cell; a larger range (a whole
column, a running `SUM($W$36:W900)`) is kept whole and tested against the cells reached so far,
so the graph grows with the number of formulas, never with the area their ranges cover.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable
from typing import Generic, TypeVar

from sheetnet.book import Book
from sheetnet.references import Precedents

Pos = tuple[int, int, int]  # sheet index (in the book's order), row, column
Label = TypeVar("Label")

EXPANDED_AREA = 256  # a range of at most this many cells is an edge per cell
EXPANDED_TOTAL = 4_000_000  # past this many edges from ranges, every further range is kept whole


class Dependents:
    """The reverse-dependency graph of `book`'s formulas."""

    def __init__(self, book: Book) -> None:
        self.sheets = list(book.sheets)
        index = {sheet: i for i, sheet in enumerate(self.sheets)}
        self.direct: dict[Pos, list[Pos]] = {}
        self.wide: list[tuple[int, int, int, int, int, Pos]] = []  # sheet, top, left, bottom, right, dependent
        read = Precedents(self.sheets, book.names)
        expanded = 0
        for s, sheet in enumerate(self.sheets):
            for (row, col), cell in book.cells[sheet].items():
                if cell.formula is None:
                    continue
                here = (s, row, col)
                for name, top, left, bottom, right in dict.fromkeys(read(cell.formula, sheet)):
                    t = index[name]
                    area = (bottom - top + 1) * (right - left + 1)
                    if area == 1:
                        self.direct.setdefault((t, top, left), []).append(here)
                    elif area <= EXPANDED_AREA and expanded + area <= EXPANDED_TOTAL:
                        expanded += area
                        for r in range(top, bottom + 1):
                            for c in range(left, right + 1):
                                self.direct.setdefault((t, r, c), []).append(here)
                    else:
                        self.wide.append((t, top, left, bottom, right, here))

    def reach(self, seeds: Iterable[tuple[Pos, Label]]) -> dict[Pos, Label]:
        """Every cell that depends on a seed, directly or through other cells, with that seed's label.

        The seeds are reached too, with their own labels. A cell depending on several seeds gets
        the label of the one it is first reached from, breadth-first from the seeds in the order
        given: the nearest, as counted in formulas.
        """
        return _Walk[Label](self).run(seeds)


class _Walk(Generic[Label]):
    """One breadth-first walk: the cells reached, with their labels and, per column, their sorted rows."""

    def __init__(self, graph: Dependents) -> None:
        self.graph = graph
        self.label: dict[Pos, Label] = {}
        self.queue: deque[Pos] = deque()
        self.rows: list[dict[int, list[int]]] = [{} for _ in graph.sheets]

    def run(self, seeds: Iterable[tuple[Pos, Label]]) -> dict[Pos, Label]:
        for pos, label in seeds:
            if pos not in self.label:
                self.arrive(pos, label)
        pending = self.graph.wide
        while True:
            while self.queue:
                pos = self.queue.popleft()
                label = self.label[pos]
                for dependent in self.graph.direct.get(pos, ()):
                    if dependent not in self.label:
                        self.arrive(dependent, label)
            # The large ranges, once the edges of single cells are spent: each one that holds a
            # cell reached so far passes that cell's label on.
            waiting = []
            for edge in pending:
                dependent = edge[5]
                if dependent in self.label:
                    continue
                inside = self.reached_in(*edge[:5])
                if inside is None:
                    waiting.append(edge)
                else:
                    self.arrive(dependent, self.label[inside])
            pending = waiting
            if not self.queue:
                return self.label

    def arrive(self, pos: Pos, label: Label) -> None:
        self.label[pos] = label
        self.queue.append(pos)
        bisect.insort(self.rows[pos[0]].setdefault(pos[2], []), pos[1])

    def reached_in(self, sheet: int, top: int, left: int, bottom: int, right: int) -> Pos | None:
        """A reached cell inside the range, if any."""
        columns = self.rows[sheet]
        if right - left + 1 <= len(columns):
            candidates: Iterable[int] = range(left, right + 1)
        else:
            candidates = [c for c in columns if left <= c <= right]
        for col in candidates:
            rows = columns.get(col)
            if rows:
                i = bisect.bisect_left(rows, top)
                if i < len(rows) and rows[i] <= bottom:
                    return (sheet, rows[i], col)
        return None


__all__ = ["EXPANDED_AREA", "Dependents", "Pos"]
