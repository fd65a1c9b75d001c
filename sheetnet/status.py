"""What `sheetnet check` says of each number of the run (shared by the check package and check_view.py)."""

FOUND, MISMATCH, ABSENT = "found", "mismatch", "absent"
SLIP, FOLLOWS = "slip", "follows"  # the two kinds of mismatch
