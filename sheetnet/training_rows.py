"""The Training rows of the rows layout, written as XML from row templates as the iterations come.

Each row's formulas read the row above, so a row is the row before with its row numbers moved by
one: a quantity's formulas are rendered as templates of their row (`layout.RowTemplates`) in the
first rows, and once every quantity of a row has a template that no longer changes, the row's XML
is one `rowxml.RowShape`, built once and filled with each later row's numbers. The rows go to a
`rowxml.SheetRows`, which `workbook` splices into the sheet XlsxWriter writes with its headers.

Guarantee: the rows are byte for byte what XlsxWriter writes when every cell is written through its
`write_formula` with the formula rendered from the expression by the layout (the tests do so).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from sheetnet.graph import Key
from sheetnet.layout import RowsLayout, RowTemplates, samples_words
from sheetnet.net import UPDATE, IterationGraph, Quantity
from sheetnet.rowxml import RowShape, SheetRows, escape, inline_text, xf_index


class RowWriter(Protocol):
    """Writes the iteration rows of a rows sheet (`StreamedRows`; the tests' cell-by-cell XlsxWriter is another)."""

    streamed: SheetRows | None  # the rows to splice into the sheet; None: written through XlsxWriter

    def row(self, graph: IterationGraph, values: Mapping[Key, float], quantities: Sequence[Quantity]) -> None:
        """Iteration `graph.t`'s row: its iteration (and samples), then `quantities`."""

    def end(self, values: Mapping[Key, float], quantities: Sequence[Quantity]) -> None:
        """The last row, `end`: the parameters after the last update."""


RowWriterType = Callable[[Workbook, Worksheet, "RowFormats", RowsLayout], RowWriter]


class RowFormats(Protocol):
    """The cell formats of a Training row (`formats.Formats`)."""

    iteration: Format
    label: Format
    computed: Format
    header: Format
    header_centre: Format

    def value(self, quantity: Quantity) -> Format:
        """The format of a quantity's values."""


class StreamedRows:
    """Writes a Training sheet's rows as XML from row templates (`sheetnet.rowxml`), to be spliced
    into the sheet XlsxWriter writes with its header rows.

    A formula is rendered as a template of its row; an element whose template is the same in
    iterations 1 and 2 (all but those that count iterations, like Adam's bias correction, or copy
    a batch's samples) is steady. Once every quantity of a row is steady, the row's XML template
    (`RowShape`) is built once and every later row is that template with its row numbers, values
    and the formulas that change put in."""

    def __init__(self, workbook: Workbook, sheet: Worksheet, formats: RowFormats, layout: RowsLayout) -> None:
        self.formats, self.layout = formats, layout
        # XlsxWriter names a workbook's n-th worksheet's part sheet{n}.xml
        self.streamed: SheetRows | None = SheetRows(f"xl/worksheets/sheet{workbook.worksheets().index(sheet) + 1}.xml")
        self.templates = RowTemplates(layout)
        self.places: dict[tuple[str, int], tuple[int, list[int]]] = {}  # quantity → row offset, columns
        self.first: dict[tuple[str, int], list[str]] = {}
        self.steady: dict[tuple[str, int], list[str | None]] = {}
        self.shape: tuple[tuple[tuple[str, int], ...], RowShape, list[tuple[int, int]]] | None = None
        # XlsxWriter numbers the styles of the element header row when it writes the row below it
        xf_index(formats.header_centre)
        xf_index(formats.header)

    def row(self, graph: IterationGraph, values: Mapping[Key, float], quantities: Sequence[Quantity]) -> None:
        """Iteration `graph.t`'s row: its iteration (and samples), then `quantities`."""
        texts = [str(graph.t)]
        if self.layout.samples_col is not None:
            texts.append(inline_text(samples_words(graph.batch)))
        self._write(self.layout.row(graph.t), values, quantities, texts, label=None)

    def end(self, values: Mapping[Key, float], quantities: Sequence[Quantity]) -> None:
        """The last row, `end`: the parameters after the last update."""
        self._write(self.layout.row(self.layout.network.iters), values, quantities, [], label="end")

    def _write(
        self,
        row: int,
        values: Mapping[Key, float],
        quantities: Sequence[Quantity],
        texts: list[str],
        *,
        label: str | None,
    ) -> None:
        idents = tuple((q.keys[0].q, q.keys[0].s) for q in quantities)
        if self.shape is None or self.shape[0] != idents:
            steady = [self.steady.get(ident) for ident in idents]
            if label is None and all(q.keys[0].t > 2 for q in quantities) and all(s is not None for s in steady):
                self.shape = (idents, self._shape(quantities, steady, label), [])
                self.shape[2].extend(
                    (n, i)
                    for n, templates in enumerate(steady)
                    for i, template in enumerate(templates or ())
                    if template is None
                )
            else:  # the first rows (and the last): rendered, and steady templates learnt from them
                templates = [self._templates_of(q, ident, row) for q, ident in zip(quantities, idents, strict=True)]
                shape = self._shape(quantities, templates, label)
                self._put(shape, row, values, quantities, texts, once=True)
                return
        _, shape, varying = self.shape
        self.templates.own_row = row
        for n, i in varying:  # the formulas that change with the iteration, rendered in this row
            formula = quantities[n].exprs[i].formula(self.templates)[0]  # type: ignore[index]
            texts.append(escape(RowTemplates.fill(formula, row)))
        self._put(shape, row, values, quantities, texts)

    def _put(
        self,
        shape: RowShape,
        row: int,
        values: Mapping[Key, float],
        quantities: Sequence[Quantity],
        texts: list[str],
        *,
        once: bool = False,
    ) -> None:
        assert self.streamed is not None
        row_values = [values[k] for q in quantities for k in q.keys]
        self.streamed.write(row, shape.fill(row, row_values, texts, once=once))

    def _shape(
        self, quantities: Sequence[Quantity], templates: Sequence[Sequence[str | None] | None], label: str | None
    ) -> RowShape:
        shape = RowShape()
        if label is None:
            shape.number(0, self.formats.iteration)
            if self.layout.samples_col is not None:
                shape.text(self.layout.samples_col, self.formats.label)
        else:
            shape.string(0, self.formats.iteration, label)
        for quantity, element_templates in zip(quantities, templates, strict=True):
            # On Training the parameters of rows 1.. are plain formulas of the row above; ŷ and L stay bold.
            fmt = self.formats.computed if quantity.section == UPDATE else self.formats.value(quantity)
            _, cols = self._place(quantity)
            for col, template in zip(cols, element_templates or (), strict=True):
                shape.formula(col, fmt, template)
        return shape

    def _place(self, quantity: Quantity) -> tuple[int, list[int]]:
        first = quantity.keys[0]
        ident = (first.q, first.s)
        place = self.places.get(ident)
        if place is None:
            cells = [self.layout.cell(key) for key in quantity.keys]
            place = self.places[ident] = (cells[0].row - self.layout.row(first.t), [c.col for c in cells])
        return place

    def _templates_of(self, quantity: Quantity, ident: tuple[str, int], row: int) -> list[str]:
        """The quantity's templates in `row`: its steady ones, once known, and the others rendered."""
        steady = self.steady.get(ident) if quantity.keys[0].t > 2 else None
        if steady is None:
            return self._render(quantity, ident, row)
        self.templates.own_row = row
        exprs = quantity.exprs or ()
        return [s if s is not None else e.formula(self.templates)[0] for s, e in zip(steady, exprs, strict=True)]

    def _render(self, quantity: Quantity, ident: tuple[str, int], row: int) -> list[str]:
        self.templates.own_row = row
        templates = [expr.formula(self.templates)[0] for expr in quantity.exprs or ()]  # without its `=`
        t = quantity.keys[0].t
        if t == 1:
            self.first[ident] = templates
        elif t == 2:
            before = self.first.get(ident, [])
            self.steady[ident] = [a if a == b else None for a, b in zip(templates, before, strict=True)]
        return templates
