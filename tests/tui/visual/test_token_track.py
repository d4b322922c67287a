"""Token tracks on LLM calls recorded in real traces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import tracer
from tracer.analysis import LLMCall
from tracer.steps import read_step
from tui.units import duration
from tui.views.styled_rows import row_text
from tui.views.token_track import (
    Axis,
    axis_for,
    call_label,
    streamed_rows,
    tick_columns,
    timeline,
    track,
)

Opener = Callable[[str], tracer.Trace]


def step_calls(trace: tracer.Trace, step: int) -> list[LLMCall]:
    return [c for c in trace.llm_calls() if c.step == step]


class TestTrack:
    """One call's track."""

    def test_a_tick_per_token(self, open_trace: Opener) -> None:
        """As many tick columns as tokens, and ticks drawn where tokens fall."""
        calls = step_calls(open_trace("parallel_llm"), 1)
        axis = axis_for(calls, None, [], 400)  # wide enough for one column per token
        for call in calls:
            columns = tick_columns(call, axis)
            assert len(columns) == len(call.tokens)
            assert len(set(columns)) == len(call.tokens)
            text = row_text(track(call, axis, []))
            assert sum(text.count(ch) for ch in "│┃█") == len(call.tokens)

    def test_ttft_shaded_before_the_first_token(self, open_trace: Opener) -> None:
        """░ runs from the call's start to its first token, nowhere else."""
        call = step_calls(open_trace("agent"), 1)[0]
        axis = axis_for([call], None, [], 100)
        text = row_text(track(call, axis, []))
        assert text.index("░") == axis.col(call.start)
        assert text.rindex("░") == axis.col(call.tokens[0][0]) - 1

    def test_stalls_are_marked(self, open_trace: Opener) -> None:
        """A 2 s gap before the last token is a stall: ╍ before its tick, and labelled."""
        call = step_calls(open_trace("agent"), 5)[0]
        last_t, last_text = call.tokens[-1]
        stalled = replace(call, tokens=[*call.tokens[:-1], (last_t + 2 * 10**9, last_text)],
                          end=call.end + 2 * 10**9 if call.end else None)
        assert stalled.stalls
        axis = axis_for([stalled], None, [], 100)
        assert "╍" in row_text(track(stalled, axis, []))
        assert "1 stall" in call_label(stalled)

    def test_names_from_the_trace_reach_no_terminal_as_control_codes(
            self, open_trace: Opener) -> None:
        """A node or model name holding an escape sequence is shown escaped."""
        call = step_calls(open_trace("agent"), 5)[0]
        hostile = replace(call, node="\x1b[2Jagent", model="gpt\x1b]0;pwned\x07")
        label = call_label(hostile)
        assert "\x1b" not in label and "\x07" not in label
        assert "\\x1b[2Jagent" in label and "gpt\\x1b]0;pwned\\x07" in label

    def test_barrier_and_wait(self, open_trace: Opener) -> None:
        """The quick call ends before the barrier: it waits (┈), the barrier is drawn (┃)."""
        trace = open_trace("parallel_llm")
        calls = step_calls(trace, 1)
        barrier = read_step(trace, trace.step_entry(1, 0)).end
        assert barrier is not None
        axis = axis_for(calls, None, [barrier], 100)
        quick = next(c for c in calls if c.node == "ask_quick")
        text = row_text(track(quick, axis, [barrier]))
        assert "┈" in text
        assert text[axis.col(barrier)] == "┃"


class TestLabels:
    """The call's label matches `LLMCall`'s numbers."""

    def test_label_values(self, open_trace: Opener) -> None:
        """Node, model, TTFT (ms), token count and tok/s as LLMCall computes them."""
        for call in open_trace("agent").llm_calls():
            label = call_label(call)
            assert label.startswith(f"#{call.number} agent · scripted")
            assert call.ttft is not None
            assert f"TTFT {duration(call.ttft)}" in label
            assert f"{len(call.tokens)} tok" in label
            tps = call.tokens_per_second
            assert ("— tok/s" if tps is None else f"{tps:.1f} tok/s") in label


class TestTimeline:
    """The whole view: parallel calls on one axis, the streamed text."""

    def test_parallel_calls_share_the_axis(self, open_trace: Opener) -> None:
        """Both calls of step 1 get a label and a track of the same width."""
        trace = open_trace("parallel_llm")
        calls = step_calls(trace, 1)
        view = timeline(calls, "t", None, [], 80, 0, 0)
        assert len(view.label_rows) == 2
        tracks = [view.rows[i + 1] for i in view.label_rows]
        assert {len(row_text(r)) for r in tracks} == {80}
        assert "▶" in row_text(view.rows[view.label_rows[0]])

    def test_streamed_text_up_to_the_cursor(self, open_trace: Opener) -> None:
        """The text shown is the tokens up to the cursor, the cursor token highlighted."""
        call = step_calls(open_trace("agent"), 5)[0]
        rows = streamed_rows(call, 3, 200)
        text = "".join(row_text(r) for r in rows)
        assert text == "".join(t for _, t in call.tokens[:4])
        assert rows[-1][-1] == (call.tokens[3][1], "text-current")

    def test_axis_columns(self) -> None:
        """Times map linearly onto columns, clamped to the axis."""
        axis = Axis(1000, 2000, 11)
        assert [axis.col(t) for t in (0, 1000, 1500, 2000, 9999)] == [0, 0, 5, 10, 10]
