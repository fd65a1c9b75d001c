"""The test suite itself: one Ctrl-C stops it, with or without workers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
