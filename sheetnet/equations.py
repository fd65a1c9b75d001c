"""Each quantity's defining equation in the notes' notation, written once for its symbols and its numbers.

Every kind of quantity net.py builds has one template (`template_for`) naming the quantities it
reads; a template is written over a `Side`, which puts in either their symbols (`Symbols`) or
their values from the trace (`Numbers`), so an equation and its numbers cannot disagree:
`O1 = x·W1ᵀ + B1` and `2·[1 1] + [−0.5 −0.5]` are one template read twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sheetnet.graph import Key
from sheetnet.net import LEAKY_SLOPE, MEAN, UPDATE, IterationGraph, Quantity, hyper_key
from sheetnet.notation import (
    Call,
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
    Transposed,
    Var,
    Word,
)
from sheetnet.spec import Network

# ---------------------------------------------------------------------------------------------
# Symbols and numbers: the two sides a template is read on


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


def activated(kind: str, z: Node) -> Node:
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
    return activated(c.network.activation, s.of(c.get(f"O{c.layer}")))


def _output_activation(c: Context, s: Side) -> Node:
    return activated(c.network.output_activation, s.of(c.get(f"O{c.network.depth}")))


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


def template_for(network: Network, q: Quantity) -> Template:
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
