"""A worked solution as data: what `sheetnet solve` works out, before any document is written.

A `Solution` holds the network's facts, each iteration shown in full as blocks of steps (a
quantity's equation: its definition, the numbers put in, the result), the loss table, and where
the run overflowed. `sheetnet.solve` builds it; `sheetnet.documents` writes it as Markdown, HTML
or LaTeX. Every number in it is a `Num` holding the trace's own value and the key it came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sheetnet.equation import Equation
from sheetnet.notation import Node, Num
from sheetnet.spec import Network

MARK = "written by sheetnet solve"  # in the first line of every solution file: replaced without --force


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
