"""Cost of `sheetnet solve` for the 100-iteration XOR run against writing its workbook.

Runs `sheetnet solve --config examples/xor.toml --iters 100` in each format (iterations 0, 1, 2
and 99 in full, the loss of all 100) and `sheetnet run` of the same network, alternately, as
whole commands, and prints the ratio of their medians. Goal (issue 13): at most 1.0.

    uv run python bench/solve.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from timing import timed

ROOT = Path(__file__).resolve().parent.parent
NETWORK = ["--config", str(ROOT / "examples" / "xor.toml"), "--iters", "100"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    sheetnet = [sys.executable, "-m", "sheetnet"]
    with tempfile.TemporaryDirectory() as folder:
        workbook = [*sheetnet, "run", *NETWORK, "--quiet", "--out", str(Path(folder) / "xor.xlsx")]
        solves = {
            fmt: [*sheetnet, "solve", *NETWORK, "--out", str(Path(folder) / f"xor.{fmt}")]
            for fmt in ("md", "html", "tex")
        }
        for command in (workbook, *solves.values()):
            timed(command)  # warm the file cache
        times: dict[str, list[float]] = {"workbook": [], **{fmt: [] for fmt in solves}}
        for _ in range(args.runs):
            times["workbook"].append(timed(workbook))
            for fmt, command in solves.items():
                times[fmt].append(timed(command))
    base = statistics.median(times["workbook"])
    print(f"sheetnet run (the workbook, rows layout):  median {base * 1000:.0f} ms over {args.runs} runs")
    worst = 0.0
    for fmt in solves:
        t = statistics.median(times[fmt])
        worst = max(worst, t / base)
        print(f"sheetnet solve --out xor.{fmt:<5}            median {t * 1000:.0f} ms: ratio {t / base:.2f}")
    print(f"ratio (the costliest format against the workbook): {worst:.2f}  (goal ≤ 1.0)")


if __name__ == "__main__":
    main()
