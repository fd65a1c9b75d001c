"""The quantities of a training run, in calculation order, each element an `Expr`.

Names follow the notes: O1 = x·W1ᵀ + B1, f(O1), ŷ, L, Δ = ŷ − y, f'(O1), ∂L/∂B1, ∂L/∂W1,
W1 ← W1 − η·∂L/∂W1. Layers are numbered from 1 (W1 feeds the first hidden layer).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sheetnet.graph import Add, Dot, Expr, Key, Mul, Num, Ref, Relu, Square, Step, Sub
from sheetnet.spec import Network

SETUP = -1  # the iteration index of inputs typed on the Setup sheet

PARAMETERS = "Parameters"
FORWARD = "Forward"
LOSS = "Loss"
BACKPROP = "Backpropagation"
UPDATE = "Update"

INPUT = "input"  # typed on the Setup sheet
CARRIED = "carried"  # a copy of a cell elsewhere, shown where it is used
COMPUTED = "computed"


@dataclass(frozen=True)
class Quantity:
    """One vector or matrix of the run (or one scalar), as a row or a block of rows in a table."""

    name: str
    label: str
    section: str
    shape: tuple[int, ...]
    keys: tuple[Key, ...]
    exprs: tuple[Expr, ...] | None = None
    inputs: tuple[float, ...] | None = None
    role: str = COMPUTED
    sample: int | None = None
    note: str = ""

    @property
    def rows(self) -> int:
        return self.shape[0] if len(self.shape) == 2 else 1

    @property
    def cols(self) -> int:
        return self.shape[-1] if self.shape else 1

    def element_name(self, i: int) -> str:
        """`W2[1,0]`, `∂L/∂B1[0]`, `L`: the name of element `i`, as `check` reports it."""
        if len(self.shape) == 2:
            return f"{self.name}[{i // self.cols},{i % self.cols}]"
        if len(self.shape) == 1:
            return f"{self.name}[{i}]"
        return self.name


@dataclass
class IterationGraph:
    """All quantities of iteration `t` in calculation order, and where to find the notable ones."""

    t: int
    quantities: list[Quantity] = field(default_factory=list)
    by_name: dict[tuple[str, int | None], Quantity] = field(default_factory=dict)

    def add(self, quantity: Quantity) -> Quantity:
        self.quantities.append(quantity)
        name = f"new {quantity.name}" if quantity.section == UPDATE else quantity.name
        self.by_name[(name, quantity.sample)] = quantity
        return quantity

    def get(self, name: str, sample: int | None = None) -> Quantity:
        """A quantity by name; a parameter's name gives the value used in this iteration."""
        return self.by_name[(name, sample)]

    def updated(self, name: str) -> Quantity:
        """Parameter `name` after this iteration's update."""
        return self.by_name[(f"new {name}", None)]


def lr_key() -> Key:
    return Key("η", SETUP, -1, 0)


def param_names(network: Network) -> list[str]:
    """W1, B1, W2, B2, ...: the order the notes update them in."""
    return [f"{p}{l}" for l in range(1, network.depth + 1) for p in "WB"]


def param_shape(network: Network, name: str) -> tuple[int, ...]:
    l = int(name[1:])
    return (network.layers[l], network.layers[l - 1]) if name[0] == "W" else (network.layers[l],)


def param_keys(network: Network, name: str, t: int) -> tuple[Key, ...]:
    """The keys of parameter `name` after iteration `t`'s update (t = −1: the initial values)."""
    size = _size(param_shape(network, name))
    return tuple(Key(name, t, -1, i) for i in range(size))


def pre_activation_name(network: Network, l: int) -> str:
    """O_l, except that a linear output layer's pre-activation is ŷ itself, as in the notes."""
    if l == network.depth and network.output_activation == "linear":
        return "ŷ"
    return f"O{l}"


def activation_name(network: Network, l: int) -> str:
    return "ŷ" if l == network.depth else f"f(O{l})"


def setup_quantities(network: Network) -> list[Quantity]:
    """The inputs a person would change: η, each sample's x and y, the initial W and B."""
    quantities = [Quantity("η", "η (learning rate)", PARAMETERS, (), (lr_key(),), inputs=(network.lr,), role=INPUT)]
    several = len(network.samples) > 1
    for s, sample in enumerate(network.samples):
        suffix = f" (sample {s + 1})" if several else ""
        for name, vector in (("x", sample.x), ("y", sample.y)):
            keys = tuple(Key(name, SETUP, s, i) for i in range(len(vector)))
            quantities.append(
                Quantity(name, name + suffix, FORWARD, (len(vector),), keys, inputs=vector, role=INPUT, sample=s)
            )
    for l in range(1, network.depth + 1):
        w, b = network.weights[l - 1], network.biases[l - 1]
        quantities.append(
            Quantity(
                f"W{l}",
                f"W{l}",
                PARAMETERS,
                (len(w), len(w[0])),
                param_keys(network, f"W{l}", SETUP),
                inputs=tuple(v for row in w for v in row),
                role=INPUT,
                note=f"one row per neuron of layer {l}, one column per input",
            )
        )
        quantities.append(
            Quantity(f"B{l}", f"B{l}", PARAMETERS, (len(b),), param_keys(network, f"B{l}", SETUP), inputs=b, role=INPUT)
        )
    return quantities


def build_iteration(network: Network, t: int) -> IterationGraph:
    """Iteration t: carry the parameters in, forward, loss, backpropagation, update."""
    graph = IterationGraph(t)
    L = network.depth
    source = "Setup" if t == 0 else f"Iteration {t - 1}'s update"
    for name in param_names(network):
        shape = param_shape(network, name)
        graph.add(
            Quantity(
                name,
                name,
                PARAMETERS,
                shape,
                _keys(f"{name}@in", t, -1, shape),
                tuple(Ref(k) for k in param_keys(network, name, t - 1)),
                role=CARRIED,
                note=f"from {source}",
            )
        )
    W = {l: _grid(graph.get(f"W{l}")) for l in range(1, L + 1)}
    B = {l: graph.get(f"B{l}").keys for l in range(1, L + 1)}

    for s, sample in enumerate(network.samples):
        x = graph.add(
            Quantity(
                "x",
                "x",
                FORWARD,
                (len(sample.x),),
                _keys("x@in", t, s, (len(sample.x),)),
                tuple(Ref(Key("x", SETUP, s, i)) for i in range(len(sample.x))),
                role=CARRIED,
                sample=s,
                note="from Setup",
            )
        )
        a_prev, a_prev_name = x.keys, "x"
        for l in range(1, L + 1):
            n = network.layers[l]
            name = pre_activation_name(network, l)
            label = f"{'O' + str(l) if name != 'ŷ' else 'ŷ'} = {a_prev_name}·W{l}ᵀ + B{l}"
            pre = graph.add(
                Quantity(
                    name,
                    label,
                    FORWARD,
                    (n,),
                    _keys(name, t, s, (n,)),
                    tuple(Dot([Ref(k) for k in a_prev], [Ref(k) for k in W[l][j]], Ref(B[l][j])) for j in range(n)),
                    sample=s,
                    note=f"S_j = Σ_i {a_prev_name}_i·W{l}[j,i] + B{l}[j]",
                )
            )
            if l < L:
                act = graph.add(
                    Quantity(
                        f"f(O{l})",
                        f"f(O{l})",
                        FORWARD,
                        (n,),
                        _keys(f"f(O{l})", t, s, (n,)),
                        tuple(Relu(Ref(k)) for k in pre.keys),
                        sample=s,
                        note="ReLU: max(0, S)",
                    )
                )
                a_prev, a_prev_name = act.keys, f"f(O{l})"
        _loss_and_backprop(network, graph, t, s, W)

    for name in param_names(network):
        used = graph.get(name)
        grad = graph.get(f"∂L/∂{name}", 0)
        graph.add(
            Quantity(
                name,
                f"{name} ← {name} − η·∂L/∂{name}",
                UPDATE,
                used.shape,
                param_keys(network, name, t),
                tuple(Sub(Ref(u), Mul(Ref(lr_key()), Ref(g))) for u, g in zip(used.keys, grad.keys, strict=True)),
            )
        )
    return graph


def _loss_and_backprop(network: Network, graph: IterationGraph, t: int, s: int, W: dict[int, list]) -> None:
    L = network.depth
    k_out = network.layers[-1]
    yhat = graph.get("ŷ", s)
    y = graph.add(
        Quantity(
            "y",
            "y",
            LOSS,
            (k_out,),
            _keys("y@in", t, s, (k_out,)),
            tuple(Ref(Key("y", SETUP, s, k)) for k in range(k_out)),
            role=CARRIED,
            sample=s,
            note="from Setup",
        )
    )
    errors = [Sub(Ref(a), Ref(b)) for a, b in zip(yhat.keys, y.keys, strict=True)]
    squares = [Square(e) for e in errors]
    total = squares[0] if len(squares) == 1 else Add(*squares)
    graph.add(Quantity("L", "L = ½ Σ (ŷ − y)²", LOSS, (), (Key("L", t, s, 0),), (Mul(Num(0.5), total),), sample=s))
    delta = graph.add(
        Quantity(
            "Δ",
            "Δ = ∂L/∂ŷ = ŷ − y",
            LOSS,
            (k_out,),
            _keys("Δ", t, s, (k_out,)),
            tuple(errors),
            sample=s,
        )
    )

    grad_b = graph.add(
        Quantity(
            f"∂L/∂B{L}",
            f"∂L/∂B{L} = Δ",
            BACKPROP,
            (k_out,),
            _keys(f"∂L/∂B{L}", t, s, (k_out,)),
            tuple(Ref(k) for k in delta.keys),
            sample=s,
            note="linear output: ∂ŷ/∂O = 1",
        )
    )
    for l in range(L, 0, -1):
        inputs = graph.get("x", s) if l == 1 else graph.get(f"f(O{l - 1})", s)
        _weight_gradient(graph, t, s, l, grad_b, inputs)
        if l == 1:
            break
        pre = graph.get(pre_activation_name(network, l - 1), s)
        slope = graph.add(
            Quantity(
                f"f'(O{l - 1})",
                f"f'(O{l - 1})",
                BACKPROP,
                pre.shape,
                _keys(f"f'(O{l - 1})", t, s, pre.shape),
                tuple(Step(Ref(k)) for k in pre.keys),
                sample=s,
                note="ReLU': 1 if S > 0 else 0",
            )
        )
        n = network.layers[l - 1]
        exprs = []
        for i in range(n):
            column = [Ref(W[l][j][i]) for j in range(network.layers[l])]
            back = [Ref(k) for k in grad_b.keys]
            if len(back) == 1:
                exprs.append(Mul(back[0], column[0], Ref(slope.keys[i])))
            else:
                exprs.append(Mul(Dot(back, column), Ref(slope.keys[i])))
        grad_b = graph.add(
            Quantity(
                f"∂L/∂B{l - 1}",
                f"∂L/∂B{l - 1} = (∂L/∂B{l}·W{l}) ∘ f'(O{l - 1})",
                BACKPROP,
                (n,),
                _keys(f"∂L/∂B{l - 1}", t, s, (n,)),
                tuple(exprs),
                sample=s,
                note=f"Σ_j ∂L/∂B{l}[j]·W{l}[j,i], times f'(S_i)",
            )
        )


def _weight_gradient(graph: IterationGraph, t: int, s: int, l: int, grad_b: Quantity, inputs: Quantity) -> None:
    rows, cols = len(grad_b.keys), len(inputs.keys)
    graph.add(
        Quantity(
            f"∂L/∂W{l}",
            f"∂L/∂W{l} = (∂L/∂B{l})ᵀ·{inputs.name}",
            BACKPROP,
            (rows, cols),
            _keys(f"∂L/∂W{l}", t, s, (rows, cols)),
            tuple(Mul(Ref(grad_b.keys[j]), Ref(inputs.keys[i])) for j in range(rows) for i in range(cols)),
            sample=s,
            note=f"∂L/∂B{l}[j]·{inputs.name}[i]",
        )
    )


def _size(shape: tuple[int, ...]) -> int:
    size = 1
    for n in shape:
        size *= n
    return size


def _keys(q: str, t: int, s: int, shape: tuple[int, ...]) -> tuple[Key, ...]:
    return tuple(Key(q, t, s, i) for i in range(_size(shape)))


def _grid(quantity: Quantity) -> list[tuple[Key, ...]]:
    """A matrix quantity's keys as rows."""
    cols = quantity.cols
    return [quantity.keys[j * cols : (j + 1) * cols] for j in range(quantity.rows)]
