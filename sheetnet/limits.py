"""What sheetnet will read and write, in numbers: no input may make it eat the machine or hang.

Each limit is checked before the work it bounds, from sizes known up front (a file's size, a
network's shape, the count of elements in a workbook's parts), never by running out of time or
memory first. docs/errors.md lists them.
"""

from __future__ import annotations

# Network files
NETWORK_FILE_BYTES = 2 * 2**20  # a network file of 2 MiB parses in about a second
SAMPLES = 10_000
RATES = 255  # several η in one run: Excel draws at most 255 curves in one chart

# Workbooks sheetnet writes
# the numbers of a run (an iteration's × the iterations × the η) in the rows layout, its rows streamed
# in memory that does not grow with them: about 10 CPU seconds here, half of them training
WORKBOOK_CELLS = 1_000_000
BLOCK_CELLS = 250_000  # in the blocks layout and exercises: XlsxWriter holds each sheet until the file closes
FORMULA_CHARS = 8_192  # Excel's formula bar (a cell may hold 32,767): written and read alike
BLOCK_SHEETS = 998  # iteration sheets of the blocks layout: with Setup and Summary, the sheets check reads

# A sheet, Excel's: what a reference like `A:A` or `XFD1048576` spans
SHEET_ROWS = 1_048_576
SHEET_COLUMNS = 16_384

# Commands
JOBS = 64  # workbooks `check` reads at once (each a process)
# `check` trains no more iterations than a workbook could hold, but a run of up to this many
# parameter updates whole (about half a second here): a workbook that stops after 2 of the 5
# iterations asked is judged against 5, not against the 4 its numbers could hold
CHECK_SMALL_RUN = 2_000

# Workbooks sheetnet reads (check, diff, init --from)
READ_CELLS = 250_000  # cells of all sheets, each counted once: read in about 6 s here; what sheetnet writes
READ_STRINGS = 1_000_000  # entries of the shared-strings part
READ_STYLES = 64_000  # cell formats: Excel's own limit
READ_SHEETS = 1_000
READ_CELL_PARTS = 3 * READ_CELLS + 2 * READ_STRINGS  # <v>, <f>, <row> of a cell; <t>, <r> of a string
READ_OTHER_ELEMENTS = 100_000  # relationships, names, fonts, properties … (a workbook has hundreds)
