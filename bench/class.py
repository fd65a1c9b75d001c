"""How long `sheetnet check FOLDER` takes on a class's workbooks, against checking them one by one.

Copies the real homework workbooks of ../shared/fixtures into a folder of twenty files (four
copies of each of the five) and prints:

- the time of `sheetnet check FOLDER` (the files in parallel, one per core, the network read
  from each workbook);
- the time of `sheetnet check FILE` run once per file, one after the other, as a teacher would
  without it (a process each);
- the time of `sheetnet check FOLDER --jobs 1` (one process, the files one after the other);

and the ratios of the first to the other two. Goal: at most 0.6× the one-by-one time on two cores.

    uv run python bench/class.py [COPIES]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from timing import timed

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT.parent / "shared" / "fixtures"


def main() -> None:
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    workbooks = sorted(FIXTURES.glob("*.xlsx"))
    if not workbooks:
        sys.exit(f"no workbooks in {FIXTURES}")
    sheetnet = [sys.executable, "-m", "sheetnet"]
    with tempfile.TemporaryDirectory(prefix="sheetnet-class-") as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        for k in range(copies):
            for workbook in workbooks:
                shutil.copy(workbook, folder / f"{k:02d}-{workbook.name}")
        files = sorted(folder.iterdir())
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        print(f"{len(files)} workbooks ({copies} copies of {len(workbooks)}), {cores} cores")
        parallel = timed([*sheetnet, "check", str(folder)], ok=(0, 1))
        one_by_one = sum(timed([*sheetnet, "check", str(f)], ok=(0, 1)) for f in files)
        serial = timed([*sheetnet, "check", str(folder), "--jobs", "1"], ok=(0, 1))
    print(f"check FOLDER (parallel):        {parallel:6.1f} s")
    print(f"check FILE, once per file:      {one_by_one:6.1f} s")
    print(f"check FOLDER --jobs 1:          {serial:6.1f} s")
    print(f"ratio to one by one:            {parallel / one_by_one:6.2f}× (goal ≤ 0.6× on two cores)")
    print(f"ratio to --jobs 1:              {parallel / serial:6.2f}×")


if __name__ == "__main__":
    main()
