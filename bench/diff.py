"""How long `diff --formulas` takes to find the cause in a large workbook, against reading it.

    uv run python bench/diff.py [--rows 3300] [--repeat 3]

Two workbooks of the shape of ../shared/fixtures/vishak-dlexcel.xlsx (a 2-2-2 network, one row
per iteration, 28 formulas a row and a running SUM of the error) grown to `rows` iterations, about
92,000 formulas at the default. B corrects the formulas of Z and AA in every row, so every value
after the first row differs: the worst case for tracing, as every formula cell is read and most
are reached. Prints the time of reading both files, of comparing without and with `--formulas`
(grouping the formula changes and walking the reverse-dependency graph), and their ratios.
Goal: comparing with --formulas costs well under reading the two files.

It prints ratios, never asserts: a benchmark is not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import best  # noqa: E402

from sheetnet.book import read_book  # noqa: E402
from sheetnet.diff import diff_books  # noqa: E402


def write(path: Path, rows: int, corrected: bool) -> None:
    """The student's layout: inputs typed in row 36, weights updated row by row with η in G33."""
    import xlsxwriter

    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet("Sheet1")
        ws.write_number("G33", 0.5)
        for r in range(36, 36 + rows):
            p = r - 1
            for c, v in zip("ABCD", (0.01, 0.99, 0.05, 0.1), strict=True):
                ws.write_number(f"{c}{r}", v)
            for c, g in zip("EFGHMNOP", ("X", "Y", "Z", "AA", "AB", "AC", "AD", "AE"), strict=True):
                if r == 36:
                    ws.write_number(f"{c}{r}", 0.3)
                else:
                    ws.write_formula(f"{c}{r}", f"={c}{p}-($G$33*{g}{p})", None, 0.3 + corrected * r)
            h = "L" if corrected else "J"
            delta = f"(((R{r}-A{r})*R{r}*(1-R{r})*{{}}{r})+((T{r}-B{r})*T{r}*(1-T{r})*{{}}{r}))"
            formulas = {
                "I": f"=E{r}*C{r} +F{r}*D{r}",
                "J": f"=1/(1+EXP(-I{r}))",
                "K": f"=G{r}*C{r} + H{r}*D{r}",
                "L": f"=1/(1+EXP(-K{r}))",
                "Q": f"=M{r}*J{r} + L{r}*N{r}",
                "R": f"=1/(1+EXP(-Q{r}))",
                "S": f"=O{r}*J{r} + P{r}*L{r}",
                "T": f"=1/(1+EXP(-S{r}))",
                "U": f"=0.5*(A{r}-R{r})^2",
                "V": f"=0.5*(B{r}-T{r})^2",
                "W": f"=U{r}+V{r}",
                "X": delta.format("M", "O") + f"*J{r}*(1-J{r})*C{r}",
                "Y": delta.format("M", "O") + f"*J{r}*(1-J{r})*D{r}",
                "Z": delta.format("N", "P") + f"*{h}{r}*(1-{h}{r})*C{r}",
                "AA": delta.format("N", "P") + f"*{h}{r}*(1-{h}{r})*D{r}",
                "AB": f"=(R{r}-A{r})*(R{r})*(1-R{r})*(J{r})",
                "AC": f"=(R{r}-A{r})*(R{r})*(1-R{r})*L{r}",
                "AD": f"=(T{r}-B{r})*T{r}*(1-T{r})*J{r}",
                "AE": f"=(T{r}-B{r})*T{r}*(1-T{r})*L{r}",
                "AF": f"=SUM(W$36:W{r})",
            }
            for c, text in formulas.items():
                text = text if text.startswith("=") else "=" + text
                value = r + (corrected and (r > 36 or c in ("Z", "AA")))
                ws.write_formula(f"{c}{r}", text, None, value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sheetnet-bench-") as tmp:
        a_path, b_path = Path(tmp) / "a.xlsx", Path(tmp) / "b.xlsx"
        write(a_path, args.rows, corrected=False)
        write(b_path, args.rows, corrected=True)
        reading = best(lambda: (read_book(a_path), read_book(b_path)), args.repeat)
        a, b = read_book(a_path), read_book(b_path)
        values = best(lambda: diff_books(a, b), args.repeat)
        causes = best(lambda: diff_books(a, b, formulas=True), args.repeat)
        result = diff_books(a, b, formulas=True)
    print(
        f"{a.formula_cells:,} formulas; {len(result.formula_changes)} formula changes in "
        f"{sum(c.cells for c in result.formula_changes):,} cells, {len(result.following):,} values follow"
    )
    print(f"reading both files      {reading:6.2f} s")
    print(f"diff (values)           {values:6.2f} s   {values / reading:5.2f}x reading")
    print(f"diff --formulas         {causes:6.2f} s   {causes / reading:5.2f}x reading")


if __name__ == "__main__":
    main()
