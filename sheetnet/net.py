"""The quantities of a training run, in calculation order, each element an `Expr`.

Names follow the notes: O1 = x·W1ᵀ + B1, f(O1), ŷ, L, Δ = ŷ − y, f'(O1), ∂L/∂B1, ∂L/∂W1,
W1 ← W1 − η·∂L/∂W1. Layers are numbered from 1 (W1 feeds the first hidden layer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sheetnet.graph import (
    Add,
    Div,
    Dot,
    Expr,
    Fn,
    IfPositive,
    Key,
    Mul,
    Neg,
    Num,
    Over,
    Power,
    Ref,
    Sigmoid,
    Square,
    Sub,
)
from sheetnet.shape import iteration_size
from sheetnet.spec import Network

SETUP = -1  # the iteration index of inputs typed on the Setup sheet
STEP_PREFIX = "−η·∂L/∂"  # the update's step, shown as a row of its own (plain gradient descent)

PARAMETERS = "Parameters"
FORWARD = "Forward"
LOSS = "Loss"
BACKPROP = "Backpropagation"
MEAN = "Mean"
UPDATE = "Update"

INPUT = "input"  # typed on the Setup sheet
CARRIED = "carried"  # a copy of a cell elsewhere, shown where it is used
COMPUTED = "computed"

LEAKY_SLOPE = 0.01
LN_FLOOR = Fn("EXP", Num(-100))  # ln is taken of max(p, e^−100): never of 0, and PyTorch's BCE clamp

# Hyperparameters on the Setup sheet: key name, label, defined name in the workbook.
HYPERPARAMETERS = {
    "η": ("η (learning rate)", "lr"),
    "μ": ("μ (momentum)", "mu"),
    "β1": ("β1 (Adam: decay of m)", "beta1"),
    "β2": ("β2 (Adam: decay of v)", "beta2"),
    "ε": ("ε (Adam: added to √v̂)", "eps"),
}


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
    samples: int = 1  # how many samples the iteration uses (its batch)
    quantities: list[Quantity] = field(default_factory=list)
    by_name: dict[tuple[str, int | None], Quantity] = field(default_factory=dict)
    batch: tuple[int, ...] = ()  # the samples it uses, in order; a quantity's `sample` is a place in it

    def sample_of(self, k: int) -> int:
        """The sample (its index on Setup) in place k of the iteration's batch."""
        return self.batch[k] if self.batch else k

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

    def step(self, name: str) -> Quantity | None:
        """Parameter `name`'s step −η·∂L/∂p as its own row (plain gradient descent); None if the
        optimizer writes none, or `name` is no parameter."""
        return self.by_name.get((f"new {STEP_PREFIX}{name}", None))

    def gradient(self, name: str) -> Quantity:
        """∂L/∂`name` of the iteration: the sample's, or the mean (or sum) over its samples."""
        return self.get(f"∂L/∂{name}", 0 if self.samples == 1 else None)

    def loss(self) -> Quantity:
        """L of the iteration: the sample's, or the mean (or sum) over its samples."""
        return self.get("L", 0 if self.samples == 1 else None)


def hyper_key(name: str) -> Key:
    return Key(name, SETUP, -1, 0)


def lr_key() -> Key:
    return hyper_key("η")


def param_names(network: Network) -> list[str]:
    """W1, B1, W2, B2, ...: the order the notes update them in."""
    return [f"{p}{l}" for l in range(1, network.depth + 1) for p in "WB"]


def param_shape(network: Network, name: str) -> tuple[int, ...]:
    l = int(name[1:])
    return (network.layers[l], network.layers[l - 1]) if name[0] == "W" else (network.layers[l],)


def param_keys(network: Network, name: str, t: int) -> tuple[Key, ...]:
    """The keys of parameter `name` after iteration `t`'s update (t = −1: the initial values)."""
    return _keys(name, t, -1, param_shape(network, name))


def pre_activation_name(network: Network, l: int) -> str:
    """O_l, except that a linear output layer's pre-activation is ŷ itself, as in the notes."""
    if l == network.depth and network.output_activation == "linear":
        return "ŷ"
    return f"O{l}"


def activation_name(network: Network, l: int) -> str:
    return "ŷ" if l == network.depth else f"f(O{l})"


def loss_text(network: Network) -> str:
    """The loss as a formula in the notes' notation."""
    if network.loss == "mse":
        return "L = (1/K) Σ (ŷ − y)²"
    if network.loss == "cross_entropy":
        if network.output_activation == "softmax":
            return "L = −Σ y·ln ŷ"
        return "L = −Σ [y·ln ŷ + (1 − y)·ln(1 − ŷ)]"
    return "L = ½ Σ (ŷ − y)²"


def reduction_word(network: Network) -> str:
    """How an iteration's loss and gradients combine its samples: "mean" or "sum"."""
    return "sum" if network.reduction == "sum" else "mean"


def summed_text(network: Network) -> str:
    """`, summed over the samples` when the loss and the gradients are sums over several samples;
    else nothing (the mean, or one sample, whose sum is its mean)."""
    return ", summed over the samples" if network.reduction == "sum" and network.per_update > 1 else ""


def loss_heading(network: Network) -> str:
    """An iteration's loss as a table heads it: `L`, `L (mean of 3 samples)`, `L (sum of 2 samples)`,
    `L (1 sample)` (one sample an iteration, of several)."""
    if len(network.samples) == 1:
        return "L"
    b = network.per_update
    return "L (1 sample)" if b == 1 else f"L ({reduction_word(network)} of {b} samples)"


def loss_over_text(network: Network) -> str:
    """` (the mean over the samples)`, as a sentence says what L is; nothing with one sample."""
    if len(network.samples) == 1:
        return ""
    if network.per_update == 1:
        return " (of the one sample each iteration uses)"
    each = " each iteration uses" if network.batched else ""
    return f" (the {reduction_word(network)} over the samples{each})"


def batch_text(network: Network) -> str:
    """How an iteration picks its samples, when it uses fewer than all of them; else nothing."""
    if not network.batched:
        return ""
    b = network.per_update
    what = "one sample" if b == 1 else f"{b} samples"
    return f"{what} an iteration: the next in order, wrapping around (one update each)"


def optimizer_text(network: Network) -> str:
    if network.optimizer == "momentum":
        return "SGD with momentum: v ← μ·v + ∂L/∂W, W ← W − η·v"
    if network.optimizer == "adam":
        return "Adam: W ← W − η·m̂/(√v̂ + ε)"
    return "plain gradient descent: W ← W − η·∂L/∂W"


def hyperparameters(network: Network) -> list[str]:
    """The Setup sheet's training inputs for this network's optimizer."""
    return ["η", *{"sgd": [], "momentum": ["μ"], "adam": ["β1", "β2", "ε"]}[network.optimizer]]


def setup_quantities(network: Network) -> list[Quantity]:
    """The inputs a person would change: η and the optimizer's settings, x and y, the initial W and B."""
    values = {"η": network.lr, "μ": network.momentum, "β1": network.beta1, "β2": network.beta2, "ε": network.eps}
    quantities = [
        Quantity(name, HYPERPARAMETERS[name][0], PARAMETERS, (), (hyper_key(name),), inputs=(values[name],), role=INPUT)
        for name in hyperparameters(network)
    ]
    several = len(network.samples) > 1
    for s, sample in enumerate(network.samples):
        suffix = f" (sample {s})" if several else ""
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
            Quantity(
                f"B{l}",
                f"B{l}",
                PARAMETERS,
                (len(b),),
                param_keys(network, f"B{l}", SETUP),
                inputs=b,
                role=INPUT,
                note="" if network.train_biases else "held fixed (train_biases = false)",
            )
        )
    return quantities


def build_iteration(network: Network, t: int) -> IterationGraph:
    """Iteration t: carry the parameters in, then per sample of its batch forward, loss and
    backpropagation, the mean (or sum) over those samples, and the update.

    Its expressions read only its own keys (t), the previous iteration's (t − 1) and the Setup
    sheet's (t = −1), so two iterations t, u ≥ 1 that use the same samples have the same graph
    with every key of t and t − 1 moved to u and u − 1 (only labels and notes say t): what lets
    `sheetnet.program` compile one iteration for all of them."""
    batch = network.batch(t)
    graph = IterationGraph(t, len(batch), batch=batch)
    source = "Setup" if t == 0 else f"Iteration {t - 1}'s update"
    for name in param_names(network):
        _carry(graph, name, PARAMETERS, param_shape(network, name), param_keys(network, name, t - 1), None, source)
    for k, s in enumerate(batch):
        _forward(network, graph, t, k, s)
        _loss(network, graph, t, k, s)
        _backprop(network, graph, t, k)
    if len(batch) > 1:
        _reduce(network, graph, t)
    if network.optimizer == "adam":
        _adam_step(graph, t)
    for name in param_names(network):
        _update(network, graph, t, name)
    return graph


def _adam_step(graph: IterationGraph, t: int) -> Quantity:
    """Adam's step number as a cell of its own, 1 and then the previous step + 1: the bias
    corrections read it, so rows filled down count on (no step typed into a formula)."""
    key = Key("step", t, -1, 0)
    expr: Expr = Num(1.0) if t == 0 else Add(Ref(Key("step", t - 1, -1, 0)), Num(1.0))
    note = "Adam's step: 1 in iteration 0, then the step before + 1"
    return graph.add(Quantity("step", "Adam's step", UPDATE, (), (key,), (expr,), note=note))


def _carry(
    graph: IterationGraph,
    name: str,
    section: str,
    shape: tuple[int, ...],
    sources: Sequence[Key],
    sample: int | None,
    origin: str,
) -> Quantity:
    """A copy, on this iteration's sheet, of values that live elsewhere (Setup or the last update)."""
    return graph.add(
        Quantity(
            name,
            name,
            section,
            shape,
            _keys(f"{name}@in", graph.t, -1 if sample is None else sample, shape),
            tuple(Ref(k) for k in sources),
            role=CARRIED,
            sample=sample,
            note=f"from {origin}",
        )
    )


def _setup_origin(network: Network, sample: int) -> str:
    """Where a sample's x and y come from: Setup, and which of its samples when an iteration uses
    fewer than all of them."""
    return f"Setup (sample {sample})" if network.batched else "Setup"


def _forward(network: Network, graph: IterationGraph, t: int, s: int, sample: int) -> None:
    """The forward pass of place s of the batch, which holds sample `sample`."""
    L = network.depth
    n_in = network.layers[0]
    origin = _setup_origin(network, sample)
    x = _carry(graph, "x", FORWARD, (n_in,), [Key("x", SETUP, sample, i) for i in range(n_in)], s, origin)
    a_prev, a_prev_name = x.keys, "x"
    for l in range(1, L + 1):
        n = network.layers[l]
        W = _grid(graph.get(f"W{l}"))
        B = graph.get(f"B{l}").keys
        name = pre_activation_name(network, l)
        pre = graph.add(
            Quantity(
                name,
                f"{name} = {a_prev_name}·W{l}ᵀ + B{l}",
                FORWARD,
                (n,),
                _keys(name, t, s, (n,)),
                tuple(Dot([Ref(k) for k in a_prev], [Ref(k) for k in W[j]], Ref(B[j])) for j in range(n)),
                sample=s,
                note=f"{name}[j] = Σ_i {a_prev_name}[i]·W{l}[j,i] + B{l}[j]",
            )
        )
        if l < L:
            act = _activation(graph, t, s, network.activation, pre, f"f(O{l})", f"f(O{l})")
            a_prev, a_prev_name = act.keys, act.name
        elif network.output_activation == "softmax":
            top = Over("MAX", pre.keys)
            shifted = graph.add(
                Quantity(
                    f"e{l}",
                    f"e = exp(O{l} − max O{l})",
                    FORWARD,
                    (n,),
                    _keys(f"e{l}", t, s, (n,)),
                    tuple(Fn("EXP", Sub(Ref(k), top)) for k in pre.keys),
                    sample=s,
                    note="the max is subtracted so exp cannot overflow",
                )
            )
            graph.add(
                Quantity(
                    "ŷ",
                    f"ŷ = softmax(O{l}) = e / Σ e",
                    FORWARD,
                    (n,),
                    _keys("ŷ", t, s, (n,)),
                    tuple(Div(Ref(k), Over("SUM", shifted.keys)) for k in shifted.keys),
                    sample=s,
                    note="ŷ[k] = e[k] / Σ_j e[j]: the outputs as probabilities (they sum to 1)",
                )
            )
        elif network.output_activation != "linear":
            _activation(graph, t, s, network.output_activation, pre, "ŷ", f"ŷ = f(O{l})")


# O is the row above's pre-activation (O1, O2, …), as the labels write it
ACTIVATION_NOTES = {
    "relu": "ReLU: f(O) = max(0, O)",
    "leaky_relu": f"leaky ReLU: f(O) = O if O > 0 else {LEAKY_SLOPE}·O",
    "sigmoid": "σ: f(O) = 1/(1 + e^−O)",
    "tanh": "f(O) = tanh(O)",
    "linear": "linear: f(O) = O",
}

SLOPE_NOTES = {
    "relu": "ReLU': f'(O) = 1 if O > 0 else 0",
    "leaky_relu": f"leaky ReLU': f'(O) = 1 if O > 0 else {LEAKY_SLOPE}",
    "sigmoid": "σ': f'(O) = f(O)·(1 − f(O))",
    "tanh": "tanh': f'(O) = 1 − f(O)²",
}


def _activation(graph: IterationGraph, t: int, s: int, kind: str, pre: Quantity, name: str, label: str) -> Quantity:
    def apply(k: Key) -> Expr:
        S = Ref(k)
        if kind == "relu":
            return Fn("MAX", Num(0.0), S)
        if kind == "leaky_relu":
            return IfPositive(S, S, Mul(Num(LEAKY_SLOPE), S))
        if kind == "sigmoid":
            return Sigmoid(S)
        if kind == "tanh":
            return Fn("TANH", S)
        return S

    return graph.add(
        Quantity(
            name,
            label,
            FORWARD,
            pre.shape,
            _keys(name, t, s, pre.shape),
            tuple(apply(k) for k in pre.keys),
            sample=s,
            note=ACTIVATION_NOTES[kind],
        )
    )


def _slope(graph: IterationGraph, t: int, s: int, kind: str, pre: Quantity, act: Quantity, l: int) -> Quantity | None:
    """f'(O_l) as a row of its own, or None for a linear layer (f' = 1)."""
    if kind == "linear":
        return None

    def slope(i: int) -> Expr:
        S, A = Ref(pre.keys[i]), Ref(act.keys[i])
        if kind == "relu":
            return IfPositive(S, Num(1.0), Num(0.0))
        if kind == "leaky_relu":
            return IfPositive(S, Num(1), Num(LEAKY_SLOPE))
        if kind == "sigmoid":
            return Mul(A, Sub(Num(1), A))
        return Sub(Num(1), Square(A))

    name = f"f'(O{l})"
    return graph.add(
        Quantity(
            name,
            name,
            BACKPROP,
            pre.shape,
            _keys(name, t, s, pre.shape),
            tuple(slope(i) for i in range(len(pre.keys))),
            sample=s,
            note=SLOPE_NOTES[kind],
        )
    )


def _loss(network: Network, graph: IterationGraph, t: int, s: int, sample: int) -> None:
    K = network.layers[-1]
    yhat = graph.get("ŷ", s)
    origin = _setup_origin(network, sample)
    y = _carry(graph, "y", LOSS, (K,), [Key("y", SETUP, sample, k) for k in range(K)], s, origin)
    pairs = [(Ref(a), Ref(b)) for a, b in zip(yhat.keys, y.keys, strict=True)]
    errors = [Sub(a, b) for a, b in pairs]
    if network.loss == "cross_entropy":

        def ln(e: Expr) -> Expr:
            return Fn("LN", Fn("MAX", e, LN_FLOOR))

        if network.output_activation == "softmax":
            terms = [Mul(b, ln(a)) for a, b in pairs]
        else:
            terms = [Add(Mul(b, ln(a)), Mul(Sub(Num(1), b), ln(Sub(Num(1), a)))) for a, b in pairs]
        loss: Expr = Neg(_sum(terms))
        delta_label, deltas = f"Δ = ∂L/∂O{network.depth} = ŷ − y", errors
    else:
        squares = _sum([Square(e) for e in errors])
        if network.loss == "mse":
            loss = squares if K == 1 else Div(squares, Num(K))
            delta_label = "Δ = ∂L/∂ŷ = 2(ŷ − y)" + ("" if K == 1 else f"/{K}")
            deltas = [Mul(Num(2), e) if K == 1 else Div(Mul(Num(2), e), Num(K)) for e in errors]
        else:
            loss = Mul(Num(0.5), squares)
            delta_label, deltas = "Δ = ∂L/∂ŷ = ŷ − y", errors
    loss_note = "how far ŷ is from y: what training makes small"
    graph.add(Quantity("L", loss_text(network), LOSS, (), (Key("L", t, s, 0),), (loss,), sample=s, note=loss_note))
    delta_note = "the error at the output, where backpropagation starts"
    graph.add(Quantity("Δ", delta_label, LOSS, (K,), _keys("Δ", t, s, (K,)), tuple(deltas), sample=s, note=delta_note))


def _backprop(network: Network, graph: IterationGraph, t: int, s: int) -> None:
    L = network.depth
    K = network.layers[-1]
    delta = graph.get("Δ", s)
    output = network.output_activation
    name = f"∂L/∂B{L}"
    if output == "linear" or network.loss == "cross_entropy":
        note = "linear output: ∂ŷ/∂O = 1" if output == "linear" else f"{output} with cross-entropy: Δ is ∂L/∂O already"
        exprs: tuple[Expr, ...] = tuple(Ref(k) for k in delta.keys)
        label = f"{name} = Δ"
    elif output == "softmax":
        yhat = graph.get("ŷ", s)
        dot = Dot([Ref(k) for k in delta.keys], [Ref(k) for k in yhat.keys])
        exprs = tuple(Mul(Ref(yhat.keys[k]), Sub(Ref(delta.keys[k]), dot)) for k in range(K))
        label, note = f"{name} = ŷ ∘ (Δ − Σ Δ·ŷ)", "softmax Jacobian applied to Δ"
    else:
        slope = _slope(graph, t, s, output, graph.get(f"O{L}", s), graph.get("ŷ", s), L)
        assert slope is not None
        exprs = tuple(Mul(Ref(d), Ref(f)) for d, f in zip(delta.keys, slope.keys, strict=True))
        label, note = f"{name} = Δ ∘ f'(O{L})", f"Δ[k]·f'(O{L})[k]: the error through the output's slope"
    grad_b = graph.add(Quantity(name, label, BACKPROP, (K,), _keys(name, t, s, (K,)), exprs, sample=s, note=note))

    for l in range(L, 0, -1):
        inputs = graph.get("x", s) if l == 1 else graph.get(f"f(O{l - 1})", s)
        _weight_gradient(graph, t, s, l, grad_b, inputs)
        if l == 1:
            break
        pre, act = graph.get(f"O{l - 1}", s), graph.get(f"f(O{l - 1})", s)
        slope = _slope(graph, t, s, network.activation, pre, act, l - 1)
        W = _grid(graph.get(f"W{l}"))
        n = network.layers[l - 1]
        back = [Ref(k) for k in grad_b.keys]
        exprs = []
        for i in range(n):
            column = [Ref(W[j][i]) for j in range(network.layers[l])]
            factor = [] if slope is None else [Ref(slope.keys[i])]
            if len(back) == 1:
                exprs.append(Mul(back[0], column[0], *factor))
            else:
                exprs.append(Mul(Dot(back, column), *factor) if factor else Dot(back, column))
        name = f"∂L/∂B{l - 1}"
        label = f"{name} = (∂L/∂B{l}·W{l})" + ("" if slope is None else f" ∘ f'(O{l - 1})")
        grad_b = graph.add(
            Quantity(
                name,
                label,
                BACKPROP,
                (n,),
                _keys(name, t, s, (n,)),
                tuple(exprs),
                sample=s,
                note=f"Σ_j ∂L/∂B{l}[j]·W{l}[j,i]" + ("" if slope is None else f", times f'(O{l - 1})[i]"),
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


def _reduce(network: Network, graph: IterationGraph, t: int) -> None:
    """With several samples in an iteration, its loss and every gradient are their mean over them
    (`reduction = "mean"`), or their sum (`"sum"`)."""
    N = graph.samples
    function, word = ("SUM", "sum") if network.reduction == "sum" else ("AVERAGE", "mean")
    names = ["L"] + [f"∂L/∂{p}" for p in param_names(network)]
    for name in names:
        per_sample = [graph.get(name, s) for s in range(N)]
        first = per_sample[0]
        graph.add(
            Quantity(
                name,
                f"{name} ({word} of {N} samples)",
                MEAN,
                first.shape,
                _keys(name, t, -1, first.shape),
                tuple(Over(function, [q.keys[i] for q in per_sample]) for i in range(len(first.keys))),
                note="average over the samples" if word == "mean" else "sum over the samples",
            )
        )


def _update(network: Network, graph: IterationGraph, t: int, name: str) -> None:
    used = graph.get(name)
    new_keys = param_keys(network, name, t)
    if name[0] == "B" and not network.train_biases:
        graph.add(
            Quantity(
                name,
                f"{name} (held fixed)",
                UPDATE,
                used.shape,
                new_keys,
                tuple(Ref(k) for k in used.keys),
                note="train_biases = false",
            )
        )
        return
    grad = graph.gradient(name).keys
    lr = Ref(lr_key())
    shape = used.shape

    def state(q: str, label: str, exprs: list[Expr], note: str = "") -> Quantity:
        return graph.add(
            Quantity(f"{q}({name})", label, UPDATE, shape, _keys(f"{q}({name})", t, -1, shape), tuple(exprs), note=note)
        )

    def previous(q: str, i: int) -> Ref:
        return Ref(Key(f"{q}({name})", t - 1, -1, i))

    size = len(used.keys)
    if network.optimizer == "momentum":
        mu = Ref(hyper_key("μ"))
        if t == 0:
            v = state("v", f"v({name}) = ∂L/∂{name}", [Ref(grad[i]) for i in range(size)], "first step: v = gradient")
        else:
            v = state(
                "v",
                f"v({name}) = μ·v({name}) + ∂L/∂{name}",
                [Add(Mul(mu, previous("v", i)), Ref(grad[i])) for i in range(size)],
                f"v from Iteration {t - 1}",
            )
        steps = [Mul(lr, Ref(k)) for k in v.keys]
        label = f"{name} ← {name} − η·v({name})"
    elif network.optimizer == "adam":
        b1, b2, eps = Ref(hyper_key("β1")), Ref(hyper_key("β2")), Ref(hyper_key("ε"))
        count = Ref(Key("step", t, -1, 0))  # Adam's step number, a cell of its own
        if t == 0:
            m = state(
                "m",
                f"m({name}) = (1 − β1)·∂L/∂{name}",
                [Mul(Sub(Num(1), b1), Ref(g)) for g in grad],
                "step 1: m₁ = β1·m₀ + (1 − β1)·g₁, m₀ = 0",
            )
            v = state(
                "v",
                f"v({name}) = (1 − β2)·(∂L/∂{name})²",
                [Mul(Sub(Num(1), b2), Square(Ref(g))) for g in grad],
                "step 1: v₁ = β2·v₀ + (1 − β2)·g₁², v₀ = 0",
            )
        else:
            m = state(
                "m",
                f"m({name}) = β1·m({name}) + (1 − β1)·∂L/∂{name}",
                [Add(Mul(b1, previous("m", i)), Mul(Sub(Num(1), b1), Ref(grad[i]))) for i in range(size)],
                f"step {t + 1}: m_{t + 1} = β1·m_{t} + (1 − β1)·g_{t + 1}, m_{t} from Iteration {t - 1}",
            )
            v = state(
                "v",
                f"v({name}) = β2·v({name}) + (1 − β2)·(∂L/∂{name})²",
                [Add(Mul(b2, previous("v", i)), Mul(Sub(Num(1), b2), Square(Ref(grad[i])))) for i in range(size)],
                f"step {t + 1}: v_{t + 1} = β2·v_{t} + (1 − β2)·g_{t + 1}², v_{t} from Iteration {t - 1}",
            )
        m_hat = state(
            "m̂",
            f"m̂({name}) = m({name}) / (1 − β1^{t + 1})",
            [Div(Ref(k), Sub(Num(1), Power(b1, count))) for k in m.keys],
            f"bias correction, step {t + 1}",
        )
        v_hat = state(
            "v̂",
            f"v̂({name}) = v({name}) / (1 − β2^{t + 1})",
            [Div(Ref(k), Sub(Num(1), Power(b2, count))) for k in v.keys],
            f"bias correction, step {t + 1}",
        )
        steps = [
            Div(Mul(lr, Ref(a)), Add(Fn("SQRT", Ref(b)), eps)) for a, b in zip(m_hat.keys, v_hat.keys, strict=True)
        ]
        label = f"{name} ← {name} − η·m̂({name}) / (√v̂({name}) + ε)"
    else:
        steps = [Mul(lr, Ref(g)) for g in grad]
        label = f"{name} ← {name} − η·∂L/∂{name}"
        # the step itself, as the terminal shows it: what the update adds to each element
        step_name = f"{STEP_PREFIX}{name}"
        graph.add(
            Quantity(
                step_name,
                step_name,
                UPDATE,
                shape,
                _keys(step_name, t, -1, shape),
                tuple(Neg(Mul(lr, Ref(g))) for g in grad),
                note=f"the step: {name} plus it is the new {name}",
            )
        )
    graph.add(
        Quantity(
            name,
            label,
            UPDATE,
            shape,
            new_keys,
            tuple(Sub(Ref(u), d) for u, d in zip(used.keys, steps, strict=True)),
            note=f"the {name} that iteration {t + 1} uses" if t + 1 < network.iters else f"{name} after the training",
        )
    )


def _sum(terms: list[Expr]) -> Expr:
    return terms[0] if len(terms) == 1 else Add(*terms)


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


def network_iteration_size(network: Network) -> int:
    """How many numbers one iteration of `network` holds (`iteration_size`)."""
    return iteration_size(
        network.layers,
        network.per_update,
        activation=network.activation,
        output_activation=network.output_activation,
        loss=network.loss,
        optimizer=network.optimizer,
        train_biases=network.train_biases,
    )
