"""The real homework workbooks in `../shared/fixtures/`, judged by hand: where they are, and their
verdicts as test parameters, one test per workbook.

A workbook's verdict that sheetnet does not reach yet is a strict expected failure naming the open
issue that owes it: it runs every time, is listed in the summary as XFAIL, and fails the suite the
day it passes, so the mark cannot outlive the fix.
"""

from __future__ import annotations

import csv
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ZOO = ROOT / "tests" / "zoo"  # workbooks built for the tests, each verdict verified on its own (its README)

# fixtures whose verdict is not given yet (a strict xfail each, with why): none today
CHECK_OWED: dict[str, str] = {}
INIT_OWED: dict[str, str] = {}
NO_NETWORK_OWED: dict[str, str] = {}


def folder() -> Path | None:
    """`../shared/fixtures` beside the repository, or beside the one this clone was made from, or in
    SHEETNET_SHARED_FIXTURES; None if it is in none of them."""
    return next((Path(c) for c in candidates() if (Path(c) / "verdicts.tsv").exists()), None)


def candidates() -> list[str]:
    homes = [ROOT]
    origin = subprocess.run(
        ["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if origin and Path(origin).is_dir():
        homes.append(Path(origin).resolve())
    places = [os.environ.get("SHEETNET_SHARED_FIXTURES", ""), *(str(h.parent / "shared" / "fixtures") for h in homes)]
    return [p for p in places if p]


def verdicts(table: str, owed: Mapping[str, str] | None = None) -> list[object]:
    """The rows of `table` (verdicts.tsv or verdicts-no-network.tsv) as parameters, the workbook's
    name as the id; those in `owed` are strict expected failures with the reason given. Without the
    folder, one parameter None: the test's `shared_fixtures` then skips, or fails in CI."""
    found = folder()
    if found is None:
        return [pytest.param(None, id="shared-fixtures-missing")]
    rows = []
    for line in (found / table).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        row = tuple(line.split("\t"))
        reason = (owed or {}).get(row[0])
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        rows.append(pytest.param(row, id=row[0].removesuffix(".xlsx"), marks=marks))
    return rows


def zoo_verdicts(owed: Mapping[str, str]) -> list[object]:
    """The rows of tests/zoo/verdicts.tsv (workbook, network, iterations, exit code, slip cells …)
    as parameters, one per workbook; a workbook in `owed` (→ what sheetnet says instead) a strict
    expected failure: it runs every time, and fails the suite the day it passes."""
    with (ZOO / "verdicts.tsv").open(encoding="utf-8") as handle:
        rows = [tuple(r) for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    return [
        pytest.param(r, id=r[0], marks=pytest.mark.xfail(reason=owed[r[0]], strict=True))
        if r[0] in owed
        else pytest.param(r, id=r[0])
        for r in rows
    ]
