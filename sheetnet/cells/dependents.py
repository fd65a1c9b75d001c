"""Which cells depend on which: a workbook's formulas as a reverse-dependency graph, walked breadth-first.

Each formula cell is an edge from every cell it reads (`formulas.Rectangles`) to itself, and each
cell an array formula fills an edge from its anchor. A reference to one cell, or to a range of at
most `EXPANDED_AREA` cells, becomes an edge per cell; a larger range (a whole column, a running
`SUM($W$36:W900)`) is kept whole, in a segment tree that gives the ranges holding a cell as it is
reached, so the graph grows with the number of formulas, never with the area their ranges cover,
and a walk with the cells it reaches, never with cells times ranges.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

from sheetnet.book import Book, Pos
from sheetnet.cells.formulas import Rectangles, array_members

Label = TypeVar("Label")
Edge = tuple[int, int, int, int, int, Pos]  # sheet, top, left, bottom, right, dependent

EXPANDED_AREA = 256  # a range of at most this many cells is an edge per cell
EXPANDED_TOTAL = 4_000_000  # past this many edges from ranges, every further range is kept whole
# a large range is kept at up to this many nodes of `_Ranges`' tree (an aligned one needs a few, a
# range of ragged corners up to (2·log₂ n)²); one needing more is kept at its rows only
NODES_PER_RANGE = 64
_ANY_COLUMNS = 0  # no node of a segment tree is 0: the ranges kept at a row node whatever their columns


class Dependents:
    """The reverse-dependency graph of `book`'s formulas."""

    def __init__(self, book: Book) -> None:
        self.sheets = list(book.sheets)
        self.direct: dict[Pos, list[Pos]] = {}
        self.wide: list[Edge] = []
        read = Rectangles(self.sheets, book.names)
        expanded = 0
        for s, sheet in enumerate(self.sheets):
            for (row, col), cell in book.cells[sheet].items():
                if cell.formula is None:
                    continue
                here = (s, row, col)
                for t, top, left, bottom, right in dict.fromkeys(read(cell.formula, s)):
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
                if cell.array:
                    for member, _, _ in array_members(here, cell.array):
                        self.direct.setdefault(here, []).append(member)

    def reach(self, seeds: Iterable[tuple[Pos, Label]]) -> dict[Pos, Label]:
        """Every cell that depends on a seed, directly or through other cells, with that seed's label.

        The seeds are reached too, with their own labels. A cell depending on several seeds gets
        the label of the one it is first reached from, breadth-first from the seeds in the order
        given: the nearest, as counted in formulas.
        """
        return _Walk[Label](self).run(seeds)


class _Ranges:
    """The large ranges of one sheet, found by a cell they hold in time logarithmic in their number.

    A two-level segment tree over the rows and the columns the ranges begin and end at: each
    range is kept at the few nodes whose rows and columns it covers whole, so every range at a
    node on a cell's path holds that cell. A range is taken out when it is found: each one is
    found once, and a walk costs its cells times the tree's depth, never cells times ranges.
    """

    def __init__(self, edges: list[Edge]) -> None:
        self.rows = sorted({e[1] for e in edges} | {e[3] + 1 for e in edges})
        self.cols = sorted({e[2] for e in edges} | {e[4] + 1 for e in edges})
        self.row_size = 1 << max(1, len(self.rows)).bit_length()
        self.col_size = 1 << max(1, len(self.cols)).bit_length()
        self.nodes: dict[int, dict[int, list[Edge]]] = {}
        for edge in edges:
            _, top, left, bottom, right, _ = edge
            row_span = _cover(
                bisect.bisect_left(self.rows, top), bisect.bisect_left(self.rows, bottom + 1), self.row_size
            )
            col_span = _cover(
                bisect.bisect_left(self.cols, left), bisect.bisect_left(self.cols, right + 1), self.col_size
            )
            if len(row_span) * len(col_span) > NODES_PER_RANGE:
                col_span = [_ANY_COLUMNS]  # kept at its rows only, its columns tested when it is met
            for r in row_span:
                inner = self.nodes.setdefault(r, {})
                for c in col_span:
                    inner.setdefault(c, []).append(edge)

    def take(self, row: int, col: int) -> Iterator[Edge]:
        """The ranges holding (row, col) not taken before; each is taken out as it is given."""
        r = bisect.bisect_right(self.rows, row) - 1
        c = bisect.bisect_right(self.cols, col) - 1
        if r < 0 or c < 0 or r >= len(self.rows) - 1 or c >= len(self.cols) - 1:
            return
        r += self.row_size
        while r:
            inner = self.nodes.get(r)
            if inner:
                node = c + self.col_size
                while node:
                    found = inner.pop(node, None)
                    if found:
                        yield from found
                    node >>= 1
                tested = inner.get(_ANY_COLUMNS)
                if tested:
                    inner[_ANY_COLUMNS] = [e for e in tested if not e[2] <= col <= e[4]]
                    yield from (e for e in tested if e[2] <= col <= e[4])
            r >>= 1


def _cover(lo: int, hi: int, size: int) -> list[int]:
    """The nodes of a segment tree over `size` leaves that together cover leaves lo … hi − 1."""
    nodes = []
    lo, hi = lo + size, hi + size
    while lo < hi:
        if lo & 1:
            nodes.append(lo)
            lo += 1
        if hi & 1:
            hi -= 1
            nodes.append(hi)
        lo >>= 1
        hi >>= 1
    return nodes


class _Walk(Generic[Label]):
    """One breadth-first walk: the cells reached with their labels; the large ranges, by sheet."""

    def __init__(self, graph: Dependents) -> None:
        self.graph = graph
        self.label: dict[Pos, Label] = {}
        self.queue: deque[Pos] = deque()
        self.arrived: list[Pos] = []  # in order, each tested against the large ranges once
        by_sheet: dict[int, list[Edge]] = {}
        for edge in graph.wide:
            by_sheet.setdefault(edge[0], []).append(edge)
        self.ranges = {sheet: _Ranges(edges) for sheet, edges in by_sheet.items()}

    def run(self, seeds: Iterable[tuple[Pos, Label]]) -> dict[Pos, Label]:
        for pos, label in seeds:
            if pos not in self.label:
                self.arrive(pos, label)
        tested = 0
        while True:
            while self.queue:
                pos = self.queue.popleft()
                label = self.label[pos]
                for dependent in self.graph.direct.get(pos, ()):
                    if dependent not in self.label:
                        self.arrive(dependent, label)
            # The large ranges, once the edges of single cells are spent: each one that holds a
            # cell reached so far passes on the label of the first such cell reached.
            while tested < len(self.arrived):
                pos = self.arrived[tested]
                tested += 1
                ranges = self.ranges.get(pos[0])
                if ranges is None:
                    continue
                for edge in ranges.take(pos[1], pos[2]):
                    if edge[5] not in self.label:
                        self.arrive(edge[5], self.label[pos])
                if self.queue:
                    break
            if not self.queue:
                return self.label

    def arrive(self, pos: Pos, label: Label) -> None:
        self.label[pos] = label
        self.queue.append(pos)
        self.arrived.append(pos)


__all__ = ["EXPANDED_AREA", "Dependents", "Pos"]
