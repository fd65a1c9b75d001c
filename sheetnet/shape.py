"""How many numbers one iteration of a network holds, from its shape alone.

Pure arithmetic on the layers, the batch and the choices of activation, loss and optimizer: the
count of the cells `net.build_iteration` makes (a test compares the two on every combination),
computed in microseconds, so that a run too large for a workbook is refused before a weight is made.
It imports nothing of sheetnet, so the network file's reader (spec.py) and the graph's builder
(net.py) can both use it.
"""

from __future__ import annotations

from collections.abc import Sequence


def iteration_size(
    layers: Sequence[int],
    samples: int,
    *,
    activation: str,
    output_activation: str,
    loss: str,
    optimizer: str,
    train_biases: bool = True,
) -> int:
    """How many numbers one iteration holds (the cells `build_iteration` makes), from the network's
    shape alone: computed in microseconds, so that a run too large for a workbook is refused before
    anything is built. `samples` is how many samples an iteration uses (its batch); the reduction
    (mean or sum) makes as many numbers either way."""
    L = len(layers) - 1
    K = layers[-1]
    params = sum(layers[l] * layers[l - 1] + layers[l] for l in range(1, L + 1))
    forward = layers[0] + sum(layers[1:])  # x and each pre-activation
    forward += sum(layers[1:L])  # f(O) of the hidden layers
    forward += {"softmax": 2 * K, "linear": 0}.get(output_activation, K)  # e and ŷ, or ŷ = f(O)
    output_slope = output_activation not in ("linear", "softmax") and loss != "cross_entropy"
    backward = K + 1 + K  # y, L, Δ
    backward += K + (K if output_slope else 0)  # ∂L/∂B_L (and the output's f')
    backward += sum(layers[l] * layers[l - 1] for l in range(1, L + 1))  # ∂L/∂W_l
    hidden = sum(layers[1:L])
    backward += hidden * (2 if activation != "linear" else 1)  # ∂L/∂B_l (and f'(O_l)) of the hidden layers
    mean = 1 + params if samples > 1 else 0
    biases = sum(layers[1:])
    per = {"sgd": 2, "momentum": 2, "adam": 5}[optimizer]  # the step (or v; m, v, m̂, v̂) and the new value
    update = (params - biases) * per + biases * (per if train_biases else 1) + (1 if optimizer == "adam" else 0)
    return params + samples * (forward + backward) + mean + update
