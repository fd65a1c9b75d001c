"""Timing helpers the bench scripts share (run as `uv run python bench/NAME.py`: this folder is on
the path)."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path


def best(fn: Callable[[], object], repeat: int = 3, clock: Callable[[], float] = time.perf_counter) -> float:
    """The shortest of `repeat` runs of `fn`, in seconds of `clock` (the wall clock by default)."""
    times = []
    for _ in range(repeat):
        start = clock()
        fn()
        times.append(clock() - start)
    return min(times)


def best_cpu(fn: Callable[[], object], repeat: int = 3) -> float:
    """The least CPU time of `repeat` runs of `fn`, in seconds (this process's: steadier than the
    clock while other work shares the machine)."""
    return best(fn, repeat, time.process_time)


def timed(command: list[str], ok: tuple[int, ...] = (0,)) -> float:
    """Seconds `command` takes; stops the bench with its stderr if it exits other than `ok`."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in ok:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return time.perf_counter() - start


def timed_cpu(command: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """`timed`, and the CPU time `command` took (its user and system time: steadier than the clock
    while other work shares the machine). POSIX only (`resource`)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = timed(command, ok)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def read_with_openpyxl(book: Path) -> None:
    """Read `book` as `check` reads it: with openpyxl, its formulas and then its values, every row."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for data_only in (False, True):
            wb = openpyxl.load_workbook(book, read_only=True, data_only=data_only)
            for ws in wb.worksheets:
                for _ in ws.iter_rows(values_only=True):
                    pass
            wb.close()
