"""A `sheetnet` process that stops once its workbook is written and before it is put in place, and
waits there for the test: an event the run signals, not a moment guessed from the clock.

The child is `python -m sheetnet` with XlsxWriter's `Workbook.close` wrapped: the file is whole in
its temporary place, then the child writes one line on a pipe and blocks reading another. The test
does what it tests (writes a file at --out, sends SIGTERM) and lets it go on, however busy the
machine is.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

CHILD = """
import os, sys
import xlsxwriter
from sheetnet.cli import main

written, go = int(sys.argv[1]), int(sys.argv[2])
close = xlsxwriter.Workbook.close

def close_then_wait(self):
    close(self)
    os.write(written, b"written\\n")
    os.read(go, 1)

xlsxwriter.Workbook.close = close_then_wait
main(args=sys.argv[3:], prog_name="sheetnet")
"""


class PausedRun:
    """`sheetnet ARGS` in a child process, paused between writing its workbook and putting it in place."""

    def __init__(self, args: Sequence[str], *, cwd: Path, preexec_fn: Callable[[], None] | None = None) -> None:
        written_r, written_w = os.pipe()
        go_r, self._go = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(written_w), str(go_r), *args],
            pass_fds=(written_w, go_r),
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            cwd=cwd,
            preexec_fn=preexec_fn,
        )
        os.close(written_w)
        os.close(go_r)
        with os.fdopen(written_r, "rb") as written:
            self.paused = written.readline() == b"written\n"  # empty if the child ended first

    def finish(self) -> tuple[int, str]:
        """Let the run go on; its exit code and what it wrote on stderr."""
        try:
            os.write(self._go, b"x")
        except BrokenPipeError:  # it ended already
            pass
        finally:
            os.close(self._go)
        _, stderr = self.process.communicate()
        return self.process.returncode, stderr
