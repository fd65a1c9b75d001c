"""`cells.products`: a term of a sum as the cells it multiplies (weight × input), written once."""

from __future__ import annotations

from sheetnet.cells.products import products
from sheetnet.formula import parse, terms

SHEETS = ["S"]


def _pairs(formula: str) -> list[object]:
    return [products(term) for _, term in terms(parse(formula, 0, SHEETS, {}))]


def test_a_product_of_two_cells_is_one_pair() -> None:
    b5, e5, c5, f5 = (0, 5, 2), (0, 5, 5), (0, 5, 3), (0, 5, 6)
    assert _pairs("=B5*E5+C5*F5+G5") == [[(b5, e5)], [(c5, f5)], None]


def test_sumproduct_is_a_pair_per_element() -> None:
    assert _pairs("=SUMPRODUCT(B5:C5,E5:F5)+G5") == [[((0, 5, 2), (0, 5, 5)), ((0, 5, 3), (0, 5, 6))], None]


def test_other_terms_are_no_products() -> None:
    assert _pairs("=2*B5*E5+EXP(B5)+B5/E5+SUMPRODUCT(B5:C5,E5:G5)") == [None, None, None, None]
