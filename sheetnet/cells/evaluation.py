"""One iteration of a workbook recomputed from its own formulas, with exact derivatives.

The parameters' cells of the iteration are the variables. Every cell that depends on them is
recomputed from its formula on duals (`dual`), so each carries its derivative with respect to
every parameter; any other cell is a constant, its shown number. Updates that are not this
iteration's parameters are constants too: what came before the iteration reaches it only
through its parameters. Each cell runs its formula's shape's `dual.Program` (`run`), compiled
once per book: the iterations of a table, one formula filled down, run the same closures.

Guarantee: a cell's dual is the derivative of the workbook's own formulas at the workbook's own
numbers; a cell whose formulas cannot be evaluated raises `Unsupported`, never a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Container

from sheetnet.cells.dual import Dual, Program, Read, Unsupported, Value, element
from sheetnet.cells.formulas import Formulas
from sheetnet.formula import Node, Pos, reference_nodes, signed_sum, terms

ITERATION_CELLS = 20_000  # cells one iteration of homework may hold: beyond it, nothing is judged


class Evaluation:
    """The duals of one iteration: `variables` numbered, `constants` never recomputed."""

    def __init__(
        self, formulas: Formulas, variables: dict[Pos, int], constants: Container[Pos], *, shown: bool = False
    ) -> None:
        self.formulas = formulas
        self.shown = shown  # every cell read as the number it shows
        self.variables = variables
        self.constants = constants
        self._memo: dict[Pos, Dual] = {}
        self._arrays: dict[Pos, Value] = {}
        self._busy: set[Pos] = set()

    def reached(self, later: Callable[[Pos], bool] | None = None) -> list[Pos]:
        """Every formula cell the variables reach (through readers), up to the next updates;
        a cell `later` accepts (one that reads a later iteration's parameters) is not this iteration's."""
        f, constants, no_readers = self.formulas, self.constants, ()
        readers, copies = f.readers_by_cell().get, f.copies_by_cell()
        todo = [c for v in self.variables for c in (v, *f.copies(v))]
        seen = set(todo)
        out = []
        while todo:
            here = todo.pop()
            for reader in readers(here, no_readers):
                if reader in seen or reader in constants:
                    continue
                if later is not None and later(reader):
                    continue
                seen.add(reader)
                todo.append(reader)
                if reader not in copies:
                    out.append(reader)
                if len(seen) > ITERATION_CELLS:
                    raise Unsupported(f"an iteration of more than {ITERATION_CELLS:,} cells")
        return sorted(out)

    def dual(self, pos: Pos) -> Dual:
        """The cell's number and its derivatives with respect to the variables."""
        try:
            return self._read(pos)
        except RecursionError:
            raise Unsupported("formulas nested too deep") from None

    def _read(self, pos: Pos) -> Dual:
        f = self.formulas
        pos = f.original(pos)
        number = self.variables.get(pos)
        if number is not None:
            return Dual(f.number(pos) or 0.0, {number: 1.0})
        known = self._memo.get(pos)
        if known is not None:
            return known
        if self.shown or pos in self.constants or not f.computed(pos):
            value = self._memo[pos] = self._shown(pos)  # a constant: read again, the same number
            return value
        if pos in self._busy:
            raise Unsupported("a circular reference")
        self._busy.add(pos)
        try:
            member = f.members.get(pos)
            if member is not None:
                anchor, row, col = member
                value = element(self._array(anchor), row, col)
            elif f.cells[pos].array:
                value = element(self._array(pos), 0, 0)
            else:
                result = run(f, pos, self._read)
                value = result[0][0] if isinstance(result, list) else result
        finally:
            self._busy.discard(pos)
        self._memo[pos] = value
        return value

    def _array(self, anchor: Pos) -> Value:
        known = self._arrays.get(anchor)
        if known is None:
            if anchor not in self.formulas.trees:
                raise Unsupported("an array formula that cannot be read")
            known = self._arrays[anchor] = run(self.formulas, anchor, self._read)
        return known

    def _shown(self, pos: Pos) -> Dual:
        cell = self.formulas.cells.get(pos)
        if cell is None or cell.value is None or cell.value == "":
            return Dual.const(0.0)  # an empty cell reads as 0
        if not cell.is_number:
            raise Unsupported(f"{self.formulas.address(pos)} holds {cell.value!r}, not a number")
        return Dual.const(float(cell.value))


def run(formulas: Formulas, pos: Pos, read: Read) -> Value:
    """The formula at `pos` evaluated on the cells `read` gives, with their derivatives: its
    shape's `Program`, compiled once per book and shape, run on the cell's own references."""
    template, references = formulas.shaped(pos)
    programs = formulas.derived.setdefault("programs", {})
    program = programs.get(id(template))
    if program is None:
        program = programs[id(template)] = Program(template)
    return program(read, references)


def run_without(formulas: Formulas, pos: Pos, term: int, read: Read) -> Value:
    """The formula at `pos`, a sum, with its term number `term` (`formula.terms`) left out, evaluated
    on the cells `read` gives: an update's step (`w − η·g` without `w`), as `run` runs the whole
    formula, one program per shape and term left out."""
    template, references = formulas.shaped(pos)
    programs = formulas.derived.setdefault("programs without", {})
    known = programs.get((id(template), term))
    if known is None:
        parts = terms(template)
        start = sum(1 for _, node in parts[:term] for _ in reference_nodes(node))  # its references' slots
        count = sum(1 for _ in reference_nodes(parts[term][1]))
        program = Program(signed_sum(parts[:term] + parts[term + 1 :]))
        known = programs[(id(template), term)] = (program, start, count)
    program, start, count = known
    return program(read, references[:start] + references[start + count :])


def shown_value(formulas: Formulas, node: Node) -> float:
    """What a formula's tree gives on the numbers the workbook shows (no derivative): `evaluate`,
    its program compiled once per tree (kept with the tree, so a tree asked for again is that tree)."""
    programs = formulas.derived.setdefault("programs of trees", {})
    known = programs.get(id(node))
    if known is None or known[0] is not node:
        known = programs[id(node)] = (node, Program(node), tuple(reference_nodes(node)))
    _, program, references = known
    return _number(program(_shown_read(formulas), references))


def shown_without(formulas: Formulas, pos: Pos, term: int) -> float:
    """`run_without` on the numbers the workbook shows (no derivative): an update's step as shown."""
    return _number(run_without(formulas, pos, term, _shown_read(formulas)))


def _shown_read(formulas: Formulas) -> Read:
    plain = formulas.derived.get("shown")
    if plain is None:  # it keeps nothing between reads: one serves every tree
        plain = formulas.derived["shown"] = Evaluation(formulas, {}, frozenset(), shown=True)
    return plain._read


def _number(result: Value) -> float:
    return (result[0][0] if isinstance(result, list) else result).value
