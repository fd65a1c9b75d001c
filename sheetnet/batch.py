"""`sheetnet check FILE… / FOLDER`: a class's workbooks, checked in parallel, one line each.

Each workbook is checked in a worker process (`check_file`), which never raises: a file that
cannot be read becomes a row with its error. The rows are what `--csv` writes and `--json` prints.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sheetnet.errors import SheetnetError
from sheetnet.outputs import one_line

EXTENSIONS = (".xlsx", ".xlsm", ".ods", ".xls")
UNREADABLE = "unreadable"
CSV_COLUMNS = (
    "file",
    "verdict",
    "table",
    "first slip cell",
    "quantity",
    "expected",
    "found",
    "explanation",
    "numbers found",
    "numbers of the run",
    "network",
    "tables",
)


@dataclass(frozen=True)
class Options:
    """What every workbook is checked with (picklable, for the worker processes)."""

    config: Path | None = None
    iters: int | None = None
    lr: tuple[float, ...] | None = None  # --lr: the η every one of which a table must train
    rtol: float | None = None
    atol: float | None = None
    sheet: str | None = None
    recalc: bool = False


def workbooks(arguments: Iterable[Path]) -> list[Path]:
    """The files to check: each FILE as given, and a FOLDER's workbooks (not its subfolders'), sorted.

    A FOLDER's files whose names start with `~$` or `.~lock` (what Excel and LibreOffice leave
    while a file is open) are not workbooks.
    """
    out: list[Path] = []
    for path in arguments:
        try:
            folder = path.is_dir()
        except OSError as exc:  # a name longer than the system allows, say
            raise SheetnetError(f"cannot use {path}: {exc.strerror or exc}") from None
        if folder:
            try:
                inside = sorted(p for p in path.iterdir() if p.suffix.lower() in EXTENSIONS and p.is_file())
            except OSError as exc:
                raise SheetnetError(f"cannot list the folder {path}: {exc.strerror or exc}") from None
            inside = [p for p in inside if not p.name.startswith(("~$", ".~lock"))]
            if not inside:
                raise SheetnetError(f"the folder {path} holds no workbook ({', '.join(EXTENSIONS)})")
            out += inside
        else:
            out.append(path)
    seen: set[Path] = set()
    return [p for p in out if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]


def check_file(path: Path, options: Options) -> dict[str, Any]:
    """One workbook's row: its verdict, first slip and counts; or why it could not be read."""
    try:
        return _check(path, options)
    except SheetnetError as exc:
        return {"file": str(path), "verdict": UNREADABLE, "exit_code": 2, "error": str(exc)}
    except Exception as exc:  # a bug in sheetnet on one file must not stop the others
        return {
            "file": str(path),
            "verdict": UNREADABLE,
            "exit_code": 3,
            "error": f"internal error: {type(exc).__name__}: {exc}",
        }


def judge(path: Path, options: Options) -> tuple[Any, Any, str]:
    """The check of one workbook, the reading of its network (None with --config) and the line
    that says which network it was judged against."""
    from sheetnet.book import read_book, require_cached_values
    from sheetnet.check import Tolerance, check_book

    book = read_book(path, recalc=options.recalc)
    require_cached_values(book)
    tolerance = Tolerance(rtol=options.rtol, atol=options.atol)
    if options.config is not None:
        from sheetnet.spec import load_networks, with_overrides

        networks = with_overrides(load_networks(options.config), iters=options.iters, lrs=options.lr)
        network, rates = networks[0], [n.lr for n in networks]
        network, note = _at_most_what_fits(book, network)
        follows = starting_numbers_read(book, network, options.sheet)
        result = check_book(book, network, tolerance, sheet=options.sheet, follows=follows, rates=rates)
        return result, None, f"network: {options.config}{note}"
    network, reading, line = network_of(book, options)
    unchanged = options.iters is None and options.lr is None and options.rtol is None and options.atol is None
    if reading is not None and reading.result is not None and unchanged and options.sheet is None:
        return reading.result, reading, line
    network, note = _at_most_what_fits(book, network)
    return check_book(book, network, tolerance, sheet=options.sheet, rates=options.lr), reading, line + note


def _at_most_what_fits(book: Any, network: Any) -> tuple[Any, str]:
    """`network` with no more iterations than the workbook could hold (each iteration a table holds
    writes, at least, every parameter's update and a loss), and a note saying so if it had more:
    `check --iters 1000000000` trains no further than that."""
    per_iteration = sum(len(w) * len(w[0]) + len(b) for w, b in zip(network.weights, network.biases, strict=True)) + 1
    fits = max(1, len(book.numbers()) // per_iteration)
    if network.iters <= fits:
        return network, ""
    note = (
        f"; {network.iters:,} iterations are more than the workbook could hold ({len(book.numbers()):,} numbers, "
        f"{per_iteration} an iteration at least): checking {fits:,}"
    )
    return network.with_overrides(iters=fits), note


def starting_numbers_read(book: Any, network: Any, sheet: str | None) -> Any:
    """`network` starting from the numbers the workbook starts from, if its formulas say they are
    others (a starting weight, an input or a target typed wrong): the run the workbook's numbers
    follow, to find and fit its tables on. None if they are the same, or cannot be read surely."""
    from dataclasses import replace

    from sheetnet.infer import NoNetwork, read_network
    from sheetnet.spec import Sample

    try:
        reading = read_network(book, sheet=sheet, confirm=False)
    except NoNetwork:
        return None
    v = reading.values
    if reading.how != "formulas" or reading.missing or v.get("layers") != list(network.layers):
        return None
    if (v["activation"], v["output_activation"]) != (network.activation, network.output_activation):
        return None
    if v["train_biases"] != network.train_biases or len(v["samples"]) != len(network.samples):
        return None
    depth = network.depth
    starts = {
        "weights": tuple(tuple(map(tuple, v["init"][f"W{l}"])) for l in range(1, depth + 1)),
        "biases": tuple(tuple(v["init"][f"B{l}"]) for l in range(1, depth + 1)),
        "samples": tuple(Sample(tuple(s["x"]), tuple(s["y"])) for s in v["samples"]),
    }
    if all(starts[k] == getattr(network, k) for k in starts):
        return None
    return replace(network, **starts)


def network_of(book: Any, options: Options) -> tuple[Any, Any, str]:
    """The network a workbook is judged against without --config: the one read from it, else the notes'."""
    from sheetnet.infer import NoNetwork, read_network
    from sheetnet.spec import default_network

    try:
        reading = read_network(book, sheet=options.sheet)
    except NoNetwork as exc:
        reading, why = None, str(exc).split(":", 1)[-1].split(";")[0].strip()
    else:
        why = (
            "; ".join(reading.missing.values())
            if reading.missing
            else "the run it defines is not in the workbook"
            if not reading.total and not (book.exercise and reading.how == "the Setup sheet")
            else ""  # an exercise's Setup says its network even before a single answer is typed
        )
    lr = options.lr[0] if options.lr else None
    if reading is not None and not why:
        network = reading.network().with_overrides(iters=options.iters, lr=lr)
        line = f"network read from the workbook: {reading.summary()}; `sheetnet init --from {book.path}` writes it out"
        return network, reading, line
    network = default_network().with_overrides(iters=options.iters, lr=lr)
    return network, None, f"the notes' {network.shape_text} network (none read from the workbook: {why})"


def _check(path: Path, options: Options) -> dict[str, Any]:
    return row_of(path, *judge(path, options))


def row_of(path: Path, result: Any, reading: Any, line: str) -> dict[str, Any]:
    """One workbook's row, from its check (`judge`)."""
    from sheetnet.around import slip_picture

    first = result.first_mismatch
    table = next((t for t in result.tables if first is None or t.sheet == first.cell.sheet), None)
    if result.exit_code == 0:
        verdict = "right"
    elif first is not None:
        verdict = "wrong"
    elif result.message:
        verdict = "other η" if result.tables else "no table"
    else:
        verdict = next((t.verdict for t in result.tables if t.verdict != "right"), "wrong")
    row: dict[str, Any] = {
        "file": str(path),
        "verdict": verdict,
        "exit_code": result.exit_code,
        "table": f"{table.sheet}!{table.range}"
        if table is not None and table.range
        else (table.sheet if table else ""),
        "message": result.message,
        "found": result.count("found"),
        "total": len(result.elements),
        "network": line,
        "tables": "; ".join(
            f"{t.sheet} {t.verdict}" + (f" (η {t.eta:g})" if len(result.tables) > 1 else "") for t in result.tables
        ),
        "read": reading.summary(sheet=False) if reading is not None else "",
    }
    if first is not None:
        row["first_slip"] = {
            "cell": first.cell.address,
            "iteration": first.t,
            "quantity": first.name,
            "expected": first.expected,
            "found": first.found,
            "explanation": first.explanation or "",
        }
    row["result"] = result.to_json()
    row["iterations"] = {"done": table.iterations if table is not None else 0, "asked": result.network.iters}
    row["picture"] = slip_picture(result)
    if reading is not None:
        row["result"]["network_read"] = reading.to_json()
    return row


def run_all(
    paths: list[Path],
    options: Options,
    *,
    jobs: int,
    done: Callable[[dict[str, Any]], None],
) -> list[dict[str, Any]]:
    """Check every path, `jobs` at a time; `done` is called with each row as it finishes. The rows
    come back in the order of `paths`."""
    rows: dict[int, dict[str, Any]] = {}
    if jobs <= 1 or len(paths) == 1:
        for i, path in enumerate(paths):
            rows[i] = check_file(path, options)
            done(rows[i])
        return [rows[i] for i in range(len(paths))]
    with ProcessPoolExecutor(max_workers=min(jobs, len(paths)), initializer=_unwind_on_sigterm) as pool:
        pending: dict[Future[dict[str, Any]], int] = {
            pool.submit(check_file, path, options): i for i, path in enumerate(paths)
        }
        with _workers_stopped_with(pool):
            _collect(pending, paths, rows, done)
    return [rows[i] for i in range(len(paths))]


def _collect(
    pending: dict[Future[dict[str, Any]], int],
    paths: list[Path],
    rows: dict[int, dict[str, Any]],
    done: Callable[[dict[str, Any]], None],
) -> None:
    """Each worker's row as it finishes, into `rows`; a worker that died is a row that says so."""
    while pending:
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            i = pending.pop(future)
            try:
                rows[i] = future.result()
            except Exception as exc:  # a worker that died (out of memory, killed)
                rows[i] = {
                    "file": str(paths[i]),
                    "verdict": UNREADABLE,
                    "exit_code": 3,
                    "error": f"the worker checking it stopped: {type(exc).__name__}: {exc}",
                }
            done(rows[i])


def _unwind_on_sigterm() -> None:
    """In a worker: SIGTERM unwinds it (its `finally` blocks end the LibreOffice it may have
    started) instead of killing it outright."""

    def stop(number: int, frame: object) -> None:
        raise SystemExit(128 + number)

    signal.signal(signal.SIGTERM, stop)


@contextlib.contextmanager
def _workers_stopped_with(pool: ProcessPoolExecutor) -> Iterator[None]:
    """If sheetnet is stopped (Ctrl-C, SIGTERM) while workers run, stop them too, each through
    SIGTERM, so that none goes on checking (or recalculating in LibreOffice) after sheetnet."""
    try:
        yield
    except BaseException:
        workers = list(getattr(pool, "_processes", None) or {})  # pids; no public way before 3.14
        for pid in workers:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)
        pool.shutdown(wait=True, cancel_futures=True)
        raise


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def exit_code(rows: list[dict[str, Any]]) -> int:
    """2 if any file could not be read, else 1 if any is not right, else 0."""
    if any(r["verdict"] == UNREADABLE for r in rows):
        return 2
    return 1 if any(r["exit_code"] != 0 for r in rows) else 0


def csv_rows(rows: list[dict[str, Any]]) -> Iterator[list[Any]]:
    yield list(CSV_COLUMNS)
    for r in rows:
        slip = r.get("first_slip") or {}
        yield [
            r["file"],
            r["verdict"],
            r.get("table", ""),
            slip.get("cell", ""),
            slip.get("quantity", ""),
            _csv_number(slip.get("expected")),
            _csv_number(slip.get("found")),
            slip.get("explanation", "") or r.get("error", "") or r.get("message", ""),
            r.get("found", ""),
            r.get("total", ""),
            r.get("network", ""),
            r.get("tables", ""),
        ]


def _csv_number(value: Any) -> Any:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else value


def csv_text(rows: list[dict[str, Any]]) -> str:
    """The class table as CSV, with a byte-order mark so that Excel reads it as UTF-8 (∂, η); a
    text (a file's or a sheet's name, an explanation) on one line, its control characters escaped."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\n")
    for row in csv_rows(rows):
        writer.writerow([one_line(field) if isinstance(field, str) else field for field in row])
    return out.getvalue()
