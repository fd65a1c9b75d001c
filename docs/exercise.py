"""Make docs/exercise.png: an exercise sheet (`sheetnet run --exercise`) as a student has begun
to fill it (the forward pass, a slip in L), recalculated and printed by LibreOffice.

    uv run python docs/exercise.py        (needs LibreOffice and pdftoppm)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

from sheetnet.exercise import Exercise, answer_cells
from sheetnet.libreoffice import recalculate
from sheetnet.spec import default_network
from sheetnet.trace import run
from sheetnet.workbook import write_workbook

HERE = Path(__file__).resolve().parent


def main() -> None:
    trace = run(default_network())
    exercise = Exercise("all")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write_workbook(trace, folder / "exercise.xlsx", exercise=exercise)
        book = openpyxl.load_workbook(path)
        for key, cell in answer_cells(trace, exercise).items():
            if key.t == 0 and key.q in ("O1", "f(O1)", "O2", "f(O2)", "ŷ", "L"):
                typed = round(trace.values[key], 4) + (1.0 if key.q == "L" else 0.0)  # ½·3.5² taken as 7.125
                book[cell.sheet].cell(cell.row + 1, cell.col + 1).value = typed
        book["Iteration 0"].sheet_view.tabSelected = True
        book.active = book.sheetnames.index("Iteration 0")
        book.save(folder / "begun.xlsx")
        (done,) = recalculate([folder / "begun.xlsx"], folder / "out")
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(done)],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "110",
                "-f",
                "2",
                "-l",
                "2",
                "-x",
                "60",
                "-y",
                "60",
                "-W",
                "800",
                "-H",
                "560",
                str(folder / "begun.pdf"),
                str(folder / "page"),
            ],
            check=True,
        )
        (png,) = folder.glob("page*.png")
        (HERE / "exercise.png").write_bytes(png.read_bytes())
    print(HERE / "exercise.png", file=sys.stderr)


if __name__ == "__main__":
    main()
