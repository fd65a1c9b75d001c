"""How fast sheetnet writes a long run, against XlsxWriter alone, and whether memory stays flat.

    uv run python bench/throughput.py [--iters 100] [--memory-iters 100 400] [--repeat 3]

A 4-16-16-3 network (tanh, softmax output, cross-entropy), 8 samples, rows layout:

(a) sheetnet training and writing it, against bare XlsxWriter writing the very same cells (the
    formulas and cached values read back from sheetnet's file, no formats, constant-memory mode
    too). Goal: at most 1.5x, aim 1.2x.
(b) peak memory (max RSS of a fresh process) at 100 against 400 iterations. Goal: at most 1.5x.

It prints ratios, never asserts: a benchmark is not a test.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sheetnet.layout import ROWS  # noqa: E402
from sheetnet.spec import parse_network  # noqa: E402
from sheetnet.trace import Run  # noqa: E402
from sheetnet.workbook import write_workbook  # noqa: E402


def network_toml(iters: int) -> str:
    rng = random.Random(4)
    samples = []
    for s in range(8):
        x = [round(rng.uniform(-1, 1), 3) for _ in range(4)]
        y = [1.0 if k == s % 3 else 0.0 for k in range(3)]
        samples.append(f"[[samples]]\nx = {x}\ny = {y}\n")
    return (
        "layers = [4, 16, 16, 3]\n"
        'activation = "tanh"\noutput_activation = "softmax"\nloss = "cross_entropy"\n'
        f"lr = 0.1\niters = {iters}\n\n[init]\nseed = 7\n\n" + "\n".join(samples)
    )


def sheetnet_seconds(iters: int, out: Path) -> float:
    """Training and writing as `sheetnet run --layout rows` does (keeping 5 iterations for the terminal)."""
    network = parse_network(network_toml(iters), source="bench")
    start = time.perf_counter()
    write_workbook(Run(network, keep=lambda t: t < 3 or t >= iters - 2), out, layout=ROWS, force=True)
    return time.perf_counter() - start


def read_back(path: Path) -> list[tuple[str, list[tuple[int, int, object, object]]]]:
    """Every sheet's cells: (row, col, formula or value, cached value), as sheetnet wrote them."""
    import openpyxl

    formulas = openpyxl.load_workbook(path, read_only=True)
    values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheets = []
    for ws_f, ws_v in zip(formulas.worksheets, values.worksheets, strict=True):
        cells = []
        for row_f, row_v in zip(ws_f.iter_rows(), ws_v.iter_rows(), strict=False):
            for cf, cv in zip(row_f, row_v, strict=False):
                if getattr(cf, "value", None) is not None:
                    cells.append((cf.row - 1, cf.column - 1, cf.value, cv.value))
        sheets.append((ws_f.title, cells))
    return sheets


def bare_seconds(sheets: list[tuple[str, list[tuple[int, int, object, object]]]], out: Path) -> float:
    import xlsxwriter

    start = time.perf_counter()
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
    for title, cells in sheets:
        ws = workbook.add_worksheet(title)
        for r, c, content, cached in cells:
            if isinstance(content, str) and content.startswith("="):
                ws.write_formula(r, c, content, None, cached)
            elif isinstance(content, str):
                ws.write_string(r, c, content)
            else:
                ws.write_number(r, c, content)
    workbook.close()
    return time.perf_counter() - start


PEAK = """
import resource, runpy, sys
sys.argv = ["sheetnet", "run", "--config", {config!r}, "--layout", "rows", "--quiet", "--force", "--out", {out!r}]
try:
    runpy.run_module("sheetnet", run_name="__main__")
except SystemExit:
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def peak_kib(iters: int, folder: Path) -> int:
    """The peak memory of `sheetnet run --layout rows` in a fresh process."""
    config = folder / f"net{iters}.toml"
    config.write_text(network_toml(iters), encoding="utf-8")
    code = PEAK.format(config=str(config), out=str(folder / f"peak{iters}.xlsx"))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return int(result.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iters", type=int, default=100)
    parser.add_argument("--memory-iters", type=int, nargs=2, default=[100, 400])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sheetnet.xlsx"
        ours = [sheetnet_seconds(args.iters, out) for _ in range(args.repeat)]
        sheets = read_back(out)
        cells = sum(len(c) for _, c in sheets)
        bare = [bare_seconds(sheets, Path(tmp) / "bare.xlsx") for _ in range(args.repeat)]
        ratio = statistics.median(ours) / statistics.median(bare)
        print(f"(a) {args.iters} iterations, {cells:,} cells")
        print(f"    sheetnet (train + write): median {statistics.median(ours):.2f} s over {args.repeat} runs")
        print(f"    XlsxWriter alone:         median {statistics.median(bare):.2f} s over {args.repeat} runs")
        print(f"    ratio: {ratio:.2f}  (goal ≤ 1.5, aim ≤ 1.2)")
        small, large = args.memory_iters
        peaks = {n: peak_kib(n, Path(tmp)) for n in (small, large)}
        print(
            f"(b) peak memory: {peaks[small] / 1024:.1f} MiB at {small} iterations, "
            f"{peaks[large] / 1024:.1f} MiB at {large}"
        )
        print(f"    ratio: {peaks[large] / peaks[small]:.2f}  (goal ≤ 1.5)")
        print(json.dumps({"time_ratio": round(ratio, 3), "memory_ratio": round(peaks[large] / peaks[small], 3)}))


if __name__ == "__main__":
    main()
