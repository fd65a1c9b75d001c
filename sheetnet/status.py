"""What `sheetnet check` and `sheetnet diff` say of each number, and how their JSON reports write
one (shared by the check package, diff.py and the views)."""

from __future__ import annotations

import math
from typing import Any

FOUND, MISMATCH, ABSENT = "found", "mismatch", "absent"
SLIP, FOLLOWS = "slip", "follows"  # the two kinds of mismatch


def jsonable(v: Any) -> Any:
    """`v` as JSON holds it: a number as itself unless it is infinite or NaN (JSON has no such
    number: it is written as text, `"inf"`), anything else but text, truth and nothing as text."""
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    return str(v)
