"""How `check` finds a run's numbers in a hand-made workbook, in numbers: every threshold it decides with.

`check --config` fits where a workbook holds each number of a run by value (`fit`): when two
numbers are one, which cells vote for a position and how much, when a move is a table's stride,
when a cell is an element's base, which column left over is whose. Each such decision is taken
against a number here, named with its reason: what goes wrong if it is smaller or larger. They are
grouped by the pass that uses them, in the order `fit.fit_layout` runs them.

Under each group's heading, "held by" names for every number the test that fails when it is
changed as shown (one direction or both; the first that failed among the zoo's verdicts with their
network files, tests/test_derive.py, and tests/test_check*.py; where none of those did, a test of
tests/test_thresholds.py holds it, on a small workbook whose verdict changes with it). "none": no
test failed with it changed that way, so the number is held on one side only; "not changed yet":
no test has been run with it changed (a test is owed). Tests are named as file::test under tests/.
The numbers that changed no verdict either way were taken out, each in a commit of its own:
SPREAD_WEIGHT, READ_COST, NAMED_COST, FEW_MATCHES, FORWARD_MARGIN, TABLE_NUMBERS, STRIDE_VOTERS,
SLIP_SHARE, WEIGHTS_CARRIED_SHARE, LAST_SHARE, COPY_SHARE.

Guarantee: numbers only; this module imports nothing, so any pass may import it.
"""

from __future__ import annotations

# Numbers as written (`grid`, `judge.Tolerance`)
# held by:
#   FULL_RELATIVE 1e-9 → 1e-6: test_check.py::
#     test_a_formula_slip_filled_down_is_named_in_every_row_and_its_consequences_follow
#   FULL_ABSOLUTE 1e-12 → 0: test_check.py::test_a_difference_a_spreadsheet_gives_as_0_agrees_with_the_runs_tiny_one
#   ROUNDING_SLACK 1e-9 → 0 and → 0.5: test_thresholds.py::test_a_number_typed_as_its_rounding_half_up_agrees_with_it
#   PLACES 4 → 3: test_check_mutations.py::test_the_first_slip_is_named_where_it_was_made[rows-typed-4dp-h-literal-eta]
#   FEWER_PLACES 3 → 2, PLACES_SAMPLE 20 → 200: test_thresholds.py::
#     test_numbers_typed_to_3_places_from_a_calculator_are_right
#   ROUNDED_UNITS 5 → 1: test_check_mutations.py::
#     test_the_first_slip_is_named_where_it_was_made[blocks-4dp-h-literal-eta]
FULL_RELATIVE = 1e-9  # a formula's result, or a number typed with 10+ digits, agrees to this
# and to this near 0: Excel and LibreOffice give 0 for a difference of two numbers equal to their
# last few bits (2.5 − 2.499999999999993), where the run keeps −7e-15
FULL_ABSOLUTE = 1e-12
# a typed number is its value's correct rounding within half a unit of its last place and this
# fraction of it more: the half unit's own floating-point error (0.00005 is not quite 5e-5)
ROUNDING_SLACK = 1e-9
# decimals a typed number counts as at least: a typed 0 stands only for a number below 5·10⁻⁵
# (fewer, and it stands for any below 5·10⁻⁴; more, and a number rounded to 4 places is a slip)
PLACES = 4
FEWER_PLACES = 3  # a sheet whose typed numbers mostly have 3 decimals is read to 3 (each of them a rounding)
# typed numbers a sheet needs before their decimals say how it is typed: a few typed inputs (0.05,
# 0.1) or η say nothing of the places its many copied numbers are rounded to
PLACES_SAMPLE = 20
# `judge`: a number rounded by hand is right within this many units of its last place (plus one
# unit per unit of |x|): a rounding of a rounding, or a sum of rounded numbers, is a few units off
ROUNDED_UNITS = 5

# What a found number tells (`evidence`)
# held by:
#   CLOSE 0.05 → 0.01: test_check.py::test_every_shared_fixture_gets_the_verdict_judged_by_hand[luizcf-241]
#   MAX_VOTERS 200 → 20 and → 2000: none. It bounds work, not a verdict (a value written n times casts n
#     votes an iteration, n² pairs for the stride), so it stays; no test times it
#   SMALL_NUMBERS → (0,): test_derive.py::test_each_zoo_workbook_gets_its_verdict_with_its_network_file[online-and.xlsx]
#   TINY_WINDOWS 1000 → 1: test_check_families.py::test_rows_of_relu_and_softmax[relu]
#   VOTE_DIGITS 5 → 1: test_check_scenarios.py::test_two_tables_side_by_side_are_two_tables_each_right
CLOSE = 0.05  # a wrong number within 5 % of the right one belongs to that element
MAX_VOTERS = 200  # a value written more often than this (0, 1, an input) says nothing of where it is
# numbers sheets hold everywhere (inputs, targets, a column of ones, zero biases): evidence of an
# element only where the fitted layout puts it, never a vote
SMALL_NUMBERS = (0.0, 1.0, -1.0, 2.0, -2.0)
# a number within this many full-precision windows of 0 is as good as 0: a converged network's
# gradient of 1e-13 where the sheet has 0 or 4e-13 (smaller, and those tiny numbers vote anywhere)
TINY_WINDOWS = 1000
# digits a typed number shows for its vote to weigh as one at full precision: a typed 0.25 agrees
# with many numbers (weight 2/5), 0.24995 with one
VOTE_DIGITS = 5

# Where tables start (`tables`)
# held by:
#   TABLE_FORWARD_SHARE 0.25 → 0.6, TABLE_QUANTITIES 2 → 3: test_thresholds.py::
#     test_a_table_wrong_from_its_first_hidden_number_is_still_a_table; TABLE_FORWARD_SHARE → 0.05: none
#   TABLE_QUANTITIES 2 → 1: test_thresholds.py::test_a_summary_of_the_outputs_alone_is_no_table
#   RETYPED_SHARE 0.5 → 0.95: test_check_typed.py::test_a_weight_typed_off_is_the_first_slip[blocks]
# a sheet starts a table if it holds this share of iteration 0's forward pass: a slip in its first
# layer leaves little of it right (larger, and such a table is missed); smaller, and a summary is a table
TABLE_FORWARD_SHARE = 0.25
TABLE_QUANTITIES = 2  # from this many of its quantities at least: a summary of ŷ alone is no table
# an iteration's parameters are taken as typed by hand when this share of them is typed as their
# rounding: a weight or two typed as a rounding by chance does not restart the run
RETYPED_SHARE = 0.5

# Positions the passes share (`geometry`)
# held by:
#   ROW_LENGTH 1000 → 1: test_derive.py::
#     test_each_zoo_workbook_gets_its_verdict_with_its_network_file[phases-241-noloss-input-slip.xlsx];
#     → 10**8: test_thresholds.py::
#     test_an_update_typed_wrong_on_every_sheet_is_named_on_its_own_sheet_not_where_the_next_uses_it;
#     → 10, → 100, → 10**7: none
#   OTHER_SHEET 10**9 → 998 and → 0: the same test of test_thresholds.py (a sheet on counts more than a
#     row on); → 999 and up: none
#   BEHIND 2 → 1: test_derive.py::
#     test_each_zoo_workbook_gets_its_verdict_with_its_network_file[phases-241-noloss-input-slip.xlsx]
ROW_LENGTH = 1000  # reading order: a row comes after every column of the row before (sheets are narrower)
OTHER_SHEET = 10**9  # reading order: a cell on another sheet comes after every cell of this one
BEHIND = 2  # reading order: a cell before the anchor counts this much farther than one after it

# The stride (`stride`)
# held by:
#   STRIDE_ITERATIONS 6 → 2, → 3 and → 20: none
#   STRIDE_PAIRS: with MAX_VOTERS
#   NEAR_FORWARD 3 → 0 (bases too): test_check_families.py::test_the_delta_rule_signs[sign]
#   FAR_WEIGHT 0.1 → 1: test_check_mutations.py::test_a_right_workbook_passes[rows-eta-2-long]
#   STRIDE_CANDIDATES 3 → 1: test_check_families.py::test_a_slip_in_every_block_is_named[slope]
#   FORWARD_CARRIED_SHARE 0.5 → 0: test_derive.py::
#     test_a_correct_workbook_that_writes_no_loss_is_never_called_wrong[phases-241-noloss.xlsx]; → 0.1, → 0.9: none
#   WEIGHTS_CARRIED 2 → 1: the same test; → 5, → 100: none
#   REPEATED_SHARE 0.5 → 0: test_thresholds.py::
#     test_a_block_typed_twice_is_the_first_slip_though_the_later_blocks_all_follow_it (and the η tests typed
#     to 4 places: a column that stays, w3 = 0.25, is one number written again); → 0.9 and → 1.01:
#     test_thresholds.py::test_a_first_block_written_twice_is_iteration_0_and_its_copy
#   REPEATED_NUMBERS 2 → 1 and → 10: none (no workbook of the tests has fewer than 10 numbers that move,
#     or one written again alone)
STRIDE_ITERATIONS = 6  # iterations whose exact matches vote for the stride
# a first iteration is written twice (`fit._first_written_twice`) where this share of its numbers
# that move one stride on at all are written again one stride on before they move: a number or
# two the same (a slow one, typed to 4 places) is no copy; nearly all are in a block copied
REPEATED_SHARE = 0.5
REPEATED_NUMBERS = 2  # … and this many at least: one number the same one stride on (a slow weight) is chance
# pairs of cells (found here × found one iteration on) an element may vote with: more, and its
# vote is spread too thin to tell anything (a frequent number's every pair)
STRIDE_PAIRS = 4 * MAX_VOTERS
NEAR_FORWARD = 3  # cells within this many of iteration 0's forward pass are its (an input typed above is not)
FAR_WEIGHT = 0.1  # iteration 0's vote from a cell farther away: an input typed again above the table
STRIDE_CANDIDATES = 3  # the most voted moves tried in turn before the move after a slip
FORWARD_CARRIED_SHARE = 0.5  # a stride carries this share of the forward pass on to iteration 1's, within 5 %
# or some of the parameters that move, exactly, of this many at least (a wrong slope in iteration
# 0's hidden layer moves iteration 1's forward pass, not the output layer's update)
WEIGHTS_CARRIED = 2

# Each element's base (`bases`), and the numbers written twice (`fit._written_twice`)
# held by:
#   TWO_ITERATIONS 1.5 → 2.5: test_check_shapes.py::
#     test_one_cell_wrong_is_the_first_slip[a-row-per-eta-d1@0/0.5-∂L/∂B1[0]-0]
#   FULL_WEIGHT 0.99 → 0.5: test_check_scenarios.py::
#     test_numbers_typed_to_3_places_with_the_rounding_carried_forward_are_right
#   ONE_ITERATION_WEIGHT 0.6 → 1.01: test_thresholds.py::test_one_iteration_typed_to_4_places_is_found; → 0.2: none
#   COPY_ITERATIONS 2 → 1: test_check.py::test_every_shared_fixture_gets_the_verdict_judged_by_hand[cardona-mazur]
#   EVIDENCE_SLACK 1e-9 → 0 and → 0.5: none
#   SHARED_SHARE 0.9 → 0.5: test_check_families.py::test_the_delta_rule_signs[sum]
#   CONSTANT_ITERATIONS 2 → 1 and → 3, STAYS 3 → 2, → 4 and → 6: none
#   EARLY_DECAY 0.5 → 1 and → 0.7: test_thresholds.py::
#     test_a_block_typed_twice_is_the_first_slip_though_the_later_blocks_all_follow_it; → 0.1: none
#   EXACT_DECADES -16 → 0 and → -3: none. It is reached only where the next iteration's cell holds the
#     element's number exactly but that number cast no vote (0, ±1, ±2, or one written more than
#     MAX_VOTERS times), between two bases of equal early evidence; and any value below -15 ranks the
#     same (the smallest relative gap of two doubles, 1.1e-16, is -15 decades)
# evidence worth two iterations: a full vote and one of a number typed to 3 digits or more (1 + 0.6);
# less is one iteration, taken only where nothing else explains it (a number equal once by chance)
TWO_ITERATIONS = 1.5
FULL_WEIGHT = 0.99  # a vote this heavy is a cell at full precision (`evidence.vote_weight` gives 1)
ONE_ITERATION_WEIGHT = 0.6  # iteration 0's one vote, alone in its cell, counts if its cell shows 3 digits
# a number written twice agrees in this many iterations at least (once is chance: x·W = O1 while B1 is 0)
COPY_ITERATIONS = 2
EVIDENCE_SLACK = 1e-9  # sums of the same votes, added in another order, are equal to this
SHARED_SHARE = 0.9  # two elements keep one cell if each is found there this share as often as the other
CONSTANT_ITERATIONS = 2  # a number that stays is known by staying: in this many iterations (a counter starts at 0 too)
STAYS = 3  # a column that holds one number this many iterations at least is a number that stays (x = 1)
EARLY_DECAY = 0.5  # a vote counts this much less per iteration later: before any slip the iterations agree
EXACT_DECADES = -16  # an exact continuation ranks before any gap a double can show (16 digits)

# The columns left over (`leftovers`)
# held by:
#   LEFTOVER_ITERATIONS 4 → 2: test_check_typed.py::test_a_weight_typed_off_is_the_first_slip[rows]
#   FLIPPED 0.01 → 1: test_check_mutations.py::
#     test_the_first_slip_is_named_where_it_was_made[blocks-4dp-g-column-wrong-from-the-start]
#   NEGATED_ITERATIONS 2 → 5 (more than the LEFTOVER_ITERATIONS held against: the rule off): test_thresholds.py::
#     test_a_column_holding_a_gradients_negative_throughout_with_the_updates_right_is_another_number;
#     → 3: test_thresholds.py::
#     test_a_gradients_negative_throughout_with_the_updates_right_is_right_in_a_table_of_any_length[2]; → 1: none
#   ORDER_WEIGHT 1e-9 → 1e-4 (the reading order outweighs a difference of error): test_thresholds.py::
#     test_an_update_typed_wrong_on_every_sheet_is_named_on_its_own_sheet_not_where_the_next_uses_it;
#     → 0: every verdict of test_thresholds, test_check and test_derive that passes today still does, and
#     the pasted online-and.xlsx, owed then, got its verdict too (before ROW_DISAGREES settled it)
#   EXTRA_ORDER 1e-6 → 0: none
#   ERROR_CAP 1 → 0.05 and → 100: none. An error is a gap over the larger of the two numbers, a flipped
#     sign costing 1 % more: at most 1.005 (a number near 0 of the other sign), but up to 2 for a step
#     (η·∂L/∂p) of the other sign, so the cap binds (by more than 0.005) only on a step column of the
#     other sign named by its header: no workbook of the tests has one
#   ROW_DISAGREES 1e-3 → 0: test_thresholds.py::
#     test_a_zoo_workbook_with_its_numbers_pasted_over_its_formulas_gets_its_verdict[online-and.xlsx]
LEFTOVER_ITERATIONS = 4  # iterations whose numbers a column left over is held against
FLIPPED = 0.01  # a number with its sign flipped is as close as one this far off: the commonest slip of all
NEGATED_ITERATIONS = 2  # a column the element's negative throughout, this often at least, is another number (t − y)
# a column's share of rows far (over 5 %) from the element costs this much more: of two columns as
# close at the median, the one that agrees in more rows wins (x1 beside t in an AND table, 0 and 1
# in three rows of four); too small to outweigh a difference of the median itself that matters
ROW_DISAGREES = 1e-3
ERROR_CAP = 1.0  # a column this far off or more is as far as can be: one wild row does not decide
ORDER_WEIGHT = 1e-9  # equal columns go in reading order: too small to outweigh any difference of error
EXTRA_ORDER = 1e-6  # of equals (η = 1: a step is its gradient), the run's own number first

# η (`eta`)
# held by:
#   ETA_MAX 1000 → 0.3: test_check.py::test_every_shared_fixture_gets_the_verdict_judged_by_hand[harshvs4-bp]
#   ETA_LABEL_REACH 2 → 1 and → 4: test_thresholds.py::
#     test_eta_written_two_cells_right_of_its_label_is_the_eta_cell_and_a_number_farther_is_not
#   IN_LINE_REACH 400 → 3: test_check_shapes.py::test_each_shape_is_right_as_built[a-row-per-eta]
#   VISIBLE_MOVE 1e-4 → 0: none since the η found are compared on the parameters that move most
#     (before, test_check_cli.py::test_one_sheet_of_several_with_sheet: harshvs4's LR_0.5 sheet was
#     taken to move by the network file's η = 0.1, not its own 0.5)
#   ETA_SHARE 0.5 → 0.99: test_thresholds.py::
#     test_a_sheet_per_eta_with_no_eta_cell_and_a_slip_in_its_first_update_trains_its_own_eta; → 0.1: none
#   ETA_START_CELLS 5 → 1: test_thresholds.py::
#     test_an_eta_shown_only_by_the_updates_is_found_where_the_starting_weights_are_listed_above; → 100: none
#   ETA_BIGGEST_SHARE 0.5 → 0.25, ETA_BINS 8 → 2: test_thresholds.py::
#     test_an_eta_of_8_shown_only_by_the_updates_of_w7_and_w8_is_found; ETA_BIGGEST_SHARE → 0 and → 1,
#     ETA_BINS → 5 and → 100: none (more candidates are more work, and each is confirmed before it is taken)
#   ETA_BIGGEST 2 → 1 and → 100: none. It decides only where 3 parameters or fewer move (half of 4 or
#     more is 2 at least), a table no test has with no η cell and a slip in its first update
#   ETA_SPREAD 0.05 → 0.001 and → 0.5, ETA_TYPED_DIGITS 6 → 1: test_thresholds.py::
#     test_an_eta_shown_only_by_updates_typed_to_4_places_is_the_eta_typed
#   ETA_TYPED_DIGITS 6 → 9: test_thresholds.py::test_a_wrong_output_that_scales_every_gradient_alike_is_no_other_eta
#   MULTIPLE_SLACK 0.1 → 0 and → 0.5: none. It decides only where the run's η puts half of the parameters
#     in line or more, but not all, and a multiple of it puts more: no workbook of the tests does
ETA_MAX = 1000  # a number labelled η, or an η an update gives, above this is no learning rate
ETA_LABEL_REACH = 2  # η's label is at most this many cells to its left (`η`, `=`, 0.5)
ETA_START_CELLS = 5  # cells holding a parameter whose lines are searched for its update (the nearest)
IN_LINE_REACH = 400  # rows below, or columns right of, a parameter where its update may be written
# an update moves a parameter visibly by a unit of the 4th decimal: a typed 0.15 is no update by 2e-5
VISIBLE_MOVE = 1e-4
ETA_SHARE = 0.5  # an η is taken if it puts this share of the parameters it moves visibly in line
ETA_BIGGEST_SHARE = 0.5  # this share of the parameters, those moving most, give η's candidates (they give it best)
ETA_BIGGEST = 2  # … and this many at least
# candidates within this share of the smallest of a group are one η: numbers typed to 4 places give
# η no closer than a few % (a weight moving by 0.01, typed to 4 places, gives it within 1 %); wider,
# and the values k and k + 1 updates later in line (about k·η and (k + 1)·η) are one group for k < 20
ETA_SPREAD = 0.05
# significant digits of an η a person types (0.25, 0.0125, 0.3333): an η the updates show only to
# more is a ratio, not a rate (a wrong ŷ of one output scales every gradient by one factor, 1.00698)
ETA_TYPED_DIGITS = 6
ETA_BINS = 8  # the most common groups confirmed
MULTIPLE_SLACK = 0.1  # a candidate within this of k·η is η, k updates later in line

# Loss cells placed by formulas (`placed`)
# held by:
#   RATIO_TOLERANCE 1e-6 → 1e-15 and → 1e-2: test_thresholds.py::
#     test_a_loss_a_fixed_factor_off_is_explained_as_that_factor
RATIO_TOLERANCE = 1e-6  # a loss computed from the same numbers as another is its multiple to this
