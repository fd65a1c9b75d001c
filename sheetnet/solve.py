"""Worked solutions: the run written the way the notes are (`sheetnet solve`).

For each iteration, every quantity net.py builds, in calculation order, becomes a step: its
defining equation in the notes' notation, the equation with the numbers put in, and the result —
`O1 = x·W1ᵀ + B1 = 2·[1 1] + [−0.5 −0.5] = [1.5 1.5]`. Each kind of quantity has one template
(`_template`) naming the quantities it reads; it is written once over a `Side` that puts in
either their symbols or their numbers, so an equation and its numbers cannot disagree. Every
number is the trace's own value, so the solution cannot drift from the workbook.

`solve` builds a `Solution`; `documents.render` writes it as a document (Markdown, HTML,
LaTeX), and `write_solution` puts one in a file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sheetnet.equation import Equation
from sheetnet.errors import SheetnetError
from sheetnet.graph import Key
from sheetnet.net import (
    BACKPROP,
    CARRIED,
    FORWARD,
    LEAKY_SLOPE,
    LOSS,
    MEAN,
    PARAMETERS,
    STEP_PREFIX,
    UPDATE,
    IterationGraph,
    Quantity,
    build_iteration,
    hyper_key,
    hyperparameters,
    param_names,
    reduction_word,
)
from sheetnet.notation import (
    Call,
    Cases,
    Const,
    Deriv,
    Frac,
    Grid,
    Neg,
    Node,
    Num,
    Op,
    Paren,
    Power,
    Seq,
    Sqrt,
    Sum,
    Text,
    Transposed,
    Var,
    Word,
)
from sheetnet.outputs import State, check_target, sealed_text, text_state, write_text_atomically
from sheetnet.spec import Network
from sheetnet.trace import Run

FORMATS = ("md", "html", "tex")
EXTENSIONS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".tex": "tex"}
MARK = "written by sheetnet solve"  # in the first line of every solution file: replaced without --force
FULL_UP_TO = 10  # a longer run shows its first HEAD iterations and its last in full
HEAD = 3
LOSS_ROWS = 100  # the loss table: every iteration up to this many, else every k-th and the last


# ---------------------------------------------------------------------------------------------
# Which iterations


def default_iterations(iters: int) -> list[int]:
    """Every iteration of a run of up to 10; else the first 3 and the last."""
    if iters <= FULL_UP_TO:
        return list(range(iters))
    return [*range(HEAD), iters - 1]


def parse_iterations(text: str, iters: int) -> list[int]:
    """`0,1,2,99` or `0-2,99`: the iterations to show in full, counted from 0 like the workbook's sheets."""
    chosen: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if not match:
            raise SheetnetError(f"--iterations: {part!r} is not an iteration number or a range such as 0-2")
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if last < first:
            raise SheetnetError(f"--iterations: the range {part} runs backwards")
        if last >= iters:
            raise SheetnetError(
                f"--iterations: the run has iterations 0 to {iters - 1} (counted from 0); {last} is not one of them"
            )
        chosen.update(range(first, last + 1))
    return sorted(chosen)


# ---------------------------------------------------------------------------------------------
# The solution as data


@dataclass(frozen=True)
class Step:
    """One quantity: `equation` is its definition, the numbers put in and the result."""

    name: str
    equation: Equation
    note: str = ""


@dataclass(frozen=True)
class Block:
    """The steps of one section of an iteration: Forward, Loss, Backpropagation (of a sample), Mean, Update."""

    title: str
    steps: tuple[Step, ...]

    @property
    def givens(self) -> bool:
        """True for values given, not computed (the parameters an iteration starts from): one line."""
        return all(len(step.equation.sides) == 1 for step in self.steps)


@dataclass(frozen=True)
class IterationSolution:
    t: int
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Fact:
    """An entry of "The network": a label, words, and the equations that define it, a few a line."""

    label: str
    text: str = ""
    lines: tuple[tuple[Equation, ...], ...] = ()


@dataclass(frozen=True)
class Solution:
    network: Network
    digits: int
    facts: tuple[Fact, ...]
    iterations: tuple[IterationSolution, ...]
    losses: tuple[tuple[int, Num], ...]  # (iteration, L) for the loss table
    loss_every: int  # 1, or the k of "every k-th iteration" when the run is long
    final: Block | None = None  # the parameters after training, when the last iteration is not in full
    overflow: tuple[int, str] | None = None
    overflow_cause: str = ""  # what the numbers say made it overflow (`Trace.overflow_cause`)

    @property
    def title(self) -> str:
        n = self.network.iters
        return f"Worked solution: the {self.network.shape_text} network, {n} iteration{'s' if n != 1 else ''}"

    @property
    def summary(self) -> str:
        network = self.network
        parts = [f"{network.shape_text} network"]
        if network.depth > 1:
            parts.append(f"{ACTIVATION_NAMES[network.activation]} hidden layers")
        parts.append(f"{ACTIVATION_NAMES[network.output_activation]} output")
        parts.append(_loss_name(network))
        parts.append(OPTIMIZER_NAMES[network.optimizer])
        samples = len(network.samples)
        parts.append(f"{samples} sample{'s' if samples != 1 else ''}")
        if network.batched:
            parts.append(f"{network.per_update} an iteration")
        if network.reduction == "sum" and network.per_update > 1:
            parts.append("loss and gradients summed")
        shown = ", ".join(str(it.t) for it in self.iterations)
        n = network.iters
        parts.append(f"iterations in full: {shown}" if len(self.iterations) < n else f"all {n} iterations in full")
        return " · ".join(parts)

    def numbers(self) -> Iterable[Node]:
        """Every number and constant of the solution, in the order the documents print them."""
        for fact in self.facts:
            for line in fact.lines:
                for equation in line:
                    yield from equation.leaves()
        for block in self._blocks():
            for step in block.steps:
                yield from step.equation.leaves()
        for _, loss in self.losses:
            yield loss

    def _blocks(self) -> Iterable[Block]:
        for iteration in self.iterations:
            yield from iteration.blocks
        if self.final is not None:
            yield self.final


ACTIVATION_NAMES = {
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "linear": "linear",
    "softmax": "softmax",
}
OPTIMIZER_NAMES = {"sgd": "gradient descent", "momentum": "SGD with momentum", "adam": "Adam"}


def _loss_name(network: Network) -> str:
    if network.loss == "cross_entropy":
        return "cross-entropy" if network.output_activation == "softmax" else "binary cross-entropy"
    return {"half_squared_error": "half squared error", "mse": "mean squared error"}[network.loss]


# ---------------------------------------------------------------------------------------------
# Symbols


def symbol(name: str, *, sample: int | str | None = None, index: int | str | None = None) -> Node:
    """The notes' symbol for a quantity's name: O1 → O₁, ∂L/∂W2, f'(O1), m̂(W1); `sample`
    marks one sample's L (L⁽⁰⁾), `index` one element (ŷₖ)."""
    sub = "" if index is None else str(index)
    sup = "" if sample is None else f"({sample})"
    if name == "ŷ":
        return Var("y", sub=sub, hat=True)
    if name in ("x", "y", "Δ", "η", "μ", "ε", "step"):
        return Var(name, sub=sub)
    if name == "L":
        return Var("L", sup=sup)
    if name in ("β1", "β2"):
        return Var("β", sub=name[1])
    match = re.fullmatch(r"([OWB])(\d+)", name)
    if match:
        return Var(match.group(1), sub=match.group(2))
    if re.fullmatch(r"e\d+", name):
        return Var("e", sub=sub)
    match = re.fullmatch(r"f(')?\((.+)\)", name)
    if match:
        return Call(Var("f", prime=bool(match.group(1))), symbol(match.group(2)))
    if name.startswith("∂L/∂"):
        return Deriv(Var("L", sup=sup), symbol(name[4:]))
    match = re.fullmatch(r"(m|v)(\u0302?)\((.+)\)", name)
    if match:
        return Call(Var(match.group(1), hat=bool(match.group(2))), symbol(match.group(3)))
    raise ValueError(f"no symbol for the quantity {name!r}")


class Side(Protocol):
    """One side of a step: the quantities a template reads, as symbols or as numbers."""

    def of(self, q: Quantity) -> Node: ...

    def element(self, q: Quantity, k: int | str) -> Node: ...

    def total(self, index: str, count: int, term: Callable[[int | str], Node], bracket: bool = True) -> Node: ...

    def transpose(self, node: Node) -> Node: ...

    def maximum(self, q: Quantity) -> Node: ...

    def hyper(self, name: str) -> Node: ...

    def previous(self, q: Quantity) -> Node: ...

    def sample(self, graph: IterationGraph, name: str, s: int | str) -> Node: ...


class Symbols:
    """The equation: each quantity as its symbol."""

    def of(self, q: Quantity) -> Node:
        return symbol(q.name)

    def element(self, q: Quantity, k: int | str) -> Node:
        return symbol(q.name, index=k)

    def total(self, index: str, count: int, term: Callable[[int | str], Node], bracket: bool = True) -> Node:
        return Sum(index, term(index))

    def transpose(self, node: Node) -> Node:
        return Transposed(node)

    def maximum(self, q: Quantity) -> Node:
        return Seq(Word("max"), self.of(q))

    def hyper(self, name: str) -> Node:
        return symbol(name)

    def previous(self, q: Quantity) -> Node:
        return symbol(q.name)

    def sample(self, graph: IterationGraph, name: str, s: int | str) -> Node:
        return symbol(name, sample=s)


class Numbers:
    """The numbers put in: each quantity as its values from the trace."""

    def __init__(self, values: dict[Key, float], digits: int) -> None:
        self.values, self.digits = values, digits

    def num(self, key: Key) -> Num:
        return Num(self.values[key], key, self.digits)

    def grid(self, q: Quantity, keys: Sequence[Key] | None = None) -> Grid:
        keys = q.keys if keys is None else keys
        nums = [self.num(k) for k in keys]
        cols = q.cols
        return Grid([nums[r * cols : (r + 1) * cols] for r in range(q.rows)])

    def of(self, q: Quantity) -> Node:
        return self.grid(q)

    def element(self, q: Quantity, k: int | str) -> Node:
        assert isinstance(k, int)
        return self.num(q.keys[k])

    def total(self, index: str, count: int, term: Callable[[int | str], Node], bracket: bool = True) -> Node:
        if count == 1:
            return term(0)
        terms = Op("+", *(term(k) for k in range(count)))
        return Paren(terms) if bracket else terms

    def transpose(self, node: Node) -> Node:
        assert isinstance(node, Grid)
        return Grid(list(zip(*node.rows, strict=True)))

    def maximum(self, q: Quantity) -> Node:
        return self.num(max(q.keys, key=lambda k: self.values[k]))

    def hyper(self, name: str) -> Node:
        return self.num(hyper_key(name))

    def previous(self, q: Quantity) -> Node:
        return self.grid(q, [Key(k.q, k.t - 1, k.s, k.i) for k in q.keys])

    def sample(self, graph: IterationGraph, name: str, s: int | str) -> Node:
        assert isinstance(s, int)
        return self.grid(graph.get(name, s))


# ---------------------------------------------------------------------------------------------
# The templates: one per kind of quantity


@dataclass
class Context:
    network: Network
    graph: IterationGraph
    q: Quantity

    def get(self, name: str) -> Quantity:
        """A quantity of the same sample (the parameters belong to none)."""
        sample = None if name[0] in "WB" and name[1:].isdigit() else self.q.sample
        return self.graph.get(name, sample)

    @property
    def layer(self) -> int:
        """The layer number in the quantity's name (O2, f'(O1), ∂L/∂W3), or the output's for ŷ."""
        digits = re.findall(r"\d+", self.q.name)
        return int(digits[-1]) if digits else self.network.depth


Template = Callable[[Context, Side], Node]


def _apply(kind: str, z: Node) -> Node:
    """An activation applied to `z`, element by element."""
    if kind == "relu":
        return Call(Word("max"), Const("0"), z)
    if kind == "leaky_relu":
        return Call(Word("max"), Op("·", Const(f"{LEAKY_SLOPE:g}"), z), z)
    if kind == "sigmoid":
        return Call(Var("σ"), z)
    if kind == "tanh":
        return Call(Word("tanh"), z)
    return z


def _input_of(c: Context, l: int) -> Quantity:
    return c.get("x" if l == 1 else f"f(O{l - 1})")


def _pre_activation(c: Context, s: Side) -> Node:
    l = c.layer
    return Op("+", Op("·", s.of(_input_of(c, l)), s.transpose(s.of(c.get(f"W{l}")))), s.of(c.get(f"B{l}")))


def _hidden_activation(c: Context, s: Side) -> Node:
    return _apply(c.network.activation, s.of(c.get(f"O{c.layer}")))


def _output_activation(c: Context, s: Side) -> Node:
    return _apply(c.network.output_activation, s.of(c.get(f"O{c.network.depth}")))


def _softmax_exp(c: Context, s: Side) -> Node:
    pre = c.get(f"O{c.network.depth}")
    return Call(Word("exp"), Op("−", s.of(pre), s.maximum(pre)))


def _softmax(c: Context, s: Side) -> Node:
    e = c.get(f"e{c.network.depth}")
    return Frac(s.of(e), s.total("j", len(e.keys), lambda j: s.element(e, j), bracket=False))


def _loss(c: Context, s: Side) -> Node:
    yhat, y = c.get("ŷ"), c.get("y")
    K = len(y.keys)

    def ln(z: Node) -> Node:
        return Call(Word("ln"), z)

    if c.network.loss == "cross_entropy":
        if c.network.output_activation == "softmax":
            return Neg(s.total("k", K, lambda k: Op("·", s.element(y, k), ln(s.element(yhat, k)))))

        def term(k: int | str) -> Node:
            yk, pk = s.element(y, k), s.element(yhat, k)
            inner = Op("+", Op("·", yk, ln(pk)), Op("·", Paren(Op("−", Const("1"), yk)), ln(Op("−", Const("1"), pk))))
            return Paren(inner, "[", "]")

        return Neg(s.total("k", K, term))

    def square(k: int | str) -> Node:
        return Power(Paren(Op("−", s.element(yhat, k), s.element(y, k))), Const("2"))

    total = s.total("k", K, square)
    if c.network.loss == "mse":
        return total if K == 1 else Seq(Frac(Const("1"), Const(str(K))), total)
    return Seq(Frac(Const("1"), Const("2")), total)


def _delta(c: Context, s: Side) -> Node:
    error = Op("−", s.of(c.get("ŷ")), s.of(c.get("y")))
    K = len(c.q.keys)
    if c.network.loss == "mse":
        doubled = Seq(Const("2"), Paren(error))
        return doubled if K == 1 else Frac(doubled, Const(str(K)))
    return error


def _output_gradient(c: Context, s: Side) -> Node:
    network, delta = c.network, c.get("Δ")
    if network.output_activation == "linear" or network.loss == "cross_entropy":
        return s.of(delta)
    if network.output_activation == "softmax":
        yhat = c.get("ŷ")
        dot = s.total("k", len(delta.keys), lambda k: Op("·", s.element(delta, k), s.element(yhat, k)))
        return Op("∘", s.of(yhat), Paren(Op("−", s.of(delta), dot)))
    return Op("∘", s.of(delta), s.of(c.get(f"f'(O{network.depth})")))


def _slope(c: Context, s: Side) -> Node:
    l, network = c.layer, c.network
    kind = network.activation if l < network.depth else network.output_activation
    if kind in ("relu", "leaky_relu"):
        return Call(Word("relu" if kind == "relu" else "lrelu", prime=True), s.of(c.get(f"O{l}")))
    a = s.of(c.get("ŷ" if l == network.depth else f"f(O{l})"))
    if kind == "sigmoid":
        return Op("∘", a, Paren(Op("−", Const("1"), a)))
    return Op("−", Const("1"), Op("∘", a, a))  # tanh


def _weight_gradient(c: Context, s: Side) -> Node:
    l = c.layer
    return Op("·", s.transpose(s.of(c.get(f"∂L/∂B{l}"))), s.of(_input_of(c, l)))


def _hidden_gradient(c: Context, s: Side) -> Node:
    l = c.layer
    back = Op("·", s.of(c.get(f"∂L/∂B{l + 1}")), s.of(c.get(f"W{l + 1}")))
    if c.network.activation == "linear":
        return back
    return Op("∘", Paren(back), s.of(c.get(f"f'(O{l})")))


def _mean(c: Context, s: Side) -> Node:
    """The mean over the iteration's samples, or their sum (`reduction = "sum"`)."""
    n = c.graph.samples
    if c.network.reduction == "sum":
        return s.total("s", n, lambda k: s.sample(c.graph, c.q.name, k), bracket=False)
    return Seq(Frac(Const("1"), Const(str(n))), s.total("s", n, lambda k: s.sample(c.graph, c.q.name, k)))


def _adam_step(c: Context, s: Side) -> Node:
    return Const("1") if c.graph.t == 0 else Op("+", s.previous(c.q), Const("1"))


def _parameter_of(c: Context) -> str:
    return c.q.name[c.q.name.index("(") + 1 : -1]


def _velocity(c: Context, s: Side) -> Node:
    gradient = s.of(c.graph.gradient(_parameter_of(c)))
    if c.graph.t == 0:
        return gradient
    return Op("+", Op("·", s.hyper("μ"), s.previous(c.q)), gradient)


def _moment(c: Context, s: Side) -> Node:
    first = c.q.name.startswith("m")
    beta = s.hyper("β1" if first else "β2")
    gradient = s.of(c.graph.gradient(_parameter_of(c)))
    new = Op("·", Paren(Op("−", Const("1"), beta)), gradient if first else Power(gradient, Const("2")))
    return new if c.graph.t == 0 else Op("+", Op("·", beta, s.previous(c.q)), new)


def _bias_corrected(c: Context, s: Side) -> Node:
    first = c.q.name.startswith("m")
    moment = c.graph.updated(f"{'m' if first else 'v'}({_parameter_of(c)})")
    power = Power(s.hyper("β1" if first else "β2"), s.of(c.graph.updated("step")))
    return Frac(s.of(moment), Op("−", Const("1"), power))


def _update(c: Context, s: Side) -> Node:
    name, network = c.q.name, c.network
    used = s.of(c.graph.get(name))
    if name[0] == "B" and not network.train_biases:
        return used
    eta = s.hyper("η")
    if network.optimizer == "momentum":
        return Op("−", used, Op("·", eta, s.of(c.graph.updated(f"v({name})"))))
    if network.optimizer == "adam":
        m_hat, v_hat = s.of(c.graph.updated(f"m̂({name})")), s.of(c.graph.updated(f"v̂({name})"))
        return Op("−", used, Frac(Op("·", eta, m_hat), Op("+", Sqrt(v_hat), s.hyper("ε"))))
    return Op("−", used, Op("·", eta, s.of(c.graph.gradient(name))))


def _template(network: Network, q: Quantity) -> Template:
    """The template of a quantity's kind, told by its name and section."""
    name = q.name
    if q.section == MEAN:
        return _mean
    if q.section == UPDATE:
        if name == "step":
            return _adam_step
        if name.startswith("v(") and network.optimizer == "momentum":
            return _velocity
        if name.startswith(("m(", "v(")):
            return _moment
        if name.startswith(("m̂(", "v̂(")):
            return _bias_corrected
        return _update
    if name == "L":
        return _loss
    if name == "Δ":
        return _delta
    if name.startswith("∂L/∂W"):
        return _weight_gradient
    if name.startswith("∂L/∂B"):
        return _output_gradient if name == f"∂L/∂B{network.depth}" else _hidden_gradient
    if name.startswith("f'("):
        return _slope
    if name.startswith("f("):
        return _hidden_activation
    if re.fullmatch(r"e\d+", name):
        return _softmax_exp
    if name == "ŷ" and network.output_activation == "softmax":
        return _softmax
    if name == "ŷ" and network.output_activation != "linear":
        return _output_activation
    if re.fullmatch(r"O\d+", name) or name == "ŷ":
        return _pre_activation
    raise ValueError(f"no worked-solution template for the quantity {name!r}")


def _relation(q: Quantity) -> str:
    """← for what an iteration replaces: the parameters, the optimizer's state, Adam's step after the first."""
    if q.section != UPDATE or q.name.startswith(("m̂(", "v̂(")) or (q.name == "step" and q.keys[0].t == 0):
        return "="
    return "←"


def _aliases(network: Network, q: Quantity) -> list[Node]:
    """Other names the notes give a quantity: Δ = ∂L/∂ŷ (∂L/∂O_L with cross-entropy)."""
    if q.name != "Δ":
        return []
    by = symbol(f"O{network.depth}") if network.loss == "cross_entropy" else symbol("ŷ")
    return [Deriv(Var("L"), by)]


def _step(network: Network, graph: IterationGraph, q: Quantity, numbers: Numbers) -> Step:
    result = numbers.of(q)
    if q.role == CARRIED:  # where it comes from is in its block's title
        return Step(q.name, Equation(symbol(q.name), "=", (result,)))
    context = Context(network, graph, q)
    template = _template(network, q)
    sides = [*_aliases(network, q), template(context, Symbols()), template(context, numbers)]
    step = graph.step(q.name) if q.section == UPDATE else None
    if step is not None:
        # plain gradient descent: the step −η·∂L/∂W itself, as the workbook's step row shows it
        sides.append(Op("+", numbers.of(graph.get(q.name)), numbers.of(step)))
    sides.append(result)
    distinct: list[Node] = []
    for side in sides:
        if not distinct or distinct[-1].tex("-") != side.tex("-"):
            distinct.append(side)
    return Step(q.name, Equation(symbol(q.name), _relation(q), tuple(distinct)), prose_note(q.note))


FORMULA_MARKS = ("=", "Σ", "^", "[", "·")  # the workbook's plain-text formulas: `Σ_i x[i]·W1[j,i]`, `1/(1 + e^−O)`


def prose_note(note: str) -> str:
    """The workbook's grey note for a quantity if it is words ("how far ŷ is from y"); "" if it
    restates the formula in plain text, which the page has just typeset above it."""
    return "" if any(mark in note for mark in FORMULA_MARKS) else note


def _block_title(network: Network, graph: IterationGraph, section: str, sample: int | None) -> str:
    t = graph.t
    titles = {
        PARAMETERS: f"Parameters used ({'the initial ones' if t == 0 else f'from the update of iteration {t - 1}'})",
        FORWARD: "Forward",
        LOSS: "Loss",
        BACKPROP: "Backpropagation",
        MEAN: f"{reduction_word(network).capitalize()} over the {graph.samples} samples",
        UPDATE: f"Update ({OPTIMIZER_NAMES[network.optimizer]})",
    }
    title = titles[section]
    if section == MEAN and network.batched:
        title += f" of this iteration ({', '.join(map(str, graph.batch))})"
    if sample is not None and len(network.samples) > 1:
        return f"{title} · sample {graph.sample_of(sample)}"
    return title


def iteration_solution(network: Network, graph: IterationGraph, numbers: Numbers) -> IterationSolution:
    """One iteration's steps, in calculation order, grouped by section (and sample)."""
    blocks: list[Block] = []
    current: tuple[str, int | None] | None = None
    steps: list[Step] = []
    for q in graph.quantities:
        if q.name.startswith(STEP_PREFIX):
            continue  # shown in its parameter's update
        where = (q.section, q.sample if q.section not in (PARAMETERS, MEAN, UPDATE) else None)
        if where != current:
            if steps and current is not None:
                blocks.append(Block(_block_title(network, graph, *current), tuple(steps)))
            current, steps = where, []
        steps.append(_step(network, graph, q, numbers))
    if steps and current is not None:
        blocks.append(Block(_block_title(network, graph, *current), tuple(steps)))
    return IterationSolution(graph.t, tuple(blocks))


# ---------------------------------------------------------------------------------------------
# The network's definitions


def _activation_equations(kind: str, f: Node, slope: Node) -> list[Equation]:
    """f(z) and f'(z) of the hidden layers' activation, defined."""
    z, one = Var("z"), Const("1")
    if kind == "relu":
        return [
            Equation(Call(f, z), "=", (_apply(kind, z),)),
            Equation(Call(slope, z), "=", (Call(Word("relu", prime=True), z), _cases(one, Const("0")))),
        ]
    if kind == "leaky_relu":
        low = Const(f"{LEAKY_SLOPE:g}")
        return [
            Equation(Call(f, z), "=", (_apply(kind, z),)),
            Equation(Call(slope, z), "=", (Call(Word("lrelu", prime=True), z), _cases(one, low))),
        ]
    if kind == "sigmoid":
        sigma = Frac(one, Op("+", one, Power(Var("e"), Neg(z))))
        return [
            Equation(Call(f, z), "=", (Call(Var("σ"), z), sigma)),
            Equation(Call(slope, z), "=", (Op("·", Call(f, z), Paren(Op("−", one, Call(f, z)))),)),
        ]
    if kind == "tanh":
        return [
            Equation(Call(f, z), "=", (Call(Word("tanh"), z),)),
            Equation(Call(slope, z), "=", (Op("−", one, Power(Call(f, z), Const("2"))),)),
        ]
    return [Equation(Call(f, z), "=", (z,)), Equation(Call(slope, z), "=", (one,))]


def _named_functions(kind: str) -> list[Equation]:
    """The output's functions the steps name (σ, relu′, lrelu′), defined."""
    z, one = Var("z"), Const("1")
    if kind == "sigmoid":
        return [Equation(Call(Var("σ"), z), "=", (Frac(one, Op("+", one, Power(Var("e"), Neg(z)))),))]
    if kind in ("relu", "leaky_relu"):
        low = Const("0") if kind == "relu" else Const(f"{LEAKY_SLOPE:g}")
        name = "relu" if kind == "relu" else "lrelu"
        return [Equation(Call(Word(name, prime=True), z), "=", (_cases(one, low),))]
    return []


def _cases(high: Node, low: Node) -> Node:
    return Cases(((high, Seq(Text("if "), Op(">", Var("z"), Const("0")))), (low, Text("otherwise"))))


def _facts(network: Network, numbers: Numbers) -> list[Fact]:
    L = network.depth
    sizes = network.layers

    def count(n: int, what: str) -> str:
        return f"{n} {what}{'s' if n != 1 else ''}"

    shape = count(sizes[0], "input") + ", "
    if L > 1:
        neurons = "neurons" if L > 2 or sizes[1] > 1 else "neuron"
        shape += f"{count(L - 1, 'hidden layer')} of {' and '.join(map(str, sizes[1:-1]))} {neurons}, "
    shape += count(sizes[-1], "output") + "; each W has a row per neuron of its layer and a column per input to it"
    facts = [Fact("Layers", shape)]
    f, slope = Var("f"), Var("f", prime=True)
    if L > 1:
        facts.append(
            Fact(
                "Hidden layers",
                ACTIVATION_NAMES[network.activation],
                (tuple(_activation_equations(network.activation, f, slope)),),
            )
        )
    out = network.output_activation
    yhat, pre = symbol("ŷ"), symbol(f"O{L}")
    if out == "linear":  # the workbook writes no O for it: ŷ is the last layer's weighted sum itself
        output = []
    elif out == "softmax":
        k = "k"
        e_k = Power(Var("e"), Var("O", sub=f"{L},{k}"))
        output = [
            Equation(Var("y", sub=k, hat=True), "=", (Frac(e_k, Sum("j", Power(Var("e"), Var("O", sub=f"{L},j")))),))
        ]
    else:
        output = [Equation(yhat, "=", (_apply(out, pre),))]
        if out != network.activation or L == 1:
            output += _named_functions(out)
    name = ACTIVATION_NAMES[out] + (" (no activation: ŷ is the last layer's weighted sum itself)" if not output else "")
    facts.append(Fact("Output", name, (tuple(output),) if output else ()))
    samples, b = len(network.samples), network.per_update
    each = " each iteration uses" if network.batched else ""
    loss_words = "per sample" + (f"; L is the {reduction_word(network)} over the {b} samples{each}" if b > 1 else "")
    if network.reduction == "sum" and b > 1:
        loss_words += ", and so is each gradient"
    facts.append(Fact("Loss", loss_words, (_loss_definitions(network),)))
    if network.batched:
        which = f"samples (t·{b} + k) mod {samples}, k = 0 … {b - 1}" if b > 1 else f"sample t mod {samples}"
        facts.append(
            Fact(
                "Batches",
                f"{'one sample' if b == 1 else f'{b} samples'} an iteration, the next in order, wrapping around, "
                f"and an update after each: iteration t uses {which}",
            )
        )
    facts.append(_optimizer_fact(network, numbers))
    samples = []
    several = len(network.samples) > 1
    for s, sample in enumerate(network.samples):
        pair = []
        for name, vector in (("x", sample.x), ("y", sample.y)):
            grid = Grid([[numbers.num(Key(name, -1, s, i)) for i in range(len(vector))]])
            pair.append(Equation(Var(name, sup=f"({s})" if several else ""), "=", (grid,)))
        samples.append(tuple(pair))
    facts.append(Fact("Samples" if several else "Sample", "", tuple(samples)))
    facts.append(
        Fact(
            "Notation",
            "∘ multiplies element by element; max, σ, tanh, exp, ln, squares and square roots act on each "
            "element; ᵀ transposes; vectors are rows; numbers have "
            f"{numbers.digits} significant digits.",
        )
    )
    return facts


def _loss_definitions(network: Network) -> tuple[Equation, ...]:
    """L and Δ of one sample, from the templates the steps use."""
    graph = build_iteration(network, 0)
    equations = []
    for name in ("L", "Δ"):
        q = graph.get(name, 0)
        template = _template(network, q)
        sides = (*_aliases(network, q), template(Context(network, graph, q), Symbols()))
        equations.append(Equation(symbol(name), "=", sides))
    return tuple(equations)


def _optimizer_fact(network: Network, numbers: Numbers) -> Fact:
    W, g = Var("W"), Deriv(Var("L"), Var("W"))
    eta = symbol("η")
    settings = tuple(Equation(symbol(h), "=", (numbers.num(hyper_key(h)),)) for h in hyperparameters(network))
    if network.optimizer == "momentum":
        v = Call(Var("v"), W)
        rules = (
            Equation(v, "←", (Op("+", Op("·", symbol("μ"), v), g),)),
            Equation(W, "←", (Op("−", W, Op("·", eta, v)),)),
        )
        words = "for every W and B; v starts as the first gradient"
    elif network.optimizer == "adam":
        m, v = Call(Var("m"), W), Call(Var("v"), W)
        m_hat, v_hat = Call(Var("m", hat=True), W), Call(Var("v", hat=True), W)
        step = symbol("step")
        b1, b2 = symbol("β1"), symbol("β2")
        rules = (
            Equation(m, "←", (Op("+", Op("·", b1, m), Op("·", Paren(Op("−", Const("1"), b1)), g)),)),
            Equation(v, "←", (Op("+", Op("·", b2, v), Op("·", Paren(Op("−", Const("1"), b2)), Power(g, Const("2")))),)),
            Equation(m_hat, "=", (Frac(m, Op("−", Const("1"), Power(b1, step))),)),
            Equation(v_hat, "=", (Frac(v, Op("−", Const("1"), Power(b2, step))),)),
            Equation(W, "←", (Op("−", W, Frac(Op("·", eta, m_hat), Op("+", Sqrt(v_hat), symbol("ε")))),)),
        )
        words = "for every W and B; m and v start at 0, step counts the updates from 1"
    else:
        rules = (Equation(W, "←", (Op("−", W, Op("·", eta, g)),)),)
        words = "for every W and B"
    if not network.train_biases:
        words += " (the biases are held fixed)"
    return Fact(f"Update: {OPTIMIZER_NAMES[network.optimizer]}", words, (*((rule,) for rule in rules), settings))


# ---------------------------------------------------------------------------------------------
# The whole run


def solve(network: Network, *, iterations: Sequence[int] | None = None, digits: int = 6) -> Solution:
    """Train `network` and write its worked solution: `iterations` in full (default: every one of
    a run of up to 10, else the first 3 and the last), then the loss of every iteration."""
    n = network.iters
    full = sorted(set(default_iterations(n) if iterations is None else iterations))
    if any(not 0 <= t < n for t in full):
        raise SheetnetError(f"the run has iterations 0 to {n - 1}; cannot show {full}")
    wanted = set(full)
    training = Run(network, keep=lambda t: t in wanted or t + 1 in wanted or t == n - 1)
    for _ in training:
        pass
    trace = training.trace()
    numbers = Numbers(trace.values, digits)
    by_t = {graph.t: graph for graph in trace.iterations}
    shown = tuple(iteration_solution(network, by_t[t], numbers) for t in full)
    every = max(1, -(-n // LOSS_ROWS))
    rows = sorted(set(range(0, n, every)) | {n - 1})
    samples = network.per_update
    losses = tuple((t, Num(trace.losses[t], Key("L", t, 0 if samples == 1 else -1, 0), digits)) for t in rows)
    final = None
    if n - 1 not in wanted:
        last = by_t[n - 1]
        steps = tuple(Step(p, Equation(symbol(p), "=", (numbers.of(last.updated(p)),))) for p in param_names(network))
        final = Block(f"The parameters after the last update (iteration {n - 1})", steps)
    return Solution(
        network,
        digits,
        tuple(_facts(network, numbers)),
        shown,
        losses,
        every,
        final,
        trace.first_non_finite(),
        trace.overflow_cause() if trace.first_non_finite() else "",
    )


# ---------------------------------------------------------------------------------------------
# Writing the file


def format_for(path: Path | None, given: str | None) -> str:
    """--format, else from --out's extension, else Markdown."""
    if given is not None:
        return given
    if path is None:
        return "md"
    try:
        return EXTENSIONS[path.suffix.lower()]
    except KeyError:
        raise SheetnetError(
            f"cannot tell the format from {path.name}'s extension; add --format md, html or tex "
            "(or name the file .md, .html or .tex)"
        ) from None


def solution_state(path: Path) -> State:
    """Whether `path` is a solution sheetnet wrote, unchanged since: its last line seals the rest
    (see `sheetnet.outputs`); one that starts with the mark but no longer matches was changed."""
    return text_state(path, MARK.encode())


def written_by_sheetnet(path: Path) -> bool:
    """True if `path` is a solution sheetnet wrote and nobody changed since."""
    return solution_state(path) is State.UNCHANGED


SEAL_COMMENT = {"md": "<!-- {} -->", "html": "<!-- {} -->", "tex": "% {}"}  # the seal, a comment in each format


def write_solution(text: str, path: Path, *, fmt: str = "md", force: bool = False) -> Path:
    """Write a solution to `path` whole or not at all, sealed, under `run --out`'s rules: only a
    regular file, or nothing, is replaced, and one that is not sheetnet's unchanged (or a link)
    only with `force`."""
    before = check_target(path, force, what="solution", state=solution_state)
    write_text_atomically(path, sealed_text(text, SEAL_COMMENT[fmt]), before, force)
    return path
