"""The sample traces the snapshots are taken of, recorded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from .screen_text import record_agent, record_joke_poem


@pytest.fixture(scope="session")
def snapshot_traces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """name → path: "agent" (weather agent) and "joke_poem" (two LLMs in parallel)."""
    root = tmp_path_factory.mktemp("snapshot-traces")
    return {"agent": record_agent(root / "agent.stepscope"),
            "joke_poem": record_joke_poem(root / "joke_poem.stepscope")}
