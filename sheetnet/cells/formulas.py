"""Every formula of a workbook parsed once, with what it reads and what reads it.

Built once per file from a `Book`: one expression tree per formula (`sheetnet.formula`), parsed
once per shape (a formula filled down is its first cell's with other references, so its tree
is built from that one the first time it is asked for; a formula Excel saved as one of a shared
formula's fill, `Book.fills`, is not even matched: its shape and references are its first
cell's, moved, where its text would give the same), the cells an array formula fills (each
one element of its anchor's result), copies (`=C5`, `=+'iter 1'!E29`: a cell that only repeats
another is that cell), and the readers of every cell. It knows cells, not networks: what the
numbers mean is the checker's business.

`Rectangles` reads what a formula reads without its tree, ranges and whole columns kept whole,
for what walks every formula of a large book (`cells.dependents`): the references `parse` would
resolve, planned once per pattern (`cells.patterns`).

Guarantee: `tree`, `precedents` and `readers` agree with one another, and a formula this module
cannot parse has no tree (it is never read as another formula). `Rectangles` gives the
rectangles of the tree `parse` builds (`formula.rectangles`), and for a formula it cannot parse
those of every reference its tokens name.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from sheetnet import limits
from sheetnet.book import Book, Cell
from sheetnet.cells import patterns
from sheetnet.cells.arrays import MAX_CELLS
from sheetnet.formula import (
    HOLE,
    HOLE_ROW,
    MAX_RANGE,
    Area,
    Bin,
    Call,
    FormulaError,
    Neg,
    Node,
    Pos,
    Rectangle,
    Ref,
    Rng,
    cells_read,
    parse,
    read_reference,
    rectangles,
    reference_leaves,
    reference_nodes,
    resolve,
    sheet_index,
    tokens,
)

# A cell or range reference in a formula's text, with its sheet: what changes when a formula is filled down
_REFERENCE = re.compile(
    r"(?<![\w.$'\]])((?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?"
    r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)(?::(\$?)([A-Za-z]{1,3})(\$?)(\d+))?(?![\w.(!])"
)

COPY_DEPTH = 64  # copies of copies followed at most this far (a loop of copies is no copy)
RANGE_SHOWN = 400  # cells of one range `reads` spells out (`SUM(A1:XFD1048576)` is 17 billion)
READS_SHOWN = 4 * RANGE_SHOWN  # cells of one formula `reads` gives, its ranges together


def formulas_of(book: Book) -> Formulas:
    """The book's formulas, parsed the first time they are asked for and kept with the book."""
    return book.kept("formulas", Formulas)


class Formulas:
    """The parsed formulas of a book, by position (sheet index, row, column)."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.sheets = book.sheets
        self.cells: dict[Pos, Cell] = {}
        self.members: dict[Pos, tuple[Pos, int, int]] = {}  # an array's cell: its anchor, its offset
        self.unparsed: set[Pos] = set()
        self._precedents: dict[Pos, tuple[Pos, ...]] = {}
        self._readers: dict[Pos, list[Pos]] = defaultdict(list)
        self._shapes: dict[int, frozenset[tuple[int, int, str | None]]] = {}
        self._shape_at: dict[Pos, str] = {}
        self._levels: dict[Pos, float] | None = None
        self._blotted: dict[Pos, str | None] = {}
        self.derived: dict[str, Any] = {}  # worked out once from the formulas, by readers (compiled shapes)
        self._copied: dict[Pos, Pos] = {}  # a copy (`=C5`): the cell it repeats
        self._originals: dict[Pos, Pos] = {}
        self._numbers: dict[Pos, float | None] = {}
        origins: dict[Pos, Pos] = {}  # a cell Excel saved as a shared formula's fill: its first cell
        for s, name in enumerate(book.sheets):
            self.cells.update({(s, row, col): cell for (row, col), cell in book.cells[name].items()})
            fills = book.fills.get(name, {})
            origins.update({(s, row, col): (s, first[0], first[1]) for (row, col), first in fills.items()})
        parsed = _Filled(self.sheets, book.names)
        self.trees = _Trees(parsed)
        self._spell = _names_spelled(book.names)
        shape_at, precedents, later, shapes = self._shape_at, self._precedents, self.trees.later, parsed.shapes
        for pos, cell in self.cells.items():
            if cell.formula is None:
                continue
            origin = origins.get(pos)
            moved = None if origin is None else parsed.moved(origin, pos, self._spell, self.cells)
            if moved is not None:  # its first cell's shape, and its references moved
                shape, nodes, reads = moved
                shape_at[pos] = shape
                later(pos, shape, nodes)
                if type(shapes[shape]) is Ref:
                    self._copied[pos] = reads[0]
                precedents[pos] = tuple(dict.fromkeys(reads))
                continue
            try:
                shape, tree, nodes = parsed.read(self._spell(cell.formula), pos)
            except FormulaError:
                self.unparsed.add(pos)
                continue
            self._shape_at[pos] = shape
            if tree is None:  # built from its shape's the first time it is asked for
                self.trees.later(pos, shape, nodes)
                reads = _cells_of(nodes)
                if type(parsed.shapes[shape]) is Ref:
                    self._copied[pos] = nodes[0].pos  # type: ignore[union-attr]
            else:
                self.trees[pos] = tree
                reads = cells_read(tree)
                if isinstance(tree, Ref):
                    self._copied[pos] = tree.pos
            self._precedents[pos] = tuple(dict.fromkeys(reads))
            if cell.array:
                self._spread_array(pos, cell.array)
        readers = self._readers
        for pos, reads in self._precedents.items():
            for p in reads:
                readers[p].append(pos)
        for member, (anchor, _, _) in self.members.items():
            self._precedents.setdefault(member, (anchor,))
            self._readers[anchor].append(member)

    def sheet_shape(self, sheet: int) -> frozenset[tuple[int, int, str | None]]:
        """What a sheet computes, whatever its numbers: each cell's formula written relative to
        the cell (as it is filled), None for a typed number. Two sheets of one shape are one
        table copied with other typed numbers (a sheet per learning rate)."""
        cached = self._shapes.get(sheet)
        if cached is None:
            name = self.sheets[sheet]
            cached = self._shapes[sheet] = frozenset(
                (row, col, self._shape_of((sheet, row, col)) if cell.formula is not None else None)
                for (row, col), cell in self.book.cells[name].items()
                if cell.formula is not None or cell.is_number
            )
        return cached

    def blotted(self, pos: Pos) -> str | None:
        """The cell's formula with every reference blotted out: what it computes, not from where
        (`=1/(1+EXP(-K36))` and `=1/(1+EXP(-I36))` are one); None for a cell without a formula."""
        if pos not in self._blotted:
            cell = self.cells.get(pos)
            self._blotted[pos] = _REFERENCE.sub("·", cell.formula.replace(" ", "")) if cell and cell.formula else None
        return self._blotted[pos]

    def _shape_of(self, pos: Pos) -> str:
        shape = self._shape_at.get(pos)
        if shape is None:
            shape = self._shape_at[pos] = _shape(self._spell(self.cells[pos].formula or ""), pos)
        return shape

    def _spread_array(self, anchor: Pos, ref: str) -> None:
        for member, row, col in array_members(anchor, ref):
            self.members[member] = (anchor, row, col)

    def number(self, pos: Pos) -> float | None:
        """The number a cell shows (a formula's cached result), None for text, errors, emptiness."""
        try:
            return self._numbers[pos]
        except KeyError:
            cell = self.cells.get(pos)
            number = self._numbers[pos] = None if cell is None or not cell.is_number else float(cell.value)
            return number

    def typed(self, pos: Pos) -> bool:
        """A number typed into the cell: no formula and no part of an array formula."""
        cell = self.cells.get(pos)
        return cell is not None and cell.formula is None and pos not in self.members and cell.is_number

    def computed(self, pos: Pos) -> bool:
        return pos in self._precedents  # a parsed formula, or a cell of an array formula

    def template(self, pos: Pos) -> Node | None:
        """A tree of the cell's formula's shape: its own, or that of another cell it was filled
        from (the references that other cell's). What it computes, not from where, without
        building the cell's own tree; None for a cell without one."""
        return self.trees.template(pos)

    def shaped(self, pos: Pos) -> tuple[Node, tuple[Node, ...]]:
        """The cell's formula as a template of its shape (`template`) and the cell's own references
        in reading order (`formula.reference_nodes`): the template with those in place of its own
        is the cell's tree. KeyError for a cell without a tree."""
        return self.trees.shaped(pos)

    def precedents(self, pos: Pos) -> tuple[Pos, ...]:
        return self._precedents.get(pos, ())

    def reads(self, pos: Pos) -> list[Pos]:
        """The cells the formula at `pos` reads, in the order it reads them, each once: its tree's,
        or for a formula too large or too odd to parse, the references its text names (a range
        spelled out up to `RANGE_SHOWN` cells, `READS_SHOWN` in all)."""
        if pos in self.trees:
            return list(self.precedents(pos))
        cell = self.cells.get(pos)
        if cell is None or cell.formula is None:
            return []
        out: list[Pos] = []
        for match in _REFERENCE.finditer(cell.formula):
            area = _area(match, pos[0], self.sheets)
            if area is None:
                continue
            sheet, (r1, c1), (r2, c2) = area
            cells = (
                (sheet, r, c) for r in range(min(r1, r2), max(r1, r2) + 1) for c in range(min(c1, c2), max(c1, c2) + 1)
            )
            out += itertools.islice(cells, min(RANGE_SHOWN, READS_SHOWN - len(out)))
            if len(out) >= READS_SHOWN:
                break
        return list(dict.fromkeys(out))

    def level(self, pos: Pos) -> float:
        """How deep a cell is computed: 0 for a typed or empty cell, else one more than the deepest
        cell its formula reads; infinite for a cell in a loop of references or computed from one.
        A cell can read only cells of a lower level (what lets a search back stop early)."""
        return self.levels().get(pos, 0)

    def precedents_by_cell(self) -> Mapping[Pos, tuple[Pos, ...]]:
        """`precedents` of every computed cell, by position, for a search that reads many (absent: none)."""
        return self._precedents

    def readers_by_cell(self) -> Mapping[Pos, list[Pos]]:
        """`readers` of every cell read, by position, for a search that reads many (absent: none)."""
        return self._readers

    def copies_by_cell(self) -> Mapping[Pos, Pos]:
        """`copied` of every copy, by position, for a search that reads many (absent: no copy)."""
        return self._copied

    def levels(self) -> dict[Pos, float]:
        """`level` of every computed cell, by position, for a search that reads many: a cell absent
        is at 0."""
        if self._levels is None:
            self._levels = self._leveled()
        return self._levels

    def _leveled(self) -> dict[Pos, float]:
        """Every computed cell's level, in one pass over the formulas in calculation order (what
        it leaves unreached is in a loop, or computed from one: infinite)."""
        precedents, readers, no_reads, zeros = self._precedents, self._readers, (), itertools.repeat(0)
        computed = precedents.keys()
        waiting = {  # each cell's computed reads not leveled yet (`_precedents` reads each once)
            pos: len(computed & precedents.get(pos, no_reads)) for pos in (*self.trees, *self.members)
        }
        levels: dict[Pos, float] = {}
        known = levels.get
        ready = [pos for pos, count in waiting.items() if count == 0]
        while ready:
            here = ready.pop()
            levels[here] = 1 + max(map(known, precedents.get(here, no_reads), zeros), default=0)
            for reader in readers.get(here, no_reads):
                count = waiting.get(reader)
                if count is not None:
                    waiting[reader] = count - 1
                    if count == 1:
                        ready.append(reader)
        for pos in waiting:
            levels.setdefault(pos, math.inf)
        return levels

    def readers(self, pos: Pos) -> list[Pos]:
        return self._readers.get(pos, [])

    def copied(self, pos: Pos) -> Pos | None:
        """The cell `pos` only repeats (`=C5`, `=+C5`), if it is a copy."""
        return self._copied.get(pos)

    def original(self, pos: Pos) -> Pos:
        """`pos` with copies followed to the cell that holds the number first."""
        if pos not in self._copied:
            return pos
        known = self._originals.get(pos)
        if known is None:
            known = pos
            for _ in range(COPY_DEPTH):
                target = self._copied.get(known)
                if target is None:
                    break
                known = target
            self._originals[pos] = known
        return known

    def behind(self, starts: Iterable[Pos], keep: Callable[[Pos], bool]) -> set[Pos]:
        """The cells `keep` accepts among `starts` and what they are computed from, read back
        through the formulas (copies followed) as long as `keep` accepts the cell read."""
        out: set[Pos] = set()
        original, precedents, no_reads = self.original, self._precedents.get, ()
        todo = [original(p) for p in starts]
        while todo:
            here = todo.pop()
            if here in out or not keep(here):
                continue
            out.add(here)
            todo.extend(map(original, precedents(here, no_reads)))
        return out

    def copies(self, pos: Pos) -> Iterator[Pos]:
        """Every cell that repeats `pos`, through copies of copies."""
        todo, seen, readers, copied, no_readers = [pos], {pos}, self._readers.get, self._copied, ()
        while todo:
            for reader in readers(todo.pop(), no_readers):
                if reader not in seen and reader in copied:
                    seen.add(reader)
                    todo.append(reader)
                    yield reader

    def address(self, pos: Pos) -> str:
        from sheetnet.book import cell_address

        return cell_address(self.sheets[pos[0]], pos[1], pos[2])


def array_members(anchor: Pos, ref: str) -> Iterator[tuple[Pos, int, int]]:
    """The cells an array formula at `anchor` fills (`ref`: `J5:J8`) but its anchor, each with its
    offset (row, column) in the array; none for a range unread or of more than MAX_CELLS."""
    from openpyxl.utils.cell import range_boundaries

    try:
        c1, r1, c2, r2 = range_boundaries(ref)
    except (ValueError, TypeError):
        return
    if (r2 - r1 + 1) * (c2 - c1 + 1) > MAX_CELLS:
        return
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            if (r, c) != (anchor[1], anchor[2]):
                yield (anchor[0], r, c), r - r1, c - c1


# A reference of a pattern, ready to take a formula's digits: its sheet (None: the formula's own),
# then its left column, top row and the hole that row comes from (-1: the row as written), and the
# same of its right column and bottom row.
_Plan = tuple[int | None, int, int, int, int, int, int]
_RANGE = "RANGE"  # openpyxl's subtype of a reference (or name) among the operands


class Rectangles:
    """Reads the rectangles each formula of one book reads: `reader(formula, sheet)`, `sheet` the
    index of the formula's sheet. Each pattern's references are planned once; a formula of a known
    pattern then costs two regular-expression passes and a little arithmetic per reference."""

    def __init__(self, sheets: list[str], names: dict[str, tuple[str, int, int]]) -> None:
        self.sheets, self.names = sheets, names
        self._plans: dict[str, tuple[list[_Plan], list[tuple[int, str]]]] = {}

    def __call__(self, formula: str, sheet: int) -> list[Rectangle]:
        text, digits = patterns.holed(formula)
        planned = self._plans.get(text) if text is not None else None
        if planned is None:
            read = None if text is None else patterns.pattern(text)
            if read is None:  # a formula whose pattern says nothing: its references as written
                try:
                    written = [value for _, subtype, value in tokens(formula) if subtype == _RANGE]
                except FormulaError:
                    return []
                return self._resolved(written, sheet)
            planned = self._plans[read.text] = self._plan(read)
        plans, others = planned
        out: list[Rectangle] = []
        for where, left, top, top_hole, right, bottom, bottom_hole in plans:
            if top_hole >= 0:
                top = int(digits[top_hole])
            if bottom_hole >= 0:
                bottom = int(digits[bottom_hole])
            if top > bottom:
                top, bottom = bottom, top
            out.append((sheet if where is None else where, top, left, bottom, right))
        if others:
            out += self._resolved([patterns.fill(written, digits, first) for first, written in others], sheet)
        return out

    def _plan(self, read: patterns.Pattern) -> tuple[list[_Plan], list[tuple[int, str]]]:
        plans: list[_Plan] = []
        others: list[tuple[int, str]] = []  # names, and references whose sheet's name has digits
        for _, subtype, text, first_hole in read.tokens:
            if subtype != _RANGE:
                continue
            reference = read_reference(text)
            if reference is None or HOLE in (reference.sheet or ""):
                others.append((first_hole, text))
                continue
            where = None if reference.sheet is None else sheet_index(reference.sheet, self.sheets)
            if reference.sheet is not None and where is None:
                continue  # a sheet the book does not have
            cols = sorted(c.col for c in reference.corners if c.col is not None) or [1, limits.SHEET_COLUMNS]
            ends: list[tuple[int, int]] = []  # (row as written, hole) of the first and last corner
            hole = first_hole
            for corner in reference.corners:
                if corner.row is None:
                    ends.append((limits.SHEET_ROWS if ends else 1, -1))
                elif corner.row == HOLE_ROW:
                    ends.append((0, hole))
                    hole += 1
                else:
                    ends.append((corner.row, -1))
            plans.append((where, cols[0], *ends[0], cols[-1], *ends[-1]))
        return plans, others

    def _resolved(self, written: list[str], sheet: int) -> list[Rectangle]:
        return [r for text in written for r in rectangles(resolve(text, sheet, self.sheets, self.names))]


class _Filled:
    """Formulas parsed once per shape: a formula filled down a column differs from the first only
    in its references, so its tree is the first's with them replaced (the tokenizer is slow), and
    a reference written twice is read once."""

    def __init__(self, sheets: list[str], names: dict[str, tuple[str, int, int]]) -> None:
        self.sheets, self.names = sheets, names
        # by the formula's shape: a tree's every reference is replaced by the cell's own (its sheet
        # with it), so one parse serves the formula wherever it is filled, on any sheet
        self.shapes: dict[str, Node | None] = {}
        self._nodes: dict[tuple[int, str], Node] = {}  # a reference's node, by its sheet and text
        # a reference's text read (`_area`, its sheet None where it names none): the same on every sheet
        self._areas: dict[str, tuple[int | None, tuple[int, int], tuple[int, int]] | None] = {}
        self._matched: dict[tuple[str, int, int], tuple[str, list[tuple[str, re.Match[str]]]]] = {}
        self._relative: dict[str, Callable[[int, int], str]] = {}  # a reference's text: its `_relative_to`
        # `_movable` of a fill's first cell, by its formula and place (row, column), and by the cell
        self._moves: dict[tuple[str, int, int], tuple[str, list[tuple], tuple[int, ...]] | None] = {}
        self._moves_at: dict[Pos, tuple[str, list[tuple], tuple[int, ...]] | None] = {}
        self._moved_nodes: dict[tuple, Node] = {}  # a moved reference's node, by its sheet and corners

    def read(self, formula: str, pos: Pos) -> tuple[str, Node | None, tuple[Node, ...]]:
        """The shape of `formula` at `pos` (`_shape`) and its tree; or, where the tree is its shape's
        with the cell's own references in place, None and those references (in reading order).
        Its references are matched once, for both, and once for every sheet that holds the same
        formula in the same cell (a sheet per iteration)."""
        sheet, row, col = pos
        matched = self._matched.get((formula, row, col))
        if matched is None:
            matched = self._matched[(formula, row, col)] = self._match(formula, pos)
        shape, references = matched
        nodes, whole = [], True
        for text, m in references:
            node = self._nodes.get((sheet, text))
            if node is None and whole:
                try:
                    node = self._nodes[(sheet, text)] = self._read(m, sheet)
                except FormulaError:  # a sheet that is not there, a range too large: parsed on its own
                    whole = False
            nodes.append(node)
        if '"' in formula:  # a text may hold what looks like a reference
            return shape, parse(formula, sheet, self.sheets, self.names), ()
        template = self.shapes.get(shape, ...)
        if template is ...:
            tree = parse(formula, sheet, self.sheets, self.names)
            fits = sum(1 for _ in reference_leaves(tree)) == len(nodes)  # (a whole column has no match)
            self.shapes[shape] = tree if fits else None
            return shape, tree, ()
        if template is None or not whole:
            return shape, parse(formula, sheet, self.sheets, self.names), ()
        return shape, None, tuple(nodes)  # type: ignore[arg-type]

    def moved(
        self, origin: Pos, pos: Pos, spell: Callable[[str], str], cells: Mapping[Pos, Cell]
    ) -> tuple[str, tuple[Node, ...], list[Pos]] | None:
        """What `read` gives the formula at `pos`, which Excel saved as filled from `origin`'s (its
        text `origin`'s with every reference moved, and nothing else: `Book.fills`): `origin`'s
        shape and its references moved, without reading the text, and the cells they read in
        order (`_cells_of`, a reference written twice once). None where `read` would not give a
        shape and references for `origin` (`_movable`), or a moved range grows too large."""
        plan = self._moves_at.get(origin, ...)
        if plan is ...:
            formula = spell(cells[origin].formula or "")
            key = (formula, origin[1], origin[2])  # the same formula in the same cell of another sheet: one plan
            plan = self._moves.get(key, ...)
            if plan is ...:
                plan = self._moves[key] = _once_each(self._movable(formula, origin))
            self._moves_at[origin] = plan
        if plan is None:
            return None
        shape, specs, order = plan
        here, down, across = pos[0], pos[1] - origin[1], pos[2] - origin[2]
        nodes: list[Node] = []  # each reference written once
        reads: list[Pos] = []
        known = self._moved_nodes
        for sheet, row, dr, col, dc, absolute, last in specs:
            if sheet is None:
                sheet = here
            r1, c1 = row + down * dr, col + across * dc
            if last is None:
                node = known.get((sheet, r1, c1, absolute))
                if node is None:
                    node = known[(sheet, r1, c1, absolute)] = Ref((sheet, r1, c1), absolute=absolute)
                nodes.append(node)
                reads.append(node.pos)
                continue
            row, dr, col, dc = last
            r2, c2 = row + down * dr, col + across * dc
            node = known.get((sheet, r1, c1, r2, c2))
            if node is None:
                rows = range(min(r1, r2), max(r1, r2) + 1)
                cols = range(min(c1, c2), max(c1, c2) + 1)
                if len(rows) * len(cols) > MAX_RANGE:  # an `Area`, which keeps its text
                    return None
                node = known[(sheet, r1, c1, r2, c2)] = Rng(tuple((sheet, r, c) for r in rows for c in cols))
            nodes.append(node)
            reads.extend(node.cells)  # type: ignore[union-attr]
        return shape, tuple(map(nodes.__getitem__, order)), reads

    def _movable(self, formula: str, origin: Pos) -> tuple[str, list[tuple]] | None:
        """`origin`'s shape, and each reference as its sheet (None: the formula's own), its first
        corner's row, whether it moves down, its column, whether it moves across, whether it is
        `$` on both, and its last corner's four (None for a cell). None where what `read` gives
        the cells filled from it is not that: where a reference token Excel moves is not one
        `_REFERENCE` reads (a whole column, a range ending at a name), a text could hold one, its
        references are not one node each, or its shape has no template. The same for every
        sheet: what it depends on, the sheets it names and its shape, is the same on each."""
        if '"' in formula:
            return None
        try:
            shape, template, nodes = self.read(formula, origin)
        except FormulaError:
            return None
        if self.shapes.get(shape) is None:
            return None
        if template is not None:
            nodes = tuple(reference_leaves(template))
        _, references = self._matched.get((formula, origin[1], origin[2])) or self._match(formula, origin)
        if len(nodes) != len(references) or any(mark in _REFERENCE.sub("", formula) for mark in ":!["):
            return None
        specs = []
        for node, (_, m) in zip(nodes, references, strict=True):
            if not isinstance(node, Ref | Rng) or any(
                row is not None and (row.startswith("0") or len(row) > 7) for row in (m.group(5), m.group(9))
            ):  # a row Excel's references cannot have (openpyxl reads such a token as a name: unmoved)
                return None
            _, corners = _corners(m)
            sheet = (node.pos if isinstance(node, Ref) else node.cells[0])[0] if m.group(1) else None
            moving = [(row, int(not d_row), col, int(not d_col)) for d_col, col, d_row, row in corners]
            last = moving[1] if len(moving) > 1 else None
            specs.append((sheet, *moving[0], bool(m.group(2) and m.group(4)), last))
        return shape, specs

    def _match(self, formula: str, pos: Pos) -> tuple[str, list[tuple[str, re.Match[str]]]]:
        """The shape of `formula` at `pos`, and its references (their text and match), in order."""
        pieces, references, at = [], [], 0
        relatives, row, col = self._relative, pos[1], pos[2]
        for m in _REFERENCE.finditer(formula):
            text = m.group(0)
            relative = relatives.get(text)
            if relative is None:
                relative = relatives[text] = _relative_maker(_corners(m))
            start, end = m.span()
            pieces += (formula[at:start], relative(row, col))
            at = end
            references.append((text, m))
        pieces.append(formula[at:])
        return "".join(pieces), references

    def _read(self, match: re.Match[str], sheet: int) -> Node:
        text = match.group(0)
        area = self._areas.get(text, ...)
        if area is ...:
            area = self._areas[text] = _area(match, None, self.sheets)
        if area is None:
            raise FormulaError("a sheet that is not there")
        named, first, last = area
        if named is not None:
            sheet = named
        if match.group(7) is None:
            return Ref((sheet, *first), absolute=bool(match.group(2) and match.group(4)))
        rows = range(min(first[0], last[0]), max(first[0], last[0]) + 1)
        cols = range(min(first[1], last[1]), max(first[1], last[1]) + 1)
        if len(rows) * len(cols) > MAX_RANGE:
            written = match.group(0)[len(match.group(1) or "") :]
            return Area(written, sheet, rows[0], cols[0], rows[-1], cols[-1])
        return Rng(tuple((sheet, r, c) for r in rows for c in cols))


def _once_each(plan: tuple[str, list[tuple]] | None) -> tuple[str, list[tuple], tuple[int, ...]] | None:
    """A `_movable` plan with each reference written more than once (`$S45*(1-$S45)`) moved once:
    its shape, its distinct references, and for each reference in order, which of those it is."""
    if plan is None:
        return None
    shape, specs = plan
    distinct = list(dict.fromkeys(specs))
    where = {spec: i for i, spec in enumerate(distinct)}
    return shape, distinct, tuple(where[spec] for spec in specs)


class _Trees(Mapping[Pos, Node]):
    """Every parsed formula's tree, by position. A formula filled from another of its shape gets
    its tree the first time it is asked for (most cells are only read, never looked into)."""

    def __init__(self, filled: _Filled) -> None:
        self._filled = filled
        self._trees: dict[Pos, Node | None] = {}  # None: not built yet
        self._filled_from: dict[Pos, tuple[str, tuple[Node, ...]]] = {}  # its shape and its references
        self._shaped: dict[Pos, tuple[Node, tuple[Node, ...]]] = {}  # `shaped`, worked out once per cell
        self._kinds: dict[str, tuple[type, ...]] = {}  # by shape: the kinds of its template's references

    def __setitem__(self, pos: Pos, tree: Node) -> None:
        self._trees[pos] = tree

    def later(self, pos: Pos, shape: str, nodes: tuple[Node, ...]) -> None:
        self._trees[pos] = None
        self._filled_from[pos] = (shape, nodes)

    def template(self, pos: Pos) -> Node | None:
        filled = self._filled_from.get(pos)
        return self._filled.shapes[filled[0]] if filled is not None else self._trees.get(pos)

    def shaped(self, pos: Pos) -> tuple[Node, tuple[Node, ...]]:
        known = self._shaped.get(pos)
        if known is None:
            known = self._shaped[pos] = self._shaped_now(pos)
        return known

    def _shaped_now(self, pos: Pos) -> tuple[Node, tuple[Node, ...]]:
        filled = self._filled_from.get(pos)
        if filled is not None:
            template = self._filled.shapes[filled[0]]
            kinds = self._kinds.get(filled[0])
            if kinds is None:
                kinds = self._kinds[filled[0]] = tuple(type(n) for n in reference_leaves(template))  # type: ignore[arg-type]
            # the template's program reads the cell's references where they are of the kinds its
            # own are (a range grown past MAX_RANGE down a column is an `Area`, no range: the cell's
            # own tree is then its program's); an `Area` is no reference a program reads
            if kinds == tuple(map(type, filled[1])):
                if Area not in kinds:
                    return template, filled[1]  # type: ignore[return-value]
                return template, tuple(n for n in filled[1] if not isinstance(n, Area))  # type: ignore[return-value]
        return self[pos], tuple(reference_nodes(self[pos]))

    def __getitem__(self, pos: Pos) -> Node:
        tree = self._trees[pos]
        if tree is None:
            shape, nodes = self._filled_from[pos]
            tree = self._trees[pos] = _replaced(self._filled.shapes[shape], iter(nodes))  # type: ignore[arg-type]
        return tree

    def get(self, pos: Pos, default: Node | None = None) -> Node | None:  # type: ignore[override]
        return self[pos] if pos in self._trees else default

    def __contains__(self, pos: object) -> bool:
        return pos in self._trees

    def __iter__(self) -> Iterator[Pos]:
        return iter(self._trees)

    def __len__(self) -> int:
        return len(self._trees)


def _cells_of(nodes: tuple[Node, ...]) -> list[Pos]:
    """The cells of references' nodes, a range's one by one, in order (an `Area`, a whole column or
    a range too large, is never spelled out)."""
    out: list[Pos] = []
    for node in nodes:
        if type(node) is Ref:
            out.append(node.pos)
        elif type(node) is Rng:
            out.extend(node.cells)
    return out


def _area(
    match: re.Match[str], sheet: int | None, sheets: list[str]
) -> tuple[int | None, tuple[int, int], tuple[int, int]] | None:
    """The sheet and corners (row, column) of a reference matched in a formula's text (`sheet`
    where it names none); None when it names a sheet the book does not have."""
    name, _, col1, _, row1, _, col2, _, row2 = match.groups()
    if name:
        title = name[:-1]
        if title.startswith("'"):
            title = title[1:-1].replace("''", "'")
        found = sheet_index(title, sheets)
        if found is None:
            return None
        sheet = found
    first = (int(row1), _column(col1.upper()))
    last = first if col2 is None else (int(row2), _column(col2.upper()))
    return sheet, first, last


def _names_spelled(names: dict[str, tuple[str, int, int]]) -> Callable[[str], str]:
    """A formula with the book's defined names of one cell written as the cells they stand for
    (`=E5-lr*X5` as `=E5-Setup!$B$6*X5`): a formula filled down then has one shape whatever
    names it reads. Text in quotes is left as it is (the formula is read as written)."""
    if not names:
        return lambda formula: formula
    from openpyxl.utils import get_column_letter

    spelled = {
        name: f"'{sheet.replace(chr(39), chr(39) * 2)}'!${get_column_letter(col)}${row}"
        for name, (sheet, row, col) in names.items()
    }
    words = "|".join(re.escape(name) for name in sorted(spelled, key=len, reverse=True))
    named = re.compile(rf"(?<![\w.$!'\]])({words})(?![\w.(!\[])", re.IGNORECASE)
    return lambda formula: formula if '"' in formula else named.sub(lambda m: spelled[m.group(1).lower()], formula)


def _shape(formula: str, pos: Pos) -> str:
    """`formula` with its references written relative to `pos`: the same for every cell it is filled to."""
    return _REFERENCE.sub(lambda m: _relative(m, pos), formula)


def _relative(match: re.Match[str], pos: Pos) -> str:
    return _relative_to(_corners(match), pos)


def _corners(match: re.Match[str]) -> tuple[str, tuple[tuple[str, int, str, int], ...]]:
    """A reference matched in a formula's text: its sheet as written, and each corner's `$` before
    its column, its column's number, its `$` before its row, its row."""
    sheet, c1, col1, r1, row1, c2, col2, r2, row2 = match.groups()
    corners = ((c1, col1, r1, row1), (c2, col2, r2, row2))
    read = tuple((d_col, _column(col.upper()), d_row, int(row)) for d_col, col, d_row, row in corners if col)
    return sheet or "", read


def _relative_maker(read: tuple[str, tuple[tuple[str, int, str, int], ...]]) -> Callable[[int, int], str]:
    """`_relative_to` of one reference as a function of the row and column it is read from, with
    what does not depend on them written once (a cell reference; a range's is `_relative_to`)."""
    sheet, corners = read
    if len(corners) != 1:
        return lambda row, col: _relative_to(read, (0, row, col))
    dollar_col, number, dollar_row, at = corners[0]
    if dollar_col and dollar_row:
        fixed = _relative_to(read, (0, 0, 0))
        return lambda row, col: fixed
    if dollar_col:
        head = f"{{{sheet}C{number}r"
        return lambda row, col: f"{head}{at - row}:}}"
    if dollar_row:
        head, tail = f"{{{sheet}c", f"R{at}:}}"
        return lambda row, col: f"{head}{number - col}{tail}"
    head = f"{{{sheet}c"
    return lambda row, col: f"{head}{number - col}r{at - row}:}}"


def _relative_to(read: tuple[str, tuple[tuple[str, int, str, int], ...]], pos: Pos) -> str:
    text, corners = read
    for dollar_col, number, dollar_row, row in corners:
        text += f"C{number}" if dollar_col else f"c{number - pos[2]}"
        text += f"R{row}" if dollar_row else f"r{row - pos[1]}"
        text += ":"
    return "{" + text + "}"


@functools.cache
def _column(letters: str) -> int:
    from openpyxl.utils import column_index_from_string

    return column_index_from_string(letters)


def _replaced(node: Node, fresh: Iterator[Node]) -> Node:
    if isinstance(node, Ref | Rng | Area):
        return next(fresh)
    if isinstance(node, Neg):
        return Neg(_replaced(node.arg, fresh))
    if isinstance(node, Bin):
        left = _replaced(node.left, fresh)
        return Bin(node.op, left, _replaced(node.right, fresh))
    if isinstance(node, Call):
        return Call(node.name, tuple(_replaced(a, fresh) for a in node.args))
    return node
