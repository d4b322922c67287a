"""Run configuration and the context accessors nodes use: `get_config`, `get_stream_writer`."""

from __future__ import annotations

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


PROPAGATED_METADATA_KEYS = ("thread_id", "checkpoint_id", "checkpoint_ns", "task_id", "run_id",
                           "assistant_id", "graph_id")
"""The configurable keys LangGraph copies into a run's metadata (when set, and not already
there): what messages-mode metadata and LangChain runs carry besides `metadata`."""


def run_metadata(config: RunnableConfig) -> dict[str, Any]:
    """The config's metadata plus its propagated configurable keys (see above)."""
    metadata = dict(config.get("metadata") or {})
    configurable = config.get("configurable") or {}
    for key in PROPAGATED_METADATA_KEYS:
        value = configurable.get(key)
        if value and key not in metadata:
            metadata[key] = value
    return metadata


def merge_configs(base: RunnableConfig | None, override: RunnableConfig | None) -> RunnableConfig:
    """`override` over `base`, as a bound config (`with_config`) meets a call's config:
    tags add up, metadata and configurable merge key by key, and both callbacks are kept
    (a callback manager on either side takes the other side's handlers)."""
    out: dict[str, Any] = dict(base or {})
    items: dict[str, Any] = dict(override or {})
    for key, value in items.items():
        old = out.get(key)
        if old is None or value is None:
            out[key] = value if value is not None else old
        elif key == "tags":
            out[key] = [*old, *(t for t in value if t not in old)]
        elif key in ("metadata", "configurable"):
            out[key] = {**old, **value}
        elif key == "callbacks":
            out[key] = _merge_callbacks(old, value)
        else:
            out[key] = value
    return out  # type: ignore[return-value]


def _merge_callbacks(base: Any, override: Any) -> Any:
    if isinstance(base, list) and isinstance(override, list):
        return [*base, *override]
    if hasattr(override, "add_handler"):  # a LangChain callback manager
        manager = override.copy()
        for handler in base if isinstance(base, list) else base.handlers:
            manager.add_handler(handler, inherit=True)
        return manager
    if hasattr(base, "add_handler"):
        manager = base.copy()
        for handler in override if isinstance(override, list) else [override]:
            manager.add_handler(handler, inherit=True)
        return manager
    return override
