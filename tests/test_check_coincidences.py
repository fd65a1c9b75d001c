"""Coincidences of equal numbers in typed workbooks (values pasted over a sheet), decided by the
structure of the numbers around them, not by one workbook (issue 23, 5). The whole rules are held by
tests/test_thresholds.py's pasted zoo (phases-columns-de.xlsx: net h3 = b3 = 0.05, and net h1 =
w22 = 0.1, in a column per phase); here the line a vector's elements lie on, worked out by hand.
"""

from __future__ import annotations

from sheetnet.check.bases import _line


def test_a_vectors_line_is_the_one_most_of_its_elements_lie_on() -> None:
    """net h1..h4 written down column B (rows 23-26), two of them placed on copies of parameters
    they equal (C9, C16): B24 and B26 are two of four on one line down, one cell per element, and
    no other line holds two, so elements 0 and 2 belong at B23 and B25 (column 2, 1-based rows)."""
    line = _line({0: (0, 9, 3), 1: (0, 24, 2), 2: (0, 16, 3), 3: (0, 26, 2)})
    assert line is not None
    assert [line(k) for k in range(4)] == [(0, 23, 2), (0, 24, 2), (0, 25, 2), (0, 26, 2)]


def test_no_line_where_two_lines_hold_as_many_or_too_few_lie_on_one() -> None:
    """Two elements on a line down and two on a line across: neither says where the others go;
    two of five on a line are too few (the other three say otherwise); one element makes no line."""
    assert _line({0: (0, 5, 2), 1: (0, 6, 2), 2: (0, 9, 7), 3: (0, 9, 8)}) is None
    assert _line({0: (0, 5, 2), 1: (0, 6, 2), 2: (0, 1, 9), 3: (0, 12, 4), 4: (0, 30, 1)}) is None
    assert _line({0: (0, 5, 2)}) is None
    across = _line({0: (1, 4, 3), 2: (1, 4, 5), 3: (1, 8, 1)})  # two of three, across row 4
    assert across is not None and across(1) == (1, 4, 4)
