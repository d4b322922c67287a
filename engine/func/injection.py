"""Which arguments of a `@task` / `@entrypoint` function the engine fills in: `config`,
`writer`, `store`, `runtime` (by name or annotation, as for graph nodes), unless the
caller passed them itself."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, get_type_hints

from engine.graph.callspec import INJECTABLE, _annotation_kind, _target
from engine.runtime import Runtime

if TYPE_CHECKING:
    from engine.pregel.task import Task


class Injectable(NamedTuple):
    name: str
    kind: str
    position: int | None
    """Its index among the positional parameters (None: keyword-only)."""


def _annotation(hint: Any) -> str | None:
    if "BaseStore" in str(hint):
        return "store"
    return _annotation_kind(hint)


def injectable_params(fn: Callable[..., Any]) -> tuple[Injectable, ...]:
    """The parameters of `fn` the engine may fill in, found once from its signature."""
    target = _target(fn)
    try:
        params = list(inspect.signature(target).parameters.values())
    except (TypeError, ValueError):
        return ()
    try:
        hints = get_type_hints(getattr(target, "func", target))
    except Exception:
        hints = {}
    out: list[Injectable] = []
    position = 0
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        positional = p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        kind = _annotation(hints.get(p.name)) or (p.name if p.name in INJECTABLE else None)
        if kind is not None and p.kind is not p.POSITIONAL_ONLY:
            out.append(Injectable(p.name, kind, position if positional else None))
        if positional:
            position += 1
    return tuple(out)


def injected_value(kind: str, task: Task) -> Any:
    if kind == "config":
        return task.config
    if kind == "writer":
        return task.writer
    if kind == "store":
        return task.loop.store
    if kind == "runtime":
        return Runtime(context=None, store=task.loop.store, stream_writer=task.writer)
    return None


def injected_kwargs(params: tuple[Injectable, ...], fn: Callable[..., Any],
                    args: tuple[Any, ...], kwargs: dict[str, Any],
                    task: Task) -> dict[str, Any]:
    """The injectable arguments the caller did not pass, with their values."""
    if not params:
        return {}
    extra: dict[str, Any] = {}
    for p in params:
        if p.name in kwargs or (p.position is not None and p.position < len(args)):
            continue
        extra[p.name] = injected_value(p.kind, task)
    return extra
