"""The network a workbook trains, read from the workbook: `sheetnet init --from` and `check` without `--config`.

Three readers, tried in this order, each a module of its own:

1. **Setup** (`setup_sheet`) — a workbook sheetnet wrote carries the network's kind (layers,
   activations, loss, optimizer) in a document property, and its numbers (η, x, y, the initial
   W and B) on its Setup sheet, where a person may have changed them.
2. **Formulas** (`from_formulas`) — the workbook's own formulas (`cells.formulas`, parsed once
   per book) say what it computes: its updates name the parameters, η and the iterations, its
   pre-activations the layers, the formulas on its outputs the targets.
3. **Labels** (`from_labels`) — typed numbers under or beside labels (`i1 i2 t1 t2 w1 … w8`,
   `x`, `y`, `η`, `LR`, `W1`, `b1`, the words of `cells.labels`): the first row or block gives
   the starting numbers; the activation, the loss and the order of w1…w8 are chosen as the ones
   whose forward pass the workbook holds.

A reading (`reading.Reading`) is only offered if the run it defines is found in the workbook
(`confirm`).
"""

from __future__ import annotations

from typing import Any

from sheetnet.book import Book
from sheetnet.cells.formulas import formulas_of
from sheetnet.cells.labels import labels_of
from sheetnet.collector import quiet
from sheetnet.formula import FormulaError
from sheetnet.infer.confirm import confirm as confirm_reading
from sheetnet.infer.from_formulas import FormulaReader
from sheetnet.infer.from_labels import LabelReader
from sheetnet.infer.reading import GUESSED_LOSS, PLACEHOLDER, NoNetwork, Reading
from sheetnet.infer.setup_sheet import from_setup

__all__ = ["GUESSED_LOSS", "PLACEHOLDER", "NoNetwork", "Reading", "read_network"]


@quiet
def read_network(book: Book, *, sheet: str | None = None, confirm: bool = True) -> Reading:
    """The network `book` trains (the table on `sheet`, or the first table), with the others listed.

    NoNetwork if none can be read. A reading whose run is not found in the workbook is not offered.
    """
    if sheet is not None and sheet not in book.sheets:
        raise NoNetwork(f"{book.path} has no sheet {sheet!r} (its sheets: {', '.join(book.sheets)})")
    setup = from_setup(book)
    grid = None
    if setup:  # one reading, or one per η sheet: the one on `sheet` first
        readings = sorted(setup, key=lambda r: sheet is not None and r.sheet != sheet)
    else:
        from sheetnet.check.grid import grid_of

        grid, labels, formulas = grid_of(book), labels_of(book), formulas_of(book)
        chosen = [s for s, name in enumerate(book.sheets) if sheet is None or name == sheet]
        readings = [r for s in chosen for r in _sheet_readings(FormulaReader(book, grid, labels, formulas, s))]
        if not readings:  # typed numbers: read by their labels only where no formula says more
            readings = [r for s in chosen for r in _sheet_readings(LabelReader(book, grid, s))]
    if not readings:
        where = f"sheet {sheet!r} of {book.path}" if sheet else str(book.path)
        raise NoNetwork(
            f"no network found on {where}: no update formulas (w ← w − η·∂E/∂w) and no labelled "
            "starting numbers (i1, t1, w1, η); write a network file by hand (sheetnet init), or use --config"
        )
    first = readings[0]
    if confirm:
        # the first reading whose run is in the workbook (a few tried: each costs a check)
        for candidate in readings[:CONFIRM_AT_MOST]:
            if candidate.complete:
                confirm_reading(book, candidate, grid)
                if candidate.total:
                    first = candidate
                    break
    trained = _trained_together(book, first.sheet)  # a sheet per iteration is one table
    first.others = [r for r in readings if r is not first and not _same_table(r, first) and r.sheet not in trained]
    return first


CONFIRM_AT_MOST = 4


def _sheet_readings(reader: Any) -> list[Reading]:
    """A sheet's readings; none where a number it needs is text or an error (η typed as "0.05")."""
    try:
        return reader.readings()
    except FormulaError:
        return []


def _same_table(a: Reading, b: Reading) -> bool:
    """Two readings of one table: the same sheet, the same network but for its starting numbers
    (a later row of a table whose rows each start from a copy of the row above)."""
    if a.sheet != b.sheet or a.how != b.how:
        return False
    keys = ("layers", "activation", "output_activation", "lr")
    columns = [[c.rstrip("0123456789") for c in r.cells.get("W1", "").split()] for r in (a, b)]
    return all(a.values.get(k) == b.values.get(k) for k in keys) and columns[0] == columns[1]


def _trained_together(book: Book, sheet: str) -> set[str]:
    """The sheets whose parameters continue the update chains that start on `sheet`."""
    from sheetnet.check.derive import derive

    derivation = derive(book)
    if derivation is None or sheet not in book.sheets:
        return set()
    s = book.sheets.index(sheet)
    return {
        book.sheets[c[0]]
        for table in derivation.chains.tables(derivation.formulas)
        if any(chain[0][0] == s for chain in table.links)
        for chain in table.links
        for c in chain
    } - {sheet}
