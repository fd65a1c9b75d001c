"""sheetnet in a child process under a memory cap, and what a refusal looks like.

The child's address space is capped (RLIMIT_AS) at 1 GiB, the issue's bound: a reader that
inflated, spelled out or copied what a hostile file claims would run out of memory and fail with
a traceback instead of answering. The wait is `hang.HANG`: a safety net against a hang, not a speed
measurement (the issue's 10 s is for this machine, measured in `bench/`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hang import HANG

resource = pytest.importorskip("resource")  # POSIX: the memory cap

MEMORY_CAP = 2**30
TIME_LIMIT = HANG  # a child still running then is hung


def cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def sheetnet(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: int | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sheetnet", *args],
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        preexec_fn=cap_memory,
        cwd=cwd,
        env=env,
        stdin=stdin,
    )


def refused(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit 2, no traceback, one line (a second may only be the --help hint); returns the line."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("Try ")), lines
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]
