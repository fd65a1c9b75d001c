"""The network file: TOML in, a validated `Network` out. The defaults are the notes' network."""

from __future__ import annotations

import json
import math
import random
import re
import stat
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

from sheetnet import limits
from sheetnet.errors import NetworkFileError
from sheetnet.shape import iteration_size

NETWORK_PROPERTY = "sheetnet network"  # document property of a workbook sheetnet wrote: its kind
EXERCISE_PROPERTY = "sheetnet exercise"  # of an exercise: the part left to the student, and whether keyed
KEY_SHEET = "Key"  # the hidden sheet of a keyed exercise: the run's numbers, which a reader leaves out
RATE_SHEETS = "lr_sheets"  # in it: a run of several η, a sheet each (η = 0.1, …) holding its own η

Vector = tuple[float, ...]
Matrix = tuple[Vector, ...]

HIDDEN_ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh", "linear")
OUTPUT_ACTIVATIONS = (*HIDDEN_ACTIVATIONS, "softmax")
LOSSES = ("half_squared_error", "mse", "cross_entropy")
OPTIMIZERS = ("sgd", "momentum", "adam")
REDUCTIONS = ("mean", "sum")  # how the loss and the gradients combine the samples of an update (PyTorch's names)

TOP_LEVEL_KEYS = (
    "layers",
    "activation",
    "output_activation",
    "loss",
    "lr",
    "iters",
    "train_biases",
    "optimizer",
    "momentum",
    "beta1",
    "beta2",
    "eps",
    "reduction",
    "batch_size",
    "init",
    "samples",
)
INIT_FILL_KEYS = ("weights", "biases", "seed")
# optimizer setting: (the optimizer it belongs to, PyTorch's default)
OPTIMIZER_SETTINGS = {
    "momentum": ("momentum", 0.9),
    "beta1": ("adam", 0.9),
    "beta2": ("adam", 0.999),
    "eps": ("adam", 1e-8),
}
SAMPLE_KEYS = ("x", "y")

DEFAULT_LR = 0.01
DEFAULT_ITERS = 3


@dataclass(frozen=True)
class Sample:
    """One training example: input vector x and target vector y."""

    x: Vector
    y: Vector


@dataclass(frozen=True)
class Network:
    """A fully connected network, its initial parameters, its data and how to train it.

    `weights[l]` is W(l+1): one row per neuron of layer l+1, one column per input to it
    (the shape of PyTorch's `nn.Linear.weight`); `biases[l]` is B(l+1).
    """

    layers: tuple[int, ...]
    activation: str
    output_activation: str
    loss: str
    lr: float
    iters: int
    weights: tuple[Matrix, ...]
    biases: tuple[Vector, ...]
    samples: tuple[Sample, ...]
    train_biases: bool = True
    optimizer: str = "sgd"
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    reduction: str = "mean"
    batch_size: int | None = None  # samples per update; None: all of them

    @property
    def depth(self) -> int:
        """How many weight layers (the notes' network has 3: W1, W2, W3)."""
        return len(self.layers) - 1

    @property
    def shape_text(self) -> str:
        return "-".join(str(n) for n in self.layers)

    @property
    def per_update(self) -> int:
        """How many samples each iteration uses: `batch_size`, or all of them."""
        return min(self.batch_size or len(self.samples), len(self.samples))

    @property
    def batched(self) -> bool:
        """True if an iteration uses fewer than all the samples (online or mini-batch learning)."""
        return self.per_update < len(self.samples)

    def sample_at(self, t: int, k: int) -> int:
        """The sample in place k of iteration t's batch: the next `per_update` samples in order,
        wrapping around, so (t·b + k) mod N."""
        return (t * self.per_update + k) % len(self.samples)

    def batch(self, t: int) -> tuple[int, ...]:
        """The samples iteration t uses, in order (all of them, 0 … N−1, without `batch_size`)."""
        return tuple(self.sample_at(t, k) for k in range(self.per_update))

    def with_overrides(self, *, iters: int | None = None, lr: float | None = None) -> Network:
        """The same network with `--iters` / `--lr` from the command line applied."""
        changes: dict[str, Any] = {}
        if iters is not None:
            changes["iters"] = iters
        if lr is not None:
            changes["lr"] = lr
        return replace(self, **changes) if changes else self

    def optimizer_settings(self) -> dict[str, float]:
        """The optimizer's own inputs besides η: μ for momentum; β1, β2, ε for Adam."""
        if self.optimizer == "momentum":
            return {"momentum": self.momentum}
        if self.optimizer == "adam":
            return {"beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}
        return {}

    def to_dict(self) -> dict[str, Any]:
        """The network as plain data, as `--json` shows it."""
        init: dict[str, Any] = {}
        for l, (w, b) in enumerate(zip(self.weights, self.biases, strict=True), start=1):
            init[f"W{l}"] = [list(row) for row in w]
            init[f"B{l}"] = list(b)
        return {
            "layers": list(self.layers),
            "activation": self.activation,
            "output_activation": self.output_activation,
            "loss": self.loss,
            "lr": self.lr,
            "iters": self.iters,
            "train_biases": self.train_biases,
            "optimizer": self.optimizer,
            **self.optimizer_settings(),
            **({"reduction": self.reduction} if self.reduction != "mean" else {}),
            **({"batch_size": self.per_update} if self.batched else {}),
            "init": init,
            "samples": [{"x": list(s.x), "y": list(s.y)} for s in self.samples],
        }


def default_network() -> Network:
    """The notes' network: 1-2-2-1, ReLU, every weight 1, every bias −0.5, x = 2, y = 1."""
    return parse_network(DEFAULT_TOML, source="default network")


def load_network(path: str | Path) -> Network:
    """Read and validate a network file that trains with one η."""
    return parse_network(_read(Path(path)), source=str(path))


def load_networks(path: str | Path) -> tuple[Network, ...]:
    """Read and validate a network file: one network per η of its `lr` (a number or a list)."""
    return parse_networks(_read(Path(path)), source=str(path))


def _read(path: Path) -> str:
    """The text of a network file: a regular file of at most `limits.NETWORK_FILE_BYTES`, its size
    checked before it is opened (a device or a pipe would be read forever, or block)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise NetworkFileError("no such file", path=str(path)) from None
    except OSError as exc:
        raise NetworkFileError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    if stat.S_ISDIR(info.st_mode):
        raise NetworkFileError("is a directory, not a network file", path=str(path))
    if not stat.S_ISREG(info.st_mode):
        raise NetworkFileError(
            "is not a regular file (a device, a pipe or a socket): not a network file", path=str(path)
        )
    if info.st_size > limits.NETWORK_FILE_BYTES:
        raise NetworkFileError(
            f"{info.st_size:,} bytes; a network file may have at most {limits.NETWORK_FILE_BYTES:,} (refused)",
            path=str(path),
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.NETWORK_FILE_BYTES + 1)  # it may have grown since
        if len(data) > limits.NETWORK_FILE_BYTES:
            raise NetworkFileError(f"more than {limits.NETWORK_FILE_BYTES:,} bytes (refused)", path=str(path))
        text = data.decode("utf-8")
    except PermissionError:
        raise NetworkFileError("permission denied", path=str(path)) from None
    except UnicodeDecodeError:
        raise NetworkFileError("not a text file (expected UTF-8 TOML)", path=str(path)) from None
    except OSError as exc:
        raise NetworkFileError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    return text


def parse_network(text: str, *, source: str) -> Network:
    """Validate the TOML text of a network file that trains with one η; every error names the key
    and, where it can, the line."""
    validator = _Validator(text, source)
    networks = validator.networks(_toml(text, source))
    if len(networks) > 1:
        rates = ", ".join(rate_text(n.lr) for n in networks)
        validator.fail("lr", f"gives {len(networks)} learning rates ({rates}); one is needed here")
    return networks[0]


def parse_networks(text: str, *, source: str) -> tuple[Network, ...]:
    """Validate the TOML text of a network file: one network per η of its `lr`, in the file's order
    (`lr = [0.1, 0.5]` compares two learning rates; the networks differ in nothing else)."""
    return _Validator(text, source).networks(_toml(text, source))


def _toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line = _split_toml_error(str(exc))
        raise NetworkFileError(f"not valid TOML: {message}", path=source, line=line) from None
    except RecursionError:
        raise NetworkFileError("not a network file: arrays or tables nested too deeply to read", path=source) from None
    except ValueError as exc:  # an integer of thousands of digits (Python's limit on converting them)
        raise NetworkFileError(f"not a network file: {str(exc).splitlines()[0]}", path=source) from None


def with_overrides(
    networks: Sequence[Network], *, iters: int | None = None, lrs: Sequence[float] | None = None
) -> tuple[Network, ...]:
    """`--iters` and `--lr` from the command line applied to a file's networks: --lr's η replace
    the file's, one network per η."""
    if lrs:
        return tuple(networks[0].with_overrides(iters=iters, lr=lr) for lr in lrs)
    return tuple(n.with_overrides(iters=iters) for n in networks)


def rate_text(lr: float) -> str:
    """η as the shortest text that reads back as the same number: `0.1`, `2`, `1e-05`."""
    return repr(lr).removesuffix(".0")


ALIASES = {
    "learning_rate": "lr",
    "eta": "lr",
    "η": "lr",
    "iterations": "iters",
    "epochs": "iters",
    "steps": "iters",
    "sample": "samples",
    "activations": "activation",
}


def glorot_uniform(layers: tuple[int, ...], seed: int) -> tuple[tuple[Matrix, ...], tuple[Vector, ...]]:
    """Reproducible random initial parameters (`[init] seed = N`).

    The rule: `rng = random.Random(seed)`; for W1, W2, ... in turn, row by row (neuron j), column by
    column (input i), W_l[j][i] = rng.uniform(−a, a) with a = √(6 / (fan_in + fan_out)), fan_in =
    layers[l−1], fan_out = layers[l] (Glorot/Xavier uniform). Every bias is 0. Python's Mersenne
    Twister gives the same numbers on every machine and version.
    """
    rng = random.Random(seed)
    weights = []
    for l in range(1, len(layers)):
        limit = math.sqrt(6.0 / (layers[l - 1] + layers[l]))
        weights.append(tuple(tuple(rng.uniform(-limit, limit) for _ in range(layers[l - 1])) for _ in range(layers[l])))
    biases = tuple((0.0,) * layers[l] for l in range(1, len(layers)))
    return tuple(weights), biases


def _did_you_mean(key: str, known: tuple[str, ...]) -> str | None:
    """The known key a mistyped one most likely meant: same letters in another case, an alias, or a near spelling."""
    for candidate in known:
        if candidate.lower() == key.lower():
            return candidate
    if ALIASES.get(key.lower()) in known:
        return ALIASES[key.lower()]
    import difflib  # here, not above: only a mistyped key needs it, and `sheetnet run` starts faster

    close = difflib.get_close_matches(key, known, n=1)
    return close[0] if close else None


def _split_toml_error(message: str) -> tuple[str, int | None]:
    match = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
    if not match:
        return message, None
    return message[: match.start()], int(match.group(1))


class _Validator:
    """Turns parsed TOML into a `Network`, raising `NetworkFileError` at the first problem."""

    def __init__(self, text: str, source: str) -> None:
        self.lines = text.splitlines()
        self.source = source

    def fail(self, key: str, message: str) -> NoReturn:
        raise NetworkFileError(f"{key}: {message}", path=self.source, line=self.line_of(key))

    def line_of(self, key: str) -> int | None:
        """Best-effort line number of a dotted key such as `init.W2` or `samples[1].x`."""
        table, _, name = key.rpartition(".")
        name = name.split("[")[0]
        table_name = table.split("[")[0]
        wanted_index = int(table.split("[")[1].rstrip("]")) if "[" in table else 0
        current, index = "", -1
        for number, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            header = re.match(r"^\[\[?\s*([A-Za-z0-9_.\-]+)\s*\]\]?", line)
            if header:
                current = header.group(1)
                if current == table_name:
                    index += 1
                continue
            if current != table_name or (table_name and index != wanted_index):
                continue
            if re.match(rf"^{re.escape(name)}\s*=", line):
                return number
        return None

    def networks(self, data: dict[str, Any]) -> tuple[Network, ...]:
        """One network per η of `lr`, which is a number or a list of distinct ones."""
        self.check_keys(data, TOP_LEVEL_KEYS, "")
        rates = self.rates(data.get("lr", DEFAULT_LR))
        network = self.network(data, rates[0])
        return tuple(replace(network, lr=lr) for lr in rates)

    def rates(self, value: Any) -> tuple[float, ...]:
        if not isinstance(value, list):
            return (self.positive(value, "lr"),)
        if not value:
            self.fail("lr", "an empty list; give η, or a list of them to compare, e.g. lr = [0.1, 0.5, 1]")
        if len(value) > limits.RATES:
            self.fail("lr", f"{len(value):,} learning rates; sheetnet compares at most {limits.RATES} (a curve each)")
        rates = tuple(self.positive(v, f"lr[{i}]") for i, v in enumerate(value))
        first: dict[float, int] = {}
        for i, lr in enumerate(rates):
            if lr in first:
                self.fail(f"lr[{i}]", f"{rate_text(lr)} is given twice (lr[{first[lr]}] and lr[{i}])")
            first[lr] = i
        return rates

    def network(self, data: dict[str, Any], lr: float) -> Network:
        layers = self.layers(data)
        activation = self.choice(data, "activation", HIDDEN_ACTIVATIONS, "relu")
        output_activation = self.choice(data, "output_activation", OUTPUT_ACTIVATIONS, "linear")
        if output_activation == "softmax" and layers[-1] == 1:
            self.fail(
                "output_activation",
                "softmax over one output is always 1: ŷ = 1, L and every gradient are 0 and nothing learns; "
                'give layers[-1] two outputs or more, or use "sigmoid" for one',
            )
        loss = self.choice(data, "loss", LOSSES, "half_squared_error")
        if loss == "cross_entropy" and output_activation not in ("softmax", "sigmoid"):
            self.fail(
                "loss",
                f'cross_entropy needs output_activation = "softmax" or "sigmoid", not "{output_activation}"',
            )
        iters = self.count(data.get("iters", DEFAULT_ITERS), "iters")
        train_biases = data.get("train_biases", True)
        if not isinstance(train_biases, bool):
            self.fail("train_biases", f"expected true or false, got {train_biases!r}")
        optimizer = self.choice(data, "optimizer", OPTIMIZERS, "sgd")
        tuning = {}
        for key, (owner, default) in OPTIMIZER_SETTINGS.items():
            if key in data and optimizer != owner:
                self.fail(key, f'only used with optimizer = "{owner}" (the optimizer here is "{optimizer}")')
            value = self.number(data.get(key, default), key)
            if key == "eps" and value <= 0:
                self.fail(key, f"expected a number greater than 0, got {value}")
            if key != "eps" and not 0 <= value < 1:
                self.fail(key, f"expected a number in [0, 1), got {value}")
            tuning[key] = value
        reduction = self.choice(data, "reduction", REDUCTIONS, "mean")
        wanted = data.get("batch_size")  # validated once the samples are; here only to size an iteration
        per_update = wanted if isinstance(wanted, int) and not isinstance(wanted, bool) and wanted >= 1 else None
        self.check_size(data, layers, activation, output_activation, loss, optimizer, train_biases, per_update)
        weights, biases = self.init(data, layers)
        samples = self.samples(data, layers)
        self.check_targets(samples, output_activation, loss)
        batch_size = self.batch_size(data, len(samples))
        return Network(
            layers=layers,
            activation=activation,
            output_activation=output_activation,
            loss=loss,
            lr=lr,
            iters=iters,
            weights=weights,
            biases=biases,
            samples=samples,
            train_biases=train_biases,
            optimizer=optimizer,
            **tuning,
            reduction=reduction,
            batch_size=batch_size,
        )

    def batch_size(self, data: dict[str, Any], count: int) -> int | None:
        """Samples per update, 1 … `count` (the samples); None (every sample) when not given or all of them."""
        if "batch_size" not in data:
            return None
        size = self.count(data["batch_size"], "batch_size")
        if size > count:
            self.fail(
                "batch_size",
                f"{size} is more than the {count} sample{'s' if count != 1 else ''}; give 1 to {count} "
                "(1: an update per sample; every sample: leave batch_size out)",
            )
        return None if size == count else size

    def check_size(
        self,
        data: dict[str, Any],
        layers: tuple[int, ...],
        activation: str,
        output_activation: str,
        loss: str,
        optimizer: str,
        train_biases: bool,
        batch_size: int | None = None,
    ) -> None:
        """Refuse, before a weight is made, a network of which not one iteration fits in a workbook,
        or more samples than sheetnet takes."""
        raw = data.get("samples")
        count = len(raw) if isinstance(raw, list) else 1
        if count > limits.SAMPLES:
            self.fail("samples", f"{count:,} samples; sheetnet takes at most {limits.SAMPLES:,}")
        size = iteration_size(
            layers,
            min(batch_size or count, count),
            activation=activation,
            output_activation=output_activation,
            loss=loss,
            optimizer=optimizer,
            train_biases=train_biases,
        )
        if size > limits.WORKBOOK_CELLS:
            fewer = "fewer neurons" + (
                " or a smaller batch_size" if batch_size else " or fewer samples" if count > 1 else ""
            )
            self.fail(
                "layers",
                f"one iteration of this network holds {size:,} numbers, a cell each; a workbook of sheetnet's "
                f"holds at most {limits.WORKBOOK_CELLS:,}: use {fewer}",
            )

    def check_targets(self, samples: tuple[Sample, ...], output_activation: str, loss: str) -> None:
        """Cross-entropy targets must be probabilities (and sum to 1 with softmax)."""
        if loss != "cross_entropy":
            return
        for n, sample in enumerate(samples):
            key = f"samples[{n}].y"
            if any(not 0 <= v <= 1 for v in sample.y):
                self.fail(key, f"cross_entropy targets must lie in [0, 1], got {list(sample.y)}")
            if output_activation == "softmax" and abs(sum(sample.y) - 1) > 1e-9:
                self.fail(key, f"with softmax, cross_entropy targets must sum to 1, got {list(sample.y)}")

    def positive(self, value: Any, key: str) -> float:
        number = self.number(value, key)
        if number <= 0:
            self.fail(key, f"must be greater than 0, got {number}")
        return number

    def check_keys(self, table: dict[str, Any], known: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key in known:
                continue
            guess = _did_you_mean(key, known)
            hint = f" (did you mean '{guess}'?)" if guess else ""
            self.fail(f"{prefix}{key}", f"unknown key{hint}; known keys here: {', '.join(known)}")

    def layers(self, data: dict[str, Any]) -> tuple[int, ...]:
        if "layers" not in data:
            self.fail("layers", "missing; give the layer sizes, e.g. layers = [1, 2, 2, 1]")
        value = data["layers"]
        if not isinstance(value, list) or len(value) < 2:
            self.fail("layers", f"expected a list of at least 2 sizes, e.g. [1, 2, 2, 1], got {value!r}")
        return tuple(self.count(size, f"layers[{i}]") for i, size in enumerate(value))

    def choice(self, data: dict[str, Any], key: str, supported: tuple[str, ...], default: str) -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            self.fail(key, f"expected a name in quotes, got {value!r}")
        if value not in supported:
            self.fail(key, f"'{value}' is not supported; supported: {', '.join(supported)}")
        return value

    def number(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, f"expected a number, got {value!r}")
        if not math.isfinite(value):
            self.fail(key, f"expected a finite number, got {value!r}")
        return float(value)

    def count(self, value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(key, f"expected a whole number of at least 1, got {value!r}")
        return value

    def vector(self, value: Any, key: str, size: int, what: str) -> Vector:
        if size == 1 and not isinstance(value, list):
            value = [value]
        if not isinstance(value, list):
            self.fail(key, f"expected a list of {size} numbers ({what}), got {value!r}")
        if len(value) != size:
            self.fail(key, f"expected {size} numbers ({what}), got {len(value)}")
        return tuple(self.number(v, f"{key}[{i}]") for i, v in enumerate(value))

    def init(self, data: dict[str, Any], layers: tuple[int, ...]) -> tuple[tuple[Matrix, ...], tuple[Vector, ...]]:
        depth = len(layers) - 1
        init = data.get("init")
        if init is None:
            self.fail("init", "missing; give W1, B1, ... or fill every layer with weights = 1.0 and biases = -0.5")
        if not isinstance(init, dict):
            self.fail("init", "expected a table [init]")
        per_layer = tuple(f"{p}{l}" for l in range(1, depth + 1) for p in "WB")
        self.check_keys(init, INIT_FILL_KEYS + per_layer, "init.")
        fill_w = self.number(init["weights"], "init.weights") if "weights" in init else None
        fill_b = self.number(init["biases"], "init.biases") if "biases" in init else None
        if "seed" in init:
            seed = init["seed"]
            if isinstance(seed, bool) or not isinstance(seed, int):
                self.fail("init.seed", f"expected a whole number, got {seed!r}")
            if fill_w is not None:
                self.fail("init.seed", "seed draws every weight and weights = fills every weight: give one of them")
            random_weights, _ = glorot_uniform(layers, seed)
            fill_b = 0.0 if fill_b is None else fill_b
        weights, biases = [], []
        for l in range(1, depth + 1):
            rows, cols = layers[l], layers[l - 1]
            key = f"init.W{l}"
            if f"W{l}" in init:
                weights.append(self.matrix(init[f"W{l}"], key, rows, cols))
            elif fill_w is not None:
                weights.append(tuple((fill_w,) * cols for _ in range(rows)))
            elif "seed" in init:  # drawn for every layer first, so a layer given explicitly changes no other
                weights.append(random_weights[l - 1])
            else:
                self.fail(key, f"missing; give a {rows}×{cols} matrix or init.weights = <number> for every layer")
            key = f"init.B{l}"
            if f"B{l}" in init:
                biases.append(self.vector(init[f"B{l}"], key, rows, f"one per neuron of layer {l}"))
            elif fill_b is not None:
                biases.append((fill_b,) * rows)
            else:
                self.fail(key, f"missing; give {rows} numbers or init.biases = <number> for every layer")
        return tuple(weights), tuple(biases)

    def matrix(self, value: Any, key: str, rows: int, cols: int) -> Matrix:
        expected = f"{rows}×{cols}: one row per neuron of this layer, one column per input"
        if not isinstance(value, list) or not all(isinstance(r, list) for r in value):
            self.fail(key, f"expected a matrix (a list of rows) of shape {expected}, got {value!r}")
        found = f"{len(value)}×{len(value[0]) if value else 0}"
        if len(value) != rows or any(len(r) != cols for r in value):
            if value and any(len(r) != len(value[0]) for r in value):
                found = f"{len(value)} rows of different lengths"
            self.fail(key, f"has shape {found}, expected {expected}")
        return tuple(tuple(self.number(v, f"{key}[{j}][{i}]") for i, v in enumerate(r)) for j, r in enumerate(value))

    def samples(self, data: dict[str, Any], layers: tuple[int, ...]) -> tuple[Sample, ...]:
        samples = data.get("samples")
        if samples is None:
            self.fail("samples", "missing; add a [[samples]] table with x = [...] and y = [...]")
        if not isinstance(samples, list) or not all(isinstance(s, dict) for s in samples):
            self.fail("samples", "expected [[samples]] tables, each with x = [...] and y = [...]")
        if len(samples) == 0:
            self.fail("samples", "no samples; add a [[samples]] table with x = [...] and y = [...]")
        result = []
        for n, sample in enumerate(samples):
            prefix = f"samples[{n}]."
            self.check_keys(sample, SAMPLE_KEYS, prefix)
            for key in SAMPLE_KEYS:
                if key not in sample:
                    self.fail(prefix + key, "missing")
            x = self.vector(sample["x"], prefix + "x", layers[0], f"layers[0] = {layers[0]} inputs")
            y = self.vector(sample["y"], prefix + "y", layers[-1], f"layers[-1] = {layers[-1]} outputs")
            result.append(Sample(x, y))
        return tuple(result)


DEFAULT_TOML = """\
# A sheetnet network file: the network of the notes sheetnet began from.
# Edit it, then run:  sheetnet run --config THIS_FILE
# --iters and --lr on the command line override the values below; lr = [0.1, 0.5, 1] compares η.

layers = [1, 2, 2, 1]              # input size, hidden sizes..., output size
activation = "relu"                # hidden f(S) = max(0, S); or "leaky_relu", "sigmoid", "tanh", "linear"
output_activation = "linear"       # ŷ = O3; or "relu", "leaky_relu", "sigmoid", "tanh", "softmax" (2+ outputs)
loss = "half_squared_error"        # ½ Σ_k (ŷ_k − y_k)², Δ = ŷ − y; or "mse", "cross_entropy" (softmax/sigmoid ŷ)
lr = 0.01                          # η: W ← W − η·∂L/∂W; or a list of η to compare, lr = [0.1, 0.5, 1]
iters = 3                          # iterations (one sheet each in the workbook)

[init]                             # W_l: one row per neuron of layer l, one column per input
W1 = [[1.0], [1.0]]
B1 = [-0.5, -0.5]
W2 = [[1.0, 1.0], [1.0, 1.0]]
B2 = [-0.5, -0.5]
W3 = [[1.0, 1.0]]
B3 = [-0.5]
# or fill every layer at once:  weights = 1.0  and  biases = -0.5
# or random weights:  seed = 1  (Glorot uniform; biases 0 unless biases = or B1 = ... are given)

[[samples]]                        # the training example
x = [2.0]
y = [1.0]
# More samples: one such table each. Then, at the top of the file:
#   reduction = "sum"    the loss and the gradients sum over the samples (default "mean")
#   batch_size = 1       each iteration uses the next sample(s), an update each (default: all)
# Other keys, at the top of the file (defaults shown):
#   optimizer = "sgd"    or "momentum" (with momentum = 0.9), or "adam" (beta1 = 0.9, beta2 = 0.999, eps = 1e-8)
#   train_biases = true  or false: the biases keep their initial values
"""


def network_property(network: Network, rate_sheets: int = 1) -> str | None:
    """The document property sheetnet writes: the network's kind, without its numbers (Excel
    keeps at most 255 characters of a property); with several η, how many η sheets it has."""
    kind = {k: v for k, v in network.to_dict().items() if k not in ("init", "samples", "lr", "iters")}
    kind["samples"] = len(network.samples)
    if rate_sheets > 1:
        kind[RATE_SHEETS] = rate_sheets
    text = json.dumps(kind, separators=(",", ":"))
    return text if len(text) <= 255 else None
