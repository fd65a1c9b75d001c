"""How a command ends: every error as one line on stderr and an exit code, never a traceback.

A user's mistake (a `SheetnetError`, or click's own: a bad option value, a missing argument) is one
line and exit code 2, click's with the `--help` hint on a second; an internal error (a bug in
sheetnet) is one line and exit code 3, its traceback shown only with `--debug`. Ctrl-C, SIGTERM and
SIGHUP unwind the command like an error, so a half-written file is removed, and say that no file
was changed. A reader that stops reading (`| head`) ends nothing: see `sheetnet.pipes`.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import re
import signal
import sys
from collections.abc import Callable
from typing import Any

import click

from sheetnet import pipes
from sheetnet.errors import SheetnetError
from sheetnet.outputs import one_line

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
                with contextlib.suppress(OSError, ValueError):  # what is left in its buffer would fail again
                    pipes.silence(sys.stdout.fileno())
                _fail(f"cannot write the output: {exc.strerror or exc}")
            if click.get_current_context().find_root().params.get("debug"):
                raise
            click.echo(
                f"sheetnet: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper


class Commands(click.Group):
    """The `sheetnet` group: click's own errors (a bad option value, a missing argument) as one
    line, like every other error, and the `--help` hint on a second."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        with pipes.readers_may_leave():
            self._main(*args, **kwargs)

    def _main(self, *args: Any, **kwargs: Any) -> None:
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
