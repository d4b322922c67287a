"""Tool arguments that the graph fills in, not the model: `InjectedState`, `InjectedStore`.

`Annotated[dict, InjectedState]` gives a tool the graph state its `ToolNode` received;
`Annotated[str, InjectedState("who")]` one key of it. Both derive from the tools'
`InjectedToolArg`, so the schema a model sees leaves them out.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any, get_args, get_origin

from engine.tools import InjectedToolArg


class InjectedState(InjectedToolArg):
    """The graph state (or `InjectedState("key")`: one key of it) as a tool argument."""

    def __init__(self, field: str | None = None) -> None:
        self.field = field


class InjectedStore(InjectedToolArg):
    """The graph's store as a tool argument (the engine has no store: refused at use)."""


class _ToolRuntimeArg(InjectedStore):
    """Marks an argument typed `ToolRuntime` in `injected_args`' answer."""


TOOL_RUNTIME = _ToolRuntimeArg
"""`injected_args`' value for an argument the ToolNode fills with a `ToolRuntime`."""


def _is_tool_runtime(hint: Any) -> bool:
    from engine.prebuilt.tool_runtime import ToolRuntime

    return hint is ToolRuntime or get_origin(hint) is ToolRuntime


def _function_of(tool: Any) -> Any:
    """The Python function behind a tool (engine or langchain-core), for its annotations."""
    for attr in ("func", "coroutine"):
        fn = getattr(tool, attr, None)
        if callable(fn):
            return fn
    return getattr(tool, "_run", None)


def injected_args(tool: Any) -> dict[str, InjectedState | type[InjectedStore]]:
    """A tool's arguments that take the state or the store: name -> InjectedState(...)."""
    fn = _function_of(tool)
    if fn is None:
        return {}
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception:
        return {}
    found: dict[str, InjectedState | type[InjectedStore]] = {}
    for name, hint in hints.items():
        if _is_tool_runtime(hint):
            found[name] = TOOL_RUNTIME
            continue
        if get_origin(hint) is not typing.Annotated:
            continue
        for meta in get_args(hint)[1:]:
            if meta is InjectedState:
                found[name] = InjectedState()
            elif isinstance(meta, InjectedState):
                found[name] = meta
            elif meta is InjectedStore or isinstance(meta, InjectedStore):
                found[name] = InjectedStore
    return found


def injected_values(wanted: Mapping[str, InjectedState | type[InjectedStore]],
                    state: Any) -> dict[str, Any]:
    """The values of a tool's injected arguments, read from the ToolNode's input."""
    values: dict[str, Any] = {}
    for name, what in wanted.items():
        if what is TOOL_RUNTIME:  # made per call by the ToolNode (`runtime_for`)
            continue
        if not isinstance(what, InjectedState):
            raise NotImplementedError(
                f"InjectedStore ({name}): the engine has no store to inject")
        if what.field is None:
            values[name] = state
        elif isinstance(state, Mapping):
            values[name] = state[what.field]
        else:
            values[name] = getattr(state, what.field)
    return values
