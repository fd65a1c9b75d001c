"""XlsxWriter's workbook and worksheet, taking sheetnet's formulas as they are written.

XlsxWriter passes every formula through regular expressions that add the `_xlfn.` prefix to
Excel's newer functions (FILTER, LAMBDA, SORT, XLOOKUP, …): before its release 3.3.4, 29 of them,
a fifth of the time `sheetnet run --iters 3` spends writing its workbook (`bench/startup.py`).
sheetnet writes only functions Excel 2010 and LibreOffice both evaluate (none of those), so each
pass is a no-op on its formulas, and this worksheet skips them.
The rows layout's Training rows skip XlsxWriter altogether for the same reason (`sheetnet.rowxml`).
`tests/test_workbook.py` checks that every formula is stored as XlsxWriter's own worksheet stores it.
"""

from __future__ import annotations

import math
import re

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

# The functions sheetnet's formulas call: Excel 2010's and LibreOffice's, none that XlsxWriter
# prefixes with `_xlfn.` (its private list of later functions is not read: it changes between
# releases, and 3.3.4 took away the name an earlier sheetnet imported). A formula calling any
# other function is prepared as XlsxWriter prepares it.
WRITTEN_FUNCTIONS = frozenset(
    "EXP LN LOG LOG10 SQRT ABS MAX MIN IF SUM SUMPRODUCT SUMSQ AVERAGE TANH POWER MATCH INDEX ROUND "
    "ISNUMBER IFERROR OR AND NOT ISBLANK COUNT MMULT TRANSPOSE SIGN".split()
)
_CALLED = re.compile(r'"[^"]*"|\b([A-Z][A-Z0-9.]*)\(')  # a text, or a function's name where it is called

ERROR_VALUE = "#NUM!"  # cached in place of a result that overflowed (inf and NaN are invalid XML)


def finite_or_error(value: float) -> float | str:
    """The value to cache for a result: itself, or `ERROR_VALUE` where it overflowed."""
    return value if math.isfinite(value) else ERROR_VALUE


class FormulaSheet(Worksheet):
    """A worksheet whose formulas are stored as written, less the leading `=`, where they call only
    `WRITTEN_FUNCTIONS`; any other formula (an array formula, one calling another function) as
    XlsxWriter does."""

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if (
            expand_future_functions
            or self.use_future_functions
            or formula.startswith("{")
            or formula.endswith("}")
            or any(name and name not in WRITTEN_FUNCTIONS for name in _CALLED.findall(formula))
        ):
            return super()._prepare_formula(formula, expand_future_functions)
        return formula.removeprefix("=")


class FormulaBook(Workbook):
    """XlsxWriter's workbook, its worksheets `FormulaSheet`s (XlsxWriter's way to subclass them)."""

    worksheet_class = FormulaSheet
