"""Worked solutions: the run written the way the notes are (`sheetnet solve`).

For each iteration, every quantity net.py builds, in calculation order, becomes a step: its
defining equation in the notes' notation, the equation with the numbers put in, and the result —
`O1 = x·W1ᵀ + B1 = 2·[1 1] + [−0.5 −0.5] = [1.5 1.5]`. The equation and its numbers are one
template read twice (`sheetnet.equations`), so they cannot disagree. Every number is the trace's
own value, so the solution cannot drift from the workbook.

`solve` builds a `Solution` (`sheetnet.solution`): the iterations shown in full, their steps, the
network's facts and the loss table; `documents.render` writes it as a document (Markdown, HTML,
LaTeX), and `write_solution` puts one in a file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from sheetnet.equation import Equation
from sheetnet.equations import Context, Numbers, Symbols, activated, symbol, template_for
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
    Var,
    Word,
)
from sheetnet.outputs import State, check_target, sealed_text, text_state, write_text_atomically
from sheetnet.solution import (
    ACTIVATION_NAMES,
    MARK,
    OPTIMIZER_NAMES,
    Block,
    Fact,
    IterationSolution,
    Solution,
    Step,
)
from sheetnet.spec import Network
from sheetnet.trace import Run

FORMATS = ("md", "html", "tex")
EXTENSIONS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".tex": "tex"}
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
# The steps of an iteration


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
    template = template_for(network, q)
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
            Equation(Call(f, z), "=", (activated(kind, z),)),
            Equation(Call(slope, z), "=", (Call(Word("relu", prime=True), z), _cases(one, Const("0")))),
        ]
    if kind == "leaky_relu":
        low = Const(f"{LEAKY_SLOPE:g}")
        return [
            Equation(Call(f, z), "=", (activated(kind, z),)),
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
        output = [Equation(yhat, "=", (activated(out, pre),))]
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
        template = template_for(network, q)
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


SEAL_COMMENT = {"md": "<!-- {} -->", "html": "<!-- {} -->", "tex": "% {}"}  # the seal, a comment in each format


def write_solution(text: str, path: Path, *, fmt: str = "md", force: bool = False) -> Path:
    """Write a solution to `path` whole or not at all, sealed, under `run --out`'s rules: only a
    regular file, or nothing, is replaced, and one that is not sheetnet's unchanged (or a link)
    only with `force`."""
    before = check_target(path, force, what="solution", state=solution_state)
    write_text_atomically(path, sealed_text(text, SEAL_COMMENT[fmt]), before, force)
    return path
