"""What the labels around a cell say of the number it holds, in the run's terms.

A header or a row label may name an element in the notes' notation (`w3`, `O1`, `∂L/∂W1`), by a
word the sheet's own fitted columns teach (`learned_names`: `a_h1` over the column placed as
f(O1)[0], and the numbered names between such words), as the loss's derivative by a learned number
(`∂E/∂w3`, `dE_total/dout_h1`), as a parameter's change (`dw3`), as a slope (`dout_h1/dnet_h1`),
as a neuron's δ by the name the sheet gives the neuron (`δ o`, with `net o` and `out o` placed as
O2 and ŷ: `neuron_names`), or as the loss's derivative by a row of the sheet's table of parameters
(`∂E/∂ h1` beside the row `h1` of W1 and B1). The fitting passes ask these questions of a cell to
choose among cells of equal evidence.

Guarantee: nothing here changes a layout or a grid; each answer depends only on the labels around
the cell, the spot asked about and the bases placed so far.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from typing import NamedTuple

from sheetnet.cells.labels import CAPTION_WORDS, LOSS_WORDS, label_token, names_delta, numbered
from sheetnet.check.geometry import Layout
from sheetnet.check.grid import Grid, Pos, change_of, derivative_of, element_word
from sheetnet.check.spots import Ident, RunSpots, Spot, step_parameter
from sheetnet.net import CARRIED, FORWARD, PARAMETERS


def quantity_names(spot: Spot) -> set[str]:
    """What a label may call the element's quantity in the notes' notation: `o1`, `O1 = x·W1ᵀ + B1`;
    the loss also by the words sheets use for it."""
    names = {label_token(spot.quantity.name), label_token(spot.quantity.label)} - {""}
    return names | LOSS_WORDS if spot.quantity.name == "L" else names


def element_word_of(spot: Spot, index: int | None = None) -> str:
    """The element in the notes' notation as one word: `o11` for O1[1], `w201` for W2[0,1] (see
    `element_word`); a scalar's is its quantity's name. With several samples a sample's own number
    has none (a label names the element, not the sample): `·`, which no label holds."""
    q = spot.quantity
    if spot.samples > 1 and spot.key.s >= 0:
        return "·"
    index = spot.index if index is None else index
    base = element_word(q.name)
    if len(q.shape) == 2:
        j, i = divmod(index, q.cols)
        return f"{base}{j}{i}"
    return f"{base}{index}" if q.shape else base


def other_elements(spot: Spot) -> set[str]:
    """The other elements of the spot's quantity, as words: a label naming one of them (`∂L/∂W3_01`
    above a cell offered to ∂L/∂W3[0,0]) says the cell is not this element's."""
    return {element_word_of(spot, i) for i in range(len(spot.quantity.keys))} - {element_word_of(spot)}


def learned_names(grid: Grid, run: RunSpots, layout: Layout) -> dict[str, Ident]:
    """Header labels of the columns fitted so far (`w1`, `a_h1`), and the element each names."""
    learned: dict[str, Ident] = {}
    order = [spot.ident for spot in run.firsts]
    for ident in order:
        base = layout.bases.get(ident)
        if base is not None:
            for token in _own_labels(grid, layout, base):
                if token:
                    learned.setdefault(token, ident)
    # Numbered names fill their gaps: with w2 and w4 learned one element apart in the order of
    # calculation, w3 is the element between (a column no number of the run matches exactly).
    by_prefix: dict[str, dict[int, int]] = defaultdict(dict)
    for token, ident in learned.items():
        parts = numbered(token)
        if parts:
            by_prefix[parts[0]][parts[1]] = order.index(ident)
    for prefix, known in by_prefix.items():
        ns = sorted(known)
        for a, b in itertools.pairwise(ns):
            if b - a > 1 and known[b] - known[a] == b - a:
                for m in range(a + 1, b):
                    learned.setdefault(f"{prefix}{m}", order[known[a] + m - a])
        # and their ends, within the same quantity: with h2 learned for O1[1], h1 is O1[0]
        for n, step in ((ns[0], -1), (ns[-1], 1)):
            at = known[n] + step
            if n + step >= 0 and 0 <= at < len(order) and order[at][0] == order[known[n]][0]:
                learned.setdefault(f"{prefix}{n + step}", order[at])
    return learned


def header_names(grid: Grid, layout: Layout, p: Pos, learned: dict[str, Ident], spot: Spot) -> bool:
    """True if a label of `p` names `spot`'s element: by the notes' notation, by a label learned
    from the fitted columns, or as the derivative of the loss by a learned parameter (`∂E/∂w3`)."""
    tokens = set(_own_labels(grid, layout, p)) - {""}
    if element_word_of(spot) in grid.words(p):
        return True
    notation = tokens & quantity_names(spot)
    if notation:
        # unless the sheet calls this quantity otherwise: with `h2` learned for O1[1], `o1` is an
        # output neuron's, not O1 (homework names neurons h1, h2, o1, o2)
        own = {_prefix(t) for t, ident in learned.items() if ident[0] == spot.ident[0]}
        if not own or {_prefix(t) for t in notation} & own:
            return True
    for token in tokens:
        if learned.get(token) == spot.ident:
            return True
        of = derivative_of(token)
        if of is not None and of in learned and _gradient_of(learned[of], spot) and spot.quantity.role != CARRIED:
            return True
        if token[:1] == "d" and _gradient_by_name(learned.get(token[1:]), spot):
            return True  # `dW` over a column of W's gradient, W learned as W1's column (dW, db: the sheet's names)
        of = change_of(token)  # `dw3` may also be the step of w3 (what the sheet adds to it)
        if of is not None and of in learned and _step_of(learned[of], spot):
            return True
        if _slope_named(token, learned) == (spot.quantity.name, spot.key.s, spot.index):
            return True
    return False


_SLOPE = re.compile(r"[dδ∂]([^/]+)/[dδ∂]([^/]+)")


def _slope_named(token: str, learned: dict[str, Ident]) -> tuple[str, int, int] | None:
    """f'(O_l)[i] of a sample for `dout_h1/dnet_h1`, where `out_h1` is learned as f(O1)[0] (or ŷ)
    and `net_h1` as O1[0]: (quantity name, sample, element)."""
    match = _SLOPE.fullmatch(token)
    if match is None:
        return None
    a, o = learned.get(match.group(1)), learned.get(match.group(2))
    if a is None or o is None or a[1:] != o[1:]:
        return None
    activation, net = a[0].split(":", 1)[1], o[0].split(":", 1)[1]
    if activation not in (f"f({net})", "ŷ") or not net.startswith("O"):
        return None
    return f"f'({net})", o[1], o[2]


def labelled_as_learned(grid: Grid, layout: Layout, p: Pos, learned: dict[str, Ident], spot: Spot) -> bool:
    """True if a label of `p` names the derivative of the loss by a number the fitted columns hold
    (`dE/dw21`, w21 learned as W1[1,0]) and `spot` is not that derivative (in either sign, of a
    sample or over the samples)."""
    for token in set(_own_labels(grid, layout, p)) - {""}:
        of = derivative_of(token)
        if of is not None and of in learned and not _derivative_by(learned[of], spot):
            return True
    return False


def _gradient_by_name(named: Ident | None, spot: Spot) -> bool:
    """True if `spot` is the loss's derivative by the parameter `named` names, any element of it (a
    label over a column names the matrix: `W` over W1's column), over the samples: the one its
    update reads, not a sample's own (with 4 samples `dW` over the mean dW is no sample's)."""
    if named is None or not named[0].startswith(f"{PARAMETERS}:") or (spot.samples > 1 and spot.key.s >= 0):
        return False
    name = named[0].split(":", 1)[1]
    return spot.quantity.name.removeprefix("−") in (f"∂L/∂{name}", f"Σ∂L/∂{name}", f"mean ∂L/∂{name}")


def _derivative_by(named: Ident, spot: Spot) -> bool:
    """True if `spot` is the loss's derivative by the element `named`, in either sign, of a sample
    or over the samples."""
    if _gradient_of(named, spot):
        return True
    section, name = named[0].split(":", 1)
    return (
        section == PARAMETERS
        and spot.index == named[2]
        and spot.quantity.name.removeprefix("−") in (f"∂L/∂{name}", f"Σ∂L/∂{name}", f"mean ∂L/∂{name}")
    )


def _own_labels(grid: Grid, layout: Layout, p: Pos) -> tuple[str, str]:
    """A cell's row label and header as labels of the one number it holds: a row label before a
    row of the iteration's numbers names them all (`dW1` before a row of the matrix dW1), not the
    first (the cells beside it that are the next iterations' do not count: a column per iteration)."""
    row_label, header = grid.labels(p)
    s, r, c = p
    iterations = {layout.shift(p, 1), layout.shift(p, -1)} if layout.stride is not None else set()
    if any(q in grid.cells and q not in iterations for q in ((s, r, c - 1), (s, r, c + 1))):
        row_label = ""
    return row_label, header


def numbered_otherwise(grid: Grid, layout: Layout, base: Pos, spot: Spot) -> bool:
    """True if a vector's element sits under a label numbered for another (y[0] under `t2`): of two
    cells holding the same number (t1 = t2 = 0.5), each element takes the one its number names."""
    if len(spot.quantity.shape) != 1:
        return False
    numbers = {parts[1] for token in _own_labels(grid, layout, base) if (parts := numbered(token))}
    return bool(numbers) and spot.index + 1 not in numbers


_NEURON_OF = re.compile(r"(?:O|B)(\d+)\)?$")  # the layer of a per-neuron quantity: f'(O1), ∂L/∂B1, −∂L/∂f(O1)


def neurons_named(grid: Grid, learned: dict[str, Ident], p: Pos, spot: Spot) -> set[int] | None:
    """The neurons of the spot's layer and sample that a word of `p`'s labels names, by the names
    the sheet's own columns teach (`err N3`, `delta N3` with `N3` learned as O1[2]: neuron 2);
    None if the spot is no per-neuron number (a vector of a layer: f'(O1), ∂L/∂B1, ∂L/∂f(O1))."""
    match = _NEURON_OF.search(spot.quantity.name)
    if match is None or len(spot.quantity.shape) != 1:
        return None
    layer = match.group(1)
    named = set()
    for word in grid.words(p):
        ident = learned.get(word)
        neurons = (f"{FORWARD}:O{layer}", f"{FORWARD}:f(O{layer})")
        if ident is not None and ident[1] == spot.ident[1] and ident[0] in neurons:
            named.add(ident[2])
    return named


class Neuron(NamedTuple):
    """A neuron the sheet names: element `index` of layer `layer`'s pre-activation O_l, and where
    each sample's is (`cells`: the sample → its O_l[i]'s cell)."""

    layer: int
    index: int
    cells: dict[int, Pos]


def neuron_names(grid: Grid, run: RunSpots, layout: Layout, learned: dict[str, Ident]) -> dict[str, Neuron]:
    """The names the sheet gives its neurons, from the cells placed so far: a word the labels of a
    pre-activation O_l[i] and of its activation f(O_l)[i] (ŷ for the output layer) share in a sample
    (`h1` of `net h1` and `out h1`, `o` of `net o` and `out o`: neurons down, samples across), or a
    label learned as either (`N3` over O1[2], `sig(N3)` beside it). A word that names more than one
    neuron (`sample`, `1` of `sample 1` over a whole column) names none."""
    depth = run.trace.network.depth
    kinds: dict[tuple[int, int, int], dict[str, Pos]] = defaultdict(dict)  # (layer, neuron, sample) → net, out
    for ident, base in layout.bases.items():
        of = _neuron_of(ident[0], depth)
        if of is not None:
            kinds[(of[0], ident[2], ident[1])][of[1]] = base
    words: dict[str, set[tuple[int, int]]] = defaultdict(set)
    cells: dict[tuple[int, int], dict[int, Pos]] = defaultdict(dict)
    for (layer, index, sample), pair in kinds.items():
        if "net" in pair:
            cells[(layer, index)][sample] = pair["net"]
        if len(pair) == 2:
            for word in grid.words(pair["net"]) & grid.words(pair["out"]):
                if not word.isdigit() and word not in CAPTION_WORDS:
                    words[word].add((layer, index))
    for token, ident in learned.items():
        of = _neuron_of(ident[0], depth)
        if of is not None:
            words[token].add((of[0], ident[2]))
    return {
        word: Neuron(*neuron, cells[neuron])
        for word, named in words.items()
        if len(named) == 1 and (neuron := next(iter(named))) in cells
    }


_LAYER_OF = re.compile(r"(f\()?O(\d+)(?(1)\))")  # O2, f(O1): a layer's pre-activation or activation


def _neuron_of(section_name: str, depth: int) -> tuple[int, str] | None:
    """The layer of a forward quantity per neuron and which of its two it is: `Forward:O2` → (2,
    net), `Forward:f(O1)` → (1, out), `Forward:ŷ` → (depth, out); None for any other."""
    section, name = section_name.split(":", 1)
    if section != FORWARD:
        return None
    if name == "ŷ":
        return depth, "out"
    match = _LAYER_OF.fullmatch(name)
    return (int(match.group(2)), "out" if match.group(1) else "net") if match else None


_DELTA_OF = re.compile(r"−?∂L/∂B(\d+)")  # a neuron's δ, in either sign, of a sample (∂L/∂O_l = ∂L/∂B_l)


def delta_named(grid: Grid, neurons: dict[str, Neuron], p: Pos, spot: Spot) -> bool:
    """True if a label of `p` names the spot as a neuron's δ in `p`'s sample: a δ word and a name the
    sheet gives the neuron (`neuron_names`) in one label (`δ o` in the row of the samples' δ, `o`
    named by `net o` and `out o`), the loss's derivative by the neuron's net input, ∂L/∂B_l[i] of a
    sample, in either sign. With several samples, `p` is that sample's if it is in line with the
    sample's O_l[i] (in its column under a row label, in its row under a header)."""
    match = _DELTA_OF.fullmatch(spot.quantity.name)
    several = spot.samples > 1
    if match is None or (several and spot.key.s < 0):
        return False
    for text, across in ((grid.row_label(p), 2), (grid.header(p), 1)):
        words = text.split()
        if not any(names_delta(word) for word in words):
            continue
        for word in words:
            neuron = neurons.get(element_word(word))
            if neuron is None or (neuron.layer, neuron.index) != (int(match.group(1)), spot.index):
                continue
            cell = neuron.cells.get(spot.ident[1])
            if not several or (cell is not None and cell[0] == p[0] and cell[across] == p[across]):
                return True
    return False


_DERIVATIVE_BY = re.compile(r"[∂d][a-z_]*/[∂d](?P<of>\S+)")  # `∂E/∂ h1`, `dE/d o`: by what (spaces out)


def derivative_in_table(grid: Grid, layout: Layout, p: Pos, spot: Spot) -> bool:
    """True if `p`'s row label names the loss's derivative by a row of the sheet's table of
    parameters (`∂E/∂ h1` where the row `h1` holds W1[0,0], W1[0,1], B1[0]) and `spot` is the
    gradient, over the samples, of the parameter that row holds in `p`'s column (`∂E/∂ h1` under
    `w · in2` is ∂L/∂W1[0,1])."""
    match = _DERIVATIVE_BY.fullmatch(grid.row_label(p).replace(" ", "").replace("\u2009", "").lower())
    if match is None:
        return False
    return any(
        base[0] == p[0]
        and base[2] == p[2]
        and ident[2] == spot.index
        and grid.row_label(base).strip().lower() == match.group("of")
        and _gradient_by_name(ident, spot)
        for ident, base in layout.bases.items()
    )


def names_sample(grid: Grid, layout: Layout, p: Pos, spot: Spot) -> bool:
    """True if a label of `p` names the spot's quantity numbered by the spot's sample, for a sample's
    own number of a quantity of one number (`loss1` over sample 1's loss, as `sample 1` heads its
    column; a vector's number names its element: `x1` is x[0] of any sample)."""
    if spot.samples <= 1 or spot.key.s < 0 or math.prod(spot.quantity.shape) != 1:
        return False
    sample = (spot.batch[spot.key.s] if spot.batch else spot.key.s) + 1
    names = quantity_names(spot)
    return any(
        (parts := numbered(token)) is not None and parts[0] in names and parts[1] == sample
        for token in _own_labels(grid, layout, p)
    )


def _prefix(token: str) -> str:
    parts = numbered(token)
    return parts[0] if parts else token


def _gradient_of(param: Ident, spot: Spot) -> bool:
    """True if `spot` is ∂L/∂p (the one the update uses) of parameter element `param`; or, for an
    activation of the forward pass (`out_h1` learned as f(O1)[0]), the loss's derivative by it in
    the same sample (`dE_total/dout_h1` is ∂L/∂f(O1)[0], `dE_total/dout_o1` is Δ[0], `dE/dz2`
    with z2 learned as O1[1] is ∂L/∂B1[1])."""
    section, name = param[0].split(":", 1)
    if section == FORWARD and spot.index == param[2] and spot.key.s == param[1]:
        if name[0] == "O" and name[1:].isdigit():  # `dE/dz2`: ∂L/∂O1 is ∂L/∂B1
            return spot.quantity.name == f"∂L/∂B{name[1:]}"
        return spot.quantity.name == ("Δ" if name == "ŷ" else f"∂L/∂{name}")
    if section != PARAMETERS or not spot.quantity.name.startswith("∂L/∂") or spot.index != param[2]:
        return False
    mean = spot.samples > 1
    return spot.quantity.name == f"∂L/∂{name}" and (spot.key.s == -1 if mean else True)


def named_for_another(grid: Grid, layout: Layout, learned: dict[str, Ident], spot: Spot, p: Pos) -> bool:
    """True if a label of `p` names the gradient or the step of another parameter than the step
    `spot`'s (`dE/dw3` over a number of w2's step size: with η·x2 = x1 it is w3's gradient, wrong)."""
    for token in set(_own_labels(grid, layout, p)) - {""}:
        for of in (derivative_of(token), change_of(token)):
            param = learned.get(of) if of is not None else None
            if param is not None and param[0].startswith(f"{PARAMETERS}:") and not _step_of(param, spot):
                return True
    return False


def _step_of(param: Ident, spot: Spot) -> bool:
    """True if `spot` is a step (±η·∂L/∂p, see `spots.step_names`) of parameter element `param`."""
    section, name = param[0].split(":", 1)
    return section == PARAMETERS and spot.index == param[2] and step_parameter(spot.quantity) == name
