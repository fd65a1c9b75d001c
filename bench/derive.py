"""How long `check`'s judgement against a workbook's own forward pass (`check.derive`) takes, against
reading the workbook.

For every workbook of ../shared/fixtures (and, with `--zoo`, of tests/zoo) prints the CPU time of
openpyxl reading it (values and formulas, as `check` reads them), of `derive` on the book read
(its formulas parsed, its chains found, every iteration judged), and their ratio. Goal: derive at
most half the read, so that it leaves room in `check`'s 3× of the read.

    uv run python bench/derive.py [--zoo] [WORKBOOK ...]
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from timing import best_cpu, read_with_openpyxl

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT.parent / "shared" / "fixtures"
ZOO = ROOT / "tests" / "zoo"


def derive_on(path: Path) -> Callable[[], object]:
    """`derive` on a fresh copy of the book each time (nothing it worked out kept from the last)."""
    from sheetnet.book import read_book
    from sheetnet.check.derive import derive

    books = [read_book(path) for _ in range(3)]
    return lambda: derive(books.pop())


def main() -> None:
    args = sys.argv[1:]
    paths = [Path(a) for a in args if a != "--zoo"]
    if not paths:
        paths = sorted(FIXTURES.glob("*.xlsx"))
        if "--zoo" in args:
            paths += sorted(ZOO.glob("*.xlsx"))
    print(f"{'workbook':<40} {'read':>7} {'derive':>7} {'ratio':>6}")
    for path in paths:
        t_read, t_derive = best_cpu(lambda path=path: read_with_openpyxl(path)), best_cpu(derive_on(path))
        print(f"{path.name:<40} {t_read:7.3f} {t_derive:7.3f} {t_derive / t_read:6.2f}")


if __name__ == "__main__":
    main()
