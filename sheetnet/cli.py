"""The command line: parse options, make one library call, print. Errors become exit code 2.

How a command ends is `sheetnet.exits`'s; the options several commands share are
`sheetnet.options`'s; what `run` does once its options are parsed is `sheetnet.running`'s.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from sheetnet import __version__, collector, limits
from sheetnet.errors import SheetnetError
from sheetnet.exits import Commands, handle_errors
from sheetnet.options import chosen_networks, network_options, recalc_option, tolerance_option
from sheetnet.outputs import write_text

DEFAULT_OUT = Path("workbooks") / "sheetnet.xlsx"
DEFAULT_EXERCISE_OUT = Path("workbooks") / "exercise.xlsx"
SHOW_ALL_UP_TO = 10  # a longer run prints the tables of its first HEAD and last TAIL iterations
HEAD, TAIL = 3, 2
DEFAULT_CONFIG = Path("network.toml")


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sheetnet")
@click.option("--debug", is_flag=True, help="Show the full traceback of an internal error.")
def main(debug: bool) -> None:
    """Train a small neural network step by step, print every iteration, and write it as an
    Excel workbook of live formulas.

    \b
    Example:
      sheetnet run --iters 3 --lr 0.01
    """


@main.command()
@network_options("Network file (TOML). Default: the notes' 1-2-2-1 ReLU network.")
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
    from sheetnet import running
    from sheetnet.capacity import default_layout
    from sheetnet.layout import BLOCKS
    from sheetnet.trace import Run
    from sheetnet.workbook import progress_steps, write_workbook

    collector.resume()  # what the command needs is imported (sheetnet.collector)

    if no_key and exercise is None:
        raise SheetnetError("--no-key goes with --exercise (it leaves the key out of an exercise sheet)")
    if exercise is not None and layout not in (None, BLOCKS):
        raise SheetnetError("--exercise writes a sheet per iteration (blocks): leave out --layout rows")
    networks = chosen_networks(config, iters, lr)
    if exercise is not None:
        if len(networks) > 1:
            raise SheetnetError("--exercise takes one η: an exercise sheet is one run")
        running.run_exercise(
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
        running.run_rates(networks, out, as_json=as_json, quiet=quiet, digits=digits, force=force, layout=layout)
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
    with running.progress_bar(enabled=not (quiet or as_json), total=progress_steps(network, layout)) as advance:
        written = write_workbook(training, out, force=force, layout=layout, progress=advance)
    trace = training.trace()

    def tables(console: Any) -> None:
        from sheetnet.render import print_run

        print_run(console, trace, digits, show_all=show_all, head=HEAD, tail=TAIL)

    running.report(written, trace.to_json() if as_json else None, tables, quiet=quiet)
    running.warn_overflow(trace)
    running.warn_dead_relus(trace)


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
@recalc_option
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


@main.command()
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@tolerance_option("--rtol", 1e-9, "Relative tolerance for numbers.")
@tolerance_option("--atol", 1e-12, "Absolute tolerance for numbers.")
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
@recalc_option
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
@network_options("Network file (TOML). Default: the notes' 1-2-2-1 ReLU network.")
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
    from sheetnet.capacity import check_cells
    from sheetnet.documents import render
    from sheetnet.solve import format_for, parse_iterations, write_solution
    from sheetnet.solve import solve as work_out

    collector.resume()  # what the command needs is imported (sheetnet.collector)

    networks = chosen_networks(config, iters, lr)
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
@network_options(
    "Network file (TOML) the workbook trains. Default: the network read from the workbook (else the notes' one)."
)
@tolerance_option("--rtol", None, "Relative tolerance for every number (default: by how the number is written).")
@tolerance_option("--atol", None, "Absolute tolerance for every number (default: by how the number is written).")
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
@recalc_option
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
    no table follows this network), 2 when a workbook or the network file cannot be read, holds
    no number, or cannot be judged without --config (a class: when any of its workbooks is so).

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
        chosen_networks(config, iters, lr)  # a bad network file stops everything, before any workbook is read
    paths = collect(workbooks)
    if csv_path is not None:
        checking.check_csv_target(csv_path, force)
    hand_back = checking.HandBack(paths, annotate_dir, html_path, force, quiet=as_json)
    if len(paths) == 1 and not workbooks[0].is_dir() and csv_path is None:
        checking.check_one(paths[0], options, limit=limit, show_all=show_all, as_json=as_json, hand_back=hand_back)
    else:
        checking.check_many(paths, options, jobs=jobs, as_json=as_json, csv_path=csv_path, hand_back=hand_back)
