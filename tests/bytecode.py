"""Bytecode cached for the run, even where PYTHONDONTWRITEBYTECODE is set.

The tests start a hundred Python processes (sheetnet as a user runs it, check's workers, pytest's
own); with PYTHONDONTWRITEBYTECODE set, each would compile sheetnet and its libraries anew, about
1.3 s of a core each. This plugin lets them cache it instead, in a folder of its own in the system's
temporary folder (PYTHONPYCACHEPREFIX), so the source tree stays as clean as that setting keeps it.
Where the setting is not made, Python's own caching is left as it is.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is None:
        return
    folder = Path(tempfile.gettempdir()) / f"sheetnet-pycache-{os.getuid()}"
    sys.pycache_prefix = os.environ.setdefault("PYTHONPYCACHEPREFIX", str(folder))
    sys.dont_write_bytecode = False
