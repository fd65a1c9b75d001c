"""The command line: parse options, make one library call, print. Errors become exit code 2."""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import math
import os
import re
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sheetnet import __version__, collector, limits
from sheetnet.errors import SheetnetError
from sheetnet.outputs import one_line, write_text

if TYPE_CHECKING:
    from sheetnet.spec import Network
    from sheetnet.trace import Trace

DEFAULT_OUT = Path("workbooks") / "sheetnet.xlsx"
DEFAULT_EXERCISE_OUT = Path("workbooks") / "exercise.xlsx"
SHOW_ALL_UP_TO = 10  # a longer run prints the tables of its first HEAD and last TAIL iterations
HEAD, TAIL = 3, 2
DEFAULT_CONFIG = Path("network.toml")


# Exit codes. `diff` and `check` use 1 for "different"/"mismatch", as diff(1) does, so an
# internal error (a bug in sheetnet) gets a code of its own.
EXIT_TROUBLE = 2
EXIT_INTERNAL = 3


def _fail(message: str) -> None:
    click.echo(f"sheetnet: error: {one_line(message)}", err=True)
    sys.exit(EXIT_TROUBLE)


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C, so a half-written workbook is removed."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number
        self.name = signal.Signals(number).name


def _stop_cleanly_on(*names: str) -> None:
    def stop(number: int, frame: object) -> None:
        raise Terminated(number)

    for name in names:
        sig = getattr(signal, name, None)  # SIGHUP does not exist on Windows
        if sig is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread
                signal.signal(sig, stop)


_WRITE_REFUSED = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS}  # errors only a write gets


def _silence_stdout() -> None:
    """Point stdout at /dev/null: what is left in its buffer would fail again as Python exits."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a user's mistake into one line and exit 2; an internal error into one line and exit 3."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _stop_cleanly_on("SIGTERM", "SIGHUP")
        try:
            return command(*args, **kwargs)
        except SheetnetError as exc:
            _fail(str(exc))
        except Terminated as exc:
            click.echo(f"sheetnet: stopped by {exc.name}; no file was changed", err=True)
            sys.exit(128 + exc.number)
        except KeyboardInterrupt:
            click.echo("sheetnet: interrupted; no file was changed", err=True)
            sys.exit(130)
        except Exception as exc:
            if isinstance(exc, OSError) and exc.errno in _WRITE_REFUSED:  # stdout on a full disk, say
                _silence_stdout()
                _fail(f"cannot write the output: {exc.strerror or exc}")
            if click.get_current_context().find_root().params.get("debug"):
                raise
            click.echo(
                f"sheetnet: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper


@contextlib.contextmanager
def _progress(*, enabled: bool, total: int) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr while the run computes and writes; nothing if stderr is no terminal."""
    from rich.console import Console

    console = Console(stderr=True, emoji=False)
    if not enabled or not console.is_terminal or total < PROGRESS_FROM:
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("training and writing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("run", total=total)
        yield lambda: progress.advance(task)


PROGRESS_FROM = 20  # steps: shorter runs finish before a bar would be seen


class _LearningRates(click.ParamType):
    """η, or several separated by commas (`0.1,0.5,1`): each a finite number greater than 0, none twice."""

    name = "η[,η…]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[float, ...]:
        if isinstance(value, tuple):
            return value
        try:
            rates = tuple(float(part) for part in str(value).split(","))
        except ValueError:
            what = "a number" if "," not in str(value) else "a list of numbers"
            self.fail(f"{value!r} is not {what} (give η, or several separated by commas: 0.1,0.5,1)", param, ctx)
        for lr in rates:
            if not math.isfinite(lr) or lr <= 0:
                self.fail(f"must be a finite number greater than 0, got {lr}", param, ctx)
        if len(rates) > limits.RATES:
            self.fail(f"{len(rates):,} learning rates; sheetnet compares at most {limits.RATES}", param, ctx)
        if len(set(rates)) < len(rates):
            twice = next(lr for i, lr in enumerate(rates) if lr in rates[:i])
            self.fail(f"{value!r} gives {twice:g} twice", param, ctx)
        return rates


class _Commands(click.Group):
    """The `sheetnet` group: click's own errors (a bad option value, a missing argument) as one
    line, like every other error, and the `--help` hint on a second."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:  # `sheetnet` alone: its help
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
            sys.exit(0)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "sheetnet"
            click.echo(f"{where}: {one_line(_usage_message(exc))}", err=True)
            click.echo(f"Try '{where} --help'.", err=True)
            sys.exit(EXIT_TROUBLE)
        except click.ClickException as exc:
            click.echo(f"sheetnet: error: {one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("sheetnet: interrupted; no file was changed", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


_CLICK_WORDS = {
    "is not a valid float": "is not a number",
    "is not a valid integer": "is not a whole number",
    "is not a valid range": "is not a number",
}


def _usage_message(exc: click.UsageError) -> str:
    """`--lr: 'abc' is not a number` from click's `Invalid value for '--lr': 'abc' is not a valid float.`"""
    if isinstance(exc, click.MissingParameter) or not exc.message:
        return exc.format_message().rstrip(".")
    message = exc.message.rstrip(".")
    for said, meant in _CLICK_WORDS.items():
        message = message.replace(said, meant)
    message = re.sub(r"is not in the range x>=(\S+)", r"must be at least \1", message)
    param = getattr(exc, "param", None)
    if isinstance(exc, click.BadParameter) and param is not None:
        name = param.opts[0] if param.opts and param.opts[0].startswith("-") else param.human_readable_name
        return f"{name}: {message}"
    return message


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sheetnet")
@click.option("--debug", is_flag=True, help="Show the full traceback of an internal error.")
def main(debug: bool) -> None:
    """Train a small neural network step by step, print every iteration, and write it as an
    Excel workbook of live formulas.

    \b
    Example:
      sheetnet run --iters 3 --lr 0.01
    """


def _network_options(config_help: str) -> Callable[[Callable[..., Any]], Any]:
    """--config, --iters and --lr, as `run` and `check` take them."""

    options = [
        click.option("--config", "config", type=click.Path(path_type=Path), help=config_help),
        click.option("--iters", type=click.IntRange(min=1), help="Number of iterations (overrides the file)."),
        click.option(
            "--lr",
            type=_LearningRates(),
            metavar="η[,η…]",
            help="Learning rate η, or several separated by commas (0.1,0.5,1): run trains once per η, check wants "
            "a table for each (overrides the file).",
        ),
    ]

    def apply(command: Callable[..., Any]) -> Any:
        for option in reversed(options):  # click lists options in decorator order, top first
            command = option(command)
        return command

    return apply


def _networks(config: Path | None, iters: int | None, lrs: tuple[float, ...] | None) -> tuple[Network, ...]:
    """The networks of --config (the notes' network without it), one per η of the file or of
    --lr, with --iters applied."""
    from sheetnet.spec import default_network, load_networks, with_overrides

    networks = load_networks(config) if config is not None else (default_network(),)
    return with_overrides(networks, iters=iters, lrs=lrs)


_recalc_option = click.option(
    "--recalc",
    is_flag=True,
    help="Recalculate the workbook(s) in LibreOffice (headless) before reading: needed for files "
    "whose formulas have no saved results.",
)


@main.command()
@_network_options("Network file (TOML). Default: the notes' 1-2-2-1 ReLU network.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help=f"Where to write the workbook (the folder is created). Default: {DEFAULT_OUT}, "
    f"or {DEFAULT_EXERCISE_OUT} with --exercise.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the whole trace as JSON on stdout instead of tables.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the path of the workbook.")
@click.option(
    "--digits",
    type=click.IntRange(min=1, max=17),
    default=6,
    show_default=True,
    help="Significant digits in the terminal tables (the workbook and --json keep full precision).",
)
@click.option("--force", is_flag=True, help="Replace --out even if sheetnet did not write it.")
@click.option(
    "--layout",
    type=click.Choice(["blocks", "rows"]),
    help="blocks: a sheet per iteration, like the notes; rows: a row per iteration, like most homework. "
    "Default: blocks up to 20 iterations, rows above.",
)
@click.option(
    "--all-iterations",
    is_flag=True,
    help="Print the tables of every iteration (a run of more than 10 prints the first 3 and the last 2).",
)
@click.option(
    "--exercise",
    type=click.Choice(["all", "backward", "update"]),
    is_flag=False,
    flag_value="all",
    help="Write an exercise sheet: the computed cells of this part left empty for a student, with a "
    "self-check (✓/✗) beside each. all (the default): everything after the parameters of iteration 0; "
    "backward: the forward pass given; update: the gradients given too.",
)
@click.option(
    "--no-key",
    is_flag=True,
    help="With --exercise: no key and no self-check in the workbook (a sheet to grade with sheetnet check).",
)
@handle_errors
def run(
    config: Path | None,
    iters: int | None,
    lr: tuple[float, ...] | None,
    out: Path | None,
    as_json: bool,
    quiet: bool,
    digits: int,
    force: bool,
    layout: str | None,
    all_iterations: bool,
    exercise: str | None,
    no_key: bool,
) -> None:
    """Train the network, print its iterations as tables and write the workbook.

    A run of more than 10 iterations prints the first 3 and the last 2, and a loss summary.

    Every number in the workbook is a formula over the cells it depends on: change η or an
    initial weight on its Setup sheet and the whole training recomputes.

    \b
    Examples:
      sheetnet run --iters 3 --lr 0.01
      sheetnet run --config examples/xor.toml --digits 4
      sheetnet run --config network.toml --out homework.xlsx
      sheetnet run --config examples/xor.toml --iters 1000     # rows layout, progress bar
      sheetnet run --json | jq '.iterations[-1].loss'
      sheetnet run --config examples/mazur-2-2-2.toml --lr 0.1,0.5,1,2 --iters 50   # compare η
      sheetnet run --exercise backward --out exercise.xlsx
    """
    from sheetnet.trace import Run
    from sheetnet.workbook import BLOCKS, default_layout, progress_steps, write_workbook

    collector.resume()  # what the command needs is imported (sheetnet.collector)

    if no_key and exercise is None:
        raise SheetnetError("--no-key goes with --exercise (it leaves the key out of an exercise sheet)")
    if exercise is not None and layout not in (None, BLOCKS):
        raise SheetnetError("--exercise writes a sheet per iteration (blocks): leave out --layout rows")
    networks = _networks(config, iters, lr)
    if exercise is not None:
        if len(networks) > 1:
            raise SheetnetError("--exercise takes one η: an exercise sheet is one run")
        _run_exercise(
            networks[0],
            exercise,
            key=not no_key,
            out=out or DEFAULT_EXERCISE_OUT,
            force=force,
            quiet=quiet,
            as_json=as_json,
        )
        return
    out = out or DEFAULT_OUT
    if len(networks) > 1:
        if all_iterations:
            raise SheetnetError(
                "--all-iterations prints the tables of one run; with several η the terminal compares their "
                "losses (give one η to see its tables)"
            )
        _run_rates(networks, out, as_json=as_json, quiet=quiet, digits=digits, force=force, layout=layout)
        return
    (network,) = networks
    layout = layout or default_layout(network)
    n = network.iters
    show_all = all_iterations or n <= SHOW_ALL_UP_TO
    if as_json or show_all or layout == BLOCKS:
        training = Run(network)
    else:  # keep what the terminal shows; the workbook is written as the iterations come
        training = Run(network, keep=lambda t: t < HEAD or t >= n - TAIL)
    # write_workbook checks the output (Excel's limits, --out) before it trains
    with _progress(enabled=not (quiet or as_json), total=progress_steps(network, layout)) as advance:
        written = write_workbook(training, out, force=force, layout=layout, progress=advance)
    trace = training.trace()

    def tables(console: Any) -> None:
        from sheetnet.render import print_run

        print_run(console, trace, digits, show_all=show_all, head=HEAD, tail=TAIL)

    _report(written, trace.to_json() if as_json else None, tables, quiet=quiet)
    _warn_overflow(trace)
    _warn_dead_relus(trace)


def _warn_overflow(trace: Trace, which: str = "") -> None:
    """On stderr: the first number of the run that stopped being finite, and why (`which`: the
    η of one of several runs)."""
    overflow = trace.first_non_finite()
    if overflow is not None:
        t, name = overflow
        click.echo(
            f"sheetnet: warning: {which}{name} stopped being a finite number in iteration {t} "
            f"({trace.overflow_cause()}); such cells show #NUM! in the workbook",
            err=True,
        )


def _warn_dead_relus(trace: Trace, which: str = "") -> None:
    """On stderr: the ReLUs that died (S ≤ 0 for every sample from some iteration to the last), and
    from which iteration, grouped by that iteration."""
    dead = trace.dead_relus()
    if not dead:
        return
    by_start: dict[int, list[str]] = {}
    for name, t in dead:
        by_start.setdefault(t, []).append(name)
    when = "; ".join(f"{', '.join(names)} from iteration {t}" for t, names in sorted(by_start.items()))
    click.echo(
        f"sheetnet: warning: {which}ReLUs died: {when} on, S ≤ 0 for every sample to the last iteration, so "
        "f'(S) = 0 and the weights and biases before them stop learning (η too large, or the initial weights?)",
        err=True,
    )


def _report(written: Path, data: Any, tables: Callable[[Any], None], *, quiet: bool) -> None:
    """What `run` prints: `data` as JSON (--json, the path on stderr), the path alone (--quiet), or
    the tables `tables(console)` prints and the path."""
    if data is not None:
        click.echo(json.dumps(data, ensure_ascii=False, allow_nan=False))
        if not quiet:
            click.echo(f"Workbook written to {written}", err=True)
    elif quiet:
        click.echo(str(written))
    else:
        from rich.console import Console

        console = Console(highlight=False, emoji=False)
        tables(console)
        from rich.text import Text

        # the path whole, never folded at the terminal's width: it is copied from here
        console.print(Text.assemble("Workbook written to ", (str(written), "bold")), soft_wrap=True)


def _run_exercise(
    network: Network, part: str, *, key: bool, out: Path, force: bool, quiet: bool, as_json: bool
) -> None:
    """`run --exercise`: write the exercise sheet and say what it holds; the tables, being the
    answers, are not printed (`--json` still prints the whole run, for a teacher's scripts)."""
    from sheetnet.exercise import Exercise, answer_count
    from sheetnet.trace import run as train
    from sheetnet.workbook import BLOCKS, write_workbook

    exercise = Exercise(part, key)
    trace = train(network)
    written = write_workbook(trace, out, force=force, layout=BLOCKS, exercise=exercise)
    if as_json:
        click.echo(json.dumps(trace.to_json(), ensure_ascii=False, allow_nan=False))
    if quiet or as_json:
        click.echo(str(written), err=as_json)
        return
    answers = answer_count(trace, part)
    sheets = f"{network.iters} iteration sheet{'s' if network.iters > 1 else ''}"
    click.echo(f"Exercise written to {written}: {answers} answer cells on {sheets}; part {exercise.description}.")
    if key:
        click.echo("Beside each answer a self-check shows ✓ or ✗; the key is the sheet Key: hidden, not secret.")
    else:
        click.echo("No key in the workbook: grade a filled copy with `sheetnet check FILLED.xlsx`.")


def _run_rates(
    networks: tuple[Network, ...],
    out: Path,
    *,
    as_json: bool,
    quiet: bool,
    digits: int,
    force: bool,
    layout: str | None,
) -> None:
    """`run` with several η: the same network trained once per η into one workbook (a rows sheet
    per η and a Summary comparing them); the terminal prints the comparison, not every table."""
    from sheetnet.trace import Run, compared_json
    from sheetnet.workbook import BLOCKS, write_rates_workbook

    if layout == BLOCKS:
        raise SheetnetError(
            "--layout blocks writes a sheet per iteration; several η are written in the rows layout, "
            "a sheet per η: leave out --layout blocks, or give one η"
        )
    # the workbook is written as each η trains; the terminal needs only the losses (--json, every value)
    trainings = [Run(n) if as_json else Run(n, keep=lambda t: False) for n in networks]
    with _progress(enabled=not (quiet or as_json), total=sum(n.iters for n in networks)) as advance:
        written = write_rates_workbook(trainings, out, force=force, progress=advance)
    traces = [t.trace() for t in trainings]

    def tables(console: Any) -> None:
        from sheetnet.render import print_rates

        print_rates(console, traces, digits)

    _report(written, compared_json(traces) if as_json else None, tables, quiet=quiet)
    for trace in traces:
        _warn_overflow(trace, f"η = {trace.network.lr:g}: ")
        _warn_dead_relus(trace, f"η = {trace.network.lr:g}: ")


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=DEFAULT_CONFIG)
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@click.option(
    "--from",
    "source",
    type=click.Path(path_type=Path),
    metavar="WORKBOOK",
    help="Read the network from this workbook (its formulas, else its labels) instead of writing the default.",
)
@click.option("--sheet", metavar="NAME", help="With --from: the sheet whose table to read (default: the first).")
@_recalc_option
@handle_errors
def init(path: Path, force: bool, source: Path | None, sheet: str | None, recalc: bool) -> None:
    """Write a network file (TOML): the default network (the notes' 1-2-2-1 ReLU network), or the
    one a workbook trains (--from).

    With --from, the network is read from the workbook's own formulas (an update
    `=E33-$H$31*X33` names a parameter, η and its gradient; a pre-activation's sum of products
    names which weight joins which cell to which neuron), else from its labels (i1 t1 w1 … η)
    and the numbers of its first iteration. Each value's comment names the cells it came from.
    It is only written if the run it defines is found in the workbook. What cannot be read is
    written as a marked placeholder, and the exit code is 2.

    \b
    Examples:
      sheetnet init my-network.toml
      sheetnet init --from homework.xlsx network.toml
      sheetnet init --from rates.xlsx --sheet LR_0.5 rates.toml
      sheetnet run --config my-network.toml
    """
    if sheet is not None and source is None:
        raise click.UsageError("--sheet needs --from WORKBOOK")
    from sheetnet.outputs import check_extension, check_target

    collector.resume()  # what the command needs is imported (sheetnet.collector)

    if source is not None and path.exists() and source.exists() and path.resolve() == source.resolve():
        raise SheetnetError(f"{path} is the workbook read from; give the network file another name (not even --force)")
    check_target(path, force, what="network file")
    check_extension(path, (".toml",), "network file")
    if source is None:
        from sheetnet.spec import DEFAULT_TOML

        write_text(path, DEFAULT_TOML)
        click.echo(f"Wrote {path}. Edit it, then run: sheetnet run --config {path}")
        return
    _init_from(source, path, sheet=sheet, recalc=recalc)


def _init_from(source: Path, path: Path, *, sheet: str | None, recalc: bool) -> None:
    from rich.console import Console
    from rich.markup import escape

    from sheetnet.book import read_book, require_cached_values
    from sheetnet.infer import read_network

    book = read_book(source, recalc=recalc)
    require_cached_values(book)
    reading = read_network(book, sheet=sheet)
    console = Console(highlight=False, emoji=False)
    console.print(f"[bold]{escape(str(source))}[/bold] · {escape(reading.summary())}")
    for line in reading.toml(source=source.name).splitlines():
        if line and not line.startswith("#"):
            console.print("  " + escape(line))
    console.print(escape(reading.certainty()))
    for note in reading.notes:
        console.print(f"[yellow]Note:[/yellow] {escape(note)}")
    if reading.others:
        listed = "; ".join(
            f"{o.sheet} (η {o.values['lr']:g}{', ' + o.eta_cell if o.eta_cell else ''})"
            if isinstance(o.values.get("lr"), float | int)
            else o.sheet
            for o in reading.others
        )
        console.print(f"Other tables: {escape(listed)}; read one with --sheet NAME")
    if reading.complete and not reading.total:
        raise SheetnetError(
            f"not writing {path}: the run of the network read from {source} is not in the workbook "
            "(iteration 0's forward pass is nowhere in it); write the network file by hand (sheetnet init)"
        )
    write_text(path, reading.toml(source=source.name))
    if reading.missing:
        raise SheetnetError(
            f"wrote {path} with placeholders: {', '.join(reading.missing)} could not be read from {source}; "
            "type them in before using it"
        )
    again = " --recalc" if recalc else ""
    console.print(
        f"Wrote [bold]{escape(str(path))}[/bold]. Check the workbook against it: "
        f"sheetnet check {escape(str(source))} --config {escape(str(path))}{again}"
    )


class _Tolerance(click.ParamType):
    """A tolerance: a finite number, zero or more (nan would make every comparison false)."""

    name = "float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number) or number < 0:
            self.fail(f"{value!r} is not a finite number of 0 or more", param, ctx)
        return number


def _tolerance_option(name: str, default: float | None, text: str) -> Callable[[Callable[..., Any]], Any]:
    return click.option(
        name,
        type=_Tolerance(),
        default=default,
        show_default=default is not None,
        help=text,
    )


@main.command()
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@_tolerance_option("--rtol", 1e-9, "Relative tolerance for numbers.")
@_tolerance_option("--atol", 1e-12, "Absolute tolerance for numbers.")
@click.option(
    "--formulas",
    is_flag=True,
    help="Also compare formulas, by the cells they point at ($A$1 and A1 are one): formula changes come first, "
    "grouped as they were filled, and the values that follow from them are counted.",
)
@click.option(
    "--max",
    "limit",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Rows of each list to show (ranges of formula changes, values).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@_recalc_option
@handle_errors
def diff(a: Path, b: Path, rtol: float, atol: float, formulas: bool, limit: int, as_json: bool, recalc: bool) -> None:
    """Compare two workbooks cell by cell, sheets matched by name.

    Numbers are equal within --rtol/--atol, text exactly. With --formulas, the cause comes first:
    each formula change (a formula filled down a column is one), then the values no formula change
    explains, then how many values follow from the changes. Exit code 0 when the workbooks are
    equal, 1 when they differ, 2 when one cannot be read.

    \b
    Examples:
      sheetnet diff run-a.xlsx run-b.xlsx
      sheetnet diff solution.xlsx homework.xlsx --formulas --max 50
      sheetnet diff a.xlsx b.xlsx --json | jq '.differences | length'
    """
    from sheetnet.book import read_book, require_cached_values
    from sheetnet.diff import diff_books

    collector.resume()  # what the command needs is imported (sheetnet.collector)

    book_a, book_b = read_book(a, recalc=recalc), read_book(b, recalc=recalc)
    for book in (book_a, book_b):
        require_cached_values(book)
    result = diff_books(book_a, book_b, rtol=rtol, atol=atol, formulas=formulas)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        from rich.console import Console

        from sheetnet.diff_view import print_diff

        print_diff(Console(highlight=False, emoji=False), result, limit)
    from sheetnet import checking  # here, not above: `run` needs none of it

    checking.warn_uncached(book_a, book_b)
    sys.exit(0 if result.equal else 1)


@main.command()
@_network_options("Network file (TOML). Default: the notes' 1-2-2-1 ReLU network.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "tex"]),
    help="md: Markdown with $…$ math; html: one page, MathML and a diagram; tex: LaTeX for pdflatex. "
    "Default: from --out's extension, else md.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Write the solution to this file (the folder is created). Default: print it.",
)
@click.option(
    "--iterations",
    metavar="LIST",
    help="The iterations worked in full, e.g. 0,1,2,99 or 0-2,99 (counted from 0); a table gives the loss "
    "of every iteration (of every k-th in a run over 100). Default: all of a run of up to 10, else the first 3 "
    "and the last.",
)
@click.option(
    "--digits",
    type=click.IntRange(min=1, max=17),
    default=6,
    show_default=True,
    help="Significant digits of the numbers.",
)
@click.option("--force", is_flag=True, help="Replace --out even if sheetnet did not write it.")
@handle_errors
def solve(
    config: Path | None,
    iters: int | None,
    lr: tuple[float, ...] | None,
    fmt: str | None,
    out: Path | None,
    iterations: str | None,
    digits: int,
    force: bool,
) -> None:
    """Write the run as a worked solution, the way the notes are written: each step as its
    equation, the equation with the numbers put in, and the result.

    For every iteration worked in full, every quantity of the workbook, in calculation order:
    `O1 = x·W1ᵀ + B1 = 2·[1 1] + [−0.5 −0.5] = [1.5 1.5]`; then the loss of every iteration.
    The HTML page also draws the network, each weight labelled by its name.

    \b
    Examples:
      sheetnet solve > solution.md
      sheetnet solve --config examples/xor.toml --out xor.html
      sheetnet solve --config examples/xor.toml --iterations 0,1,2,99 --out xor.tex
    """
    from sheetnet.documents import render
    from sheetnet.solve import format_for, parse_iterations, write_solution
    from sheetnet.solve import solve as work_out
    from sheetnet.workbook import check_cells

    collector.resume()  # what the command needs is imported (sheetnet.collector)

    networks = _networks(config, iters, lr)
    if len(networks) > 1:
        raise SheetnetError("solve works out one run: give one η (--lr 0.5)")
    (network,) = networks
    check_cells(network)  # a run no workbook of sheetnet's would hold is no worked solution either
    fmt = format_for(out, fmt)
    chosen = None if iterations is None else parse_iterations(iterations, network.iters)
    solution = work_out(network, iterations=chosen, digits=digits)
    text = render(solution, fmt)
    if out is None:
        click.echo(text, nl=False)
    else:
        write_solution(text, out, fmt=fmt, force=force)
        click.echo(f"Solution written to {out}")
    if solution.overflow is not None:
        t, name = solution.overflow
        click.echo(
            f"sheetnet: warning: {name} stopped being a finite number in iteration {t} ({solution.overflow_cause})",
            err=True,
        )


@main.command()
@click.argument("workbooks", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="WORKBOOK...")
@_network_options(
    "Network file (TOML) the workbook trains. Default: the network read from the workbook (else the notes' one)."
)
@_tolerance_option("--rtol", None, "Relative tolerance for every number (default: by how the number is written).")
@_tolerance_option("--atol", None, "Absolute tolerance for every number (default: by how the number is written).")
@click.option("--sheet", metavar="NAME", help="Check only the table on this sheet.")
@click.option(
    "--all", "show_all", is_flag=True, help="List every number of the run, found or not, and quantity by quantity."
)
@click.option(
    "--max",
    "limit",
    type=click.IntRange(min=0),
    default=12,
    show_default=True,
    help="Places of slips to show (a slip filled down a column is one).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (an array for several workbooks).")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(path_type=Path),
    help="Write the class table (a row per workbook: verdict, first slip, expected, found, explanation, "
    "counts, network, every table's verdict) to this CSV file (UTF-8 with a BOM, for Excel).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1, max=limits.JOBS),
    help="Workbooks checked at once (default: one per core; at most 64).",
)
@click.option(
    "--annotate",
    "annotate_dir",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Write a marked copy of each workbook to DIR (same name and format): each slip filled and "
    "explained in a note, what follows from it shaded, a first sheet `sheetnet` with the verdict.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write one self-contained page: a row per workbook, and the cells around each first slip.",
)
@click.option(
    "--force", is_flag=True, help="Replace the --csv or --html file, or a copy in --annotate DIR, if it exists."
)
@_recalc_option
@handle_errors
def check(
    workbooks: tuple[Path, ...],
    config: Path | None,
    iters: int | None,
    lr: tuple[float, ...] | None,
    rtol: float | None,
    atol: float | None,
    sheet: str | None,
    show_all: bool,
    limit: int,
    as_json: bool,
    csv_path: Path | None,
    jobs: int | None,
    annotate_dir: Path | None,
    html_path: Path | None,
    force: bool,
    recalc: bool,
) -> None:
    """Judge workbooks of any layout against the run, and name the first cell that went wrong.

    Without --config a workbook that trains by formulas is judged against its own forward pass:
    each update must move its parameter by -eta times the gradient of the workbook's own loss,
    and the first that does not is named. Others (typed numbers, a workbook sheetnet wrote) are
    judged against the network read from them, and the output says what was read. To grade, give
    the assignment's network with --config (sheetnet init --from a model solution writes one): a
    forward pass that is not the assignment's, or a starting number typed wrong, is then a slip.

    Each table that trains the network (a sheet per learning rate is a table each, judged with
    its own η: its η cell's, else its first update's) gets its layout fitted as a whole; then every cell is
    compared with the run and with what the workbook's own numbers give for it: a slip is wrong
    on its own, a mismatch that follows is wrong only because of an earlier slip. The first slip
    is named and, for a formula, explained from the cells it reads.

    Several workbooks, or a FOLDER of them (.xlsx .xlsm .ods .xls), are checked in parallel: a
    line each as it finishes, then a summary; --csv writes the class table. Without --config they
    are judged against the network most of them train (one that holds fewer iterations stops early).
    Exit code 0 when every table holds the run and nothing mismatches, 1 otherwise (also when
    no table follows this network), 2 when a workbook or the network file cannot be read.

    \b
    Examples:
      sheetnet check homework.xlsx
      sheetnet check homework.xlsx --config network.toml --iters 88
      sheetnet check rates.xlsx --config network.toml --sheet LR_0.5
      sheetnet check submissions/ --config network.toml --csv grades.csv
      sheetnet check submissions/ --config network.toml --annotate marked/ --html class.html
      sheetnet check homework.xlsx --json | jq '.first_mismatch.explanation'
    """
    from sheetnet import checking  # here, not above: `run` needs none of it
    from sheetnet.batch import Options
    from sheetnet.batch import workbooks as collect

    collector.resume()  # what the command needs is imported (sheetnet.collector)

    options = Options(config=config, iters=iters, lr=lr, rtol=rtol, atol=atol, sheet=sheet, recalc=recalc)
    if config is not None:
        _networks(config, iters, lr)  # a bad network file stops everything, before any workbook is read
    paths = collect(workbooks)
    if csv_path is not None:
        checking.check_csv_target(csv_path, force)
    hand_back = checking.HandBack(paths, annotate_dir, html_path, force, quiet=as_json)
    if len(paths) == 1 and not workbooks[0].is_dir() and csv_path is None:
        checking.check_one(paths[0], options, limit=limit, show_all=show_all, as_json=as_json, hand_back=hand_back)
    else:
        checking.check_many(paths, options, jobs=jobs, as_json=as_json, csv_path=csv_path, hand_back=hand_back)
