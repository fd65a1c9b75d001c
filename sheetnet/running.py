"""What `run` does once its options are parsed: train and write under a progress bar, print what
was asked (the tables, `--json`, or the path alone), then warn on stderr of numbers that stopped
being finite and of ReLUs that died.

cli.py's `run` trains one η with these pieces; several η (`run_rates`) and an exercise sheet
(`run_exercise`) are run here whole.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sheetnet.errors import SheetnetError

if TYPE_CHECKING:
    from sheetnet.spec import Network
    from sheetnet.trace import Trace


@contextlib.contextmanager
def progress_bar(*, enabled: bool, total: int) -> Iterator[Callable[[], None]]:
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


def warn_overflow(trace: Trace, which: str = "") -> None:
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


def warn_dead_relus(trace: Trace, which: str = "") -> None:
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


def report(written: Path, data: Any, tables: Callable[[Any], None], *, quiet: bool) -> None:
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


def run_exercise(network: Network, part: str, *, key: bool, out: Path, force: bool, quiet: bool, as_json: bool) -> None:
    """`run --exercise`: write the exercise sheet and say what it holds; the tables, being the
    answers, are not printed (`--json` still prints the whole run, for a teacher's scripts)."""
    from sheetnet.exercise import Exercise, answer_count
    from sheetnet.layout import BLOCKS
    from sheetnet.trace import run as train
    from sheetnet.workbook import write_workbook

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


def run_rates(
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
    from sheetnet.layout import BLOCKS
    from sheetnet.rates import write_rates_workbook
    from sheetnet.trace import Run, compared_json

    if layout == BLOCKS:
        raise SheetnetError(
            "--layout blocks writes a sheet per iteration; several η are written in the rows layout, "
            "a sheet per η: leave out --layout blocks, or give one η"
        )
    # the workbook is written as each η trains; the terminal needs only the losses (--json, every value)
    trainings = [Run(n) if as_json else Run(n, keep=lambda t: False) for n in networks]
    with progress_bar(enabled=not (quiet or as_json), total=sum(n.iters for n in networks)) as advance:
        written = write_rates_workbook(trainings, out, force=force, progress=advance)
    traces = [t.trace() for t in trainings]

    def tables(console: Any) -> None:
        from sheetnet.render import print_rates

        print_rates(console, traces, digits)

    report(written, compared_json(traces) if as_json else None, tables, quiet=quiet)
    for trace in traces:
        warn_overflow(trace, f"η = {trace.network.lr:g}: ")
        warn_dead_relus(trace, f"η = {trace.network.lr:g}: ")
