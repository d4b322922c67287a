"""Trace fixtures (recorded once per session) and helpers to drive the app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tui.app import StepscopeApp, make_app
from tui.screens.main import MainScreen

from . import traces

SIZE = (120, 36)


@pytest.fixture(scope="session")
def trace_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("app-traces")


@pytest.fixture(scope="session")
def agent_trace(trace_dir: Path) -> Path:
    return traces.record_agent(trace_dir / "agent.stepscope")


@pytest.fixture(scope="session")
def failing_trace(trace_dir: Path) -> Path:
    return traces.record_failing(trace_dir / "failing.stepscope")


@pytest.fixture(scope="session")
def counter_trace(trace_dir: Path) -> Path:
    return traces.record_counter(trace_dir / "counter.stepscope", 60)


@pytest.fixture(scope="session")
def subgraph_trace(trace_dir: Path) -> Path:
    return traces.record_subgraph(trace_dir / "sub.stepscope")


async def wait_for(pilot: Pilot[None], ready: Callable[[], object],
                   timeout: float = 5.0) -> None:
    """Let the app run until `ready()` is true (workers post their results)."""
    for _ in range(int(timeout / 0.02)):
        if ready():
            await pilot.pause()
            return
        await pilot.pause(0.02)
    raise AssertionError("the app did not get there in time")


def main_screen(pilot: Pilot[None]) -> MainScreen:
    """The app's main screen, whether or not a trace is open yet."""
    app = pilot.app
    assert isinstance(app, StepscopeApp)
    return app.main


async def opened(pilot: Pilot[None]) -> MainScreen:
    """Wait until the trace is open and the first step selected; the main screen."""
    app = pilot.app
    assert isinstance(app, StepscopeApp)
    await wait_for(pilot, lambda: app.main.selection is not None)
    return app.main


def app_for(path: Path, *, follow: bool = False) -> StepscopeApp:
    return make_app(path, follow=follow)
