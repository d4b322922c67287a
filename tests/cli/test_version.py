"""One version number: pyproject.toml's, as installed, everywhere it is shown or written."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import engine
from engine import capture_events
from engine.graph import END, START, StateGraph
from tests.cli.runner import ROOT, Cli
from tracer import open_trace


def declared_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as file:
        return str(tomllib.load(file)["project"]["version"])


class TestOneVersion:
    """pyproject's version reaches the CLI, the engine's events and a trace's header."""

    def test_installed_metadata_is_pyproject(self) -> None:
        """The installed metadata says what pyproject.toml says (the venv is up to date)."""
        assert version("stepscope") == declared_version()

    def test_stepscope_version(self, cli: Cli) -> None:
        """`stepscope --version` prints the name and the version and exits 0."""
        result = cli("--version")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"stepscope {declared_version()}"

    def test_engine_and_run_start(self) -> None:
        """engine.__version__ and the run_start event's engine_version are the same number."""
        graph = (StateGraph(dict).add_node("a", lambda s: {}).add_edge(START, "a")
                 .add_edge("a", END).compile())
        with capture_events() as events:
            graph.invoke({})
        start = next(e for e in events if e.kind == "run_start")
        assert engine.__version__ == declared_version()
        assert start.data["engine_version"] == declared_version()

    def test_trace_header(self, cli: Cli, tmp_path: Path) -> None:
        """A recorded trace's header names the writer with the same version."""
        result = cli("run", ROOT / "sample_graphs" / "joke_poem.py", "-o", "v.stepscope")
        assert result.returncode == 0, result.stderr
        with open_trace(tmp_path / "v.stepscope") as trace:
            assert trace.header["writer"] == f"stepscope {declared_version()}"
