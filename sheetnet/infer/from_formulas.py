"""A network read from one sheet's formulas: its updates, its pre-activations, its targets.

An update reads `=E33-$H$31*X33` (the parameter, η, its gradient): the cells it starts from are
the initial parameters, and the chain of updates counts the iterations. A pre-activation is a
sum of products of such parameters and the cells they weigh (inputs, or activations of the layer
before), plus perhaps a bias (`b`, or `b*1`): which weight joins which cell to which neuron gives
the layer sizes and W's shape. A weight never weighs a cell computed from itself: `=δ*w` carries
an error back, no neuron. An update of a copy nothing else reads (`=D3`, a row per phase) updates
the typed weight it copies. The formula reading only its pre-activation is the activation (`activations`); a
weight weighs the input its update multiplies (δ·a), so a pre-activation that reads another's
pre-activation where the updates multiply its activation is read with the activation, its slip
named. A term a pre-activation forgets (no bias where the table trains biases, no weight of one
of its layer's inputs) is the parameter updated like the table's that no pre-activation reads,
its slip named, and the forward pass reads 0 there (`Reading.forward_init`). Only iteration 0's
parameters make neurons: later iterations repeat them. A target is the cell that, put in the
place of an output, makes a formula on it zero (`0.5*(t-a)^2`, `a-t`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from sheetnet.book import Book
from sheetnet.cells.arrays import spread
from sheetnet.cells.chains import TYPED_AGAIN, feeds
from sheetnet.cells.formulas import Formulas
from sheetnet.cells.labels import Labels, label_name, label_token, numbered
from sheetnet.cells.products import products
from sheetnet.formula import (
    Bin,
    FormulaError,
    Neg,
    Node,
    Num,
    Pos,
    Ref,
    evaluate,
    factors,
    references,
    terms,
)
from sheetnet.infer.activations import activation_of
from sheetnet.infer.confirm import loss_in
from sheetnet.infer.forgotten import forgotten_terms
from sheetnet.infer.neuron import Neuron, eta_key
from sheetnet.infer.reading import GUESSED_LOSS, Reading, coordinate

MAX_FORMULAS = 50_000  # per sheet: more is no hand-made network (sheetnet's own are read from Setup)
COPIES_FOLLOWED = 8  # `=C4` copied again: a sample's row copies the first row's, a block the one before


class FormulaReader:
    """One sheet's formulas, read as a network."""

    def __init__(self, book: Book, grid: Any, labels: Labels, formulas: Formulas, s: int) -> None:
        self.book, self.grid, self.labels, self.s = book, grid, labels, s
        self.trees: dict[Pos, Node] = {}  # the sheet's formulas, an array formula's cells each its own
        self.used: set[Pos] = set()  # the parameters the pre-activations read (set by `readings`)
        self.copies: dict[Pos, list[Pos]] | None = None  # cell → the cells `=cell` (see `successor`)
        self.read: Counter[Pos] | None = None  # how many formulas read each cell (see `repeated`)
        self.chained: dict[Pos, int] | None = None  # each parameter's iterations by the book's chains
        self.formulas = formulas
        self.behind: dict[Pos, frozenset[Pos]] = {}  # a cell → every cell it is computed from (`computed_from`)
        if sum(1 for cell in book.cells[book.sheets[s]].values() if cell.formula) > MAX_FORMULAS:
            return  # no homework network: not read
        for p, tree in formulas.trees.items():
            if p[0] != s:
                continue
            self.trees[p] = tree
            array = formulas.cells[p].array
            if array:  # `{=MMULT(X,W)+b}`: each cell of it as the sum of products it computes
                self.trees.update(spread(p, tree, array))

    def value(self, p: Pos) -> float:
        cell = self.book.cells[self.book.sheets[p[0]]].get((p[1], p[2]))
        if cell is None or not cell.is_number:
            raise FormulaError(f"no number at {p}")
        return float(cell.value)

    def coordinate(self, p: Pos) -> str:
        return coordinate(p, self.s, self.book.sheets)

    # updates: P − η·G
    def updates(self) -> dict[Pos, tuple[Pos, Node]]:
        """Every formula `P − η·G` (G a cell, or a product written inline: `=E5-$B$1*S5*K5`, or a
        sum divided by the samples: `=E5-$B$1*S12/4`), as (P, η). Which factor is η: the one most
        updates share."""
        options: dict[Pos, list[tuple[Pos, Node]]] = {}
        for u, tree in self.trees.items():
            # P − η·G, or the delta rule's P + η·δ·a (δ = −∂E/∂net)
            if not (isinstance(tree, Bin) and tree.op in "-+" and isinstance(tree.left, Ref)):
                continue
            step = tree.right
            if isinstance(step, Ref) and step.pos in self.trees and tree.op == "+":
                step = self.trees[step.pos]  # w + Δw, the step a cell of its own: Δw = −η·g
                step = step.arg if isinstance(step, Neg) else step
            if isinstance(step, Bin) and step.op == "/" and isinstance(step.right, Num):
                step = step.left  # η·Σ/N: the mean written through the sum (the divisor is no η)
            # −η·g parses as (−η)·g: a factor's sign is no factor
            fs = [f.arg if isinstance(f, Neg) else f for f in factors(step)] if tree.op == "+" else factors(step)
            if not 2 <= len(fs) <= 6 or tree.left.pos == u:
                continue
            found = []
            for k, eta in enumerate(fs):
                rest = fs[:k] + fs[k + 1 :]
                if isinstance(eta, Ref | Num) and not any(isinstance(f, Ref) and f.pos == tree.left.pos for f in rest):
                    if any(isinstance(f, Ref) for f in rest) or any(not isinstance(f, Num) for f in rest):
                        found.append((tree.left.pos, eta))
            if found:
                options[u] = [(self.repeated(p), eta) for p, eta in found]
        # η is the factor most updates share (the same cell, or the same typed number)
        votes = Counter(eta_key(eta) for found in options.values() for _, eta in found)
        chosen = {}
        for u, found in options.items():
            chosen[u] = max(found, key=lambda f: (votes[eta_key(f[1])], isinstance(f[1], Ref) and f[1].absolute))
        return chosen

    def repeated(self, p: Pos) -> Pos:
        """The cell an updated parameter repeats, if no formula but its update reads it: the same
        number typed above it in its column where formulas read it (a row per phase types the
        weights again), or the typed number it copies (`=D3`: a row per phase copies the weights a
        later phase updates). The parameter is the one the forward pass reads; a copy of an update
        (`=E22`, a block per epoch) is a later iteration's, and stays."""
        if self.read is None:
            self.read = Counter(r.pos for tree in self.trees.values() for r in references(tree))
        if self.read[p] > 1:
            return p
        copied = self.origin(p, set())
        if copied != p and copied not in self.trees and self.read[copied] > 1:
            return copied
        return next((q for q in self.typed_above(p) if self.read[q]), p)

    def typed_above(self, p: Pos) -> list[Pos]:
        """The cells above a typed number in its column that hold the same number typed, nearest first."""
        cells = self.book.cells[self.book.sheets[p[0]]]
        cell = cells.get((p[1], p[2]))
        if cell is None or cell.formula or not cell.is_number:
            return []
        return [
            (p[0], row, p[2])
            for row in range(p[1] - 1, max(0, p[1] - TYPED_AGAIN), -1)
            if (above := cells.get((row, p[2]))) is not None and not above.formula and above.value == cell.value
        ]

    def readings(self) -> list[Reading]:
        updates = self.updates()
        if not updates:
            return []
        after = {p: u for u, (p, _) in updates.items()}
        roots = self.first_parameters(after, updates)
        neurons = self.neurons(roots, after)
        if not neurons:
            return []
        self.used = {param for n in neurons.values() for param, _ in n.weights}
        self.used |= {n.bias for n in neurons.values() if isinstance(n.bias, tuple)}
        out = []
        clusters: dict[frozenset[Pos], list[list[Neuron]]] = {}
        for group in self.tables(neurons):  # the groups that use the same weights are its samples
            clusters.setdefault(frozenset(w for n in group for w, _ in n.weights), []).append(group)
        for groups in clusters.values():
            reading = self.reading(groups[0], roots, after, updates, samples=groups[1:])
            if reading is not None:
                self.read_batches(reading, groups[0], after, updates)
                out.append(reading)
        return out

    def first_parameters(self, after: dict[Pos, Pos], updates: dict[Pos, tuple[Pos, Node]]) -> set[Pos]:
        """Iteration 0's parameters: those no update gives, directly or through copies. A block per
        epoch that starts from `=E22`, a copy of the epoch before's update, is a later iteration of
        the same network, never more neurons of it (its MMULT reads the same typed X)."""

        def continues(p: Pos) -> bool:
            for _ in range(COPIES_FOLLOWED):
                tree = self.trees.get(p)
                if not isinstance(tree, Ref):
                    return False
                p = tree.pos
                if p in updates:
                    return True
            return False

        return {p for p in after if p not in updates and not continues(p)}

    def successor(self, p: Pos, after: dict[Pos, Pos]) -> Pos | None:
        """The parameter the next iteration uses: the update of `p`, or the update of a cell that
        copies it (a block per iteration that starts from `=B12`, the update of the block before)."""
        if p in after:
            return after[p]
        if self.copies is None:
            self.copies = defaultdict(list)
            for q, tree in self.trees.items():
                if isinstance(tree, Ref):
                    self.copies[tree.pos].append(q)
        return next((after[c] for c in self.copies.get(p, ()) if c in after), None)

    def read_batches(
        self, reading: Reading, group: list[Neuron], after: dict[Pos, Pos], updates: dict[Pos, tuple[Pos, Node]]
    ) -> None:
        """Online or mini-batch learning: iteration 1 (and on) reads other samples than iteration 0.
        The samples of the iterations that follow, one after the other, repeat from where they
        wrap around: they are the samples, and iteration 0's count is the batch size."""
        first = reading.values["samples"]
        if not first or any("y" not in sample for sample in first):
            return
        b = len(first)
        seen: list[tuple[tuple[float, ...], tuple[float, ...]]] = [(tuple(s["x"]), tuple(s["y"])) for s in first]
        where: list[dict[str, str]] = [_sample_cells(reading, k) for k in range(b)]
        current = {param: param for n in group for param, _ in n.weights}
        for t in range(1, min(reading.values["iters"], SCAN_AT_MOST)):
            moved = {p: self.successor(q, after) for p, q in current.items()}
            if any(q is None for q in moved.values()):
                break
            current = moved  # type: ignore[assignment]
            used = set(current.values())
            groups = self.tables(self.neurons(used, after))  # type: ignore[arg-type]
            mine = [g for g in groups if {w for n in g for w, _ in n.weights} <= used]
            later = self.reading(mine[0], used, after, updates, samples=mine[1:]) if mine else None  # type: ignore[arg-type]
            if later is None or later.values["layers"] != reading.values["layers"]:
                break
            batch = later.values["samples"]
            if len(batch) != b or any("y" not in sample for sample in batch):
                break
            pairs = [(tuple(s["x"]), tuple(s["y"])) for s in batch]
            if t == 1 and pairs == seen:
                return  # every sample in every iteration
            seen += pairs
            where += [_sample_cells(later, k) for k in range(b)]
            if len(seen) >= 2 * _period(seen, b):
                break
        if len(seen) == b:
            return
        n = _period(seen, b)
        if n == b and all(seen[j] == seen[j % b] for j in range(len(seen))):
            return
        reading.values["samples"] = [{"x": list(x), "y": list(y)} for x, y in seen[:n]]
        for k in range(b, n):
            for name in ("x", "y"):
                key = f"{name}{k + 1}"
                reading.cells[key] = where[k].get(f"{name}cells", "")
                reading.names[key] = where[k].get(f"{name}names", "")
        if b < n:
            reading.values["batch_size"] = b
            cells = where[b].get("xcells", "").split()
            rows = sorted({int(m.group(1)) for c in cells if (m := re.search(r"(\d+)$", c))})
            at = f" (row {rows[0]})" if rows else ""
            reading.cells["batch_size"] = (
                f"{'a sample' if b == 1 else f'{b} samples'} an iteration: iteration 1 reads the next{at}"
            )

    def neurons(self, roots: set[Pos], after: dict[Pos, Pos]) -> dict[Pos, Neuron]:
        """Every pre-activation of iteration 0: a sum of (initial weight × cell) and perhaps a bias,
        each weight with the input its update multiplies (`weighed_as_updated`)."""
        found: dict[Pos, Neuron] = {}
        updated = {u: p for p, u in after.items()}  # a pre-activation adds no update of its parameters (`+L4`)
        for z, tree in self.trees.items():
            weights, biases, ok = [], [], True
            for sign, written in terms(tree):
                term = _without_ones(written)  # `B17*1`: a bias written as the weight of an input 1
                fs = factors(term)
                pairs = products(term)
                if sign < 0:
                    ok = False
                elif pairs is not None:  # weight × cell, or SUMPRODUCT's pairs: one of each a parameter
                    for first, second in pairs:
                        params = [p for p in (first, second) if self.origin(p, roots) in roots]
                        if len(params) != 1:
                            ok = False
                            break
                        weight, source = self.origin(params[0], roots), second if params[0] == first else first
                        if self.computed_from(source, weight):
                            ok = False  # `=H6*B13`: δ (computed from w5) times w5 carries the error back
                            break
                        weights.append((weight, source))
                elif len(fs) == 1 and isinstance(fs[0], Ref):
                    if self.updates_of(self.origin(fs[0].pos, roots), updated, roots):  # a later z
                        ok = False
                        break
                    biases.append(
                        self.origin(fs[0].pos, roots) if self.origin(fs[0].pos, roots) in roots else fs[0].pos
                    )
                elif len(fs) == 1 and isinstance(fs[0], Num):
                    biases.append(fs[0].value)
                else:
                    ok = False
                if not ok:
                    break
            if ok and weights and len(biases) <= 1:
                found[z] = Neuron(z, z, "linear", weights, biases[0] if biases else None)
        # activations: a formula reading only the pre-activation, evaluated at a few points
        # (or reading a cell that reads only it: `=EXP(-h1)`, then `=1/(1+X7)`)
        readers: dict[Pos, list[Pos]] = defaultdict(list)
        leaves: dict[Pos, frozenset[Pos]] = {}
        for a in self.trees:
            reached = self.leaves(a, found, leaves)
            if len(reached) == 1:
                (z,) = reached
                if z in found and a not in found:
                    readers[z].append(a)
        for z, candidates in readers.items():
            best = None
            for a in sorted(candidates, key=lambda p: (p[1], p[2])):
                kind = self.activation(a, z)
                if kind is not None and (best is None or (best[1] == "linear" and kind != "linear")):
                    best = (a, kind)
            if best is not None:
                found[z].out, found[z].kind = best
        self.weighed_as_updated(found, after)
        return found

    @staticmethod
    def updates_of(p: Pos, updated: dict[Pos, Pos], roots: set[Pos]) -> bool:
        """True if `p` is an update, or an update of updates, of one of `roots`: a pre-activation that
        adds it (`+L4`, b after a step, beside the first W) is a later iteration's, not a neuron of
        the iteration of `roots` (every block's z pinned to the first W by a `$`)."""
        seen = set()
        while p in updated and p not in seen:
            seen.add(p)
            p = updated[p]
            if p in roots:
                return True
        return False

    def weighed_as_updated(self, neurons: dict[Pos, Neuron], after: dict[Pos, Pos]) -> None:
        """The input a weight weighs is the one its gradient multiplies (∂E/∂w = δ·input). Where a
        pre-activation reads another neuron's pre-activation z, and the weight's update multiplies
        that neuron's activation instead (`=L4+Q4*AG4*0.001`, Q4 = σ(P4), where the forward pass
        reads P4), the backward pass, the updates and the activation cell agree: the input is the
        activation, and the formula that reads z is the workbook's slip, named for check to judge."""
        by_z = {n.z: n for n in neurons.values() if n.out != n.z}
        for n in neurons.values():
            moved: list[tuple[Pos, Neuron]] = []
            for k, (param, source) in enumerate(n.weights):
                m = by_z.get(source)
                update = self.trees.get(after.get(param))  # type: ignore[arg-type]
                if m is None or not isinstance(update, Bin):
                    continue
                multiplied = self.multiplied(update.right)
                if m.out in multiplied and m.z not in multiplied:
                    n.weights[k] = (param, m.out)
                    moved.append((param, m))
            if moved:
                one = len(moved) == 1
                kinds = " and ".join(dict.fromkeys(m.kind for _, m in moved)) + ("" if one else "s")
                n.notes.append(
                    f"{self.coordinate(n.z)} reads the pre-activation{'' if one else 's'} "
                    f"{', '.join(self.label(m.z) for _, m in moved)} where {'its' if one else 'their'} {kinds} "
                    f"{', '.join(self.label(m.out) for _, m in moved)} belong{'s' if one else ''}: the "
                    f"update{'' if one else 's'} of {', '.join(self.label(p) for p, _ in moved)} "
                    f"multipl{'ies it' if one else 'y them'} (a slip in that formula?)"
                )

    def multiplied(self, step: Node, depth: int = 0) -> set[Pos]:
        """The cells a step multiplies, through the cells that are products themselves (`η·g` with
        `g = δ·a`, a step cell `Δw = −η·g`, a mean `η·g/4`): the gradient's factors."""
        out: set[Pos] = set()
        for f in _product(step):
            if isinstance(f, Ref):
                out.add(f.pos)
                tree = self.trees.get(f.pos)
                if tree is not None and depth < STEP_DEPTH and len(_product(tree)) > 1:
                    out |= self.multiplied(tree, depth + 1)
        return out

    def computed_from(self, source: Pos, weight: Pos) -> bool:
        """Whether the cell a weight weighs is computed from that weight. A forward pass weighs an
        input or the layer before's activation, which no weight of its own neuron feeds; a backward
        pass weighs an error computed from the output, which every weight feeds (`=H6*B13`, δ o1
        times w5, carries δ back to h1: no pre-activation of w5)."""
        if source not in self.behind:
            f = self.formulas
            cone = f.behind([source], f.computed)
            self.behind[source] = frozenset(cone | {f.original(q) for p in cone for q in f.precedents(p)})
        return weight in self.behind[source]

    def origin(self, p: Pos, roots: set[Pos]) -> Pos:
        """The parameter a copy (`=C4`, copied again) copies, for a sample's row that copies the
        weights of the first; the cell itself if it is a parameter or copies none."""
        for _ in range(COPIES_FOLLOWED):
            if p in roots:
                break
            tree = self.trees.get(p)
            if not isinstance(tree, Ref):
                break
            p = tree.pos
        return p

    def leaves(
        self, p: Pos, neurons: dict[Pos, Any], memo: dict[Pos, frozenset[Pos]], depth: int = 0
    ) -> frozenset[Pos]:
        """The cells a formula reads, through the formulas between it and a pre-activation (three deep)."""
        if p in memo:
            return memo[p]
        tree = self.trees.get(p)
        if tree is None or depth > 3:
            return frozenset({p})
        out: set[Pos] = set()
        for ref in references(tree):
            q = ref.pos
            if q in neurons or q not in self.trees or len(out) > 1:
                out.add(q)
            else:
                out |= self.leaves(q, neurons, memo, depth + 1)
        memo[p] = frozenset(out)
        return memo[p]

    def activation(self, a: Pos, z: Pos) -> str | None:
        """The activation the formula at `a` computes of the pre-activation at `z`, if any."""

        def at(v: float) -> float:
            def value(p: Pos, depth: int = 0) -> float:
                if p == z:
                    return v
                if p not in self.trees or depth > 3:
                    raise FormulaError("reads more than the pre-activation")
                return evaluate(self.trees[p], lambda q: value(q, depth + 1))

            return evaluate(self.trees[a], value)

        return activation_of(at)

    def tables(self, neurons: dict[Pos, Neuron]) -> list[list[Neuron]]:
        """The neurons in groups that feed each other (one group per table), in reading order."""
        parent: dict[Pos, Pos] = {}

        def find(p: Pos) -> Pos:
            while parent.setdefault(p, p) != p:
                p = parent[p]
            return p

        by_out = {n.out: n for n in neurons.values()}
        for n in neurons.values():
            for _, source in n.weights:
                other = by_out.get(source)
                parent[find(n.z)] = find(other.z if other else source)
        groups: dict[Pos, list[Neuron]] = defaultdict(list)
        for n in neurons.values():
            groups[find(n.z)].append(n)
        return sorted(groups.values(), key=lambda g: min((n.z[1], n.z[2]) for n in g))

    def reading(
        self,
        group: list[Neuron],
        roots: set[Pos],
        after: dict[Pos, Pos],
        updates: dict[Pos, tuple[Pos, Node]],
        samples: list[list[Neuron]] = (),  # type: ignore[assignment]
    ) -> Reading | None:
        by_out = {n.out: n for n in group}
        depth: dict[Pos, int] = {}

        def level(n: Neuron, seen: frozenset[Pos] = frozenset()) -> int:
            if n.z not in depth:
                if n.z in seen:
                    raise FormulaError("a cycle")
                sources = [by_out[s] for _, s in n.weights if s in by_out]
                depth[n.z] = 1 + max((level(m, seen | {n.z}) for m in sources), default=0)
            return depth[n.z]

        try:
            for n in group:
                level(n)
        except FormulaError:
            return None
        layers: list[list[Neuron]] = [[n for n in group if depth[n.z] == d] for d in range(1, max(depth.values()) + 1)]
        if any(not layer for layer in layers):
            return None
        inputs = {s for n in layers[0] for _, s in n.weights}
        if any(s in by_out for s in inputs):
            return None
        inputs_sorted = self.order(sorted(inputs))
        layers = [self.order_neurons(layer) for layer in layers]
        outs = [[n.out for n in layer] for layer in layers]
        values: dict[str, Any] = {}
        reading = Reading(self.book.sheets[self.s], "formulas", values)
        sizes = [len(inputs_sorted)] + [len(layer) for layer in layers]
        values["layers"] = sizes
        hidden = {n.kind for layer in layers[:-1] for n in layer}
        output = {n.kind for n in layers[-1]}
        if len(hidden) > 1 or len(output) > 1:
            return None  # sheetnet trains one activation for the hidden layers and one for the output
        values["activation"] = next(iter(hidden)) if hidden else "linear"  # no hidden layer: none applies
        values["output_activation"] = next(iter(output))
        reading.notes += [note for layer in layers for n in layer for note in n.notes]
        self.read_twice(layers, roots, reading)
        forgotten = forgotten_terms(
            layers, [inputs_sorted, *outs], roots, self.used, after, updates, reading, self.label
        )
        self.used |= forgotten
        values["init"] = {}
        trained: list[bool] = []
        named: dict[str, list[Pos]] = {}  # the parameters' cells, to be named apart
        for l, layer in enumerate(layers, start=1):
            previous = inputs_sorted if l == 1 else outs[l - 2]
            w, b, w_cells, b_cells, w_params, b_params = [], [], [], [], [], []
            forward: list[list[float]] = []  # W as the forward pass reads it
            for n in layer:
                weights = {source: param for param, source in n.weights}
                if set(weights) != set(previous) or len(n.weights) != len(previous):
                    return None  # not fully connected
                w.append([self.value(weights[source]) for source in previous])
                forward.append([0.0 if weights[source] in forgotten else w[-1][i] for i, source in enumerate(previous)])
                w_cells += [self.coordinate(weights[source]) for source in previous]
                w_params += [weights[source] for source in previous]
                if isinstance(n.bias, tuple):
                    b.append(self.value(n.bias))
                    b_cells.append(self.coordinate(n.bias))
                    b_params.append(n.bias)
                    trained.append(n.bias in roots)
                else:
                    b.append(float(n.bias or 0.0))
            values["init"][f"W{l}"] = w
            values["init"][f"B{l}"] = b
            if forgotten:
                reading.forward_init[f"W{l}"] = forward
                reading.forward_init[f"B{l}"] = [
                    0.0 if n.bias in forgotten else value for n, value in zip(layer, b, strict=True)
                ]
            reading.cells[f"W{l}"] = " ".join(w_cells)
            named[f"W{l}"] = w_params
            if b_cells:
                reading.cells[f"B{l}"] = " ".join(b_cells)
                named[f"B{l}"] = b_params
        apart = self.names_apart([p for cells in named.values() for p in cells])
        for key, cells in named.items():
            reading.names[key] = _listed(apart[p] for p in cells)
        values["train_biases"] = bool(trained) and Counter(trained).most_common(1)[0][0]
        network_cells = (
            set(roots) | {n.out for g in [group, *samples] for n in g} | {n.z for g in [group, *samples] for n in g}
        )
        values["samples"] = []
        # the other samples' cells, matched to this one's by the weights they meet (the ones they read)
        first_weight = {source: param for n in layers[0] for param, source in n.weights if param not in forgotten}
        out_weights = [frozenset(w for w, _ in n.weights if w not in forgotten) for n in layers[-1]]
        for s, members in enumerate([group, *samples]):
            if s == 0:
                xs, ys = inputs_sorted, outs[-1]
            else:
                by_param = {param: source for n in members for param, source in n.weights}
                by_weights = {frozenset(w for w, _ in n.weights): n.out for n in members}
                xs = [by_param.get(first_weight[p]) for p in inputs_sorted]
                ys = [by_weights.get(key) for key in out_weights]
                if any(p is None for p in xs) or any(p is None for p in ys):
                    continue
            key = "" if s == 0 else str(len(values["samples"]) + 1)
            targets = [self.target(out, network_cells) for out in ys]
            sample: dict[str, Any] = {"x": [self.value(p) for p in xs]}
            reading.cells["x" + key] = " ".join(self.coordinate(p) for p in xs)
            reading.names["x" + key] = _listed(self.name(p) for p in xs)
            if all(t is not None for t in targets):
                sample["y"] = [self.value(t) for t in targets]  # type: ignore[arg-type]
                reading.cells["y" + key] = " ".join(self.coordinate(t) for t in targets)  # type: ignore[arg-type]
                reading.names["y" + key] = _listed(self.name(t) for t in targets)  # type: ignore[arg-type]
            else:
                reading.missing["y" + key] = "no formula compares the outputs with targets (0.5*(t-a)^2)"
            values["samples"].append(sample)
        # η and the iterations, from the updates of this table's weights
        params = [param for layer in layers for n in layer for param, _ in n.weights]
        etas = Counter()
        where: dict[Any, list[Pos]] = defaultdict(list)
        for param in params:
            u = after.get(param)
            if u is not None:
                eta = updates[u][1]
                etas[eta_key(eta)] += 1
                where[eta_key(eta)].append(u)
        if etas:
            key = etas.most_common(1)[0][0]
            if key[0] == "cell":
                values["lr"] = self.value(key[1])
                reading.eta_cell = self.coordinate(key[1])
                reading.cells["lr"] = reading.eta_cell
                reading.names["lr"] = self.name(key[1])
            else:
                values["lr"] = key[1]
                first = min(where[key], key=lambda p: (p[1], p[2]))
                reading.cells["lr"] = f"typed in the updates ({self.coordinate(first)} …)"
        else:
            reading.missing["lr"] = "no update formula of these weights"
        lengths = []
        if self.chained is None:
            self.chained = _chained_iterations(self.book)  # across sheets too: a sheet per iteration
        chained = self.chained
        biases = [n.bias for layer in layers for n in layer if isinstance(n.bias, tuple) and n.bias in roots]
        for param in params + biases:  # the longest chain of the table's: a slip may leave one unread
            count, p = 1, param
            while (q := self.successor(p, after)) is not None and count < 1_048_576:
                p, count = q, count + 1
            lengths.append(max(count - self.computes_nothing(p, param), chained.get(param, 0)))
        values["iters"] = max(lengths)
        first_rows = sorted({p[1] for p in params})
        reading.cells["iters"] = f"the chain of updates from row {first_rows[0]}"
        forward = values | {"init": reading.forward_init} if reading.forward_init else values  # what the sheet computes
        values["loss"] = loss_in(self.grid, self.s, forward) or GUESSED_LOSS
        return reading

    def computes_nothing(self, last: Pos, first: Pos) -> bool:
        """True if `last`, the last update of the chain from `first`, feeds no calculation (a one-step
        sheet's new weights, a column of `w − η·g` beside the last row): it ends the training, and no
        iteration computes from it, so it is no parameter state of its own."""
        return last != first and not feeds(self.formulas, last)

    def read_twice(self, layers: list[list[Neuron]], roots: set[Pos], reading: Reading) -> None:
        """A weight read twice (`=w1*i1+w1*i2`, a slip) where another, updated like a weight, is read
        by no pre-activation: that one is taken in the second place, and the reading says so. An
        update of a number typed again in a later row (a row per phase) stands for the cell above
        it that it repeats, where the table's weights are."""
        seen: set[Pos] = set()
        twice: list[tuple[Neuron, int]] = []
        for layer in layers:
            for n in layer:
                for k, (param, _) in enumerate(n.weights):
                    if param in seen:
                        twice.append((n, k))
                    seen.add(param)
        if not twice:
            return
        rows = [p[1] for p in seen]
        cols = [p[2] for p in seen]

        def inside(r: Pos) -> bool:
            return r[0] == self.s and min(rows) <= r[1] <= max(rows) and min(cols) <= r[2] <= max(cols)

        placed = [r if inside(r) else next(filter(inside, self.typed_above(r)), r) for r in roots - self.used]
        unused = [r for r in placed if inside(r) and r not in self.used]
        if len(unused) != len(twice):
            return
        for n, k in twice:
            param, source = n.weights[k]
            nearest = min(unused, key=lambda r: (abs(r[1] - param[1]) + abs(r[2] - param[2]), r))
            unused.remove(nearest)
            n.weights[k] = (nearest, source)
            reading.notes.append(
                f"{self.coordinate(n.z)} reads {self.label(param)} twice; {self.label(nearest)}, updated like a "
                "weight but read by no pre-activation, is taken in its second place (a slip in that formula?)"
            )

    def label(self, p: Pos) -> str:
        name = self.name(p)
        return f"{name} ({self.coordinate(p)})" if name else self.coordinate(p)

    def order(self, cells: list[Pos]) -> list[Pos]:
        """Cells in the order their labels number them (i1, i2), else in reading order."""
        numbers = [(numbered(self.name(p)) or (None, None))[1] for p in cells]
        if all(n is not None for n in numbers) and len(set(numbers)) == len(numbers):
            return [p for _, p in sorted(zip(numbers, cells, strict=True))]
        return sorted(cells, key=lambda p: (p[0], p[2], p[1]) if self._row_layout(cells) else (p[0], p[1], p[2]))

    def order_neurons(self, layer: list[Neuron]) -> list[Neuron]:
        ordered = self.order([n.z for n in layer])
        by_z = {n.z: n for n in layer}
        return [by_z[z] for z in ordered]

    @staticmethod
    def _row_layout(cells: list[Pos]) -> bool:
        return len({p[1] for p in cells}) == 1

    def name(self, p: Pos) -> str:
        """The label the workbook gives a cell (`cells.labels.Labels.names`: its column's header,
        else its row's label; a caption such as `value` last)."""
        if p[0] != self.s:
            return ""
        for text in self.labels.names(p):
            token = label_token(text)
            if token and len(token) <= 12 and re.search(r"[a-zα-ωη]", token):
                return label_name(text)
        return ""

    def names_apart(self, cells: list[Pos]) -> dict[Pos, str]:
        """Each cell's name (`name`); where one name is several cells' (`w` over a column of a table
        with a row per neuron), the name the table gives each (`h1 w · in1`: `Labels.table_name`)."""
        names = {p: self.name(p) for p in cells}
        count = Counter(names.values())
        return {p: (self.labels.table_name(p) or n) if n and count[n] > 1 else n for p, n in names.items()}

    def target(self, out: Pos, network_cells: set[Pos]) -> Pos | None:
        """The cell that, put in the place of output `out`, makes a formula reading both zero."""
        votes: Counter[Pos] = Counter()
        for f, tree in self.trees.items():
            refs = {r.pos for r in references(tree)}
            if out not in refs or f in network_cells or len(refs) > 6:
                continue
            for t in refs - {out} - network_cells:
                if t in self.trees and not isinstance(self.trees[t], Num | Ref):
                    continue  # a target is typed (or copied), never computed
                try:
                    tv = self.value(t)
                    if abs(tv - self.value(out)) < 1e-12:
                        continue
                    swapped = evaluate(tree, lambda p, tv=tv: tv if p == out else self.value(p))
                    actual = evaluate(tree, self.value)
                except FormulaError:
                    continue
                if abs(swapped) <= 1e-12 and abs(actual) > 1e-12:
                    votes[t] += 1
        if not votes:
            return None
        return max(votes, key=lambda t: (votes[t], -t[1], -t[2]))


def _listed(names: Iterable[str]) -> str:
    """Cells' names as a comment lists them: `w1 w5 w2`, or `IN A, IN B` where a name holds a space."""
    named = [name for name in names if name]
    return (", " if any(" " in name for name in named) else " ").join(named)


SCAN_AT_MOST = 64  # iterations read for the samples of online or mini-batch learning
STEP_DEPTH = 3  # product cells followed from an update's step: Δw, the gradient, δ·a


def _without_ones(term: Node) -> Node:
    """A product with its factors 1 left out (`B17*1` is `B17`); any other term as it is."""
    fs = factors(term)
    kept = [f for f in fs if not (isinstance(f, Num) and f.value == 1)]
    if len(kept) == len(fs) or not kept:
        return term
    out = kept[0]
    for f in kept[1:]:
        out = Bin("*", out, f)
    return out


def _product(node: Node) -> list[Node]:
    """A product's factors, signs and a divisor by a number left out (`−η*g/4`: η, g)."""
    node = node.arg if isinstance(node, Neg) else node
    if isinstance(node, Bin) and node.op == "/" and isinstance(node.right, Num):
        node = node.left
    return [f.arg if isinstance(f, Neg) else f for f in factors(node)]


def _chained_iterations(book: Book) -> dict[Pos, int]:
    """Each parameter's iterations by the workbook's update chains (`cells.chains`), by its first
    cell: its updates, and one more where the last update feeds a forward pass of its own."""
    from sheetnet.check.derive import derive

    derivation = derive(book)
    if derivation is None:
        return {}
    f = derivation.formulas
    return {chain[0]: len(chain) - 1 + feeds(f, chain[-1]) for chain in derivation.chains.links}


def _sample_cells(reading: Reading, k: int) -> dict[str, str]:
    """Where a reading's sample k came from: its x and y cells and names."""
    key = "" if k == 0 else str(k + 1)
    return {
        "xcells": reading.cells.get("x" + key, ""),
        "ycells": reading.cells.get("y" + key, ""),
        "xnames": reading.names.get("x" + key, ""),
        "ynames": reading.names.get("y" + key, ""),
    }


def _period(seen: list[Any], least: int) -> int:
    """The smallest n ≥ `least` after which `seen` repeats itself (len(seen) if it does not)."""
    for n in range(least, len(seen)):
        if all(seen[j] == seen[j - n] for j in range(n, len(seen))):
            return n
    return len(seen)
