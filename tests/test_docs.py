"""The README tells the truth about the commands, and CI runs the README's test command."""

from __future__ import annotations

from pathlib import Path

from sheetnet.cli import main
from sheetnet.spec import DEFAULT_TOML

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_gives_the_two_commands() -> None:
    assert "uv run sheetnet run --iters 3 --lr 0.01" in README
    assert "\nuv run pytest" in README


def test_every_command_and_option_is_in_the_readme() -> None:
    for name, command in main.commands.items():
        assert f"sheetnet {name}" in README, name
        for param in command.params:
            for option in param.opts:
                if option.startswith("--") and option != "--help":
                    assert option in README, (name, option)


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.rstrip().splitlines()[-1] == "uv run pytest"
    assert "libreoffice-calc-nogui" in script


def test_readme_network_file_is_the_default_one() -> None:
    for line in DEFAULT_TOML.splitlines():
        key = line.split("#")[0].strip()
        if "=" in key and not line.startswith("#"):
            assert key in README, key
