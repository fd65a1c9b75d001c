"""Recalculate workbooks in LibreOffice Calc, headless, with a forced full recalculation.

LibreOffice normally trusts the cached values of a file that says Excel wrote it (XlsxWriter's
files do), so a plain conversion only echoes them back. A throwaway user profile that sets the
load-time recalculation mode to "always" makes it compute every formula itself.

No LibreOffice outlives the sheetnet that started it: `soffice` is a wrapper that starts
`soffice.bin`, so it is started as the leader of a process group of its own (a new session), with
its address space capped, and the whole group is killed when it times out, when sheetnet is
interrupted (Ctrl-C, SIGTERM, SIGHUP: each unwinds through here) and when it is done. Those signals
wait while LibreOffice is started and while it is killed: one that came as the process was being
made would otherwise unwind sheetnet before it knew the process, and leave it running.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sheetnet.errors import SheetnetError

INSTALL_HINT = (
    "install LibreOffice Calc (Debian/Ubuntu: apt-get install -y libreoffice-calc-nogui; "
    "macOS: brew install --cask libreoffice)"
)

_ALWAYS_RECALCULATE = """\
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""

MEMORY = 3 * 2**29  # 1.5 GiB of address space: sheetnet's largest workbook recalculates in under 1 GiB here

_CANDIDATES = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)


class LibreOfficeError(SheetnetError):
    """LibreOffice is missing, or it failed to recalculate a workbook."""


def find_soffice() -> str | None:
    """The path of LibreOffice's `soffice`, or None."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    return next((c for c in _CANDIDATES if os.access(c, os.X_OK)), None)


def recalculate(
    workbooks: Sequence[str | Path], outdir: str | Path, *, timeout: float = 180, force: bool = True
) -> list[Path]:
    """Open each workbook in LibreOffice, recalculate every formula, save it as .xlsx in `outdir`.

    Returns the recalculated files, in the order given. Input names must be distinct. With
    `force=False` the files are only converted: LibreOffice keeps the values they were saved with.
    """
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeError(f"LibreOffice (soffice) was not found; {INSTALL_HINT}")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    sources = [Path(w).resolve() for w in workbooks]
    with tempfile.TemporaryDirectory(prefix="sheetnet-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        if force:
            (user / "registrymodifications.xcu").write_text(_ALWAYS_RECALCULATE, encoding="utf-8")
        command = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--calc",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(outdir),
            *map(str, sources),
        ]
        returncode, stdout, stderr = _run_alone(command, timeout)
    outputs = [outdir / (source.stem + ".xlsx") for source in sources]
    missing = [o for o in outputs if not o.exists()]
    if returncode != 0 or missing:
        detail = (stderr or stdout).strip().splitlines()
        raise LibreOfficeError(
            f"LibreOffice could not recalculate {', '.join(str(m.name) for m in missing) or 'the workbook'}"
            + (f": {detail[-1]}" if detail else "")
        )
    return outputs


def _limit_memory() -> None:
    """In the child, before LibreOffice starts: cap its address space (its children inherit it)."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _run_alone(command: list[str], timeout: float) -> tuple[int, str, str]:
    """Run `command` as a process group of its own under `MEMORY`; return its exit code and
    output. The whole group is killed on the way out, however that way is taken."""
    posix = os.name == "posix"
    limit: Callable[[], None] | None = None
    if posix:
        # prlimit sets the cap and execs LibreOffice; a function run between fork and exec is the
        # fallback (Python warns it may deadlock when sheetnet has threads, a progress bar's say)
        prlimit = shutil.which("prlimit")
        if prlimit:
            command = [prlimit, f"--as={MEMORY}", "--", *command]
        else:
            limit = _limit_memory
    process: subprocess.Popen[str] | None = None
    try:
        with _stops_held():  # a stop unwinds only once `process` is known, so `finally` kills it
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
                start_new_session=posix,
                preexec_fn=limit,
            )
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LibreOfficeError(f"LibreOffice did not finish recalculating within {timeout:.0f} s") from None
    finally:
        if process is not None:
            with _stops_held():
                _kill_group(process)
    return process.returncode, stdout, stderr


_STOPS = ("SIGINT", "SIGTERM", "SIGHUP")  # the signals that unwind sheetnet (sheetnet.exits, sheetnet.batch)


@contextlib.contextmanager
def _stops_held() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP wait until the block is done, then act as they would have (each
    is handled again, in the order it came). Signals are handled in the main thread only, so
    elsewhere there is nothing to hold."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    kept = {}
    for name in _STOPS:
        number = getattr(signal, name, None)  # SIGHUP does not exist on Windows
        if number is not None and signal.getsignal(number) is not None:  # None: set outside Python
            kept[number] = signal.signal(number, lambda number, frame: came.append(number))
    try:
        yield
    finally:
        for number, handler in kept.items():
            signal.signal(number, handler)
        for number in came:
            signal.raise_signal(number)


def _kill_group(process: subprocess.Popen[str]) -> None:
    """Kill every process of `process`'s group (soffice and the soffice.bin it started) and reap it."""
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    else:
        process.kill()
    with contextlib.suppress(Exception):
        process.communicate(timeout=5)
