"""The options several commands share, and the values click checks for them before a command runs.

`--config`, `--iters` and `--lr` (`run`, `solve`, `check`) and the networks they name; `--rtol` and
`--atol` (`diff`, `check`); `--recalc` (`init`, `diff`, `check`). A value out of range (η not above
0, given twice or more of them than `limits.RATES`; a tolerance below 0 or not a number) stops the
command with one line that names the option, before any file is read or written.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sheetnet import limits

if TYPE_CHECKING:
    from sheetnet.spec import Network


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


def network_options(config_help: str) -> Callable[[Callable[..., Any]], Any]:
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


def chosen_networks(config: Path | None, iters: int | None, lrs: tuple[float, ...] | None) -> tuple[Network, ...]:
    """The networks of --config (the notes' network without it), one per η of the file or of
    --lr, with --iters applied."""
    from sheetnet.spec import default_network, load_networks, with_overrides

    networks = load_networks(config) if config is not None else (default_network(),)
    return with_overrides(networks, iters=iters, lrs=lrs)


recalc_option = click.option(
    "--recalc",
    is_flag=True,
    help="Recalculate the workbook(s) in LibreOffice (headless) before reading: needed for files "
    "whose formulas have no saved results.",
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


def tolerance_option(name: str, default: float | None, text: str) -> Callable[[Callable[..., Any]], Any]:
    return click.option(
        name,
        type=_Tolerance(),
        default=default,
        show_default=default is not None,
        help=text,
    )
