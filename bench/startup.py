"""Start-up cost of `sheetnet run --iters 3 --lr 0.01` against importing its libraries alone.

Prints the ratio of medians over alternating runs. Goal (issue 2): at most 2.0, aim 1.3.

    uv run python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from timing import timed

BASELINE = [sys.executable, "-c", "import click, rich.console, rich.table, xlsxwriter"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / "bench.xlsx")
        sheetnet = [sys.executable, "-m", "sheetnet", "run", "--iters", "3", "--lr", "0.01", "--out", out]
        timed(BASELINE), timed(sheetnet)  # warm the file cache
        base, ours = [], []
        for _ in range(args.runs):
            base.append(timed(BASELINE))
            ours.append(timed(sheetnet))
    b, s = statistics.median(base), statistics.median(ours)
    print(f"imports alone (click, rich, xlsxwriter): median {b * 1000:.0f} ms over {args.runs} runs")
    print(f"sheetnet run --iters 3 --lr 0.01:        median {s * 1000:.0f} ms over {args.runs} runs")
    print(f"ratio: {s / b:.2f}  (goal ≤ 2.0, aim ≤ 1.3)")


if __name__ == "__main__":
    main()
