"""The terms a sheet's pre-activations forget: a trained parameter no forward formula reads.

A pre-activation of a fully connected layer weighs every cell of its layer's input, and in a table
that trains biases adds one. Where a place is left empty and exactly as many parameters, updated
like the table's (with its η), are read by no pre-activation, each is taken in an empty place, in
the order both are read, and the reading says so: the formula that forgets it is the workbook's
slip, its parameter still a starting number (the forward pass reads 0 there). Where the counts
differ, nothing is taken: the reading stays as the formulas write it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sheetnet.formula import Node, Pos
from sheetnet.infer.neuron import Neuron, eta_key
from sheetnet.infer.reading import Reading


def forgotten_terms(
    layers: list[list[Neuron]],
    sources: list[list[Pos]],
    roots: set[Pos],
    used: set[Pos],
    after: dict[Pos, Pos],
    updates: dict[Pos, tuple[Pos, Node]],
    reading: Reading,
    label: Callable[[Pos], str],
) -> set[Pos]:
    """The parameters taken in the places `layers` leave empty (each layer's input cells in
    `sources`; `roots` the starting parameters, `used` those a pre-activation reads, `after` and
    `updates` each one's update and its η): the neurons get them, `reading` a note each."""
    trains_biases = any(isinstance(n.bias, tuple) and n.bias in roots for layer in layers for n in layer)
    empty: list[tuple[Neuron, Pos | None]] = []  # (neuron, the cell it weighs; None for its bias)
    for layer, previous in zip(layers, sources, strict=False):
        for n in layer:
            weighed = {source for _, source in n.weights}
            empty += [(n, source) for source in previous if source not in weighed]
            if trains_biases and n.bias is None:
                empty.append((n, None))
    if not empty:
        return set()
    params = [p for layer in layers for n in layer for p, _ in n.weights]
    etas = Counter(eta_key(updates[after[p]][1]) for p in params if p in after)
    if not etas:
        return set()
    eta = etas.most_common(1)[0][0]
    unread = sorted(r for r in roots - used if r in after and eta_key(updates[after[r]][1]) == eta)
    if len(unread) != len(empty):
        return set()
    for (n, source), param in zip(empty, unread, strict=True):
        if source is None:
            n.bias = param
            what, reads = "bias", "adds no bias"
        else:
            n.weights.append((param, source))
            what, reads = "weight", f"does not weigh {label(source)}"
        reading.notes.append(
            f"{label(n.z)} {reads}: {label(param)}, updated like the table's parameters but "
            f"read by no pre-activation, is taken as its {what} (a slip in that formula?)"
        )
    return set(unread)
