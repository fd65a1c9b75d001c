"""The command line through click's CliRunner: exit codes, paths, JSON, init then run."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheetnet.cli import main
from sheetnet.outputs import written_by_sheetnet
from sheetnet.spec import load_network

from paused import PausedRun


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_run_writes_the_default_workbook_and_says_where(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["run", "--iters", "3", "--lr", "0.01"])
    assert result.exit_code == 0, result.output
    target = tmp_path / "workbooks" / "sheetnet.xlsx"
    assert written_by_sheetnet(target)
    assert "Workbook written to workbooks/sheetnet.xlsx" in result.output
    assert "O1 = x·W1ᵀ + B1" in result.output
    assert "Loss by iteration" in result.output
    assert "\x1b[" not in result.output  # not a terminal: no colour codes


def test_a_long_path_is_printed_whole_and_as_it_is(runner: CliRunner) -> None:
    """Copied from the terminal, the path works: not folded at 80 columns, brackets not read as markup."""
    out = "a folder with a long name [draft 2]/" + "n" * 70 + ".xlsx"
    result = runner.invoke(main, ["run", "--iters", "2", "--out", out])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"Workbook written to {out}"
    assert Path(out).is_file()


def test_quiet_prints_only_the_path(runner: CliRunner) -> None:
    result = runner.invoke(main, ["run", "--quiet", "--out", "a/b/c.xlsx"])
    assert result.exit_code == 0
    assert result.output == "a/b/c.xlsx\n"
    assert Path("a/b/c.xlsx").is_file()


def test_json_is_the_trace_and_nothing_else(runner: CliRunner) -> None:
    result = runner.invoke(main, ["run", "--json", "--iters", "2"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert "Workbook written to" in result.stderr
    assert data["network"]["layers"] == [1, 2, 2, 1]
    first = data["iterations"][0]
    assert first["index"] == 0
    assert first["loss"] == 6.125
    (sample,) = first["samples"]
    assert sample["layers"][0] == {"S": [1.5, 1.5], "A": [1.5, 1.5]}
    assert sample["layers"][2] == {"S": [4.5], "A": [4.5]}
    assert sample["yhat"] == [4.5]
    assert first["gradients"]["W1"] == [[14.0], [14.0]]
    assert first["gradients"]["B3"] == [3.5]
    assert [pytest.approx(row) for row in first["params"]["W2"]] == [[0.9475, 0.9475], [0.9475, 0.9475]]
    assert first["params"]["B1"] == pytest.approx([-0.57, -0.57])
    assert len(data["iterations"]) == 2


def test_json_with_quiet_prints_json_only(runner: CliRunner) -> None:
    result = runner.invoke(main, ["run", "--json", "--quiet"])
    assert result.exit_code == 0
    assert result.stderr == ""
    json.loads(result.stdout)


def test_init_then_run_config_reproduces_the_default(runner: CliRunner) -> None:
    assert runner.invoke(main, ["init"]).exit_code == 0
    assert Path("network.toml").is_file()
    default = runner.invoke(main, ["run", "--json", "--quiet", "--out", "a.xlsx"])
    from_file = runner.invoke(main, ["run", "--json", "--quiet", "--config", "network.toml", "--out", "b.xlsx"])
    assert from_file.exit_code == 0
    assert json.loads(from_file.stdout) == json.loads(default.stdout)


def test_init_does_not_overwrite(runner: CliRunner) -> None:
    Path("mine.toml").write_text("layers = [9]\n")
    result = runner.invoke(main, ["init", "mine.toml"])
    assert result.exit_code == 2
    assert "exists" in result.stderr
    assert Path("mine.toml").read_text() == "layers = [9]\n"
    assert runner.invoke(main, ["init", "mine.toml", "--force"]).exit_code == 0
    assert load_network("mine.toml").layers == (1, 2, 2, 1)


def test_overrides_beat_the_file(runner: CliRunner) -> None:
    runner.invoke(main, ["init"])
    result = runner.invoke(main, ["run", "--config", "network.toml", "--iters", "5", "--lr", "0.02", "--json", "-q"])
    data = json.loads(result.stdout)
    assert data["network"]["lr"] == 0.02
    assert len(data["iterations"]) == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--iters", "0"], "--iters"),
        (["run", "--lr", "nan"], "finite number greater than 0"),
        (["run", "--lr", "-1"], "finite number greater than 0"),
        (["run", "--lr", "0"], "finite number greater than 0"),
        (["run", "--config", "missing.toml"], "missing.toml: no such file"),
        (["run", "--out", "."], "is a folder"),
        (["run", "--lr", "inf"], "finite number greater than 0"),
        (["run", "--iters", "-3"], "--iters"),
        (["run", "--out", "notes.txt/sub/run.xlsx"], "cannot create the folder notes.txt/sub"),
        (["run", "--out", "/proc/sheetnet.xlsx"], "cannot write in the folder /proc"),
        (["run", "--layout", "columns"], "--layout"),
    ],
)
def test_bad_input_exits_2_with_a_message(runner: CliRunner, args: list[str], message: str) -> None:
    Path("notes.txt").write_text("a file, not a folder")
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_unsupported_value_in_the_file_is_named(runner: CliRunner) -> None:
    Path("net.toml").write_text(default_toml_with('activation = "relu"', 'activation = "swish"'))
    result = runner.invoke(main, ["run", "--config", "net.toml"])
    assert result.exit_code == 2
    assert "net.toml, line 6: activation: 'swish' is not supported; supported: relu" in result.stderr


def test_refuses_to_overwrite_a_file_sheetnet_did_not_write(runner: CliRunner) -> None:
    Path("homework.xlsx").write_bytes(b"precious")
    result = runner.invoke(main, ["run", "--out", "homework.xlsx"])
    assert result.exit_code == 2
    assert "not written by sheetnet" in result.stderr and "--force" in result.stderr
    assert Path("homework.xlsx").read_bytes() == b"precious"
    assert runner.invoke(main, ["run", "--out", "homework.xlsx", "--force", "-q"]).exit_code == 0


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    for command in [[], *[[name] for name in main.commands]]:
        result = runner.invoke(main, [*command, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.output, command


# what `check`, `solve`, `diff` and `init --from` import, and what only a mistyped key or the rows
# layout (a long run) or several η need
NOT_FOR_RUN = (
    "openpyxl",
    "sheetnet.check",
    "sheetnet.solve",
    "sheetnet.solution",
    "sheetnet.equations",
    "sheetnet.rates",
    "sheetnet.diff",
    "sheetnet.infer",
    "sheetnet.book",
    "sheetnet.batch",
    "sheetnet.formula",
    "sheetnet.documents",
    "sheetnet.notation",
    "sheetnet.equation",
    "sheetnet.diagram",
    "sheetnet.exercise",
    "sheetnet.libreoffice",
    "difflib",
    "rich.progress",
    "sheetnet.rowxml",
    "sheetnet.training_rows",
    "sheetnet.checking",
    "sheetnet.cells",
    "sheetnet.derived_view",
    "sheetnet.check_view",
    "sheetnet.diff_view",
)


def test_run_imports_nothing_other_commands_need(tmp_path: Path) -> None:
    """A structural guard of `sheetnet run`'s start-up (bench/startup.py measures it): the modules
    of the other commands stay out of it, and the garbage collector, paused while it started, runs
    again (what start-up made set aside: `sheetnet.collector`)."""
    code = (
        "import gc, sys\n"
        "from sheetnet.__main__ import main\n"
        f"sys.argv = ['sheetnet', 'run', '--iters', '3', '--out', {str(tmp_path / 'x.xlsx')!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 10_000, *sorted(sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=True)
    enabled, frozen, *modules = result.stderr.split()
    assert (enabled, frozen) == ("True", "True")
    imported = set(modules)
    assert "sheetnet.workbook" in imported and "sheetnet.render" in imported  # it ran and printed its tables
    assert "Iteration 2" in result.stdout
    assert [name for name in NOT_FOR_RUN if name in imported] == []
    assert [name for name in imported if name.startswith("sheetnet.check.")] == []


def test_every_command_resumes_the_collector_once_it_has_imported_what_it_needs() -> None:
    """`sheetnet` starts with the garbage collector paused (`sheetnet.collector`): a command that
    did not resume it would run without it."""
    for name, command in main.commands.items():
        assert command.callback is not None
        assert "collector.resume()" in inspect.getsource(inspect.unwrap(command.callback)), name


def default_toml_with(old: str, new: str) -> str:
    from sheetnet.spec import DEFAULT_TOML

    assert old in DEFAULT_TOML
    return DEFAULT_TOML.replace(old, new)


def test_digits_sets_the_precision_of_the_tables(runner: CliRunner) -> None:
    result = runner.invoke(main, ["run", "--digits", "3", "--iters", "2"])
    assert result.exit_code == 0
    assert "2.47" in result.output and "2.46576" not in result.output
    assert runner.invoke(main, ["run", "--digits", "0"]).exit_code == 2


def test_wide_layers_split_the_tables_to_fit(runner: CliRunner) -> None:
    Path("wide.toml").write_text(
        'layers = [2, 16, 1]\nactivation = "tanh"\n[init]\nseed = 2\n[[samples]]\nx = [1.0, 0.5]\ny = [0.2]\n'
    )
    result = runner.invoke(main, ["run", "--config", "wide.toml", "--iters", "1"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert "elements 0–" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 100


def test_an_internal_error_is_one_line_and_exit_3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Exit 1 means "different" for check and diff, so a bug in sheetnet must not use it."""
    import sheetnet.trace

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(sheetnet.trace, "Run", broken)
    result = CliRunner().invoke(main, ["run", "--out", str(tmp_path / "unused.xlsx")])
    assert result.exit_code == 3
    assert result.output.strip() == (
        "sheetnet: internal error: ZeroDivisionError: simulated bug (run with --debug for details)"
    )


def test_a_killed_run_leaves_the_previous_workbook_and_no_temporary_file(tmp_path: Path) -> None:
    """SIGTERM in the middle of writing: exit 143, the earlier workbook as it was, nothing left behind."""
    import signal

    out = tmp_path / "run.xlsx"
    first = subprocess.run(
        [sys.executable, "-m", "sheetnet", "run", "--iters", "2", "--out", str(out), "-q"], capture_output=True
    )
    assert first.returncode == 0
    before = out.read_bytes()
    xor = Path(__file__).resolve().parent.parent / "examples" / "xor.toml"
    run = PausedRun(["run", "--config", str(xor), "--iters", "2", "--out", str(out), "-q"], cwd=tmp_path)
    assert run.paused and list(tmp_path.glob(".sheetnet-*")), "the run never wrote its workbook"
    run.process.send_signal(signal.SIGTERM)
    returncode, stderr = run.finish()
    assert returncode == 143
    assert "stopped by SIGTERM; no file was changed" in stderr and "Traceback" not in stderr
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.xlsx"]


def test_debug_shows_the_traceback_of_an_internal_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sheetnet.trace

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(sheetnet.trace, "Run", broken)
    result = CliRunner().invoke(main, ["--debug", "run", "--out", str(tmp_path / "unused.xlsx")])
    assert isinstance(result.exception, ZeroDivisionError)


def test_a_full_disk_loses_nothing(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up while the workbook is saved: exit 2, the earlier workbook intact, no temporary file."""
    import errno

    import xlsxwriter

    assert runner.invoke(main, ["run", "--out", "run.xlsx", "-q"]).exit_code == 0
    before = Path("run.xlsx").read_bytes()

    def full(self: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xlsxwriter.Workbook, "close", full)
    result = runner.invoke(main, ["run", "--lr", "0.02", "--out", "run.xlsx"])
    assert result.exit_code == 2
    assert "cannot write run.xlsx: No space left on device" in result.stderr
    assert Path("run.xlsx").read_bytes() == before
    assert sorted(p.name for p in Path(".").iterdir() if p.name.startswith(".~")) == []


def test_relus_that_die_are_named_with_the_iteration_they_died_in(runner: CliRunner) -> None:
    """η = 0.2 on the notes' network: one step pushes every S below 0, and only B3 moves after it."""
    died = runner.invoke(main, ["run", "--quiet", "--lr", "0.2", "--iters", "4"])
    assert died.exit_code == 0
    assert "ReLUs died: O1[0], O1[1], O2[0], O2[1] from iteration 1 on" in died.stderr
    alive = runner.invoke(main, ["run", "--quiet", "--lr", "0.01", "--iters", "4"])
    assert alive.exit_code == 0 and "died" not in alive.stderr
    several = runner.invoke(main, ["run", "--quiet", "--lr", "0.01,0.2", "--iters", "4"])
    assert "η = 0.2: ReLUs died" in several.stderr and "η = 0.01: ReLUs" not in several.stderr


def test_softmax_over_one_output_is_refused_with_why(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "net.toml").write_text(default_toml_with('"linear"', '"softmax"'), encoding="utf-8")
    result = runner.invoke(main, ["run", "--config", "net.toml"])
    assert result.exit_code == 2
    assert "output_activation: softmax over one output is always 1" in result.stderr
    assert not (tmp_path / "workbooks").exists()
