"""XlsxWriter's workbook and worksheet, taking sheetnet's formulas as they are written.

XlsxWriter passes every formula through 29 regular expressions that add the `_xlfn.` prefix to
Excel's newer functions (FILTER, LAMBDA, SORT, XLOOKUP, …): a fifth of the time
`sheetnet run --iters 3` spends writing its workbook (`bench/startup.py`). sheetnet writes only
functions Excel 2010 and LibreOffice both evaluate (none of those), so every pass is a no-op on
its formulas, and this worksheet skips them.
The rows layout's Training rows skip XlsxWriter altogether for the same reason (`sheetnet.rowxml`).
`tests/test_workbook.py` checks that every formula is stored as XlsxWriter's own worksheet stores it.
"""

from __future__ import annotations

import math

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet, re_dynamic_function

ERROR_VALUE = "#NUM!"  # cached in place of a result that overflowed (inf and NaN are invalid XML)


def finite_or_error(value: float) -> float | str:
    """The value to cache for a result: itself, or `ERROR_VALUE` where it overflowed."""
    return value if math.isfinite(value) else ERROR_VALUE


class FormulaSheet(Worksheet):
    """A worksheet whose formulas are stored as written, less the leading `=`; any other formula
    (an array formula, a dynamic-array function, Excel 2010's later functions) as XlsxWriter does."""

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if (
            expand_future_functions
            or self.use_future_functions
            or formula.startswith("{")
            or formula.endswith("}")
            or re_dynamic_function.search(formula)  # one pass, where XlsxWriter's own makes 29
        ):
            return super()._prepare_formula(formula, expand_future_functions)
        return formula.removeprefix("=")


class FormulaBook(Workbook):
    """XlsxWriter's workbook, its worksheets `FormulaSheet`s (XlsxWriter's way to subclass them)."""

    worksheet_class = FormulaSheet
