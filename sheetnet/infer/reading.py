"""A network read from a workbook: the network file's values, where each came from, how sure it is.

Guarantee: `toml` writes each value on a line of its own, with a comment naming the cells it
came from (kept to that line, whatever the workbook's texts hold); a value that could not be read
is a marked placeholder, and `network` refuses the reading until it is typed in.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from sheetnet.book import column_letter
from sheetnet.errors import SheetnetError
from sheetnet.formula import Pos
from sheetnet.outputs import one_line
from sheetnet.spec import Network, parse_network

PLACEHOLDER = "FILL IN"
GUESSED_LOSS = "½ squared error, not written"  # the loss of a sheet that writes none: chosen by the check


class NoNetwork(SheetnetError):
    """A workbook in which no network can be read."""


@dataclass
class Reading:
    """What was read: the network file's values, where each came from, and how sure it is."""

    sheet: str
    how: str  # "the Setup sheet", "formulas", "labels"
    values: dict[str, Any]  # the network file's keys (init as {"W1": …}, samples as [{x, y}])
    cells: dict[str, str] = field(default_factory=dict)  # key → the cells it came from ("E33 F33")
    names: dict[str, str] = field(default_factory=dict)  # key → the workbook's own names ("w1 w2")
    missing: dict[str, str] = field(default_factory=dict)  # key → why it could not be read
    eta_cell: str | None = None
    found: int = 0  # numbers of the run found in the workbook (confirm)
    total: int = 0
    verdict: str = ""
    others: list[Reading] = field(default_factory=list)  # the other tables, when there are several
    result: Any = None  # the check that confirmed it (every table, default tolerance)
    notes: list[str] = field(default_factory=list)  # what the reader had to decide, in words
    # init as the sheet's forward pass reads it, where a formula forgets a trained parameter (0 there;
    # `from_formulas.forgotten_terms`): the run its numbers follow. Empty where it reads every one.
    forward_init: dict[str, Any] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.missing

    def network(self) -> Network:
        """The network, validated as a network file is; NoNetwork while something is missing."""
        if self.missing:
            raise NoNetwork(f"{', '.join(self.missing)} could not be read from the workbook")
        return parse_network(self.toml(), source="the network read from the workbook")

    @property
    def shape(self) -> str:
        layers = self.values.get("layers")
        return "-".join(str(n) for n in layers) if isinstance(layers, list) else "?"

    def summary(self, *, sheet: bool = True) -> str:
        """`sheet Sheet1: 2-2-2 sigmoid, η 2 (G33), 32 iterations` (`, summed over the samples`,
        `, 1 sample an iteration` when the network says so)."""
        v = self.values
        kind = v.get("activation", "?")
        if v.get("output_activation") not in (None, kind):
            kind += f"/{v['output_activation']}"
        lr = v.get("lr")
        eta = f"η {lr:g}" if isinstance(lr, float | int) else "η not found"
        if self.eta_cell:
            eta += f" ({self.eta_cell})"
        iters = v.get("iters")
        count = f"{iters} iteration{'s' * (iters != 1)}" if isinstance(iters, int) else "iterations not found"
        where = f"sheet {self.sheet}: " if self.sheet and sheet else ""
        how = ", summed over the samples" if v.get("reduction") == "sum" else ""
        if isinstance(v.get("batch_size"), int):
            how += f", {v['batch_size']} sample{'s' * (v['batch_size'] != 1)} an iteration"
        return f"{where}{self.shape} {kind}, {eta}, {count}{how}"

    def certainty(self) -> str:
        """How sure the reading is, in one sentence."""
        if self.missing:
            return "incomplete: " + "; ".join(f"{key}: {why}" for key, why in self.missing.items())
        basis = {
            "the Setup sheet": "read from the Setup sheet sheetnet wrote",
            "formulas": "read from the workbook's formulas",
            "labels": "guessed from the labels and the numbers of the first iteration",
        }[self.how]
        if not self.total:
            return f"{basis}; not confirmed: the run it defines was not found in the workbook"
        share = self.found / self.total
        sure = "sure" if self.how != "labels" or share >= 0.5 or self.verdict == "right" else "a guess"
        return (
            f"{sure}: {basis}, and the run it defines is in the workbook "
            f"({self.found:,} of its {self.total:,} numbers found; the table is {self.verdict})"
        )

    def toml(self, *, source: str = "") -> str:
        """The network file, each value with a comment naming the cells it came from."""
        v = self.values
        # every comment on one line: a sheet's name, a label or a note read from the workbook may
        # hold a newline, which would start a line of TOML of its own (a key nobody wrote)
        lines = [
            "# "
            + one_line(f"The network of {source or 'a workbook'}, sheet {self.sheet}, read by sheetnet from ")
            + f"{_FROM[self.how]}."
        ]
        lines.append(f"# {one_line(self.certainty())}")
        lines += [f"# Note: {one_line(note)}" for note in self.notes]
        if self.missing:
            lines.append(f'# Values marked "{PLACEHOLDER}" could not be read: type them in before using this file.')
        lines.append("")

        def line(key: str, text: str) -> None:
            comment = " ".join(part for part in (self.cells.get(key, ""), _paren(self.names.get(key))) if part)
            if key in self.missing:
                comment = f"{PLACEHOLDER}: {self.missing[key]}"
            lines.append(f"{text:<34} # {one_line(comment)}" if comment else text)

        for key in ("layers", "activation", "output_activation", "loss", "lr", "iters", "train_biases"):
            if key in v or key in self.missing:
                line(key, f"{key} = {_toml_value(v.get(key, PLACEHOLDER))}")
        for key in ("optimizer", "momentum", "beta1", "beta2", "eps", "reduction", "batch_size"):
            if key in v:
                line(key, f"{key} = {_toml_value(v[key])}")
        lines += ["", "[init]"]
        for key, value in v.get("init", {}).items():
            line(key, f"{key} = {_toml_value(value)}")
        for s, sample in enumerate(v.get("samples", [{}])):
            lines += ["", "[[samples]]"]
            for name in ("x", "y"):
                key = name if s == 0 else f"{name}{s + 1}"
                line(key, f"{name} = {_toml_value(sample.get(name, PLACEHOLDER))}")
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "how": self.how,
            "summary": self.summary(),
            "certainty": self.certainty(),
            "network": self.values,
            "cells": self.cells,
            "names": self.names,
            "missing": self.missing,
            "found": self.found,
            "total": self.total,
            "notes": self.notes,
            "others": [{"sheet": o.sheet, "lr": o.values.get("lr"), "eta_cell": o.eta_cell} for o in self.others],
        }


_FROM = {"the Setup sheet": "its Setup sheet", "formulas": "its formulas", "labels": "its labels and numbers"}


def coordinate(p: Pos, sheet: int, sheets: list[str]) -> str:
    """`E33`, or `Params!B1` for a cell of another sheet than `sheet`."""
    text = f"{column_letter(p[2])}{p[1]}"
    return text if p[0] == sheet else f"{sheets[p[0]]}!{text}"


def _paren(text: str | None) -> str:
    return f"({text})" if text else ""


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else '"not a number"'
    if isinstance(value, str):  # JSON escapes every control character TOML forbids but DEL
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(value)
