"""Bytecode compiled once for the run, before the workers start, even where PYTHONDONTWRITEBYTECODE
is set.

The tests start a hundred Python processes (sheetnet as a user runs it, check's workers, pytest's
own); on a fresh clone each would compile sheetnet and the libraries it imports anew until some
process had written their bytecode, about 1.3 s of a core each (half a minute of the run), and with
PYTHONDONTWRITEBYTECODE set every one of them would. So the controller compiles sheetnet and
imports once, in a child, what the others import (about 1.5 s when all is compiled already); where
that setting is made the bytecode goes to a folder of its own in the system's temporary folder
(PYTHONPYCACHEPREFIX), so the source tree stays as clean as the setting keeps it.
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# what the workers and sheetnet's processes import: compiled by importing it once, in a child
IMPORTED = (
    "sheetnet.cli, sheetnet.check, sheetnet.infer, sheetnet.solve, sheetnet.documents, sheetnet.batch, "
    "sheetnet.diff, scipy.optimize, rich.progress, rich.table, openpyxl, pytest, xdist.remote, hypothesis"
)


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
        folder = Path(tempfile.gettempdir()) / f"sheetnet-pycache-{os.getuid()}"
        sys.pycache_prefix = os.environ.setdefault("PYTHONPYCACHEPREFIX", str(folder))
        sys.dont_write_bytecode = False
    if "PYTEST_XDIST_WORKER" in os.environ:
        return  # the controller compiled it before starting this worker
    compileall.compile_dir(ROOT / "sheetnet", quiet=2, workers=1)  # its modules imported only on the way
    subprocess.run([sys.executable, "-c", f"import {IMPORTED}"], cwd=ROOT, capture_output=True, check=False)
