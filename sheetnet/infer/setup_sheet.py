"""The network of a workbook sheetnet wrote: its kind from a document property, its numbers
from its Setup sheet (where a person may have changed them), η from each η sheet of a run of several."""

from __future__ import annotations

import copy
import json
from typing import Any

from sheetnet.book import Book, column_letter
from sheetnet.errors import SheetnetError
from sheetnet.infer.reading import Reading
from sheetnet.spec import NETWORK_PROPERTY, RATE_SHEETS


def from_setup(book: Book) -> list[Reading] | None:
    """The network of a workbook sheetnet wrote; of a run of several η, one reading per η sheet,
    each with the η in its B2."""
    kind = _read_property(book)
    if kind is None or "Setup" not in book.sheets:
        return None
    from sheetnet.layout import RATES_NOTE, place, setup_plan
    from sheetnet.net import setup_quantities

    try:
        rate_sheets = int(kind.pop(RATE_SHEETS, 1))
        samples = int(kind.pop("samples"))
        layers = [int(n) for n in kind["layers"]]
        values: dict[str, Any] = {**kind, "lr": 0.01, "iters": 1}
        values["init"] = {}
        for l in range(1, len(layers)):
            values["init"][f"W{l}"] = [[0.0] * layers[l - 1] for _ in range(layers[l])]
            values["init"][f"B{l}"] = [0.0] * layers[l]
        values["samples"] = [{"x": [0.0] * layers[0], "y": [1.0] + [0.0] * (layers[-1] - 1)} for _ in range(samples)]
        shape = Reading("Setup", "the Setup sheet", values).network()
    except (KeyError, TypeError, ValueError, SheetnetError):
        return None
    plan = setup_plan(shape, setup_quantities(shape), "", RATES_NOTE if rate_sheets > 1 else "")
    cells: dict[Any, Any] = {}
    place(plan, cells)
    sheet = book.cells["Setup"]
    reading = Reading("Setup", "the Setup sheet", values)

    def read(key: Any) -> tuple[float | None, str]:
        cell = cells[key]
        found = sheet.get((cell.row + 1, cell.col + 1))
        where = f"{column_letter(cell.col + 1)}{cell.row + 1}"
        if found is None or not found.is_number:
            return None, where
        return float(found.value), where

    for quantity in setup_quantities(shape):
        if rate_sheets > 1 and quantity.name == "η":
            continue  # on each η sheet
        numbers, where = zip(*(read(key) for key in quantity.keys), strict=True)
        target = quantity.name
        if any(n is None for n in numbers):
            reading.missing[target] = f"Setup {where[0]} holds no number"
            continue
        if quantity.name in ("η", "μ", "β1", "β2", "ε"):
            key = {"η": "lr", "μ": "momentum", "β1": "beta1", "β2": "beta2", "ε": "eps"}[quantity.name]
            values[key] = numbers[0]
            reading.cells[key] = where[0]
            if key == "lr":
                reading.eta_cell = f"Setup!{where[0]}"
        elif quantity.name in ("x", "y"):
            values["samples"][quantity.sample][quantity.name] = list(numbers)
            reading.cells[quantity.name if quantity.sample == 0 else f"{quantity.name}{quantity.sample + 1}"] = (
                " ".join(where)
            )
        else:
            rows, cols = quantity.shape if len(quantity.shape) == 2 else (1, quantity.shape[0])
            flat = list(numbers)
            values["init"][quantity.name] = (
                [flat[r * cols : (r + 1) * cols] for r in range(rows)] if len(quantity.shape) == 2 else flat
            )
            reading.cells[quantity.name] = " ".join(where)
    iters = _setup_iterations(book)
    values["iters"] = iters if iters is not None else 1
    return [reading] if rate_sheets == 1 else _rate_readings(book, reading)


def _rate_readings(book: Book, setup: Reading) -> list[Reading]:
    """A run of several η: a reading per η sheet (`η = 0.1`, …), Setup's numbers and its own η (B2)."""
    from sheetnet.layout import RATE_COL, RATE_ROW, sheet_ref

    readings = []
    for name in (s for s in book.sheets if s.startswith("η = ")):
        reading = Reading(name, setup.how, copy.deepcopy(setup.values), dict(setup.cells), missing=dict(setup.missing))
        found = book.cells[name].get((RATE_ROW + 1, RATE_COL + 1))
        where = f"{sheet_ref(name)}!{column_letter(RATE_COL + 1)}{RATE_ROW + 1}"
        if found is None or not found.is_number:
            reading.missing["lr"] = f"{where} holds no number"
        else:
            reading.values["lr"] = float(found.value)
            reading.cells["lr"] = reading.eta_cell = where
        readings.append(reading)
    if not readings:
        setup.missing["lr"] = "no η sheet (η = …) is left in the workbook"
        return [setup]
    return readings


def _read_property(book: Book) -> dict[str, Any] | None:
    """The network's kind, as sheetnet wrote it in the book's document property (read with the book)."""
    try:
        kind = json.loads(book.properties.get(NETWORK_PROPERTY, ""))
    except ValueError:
        return None
    return kind if isinstance(kind, dict) else None


def _setup_iterations(book: Book) -> int | None:
    for cell in book.cells["Setup"].values():
        if cell.value == "iterations":
            number = book.cells["Setup"].get((cell.row, cell.col + 1))
            if number is not None and number.is_number and float(number.value).is_integer() and number.value >= 1:
                return int(number.value)
    return None
