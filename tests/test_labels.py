"""`cells.labels`: the words labels use and which text labels a cell (one rule for init --from and check)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from sheetnet.book import Book, Cell
from sheetnet.cells.labels import Labels, is_caption, label_name, label_token, names_eta, names_loss, numbered


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("w1", ("w", 1)),
        ("a_h2", ("a_h", 2)),
        ("∂e/∂w3", ("∂e/∂w", 3)),
        ("i12", ("i", 12)),
        ("w01", ("w", 1)),
        ("W3", ("W", 3)),
        ("x", None),  # no number
        ("w2_01", None),  # an element of W2, not the 201st of anything
        ("h1(net)", None),
        ("", None),
    ],
)
def test_a_numbered_label_is_its_name_and_number(token: str, expected: tuple[str, int] | None) -> None:
    assert numbered(token) == expected


@pytest.mark.parametrize(
    ("text", "eta"),
    [
        ("η", True),
        ("LR:", True),
        ("Learning rate", True),
        ("learning_rate", True),
        ("eta = ", True),
        ("lr=0.5", True),
        ("α", True),
        ("Alpha", True),
        ("ͷ", True),
        ("n", True),
        ("η(t)", True),
        (": η", True),
        ("w1", False),
        ("net h1", False),
        ("Error", False),
        ("", False),
    ],
)
def test_the_words_for_eta(text: str, eta: bool) -> None:
    assert names_eta(text) is eta


@pytest.mark.parametrize(
    ("text", "surely", "maybe"),
    [
        ("Loss", True, True),
        ("MSE", True, True),
        ("E_total", True, True),
        ("Total error", True, True),
        ("Cost (J)", True, True),
        ("Error", False, True),  # an output's error t − o, as often as the loss
        ("∂E/∂w1", False, True),  # E in a gradient's name
        ("Etot", False, True),
        ("w1", False, False),
        ("lossy", False, False),  # words, not parts of words
        ("", False, False),
    ],
)
def test_the_words_for_the_loss(text: str, surely: bool, maybe: bool) -> None:
    assert names_loss(text, surely=True) is surely
    assert names_loss(text) is maybe


def test_label_token_is_the_first_word_in_lower_case() -> None:
    assert label_token("W1 ←") == "w1"
    assert label_token(" O1 = x·W1ᵀ + B1") == "o1"
    assert label_token("∂E/∂w3") == "∂e/∂w3"
    assert label_token("η:0.5") == "η"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("IN A", "IN A"),  # a word two labels share, told apart by the letter after it
        ("IN B: 1", "IN B"),
        ("x 1", "x 1"),
        ("Erro N1 (Hidden Layer -> Output)", "Erro N1"),
        ("W1 ←", "W1"),
        (" O1 = x·W1ᵀ + B1", "O1"),
        ("desired Output", "desired"),  # a word after it, not one of a series
        ("Learning rate", "Learning"),
        ("∂E/∂w3", "∂E/∂w3"),
        ("", ""),
    ],
)
def test_label_name_is_the_name_as_written_with_what_tells_it_from_its_neighbours(text: str, name: str) -> None:
    assert label_name(text) == name


def _book(cells: dict[tuple[int, int], object]) -> Book:
    sheet = {(r, c): Cell("S", r, c, v) for (r, c), v in cells.items()}
    return Book(path=Path("labels.xlsx"), sheets=["S"], cells={"S": sheet})


def test_a_cell_is_labelled_by_the_nearest_text_above_or_left_within_reach() -> None:
    labels = Labels(_book({(1, 2): "w1", (2, 2): 0.15, (8, 2): 0.2, (10, 1): "η", (10, 2): 0.5, (10, 45): 0.1}))
    assert labels.header((0, 2, 2)) == "w1"
    assert labels.header((0, 7, 2)) == "w1"  # six rows down
    assert labels.header((0, 8, 2)) == ""  # seven: too far for a header
    assert labels.column_label((0, 8, 2)) == "w1"  # a table's header row, however far
    assert labels.row_label((0, 10, 2)) == "η"
    assert labels.row_label((0, 10, 41)) == "η"  # forty columns right
    assert labels.row_label((0, 10, 45)) == ""
    assert labels.row_label((0, 2, 2)) == ""  # nothing left of it


def test_a_cell_s_name_is_its_header_else_its_row_label_never_a_text_far_up_its_column() -> None:
    labels = Labels(_book({(1, 2): "value", (1, 3): "L", (2, 3): 0.5, (16, 1): "E total", (16, 2): 0.3, (20, 2): 1.0}))
    assert labels.name((0, 2, 3)) == "L"  # header and no row label
    assert labels.name((0, 16, 2)) == "E total"  # `value`, 15 rows up, labels the column, not this cell
    assert labels.column_label((0, 16, 2)) == "value"
    assert labels.name((0, 20, 2)) == ""
    near = Labels(_book({(1, 2): "Total Loss", (2, 1): "Sample 1", (2, 2): 0.7}))
    assert near.name((0, 2, 2)) == "Total Loss"  # the header first, as mlifc's loss column


def test_a_caption_over_a_column_names_none_of_its_cells_the_label_across_it_does() -> None:
    """Mazur's parameter table (`value` over w1 … w8, each labelled on its left; w7 seven rows down,
    out of a header's reach) and a transposed batch (`sample 1` over x1, x2, t): every cell is named
    by its row's label, whether the caption is in reach or not; a caption names a cell only alone."""
    mazur = {(3, 1): "parameter", (3, 2): "value", (3, 3): "gradient"}
    for k in range(1, 9):
        mazur |= {(3 + k, 1): f"w{k}", (3 + k, 2): 0.1 * k, (3 + k, 3): 0.01 * k}
    mazur |= {(12, 2): 0.6}  # under `value`, nothing on its left
    labels = Labels(_book(mazur))
    assert [labels.name((0, 3 + k, 2)) for k in range(1, 9)] == [f"w{k}" for k in range(1, 9)]
    assert labels.names((0, 4, 2)) == ("w1", "value")
    assert labels.name((0, 4, 3)) == "gradient"  # what kind of number: a name, if not whose
    assert labels.name((0, 12, 2)) == ""  # `value`, nine rows up: out of reach
    assert labels.name((0, 12, 2), far=True) == "value"  # however far up: the caption, the only label
    assert labels.name((0, 10, 2), far=True) == "w7"
    transposed = {(8, 3): "sample 1", (8, 4): "sample 2", (9, 1): "x1", (10, 1): "x2", (11, 1): "t"}
    transposed |= {(r, c): 0.1 * r + c for r in (9, 10, 11) for c in (3, 4)}
    labels = Labels(_book(transposed))
    assert [labels.name((0, r, c)) for c in (3, 4) for r in (9, 10, 11)] == ["x1", "x2", "t"] * 2
    # across, a sample's row label under a quantity's header: the header names it (mlifc, above)


@pytest.mark.parametrize(
    ("text", "caption"),
    [
        ("value", True),
        ("Values", True),
        ("sample 1", True),
        ("Sample 12", True),
        ("mean", True),
        ("Epoch 3", True),
        ("updated", True),
        ("w1", False),
        ("gradient", False),  # what kind of number, not whose: a name where nothing else names the cell
        ("new w1", False),
        ("Total Loss", False),
        ("x1", False),
        ("", False),
    ],
)
def test_the_words_for_a_caption(text: str, caption: bool) -> None:
    assert is_caption(text) is caption


def test_labels_agree_with_a_scan_cell_by_cell() -> None:
    """Labels (which check's Grid reads its labels through) against the rule scanned cell by cell:
    the nearest text above within HEADER_ROWS, above at any distance, to the left within
    LABEL_COLUMNS, on a random sheet of texts, blanks and numbers."""
    from sheetnet.cells.labels import HEADER_ROWS, LABEL_COLUMNS

    rng = random.Random(23)
    cells: dict[tuple[int, int], object] = {}
    for _ in range(300):
        r, c = rng.randint(1, 40), rng.randint(1, 60)
        cells[(r, c)] = rng.choice(["w1", "η", " ", "x", 0.5, 1.0, "Loss", 2.0])
    book = _book(cells)
    labels = Labels(book)

    def text(r: int, c: int) -> str | None:
        value = cells.get((r, c))
        return value if isinstance(value, str) and value.strip() else None

    def first(texts: list[str | None]) -> str:  # the first text met
        return next((t for t in texts if t is not None), "")

    for r in range(1, 42):
        for c in range(1, 62):
            p = (0, r, c)
            above = first([text(k, c) for k in range(r - 1, max(0, r - HEADER_ROWS - 1), -1)])
            anywhere_above = first([text(k, c) for k in range(r - 1, 0, -1)])
            left = first([text(r, k) for k in range(c - 1, max(0, c - LABEL_COLUMNS - 1), -1)])
            assert (labels.header(p), labels.column_label(p), labels.row_label(p)) == (above, anywhere_above, left), p
