"""Fixtures for the debugger's tests: sample graphs and sessions that always close."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tui.debug.breakpoints import BreakpointSet, parse
from tui.debug.session import DebugSession
from tui.target import load_target

ROOT = Path(__file__).resolve().parents[2]


def sample(name: str) -> Any:
    return load_target(str(ROOT / "sample_graphs" / f"{name}.py"))


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Callable[..., DebugSession]]:
    made: list[DebugSession] = []

    def make(graph: Any, *breaks: str, name: str = "t.stepscope") -> DebugSession:
        points = BreakpointSet(parse(b, graph.describe()) for b in breaks)
        s = DebugSession(graph, tmp_path / name, breakpoints=points)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()
