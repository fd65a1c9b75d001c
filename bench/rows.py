"""The rows layout at the speed of the file: `sheetnet run` against bare XlsxWriter writing the same
cells, and its memory as the run grows.

    uv run python bench/rows.py [--cells 250000] [--memory 250000 1000000] [--repeat 3]

The network of bench/throughput.py (4-16-16-3, tanh, softmax output, cross-entropy, 8 samples,
5,765 numbers an iteration), for as many iterations as `--cells` numbers take:

(a) sheetnet training and writing it in the rows layout, as `sheetnet run` does, against bare
    XlsxWriter (constant-memory mode, no formats) writing the very same cells: every formula with
    its cached value and every string and number, read back from sheetnet's file. Goal: sheetnet
    at least 3x faster, aim 5x. Printed too: sheetnet's training alone, and so its writing alone.
    Times are CPU seconds of this process, the least of `--repeat` interleaved runs: the machine
    may be shared, and the wall clock then measures the others too.
(b) the peak memory (max RSS of a fresh `sheetnet run` process) at the two sizes of `--memory`.
    Goal: at most 1.5x from 250,000 to 1,000,000 cells.

It prints ratios, never asserts: a benchmark is not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.etree.ElementTree import iterparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from throughput import network_toml, peak_kib  # noqa: E402

from sheetnet.layout import ROWS  # noqa: E402
from sheetnet.net import network_iteration_size  # noqa: E402
from sheetnet.spec import parse_network  # noqa: E402
from sheetnet.trace import Run  # noqa: E402
from sheetnet.workbook import _collecting_every, write_workbook  # noqa: E402

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
Cell = tuple[int, int, str, object]  # row, col, kind (formula, string, number), content; a formula's cached value


def iterations_for(cells: int) -> int:
    per_iteration = network_iteration_size(parse_network(network_toml(1), source="bench"))
    return max(1, cells // per_iteration)


def keep(iters: int):
    return lambda t: t < 3 or t >= iters - 2  # the iterations the terminal prints


def seconds() -> float:
    """This process's CPU time: on a machine others share, far steadier than the wall clock (every
    step measured is one thread: Python, XlsxWriter and zlib alike)."""
    return time.process_time()


def sheetnet_seconds(iters: int, out: Path) -> float:
    network = parse_network(network_toml(iters), source="bench")
    start = seconds()
    write_workbook(Run(network, keep=keep(iters)), out, layout=ROWS, force=True)
    return seconds() - start


def training_seconds(iters: int) -> float:
    """Training alone, with the garbage collector run as the writer runs it (every 64 iterations)."""
    network = parse_network(network_toml(iters), source="bench")
    start = seconds()
    with _collecting_every(64) as tick:
        for _ in Run(network, keep=keep(iters)):
            tick()
    return seconds() - start


def _column(ref: str) -> tuple[int, int]:
    letters = ref.rstrip("0123456789")
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(ref[len(letters) :]) - 1, col - 1


def read_back(path: Path) -> list[tuple[str, list[tuple[int, int, str, object, object]]]]:
    """Every sheet's cells as sheetnet wrote them: (row, col, kind, formula or content, cached value)."""
    sheets = []
    with zipfile.ZipFile(path) as archive:
        names = [e.get("name") for _, e in iterparse(archive.open("xl/workbook.xml")) if e.tag == MAIN + "sheet"]
        for n, name in enumerate(names, start=1):
            cells = []
            for _, element in iterparse(archive.open(f"xl/worksheets/sheet{n}.xml")):
                if element.tag != MAIN + "c":
                    continue
                row, col = _column(element.get("r"))
                formula, value = element.find(MAIN + "f"), element.find(MAIN + "v")
                text = element.find(f"{MAIN}is/{MAIN}t")
                if formula is not None:
                    cached = value.text if element.get("t") == "e" else float(value.text)
                    cells.append((row, col, "formula", "=" + formula.text, cached))
                elif text is not None:
                    cells.append((row, col, "string", text.text, None))
                elif value is not None:
                    cells.append((row, col, "number", float(value.text), None))
                element.clear()
            sheets.append((name, cells))
    return sheets


def bare_seconds(sheets, out: Path) -> float:
    import xlsxwriter

    start = seconds()
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
    for title, cells in sheets:
        sheet = workbook.add_worksheet(title)
        for row, col, kind, content, cached in cells:
            if kind == "formula":
                sheet.write_formula(row, col, content, None, cached)
            elif kind == "string":
                sheet.write_string(row, col, content)
            else:
                sheet.write_number(row, col, content)
    workbook.close()
    return seconds() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", type=int, default=250_000)
    parser.add_argument("--memory", type=int, nargs=2, default=[250_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    iters = iterations_for(args.cells)
    with tempfile.TemporaryDirectory() as tmp:
        # first, while this process is small: Linux counts a child's peak from the fork, before exec
        small, large = (iterations_for(n) for n in args.memory)
        peaks = {n: peak_kib(n, Path(tmp)) for n in (small, large)}
        out = Path(tmp) / "sheetnet.xlsx"
        sheetnet_seconds(iters, out)
        sheets = read_back(out)
        cells = sum(len(c) for _, c in sheets)
        times: dict[str, list[float]] = {"ours": [], "training": [], "bare": []}
        for _ in range(args.repeat):  # interleaved, so that the others' load falls on all three alike
            times["ours"].append(sheetnet_seconds(iters, out))
            times["training"].append(training_seconds(iters))
            times["bare"].append(bare_seconds(sheets, Path(tmp) / "bare.xlsx"))
        ours, training, bare = (min(times[k]) for k in ("ours", "training", "bare"))
        writing = ours - training
        print(f"(a) {iters} iterations, {cells:,} cells, CPU seconds, the least of {args.repeat} runs")
        print(f"    sheetnet (train + write): {ours:.2f} s  (training alone {training:.2f} s, writing {writing:.2f} s)")
        print(f"    XlsxWriter alone:         {bare:.2f} s")
        print(f"    XlsxWriter / sheetnet: {bare / ours:.2f}x  (goal ≥ 3, aim 5)")
        print(f"    XlsxWriter / sheetnet's writing alone: {bare / writing:.1f}x")
        print(
            f"(b) peak memory: {peaks[small] / 1024:.1f} MiB at {small} iterations ({args.memory[0]:,} cells), "
            f"{peaks[large] / 1024:.1f} MiB at {large} ({args.memory[1]:,} cells)"
        )
        print(f"    ratio: {peaks[large] / peaks[small]:.2f}  (goal ≤ 1.5)")
        summary = {
            "speedup": round(bare / ours, 3),
            "writing_speedup": round(bare / writing, 3),
            "memory_ratio": round(peaks[large] / peaks[small], 3),
        }
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
