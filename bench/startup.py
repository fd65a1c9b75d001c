"""Start-up cost of `sheetnet run --iters 3 --lr 0.01` against importing its libraries alone.

Prints the ratio of medians over alternating runs (of the time on the clock: the goal; and of the
CPU time, steadier while other work shares the machine), and what rendering the three iterations'
tables costs of it (rich, in a process of its own, at the 80 columns of a pipe). Goal (issue 26):
at most 1.5; 1.3 to 1.4 here (it was 1.5 to 1.7 before XlsxWriter's passes over each formula were
skipped and the garbage collector paused while sheetnet starts: `sheetnet.worksheet`,
`sheetnet.collector`). Python's bytecode must be cached (`PYTHONDONTWRITEBYTECODE` unset, or
`python -m compileall .venv sheetnet` first): compiling would dwarf everything else.

    uv run python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import timed_cpu

BASELINE = [sys.executable, "-c", "import click, rich.console, rich.table, xlsxwriter"]
RENDER = """
import io, time
from rich.console import Console
from sheetnet.render import print_run
from sheetnet.spec import default_network
from sheetnet.trace import run
trace = run(default_network())
start = time.perf_counter()
print_run(Console(file=io.StringIO(), width=80, highlight=False, emoji=False), trace)
print(time.perf_counter() - start)
"""


def render_seconds() -> float:
    """Seconds the first rendering of three iterations' tables takes in a fresh process."""
    done = subprocess.run([sys.executable, "-c", RENDER], capture_output=True, text=True, check=True)
    return float(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / "bench.xlsx")
        sheetnet = [sys.executable, "-m", "sheetnet", "run", "--iters", "3", "--lr", "0.01", "--out", out]
        timed_cpu(BASELINE), timed_cpu(sheetnet)  # warm the file cache
        base, ours, tables = [], [], []
        for _ in range(args.runs):
            base.append(timed_cpu(BASELINE))
            ours.append(timed_cpu(sheetnet))
            tables.append(render_seconds())
    b, s = (statistics.median(wall for wall, _ in runs) for runs in (base, ours))
    b_cpu, s_cpu = (statistics.median(cpu for _, cpu in runs) for runs in (base, ours))
    print(f"imports alone (click, rich, xlsxwriter): median {b * 1000:.0f} ms over {args.runs} runs")
    print(f"sheetnet run --iters 3 --lr 0.01:        median {s * 1000:.0f} ms over {args.runs} runs")
    r = statistics.median(tables)
    print(f"  of which rendering three iterations' tables (rich): median {r * 1000:.0f} ms ({r / s:.0%} of the run)")
    print(f"ratio: {s / b:.2f}  (goal ≤ 1.5)   in CPU time: {s_cpu / b_cpu:.2f}")


if __name__ == "__main__":
    main()
