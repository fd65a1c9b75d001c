"""Chromium for the tests of pages: the fixture, a headless call, and a page measured in it.

A plugin (conftest.py's `pytest_plugins`): the `chromium` fixture skips on a laptop without it and
fails in CI (CI=true), as LibreOffice's does.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hang import HANG


def required(path: str | None, what: str, hint: str) -> str:
    """A tool the tests need: its absence skips locally but fails in CI (CI=true), like LibreOffice."""
    if path is None:
        message = f"{what} is not installed; {hint}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{what} is required in CI and was not found; {hint}")
        pytest.skip(message)
    return path


def _chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    return required(_chromium_binary(), "Chromium", "Debian/Ubuntu: apt-get install -y chromium")


def headless(chromium: str, *args: str, scrollbars: bool = False) -> subprocess.CompletedProcess[str]:
    hide = [] if scrollbars else ["--hide-scrollbars"]
    return subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", *hide, *args],
        capture_output=True,
        text=True,
        timeout=HANG,
        check=True,
    )


def measured(chromium: str, page: Path, probe: str, probed: Path, window: str) -> dict[str, Any]:
    """What `probe` (a script that writes JSON into `data-probe` on the body) measures of `page`,
    laid out in a window of `window` (`1000,3000`) with its scrollbars: a copy of the page without
    its Content-Security-Policy (the page itself allows no script), written to `probed`."""
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page.read_text(encoding="utf-8"))
    probed.write_text(text.replace("</body>", probe + "</body>"), encoding="utf-8")
    window_size, dump = f"--window-size={window}", "--dump-dom"
    dom = headless(chromium, window_size, "--virtual-time-budget=5000", dump, probed.as_uri(), scrollbars=True)
    match = re.search(r'data-probe="([^"]*)"', dom.stdout)
    assert match, dom.stdout[:500]
    return json.loads(html.unescape(match.group(1)))
