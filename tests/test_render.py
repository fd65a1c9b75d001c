"""Terminal output is part of the product: rendered as plain text and compared whole."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from rich.console import Console

from sheetnet.render import number, print_run
from sheetnet.spec import default_network
from sheetnet.trace import Trace, run

GOLDEN = Path(__file__).parent / "golden" / "notes_run.txt"


def _render(trace: Trace, width: int = 100) -> str:
    buffer = io.StringIO()
    print_run(Console(file=buffer, width=width, color_system=None, highlight=False), trace)
    return buffer.getvalue()


def test_notes_run_renders_exactly_as_recorded(notes_trace: Trace) -> None:
    text = _render(notes_trace)
    if os.environ.get("SHEETNET_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_tables_show_the_notes_numbers(notes_trace: Trace) -> None:
    text = _render(notes_trace)
    assert re.search(r"│ O2 = f\(O1\)·W2ᵀ \+ B2 +│ +1\.64425 │ +1\.64425 │", text)
    # a step is what the update adds (after = before + step), in the workbook's sign: −η·∂L/∂p
    assert re.search(r"│ W1 +│ +\[1\] │ +\[-0\.14\] │ +\[0\.86\] │", text)
    assert re.search(r"│ B1 +│ +\[-0\.57 -0\.57\] │ +\[-0\.0253457 -0\.0253457\] │ +\[-0\.595346 -0\.595346\] │", text)
    assert re.search(r"┃ parameter ┃ +before ┃ +\+ −η·∂L/∂p ┃ +\= after ┃", text)  # before + step = after
    assert "Iteration 2" in text and "Iteration 3" not in text
    lines = [line for line in text.splitlines() if line.startswith("│ ") and line.count("│") == 4]
    loss_rows = [line.split("│")[1:4] for line in lines[-3:]]
    assert [r[0].strip() for r in loss_rows] == ["0", "1", "2"]
    assert [r[2].strip() for r in loss_rows] == ["6.125", "1.07422", "0.374501"]


def test_one_iteration_has_one_pair_of_tables() -> None:
    text = _render(run(default_network().with_overrides(iters=1)))
    assert text.count("Iteration 0 · update") == 1
    assert "Iteration 1" not in text


def test_numbers_are_short_and_signed() -> None:
    assert [number(v) for v in (1.5, -0.57, 1.0233333333, 2.0, -0.0, 1e-9, float("inf"))] == [
        "1.5",
        "-0.57",
        "1.02333",
        "2",
        "0",
        "1e-09",
        "inf",
    ]


def test_every_loss_and_label_is_printed_as_written_not_read_as_markup() -> None:
    """rich reads `[y·ln ŷ + …]` as markup and deletes it unless it is escaped."""
    import pytest

    from sheetnet.net import loss_text
    from sheetnet.spec import parse_network

    root = Path(__file__).resolve().parent.parent
    cases = [("xor.toml", None), ("softmax-3-class.toml", None), ("mazur-2-2-2.toml", "mse"), ("notes.toml", None)]
    for name, loss in cases:
        text = (root / "examples" / name).read_text(encoding="utf-8")
        if loss is not None:
            text = re.sub(r"(?m)^loss = .*$", f'loss = "{loss}"', text)
        network = parse_network(text, source=name).with_overrides(iters=2)
        out = _render(run(network), width=200)
        flat = " ".join(out.split())
        assert " ".join(loss_text(network).split()) in flat, (name, out.splitlines()[0])
        for label in ("∂L/∂W1", "f(O1)"):
            assert label in out
    with pytest.raises(AssertionError):  # the test can fail: unescaped, the bracket goes
        assert "[y·ln ŷ" in Console(file=io.StringIO()).render_str("L = −Σ [y·ln ŷ]").plain


def test_a_frozen_bias_is_said_to_be_frozen() -> None:
    from sheetnet.spec import load_network

    network = load_network(Path(__file__).resolve().parent.parent / "examples" / "mazur-2-2-2.toml")
    out = _render(run(network), width=120)
    b1 = next(line for line in out.splitlines() if line.startswith("│ B1"))
    assert "frozen" in b1 and "0.35" in b1


def test_every_example_fits_80_columns_without_splitting_a_small_vector() -> None:
    """At 80 columns: no line wider than the terminal, the title broken between what is trained and
    how, four-element vectors in one table (names alone when the labels leave no room), and a
    matrix too wide for bracketed rows updated one element per row."""
    from sheetnet.spec import load_network

    root = Path(__file__).resolve().parent.parent
    for example in sorted((root / "examples").glob("*.toml")):
        out = _render(run(load_network(example).with_overrides(iters=12)), width=80)
        lines = out.splitlines()
        assert max(map(len, lines)) <= 80, (example.name, max(lines, key=len))
        assert "elements" not in out, example.name  # 4 elements at most: one table
        assert lines[0].startswith("sheetnet ·")
    soft = _render(run(load_network(root / "examples" / "softmax-3-class.toml").with_overrides(iters=1)), width=80)
    assert "│ W2[1,2]" in soft  # a row per element
    assert "│ O1  " in soft or "│ O1 " in soft  # the name alone
    wide = _render(run(load_network(root / "examples" / "softmax-3-class.toml").with_overrides(iters=1)), width=160)
    assert "O1 = x·W1ᵀ + B1" in wide and "│ W2[1,2]" not in wide  # room enough: the notes' labels, rows


def _update_tables(text: str) -> list[list[str]]:
    """The lines of each update table, from its title to its bottom rule."""
    tables, current = [], None
    for line in text.splitlines():
        if "· update (" in line:
            current = []
            tables.append(current)
        elif current is not None:
            current.append(line)
            if line.startswith("└"):
                current = None
    return tables


def test_no_update_row_splits_a_vector_at_79_to_84_columns() -> None:
    """The width that decides bracketed rows or a row per element counts every column, the step's
    too: at 79–84 columns Mazur's `[-0.000219284 -0.000438568]` wrapped onto two lines."""
    from sheetnet.spec import load_network

    root = Path(__file__).resolve().parent.parent
    for example in sorted((root / "examples").glob("*.toml")):
        trace = run(load_network(example).with_overrides(iters=2))
        for width in range(79, 85):
            tables = _update_tables(_render(trace, width=width))
            assert tables, (example.name, width)
            for line in (line for table in tables for line in table):
                assert len(line) <= width and line.count("[") == line.count("]"), (example.name, width, line)


def test_tables_drawn_directly_are_exactly_what_rich_draws(monkeypatch) -> None:
    """`drawn` skips rich's cell-by-cell layout (a third of a short run's time) and must give the very
    characters and colours rich gives, at every width, or hand the table to rich."""
    from sheetnet import render
    from sheetnet.spec import load_network

    def printed(trace: Trace, width: int, colour: bool) -> str:
        buffer = io.StringIO()
        console = Console(
            file=buffer,
            width=width,
            color_system="truecolor" if colour else None,
            force_terminal=colour,
            highlight=False,
        )
        print_run(console, trace)
        return buffer.getvalue()

    root = Path(__file__).resolve().parent.parent
    for example in sorted((root / "examples").glob("*.toml")):
        trace = run(load_network(example).with_overrides(iters=2))
        for width in (40, 79, 84, 120):
            for colour in (False, True):
                fast = printed(trace, width, colour)
                with monkeypatch.context() as patch:
                    patch.setattr(render, "drawn", lambda table, width: table)  # rich lays out every table
                    assert fast == printed(trace, width, colour), (example.name, width, colour)
