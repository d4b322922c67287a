"""The worker-thread functions, run directly: open, follow batching, state warm-up."""

from __future__ import annotations

import gc
import threading
import time
from pathlib import Path

import pytest
from textual.message import Message

import tracer
from tui import trace_tasks
from tui.step_rows import RowCache
from tui.trace_tasks import (
    FollowBatch,
    TraceFailed,
    TraceOpened,
    background_turn,
    follow_batches,
    freeze_long_lived,
    open_until_ready,
    thaw_long_lived,
    warm_rows,
    warm_states,
)

from . import traces


def _open(path: Path, *, wait: bool = False, timeout: float = 2.0) -> list[Message]:
    posted: list[Message] = []
    deadline = time.monotonic() + timeout
    open_until_ready(path, posted.append, lambda: time.monotonic() > deadline, wait=wait,
                     poll=0.01)
    return posted


class TestOpen:
    """open_until_ready posts exactly one outcome (plus a 'waiting' note when following)."""

    def test_opens(self, agent_trace: Path) -> None:
        posted = _open(agent_trace)
        assert len(posted) == 1 and isinstance(posted[0], TraceOpened)
        posted[0].trace.close()

    def test_missing_without_follow(self, tmp_path: Path) -> None:
        posted = _open(tmp_path / "nope.stepscope")
        assert len(posted) == 1 and isinstance(posted[0], TraceFailed)
        assert "no such file" in posted[0].message and not posted[0].waiting

    def test_follow_waits_for_the_file(self, agent_trace: Path, tmp_path: Path) -> None:
        """With follow, a missing file is waited for, and opened once it appears."""
        path = tmp_path / "later.stepscope"
        timer = threading.Timer(0.2, lambda: path.write_bytes(agent_trace.read_bytes()))
        timer.start()
        posted = _open(path, wait=True)
        timer.join()
        assert isinstance(posted[0], TraceFailed) and posted[0].waiting
        assert isinstance(posted[-1], TraceOpened) and len(posted) == 2
        posted[-1].trace.close()


class TestFollowBatches:
    """A burst of events becomes few messages, and nothing is lost."""

    def test_batches_count_every_event(self, tmp_path: Path) -> None:
        path = tmp_path / "grow.stepscope"
        posted: list[Message] = []
        done = threading.Event()
        ready = threading.Event()

        def write() -> None:
            with tracer.record(path):
                ready.set()
                traces.counter(40, delay=0.01).invoke({"n": 0, "log": []}, {"recursion_limit": 60})
            time.sleep(0.2)
            done.set()

        thread = threading.Thread(target=write)
        thread.start()
        ready.wait()
        time.sleep(0.05)
        with tracer.open_trace(path) as trace:
            # What the trace had read when it opened: follow yields what came after. (A
            # count of trace.events() here raced the writer: it reads the file as it is
            # now, so frames appended since opening were counted twice.)
            opened_at = trace.index.end
            follow_batches(trace, posted.append, done.is_set, window=0.05)
            thread.join()
        batches = [m for m in posted if isinstance(m, FollowBatch)]
        kinds = sum((b.kinds for b in batches), start=type(batches[0].kinds)())
        assert sum(b.events for b in batches) == sum(kinds.values())
        with tracer.open_trace(path) as final:
            total = len(list(final.events()))  # index and keyframe frames left out
            before = sum(1 for offset in final.offsets() if offset < opened_at
                         and final.read(offset).kind not in ("index", "keyframe"))
        assert before + sum(b.events for b in batches) == total
        assert kinds["step_end"] >= 30 and kinds["run_end"] == 1
        assert len(batches) < sum(b.events for b in batches) / 5  # merged, not one per event


class TestWarmStates:
    """warm_states leaves memoised states behind, so state_at is quick afterwards."""

    def test_memo(self, counter_trace: Path) -> None:
        with tracer.open_trace(counter_trace) as trace:
            warm_states(trace, 0, lambda: False, every=16)
            memo = trace.replayer._memo
            assert memo, "state_at memoises along the replay"
            assert trace.state_at(60, 0)["n"] == 60


class TestBackgroundTurns:
    """The background jobs take turns on a trace, so only one competes with the UI."""

    def test_warm_up_waits_for_its_turn(self, counter_trace: Path) -> None:
        """While another job holds the turn, warm-up reads nothing; it goes on after."""
        with tracer.open_trace(counter_trace) as trace:
            rows = RowCache(trace, 0)
            turn = background_turn(trace)
            assert background_turn(trace) is turn  # one per trace
            turn.acquire()
            worker = threading.Thread(target=warm_rows, args=(rows, lambda: False))
            worker.start()
            time.sleep(0.2)
            assert rows.cached(0) is None
            turn.release()
            worker.join(timeout=10)
            assert all(rows.cached(i) is not None for i in range(len(rows)))

    def test_cancelled_while_waiting(self, counter_trace: Path) -> None:
        """A job cancelled while it waits for its turn returns without reading."""
        with tracer.open_trace(counter_trace) as trace, background_turn(trace):
            start = time.monotonic()
            warm_states(trace, 0, lambda: time.monotonic() - start > 0.1)
            assert not trace.replayer._memo


class TestFreeze:
    """Only a big trace has the collector's long-lived objects frozen."""

    def test_small_trace_is_left_alone(self, counter_trace: Path) -> None:
        with tracer.open_trace(counter_trace) as trace:
            assert not freeze_long_lived(trace)

    def test_freeze_and_thaw(self, counter_trace: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
        """Past the threshold what is alive is frozen, until the screen thaws it."""
        monkeypatch.setattr(trace_tasks, "FREEZE_EVENTS", 1)
        try:
            with tracer.open_trace(counter_trace) as trace:
                assert freeze_long_lived(trace) and gc.get_freeze_count() > 0
        finally:
            thaw_long_lived()
        assert gc.get_freeze_count() == 0
