"""The seed document's code blocks: extracted at test time, ported to stepscope, and run.

A block is numbered by its position among *all* fenced blocks of the document, counted
from 0 (so block 2 is the ```python fence holding block 1's expected output, block 9 the
```text fence after block 8, and block 19 the one using `openai.AsyncOpenAI`).

Porting is the import rename and nothing else (`RENAMES`). A block that is a fragment gets
its context from the test that runs it; the only edits to a block's text are the explicit
placeholder splits/fills in `Block.around` and `Block.fill`, each used where the document
itself leaves a placeholder (`graph = ...`, `# Add other nodes and edges as needed`).
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
import types
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from engine.pregel.compiled import CompiledStateGraph

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_PATH = REPO_ROOT / ".." / "shared" / "seed" / "000_f5e6abb4c0fb527e.txt"

RENAMES: tuple[tuple[str, str], ...] = (
    (r"\blangchain_openai\b", "engine.chat_models.openai"),
    (r"\blangchain_core\.messages\b", "engine.messages"),
    (r"\blangchain\.chat_models\b", "engine.chat_models"),
    (r"\blangchain\.tools\b", "engine.tools"),
    (r"\blanggraph\.", "engine."),
)
"""LangGraph/LangChain module → stepscope module; `openai` and `typing_extensions` stay."""

_FENCE = re.compile(r"^```(\w*)[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def port(source: str) -> str:
    """Apply the import rename to a piece of LangGraph code."""
    for pattern, replacement in RENAMES:
        source = re.sub(pattern, replacement, source)
    return source


def mask_uuids(text: str) -> str:
    """Replace every 36-character hex id with `<id>` (ids differ from run to run)."""
    return _UUID.sub("<id>", text)


@dataclass(frozen=True)
class Block:
    """One fenced block of the document."""

    index: int
    lang: str
    source: str

    @property
    def code(self) -> str:
        """The block ported to stepscope."""
        return port(self.source)

    @property
    def import_lines(self) -> str:
        """The block's top-level import statements, ported (context for later blocks)."""
        tree = ast.parse(self.source)
        lines = [ast.get_source_segment(self.source, node) or "" for node in tree.body
                 if isinstance(node, ast.Import | ast.ImportFrom)]
        return port("\n".join(lines))

    def around(self, placeholder: str) -> tuple[str, str]:
        """The ported code before and after the one line starting with `placeholder`."""
        lines = self.source.splitlines()
        hits = [i for i, line in enumerate(lines) if line.strip().startswith(placeholder)]
        assert len(hits) == 1, f"block {self.index}: {placeholder!r} found {len(hits)} times"
        at = hits[0]
        return port("\n".join(lines[:at])), port("\n".join(lines[at + 1:]))

    def fill(self, placeholder: str, replacement: str) -> str:
        """The ported code with the one line starting with `placeholder` replaced."""
        head, tail = self.around(placeholder)
        return f"{head}\n{replacement}\n{tail}"


def read_blocks(path: Path = SEED_PATH) -> list[Block]:
    """Every fenced block of the document, in document order."""
    text = path.read_text(encoding="utf-8")
    return [Block(i, m.group(1), m.group(2)) for i, m in enumerate(_FENCE.finditer(text))]


class SeedDoc:
    """The document's blocks, looked up by index with a check of what the block holds."""

    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = blocks

    def __getitem__(self, index: int) -> Block:
        return self.blocks[index]

    def block(self, index: int, *, holds: str) -> Block:
        """Block `index`, which must contain `holds` (guards against a reordered document)."""
        block = self.blocks[index]
        assert holds in block.source, f"block {index} no longer holds {holds!r}"
        return block

    @property
    def python_indices(self) -> list[int]:
        return [b.index for b in self.blocks if b.lang == "python"]


def load_doc() -> SeedDoc:
    """The parsed seed document; skips the calling test when the file is absent."""
    if not SEED_PATH.is_file():
        pytest.skip(f"seed document not found at {SEED_PATH.resolve()}")
    return SeedDoc(read_blocks())


def module_namespace(monkeypatch: pytest.MonkeyPatch, name: str) -> dict[str, Any]:
    """A fresh module's globals, registered in sys.modules as a real module's would be.

    dataclasses and typing resolve a class's module through sys.modules.
    """
    module = types.ModuleType(name)
    monkeypatch.setitem(sys.modules, name, module)
    return module.__dict__


def run(code: str, namespace: dict[str, Any], label: str = "<seed block>") -> None:
    """Execute ported code at module level, as if it were a script."""
    exec(compile(code, label, "exec"), namespace)


async def arun(code: str, namespace: dict[str, Any], label: str = "<seed block>") -> None:
    """Execute ported code whose top level uses `async for` / `await`, on the running loop.

    Compiling with PyCF_ALLOW_TOP_LEVEL_AWAIT turns the module body into a coroutine (as
    `python -m asyncio` does): the same as wrapping it in an `async def`, except that the
    names it defines stay in `namespace` for the blocks that follow.
    """
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    result = eval(compile(code, label, "exec", flags=flags), namespace)
    if inspect.iscoroutine(result):
        await result


@dataclass
class StreamCall:
    """One `stream`/`astream` call a block made and every item it got back."""

    kwargs: dict[str, Any]
    items: list[Any] = field(default_factory=list)


class StreamLog:
    """Records what compiled graphs yield to the blocks' own loops (nothing is altered)."""

    def __init__(self) -> None:
        self.calls: list[StreamCall] = []

    @property
    def last(self) -> StreamCall:
        assert self.calls, "no stream()/astream() call was made"
        return self.calls[-1]

    def install(self, monkeypatch: pytest.MonkeyPatch) -> StreamLog:
        log = self
        stream, astream = CompiledStateGraph.stream, CompiledStateGraph.astream

        def recording_stream(graph: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            call = StreamCall(kwargs)
            log.calls.append(call)
            for item in stream(graph, *args, **kwargs):
                call.items.append(item)
                yield item

        async def recording_astream(graph: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            call = StreamCall(kwargs)
            log.calls.append(call)
            async for item in astream(graph, *args, **kwargs):
                call.items.append(item)
                yield item

        monkeypatch.setattr(CompiledStateGraph, "stream", recording_stream)
        monkeypatch.setattr(CompiledStateGraph, "astream", recording_astream)
        return self


def printed_values(out: str) -> list[Any]:
    """Each printed line of `print(chunk)` output, read back as a Python literal."""
    return [ast.literal_eval(line) for line in out.splitlines() if line]
