"""Step timing as the Lanes view reads it, against the step list's."""

from __future__ import annotations

from pathlib import Path

import tracer
from tests.tui.app.traces import record_agent
from tracer.steps import read_step
from tui.step_rows import read_row


def test_lanes_and_step_list_agree_on_the_input_step(tmp_path: Path) -> None:
    """Step 0 has no step_start: both count it from its run's start (lanes said 0 µs
    where the list said 2 ms)."""
    with tracer.open_trace(record_agent(tmp_path / "a.stepscope")) as trace:
        entry = trace.step_entry(0, 0)
        timing = read_step(trace, entry)
        row = read_row(trace, 0, entry)
        assert row.duration_ns is not None and row.duration_ns > 0
        assert timing.duration == row.duration_ns
