"""tui.navigation: where the step keys, search keys and replay speed keys go."""

from __future__ import annotations

from tui.navigation import SPEEDS, faster, nearest, next_match, slower


def test_speeds_step_through_the_table_and_stop_at_its_ends() -> None:
    assert faster(2.0) == 4.0 and slower(2.0) == 1.0
    assert faster(SPEEDS[-1]) == SPEEDS[-1] and slower(SPEEDS[0]) == SPEEDS[0]
    assert faster(3.0) == 4.0 and slower(3.0) == 2.0  # off the table: the next one


def test_nearest_step_row() -> None:
    steps = [2, 3, 7, 10]
    assert nearest(steps, 7) == 2
    assert nearest(steps, 0) == 0  # a subgraph run starting past step 0
    assert nearest(steps, 5) == 1  # 3 and 7 are as near: the earlier one
    assert nearest(steps, 99) == 3
    assert nearest([], 4) is None


def test_next_match_wraps_both_ways() -> None:
    matches = [1, 4, 9]
    assert next_match(matches, 4, 1) == 9
    assert next_match(matches, 4, 1, include_current=True) == 4
    assert next_match(matches, 9, 1) == 1  # wraps to the first
    assert next_match(matches, 4, -1) == 1
    assert next_match(matches, 1, -1) == 9  # wraps to the last
    assert next_match(matches, 5, -1) == 4
    assert next_match([], 3, 1) is None
