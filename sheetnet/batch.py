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

from sheetnet.collector import quiet
from sheetnet.errors import SheetnetError
from sheetnet.outputs import one_line

EXTENSIONS = (".xlsx", ".xlsm", ".ods", ".xls")
UNREADABLE = "unreadable"
CSV_COLUMNS = (
    "file",
    "verdict",
    "table",
    "first slip cell",
    "first slip iteration",
    "quantity",
    "expected",
    "found",
    "explanation",
    "iterations done",
    "iterations asked",
    # the run's numbers the workbook writes, of which mismatch, and those it does not write: a right
    # workbook reads "3,424 written, 0 mismatched", not "3,424/4,488 found", a partial mark
    "numbers written",
    "numbers mismatched",
    "numbers not written",
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
    network: Any = None  # the class's network (`class_network`), judged against as --config's
    source: str = ""  # the line that says where `network` came from
    own_forward: bool = True  # without a network: judged against its own forward pass where it trains by formulas


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


@quiet
def judge(path: Path, options: Options) -> tuple[Any, Any, str]:
    """The check of one workbook, the reading of its network (None with --config) and the line
    that says which network it was judged against. Raises `SheetnetError` where there is nothing
    to judge (no numbers), or nothing to judge it against (no --config, no network read from it,
    not the notes')."""
    from sheetnet.book import WorkbookError, read_book, require_cached_values
    from sheetnet.check import NO_TABLE, Tolerance, check_book, starts_otherwise
    from sheetnet.check.derive import derive_handmade
    from sheetnet.infer.confirm import check_as_read

    book = read_book(path, recalc=options.recalc)
    require_cached_values(book)
    if not book.numbers():
        raise WorkbookError(f"{path}: the workbook holds no numbers: there is nothing to check")
    tolerance = Tolerance(rtol=options.rtol, atol=options.atol)
    if options.config is not None or options.network is not None:
        if options.network is not None:
            network, rates, source = options.network, list(options.lr or ()), options.source
        else:
            from sheetnet.spec import load_networks, with_overrides

            networks = with_overrides(load_networks(options.config), iters=options.iters, lrs=options.lr)
            network, rates, source = networks[0], [n.lr for n in networks], f"network: {options.config}"
        # the class's iterations are what its workbooks hold (one that holds fewer stops early): only
        # --config and --iters can ask for more than any could hold
        asked = options.network is None or options.iters is not None
        network, note = _at_most_what_fits(book, network) if asked else (network, "")
        follows, stated = starting_numbers_read(book, network, options.sheet)
        result = check_book(book, network, tolerance, sheet=options.sheet, follows=follows, rates=rates)
        if follows is not None and result.note:  # only the numbers it starts from, not the terms it forgets
            result.note = starts_otherwise(network, stated) if stated != network else ""
        earlier = result.backward_first()
        if earlier is not None:
            return earlier, None, f"{source}{note}; {BACKWARD_FIRST}"
        return result, None, f"{source}{note}"
    unchanged = options.iters is None and options.lr is None and options.rtol is None and options.atol is None
    derivation = derive_handmade(book) if options.own_forward and unchanged and options.sheet is None else None
    if derivation is not None and derivation.decided:
        first = derivation.first_mismatch
        # a parameter no forward pass reads where the first slip is: the slip may be in the forward pass
        if first is not None and (first.t in derivation.unread or derivation.chains.unread):
            earlier = _forward_slip(book, options, derivation)
            if earlier is not None:
                return earlier
        return derivation, None, OWN_FORWARD_PASS
    network, reading, line = network_of(book, options)
    if reading is None and derivation is not None:  # it trains by formulas, but not as this judge can tell
        return derivation, None, OWN_FORWARD_PASS
    if reading is not None and reading.result is not None and unchanged and options.sheet is None:
        result = reading.result
    else:
        network, note = _at_most_what_fits(book, network)
        result, line = (
            check_as_read(book, reading, network, tolerance, sheet=options.sheet, rates=options.lr),
            line + note,
        )
    if derivation is not None and not _decided_despite(result, derivation):
        through = f"the network read from it ({reading.summary()}) is read through {derivation.blocked[1].address} too"
        return derivation, None, f"{OWN_FORWARD_PASS}; {through}, so it is not judged against it"
    if reading is None and options.own_forward and result.verdict == NO_TABLE:
        raise NoNetworkGiven(
            f"{path}: no network file given, and no table in it follows {line}: give the assignment's network "
            "with --config"
        )
    return result, reading, line


BACKWARD_FIRST = (
    "an update goes wrong (judged against the derivative of its own forward pass) before any number differs "
    "from the run"
)
OWN_FORWARD_PASS = "no network file: judged against its own forward pass"


class NoNetworkGiven(SheetnetError):
    """A workbook judged without a network file that neither trains by formulas a judge can read,
    nor says its network, nor follows the notes'."""


def _decided_despite(result: Any, derivation: Any) -> bool:
    """True if `result` (against the network read from the workbook) is a verdict the cell that
    stopped the derivation (`derivation.blocked`) cannot have decided: right, or a first slip
    computed without it where no update is computed from it either. A network read through a
    formula sheetnet cannot read may be misread (a hidden neuron's activation in IFERROR is lost,
    and every number judged against the smaller network is suspect, wherever the first slip is)."""
    if derivation.blocked is None or result.exit_code == 0:
        return True
    first = result.first_mismatch
    if first is None or first.cell is None:
        return False
    f, blocked = derivation.formulas, derivation.blocked[1]
    target = (f.sheets.index(blocked.sheet), blocked.row, blocked.col)
    start = (f.sheets.index(first.cell.sheet), first.cell.row, first.cell.col)
    updates = [cell for chain in derivation.chains.links for cell in chain[1:]]
    return target not in f.behind([start, *updates], lambda p: p == target or f.computed(p))


def _forward_slip(book: Any, options: Options, derivation: Any) -> tuple[Any, Any, str] | None:
    """The check against the network read from the workbook, if it names a slip in the forward pass
    (a cell the loss is computed from) no later than the derivation's first: a backward pass that
    is not its forward pass's derivative may be right, and the forward pass wrong (w1 read twice).
    None if no network is read, or its first slip is no earlier forward cell."""
    from sheetnet.check import Tolerance
    from sheetnet.infer.confirm import check_as_read

    network, reading, line = network_of(book, options)
    if reading is None:
        return None
    result = reading.result
    if result is None:
        network, _ = _at_most_what_fits(book, network)
        tolerance = Tolerance(rtol=options.rtol, atol=options.atol)
        result = check_as_read(book, reading, network, tolerance, sheet=options.sheet)
    first, own = result.first_mismatch, derivation.first_mismatch
    if first is None or first.cell is None or own is None or first.t > own.t:
        return None
    pos = (book.sheets.index(first.cell.sheet), first.cell.row, first.cell.col)
    if pos not in derivation.forward(first.t):
        return None
    return result, reading, line + "; its forward pass is wrong before its backward pass"


def _at_most_what_fits(book: Any, network: Any) -> tuple[Any, str]:
    """`network` with no more iterations than the workbook could hold (each iteration a table holds
    writes, at least, every parameter's update and a loss), and a note saying so if it had more:
    `check --iters 1000000000` trains no further than that. A small run (`limits.CHECK_SMALL_RUN`)
    is trained whole, so that a workbook that stops early is judged against the iterations asked."""
    from sheetnet import limits

    per_iteration = sum(len(w) * len(w[0]) + len(b) for w, b in zip(network.weights, network.biases, strict=True)) + 1
    could = max(1, len(book.numbers()) // per_iteration)
    fits = max(could, limits.CHECK_SMALL_RUN // per_iteration)
    if network.iters <= fits:
        return network, ""
    note = (
        f"; {network.iters:,} iterations are more than the workbook could hold ({len(book.numbers()):,} numbers, "
        f"{per_iteration} an iteration at least): checking {fits:,}"
        + (" (a run that small is checked whole)" if fits > could else "")
    )
    return network.with_overrides(iters=fits), note


def starting_numbers_read(book: Any, network: Any, sheet: str | None) -> tuple[Any, Any]:
    """The run the workbook's numbers follow, if its formulas say it starts from other numbers than
    `network` (a starting weight, an input or a target typed wrong, or a trained parameter a forward
    formula forgets, which that pass reads as 0: `infer.confirm.forward_run`), to find and fit its
    tables on; and `network` from the numbers it starts from (the forgotten parameter as typed). Both
    None if it follows `network`'s own, or they cannot be read surely."""
    from dataclasses import replace

    from sheetnet.infer import NoNetwork, read_network
    from sheetnet.infer.confirm import forward_run, parameters_of
    from sheetnet.spec import Sample

    try:
        reading = read_network(book, sheet=sheet, confirm=False)
    except NoNetwork:
        return None, None
    v = reading.values
    if reading.how != "formulas" or reading.missing or v.get("layers") != list(network.layers):
        return None, None
    if (v["activation"], v["output_activation"]) != (network.activation, network.output_activation):
        return None, None
    if v["train_biases"] != network.train_biases or len(v["samples"]) != len(network.samples):
        return None, None
    weights, biases = parameters_of(v["init"], network.depth)
    samples = tuple(Sample(tuple(s["x"]), tuple(s["y"])) for s in v["samples"])
    stated = replace(network, weights=weights, biases=biases, samples=samples)
    follows = forward_run(reading, stated) or stated
    if follows == network:
        return None, None
    return follows, stated


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
    table = result.table
    done = table.done if table is not None else 0
    if result.network is None and table is not None:  # against its own forward pass: the iterations it holds
        done = table.held
    row: dict[str, Any] = {
        "file": str(path),
        "verdict": result.verdict,
        "exit_code": result.exit_code,
        "table": f"{table.sheet}!{table.range}"
        if table is not None and table.range
        else (table.sheet if table else ""),
        "message": result.message,
        "iterations_done": done,
        "iterations_asked": result.network.iters if result.network is not None else done,
        "found": result.count("found"),
        "written": sum(e.cell is not None for e in result.elements),
        "mismatched": len(result.mismatches),
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
    row["result"] = result_json(result)
    row["picture"] = slip_picture(result)
    if reading is not None:
        row["result"]["network_read"] = reading.to_json()
        row["network_read"] = result.network  # what it was judged against: the one read from it
    return row


def result_json(result: Any) -> dict[str, Any]:
    """A check's `--json`, with `judged` saying which judge gave it: `run` (against a network's
    run, `CheckResult`) or `derivative` (against its own forward pass, `Derivation`), in the same keys."""
    from sheetnet.check.derive import Derivation

    if isinstance(result, Derivation):
        from sheetnet.derived_view import derivation_json

        return derivation_json(result)
    return {"judged": "run"} | result.to_json()


def class_network(rows: list[dict[str, Any]], options: Options) -> tuple[Options | None, str]:
    """Without --config, the class's network: the one more than half of its workbooks train, each
    read as `init --from` reads it (`rows`, each judged against its own), with the iterations most
    of those hold. The options to judge the class against it (None if no network is shared by
    most), and the line that says so."""
    from collections import Counter
    from dataclasses import replace

    read = [r for r in rows if r["verdict"] != UNREADABLE]
    networks = [r["network_read"] for r in read if r.get("network_read") is not None]
    assignments = Counter(replace(n, iters=0) for n in networks)  # the same network, however far trained
    if not assignments:
        return None, (
            "No --config, and no network could be read from the workbooks: each is judged alone, against its own "
            "forward pass where it trains by formulas, else against the notes' network."
        )
    assignment, agreeing = assignments.most_common(1)[0]
    if len(read) < 2:  # one workbook is no class
        return None, (
            "No --config: the workbook is judged against the network read from it, from its own starting numbers; "
            "to grade an assignment, give its network with --config."
        )
    if agreeing * 2 <= len(read):
        return None, (
            f"No --config, and no network is shared by most of the workbooks (at most {agreeing} of {len(read)} "
            "train the same): each is judged alone, against its own forward pass where it trains by formulas, "
            "else against the network read from it."
        )
    iterations = Counter(n.iters for n in networks if replace(n, iters=0) == assignment)
    iters, held = max(iterations.items(), key=lambda kv: (kv[1], kv[0]))  # a tie: the more iterations
    network = replace(assignment, iters=iters)
    source = (
        f"the class's network, as {agreeing} of {len(read)} workbooks train it: {network.shape_text} "
        f"{network.activation}, η {network.lr:g}, {iters} iteration{'s' * (iters != 1)}"
        + (f" (as {held} of them hold)" if held < agreeing else "")
    )
    line = (
        f"No --config: {source}; every workbook is judged against it (to grade, give the assignment's with --config)."
    )
    return replace(options, network=network, source=source), line


def judged_again(row: dict[str, Any], options: Options) -> bool:
    """True if a workbook's check against its own network is not its check against the class's."""
    return row["verdict"] != UNREADABLE and row.get("network_read") != options.network


def as_judged_by(row: dict[str, Any], options: Options) -> dict[str, Any]:
    """A workbook judged against its own network, which is the class's: said so."""
    return dict(row, network=options.source, read="")


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
    """2 if any file could not be read or judged, else 1 if any is not right, else 0."""
    if any(r["verdict"] == UNREADABLE or r["exit_code"] == 2 for r in rows):
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
            slip.get("iteration", ""),
            slip.get("quantity", ""),
            _csv_number(slip.get("expected")),
            _csv_number(slip.get("found")),
            slip.get("explanation", "") or r.get("error", "") or r.get("message", ""),
            r.get("iterations_done", ""),
            r.get("iterations_asked", ""),
            r.get("written", ""),
            r.get("mismatched", ""),
            r["total"] - r["written"] if "written" in r else "",
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
