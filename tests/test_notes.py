"""The notes' numbers: every value of the table in shared/seed/README.md, to 4 places."""

from __future__ import annotations

import pytest

from sheetnet.trace import Trace

# (iteration, quantity, value of every element as the notes round it)
NOTES = [
    (0, "O1", [1.5, 1.5]),
    (1, "O1", [1.15, 1.15]),
    (2, "O1", [1.0233, 1.0233]),
    (0, "O2", [2.5, 2.5]),
    (1, "O2", [1.64425, 1.64425]),
    (2, "O2", [1.3592, 1.3592]),
    (0, "ŷ", [4.5]),
    (1, "ŷ", [2.4658]),
    (2, "ŷ", [1.8654]),
    (0, "Δ", [3.5]),
    (1, "Δ", [1.4658]),
    (2, "Δ", [0.8654]),
    (0, "∂L/∂W1", [14, 14]),
    (1, "∂L/∂W1", [5.0691, 5.0691]),
    (0, "∂L/∂B1", [7, 7]),
    (1, "∂L/∂B1", [2.5346, 2.5346]),
    (0, "∂L/∂W2", [5.25] * 4),
    (1, "∂L/∂W2", [1.5381] * 4),
    (0, "∂L/∂B2", [3.5, 3.5]),
    (1, "∂L/∂B2", [1.3375, 1.3375]),
    (0, "∂L/∂B3", [3.5]),
    (1, "∂L/∂B3", [1.4658]),
]

UPDATED = [
    (0, "W1", [0.86, 0.86]),
    (1, "W1", [0.8093, 0.8093]),
    (0, "B1", [-0.57, -0.57]),
    (1, "B1", [-0.5953, -0.5953]),
    (0, "W2", [0.9475] * 4),
    (1, "W2", [0.9321] * 4),
    (0, "B2", [-0.535, -0.535]),
    (1, "B2", [-0.5484, -0.5484]),
    (0, "W3", [0.9125, 0.9125]),
    (1, "W3", [0.8884, 0.8884]),
    (0, "B3", [-0.535]),
    (1, "B3", [-0.5497]),
]


def _close_to_notes(values: list[float], notes: list[float]) -> bool:
    return len(values) == len(notes) and all(abs(v - n) <= 0.5e-4 + 1e-12 for v, n in zip(values, notes, strict=False))


@pytest.mark.parametrize(("t", "name", "expected"), NOTES, ids=[f"{t}-{n}" for t, n, _ in NOTES])
def test_quantity_matches_the_notes(notes_trace: Trace, t: int, name: str, expected: list[float]) -> None:
    values = notes_trace.of(notes_trace.iterations[t].get(name, 0))
    assert _close_to_notes(values, expected), (values, expected)


@pytest.mark.parametrize(("t", "name", "expected"), UPDATED, ids=[f"{t}-{n}" for t, n, _ in UPDATED])
def test_updated_parameter_matches_the_notes(notes_trace: Trace, t: int, name: str, expected: list[float]) -> None:
    graph = notes_trace.iterations[t]
    updated = graph.updated(name)
    assert _close_to_notes(notes_trace.of(updated), expected)


def test_each_iteration_starts_from_the_previous_update(notes_trace: Trace) -> None:
    # The notes: iteration 1's O1 = 2·0.86 − 0.57 = 1.15, from iteration 0's updated W1 and B1.
    first, second = notes_trace.iterations[0], notes_trace.iterations[1]
    w1 = first.updated("W1")
    assert notes_trace.of(second.get("W1")) == notes_trace.of(w1)
    assert notes_trace.of(second.get("O1", 0)) == pytest.approx([1.15, 1.15], abs=1e-12)


def test_loss_is_half_squared_error(notes_trace: Trace) -> None:
    assert [notes_trace.loss(t) for t in range(3)] == pytest.approx(
        [0.5 * 3.5**2, 0.5 * 1.465756**2, 0.5 * 0.865449**2], rel=1e-5
    )
