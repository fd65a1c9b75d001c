"""How long `sheetnet check` takes on a real 200-row homework workbook, against reading it.

Prints the time of `check` (reading included) and of openpyxl reading the same file (values and
formulas, as `check` reads them), and their ratio; then the same in CPU time (steadier while
other work shares the machine), and the CPU time of the judge with no network file (the workbook
against its own forward pass: `derive_handmade`, reading included). Goal (issue 23): at most 3×
the read.

    uv run python bench/check.py [WORKBOOK NETWORK ITERS]

Without arguments it uses ../shared/fixtures/samdani-s4.xlsx (109 rows) and harshvs4-bp.xlsx
(six sheets of 34 rows), and a rows workbook of XOR over 400 iterations that sheetnet writes
(52,400 numbers, many of them near each other: where matching every number against every cell
once took minutes).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from timing import best, best_cpu, read_with_openpyxl

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT.parent / "shared" / "fixtures"
CASES = [("samdani-s4.xlsx", "samdani-s4.toml", 109), ("harshvs4-bp.xlsx", "harshvs4-bp.toml", 34)]


def _long_rows_workbook(folder: Path) -> tuple[Path, Path, int]:
    from sheetnet.spec import load_network
    from sheetnet.trace import run
    from sheetnet.workbook import write_workbook

    network_file = ROOT / "examples" / "xor.toml"
    out = folder / "xor-400-rows.xlsx"
    write_workbook(run(load_network(network_file).with_overrides(iters=400)), out, layout="rows")
    return out, network_file, 400


def main() -> None:
    from sheetnet.book import read_book
    from sheetnet.check import check_book
    from sheetnet.check.derive import derive_handmade
    from sheetnet.spec import load_network

    scratch = tempfile.TemporaryDirectory()  # the long workbook, removed at the end
    if len(sys.argv) == 4:
        cases = [(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))]
    else:
        cases = [(FIXTURES / book, FIXTURES / network, iters) for book, network, iters in CASES]
        cases.append(_long_rows_workbook(Path(scratch.name)))
    for book, network_file, iters in cases:
        network = load_network(network_file).with_overrides(iters=iters)

        def read(book: Path = book) -> None:
            read_with_openpyxl(book)

        def check(book: Path = book, network: object = network) -> None:
            check_book(read_book(book), network)  # type: ignore[arg-type]

        def own(book: Path = book) -> None:
            derive_handmade(read_book(book))

        t_read, t_check = best(read), best(check)
        print(f"{book.name}: openpyxl reads it in {t_read:.2f} s, check takes {t_check:.2f} s: {t_check / t_read:.1f}x")
        c_read, c_check, c_own = best_cpu(read), best_cpu(check), best_cpu(own)
        print(
            f"  CPU time: openpyxl {c_read:.2f} s, check {c_check:.2f} s: {c_check / c_read:.1f}x; "
            f"judged by its own forward pass (no network file) {c_own:.2f} s: {c_own / c_read:.1f}x"
        )
    scratch.cleanup()


if __name__ == "__main__":
    main()
