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
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT.parent / "shared" / "fixtures"
ZOO = ROOT / "tests" / "zoo"


def best_cpu(fn: Callable[[], object], repeat: int = 3) -> float:
    """The shortest CPU time of `repeat` runs of `fn`, in seconds (steadier than the clock while
    other work shares the machine)."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def read(path: Path) -> None:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for data_only in (False, True):
            wb = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
            for ws in wb.worksheets:
                for _ in ws.iter_rows(values_only=True):
                    pass
            wb.close()


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
        t_read, t_derive = best_cpu(lambda path=path: read(path)), best_cpu(derive_on(path))
        print(f"{path.name:<40} {t_read:7.3f} {t_derive:7.3f} {t_derive / t_read:6.2f}")


if __name__ == "__main__":
    main()
