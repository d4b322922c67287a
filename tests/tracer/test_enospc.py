"""A full disk: the run goes on, one warning is printed, the trace ends at its last whole frame."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypedDict

import pytest

import tracer
from engine.config import get_stream_writer
from engine.graph import END, START, StateGraph
from tests.tmpfs import mounted

from .raw_frames import addresses, event_frames, walk_frames

STEPS = 120


class Big(TypedDict):
    n: int
    text: str


def _graph() -> Any:
    """A loop that rewrites 4 KiB of state per step and sends custom data (≈1 MiB traced)."""

    def grow(state: Big) -> dict[str, Any]:
        time.sleep(0.002)  # the writer flushes every few steps, not once for the whole run
        n = state["n"] + 1
        get_stream_writer()({"n": n, "pad": "p" * 1000})
        return {"n": n, "text": f"{n:06d}" * 700}

    return (StateGraph(Big).add_node(grow).add_edge(START, "grow")
            .add_conditional_edges("grow", lambda s: "grow" if s["n"] < STEPS else END,
                                   ["grow", END])
            .compile())


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs mounted for the test (skipped where mounting is not permitted)."""
    with mounted(tmp_path / "mnt", 256) as mnt:
        yield mnt


class TestDiskFull:
    """Recording into a filesystem that fills up mid-run."""

    @pytest.mark.parametrize("how", ["record", "sink"])
    def test_run_survives(self, small_disk: Path, capfd: pytest.CaptureFixture[str],
                          how: str) -> None:
        path = small_disk / "full.stepscope"
        graph = _graph()
        capfd.readouterr()
        if how == "record":
            with tracer.record(path):
                out = graph.invoke({"n": 0, "text": ""}, {"recursion_limit": 1000})
        else:
            writer = tracer.TraceWriter(path)
            out = graph.invoke({"n": 0, "text": ""}, {"recursion_limit": 1000}, sinks=[writer])
            writer.close()
            assert writer.failed
        assert out == {"n": STEPS, "text": f"{STEPS:06d}" * 700}

        err = capfd.readouterr().err
        lines = [line for line in err.splitlines() if str(path) in line]
        assert len(lines) == 1, err
        assert "stepscope" in lines[0] and "No space left" in lines[0]
        assert len([line for line in err.splitlines() if "stepscope" in line]) == 1

        data = path.read_bytes()
        frames = walk_frames(data)
        assert frames and frames[-1].end == len(data)  # cut back to the last whole frame
        with tracer.open_trace(path) as trace:
            assert not trace.finished and trace.errors == [] and not trace.index.torn
            assert list(trace.offsets()) == addresses(frames)
            assert sum(1 for _ in trace.events()) == len(event_frames(frames))
            steps = trace.steps(0)
            assert 0 < len(steps) < STEPS
            assert not trace.run_complete(0)
            for step in steps:
                assert trace.state_at(step)["n"] == step
