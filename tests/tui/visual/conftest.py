"""Real traces for the visual views' tests, recorded once per session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import tracer
from sample_graphs import agent, joke_poem, subgraph
from tests.tui.visual import graphs

RECIPES: dict[str, Callable[[], Any]] = {
    "agent": lambda: agent.build().invoke(agent.inputs),
    "joke_poem": lambda: joke_poem.graph.invoke(joke_poem.inputs),
    "branching": lambda: graphs.branching().invoke({"n": 0}),
    "parallel_llm": lambda: graphs.parallel_llm().invoke({"messages": []}),
    "subgraph": lambda: subgraph.graph.invoke(subgraph.inputs),
    "long_loop": lambda: graphs.long_loop(10_000).invoke({"n": 0}, {"recursion_limit": 20_000}),
}


def _record(path: Path, run: Callable[[], Any]) -> Path:
    with tracer.record(path):
        try:
            run()
        except ValueError:  # the failing graph: its error is what the trace shows
            pass
    return path


@pytest.fixture(scope="session")
def trace_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """name → path of a trace recorded from that graph."""
    root = tmp_path_factory.mktemp("visual-traces")
    paths = {name: _record(root / f"{name}.stepscope", run) for name, run in RECIPES.items()}
    paths["failing"] = _record(root / "failing.stepscope",
                               lambda: graphs.failing().invoke({"n": 0}))
    return paths


@pytest.fixture
def open_trace(trace_paths: dict[str, Path]) -> Iterator[Callable[[str], tracer.Trace]]:
    """Open a recorded trace by name (closed after the test)."""
    opened: list[tracer.Trace] = []

    def opener(name: str) -> tracer.Trace:
        trace = tracer.open_trace(trace_paths[name])
        opened.append(trace)
        return trace

    yield opener
    for trace in opened:
        trace.close()
