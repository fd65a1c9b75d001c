"""One cell of an array formula, written as the scalar formula it computes.

`{=MMULT(B5:D8,G5:G7)+H5}` over J5:J8 puts in J6 the number `B6*G5 + C6*G6 + D6*G7 + H5`. Readers
that understand sums of products (a pre-activation: weight × input) read that scalar tree the
way they read a formula typed into the cell. Ranges are taken element by element (a 1×1 or a
single row or column broadcast, as Excel does), MMULT as its sum of products, TRANSPOSE by
swapping the element's row and column; anything that sums a range (SUM, SUMPRODUCT) is left
whole, a number.

Guarantee: the tree returned evaluates to the element Excel computes; None where the formula is
no elementwise expression this module knows.
"""

from __future__ import annotations

from sheetnet.formula import Bin, Call, Neg, Node, Num, Ref, Rng

MAX_CELLS = 10_000  # cells of one array formula spread: no homework array is larger
AGGREGATES = {"SUM", "SUMPRODUCT", "AVERAGE", "MAX", "MIN", "SUMSQ"}  # a range in, a number out


def spread(anchor: tuple[int, int, int], tree: Node, area: str) -> dict[tuple[int, int, int], Node]:
    """Every cell of the array formula `tree` written at `anchor` over `area` (`J5:J8`), as its
    scalar tree; the cells that are no elementwise expression are left out."""
    from openpyxl.utils.cell import range_boundaries

    try:
        c1, r1, c2, r2 = range_boundaries(area)
    except (ValueError, TypeError):
        return {}
    if (r2 - r1 + 1) * (c2 - c1 + 1) > MAX_CELLS:
        return {}
    out = {}
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            scalar = element_tree(tree, r - r1, c - c1)
            if scalar is not None:
                out[(anchor[0], r, c)] = scalar
    return out


def element_tree(node: Node, row: int, col: int) -> Node | None:
    """Element (row, col), from the top left, of the array `node` computes."""
    if isinstance(node, Num | Ref):
        return node
    if isinstance(node, Rng):
        return _cell(node, row, col)
    if isinstance(node, Neg):
        arg = element_tree(node.arg, row, col)
        return None if arg is None else Neg(arg)
    if isinstance(node, Bin):
        left, right = element_tree(node.left, row, col), element_tree(node.right, row, col)
        return None if left is None or right is None else Bin(node.op, left, right)
    if isinstance(node, Call):
        if node.name in AGGREGATES:
            return node
        if node.name == "TRANSPOSE" and len(node.args) == 1:
            return element_tree(node.args[0], col, row)
        if node.name == "MMULT" and len(node.args) == 2:
            return _product(node.args[0], node.args[1], row, col)
        args = [element_tree(a, row, col) for a in node.args]
        return None if any(a is None for a in args) else Call(node.name, tuple(args))  # type: ignore[arg-type]
    return None


def _shape(node: Node) -> tuple[int, int] | None:
    if isinstance(node, Rng):
        return len({p[1] for p in node.cells}), len({p[2] for p in node.cells})
    if isinstance(node, Call) and node.name == "TRANSPOSE" and len(node.args) == 1:
        inner = _shape(node.args[0])
        return None if inner is None else (inner[1], inner[0])
    if isinstance(node, Num | Ref):
        return 1, 1
    return None


def _cell(rng: Rng, row: int, col: int) -> Ref | None:
    rows = sorted({p[1] for p in rng.cells})
    cols = sorted({p[2] for p in rng.cells})
    r = rows[0] if len(rows) == 1 else rows[row] if row < len(rows) else None
    c = cols[0] if len(cols) == 1 else cols[col] if col < len(cols) else None
    return None if r is None or c is None else Ref((rng.cells[0][0], r, c))


def _product(a: Node, b: Node, row: int, col: int) -> Node | None:
    shape_a, shape_b = _shape(a), _shape(b)
    if shape_a is None or shape_b is None or shape_a[1] != shape_b[0]:
        return None
    total: Node | None = None
    for k in range(shape_a[1]):
        left, right = element_tree(a, row, k), element_tree(b, k, col)
        if left is None or right is None:
            return None
        term = Bin("*", left, right)
        total = term if total is None else Bin("+", total, term)
    return total
