"""What `check` does with the workbooks it is given: one judged in detail on the terminal, several
as a class (in parallel, the class's network found, a line each, a summary, the CSV), and the
marked copies and class page handed back (`--annotate`, `--html`). cli.py parses the options."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from sheetnet.errors import SheetnetError
from sheetnet.outputs import one_line, write_text


class HandBack:
    """--annotate DIR and --html FILE: refused up front where they may not be written, written
    from the rows once every workbook is checked."""

    def __init__(self, paths: list[Path], folder: Path | None, page: Path | None, force: bool, *, quiet: bool):
        from sheetnet.annotate import check_targets
        from sheetnet.classpage import check_page_target

        self.folder, self.page, self.force, self.quiet = folder, page, force, quiet
        self.copies = check_targets(paths, folder, force) if folder is not None else {}
        self.page_before = check_page_target(page, force) if page is not None else None

    def write(self, rows: list[dict[str, Any]]) -> None:
        if self.folder is not None:
            from sheetnet.annotate import annotate_all

            lines = annotate_all(rows, self.folder, self.copies, self.force)
            click.echo(f"Marked copies in {self.folder} (the verdict on a first sheet, sheetnet):", err=self.quiet)
            for line in lines:
                click.echo(f"  {one_line(line)}", err=self.quiet)
        if self.page is not None:
            from sheetnet.classpage import page, write_page

            text = page(rows, _common_folder([Path(r["file"]) for r in rows]))
            write_page(text, self.page, self.page_before, self.force)
            click.echo(f"Class page written to {self.page}", err=self.quiet)


def check_one(path: Path, options: Any, *, limit: int, show_all: bool, as_json: bool, hand_back: HandBack) -> None:
    from sheetnet.batch import judge, result_json, row_of

    result, reading, line = judge(path, options)
    if as_json:
        data = result_json(result)
        if reading is not None:
            data["network_read"] = reading.to_json()
        data["network_source"] = line
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        from rich.console import Console

        from sheetnet.check.derive import Derivation
        from sheetnet.check_view import print_check

        console = Console(highlight=False, emoji=False)
        style = "dim" if options.config is not None else None
        if isinstance(result, Derivation):
            from sheetnet.derived_view import print_derivation

            print_derivation(console, result, limit=limit, show_all=show_all, source=line, source_style=style)
        else:
            print_check(console, result, limit=limit, show_all=show_all, source=line, source_style=style)
    hand_back.write([row_of(path, result, reading, line)])
    warn_uncached(result.book)
    sys.exit(result.exit_code)


def check_csv_target(path: Path, force: bool) -> None:
    from sheetnet.outputs import check_extension, check_target

    try:
        check_extension(path, (".csv",), "CSV file")
        check_target(path, force, what="CSV file")
    except SheetnetError as exc:
        raise SheetnetError(f"--csv {exc}") from None


def check_many(
    paths: list[Path], options: Any, *, jobs: int | None, as_json: bool, csv_path: Path | None, hand_back: HandBack
) -> None:
    from rich.console import Console
    from rich.markup import escape

    from sheetnet.batch import as_judged_by, class_network, csv_text, default_jobs, exit_code, judged_again, run_all
    from sheetnet.check_view import class_line, print_class_summary

    console = Console(highlight=False, emoji=False)
    errors = Console(stderr=True, highlight=False, emoji=False)
    show_lines = not as_json
    common = _common_folder(paths)
    jobs = jobs or default_jobs()

    def show(row: dict[str, Any], advance: _Advance) -> None:
        if show_lines:
            advance.print(console, class_line(row, common))
        advance()

    # the bar goes where the lines go when that is a terminal (one screen, drawn by one console),
    # else to stderr (the lines go to a pipe or a file)
    screen = console if console.is_terminal else errors
    if options.config is not None:
        with _class_progress(screen, total=len(paths)) as advance:
            rows = run_all(paths, options, jobs=jobs, done=lambda row: show(row, advance))
    else:
        # each workbook judged against its own network first; then those whose own is not the
        # class's (the one most of them train) again, against it
        # first each read as `init --from` reads it, for the class's network to be found
        from dataclasses import replace

        first = replace(options, own_forward=False)
        with _class_progress(screen, total=len(paths)) as advance:
            rows = run_all(paths, first, jobs=jobs, done=lambda row: advance())
        shared, line = class_network(rows, options)
        if shared is None:  # no class: each judged as alone, against its own forward pass where it can be
            with _class_progress(screen, total=len(paths)) as advance:
                rows = run_all(paths, options, jobs=jobs, done=lambda row: advance())
        if show_lines:
            console.print(escape(line), style="yellow")
        again = [i for i, row in enumerate(rows) if shared is not None and judged_again(row, shared)]
        for i, row in enumerate(rows):
            if i not in again:
                rows[i] = as_judged_by(row, shared) if shared is not None and "error" not in row else row
                show(rows[i], _Advance())
        if again:
            read = {rows[i]["file"]: rows[i].get("read", "") for i in again}  # what each trains itself
            with _class_progress(screen, total=len(again)) as advance:
                judged = run_all(
                    [paths[i] for i in again],
                    shared,
                    jobs=jobs,
                    done=lambda row: show(dict(row, read=read[row["file"]]), advance),
                )
            for i, row in zip(again, judged, strict=True):
                rows[i] = dict(row, read=read[row["file"]])
    if as_json:
        click.echo(json.dumps([_json_row(r) for r in rows], ensure_ascii=False))
    else:
        print_class_summary(console, rows, common)
    if csv_path is not None:
        write_text(csv_path, csv_text(rows))
        if not as_json:
            console.print(f"Class table written to [bold]{csv_path}[/bold]")
    hand_back.write(rows)
    sys.exit(exit_code(rows))


def _common_folder(paths: list[Path]) -> Path | None:
    """The folder all the workbooks are in, if there is one: the lines name the files within it."""
    parents = {p.parent for p in paths}
    return parents.pop() if len(parents) == 1 and len(paths) > 1 else None


def _json_row(row: dict[str, Any]) -> dict[str, Any]:
    data = {"file": row["file"], "verdict": row["verdict"]}
    if "error" in row:
        data["error"] = row["error"]
    else:
        data["network_source"] = row.get("network", "")
        data.update(row["result"])
        data["verdict"] = row["verdict"]
    return data


class _Advance:
    def __init__(self, progress: Any = None, task: Any = None) -> None:
        self.progress, self.task = progress, task

    def print(self, console: Any, text: str) -> None:
        """A line above the bar when the bar is on the same console; else on `console`."""
        if self.progress is not None and self.progress.console is console:
            self.progress.console.print(text)
        else:
            console.print(text)

    def __call__(self) -> None:
        if self.progress is not None:
            self.progress.advance(self.task)


@contextlib.contextmanager
def _class_progress(console: Any, *, total: int) -> Iterator[_Advance]:
    """A progress bar on stderr while the workbooks are checked; nothing if stderr is no terminal."""
    if not console.is_terminal or total < 2:
        yield _Advance()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        yield _Advance(progress, progress.add_task("check", total=total))


def warn_uncached(*books: Any) -> None:
    for book in books:
        if book.formulas_without_value and not book.exercise:  # an exercise's empty answers and checks: ""
            click.echo(
                f"sheetnet: warning: {book.path}: {book.formulas_without_value} of {book.formula_cells} formulas "
                "have no saved result and were read as empty; add --recalc to compute them",
                err=True,
            )
