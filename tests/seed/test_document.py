"""The seed document itself: its blocks are found, ported and all covered by a test."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from . import (
    doc_blocks,
    test_custom_data,
    test_llm_tokens,
    test_state_streams,
    test_streaming_config,
    test_subgraph_streams,
)
from .doc_blocks import SeedDoc, port

TOPIC_MODULES = (test_state_streams, test_subgraph_streams, test_llm_tokens, test_custom_data,
                 test_streaming_config)


class TestSeedDocument:
    """Extraction, porting and coverage of the document's blocks."""

    def test_blocks_are_found_in_document_order(self, doc: SeedDoc) -> None:
        """The document has 25 fenced blocks: 24 ```python and the ```text at index 9."""
        assert len(doc.blocks) == 25
        assert [b.index for b in doc.blocks if b.lang != "python"] == [9]
        assert doc[9].lang == "text"

    def test_every_python_block_is_run_by_a_topic_module(self, doc: SeedDoc) -> None:
        """The topic modules' BLOCKS together name each Python block exactly once."""
        named = [i for module in TOPIC_MODULES for i in module.BLOCKS]
        assert sorted(named) == doc.python_indices

    def test_ported_blocks_import_no_langgraph_or_langchain(self, doc: SeedDoc) -> None:
        """Once ported, imports are stepscope, the stdlib, `openai` or `typing_extensions` only."""
        allowed = {"engine", "typing", "dataclasses", "operator", "json", "openai",
                   "typing_extensions"}
        for block in doc.blocks:
            if block.lang != "python":
                continue
            tree = ast.parse(block.code)
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom):
                    assert (node.module or "").split(".")[0] in allowed, block.index
                elif isinstance(node, ast.Import):
                    assert {a.name.split(".")[0] for a in node.names} <= allowed, block.index

    def test_every_python_block_compiles_once_ported(self, doc: SeedDoc) -> None:
        """Each ported block is valid Python; top-level `async for` is allowed as in asyncio."""
        for block in doc.blocks:
            if block.lang == "python":
                compile(block.code, f"<block {block.index}>", "exec",
                        flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


class TestPorting:
    """The import rename is mechanical and leaves other modules alone."""

    @pytest.mark.parametrize(("source", "ported"), [
        ("from langgraph.graph import StateGraph", "from engine.graph import StateGraph"),
        ("from langgraph.config import get_stream_writer",
         "from engine.config import get_stream_writer"),
        ("from langchain.chat_models import init_chat_model",
         "from engine.chat_models import init_chat_model"),
        ("from langchain.tools import tool", "from engine.tools import tool"),
        ("from langchain_openai import ChatOpenAI",
         "from engine.chat_models.openai import ChatOpenAI"),
        ("from langchain_core.messages import AIMessage", "from engine.messages import AIMessage"),
        ("from openai import AsyncOpenAI", "from openai import AsyncOpenAI"),
        ("from typing_extensions import Annotated", "from typing_extensions import Annotated"),
    ])
    def test_rename(self, source: str, ported: str) -> None:
        """Each documented rename maps the module and nothing else."""
        assert port(source) == ported

    def test_missing_document_skips_with_its_path(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    ) -> None:
        """Without the document, the seed tests skip and say where it was looked for."""
        missing = tmp_path / "absent.txt"
        monkeypatch.setattr(doc_blocks, "SEED_PATH", missing)
        with pytest.raises(pytest.skip.Exception, match="seed document not found"):
            doc_blocks.load_doc()
