"""The README and docs/ tell the truth: the README is a newcomer's page that links a page per
command; each page names every option of its command; every command example in them runs."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from homework import rows_workbook, sign_slip

from sheetnet.cli import main
from sheetnet.spec import DEFAULT_TOML, default_network
from sheetnet.trace import run
from sheetnet.workbook import write_workbook

from handmade import notes_blocks

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))}
README_LINES = 100  # a newcomer's page: what it is, the two commands, a picture, five examples, links


def test_readme_gives_the_two_commands() -> None:
    assert "uv run sheetnet run --iters 3 --lr 0.01" in README
    assert "\nuv run pytest" in README


def test_readme_is_short_and_links_a_page_per_command() -> None:
    assert len(README.splitlines()) <= README_LINES
    for name in main.commands:
        assert f"(docs/{name}.md)" in README, name
    for target in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (ROOT / target).exists(), target
    examples = [line for line in _fenced(README) if line.startswith("uv run sheetnet")]
    assert len(examples) >= 5 and {"run", "check", "solve"} <= {shlex.split(e, comments=True)[3] for e in examples}
    assert any("--exercise" in e for e in examples) and any("submissions/" in e for e in examples)


def test_every_command_and_option_is_on_its_page() -> None:
    for name, command in main.commands.items():
        page = DOCS[name]
        assert f"sheetnet {name}" in page, name
        for param in command.params:
            for option in param.opts:
                if option.startswith("--") and option != "--help":
                    assert option in page, (name, option)


def test_links_between_pages_lead_to_files() -> None:
    for name, page in DOCS.items():
        for target in re.findall(r"\]\(([^)#:]+)", page):
            assert (ROOT / "docs" / target).exists(), (name, target)


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.rstrip().splitlines()[-1] == "uv run pytest"
    assert "libreoffice-calc-nogui" in script


def test_the_network_file_page_shows_the_default_file() -> None:
    for line in DEFAULT_TOML.splitlines():
        key = line.split("#")[0].strip()
        if "=" in key and not line.startswith("#"):
            assert key in DOCS["init"], key


# ------------------------------------------------------------------ every example runs


def _fenced(text: str) -> list[str]:
    """The lines of the text's ```sh blocks, and the `uv run sheetnet …` of its inline code."""
    lines = [line.strip() for block in re.findall(r"```sh\n(.*?)```", text, re.S) for line in block.splitlines()]
    return lines + re.findall(r"`(uv run sheetnet [^`]+)`", text)


EXAMPLES = sorted(
    {
        (source, line)
        for source, text in [("README", README), *DOCS.items()]
        for line in _fenced(text)
        if line.startswith("uv run sheetnet ")
    }
)


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files the examples name: a homework, a class's folder, a comparison of η on LR_ sheets,
    the assignment's network file, two runs to compare."""
    folder = tmp_path_factory.mktemp("material")
    rows_workbook(folder / "homework.xlsx", iters=8, mutation=sign_slip(3))
    (folder / "network.toml").write_text(DEFAULT_TOML, encoding="utf-8")
    rows_workbook(folder / "rates.xlsx", iters=6, sheets=[0.1, 0.5, 2.0])
    trace = run(default_network())
    for name in ("solution.xlsx", "run-a.xlsx", "submissions/anna.xlsx"):
        (folder / name).parent.mkdir(exist_ok=True)
        write_workbook(trace, folder / name)
    write_workbook(run(default_network().with_overrides(lr=0.02)), folder / "run-b.xlsx")
    shutil.copy(folder / "homework.xlsx", folder / "submissions" / "ben.xlsx")
    notes_blocks(folder / "submissions" / "carla.xlsx", slip=True)
    return folder


@pytest.mark.parametrize(("source", "line"), EXAMPLES, ids=[f"{s}: {line[15:60]}" for s, line in EXAMPLES])
def test_every_documented_example_runs(
    source: str, line: str, material: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run as written (a shell's `> file` aside) in a folder holding what it names: done (0), or for
    check and diff a verdict (1: the homework holds a slip); never a refusal or a crash."""
    here = tmp_path / "here"
    shutil.copytree(material, here)
    (here / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(here)
    if shlex.split(line, comments=True)[3] == "init":  # as a newcomer runs it: no network.toml yet
        (here / "network.toml").unlink()
    words = shlex.split(line, comments=True)
    if ">" in words:
        words = words[: words.index(">")]
    args = words[3:]  # after `uv run sheetnet`
    result = CliRunner().invoke(main, args)
    allowed = (0, 1) if args[0] in ("check", "diff") else (0,)
    assert result.exit_code in allowed, (source, line, result.output, result.exception)
