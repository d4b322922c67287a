"""How actual output is compared with a vector: exact first, racy steps canonicalised second.

Parallel tasks that return at once finish in a racy order (LangGraph itself varied in
1-2 of 60 runs). For scenarios registered as racy, each maximal run of consecutive *per-task*
items (`updates` chunks, `tasks` results, `debug` task_result events) is stably sorted by
(namespace, node, result) on both sides and the ids are renumbered; everything else - values,
checkpoints, task-start events, custom items, the raised exception - keeps its exact place.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any

from .normalize import renumber, strip_numbers

_PYDANTIC_DOCS_RE = re.compile(r"errors\.pydantic\.dev/\d+\.\d+/")


@dataclass(frozen=True)
class StreamShape:
    """How one stream item is wrapped, read off the vector's stream_kwargs."""

    mode: str | None  # the single mode, when stream_mode is not a list
    listed: bool  # stream_mode was a list: items carry their mode
    subgraphs: bool  # items carry their namespace
    v2: bool  # items are {"type", "ns", "data", ...} dicts

    @classmethod
    def of(cls, stream_kwargs: dict[str, Any]) -> StreamShape:
        mode = stream_kwargs.get("stream_mode", "updates")
        listed = isinstance(mode, list)
        return cls(
            mode=None if listed else mode,
            listed=listed,
            subgraphs=bool(stream_kwargs.get("subgraphs")),
            v2=stream_kwargs.get("version") == "v2",
        )

    def unwrap(self, item: Any) -> tuple[Any, Any, Any] | None:
        """(namespace, mode, chunk) of a stream item, or None for the raised-exception marker."""
        if isinstance(item, dict) and "__raised__" in item:
            return None
        if self.v2:
            if isinstance(item, dict):
                return item.get("ns"), item.get("type"), item.get("data")
            return None
        if not (self.subgraphs or self.listed) or not isinstance(item, list):
            return [], self.mode, item
        parts = list(item)
        ns = parts.pop(0) if self.subgraphs and parts else []
        mode = parts.pop(0) if self.listed and parts else self.mode
        return ns, mode, parts[0] if parts else None


def per_task_key(item: Any, shape: StreamShape) -> str | None:
    """Sort key of an item that reports one finished task, or None for any other item."""
    unwrapped = shape.unwrap(item)
    if unwrapped is None:
        return None
    ns, mode, chunk = unwrapped
    if not isinstance(chunk, dict):
        return None
    if mode == "updates" and len(chunk) == 1 and "__interrupt__" not in chunk:
        ((name, result),) = chunk.items()
    elif mode == "tasks" and "result" in chunk:
        name, result = chunk.get("name"), chunk.get("result")
    elif mode == "debug" and chunk.get("type") == "task_result":
        payload = chunk.get("payload") or {}
        name, result = payload.get("name"), payload.get("result")
    else:
        return None
    # A task that returned nothing shows None in `updates` and {} in `tasks`: same task.
    return json.dumps(strip_numbers([ns, name, result or {}]), sort_keys=True)


def canonical_racy(items: list[Any], shape: StreamShape) -> list[Any]:
    """Sort each run of consecutive per-task items, then renumber ids by first appearance."""
    out: list[Any] = []
    run: list[tuple[str, Any]] = []
    for item in items:
        key = per_task_key(item, shape)
        if key is None:
            out.extend(entry for _, entry in sorted(run, key=lambda pair: pair[0]))
            run = []
            out.append(item)
        else:
            run.append((key, item))
    out.extend(entry for _, entry in sorted(run, key=lambda pair: pair[0]))
    return renumber(out)


def unversion_pydantic_links(data: Any) -> Any:
    """Drop the pydantic version from its error-doc links (a dependency's version, not engine)."""
    if isinstance(data, str):
        return _PYDANTIC_DOCS_RE.sub("errors.pydantic.dev/<version>/", data)
    if isinstance(data, list):
        return [unversion_pydantic_links(v) for v in data]
    if isinstance(data, dict):
        return {k: unversion_pydantic_links(v) for k, v in data.items()}
    return data


def drop_langchain_version_stamp(data: Any) -> Any:
    """Remove `lc_versions` from LLM-token metadata.

    LangGraph copies langchain-core's version ({'langchain-core': '1.7.2'}) into the
    metadata of tokens from LangChain models. stepscope's own chat models are not
    LangChain models, so they carry no such stamp: claiming a langchain-core version
    would be false. Every other metadata key is still compared, in order.
    """
    if isinstance(data, list):
        return [drop_langchain_version_stamp(v) for v in data]
    if isinstance(data, dict):
        return {k: drop_langchain_version_stamp(v) for k, v in data.items()
                if k != "lc_versions"}
    return data


def render_diff(expected: Any, actual: Any, *, label: str = "items") -> str:
    """A unified diff of two JSON values, one list item (or one text line) per line."""

    def lines(value: Any) -> list[str]:
        if isinstance(value, str):
            return value.splitlines()
        if isinstance(value, list):
            return [json.dumps(v, sort_keys=False) for v in value]
        return json.dumps(value, indent=1).splitlines()

    diff = difflib.unified_diff(
        lines(expected), lines(actual), "expected", "actual", lineterm="", n=2
    )
    text = "\n".join(diff)
    if len(text) > 12000:
        text = text[:12000] + "\n... (diff truncated)"
    return f"{label} differ from the vector:\n{text}"


def outputs_match(expected: list[Any], actual: list[Any], shape: StreamShape, racy: bool) -> bool:
    """Exact equality, or (for racy scenarios) equality of the canonicalised forms."""
    if expected == actual:
        return True
    return racy and canonical_racy(expected, shape) == canonical_racy(actual, shape)
