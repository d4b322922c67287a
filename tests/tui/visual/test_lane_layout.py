"""Superstep lanes and step timings, on real traces."""

from __future__ import annotations

from collections.abc import Callable

import tracer
from tracer.steps import RunSteps
from tui.views.lane_layout import (
    LABEL_WIDTH,
    MIN_WIDTH,
    UNIFORM_WIDTH,
    column_at,
    first_showing,
    lane_keys,
    render_lanes,
    visible_columns,
)
from tui.views.styled_rows import row_text

Opener = Callable[[str], tracer.Trace]


class TestStepTiming:
    """Reading step and task times from the index."""

    def test_straggler_is_the_longest_task(self, open_trace: Opener) -> None:
        """joke ∥ poem: the poem takes longest, ends last, and the joke waits for it."""
        steps = RunSteps(open_trace("joke_poem"), 0)
        timing = steps.timing(steps.position(1) or 0)
        longest = max(timing.tasks, key=lambda t: t.duration or 0)
        lagging = timing.straggler()
        assert lagging is not None and lagging[0] is longest
        assert longest.name == "write_poem"
        joke = next(t for t in timing.tasks if t.name == "write_joke")
        assert joke.end is not None and longest.end is not None
        assert timing.wait(joke) == longest.end - joke.end > 0
        assert timing.wait(longest) == 0

    def test_failed_task(self, open_trace: Opener) -> None:
        """The step an error cut short has the failed task, and a duration to its end."""
        steps = RunSteps(open_trace("failing"), 0)
        last = steps.timing(len(steps.entries) - 1)
        assert [(t.name, t.status) for t in last.tasks] == [("boom", "failed")]
        assert last.end is None and last.duration is None and last.extent > 0


class TestLanes:
    """Columns, rows, bars, barriers."""

    def test_barriers_close_each_column(self, open_trace: Opener) -> None:
        """Every visible step ends in ┃ at its barrier column, on every lane row."""
        steps = RunSteps(open_trace("branching"), 0)
        columns = visible_columns(steps.timing, len(steps.entries), 0, 120, scaled=True)
        keys = lane_keys(columns, ["plan", "fast", "slow", "merge", "review", "report"])
        rows = render_lanes(columns, keys, 3, len(steps.entries), True, 120)
        for row in rows[1:-2]:
            text = row_text(row)
            assert all(text[c.barrier_x] == "┃" for c in columns)
        assert columns[0].x == LABEL_WIDTH

    def test_scaled_widths_follow_durations(self, open_trace: Opener) -> None:
        """Scaled: the longest step is the widest; uniform: all the same width."""
        steps = RunSteps(open_trace("branching"), 0)
        scaled = visible_columns(steps.timing, len(steps.entries), 0, 200, scaled=True)
        longest = max(scaled, key=lambda c: c.timing.extent)
        assert longest.width == max(c.width for c in scaled)
        shortest = min(scaled, key=lambda c: c.timing.extent)
        assert shortest.width < longest.width
        assert min(c.width for c in scaled) >= MIN_WIDTH
        uniform = visible_columns(steps.timing, len(steps.entries), 0, 200, scaled=False)
        assert {c.width for c in uniform} == {UNIFORM_WIDTH}

    def test_straggler_and_wait_roles(self, open_trace: Opener) -> None:
        """In joke ∥ poem, the poem's bar is the straggler and the joke's row shows wait."""
        steps = RunSteps(open_trace("joke_poem"), 0)
        columns = visible_columns(steps.timing, len(steps.entries), 0, 120, scaled=True)
        keys = lane_keys(columns, ["write_joke", "write_poem"])
        rows = render_lanes(columns, keys, 0, len(steps.entries), True, 120)
        joke, poem = rows[1], rows[2]
        assert "wait" in {r for _, r in joke} and "straggler" not in {r for _, r in joke}
        assert "straggler" in {r for _, r in poem}

    def test_selected_column_and_clicks(self, open_trace: Opener) -> None:
        """The selected step's cells carry sel: roles; x maps back to its column."""
        steps = RunSteps(open_trace("branching"), 0)
        columns = visible_columns(steps.timing, len(steps.entries), 0, 120, scaled=False)
        rows = render_lanes(columns, [("merge", 0)], 3, len(steps.entries), False, 120)
        col = next(c for c in columns if c.timing.step == 3)
        assert any(role.startswith("sel:") for _, role in rows[1])
        assert column_at(columns, col.x + 1) is col
        assert column_at(columns, 0) is None

    def test_ten_thousand_steps_stay_cheap(self, open_trace: Opener) -> None:
        """Only visible steps are read: laying out the end of 10,001 steps reads ~a screen."""
        steps = RunSteps(open_trace("long_loop"), 0)
        total = len(steps.entries)
        assert total > 10_000
        read: set[int] = set()

        def timing(position: int) -> object:
            read.add(position)
            return steps.timing(position)

        first = first_showing(total - 1, 0, lambda at: visible_columns(timing, total, at,
                                                                        120, True))
        columns = visible_columns(timing, total, first, 120, True)
        render_lanes(columns, lane_keys(columns, ["tick"]), total - 1, total, True, 120)
        assert columns[-1].position == total - 1
        # At most two screens of 120 one-character columns are read, never 10,001 steps.
        assert len(read) <= 240
