"""The cell formats sheetnet's workbooks are written in: one place for how a number looks.

Inputs (η, x, y, the starting W and B) are blue on yellow in a box, numbers carried from an earlier
iteration grey, results (ŷ, L, the updated parameters) bold; each section of an iteration has its
colour. The blocks and rows layouts and the exercise sheets all take their formats from here.
"""

from __future__ import annotations

import xlsxwriter
from xlsxwriter.format import Format

from sheetnet.net import (
    BACKPROP,
    CARRIED,
    FORWARD,
    INPUT,
    LOSS,
    MEAN,
    PARAMETERS,
    STEP_PREFIX,
    UPDATE,
    Quantity,
)

NUMBER_FORMAT = "General"  # every digit that fits the column; scientific when small or large; never ###
VALUE_WIDTH = 14  # a column of values, in characters

SECTION_COLOURS = {
    PARAMETERS: "#EDEDED",
    FORWARD: "#DDEBF7",
    LOSS: "#FCE4D6",
    BACKPROP: "#E4DFEC",
    MEAN: "#FFF2CC",
    UPDATE: "#E2EFDA",
}
RESULT_NAMES = {"ŷ", "L"}


class Formats:
    """The cell formats of a workbook of sheetnet's, made once per workbook: inputs yellow in a box,
    carried numbers grey, results bold, a colour per section of an iteration."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        add = workbook.add_format
        number = {"num_format": NUMBER_FORMAT, "align": "right", "indent": 1}  # a gap between neighbours
        self.title = add({"bold": True, "font_size": 14})
        self.subtitle = add({"italic": True, "font_color": "#595959"})
        self.subtitle_wrapped = add({"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"})
        self.label = add({})
        self.result_label = add({"bold": True})
        self.note = add({"italic": True, "font_color": "#7F7F7F", "font_size": 9, "indent": 1})
        self.input = add(
            {**number, "bg_color": "#FFF2CC", "font_color": "#1F3FBF", "border": 1, "border_color": "#BF9000"}
        )
        self.carried = add({**number, "font_color": "#7F7F7F", "bg_color": "#F2F2F2"})
        self.computed = add(number)
        self.result = add({**number, "bold": True})
        self.integer = add({"num_format": "0"})
        self.percent = add({"num_format": "0%", "bold": True})
        self.iteration = add({"num_format": "0", "align": "center"})
        self.header = add({"bold": True, "bottom": 1, "align": "right"})
        self.header_centre = add({"bold": True, "bottom": 1, "align": "center"})
        self.sections = {
            name: add({"bold": True, "bg_color": colour, "bottom": 1, "bottom_color": "#7F7F7F"})
            for name, colour in SECTION_COLOURS.items()
        }
        self.section_index = {
            name: add(
                {
                    "bold": True,
                    "bg_color": colour,
                    "bottom": 1,
                    "bottom_color": "#7F7F7F",
                    "align": "right",
                    "indent": 1,
                }
            )
            for name, colour in SECTION_COLOURS.items()
        }
        self.section_check = {  # an exercise's self-check column, headed ✓
            name: add({"bold": True, "bg_color": colour, "bottom": 1, "bottom_color": "#7F7F7F", "align": "center"})
            for name, colour in SECTION_COLOURS.items()
        }
        # an exercise's answer cell: a stronger yellow than Setup's inputs, black, in a thicker box; the only
        # cells of a protected iteration sheet that take typing
        self.answer = add({**number, "bg_color": "#FFE699", "border": 2, "border_color": "#7F6000", "locked": False})
        self.check = add({"align": "center", "bold": True, "font_color": "#C00000"})
        self.right = add({"font_color": "#00803C"})  # conditional: ✓ in green (✗ stays red)
        self.row_index = add({"align": "right", "font_color": "#595959"})
        self.bands = {  # the rows layout's quantity headers: wrapped in their columns, never run together
            name: add(
                {
                    "bold": True,
                    "bg_color": colour,
                    "bottom": 1,
                    "bottom_color": "#7F7F7F",
                    "left": 1,
                    "left_color": "#FFFFFF",
                    "text_wrap": True,
                    "valign": "vcenter",
                    "align": "center",
                }
            )
            for name, colour in SECTION_COLOURS.items()
        }

    def value(self, quantity: Quantity) -> Format:
        if quantity.role == INPUT:
            return self.input
        if quantity.role == CARRIED:
            return self.carried
        updated = quantity.section == UPDATE and "(" not in quantity.name and not quantity.name.startswith(STEP_PREFIX)
        if quantity.name in RESULT_NAMES or updated:
            return self.result
        return self.computed
