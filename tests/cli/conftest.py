"""Fixtures: a `cli` runner in tmp_path; the sample graphs' traces, recorded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.graph_sources import FAILING_GRAPH, SAMPLES
from tests.cli.runner import Cli, run_cli


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """`cli(*args)` runs stepscope in this test's tmp_path."""
    return lambda *args: run_cli(*args, cwd=tmp_path)


@pytest.fixture(scope="session")
def traces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Traces `stepscope run` wrote for joke_poem, the agent and a failing graph."""
    folder = tmp_path_factory.mktemp("traces")
    (folder / "failing.py").write_text(FAILING_GRAPH)
    out: dict[str, Path] = {}
    for name, target, status in (("joke_poem", SAMPLES / "joke_poem.py", 0),
                                 ("agent", SAMPLES / "agent.py", 0),
                                 ("failing", "failing.py", 1)):
        result = run_cli("run", target, "-o", f"{name}.stepscope", cwd=folder)
        assert result.returncode == status, result.stderr
        out[name] = folder / f"{name}.stepscope"
    return out
