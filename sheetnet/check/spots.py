"""The numbers of a run as `check` looks for them: every element of every quantity, in calculation
order, each with its value, its expression and its *identity* (the same element across iterations).

Besides sheetnet's own quantities, homework sheets commonly write a few of their own; they are
numbers of the run too, and a cell holding one of them rightly holds it:

- the per-output loss E_k = ½(ŷ_k − y_k)² (E1, E2; L = Σ_k E_k),
- the error reaching a hidden activation, ∂L/∂f(O_l) = Σ_j ∂L/∂B_{l+1}[j]·W_{l+1}[j,i] (∂E/∂a_h1),
  with ∂L/∂B_l = ∂L/∂f(O_l) ∘ f'(O_l),
- with several samples an iteration, the loss and the gradients under the other reduction: their
  sum over the samples when the network averages them (ΣL, Σ∂L/∂W1), their mean when it sums them
  (mean L, mean ∂L/∂W1); the network's own is then also the other's mean (or sum) times the count.
- each trained parameter's step d, the amount its update takes away (new p = p − d): η·∂L/∂p under
  plain gradient descent, η·v under momentum, η·m̂/(√v̂ + ε) under Adam, written either as it is
  (`dw = η·∂E/∂w`, then `w − dw`) or negated (`dw = −η·∂E/∂w`, then `w + dw`). The update is then
  also the parameter plus −d, or minus d, as the sheet adds it. (Momentum's v and Adam's m, v, m̂, v̂
  are quantities of the run itself.)
- the delta rule's signs: a gradient negated, −∂L/∂p (δ = (t − ŷ)·ŷ(1 − ŷ) is −∂L/∂B2, Δw = δ·x
  is −∂L/∂W2, an error t − ŷ is −Δ), the sum or mean of them, and the update p + η·(−∂L/∂p).
  A sheet writes a gradient in one sign or the other: a negated one it does not write is no
  number missing from it (`Spot.optional`).
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import overload

from sheetnet.graph import Add, Div, Dot, Expr, Key, Mul, Neg, Num, Over, Ref, Square, Sub
from sheetnet.net import (
    BACKPROP,
    CARRIED,
    LOSS,
    MEAN,
    PARAMETERS,
    STEP_PREFIX,
    UPDATE,
    IterationGraph,
    Quantity,
    param_names,
)
from sheetnet.program import CompiledExprs, MovingKeys, Program, moved
from sheetnet.spec import Network
from sheetnet.trace import Trace, iteration_shape

EXTRA = "extra"  # the role of a quantity only homework sheets write
NEGATED = "negated"  # the note of a gradient's negative, −∂L/∂p (the delta rule's sign)

Ident = tuple[str, int, int]  # section:quantity, sample, element: one element across iterations


def _of_form(name: str, doc: str | None = None) -> property:
    """A spot's attribute that is its form's (`Spot.form`), read through to it."""
    return property(operator.attrgetter(f"form.{name}"), doc=doc)


class Spot:
    """One number of the run: element `index` of `quantity` in iteration `t`, with its `key` and
    its `value`.

    What every iteration of one shape has alike (the quantity, the element's identity and name, its
    expressions) is its `form`'s, made once from the shape's first iteration: `quantity` is that
    iteration's (the same name, section, shape, role, sample and labels as this one's; its keys
    and expressions are that iteration's). `expr` and `alternatives` are this iteration's own,
    made from the form's (`sheetnet.program.moved`) the first time they are asked for."""

    __slots__ = ("_expressions", "form", "key", "t", "value")

    def __init__(self, form: Form, t: int, key: Key, value: float) -> None:
        self.form, self.t, self.key, self.value = form, t, key, value

    def __repr__(self) -> str:
        return f"Spot(t={self.t}, {self.name}, key={self.key}, value={self.value!r})"

    # what every iteration's spot of the element shares, read from its form (as fast as a property)
    quantity = _of_form("quantity")
    index = _of_form("index")
    samples = _of_form("samples", "How many samples its iteration uses.")
    batch = _of_form("batch", "The samples its iteration uses, when fewer than all (`batch_size`).")
    ident = _of_form("ident", "The element across iterations.")
    extra = _of_form("extra")
    optional = _of_form(
        "optional",
        "True for the loss and the gradients under the other reduction (ΣL, mean L): a sheet may "
        "write them, but a sheet that does not lacks no number of the run.",
    )
    negated = _of_form("negated", "True for a gradient's negative, −∂L/∂p, as the delta rule writes it.")
    carried = _of_form("carried")
    name = _of_form(
        "name", "`∂L/∂B1[0]`, `W2[1,0]` (the update), `W2[1,0] (used)` (the weight used in the forward pass)."
    )
    group = _of_form("group", "The quantity, as the per-quantity summary names it.")

    @property
    def expressions(self) -> tuple[Expr, ...]:
        """The run's expression and the other ways a sheet computes the number."""
        try:
            return self._expressions
        except AttributeError:
            form = self.form
            by = self.t - form.t
            self._expressions = tuple(moved(e, by) for e in form.expressions) if by else form.expressions
            return self._expressions

    @property
    def expr(self) -> Expr:
        return self.expressions[0]

    @property
    def alternatives(self) -> tuple[Expr, ...]:
        """Other ways a sheet computes the same number (L = E1 + E2)."""
        return self.expressions[1:]


class Form:
    """What the spots of one element share in every iteration of one shape (`iteration_shape`),
    as the shape's first iteration `t` has it: the quantity, the element's place in it, its
    identity and name, and its expressions, compiled once for all those iterations (`formulas`)."""

    def __init__(
        self,
        t: int,
        quantity: Quantity,
        index: int,
        key: Key,
        expressions: tuple[Expr, ...],
        samples: int,
        batch: tuple[int, ...],
    ) -> None:
        self.t, self.quantity, self.index, self.key = t, quantity, index, key
        self.expressions, self.samples, self.batch = expressions, samples, batch
        self.ident = ident_of(quantity, key.s, index)
        self.extra = quantity.role == EXTRA
        self.negated = self.extra and quantity.note == NEGATED
        self.optional = self.extra and (quantity.section == MEAN or self.negated)
        self.carried = quantity.role == CARRIED
        self.step = is_step(quantity)  # a parameter's step d or −d
        name = quantity.element_name(index)
        if self.carried and quantity.section == PARAMETERS:
            name += " (used)"
        if key.s >= 0 and (samples > 1 or batch):
            name += f" (sample {batch[key.s] if batch else key.s})"
        self.name = name
        q = quantity
        if q.section == UPDATE and q.name[0] in "WB":
            self.group = f"{q.name} (after update)"
        elif self.carried and q.section == PARAMETERS:
            self.group = f"{q.name} (used)"
        else:
            self.group = q.name

    def __repr__(self) -> str:
        return f"Form(t={self.t}, {self.name})"

    @functools.cached_property
    def formulas(self) -> CompiledExprs:
        """Its expressions compiled, for every iteration of its shape."""
        return CompiledExprs(self.t, self.expressions)


def ident_of(quantity: Quantity, s: int, index: int) -> Ident:
    return (f"{quantity.section}:{quantity.name}", s, index)


@dataclass
class RunSpots:
    """Every number of a run, iteration by iteration, and the values `check` judges against.

    `values` and `fixed` hold every iteration's; an iteration's spots are made the first time they
    are asked for (`iterations[t]`), from its shape's forms."""

    trace: Trace
    iterations: Sequence[list[Spot]]
    values: dict[Key, float] = field(default_factory=dict)  # the run's, extras included
    inputs: dict[Key, float] = field(default_factory=dict)  # η, x, y and the initial W and B
    fixed: set[Key] = field(default_factory=set)  # frozen biases (and Adam's step): not judged, but read

    def all(self) -> list[Spot]:
        return [spot for spots in self.iterations for spot in spots]

    # what the fitting passes look up in every spot, worked out once per run (not to be changed)

    @functools.cached_property
    def firsts(self) -> tuple[Spot, ...]:
        """The run's elements, each by its first spot, in calculation order."""
        seen: dict[Ident, Spot] = {}
        for spot in self.all():
            seen.setdefault(spot.ident, spot)
        return tuple(seen.values())

    @functools.cached_property
    def by_element(self) -> dict[tuple[Ident, int], Spot]:
        """Each spot by its element and iteration."""
        return {(s.ident, s.t): s for s in self.all()}

    @functools.cached_property
    def without_steps(self) -> RunSpots:
        """The same run without the steps ±η·∂L/∂p: for a table that writes none (most), they are
        no numbers to look for, and looking costs."""
        full = self.iterations
        iterations = _Iterations(len(full), lambda t: [s for s in full[t] if not is_step(s.quantity)])
        return RunSpots(self.trace, iterations, self.values, self.inputs, self.fixed)

    def steps_near_the_start(self) -> list[Spot]:
        """The steps of the first three iterations."""
        return [s for spots in self.iterations[:3] for s in spots if is_step(s.quantity)]


class _Iterations(Sequence[list[Spot]]):
    """Each iteration's spots, made by `make(t)` the first time they are asked for."""

    def __init__(self, count: int, make: Callable[[int], list[Spot]]) -> None:
        self.count, self.make = count, make
        self.made: dict[int, list[Spot]] = {}

    def __len__(self) -> int:
        return self.count

    @overload
    def __getitem__(self, t: int) -> list[Spot]: ...

    @overload
    def __getitem__(self, t: slice) -> list[list[Spot]]: ...

    def __getitem__(self, t: int | slice) -> list[Spot] | list[list[Spot]]:
        if isinstance(t, slice):
            return [self[u] for u in range(*t.indices(self.count))]
        if not -self.count <= t < self.count:
            raise IndexError(t)
        t %= self.count
        if t not in self.made:
            self.made[t] = self.make(t)
        return self.made[t]


def run_spots(trace: Trace) -> RunSpots:
    """The spots of every iteration of `trace` (which must keep every iteration).

    The numbers only homework sheets write (`_with_extras`) are computed for every iteration by one
    program per shape of iteration (`sheetnet.program`), as `trace.Run` computes the run's own; an
    iteration's spots, when they are asked for, from its shape's forms (`_Shape`): no iteration's
    graph is built but the first of each shape."""
    network = trace.network
    values = dict(trace.values)
    inputs: dict[Key, float] = {}
    for quantity in trace.setup:
        inputs.update(zip(quantity.keys, quantity.inputs or (), strict=True))
    fixed: set[Key] = set()
    shapes: dict[tuple[bool, tuple[int, ...]], _Shape] = {}
    for t in range(len(trace.iterations)):
        shape = iteration_shape(network, t)
        if shape not in shapes:
            shapes[shape] = _Shape(network, trace.iterations[t])
        extras = shapes[shape]
        values.update(zip(extras.program.keys_at(t), extras.program.run(values, t), strict=True))
        fixed.update(extras.frozen.at(t))

    def spots_of(t: int) -> list[Spot]:
        return shapes[iteration_shape(network, t)].spots(t, values)

    return RunSpots(trace, _Iterations(len(trace.iterations), spots_of), values, inputs, fixed)


def _frozen(network: Network, quantity: Quantity) -> bool:
    """A frozen bias, and Adam's step number (1, 2, …: bookkeeping): no numbers to look for."""
    return quantity.name == "step" or (
        not network.train_biases and quantity.name[0] == "B" and quantity.section in (PARAMETERS, UPDATE)
    )


class _Shape:
    """What every iteration of one shape has alike, made from the first one's graph: its spots'
    forms in calculation order, the program of the numbers homework sheets add to the run's (their
    keys and expressions in calculation order), and the keys of its frozen numbers.

    Iteration u's spots are its forms' with their keys moved to u (`net.build_iteration` gives
    every iteration of a shape the same graph with its keys moved), their values the run's."""

    def __init__(self, network: Network, graph: IterationGraph) -> None:
        quantities = _with_extras(network, graph)
        own = {key for quantity in graph.quantities for key in quantity.keys}
        added: dict[Key, Expr] = {}
        for quantity in quantities:
            for key, expr in zip(quantity.keys, quantity.exprs or (), strict=True):
                if key not in own and key not in added:
                    added[key] = expr
        self.program = Program(graph.t, list(added), list(added.values()))
        self.frozen = MovingKeys([k for q in quantities if _frozen(network, q) for k in q.keys], graph.t)
        samples, batch = graph.samples, graph.batch if network.batched else ()
        params = set(param_names(network))
        self.forms: list[Form] = []
        for quantity in quantities:
            if _frozen(network, quantity):
                continue
            for i, (key, expr) in enumerate(zip(quantity.keys, quantity.exprs or (), strict=True)):
                expressions = (expr, *_alternatives(network, graph, quantity, i, params))
                self.forms.append(Form(graph.t, quantity, i, key, expressions, samples, batch))
        self.keys = MovingKeys([form.key for form in self.forms], graph.t)

    def spots(self, t: int, values: Mapping[Key, float]) -> list[Spot]:
        """Iteration t's spots, their values from `values`."""
        keys = self.keys.at(t)
        return list(map(Spot, self.forms, itertools.repeat(t), keys, map(values.__getitem__, keys)))


def _with_extras(network: Network, graph: IterationGraph) -> list[Quantity]:
    """The iteration's quantities with the ones homework sheets add, each where a sheet computes it."""
    out: list[Quantity] = []
    squared = network.loss in ("half_squared_error", "mse")
    K = network.layers[-1]
    trained = {p for p in param_names(network) if p[0] == "W" or network.train_biases}
    errors: set[tuple[int, int]] = set()  # the layers and samples whose ∂L/∂f(O_l) is out already
    for quantity in graph.quantities:
        s = quantity.sample
        if quantity.name.startswith(STEP_PREFIX):
            continue  # the run's own −η·∂L/∂p: among the steps, below
        if quantity.section == UPDATE and quantity.name in trained:
            out += _steps(network, graph, quantity)
        if quantity.section == MEAN:
            out.append(_other_reduction(network, graph, quantity))
        if quantity.name == "L" and s is not None and squared and K > 1:
            out.append(_per_output_loss(network, graph, s))
        if s is not None and quantity.section == BACKPROP:
            l = _hidden_layer_of(quantity.name)
            if l is not None and l < network.depth and (l, s) not in errors:
                errors.add((l, s))
                error = _error_at_activation(network, graph, s, l)
                out += [error, negated(error)]
        out.append(quantity)
        if _negatable(quantity) and not (quantity.section == MEAN and network.lr == 1):
            out.append(negated(quantity))  # (at η = 1 the mean's negative is the step −η·∂L/∂p)
    return out


def _negatable(quantity: Quantity) -> bool:
    """A gradient the delta rule writes negated: Δ, ∂L/∂B_l and ∂L/∂W_l of a sample, and their
    mean (or sum) over the samples."""
    if quantity.role == EXTRA:
        return False
    if quantity.section == LOSS:
        return quantity.name == "Δ"
    return quantity.section in (BACKPROP, MEAN) and quantity.name.startswith(("∂L/∂B", "∂L/∂W"))


def negated(quantity: Quantity) -> Quantity:
    """−q: the same element by element with its sign turned (`−∂L/∂W2`)."""
    name = "−" + quantity.name
    keys = tuple(Key(name, k.t, k.s, k.i) for k in quantity.keys)
    exprs = tuple(Neg(Ref(k)) for k in quantity.keys)
    return Quantity(
        name, name, quantity.section, quantity.shape, keys, exprs, role=EXTRA, sample=quantity.sample, note=NEGATED
    )


def either_sign(quantity: str) -> tuple[str, str]:
    """A quantity's identity (`Backpropagation:∂L/∂W1`) in both signs: itself and its negative
    (`Backpropagation:−∂L/∂W1`), whichever is given."""
    section, name = quantity.split(":", 1)
    name = name.removeprefix("−")
    return f"{section}:{name}", f"{section}:−{name}"


def unnegated(key: Key) -> Key:
    """The key of the gradient a negated key (`−∂L/∂W2`) is the negative of."""
    return Key(key.q[1:], key.t, key.s, key.i)


@functools.cache
def _hidden_layer_of(name: str) -> int | None:
    """l for f'(O_l), or for ∂L/∂B_l of a hidden layer (the point ∂L/∂f(O_l) comes before)."""
    for prefix in ("f'(O", "∂L/∂B"):
        if name.startswith(prefix):
            digits = name[len(prefix) :].rstrip(")")
            return int(digits) if digits.isdigit() else None
    return None


def _per_output_loss(network: Network, graph: IterationGraph, s: int) -> Quantity:
    K = network.layers[-1]
    yhat, y = graph.get("ŷ", s), graph.get("y", s)
    exprs: list[Expr] = []
    for k in range(K):
        square = Square(Sub(Ref(yhat.keys[k]), Ref(y.keys[k])))
        exprs.append(Mul(Num(0.5), square) if network.loss == "half_squared_error" else Div(square, Num(K)))
    keys = tuple(Key("E", graph.t, s, k) for k in range(K))
    return Quantity("E", "E_k = ½(ŷ_k − y_k)²", LOSS, (K,), keys, tuple(exprs), role=EXTRA, sample=s)


def _error_at_activation(network: Network, graph: IterationGraph, s: int, l: int) -> Quantity:
    """∂L/∂f(O_l)[i] = Σ_j ∂L/∂B_{l+1}[j]·W_{l+1}[j,i]."""
    n, m = network.layers[l], network.layers[l + 1]
    back = graph.get(f"∂L/∂B{l + 1}", s).keys
    W = graph.get(f"W{l + 1}").keys
    exprs = tuple(Dot([Ref(back[j]) for j in range(m)], [Ref(W[j * n + i]) for j in range(m)]) for i in range(n))
    name = f"∂L/∂f(O{l})"
    keys = tuple(Key(name, graph.t, s, i) for i in range(n))
    return Quantity(name, f"{name} = ∂L/∂B{l + 1}·W{l + 1}", BACKPROP, (n,), keys, exprs, role=EXTRA, sample=s)


def _other_reduction(network: Network, graph: IterationGraph, quantity: Quantity) -> Quantity:
    """The loss or a gradient over the iteration's samples under the reduction the network does not
    use: the sum (ΣL, Σ∂L/∂W1) when it averages, the mean (mean L) when it sums."""
    n = graph.samples
    per_sample = [graph.get(quantity.name, s).keys for s in range(n)]
    name = _other_name(network, quantity.name)
    function, word = ("AVERAGE", "mean") if network.reduction == "sum" else ("SUM", "sum")
    exprs = tuple(Over(function, [keys[i] for keys in per_sample]) for i in range(len(quantity.keys)))
    keys = tuple(Key(name, graph.t, -1, i) for i in range(len(quantity.keys)))
    label = f"{quantity.name} ({word} of {n} samples)"
    return Quantity(name, label, MEAN, quantity.shape, keys, exprs, role=EXTRA)


def _other_name(network: Network, name: str) -> str:
    return f"mean {name}" if network.reduction == "sum" else f"Σ{name}"


STEP_NAMES = {"sgd": "η·∂L/∂{p}", "momentum": "η·v({p})", "adam": "η·m̂({p})/(√v̂({p}) + ε)"}


def step_names(network: Network, p: str) -> tuple[str, str]:
    """The names of parameter p's step d and of −d: `η·∂L/∂W1`, `−η·∂L/∂W1` (the run's own step)."""
    name = STEP_NAMES[network.optimizer].format(p=p)
    return name, "−" + name


def _steps(network: Network, graph: IterationGraph, update: Quantity) -> list[Quantity]:
    """The step d of an update p ← p − d, and −d, as a sheet may write them before adding them up.
    −η·∂L/∂p is the run's own quantity (sheetnet writes it); its keys are kept."""
    plus, minus = step_names(network, update.name)
    d = [expr.b for expr in update.exprs or ()]  # type: ignore[attr-defined]
    own = graph.step(update.name)
    t, shape = graph.t, update.shape
    made = []
    for name, exprs in ((plus, d), (minus, [Neg(e) for e in d])):
        if name == plus and network.lr == 1 and network.optimizer != "adam":
            continue  # at η = 1 the step η·∂L/∂p is ∂L/∂p itself (or v): no number of its own
        keys = tuple(Key(name, t, -1, i) for i in range(len(d)))
        if own is not None and name == own.name:
            keys, exprs = own.keys, list(own.exprs or ())
        made.append(Quantity(name, name, UPDATE, shape, keys, tuple(exprs), role=EXTRA, note=update.name))
    return made


def is_step(quantity: Quantity) -> bool:
    """True for a parameter's step d or −d (see `_steps`)."""
    return quantity.role == EXTRA and quantity.section == UPDATE


def step_parameter(quantity: Quantity) -> str | None:
    """The parameter (`W1`) a step belongs to; None for any other quantity."""
    return quantity.note if is_step(quantity) else None


def _alternatives(
    network: Network, graph: IterationGraph, quantity: Quantity, i: int, params: Collection[str]
) -> tuple[Expr, ...]:
    """Other ways a sheet computes element i of `quantity` (`params`: the network's parameters)."""
    if quantity.section == MEAN and quantity.role != EXTRA:  # the mean as the sum / n, the sum as n × the mean
        other = Ref(Key(_other_name(network, quantity.name), graph.t, -1, i))
        n = Num(float(graph.samples))
        return (Mul(n, other),) if network.reduction == "sum" else (Div(other, n),)
    s = quantity.sample
    if quantity.section == UPDATE and quantity.role != EXTRA and quantity.name in params:
        if quantity.name[0] == "B" and not network.train_biases:
            return ()
        plus, minus = step_names(network, quantity.name)
        expr = quantity.exprs[i]  # type: ignore[index]
        own = graph.step(quantity.name)
        minus_key = own.keys[i] if own is not None else Key(minus, graph.t, -1, i)
        used = expr.a  # type: ignore[attr-defined]
        alternatives: tuple[Expr, ...] = (Add(used, Ref(minus_key)), Sub(used, Ref(Key(plus, graph.t, -1, i))))
        step = expr.b  # type: ignore[attr-defined]
        if network.optimizer == "sgd" and isinstance(step, Mul) and isinstance(step.factors[-1], Ref):
            lr, gradient = step.factors[0], step.factors[-1].key  # p + η·(−∂L/∂p): the delta rule
            alternatives += (Add(used, Mul(lr, Ref(Key("−" + gradient.q, gradient.t, gradient.s, gradient.i)))),)
        return alternatives
    if s is None or quantity.section == UPDATE:
        return ()
    if quantity.name == "L" and network.loss in ("half_squared_error", "mse") and network.layers[-1] > 1:
        return (Add(*(Ref(Key("E", graph.t, s, k)) for k in range(network.layers[-1]))),)
    l = _hidden_layer_of(quantity.name)
    if quantity.name.startswith("∂L/∂B") and l is not None and l < network.depth:
        slope = graph.by_name.get((f"f'(O{l})", s))
        error = Ref(Key(f"∂L/∂f(O{l})", graph.t, s, i))
        return (Mul(error, Ref(slope.keys[i])),) if slope is not None else (error,)
    return ()
