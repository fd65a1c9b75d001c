"""Python's cyclic garbage collector, paused while sheetnet starts.

Importing click, rich, XlsxWriter and sheetnet allocates tens of thousands of objects (classes,
functions, their dictionaries), none of them garbage; the collector walks them again each time
enough have piled up, and all of them once more as Python exits: about a tenth of
`sheetnet run --iters 3` (`bench/startup.py`). `pause` stops it as the command starts (the
`sheetnet` entry point); `resume`, which every command calls once it has imported what it needs
(`tests/test_cli.py` checks that), freezes what exists then (`gc.freeze`: no collection walks those
objects again, that last one included) and restarts it, so whatever the command itself allocates
is collected as usual.
"""

from __future__ import annotations

import gc

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
