"""How to call a node or branch function: which extra arguments it asks for.

Worked out once at build time from the signature, so calling a node is a plain call.
Names and annotations are matched as LangGraph does: `config` / RunnableConfig,
`writer` / StreamWriter, keyword-only `runtime` / Runtime, `store`; and for an error
handler, a parameter typed NodeError.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

from engine.runnables import Runnable, RunnableLambda

INJECTABLE = ("config", "writer", "runtime", "store")


@dataclass(frozen=True)
class CallSpec:
    """A callable plus the names of the extra arguments it wants, by keyword."""

    fn: Callable[..., Any]
    is_async: bool
    wants: tuple[str, ...]
    first_hint: Any


def _annotation_kind(hint: Any) -> str | None:
    name = getattr(hint, "__name__", None) or getattr(hint, "_name", None) or str(hint)
    if name == "RunnableConfig":
        return "config"
    if "StreamWriter" in str(hint) or name == "StreamWriter":
        return "writer"
    if name == "Runtime" or str(hint).startswith("engine.runtime.Runtime"):
        return "runtime"
    if name == "NodeError":  # an error handler's failure context
        return "node_error"
    return None


def _target(fn: Any) -> Any:
    if isinstance(fn, functools.partial):
        return fn
    if inspect.isfunction(fn) or inspect.ismethod(fn):
        return fn
    if isinstance(fn, RunnableLambda):
        return fn.func
    # A callable instance: inspect its bound __call__ (the class attribute, not callable()).
    has_call = "__call__" in dir(type(fn))
    return fn.__call__ if has_call else fn


def is_async_callable(fn: Any) -> bool:
    target = _target(fn)
    while isinstance(target, functools.partial):
        target = target.func
    return inspect.iscoroutinefunction(target)


def analyse(fn: Callable[..., Any]) -> CallSpec:
    """Inspect `fn` once: is it async, what does it want injected, its state hint."""
    target = _target(fn)
    call = fn.func if isinstance(fn, RunnableLambda) else fn
    if isinstance(fn, Runnable) and not isinstance(fn, RunnableLambda):
        return CallSpec(fn.invoke, False, (), None)
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return CallSpec(call, is_async_callable(fn), (), None)
    try:
        base = target.func if isinstance(target, functools.partial) else target
        hints = get_type_hints(base)
    except Exception:
        hints = {}
    wants: list[str] = []
    first_hint = None
    params = list(sig.parameters.values())
    for i, p in enumerate(params):
        if i == 0 and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            first_hint = hints.get(p.name)
            continue
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        kind = _annotation_kind(hints.get(p.name)) or (p.name if p.name in INJECTABLE else None)
        if kind is not None and p.kind is not p.POSITIONAL_ONLY:
            wants.append(f"{p.name}={kind}")
    return CallSpec(call, is_async_callable(fn), tuple(wants), first_hint)


def infer_name(action: Any) -> str:
    """The node name `add_node(action)` uses when none is given."""
    if isinstance(action, functools.partial):
        return "partial"
    if isinstance(action, Runnable) or callable(getattr(action, "get_name", None)):
        return str(action.get_name())
    name = getattr(action, "__name__", None)
    if isinstance(name, str):
        return name
    own = getattr(action, "name", None)  # e.g. ToolNode names itself "tools"
    if isinstance(own, str) and own:
        return own
    return type(action).__name__
