"""Build the zoo: small workbooks that train a network by hand, of many families, for `sheetnet check`.

Standalone on purpose: it imports nothing from sheetnet, so the zoo is an independent witness.
Each workbook is written with openpyxl (formulas, no results), recalculated by LibreOffice headless
with a forced full recalculation (so every file carries its cached values, as a real Excel or
LibreOffice file does), and then verified:

1. every formula cell has a cached number;
2. a correct workbook's numbers equal a plain-Python training of its network (`training.train`,
   a backpropagation written here, not sheetnet's) to 1e-9 relative;
3. a seeded copy differs from its correct workbook in its formulas exactly at the seeded cells,
   its first seeded cell changes value, and no cell of an earlier iteration does;
4. the verdict with no network file is measured, not guessed: LibreOffice recalculates copies
   whose parameters of an iteration are moved by ±h, which gives the derivative of the sheet's
   own loss; the steps the sheet's updates take must be −η·c·∂L/∂p with one c for every
   parameter (c = 1: consistent; another shared c: a convention the judge may accept or not,
   `any`; no shared c: a slip). A workbook that writes no loss is measured with a loss cell of
   its own (`Book.probes`, written only into the copies), and its verdict may say `any`.

Then it writes the recalculated workbooks, a network file per correct workbook, `verdicts.tsv`
and `loss-cells.tsv` into this folder. Run from the repository: `uv run python tests/zoo/build.py`
(2 to 4 minutes: LibreOffice recalculates the 41 workbooks, then
some 800 copies for the derivatives), or `… build.py FILE …` to rebuild some of them (and the
correct workbooks their copies are checked against). Tests never rebuild the zoo.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
from cells import Book, Cell, display, reading_order, split_key
from kin import course_helpers, logreg_blocks, logreg_mmult_blocks, mazur_biases, mazur_sheet, mazur_sheets, phases_241
from openpyxl.worksheet.formula import ArrayFormula
from rows import columns_relu, linreg_steps, logreg_sumproduct, named_cells, online_and, rows_tanh
from stacked import blocks, logreg_mmult, sheet_per_epoch, transposed_batch, xor_delta_rule
from strangers import course_columns, logreg_columns, mazur_across, phases_columns

HERE = Path(__file__).resolve().parent
TOLERANCE = 1e-9  # LibreOffice against the plain-Python training, relative
FLOOR = 1e-13  # below this, an absolute difference (a value near 0 has no relative precision)
STEP_H = 1e-5  # the ±h of the central differences: truncation ~h², rounding ~1e-15/h, both < 1e-9
SAME_FACTOR = 1e-6  # two ratios step/(−η·∂L/∂p) count as one shared factor within this, relative
FLAT = 1e-10  # |∂L/∂p| below this: the parameter does not move the loss (an input of 0 before it)

FAMILIES: list[Callable[[], Book]] = [
    rows_tanh,
    columns_relu,
    transposed_batch,
    sheet_per_epoch,
    online_and,
    blocks,
    logreg_sumproduct,
    logreg_mmult,
    linreg_steps,
    xor_delta_rule,
    named_cells,
    lambda: rows_tanh(slip=True),
    lambda: columns_relu(slip=True),
    lambda: transposed_batch(slip=True),
    lambda: sheet_per_epoch(slip=True),
    lambda: blocks(slip=True),
    lambda: logreg_sumproduct(slip=True),
    mazur_sheet,
    mazur_biases,
    mazur_sheets,
    phases_241,
    logreg_blocks,
    course_helpers,
    logreg_mmult_blocks,
    lambda: phases_241(loss=False),
    lambda: mazur_sheet(slip=True),
    lambda: mazur_biases(slip=True),
    lambda: phases_241(slip=True),
    lambda: logreg_blocks(slip=True),
    lambda: course_helpers(slip=True),
    lambda: logreg_mmult_blocks(slip=True),
    lambda: phases_241(slip=True, loss=False),
    course_columns,
    mazur_across,
    logreg_columns,
    phases_columns,
    lambda: course_columns(slip="offset"),
    lambda: mazur_across(slip=True),
    lambda: logreg_columns(slip=True),
    lambda: phases_columns(slip=True),
    lambda: course_columns(slip="typed"),
]


# ---------------------------------------------------------------------------------------------
# LibreOffice: a forced full recalculation, many files per start

ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""
BATCH = 80  # files per LibreOffice start: one start costs ~2 s, a small file ~0.1 s


def recalculate(sources: list[Path], outdir: Path, profile: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        sys.exit("LibreOffice (soffice) is needed: apt-get install -y libreoffice-calc-nogui")
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(ALWAYS_RECALCULATE)
    outdir.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(sources), BATCH):
        chunk = [str(p) for p in sources[start : start + BATCH]]
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--calc",
                "--convert-to",
                "xlsx",
                "--outdir",
                str(outdir),
                *chunk,
            ],
            check=True,
            capture_output=True,
            timeout=900,
        )
    missing = [p.name for p in sources if not (outdir / p.name).exists()]
    if missing:
        sys.exit(f"LibreOffice did not convert: {', '.join(missing)}")


def read(path: Path) -> tuple[dict[str, object], dict[str, str]]:
    """Every cell's cached value and its formula (or typed value) as text, by "Sheet!A1"; a cell inside an
    array formula's area (not its first) holds the array's formula, not the value openpyxl reads there."""
    values: dict[str, object] = {}
    formulas: dict[str, str] = {}
    for data_only, into in ((True, values), (False, formulas)):
        wb = openpyxl.load_workbook(path, data_only=data_only)
        for ws in wb.worksheets:
            inside = {c.coordinate: ref for ref in ws.array_formulae.values() for row in ws[ref] for c in row}
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is None:
                        continue
                    value = cell.value
                    if isinstance(value, ArrayFormula):
                        value = f"{{{value.ref}}}{value.text}"
                    elif not data_only and cell.coordinate in inside:
                        value = f"{{{inside[cell.coordinate]}}}"
                    into[f"{ws.title}!{cell.coordinate}"] = value if data_only else str(value)
    return values, formulas


# ---------------------------------------------------------------------------------------------
# The checks


def is_formula(cell: Cell) -> bool:
    return (
        cell.content is None
        or isinstance(cell.content, ArrayFormula)
        or (isinstance(cell.content, str) and cell.content.startswith("="))
    )


def close(a: float, b: float, rel: float) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b)) or abs(a - b) <= FLOOR


def number(values: dict[str, object], key: str, file: str) -> float:
    value = values.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        sys.exit(f"{file}: {key} holds no cached number after recalculation: {value!r}")
    return float(value)


def check_cached(book: Book, values: dict[str, object]) -> None:
    for key, cell in book.cells.items():
        if is_formula(cell) and key not in book.probes:
            number(values, key, book.file)


def check_expected(book: Book, values: dict[str, object]) -> int:
    """A correct workbook against the plain-Python training; the count of cells compared."""
    count = 0
    for key, cell in book.cells.items():
        if cell.expect is None or key in book.probes:
            continue
        got = number(values, key, book.file)
        if not close(got, cell.expect, TOLERANCE):
            sys.exit(f"{book.file}: {key} is {got!r} after LibreOffice, the training gives {cell.expect!r}")
        count += 1
    return count


def check_seeded(book: Book, mine: tuple[dict, dict], correct: tuple[dict, dict]) -> None:
    """The copy differs in its formulas exactly at the seeded cells; the first seeded cell changes value
    and no cell of an earlier iteration does."""
    (values, formulas), (good_values, good_formulas) = mine, correct
    differ = {k for k in set(formulas) | set(good_formulas) if formulas.get(k) != good_formulas.get(k)}
    if differ != set(book.seeded):
        sys.exit(f"{book.file}: formulas differ from {book.copy_of} at {sorted(differ)}, seeded {sorted(book.seeded)}")
    first = min(book.seeded, key=lambda k: reading_order(book, k))
    if book.first_slip[0] != display(first):
        sys.exit(f"{book.file}: the first seeded cell is {first}, the verdict says {book.first_slip[0]}")
    changed = [
        k
        for k in book.cells
        if k not in book.probes
        if is_formula(book.cells[k]) or k in book.seeded
        if not close(number(values, k, book.file), number(good_values, k, book.copy_of), 1e-12)
    ]
    if first not in changed:
        sys.exit(f"{book.file}: the seeded cell {first} has the correct workbook's value")
    earlier = [k for k in changed if book.cells[k].it < book.cells[first].it]
    if earlier:
        sys.exit(f"{book.file}: {earlier[:3]} change before the slip's iteration")


def slip_iteration(book: Book) -> int:
    return min(book.cells[k].it for k in book.seeded) if book.seeded else 0


def derivative_plan(book: Book, values: dict[str, object]) -> list[tuple[int, str, int, dict[str, float]]]:
    """(iteration, parameter, ±1, overrides): the copies whose loss gives ∂L/∂p by central differences,
    for iteration 0 and the iteration of the slip."""
    plan = []
    for it in sorted({0, slip_iteration(book), max(book.updates)}):
        if it not in book.updates:
            continue
        for p, key in book.params[it].items():
            base = number(values, key, book.file)
            for sign in (1, -1):
                plan.append((it, p, sign, {key: base + sign * STEP_H}))
    return plan


def judge_without_network(book: Book, values: dict[str, object], moved: dict[tuple[int, str, int], float]) -> str:
    """'0' if every step is −η·∂L/∂p of the sheet's own loss, 'any' if −η·c·∂L/∂p with one c ≠ 1 for all,
    '1' if no one c fits (a step that is not the derivative of the sheet's own forward pass)."""
    verdicts = []
    for it in sorted({it for it, _, _ in moved}):  # 0, the slip's, the last with an update
        ratios, stray = [], False
        for p, key in book.params[it].items():
            g = (moved[it, p, 1] - moved[it, p, -1]) / (2 * STEP_H)
            step = number(values, book.updates[it][p], book.file) - number(values, key, book.file)
            if abs(g) < FLAT:
                stray |= abs(step) > FLAT * book.net.lr
                continue
            ratios.append(-step / (book.net.lr * g))
        shared = all(close(r, ratios[0], SAME_FACTOR) for r in ratios)
        verdicts.append("1" if stray or not shared else "0" if close(ratios[0], 1.0, SAME_FACTOR) else "any")
        print(f"  {book.file} iteration {it}: step/(−η·∂L/∂p) = " + " ".join(f"{r:.6g}" for r in ratios))
    return "1" if "1" in verdicts else "any" if "any" in verdicts else "0"


# ---------------------------------------------------------------------------------------------
# What is written


def verdicts_tsv(books: list[Book]) -> str:
    lines = [
        "# The zoo's verdicts: what `sheetnet check` must give on each workbook (tests/zoo/README.md).",
        "# iterations: sheetnet's --iters for the network file; exit codes 0 (right), 1 (a slip); 'any': the judge",
        "# with no network file cannot tell (its answer is not tested); slip cells: any of those listed counts.",
        "# file\tnetwork file\titerations\texit with network\tfirst slip with network\t"
        "exit with no network\tfirst slip with no network\twhy",
    ]
    for b in books:
        lines.append(
            "\t".join(
                [
                    b.file,
                    b.network_file,
                    str(b.net.iters),
                    "1" if b.seeded else "0",
                    ",".join(b.first_slip) or "-",
                    b.no_network_exit,
                    ",".join(b.no_network_slip) or "-",
                    b.why or "correct: " + b.summary,
                ]
            )
        )
    return "\n".join(lines) + "\n"


def loss_cells_tsv(books: list[Book]) -> str:
    lines = [
        "# Where each iteration's loss is: for tests that compare a workbook with a sheetnet run.",
        "# file\titeration\tcell ('-': the workbook writes no loss; build.py measured with one of its own)",
    ]
    for b in books:
        lines += [f"{b.file}\t{t}\t{'-' if key in b.probes else display(key)}" for t, key in sorted(b.losses.items())]
    return "\n".join(lines) + "\n"


def main(only: list[str]) -> None:
    """Build every workbook, or those named in `only` (with the correct workbooks their copies are checked
    against); verdicts.tsv and loss-cells.tsv always list them all."""
    every = [make() for make in FAMILIES]
    by_file = {b.file: b for b in every}
    unknown = [name for name in only if name not in by_file]
    if unknown:
        sys.exit(f"no such workbook in the zoo: {', '.join(unknown)}")
    wanted = set(only or by_file)
    wanted |= {by_file[name].copy_of for name in wanted if by_file[name].copy_of}
    books = [b for b in every if b.file in wanted]
    with tempfile.TemporaryDirectory(prefix="zoo-") as tmp:
        root = Path(tmp)
        (root / "src").mkdir()
        sources = []
        for b in books:
            sources.append(root / "src" / b.file)
            b.save(sources[-1])
        recalculate(sources, root / "out", root / "profile")
        read_back = {b.file: read(root / "out" / b.file) for b in books}
        for b in books:
            values, _ = read_back[b.file]
            check_cached(b, values)
            formulas = sum(is_formula(c) for c in b.cells.values())
            if not b.seeded:
                print(
                    f"{b.file}: {formulas} formula cells; {check_expected(b, values)} cells equal the "
                    "plain-Python training"
                )
            else:
                check_seeded(b, read_back[b.file], read_back[b.copy_of])
                print(f"{b.file}: differs from {b.copy_of} at {len(b.seeded)} seeded cells, first {b.first_slip[0]}")
        (root / "moved").mkdir()
        moved_sources, where = [], {}
        for b in books:
            for n, (it, p, sign, overrides) in enumerate(derivative_plan(b, read_back[b.file][0])):
                path = root / "moved" / f"{Path(b.file).stem}--{n}.xlsx"
                b.save(path, overrides)
                moved_sources.append(path)
                where[path.name] = (b.file, it, p, sign)
        recalculate(moved_sources, root / "moved-out", root / "profile")
        moved: dict[str, dict[tuple[int, str, int], float]] = {b.file: {} for b in books}
        for path in moved_sources:
            file, it, p, sign = where[path.name]
            wb = openpyxl.load_workbook(root / "moved-out" / path.name, data_only=True)
            sheet, addr = split_key(by_file[file].losses[it])
            moved[file][it, p, sign] = float(wb[sheet][addr].value)
        for b in books:
            verdict = judge_without_network(b, read_back[b.file][0], moved[b.file])
            if verdict != b.no_network_exit and not (b.probes and b.no_network_exit == "any"):
                sys.exit(
                    f"{b.file}: with no network file the sheet's own derivative says {verdict}, "
                    f"the verdict says {b.no_network_exit}"
                )
        for b in books:
            shutil.copyfile(root / "out" / b.file, HERE / b.file)
            if not b.seeded:
                (HERE / b.network_file).write_text(b.net.toml(f"tests/zoo/{b.file}: {b.summary}"))
    (HERE / "verdicts.tsv").write_text(verdicts_tsv(every))
    (HERE / "loss-cells.tsv").write_text(loss_cells_tsv(every))
    print(f"wrote {len(books)} workbooks, their network files, verdicts.tsv and loss-cells.tsv into {HERE}")


if __name__ == "__main__":
    main(sys.argv[1:])
