"""Python's cyclic garbage collector, paused while sheetnet starts.

Importing click, rich, XlsxWriter and sheetnet allocates tens of thousands of objects (classes,
functions, their dictionaries), none of them garbage; the collector walks them again each time
enough have piled up, and all of them once more as Python exits: about a tenth of
`sheetnet run --iters 3` (`bench/startup.py`). `pause` stops it as the command starts (the
`sheetnet` entry point); `resume`, which every command calls once it has imported what it needs
(`tests/test_cli.py` checks that), freezes what exists then (`gc.freeze`: no collection walks those
objects again, that last one included) and restarts it, so whatever the command itself allocates
is collected as usual.

`quiet` pauses it again while a workbook is read or checked: those make hundreds of thousands of
small objects that live until the end (cells, the run's numbers, one judgement per number), and
each of the collector's full passes walks them all, a third of a check of a 400-iteration
workbook (`bench/check.py`). It restarts as the call returns or raises, so a class of workbooks
checked in one process (`batch`) is collected between them.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_paused = False  # by `pause`: `resume` leaves alone a collector someone else disabled


def pause() -> None:
    """Stop collecting while sheetnet imports what it needs."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """What exists now is never garbage: set it aside for good, and collect as usual from here.
    Nothing to do where `pause` did not stop the collector (a test, sheetnet used as a library)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def quiet(fn: Callable[P, R]) -> Callable[P, R]:
    """`fn` run with the collector paused; restarted after it if it ran before."""

    @functools.wraps(fn)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return paused
