"""Installing sheetnet as people do: a wheel built by pip (the build backend resolved from the
package index, as pip and pipx resolve it), installed into a fresh venv, whose `sheetnet` works."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.heavy
def test_pip_builds_a_wheel_that_installs_and_runs(tmp_path: Path) -> None:
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)  # a plain venv with pip, as a person makes one
    bin_dir = env / ("Scripts" if sys.platform == "win32" else "bin")
    pip = [str(bin_dir / "python"), "-m", "pip"]
    wheels = tmp_path / "wheels"
    done = subprocess.run(
        [*pip, "wheel", str(ROOT), "--no-deps", "--quiet", "-w", str(wheels)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = wheels.glob("sheetnet-*.whl")
    # no bytecode compiled for the dependencies (scipy alone is thousands of files): what is tested is
    # that sheetnet installs and runs
    done = subprocess.run([*pip, "install", "--quiet", "--no-compile", str(wheel)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    out = tmp_path / "notes.xlsx"
    done = subprocess.run(
        [str(bin_dir / "sheetnet"), "run", "--iters", "3", "--lr", "0.01", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 5000
    assert "4.5" in done.stdout  # ŷ of iteration 0 in the notes
    assert (env / "lib").exists() or (env / "Lib").exists()
