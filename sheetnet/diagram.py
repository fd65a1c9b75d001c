"""The network as an inline SVG diagram: neurons in columns (x, the hidden layers, ŷ), each weight
labelled by its name as sheetnet names elements (W1[0,1] joins input 1 to neuron 0 of layer 1),
each bias beside its neuron."""

from __future__ import annotations

import math
from html import escape

from sheetnet.spec import Network

COLUMN_GAP = 210
ROW_GAP = 84
RADIUS = 23
MARGIN_X = 70
TOP = 62  # room for the column titles
BOTTOM = 46  # room for the bias of the lowest neuron
LABEL_AT = 0.72  # where along an edge (from its source) its weight's name sits: past where edges cross
LABELLED_UP_TO = 6  # neurons per layer; wider layers' edges are drawn without names
ACTIVATIONS = {
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU",
    "sigmoid": "σ",
    "tanh": "tanh",
    "linear": "linear",
    "softmax": "softmax",
}


def network_svg(network: Network) -> str:
    """An SVG of the network, sized to it (up to 6 neurons a layer every weight is named)."""
    layers = network.layers
    depth = network.depth
    tallest = max(layers)
    height = TOP + (tallest - 1) * ROW_GAP + 2 * RADIUS + BOTTOM
    width = 2 * MARGIN_X + depth * COLUMN_GAP

    def center(l: int, j: int) -> tuple[float, float]:
        offset = (tallest - layers[l]) * ROW_GAP / 2
        return MARGIN_X + l * COLUMN_GAP, TOP + RADIUS + offset + j * ROW_GAP

    edges, labels, neurons, titles, biases = [], [], [], [], []
    for l in range(1, depth + 1):
        named = layers[l] <= LABELLED_UP_TO and layers[l - 1] <= LABELLED_UP_TO
        for j in range(layers[l]):
            for i in range(layers[l - 1]):
                (x0, y0), (x1, y1) = center(l - 1, i), center(l, j)
                edges.append(f'<line x1="{x0 + RADIUS:.1f}" y1="{y0:.1f}" x2="{x1 - RADIUS:.1f}" y2="{y1:.1f}"/>')
                if named:
                    # written along its own edge, so that two names near a crossing cannot be swapped
                    lx, ly = x0 + (x1 - x0) * LABEL_AT, y0 + (y1 - y0) * LABEL_AT
                    angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
                    labels.append(
                        f'<text x="{lx:.1f}" y="{ly + 4:.1f}" transform="rotate({angle:.1f} {lx:.1f} {ly:.1f})">'
                        f"W{l}[{j},{i}]</text>"
                    )
    for l, size in enumerate(layers):
        for j in range(size):
            x, y = center(l, j)
            inner = f"x[{j}]" if l == 0 else (f"ŷ[{j}]" if l == depth else f"O{l}[{j}]")
            kind = "input" if l == 0 else "output" if l == depth else "hidden"
            neurons.append(
                f'<g class="{kind}"><circle cx="{x}" cy="{y:.1f}" r="{RADIUS}"/>'
                f'<text x="{x}" y="{y + 4.5:.1f}">{escape(inner)}</text></g>'
            )
            if l > 0:
                biases.append(f'<text x="{x}" y="{y + RADIUS + 17:.1f}">+ B{l}[{j}]</text>')
        x = MARGIN_X + l * COLUMN_GAP
        if l == 0:
            title, kind = "x", "input"
        elif l == depth:
            title, kind = "ŷ", ACTIVATIONS[network.output_activation]
        else:
            title, kind = f"O{l} → f(O{l})", ACTIVATIONS[network.activation]
        titles.append(
            f'<text x="{x}" y="20" class="title">{escape(title)}</text>'
            f'<text x="{x}" y="38" class="kind">{escape(kind)}</text>'
        )
    return (
        f'<svg class="network" role="img" viewBox="0 0 {width} {height:.0f}" width="{width}" height="{height:.0f}" '
        f'aria-label="The {network.shape_text} network: neurons, weights and biases">'
        "<style>"
        ".network line{stroke:#8a94a6;stroke-width:1.3}"
        ".network circle{stroke:#2f4b7c;stroke-width:1.6;fill:#e8eef8}"
        ".network .input circle{fill:#fff6d5;stroke:#9a7b1c}"
        ".network .output circle{fill:#e3f1e3;stroke:#2e6b35}"
        ".network text{font:12px 'Latin Modern Roman',Georgia,serif;text-anchor:middle;fill:#1b1b1b}"
        ".network .weights text{font-size:11px;fill:#1f3f75;paint-order:stroke;stroke:#fff;stroke-width:4px}"
        ".network .biases text{font-size:11px;fill:#8a3b12}"
        ".network .title{font-size:15px;font-style:italic}"
        ".network .kind{font-size:12px;fill:#555}"
        "</style>"
        f'<g class="edges">{"".join(edges)}</g>'
        f'<g class="neurons">{"".join(neurons)}</g>'
        f'<g class="weights">{"".join(labels)}</g>'
        f'<g class="biases">{"".join(biases)}</g>'
        f'<g class="titles">{"".join(titles)}</g>'
        "</svg>"
    )
