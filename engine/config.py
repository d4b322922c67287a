"""Run configuration and the context accessors nodes use: `get_config`, `get_stream_writer`."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any, TypedDict
from uuid import UUID

from engine.types import StreamWriter


class RunnableConfig(TypedDict, total=False):
    """The config dict a run is given and a node can ask for."""

    tags: list[str]
    metadata: dict[str, Any]
    callbacks: Any
    run_name: str
    max_concurrency: int | None
    recursion_limit: int
    configurable: dict[str, Any]
    run_id: UUID | str
    """Names the run (kept as its `str`); given, with a FixedClock, ids repeat run to run."""


def get_config() -> RunnableConfig:
    """The config of the task running in this thread or asyncio task."""
    from engine.pregel.task import current_task

    return current_task("get_config").config


def get_stream_writer() -> StreamWriter:
    """The `custom`-mode writer of the running task."""
    from engine.pregel.task import current_task

    return current_task("get_stream_writer").writer


def ensure_config(config: RunnableConfig | None) -> RunnableConfig:
    """A shallow, owned copy of `config` with the standard keys present."""
    out: RunnableConfig = {**(config or {})}
    out["tags"] = list(out.get("tags") or ())
    out["metadata"] = dict(out.get("metadata") or {})
    out["configurable"] = dict(out.get("configurable") or {})
    return out


def merge_configs(base: Mapping[str, Any], override: Mapping[str, Any] | None) -> RunnableConfig:
    """`override` on top of `base` as LangChain merges them: tags concatenated, metadata
    and configurable merged key by key, anything else replaced."""
    out: dict[str, Any] = dict(base)
    for key, value in (override or {}).items():
        if key == "tags":
            out["tags"] = [*(base.get("tags") or ()), *(value or ())]
        elif key in ("metadata", "configurable"):
            out[key] = {**(base.get(key) or {}), **(value or {})}
        else:
            out[key] = value
    return typing.cast(RunnableConfig, out)
