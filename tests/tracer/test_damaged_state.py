"""A state that depends on a damaged frame is never returned as if it were whole."""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest

import tracer
from engine.graph import END, START, StateGraph
from tracer import DamagedStateError

from .raw_frames import walk_frames

STEPS = 40


class Count(TypedDict):
    n: int
    log: Annotated[list[int], operator.add]


def _counter() -> Any:
    def tick(state: Count) -> dict[str, Any]:
        return {"n": state["n"] + 1, "log": [state["n"]]}

    return (StateGraph(Count).add_node("tick", tick).add_edge(START, "tick")
            .add_conditional_edges("tick", lambda s: END if s["n"] >= STEPS else "tick")
            .compile())


def _record(path: Path, bulk: bool) -> tuple[Path, dict[int, Any]]:
    writer = tracer.TraceWriter(path, bulk=bulk)
    _counter().invoke({"n": 0, "log": []}, {"recursion_limit": STEPS + 5}, sinks=[writer])
    writer.close()
    with tracer.open_trace(path) as trace:
        states = {s: trace.state_at(s) for s in trace.steps()}
    return path, states


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, Any]]:
    """A closed trace of the counter, a frame per event, and its state after every step."""
    return _record(tmp_path_factory.mktemp("damaged") / "count.stepscope", bulk=False)


@pytest.fixture(scope="module")
def recorded_bulk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, Any]]:
    """The same, each step in one batch frame (the default)."""
    return _record(tmp_path_factory.mktemp("damaged") / "bulk.stepscope", bulk=True)


def _task_end_of(path: Path, step: int) -> int:
    with tracer.open_trace(path) as trace:
        return trace.step_entry(step).task_ends[0]


def _damaged_copy(path: Path, tmp_path: Path, offset: int, *, crashed: bool) -> Path:
    """`path` with one payload byte of the frame at `offset` flipped; `crashed` also cuts
    the index and footer off, as a writer killed before close leaves it."""
    data = bytearray(path.read_bytes())
    data[offset + 11 + 2] ^= 0x40
    if crashed:
        frames = walk_frames(bytes(data))
        data = data[: frames[-1].offset]  # the index frame and the footer go
    out = tmp_path / "damaged.stepscope"
    out.write_bytes(bytes(data))
    return out


class TestCrashedTrace:
    """A footerless trace is indexed by scanning; the damaged frame is simply missing."""

    def test_the_damaged_step_and_those_after_it_raise(
            self, recorded: tuple[Path, dict[int, Any]], tmp_path: Path) -> None:
        """Every step either returns its true state or raises, naming the step and
        offset; a keyframe after the damage makes the state whole again."""
        path, states = recorded
        victim = _task_end_of(path, 10)
        damaged = _damaged_copy(path, tmp_path, victim, crashed=True)
        with tracer.open_trace(damaged) as trace:
            assert [d.offset for d in trace.damage] == [victim]
            keyframes = sorted(k.step for k in trace.index.keyframes if k.step >= 10)
            healed = keyframes[0] if keyframes else None
            raised = []
            for step in trace.steps():
                try:
                    assert trace.state_at(step) == states[step], step
                except DamagedStateError as exc:
                    assert exc.offset == victim and exc.step == step
                    assert f"step {step}" in str(exc) and str(victim) in str(exc)
                    raised.append(step)
            assert raised and raised[0] == 10
            assert all(s < healed for s in raised) if healed is not None else True

    def test_known_state_names_the_unknown_keys(
            self, recorded: tuple[Path, dict[int, Any]], tmp_path: Path) -> None:
        """The append-only log is unknown after the damage; the last-value counter is
        known again at the next step, which writes it whole."""
        path, states = recorded
        damaged = _damaged_copy(path, tmp_path, _task_end_of(path, 10), crashed=True)
        with tracer.open_trace(damaged) as trace:
            at_damage = trace.replayer.known_state(10)
            assert set(at_damage.unknown) == {"n", "log"}
            after = trace.replayer.known_state(11)
            assert set(after.unknown) == {"log"} and after.state["n"] == states[11]["n"]

    def test_lost_step_end_makes_every_key_unknown(
            self, recorded: tuple[Path, dict[int, Any]], tmp_path: Path) -> None:
        """Without its step_end, nothing says which keys a step changed: all are unknown."""
        path, _ = recorded
        with tracer.open_trace(path) as trace:
            end = trace.step_entry(10).end
        assert end is not None
        damaged = _damaged_copy(path, tmp_path, end, crashed=True)
        with tracer.open_trace(damaged) as trace:
            with pytest.raises(DamagedStateError) as info:
                trace.state_at(10)
            assert info.value.offset == end
            assert set(trace.replayer.known_state(10).unknown) == {"n", "log"}


class TestCrashedBulkTrace:
    """A damaged batch frame loses its whole step (FORMAT.md §2): the step is no longer
    listed, the damage is reported at the frame, and the steps after it raise until
    what the lost step changed is written whole again."""

    def test_the_steps_after_a_lost_step_raise(
            self, recorded_bulk: tuple[Path, dict[int, Any]], tmp_path: Path) -> None:
        path, states = recorded_bulk
        with tracer.open_trace(path) as trace:
            entry = trace.step_entry(10)
        assert entry.start is not None and entry.task_ends[0] == entry.start + 2
        damaged = _damaged_copy(path, tmp_path, entry.task_ends[0], crashed=True)
        with tracer.open_trace(damaged) as trace:
            assert [d.offset for d in trace.damage] == [entry.start]
            assert 10 not in trace.steps() and 11 in trace.steps()
            raised = []
            for step in trace.steps():
                try:
                    assert trace.state_at(step) == states[step], step
                except DamagedStateError as exc:
                    assert exc.offset == entry.start and exc.step == step
                    raised.append(step)
            assert raised and raised[0] == 11
            after = trace.replayer.known_state(11)
            assert set(after.unknown) == {"log"} and after.state["n"] == states[11]["n"]

    def test_closed_trace_names_the_batch(
            self, recorded_bulk: tuple[Path, dict[int, Any]], tmp_path: Path) -> None:
        """Closed, the index still lists the step: reading it finds its frame damaged."""
        path, states = recorded_bulk
        with tracer.open_trace(path) as trace:
            entry = trace.step_entry(10)
        assert entry.start is not None
        damaged = _damaged_copy(path, tmp_path, entry.task_ends[0], crashed=False)
        with tracer.open_trace(damaged) as trace:
            assert trace.state_at(9) == states[9]
            with pytest.raises(DamagedStateError, match="step 10") as info:
                trace.state_at(10)
            assert info.value.offset == entry.start and "CRC" in str(info.value)


class TestClosedTrace:
    """A closed trace's index points at the damaged frame: reading it fails its CRC."""

    def test_damaged_task_end(self, recorded: tuple[Path, dict[int, Any]],
                              tmp_path: Path) -> None:
        path, states = recorded
        victim = _task_end_of(path, 10)
        damaged = _damaged_copy(path, tmp_path, victim, crashed=False)
        with tracer.open_trace(damaged) as trace:
            assert trace.finished
            assert trace.state_at(9) == states[9]
            with pytest.raises(DamagedStateError, match="step 10") as info:
                trace.state_at(10)
            assert info.value.offset == victim
