"""Timing helpers the bench scripts share (run as `uv run python bench/NAME.py`: this folder is on
the path)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable


def best(fn: Callable[[], object], repeat: int = 3) -> float:
    """The shortest of `repeat` runs of `fn`, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def timed(command: list[str], ok: tuple[int, ...] = (0,)) -> float:
    """Seconds `command` takes; stops the bench with its stderr if it exits other than `ok`."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in ok:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return time.perf_counter() - start
