"""The engine's own tools, used when langchain-core is not installed (`engine.tools`
picks these or langchain-core's).

`@tool` turns a function into something a model can call and a graph can run.

A tool has a name, a description (the docstring's first paragraph) and an argument
schema (JSON Schema from the signature, with per-argument descriptions from a Google-
style "Args:" section). `invoke` takes a dict of arguments — or a tool call, and then
returns a ToolMessage. `get_stream_writer()` works inside, since a tool runs inside
its caller's task.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import typing
from collections.abc import Callable
from typing import Any, get_args, get_origin, overload

from engine.config import RunnableConfig
from engine.messages import ToolMessage, ToolOutputMixin


class ToolArgumentsError(TypeError):
    """A tool was called with arguments its schema refuses (unknown or missing ones)."""


class InjectedToolArg:
    """Marks a tool argument the caller supplies, not the model: `Annotated[T, marker]`
    leaves it out of the schema the model sees."""


class InjectedToolCallId(InjectedToolArg):
    """`Annotated[str, InjectedToolCallId]`: the id of the tool call being run."""


def _injected(hint: Any) -> type | None:
    """The marker class of an `Annotated[T, marker]` injected argument, else None."""
    if get_origin(hint) is not typing.Annotated:
        return None
    for meta in get_args(hint)[1:]:
        marker = meta if isinstance(meta, type) else type(meta)
        if issubclass(marker, InjectedToolArg) or getattr(marker, "injected_by_graph", False):
            return marker
    return None


_JSON_TYPES: dict[Any, str] = {
    str: "string", int: "integer", float: "number", bool: "boolean",
    list: "array", tuple: "array", dict: "object",
}


def json_type(hint: Any) -> dict[str, Any]:
    """The JSON Schema of a Python type hint (what a model is told an argument is)."""
    origin = get_origin(hint)
    if origin is typing.Literal:
        return {"enum": list(get_args(hint))}
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        options = [a for a in get_args(hint) if a is not type(None)]
        return json_type(options[0]) if len(options) == 1 else {}
    if origin in (list, tuple, set):
        args = get_args(hint)
        return {"type": "array", "items": json_type(args[0]) if args else {}}
    if origin is dict:
        return {"type": "object"}
    name = _JSON_TYPES.get(hint)
    return {"type": name} if name else {}


def _doc_parts(doc: str) -> tuple[str, dict[str, str]]:
    """The description and per-argument docs of a Google-style docstring."""
    doc = inspect.cleandoc(doc or "")
    head, _, rest = doc.partition("\nArgs:")
    descriptions: dict[str, str] = {}
    for line in rest.splitlines():
        match = re.match(r"\s+(\w+)(?:\s*\([^)]*\))?:\s*(.*)", line)
        if match:
            descriptions[match.group(1)] = match.group(2).strip()
        elif line.strip() and not line.startswith((" ", "\t")):
            break
    return head.strip(), descriptions


def schema_of(func: Callable[..., Any], name: str) -> dict[str, Any]:
    """JSON Schema of a function's arguments (injected `config`/`writer` left out)."""
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception:
        hints = {}
    _, arg_docs = _doc_parts(func.__doc__ or "")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for param in inspect.signature(func).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or param.name in (
            "config", "writer", "runtime", "run_manager", "callbacks"
        ) or _injected(hints.get(param.name)) is not None:
            continue
        hint = hints.get(param.name, Any)
        if get_origin(hint) is typing.Annotated:
            hint = get_args(hint)[0]
        prop = {"title": param.name.replace("_", " ").title(), **json_type(hint)}
        if param.name in arg_docs:
            prop["description"] = arg_docs[param.name]
        if param.default is inspect.Parameter.empty:
            required.append(param.name)
        else:
            prop["default"] = param.default
        properties[param.name] = prop
    return {"title": name, "type": "object", "properties": properties, "required": required}


class BaseTool:
    """A callable tool with a name, a description and an argument schema."""

    def __init__(self, func: Callable[..., Any] | None, *, name: str, description: str,
                 args_schema: dict[str, Any], coroutine: Callable[..., Any] | None = None,
                 return_direct: bool = False) -> None:
        self.func = func
        self.coroutine = coroutine
        self.name = name
        self.description = description
        self.args_schema = args_schema
        self.return_direct = return_direct
        self.injected: dict[str, type] = {}
        """Arguments the caller supplies (name -> marker), such as InjectedToolCallId."""

    @property
    def args(self) -> dict[str, Any]:
        return dict(self.args_schema.get("properties", {}))

    def __repr__(self) -> str:
        return f"<tool {self.name}>"

    @staticmethod
    def _split(input: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
        if isinstance(input, dict) and input.get("type") == "tool_call" and "args" in input:
            return dict(input["args"]), input
        if isinstance(input, dict):
            return dict(input), None
        return {"__arg__": input}, None

    def _bind(self, args: dict[str, Any], call: dict[str, Any] | None = None) -> dict[str, Any]:
        for name, marker in self.injected.items():
            if issubclass(marker, InjectedToolCallId):
                if call is None:
                    raise ValueError(f"tool {self.name} takes the tool call id "
                                     f"({name}): invoke it with a whole tool call")
                args = {**args, name: call.get("id")}
        if "__arg__" in args:
            first = next(iter(self.args_schema.get("properties", {})), None)
            if first is None:
                raise ToolArgumentsError(f"tool {self.name} takes no arguments")
            return {first: args["__arg__"]}
        unknown = set(args) - set(self.args_schema.get("properties", {})) - set(self.injected)
        if unknown:
            raise ToolArgumentsError(
                f"tool {self.name} got unexpected arguments: {sorted(unknown)}")
        missing = [r for r in self.args_schema.get("required", []) if r not in args]
        if missing:
            raise ToolArgumentsError(
                f"tool {self.name} is missing required arguments: {missing}")
        return args

    def _wrap(self, result: Any, call: dict[str, Any] | None) -> Any:
        if call is None or isinstance(result, ToolOutputMixin):  # e.g. a Command
            return result
        return ToolMessage(tool_content(result), tool_call_id=call.get("id") or "",
                           name=self.name)

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Run with a dict of arguments; a tool call (dict) gives back a ToolMessage."""
        args, call = self._split(input)
        args = self._bind(args, call)
        if self.func is None:
            if self.coroutine is None:
                raise TypeError(f"tool {self.name} has no function")
            return self._wrap(asyncio.run(self.coroutine(**args)), call)
        return self._wrap(self.func(**args), call)

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None,
                      **kwargs: Any) -> Any:
        args, call = self._split(input)
        args = self._bind(args, call)
        if self.coroutine is not None:
            return self._wrap(await self.coroutine(**args), call)
        assert self.func is not None
        return self._wrap(self.func(**args), call)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.func is None:
            raise TypeError(f"tool {self.name} is async; use ainvoke")
        return self.func(*args, **kwargs)


StructuredTool = BaseTool


def tool_content(result: Any) -> Any:
    """A tool's return value as ToolMessage content, as LangChain makes it: text and
    lists of content blocks as they are, anything else as its JSON (or its str)."""
    if isinstance(result, str):
        return result
    if isinstance(result, (list, tuple)) and all(
        isinstance(b, str) or (isinstance(b, dict) and "type" in b) for b in result
    ):
        return list(result)
    try:
        return json.dumps(result, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(result)


def _make(func: Callable[..., Any], name: str | None, description: str | None,
          return_direct: bool) -> BaseTool:
    tool_name = name or func.__name__
    doc_description, _ = _doc_parts(func.__doc__ or "")
    if not (description or doc_description):
        raise ValueError(f"Function {tool_name} must have a docstring if description "
                         "not provided.")
    is_async = inspect.iscoroutinefunction(func)
    made = BaseTool(
        None if is_async else func,
        coroutine=func if is_async else None,
        name=tool_name,
        description=description or doc_description,
        args_schema=schema_of(func, tool_name),
        return_direct=return_direct,
    )
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception:
        hints = {}
    made.injected = {n: m for n, h in hints.items() if (m := _injected(h)) is not None}
    return made


@overload
def tool(func: Callable[..., Any], /, *, description: str | None = None,
         return_direct: bool = False, **_: Any) -> BaseTool: ...
@overload
def tool(name: str, func: Callable[..., Any], /, *, description: str | None = None,
         return_direct: bool = False, **_: Any) -> BaseTool: ...
@overload
def tool(name: str | None = None, /, *, description: str | None = None,
         return_direct: bool = False, **_: Any) -> Callable[[Callable[..., Any]], BaseTool]: ...
def tool(*args: Any, description: str | None = None, return_direct: bool = False,
         **_: Any) -> BaseTool | Callable[[Callable[..., Any]], BaseTool]:
    """`@tool`, `@tool("name")` or `tool(func)`: make a tool from a function."""
    if len(args) == 1 and callable(args[0]) and not isinstance(args[0], str):
        return _make(args[0], None, description, return_direct)
    name = args[0] if args and isinstance(args[0], str) else None
    if len(args) == 2 and callable(args[1]):
        return _make(args[1], name, description, return_direct)

    def decorate(func: Callable[..., Any]) -> BaseTool:
        return _make(func, name, description, return_direct)

    return decorate
