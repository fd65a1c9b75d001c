"""How long `check` takes to train the run it judges against, against openpyxl reading the workbook.

`check` trains the network (`trace.run`) and makes the numbers it looks for (`spots.run_spots`),
once per η its tables train with, before it reads a cell. Issue 23 gives the whole check 3× the
time openpyxl needs to read the file; this prints the run's share of that, in CPU seconds (best of
five), for

- XOR (examples/xor.toml) over 400 iterations, one η, against the rows workbook sheetnet writes
  for it (52,400 numbers). Goal: at most 0.25 s;
- harshvs4 (../shared/fixtures/harshvs4-bp.toml, 34 iterations) at the six η of its six sheets,
  one run each, against the rows workbook sheetnet writes for those six η. Goal: at most 0.05 s.

    uv run python bench/run.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from timing import best_cpu, read_with_openpyxl

from sheetnet.check.spots import run_spots
from sheetnet.rates import write_rates_workbook
from sheetnet.spec import Network, load_network
from sheetnet.trace import run
from sheetnet.workbook import write_workbook

ROOT = Path(__file__).resolve().parent.parent
HARSHVS4 = ROOT.parent / "shared" / "fixtures" / "harshvs4-bp.toml"
HARSHVS4_RATES = (0.1, 0.2, 0.5, 0.8, 1.0, 2.0)  # its sheets LR_0.1 … LR_2
REPEAT = 5


def the_run(networks: list[Network]) -> tuple[float, float]:
    """CPU seconds of training each network (`trace.run`) and of making its spots, as `check` does
    (of the fastest of `REPEAT` tries)."""
    tries = []
    for _ in range(REPEAT):
        start = time.process_time()
        traces = [run(n) for n in networks]
        trained = time.process_time()
        for trace in traces:
            run_spots(trace)
        tries.append((trained - start, time.process_time() - trained))
    return min(tries, key=sum)


def report(name: str, networks: list[Network], book: Path, goal: float) -> None:
    read = best_cpu(lambda: read_with_openpyxl(book), REPEAT)
    train, spots = the_run(networks)
    total = train + spots
    print(
        f"{name}: trace.run {train:.3f} s + run_spots {spots:.3f} s = {total:.3f} s (goal ≤ {goal} s); "
        f"openpyxl reads its workbook in {read:.2f} s: the run is {total / read:.2f}× the read"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        xor = load_network(ROOT / "examples" / "xor.toml").with_overrides(iters=400)
        book = Path(folder) / "xor-400-rows.xlsx"
        write_workbook(run(xor), book, layout="rows")
        report("XOR, 400 iterations", [xor], book, 0.25)
        if HARSHVS4.exists():
            base = load_network(HARSHVS4)
            rates = [base.with_overrides(lr=lr) for lr in HARSHVS4_RATES]
            book = Path(folder) / "harshvs4-rates.xlsx"
            write_rates_workbook([run(n) for n in rates], book)
            report("harshvs4, six η of 34 iterations", rates, book, 0.05)
        else:
            print(f"harshvs4: {HARSHVS4} is not here; skipped")


if __name__ == "__main__":
    main()
