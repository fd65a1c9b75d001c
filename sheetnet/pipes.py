"""Standard output and error that a closed pipe does not stop (`sheetnet check hw.xlsx | head -3`).

Once the reader of stdout or stderr has gone, what sheetnet writes there is dropped, silently, and
the command goes on to its end: it writes the files it was asked to write (`init`'s network file,
`check --csv`, `--annotate`) and exits with the code it would have had (`check`'s and `diff`'s
verdict, 0 for `run`), as if its reader had read everything. A reader that stops early chose to
read less; it changes nothing else, so a script's `set -o pipefail` still fails a wrong workbook
and passes a right one (141, "killed by SIGPIPE", would fail both). Writes to a pipe whose reader
has gone fail with EPIPE (Python ignores SIGPIPE); here the first such write points the stream's
file descriptor at the null device, so that it and every later write, and the flush as Python
exits, succeed without a word.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import TextIO


def silence(fd: int) -> None:
    """Point file descriptor `fd` at the null device: what is written to it from now on is dropped."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)


class _Dropping(io.FileIO):
    """A file descriptor written to until its reader goes, and silenced from then on."""

    def write(self, data: bytes) -> int | None:  # type: ignore[override]
        try:
            return super().write(data)
        except BrokenPipeError:
            silence(self.fileno())
            return memoryview(data).nbytes


def _dropping(stream: TextIO) -> TextIO | None:
    """`stream` (sys.stdout, say) over a `_Dropping` descriptor, as it was otherwise; None for a
    stream that writes no file descriptor of its own (a test's captured output) or writes it
    otherwise (Windows' console, in UTF-16)."""
    if not isinstance(stream, io.TextIOWrapper):
        return None
    buffered = not isinstance(stream.buffer, io.FileIO)  # unbuffered: python -u, PYTHONUNBUFFERED
    if not isinstance(getattr(stream.buffer, "raw", None) if buffered else stream.buffer, io.FileIO):
        return None
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return None
    with contextlib.suppress(OSError, ValueError):
        stream.flush()
    raw = _Dropping(fd, "w", closefd=False)
    return io.TextIOWrapper(
        io.BufferedWriter(raw) if buffered else raw,
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=stream.line_buffering,
        write_through=stream.write_through,
    )


@contextlib.contextmanager
def readers_may_leave() -> Iterator[None]:
    """sys.stdout and sys.stderr, while the block runs, drop what their readers no longer read."""
    kept = sys.stdout, sys.stderr
    out, err = _dropping(sys.stdout), _dropping(sys.stderr)
    sys.stdout, sys.stderr = out or sys.stdout, err or sys.stderr
    try:
        yield
    finally:
        for stream in (out, err):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
        sys.stdout, sys.stderr = kept
