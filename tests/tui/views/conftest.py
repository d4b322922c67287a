"""Fixtures: the scenario traces, recorded once per session, opened per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.tui.views.traces import record_all
from tracer import Trace, open_trace


@pytest.fixture(scope="session")
def trace_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return record_all(tmp_path_factory.mktemp("view-traces"))


@pytest.fixture
def open_scenario(trace_paths: dict[str, Path]) -> Iterator[Callable[[str], Trace]]:
    """Open a scenario's trace by name (closed after the test)."""
    opened: list[Trace] = []

    def _open(name: str) -> Trace:
        trace = open_trace(trace_paths[name])
        opened.append(trace)
        return trace

    yield _open
    for trace in opened:
        trace.close()
