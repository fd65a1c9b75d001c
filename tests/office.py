"""A LibreOffice per test worker, with a profile of its own: started once, handed each recalculation.

`sheetnet.libreoffice.recalculate` starts LibreOffice for every call, about 2 s of a core before a
workbook is even opened; the suite recalculates some sixty times. Here each pytest worker starts
one LibreOffice when it first needs it, listening on a pipe of its own, with a profile of
LibreOffice's defaults, and `lo_convert.py` (under LibreOffice's Python bridge, python3-uno, for
the system's python3) loads, recalculates and saves each workbook a test asks for in it; a
conversion that keeps a file's values (`force=False`) is loaded and saved without recalculating,
as LibreOffice's defaults do. Only the soffice process is replaced: everything `recalculate` does
before and after (names, outputs, errors) runs as in sheetnet.

Where the bridge is missing, or the instance fails a file, the tests start soffice as sheetnet
does. A test marked `libreoffice_command` always does: those keep sheetnet's own command line under
test. The instance and all it started end with the worker.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

import sheetnet.libreoffice as libreoffice

SYSTEM_PYTHON = "/usr/bin/python3"  # the Python LibreOffice's bridge is built for (Debian's python3-uno)
CONVERTER = Path(__file__).resolve().parent / "lo_convert.py"

Run = Callable[[list[str], float], tuple[int, str, str]]


def _conversion(command: list[str]) -> tuple[str, list[str], bool] | None:
    """(outdir, workbooks, forced) of `recalculate`'s command, else None. `forced`: its profile makes
    LibreOffice recalculate on loading; without it a file keeps the values it was saved with."""
    profile = next((a.split("=", 1)[1] for a in command if a.startswith("-env:UserInstallation=")), None)
    if profile is None or "--convert-to" not in command or "--outdir" not in command:
        return None
    forced = (Path(unquote(urlparse(profile).path)) / "user" / "registrymodifications.xcu").exists()
    at = command.index("--outdir")
    return command[at + 1], command[at + 2 :], forced


class Office:
    """One LibreOffice listening on a pipe, started on first use, ended at exit."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.usable: bool | None = None  # unknown until first asked
        self.pipe = f"sheetnet-tests-{os.getpid()}"
        self.bypass = False  # a test marked libreoffice_command is running

    def _bridge(self) -> bool:
        if self.usable is None:
            soffice = libreoffice.find_soffice()
            found = soffice is not None and os.access(SYSTEM_PYTHON, os.X_OK)
            self.usable = (
                found and subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0
            )
        return self.usable

    def _started(self) -> bool:
        if self.process is not None and self.process.poll() is None:
            return True
        profile = Path(tempfile.mkdtemp(prefix="sheetnet-lo-worker-"))  # LibreOffice's defaults, as sheetnet's own
        options = ["--headless", "--invisible", "--norestore", "--nolockcheck", f"--accept=pipe,name={self.pipe};urp;"]
        self.process = subprocess.Popen(
            [str(libreoffice.find_soffice()), f"-env:UserInstallation={profile.as_uri()}", *options],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        atexit.register(self.stop)
        return True

    def convert(self, outdir: str, workbooks: list[str], forced: bool, timeout: float) -> bool:
        """True if the running instance wrote every workbook into `outdir`, recalculated if `forced`."""
        if not self._bridge() or not self._started():
            return False
        try:
            done = subprocess.run(
                [SYSTEM_PYTHON, str(CONVERTER), self.pipe, outdir, "forced" if forced else "kept", *workbooks],
                capture_output=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            self.stop()
            return False
        if done.returncode != 0:
            self.stop()  # a file it could not take may have left it unwell: the next use starts another
            return False
        return True

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                self.process.wait(timeout=10)
            self.process = None


OFFICE = Office()
_COMMAND: Run = libreoffice._run_alone  # sheetnet's own: soffice started for the one call


def _served(args: list[str], timeout: float) -> tuple[int, str, str]:
    conversion = None if OFFICE.bypass else _conversion(args)
    if conversion is not None and OFFICE.convert(*conversion, timeout=timeout):
        return 0, "", ""
    return _COMMAND(args, timeout)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "libreoffice_command: recalculate with sheetnet's own soffice command line")
    libreoffice._run_alone = _served  # for the whole run: fixtures of a module or a session too


@pytest.fixture(autouse=True)
def _sheetnets_own_command_where_marked(request: pytest.FixtureRequest) -> Iterator[None]:
    OFFICE.bypass = request.node.get_closest_marker("libreoffice_command") is not None
    yield
    OFFICE.bypass = False
