"""Errors a user can cause. The CLI turns each into one line on stderr and exit code 2."""

from __future__ import annotations


class SheetnetError(Exception):
    """Something the user can fix: a bad file, a bad option, a path that cannot be written."""

    exit_code = 2


class NetworkFileError(SheetnetError):
    """The network file is missing, unreadable, not TOML, or describes an invalid network."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = path or "network"
        if line is not None:
            where = f"{where}, line {line}"
        super().__init__(f"{where}: {message}")


class OutputError(SheetnetError):
    """The workbook (or another output) cannot be written where the user asked."""
