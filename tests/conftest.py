"""Shared fixtures: deterministic terminal output, LibreOffice, reading workbooks back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sheetnet.libreoffice import INSTALL_HINT, find_soffice, recalculate
from sheetnet.spec import default_network
from sheetnet.trace import Trace, run
from sheetnet.workbook import write_workbook

import shared
from hang import HANG

pytest_plugins = ["bytecode", "interrupt", "office", "browser"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The few heavy tests first: started last, one of them would keep a core busy alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FORCE_COLOR", "NO_COLOR", "COLUMNS", "TERM"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True, scope="session")
def _libreoffice_waits_only_for_a_hang() -> Iterator[None]:
    """`recalculate`'s own bound (180 s) is for users; in the tests a busy machine must not reach it."""
    defaults = recalculate.__kwdefaults__
    bound, defaults["timeout"] = defaults["timeout"], HANG
    yield
    defaults["timeout"] = bound


@pytest.fixture(scope="session")
def soffice() -> str:
    """LibreOffice's soffice; its absence skips locally but fails in CI (CI=true)."""
    path = find_soffice()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"LibreOffice is required in CI and was not found; {INSTALL_HINT}")
        pytest.skip(f"LibreOffice (soffice) is not installed; {INSTALL_HINT}")
    return path


@pytest.fixture(scope="session")
def notes_trace() -> Trace:
    return run(default_network())


@pytest.fixture(scope="session")
def notes_workbook(tmp_path_factory: pytest.TempPathFactory, notes_trace: Trace) -> Path:
    return write_workbook(notes_trace, tmp_path_factory.mktemp("notes") / "sheetnet.xlsx")


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """`../shared/fixtures` (real homework workbooks judged by hand), found as `shared.folder` says.
    Their absence skips with where it looked, except in CI (CI=true), where it fails."""
    found = shared.folder()
    if found is not None:
        return found
    message = (
        "the shared fixtures (verdicts.tsv) are not here: set SHEETNET_SHARED_FIXTURES to their folder "
        f"(looked in {', '.join(shared.candidates())})"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)
