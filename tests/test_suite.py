"""The test suite itself: one Ctrl-C stops it, with or without workers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hang import HANG

TESTS = Path(__file__).resolve().parent

INTERRUPTED_RUN = """
import os
import signal
from pathlib import Path

from click.testing import CliRunner

import sheetnet.trace
from sheetnet.cli import main


def test_ctrl_c_while_sheetnet_runs(monkeypatch, tmp_path):
    def ctrl_c(*args, **kwargs):
        os.killpg(os.getpgid(0), signal.SIGINT)  # what a terminal does: the whole process group
        raise AssertionError("Ctrl-C did not interrupt")

    monkeypatch.setattr(sheetnet.trace, "Run", ctrl_c)
    result = CliRunner().invoke(main, ["run", "--out", str(tmp_path / "never.xlsx")])
    assert result.exit_code == 130  # sheetnet caught it, as a command should


def test_after_it():
    Path({ran!r}).write_text("ran")
"""


@pytest.mark.parametrize(
    "workers", [["-p", "no:xdist"], ["-n", "2", "--dist", "loadfile"]], ids=["one process", "two workers"]
)
def test_one_ctrl_c_stops_the_suite(tmp_path: Path, workers: list[str]) -> None:
    ran = tmp_path / "after.txt"
    (tmp_path / "test_interrupted.py").write_text(INTERRUPTED_RUN.format(ran=str(ran)), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    pytest_args = ["-p", "interrupt", "-p", "no:cacheprovider", "-o", "addopts=", *workers, "-q"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *pytest_args, "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        start_new_session=True,  # its Ctrl-C reaches its own process group, not this suite's
    )
    assert done.returncode == pytest.ExitCode.INTERRUPTED, done.stdout[-2000:] + done.stderr[-2000:]
    assert not ran.exists(), "the suite went on after Ctrl-C"


def test_the_workers_libreoffice_recalculates_as_sheetnets_command_does(soffice: str, tmp_path: Path) -> None:
    """tests/office.py stands in for soffice: a wrong cached value comes back corrected when forced,
    and as it was saved when not, as with sheetnet's own command line."""
    import openpyxl
    import xlsxwriter

    from office import OFFICE

    source = tmp_path / "wrong.xlsx"
    with xlsxwriter.Workbook(source) as book:
        book.add_worksheet().write_formula(0, 1, "=20*2+1", None, 999)
    for forced, value in ((True, 41), (False, 999)):
        out = tmp_path / f"out-{forced}"
        out.mkdir()
        served = OFFICE.convert(str(out), [str(source)], forced, timeout=HANG)
        if not served and os.environ.get("CI", "").lower() != "true":
            pytest.skip("LibreOffice's Python bridge (python3-uno) is not here: the tests start soffice each time")
        assert served, "in CI the workers' LibreOffice must serve (python3-uno comes with LibreOffice Calc)"
        assert openpyxl.load_workbook(out / "wrong.xlsx", data_only=True).active["B1"].value == value
