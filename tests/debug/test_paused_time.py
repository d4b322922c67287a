"""Time spent paused in the debugger is not run time: durations, token times, the
"running" counter and the LLM figures leave it out (issue: a 128 µs task shown inside a
5.57 s step)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from tests.debug.conftest import sample
from tracer import open_trace
from tui.debug.session import DebugSession

Make = Callable[..., DebugSession]
HOLD = 0.6
"""How long each test keeps the run paused: far above what the steps take."""


def test_a_pause_before_a_step_is_not_in_its_duration(session: Make) -> None:
    s = session(sample("topic_joke"))
    s.start({"topic": "cats"})
    while s.wait_paused() is not None:
        time.sleep(HOLD)  # a person reading the screen
        s.step()
    assert s.wait(5) and s.status().state == "done"
    with open_trace(s.path) as trace:
        starts = {e.step: e.t for e in trace.events({"step_start"})}
        ends = {e.step: e.t for e in trace.events({"step_end"}) if e.step in starts}
        assert ends and all(ends[k] - starts[k] < HOLD * 1e9 / 3 for k in ends)
        (run_end,) = trace.events({"run_end"})
        assert run_end.data["duration"] < HOLD * 1e9  # two pauses of HOLD, left out
        assert all(e.data["duration"] < HOLD * 1e9 / 3 for e in trace.events({"task_end"}))


def test_the_running_counter_stands_still_while_paused(session: Make) -> None:
    s = session(sample("subgraph"), "node_2/subgraph_node_2")
    s.start({"foo": "foo"}, mode="continue")
    assert s.wait_paused() is not None
    first = s.status()
    time.sleep(HOLD / 2)
    later = s.status()
    assert later.state == "paused" and later.now == first.now
    for running in later.running:
        assert later.now - running.started < HOLD / 3
    s.cont()
    assert s.wait(5)


def test_a_token_pause_is_not_in_the_model_call(session: Make) -> None:
    """Paused at a token: breakpoint mid-stream for HOLD s, the call's duration, its
    tokens' gaps and so its tok/s and stalls are what the model took (the scripted model
    takes ~0.6 s, 20 ms a token)."""
    s = session(sample("joke_poem"), "token:sundae")
    s.start({"topic": "ice cream"}, mode="continue")
    pause = s.wait_paused()
    assert pause is not None and pause.where == "token"
    time.sleep(HOLD)
    s.cont()
    assert s.wait_paused() is None and s.wait(5) and s.status().state == "done"
    with open_trace(s.path) as trace:
        joke = next(c for c in trace.llm_calls() if c.node == "write_joke")
        (end,) = (e for e in trace.events({"llm_end"}) if e.data["n"] == joke.number)
    times = [t for t, _ in joke.tokens]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) < HOLD * 1e9 / 3  # the pause is not a stall
    words = len(joke.tokens)
    assert end.data["d"] < (HOLD / 2 + 0.03 * words) * 1e9  # nor part of the call
