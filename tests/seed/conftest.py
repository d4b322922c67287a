"""Fixtures for the seed-document tests: the document, a namespace, a model server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .doc_blocks import SeedDoc, StreamLog, load_doc, module_namespace
from .model_server import ModelServer


@pytest.fixture
def doc() -> SeedDoc:
    """The seed document's blocks (the test is skipped if the document is absent)."""
    return load_doc()


@pytest.fixture
def ns(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> dict[str, Any]:
    """Module globals in which a test runs its blocks, one after another, like a script."""
    return module_namespace(monkeypatch, f"seed_block_ns_{request.node.name}")


@pytest.fixture
def streams(monkeypatch: pytest.MonkeyPatch) -> StreamLog:
    """Every item the blocks' `stream`/`astream` loops receive."""
    return StreamLog().install(monkeypatch)


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModelServer]:
    """A local OpenAI-compatible server, with OPENAI_BASE_URL and a dummy key pointing at it."""
    server = ModelServer()
    server.start()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-seed-test")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    yield server
    server.stop()
