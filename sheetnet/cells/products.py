"""A term of a sum read as the cells it multiplies, two by two: a weight and the cell it weighs.

`=B5*E5+C5*F5+G5` and `=SUMPRODUCT(B5:C5,E5:F5)+G5` are the same pre-activation: the pairs
(B5, E5) and (C5, F5), and G5 added alone. Every reader that looks for weight × input (which
weight joins which cell to which neuron, where the forward pass reads x) reads it here. It knows
cells, not networks: which of a pair is the weight is the reader's business.

Guarantee: the pairs returned are exactly the products the term adds up, in its order.
"""

from __future__ import annotations

from sheetnet.formula import Call, Node, Pos, Ref, Rng, factors


def products(term: Node) -> list[tuple[Pos, Pos]] | None:
    """The pairs of cells a term of a sum multiplies: `B5*E5` gives [(B5, E5)],
    `SUMPRODUCT(B5:C5,E5:F5)` [(B5, E5), (C5, F5)]; None for any other term (a number, one
    cell, `2*B5*E5`, a function of cells)."""
    fs = factors(term)
    if len(fs) == 2 and isinstance(fs[0], Ref) and isinstance(fs[1], Ref):
        return [(fs[0].pos, fs[1].pos)]
    if len(fs) == 1:
        return sumproduct(fs[0])
    return None


def sumproduct(node: Node) -> list[tuple[Pos, Pos]] | None:
    """`SUMPRODUCT(E33:F33, C33:D33)` as the pairs it multiplies; None for any other node."""
    if isinstance(node, Call) and node.name == "SUMPRODUCT" and len(node.args) == 2:
        a, b = node.args
        if isinstance(a, Rng) and isinstance(b, Rng) and len(a.cells) == len(b.cells):
            return list(zip(a.cells, b.cells, strict=True))
    return None
