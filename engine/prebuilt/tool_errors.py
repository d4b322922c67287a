"""What a ToolNode makes of a tool's exception (`handle_tool_errors`), in LangGraph's words.

- None (the default): arguments the tool's schema refuses become an error ToolMessage
  naming them, so the model can retry; any other exception fails the run.
- True: every exception becomes "Error: <repr>\\n Please fix your mistakes."
- False: every exception fails the run.
- a string: that text, for every exception.
- exception types (one or a tuple): those become the "Error: ..." message.
- a callable taking the exception: its return value is the message text (it is called
  only for the exception types its first parameter's annotation names, if any).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any, Union

from engine.messages import ToolMessage
from engine.tool_classes import ToolArgumentsError

ErrorHandling = Union[  # noqa: UP007 (a runtime alias that also names type[...] tuples)
    None, bool, str, Callable[..., str], type[Exception], tuple[type[Exception], ...]]


def invalid_tool_message(call: dict[str, Any], known: list[str]) -> ToolMessage:
    """The reply to a call of a tool the node does not have."""
    return ToolMessage(
        f"Error: {call['name']} is not a valid tool, try one of [{', '.join(known)}].",
        tool_call_id=call["id"], name=call["name"], status="error")


def _argument_errors(exc: Exception) -> str | None:
    """The lines describing refused arguments, if `exc` is such a refusal."""
    if isinstance(exc, ToolArgumentsError):
        return f" {exc}"
    errors = getattr(exc, "errors", None)
    if type(exc).__name__ == "ValidationError" and callable(errors):
        return "\n".join(f" {'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}"
                         for e in errors())
    return None


def _handled_types(handler: Callable[..., Any]) -> tuple[type[BaseException], ...]:
    """The exception types a handler function declares for its first parameter."""
    try:
        params = list(inspect.signature(handler).parameters.values())
        hints = typing.get_type_hints(handler)
    except (TypeError, ValueError, NameError):
        return (Exception,)
    if not params or params[0].name not in hints:
        return (Exception,)
    hint = hints[params[0].name]
    options = typing.get_args(hint) if typing.get_origin(hint) in (Union, getattr(
        __import__("types"), "UnionType", None)) else (hint,)
    found = tuple(o for o in options if isinstance(o, type) and issubclass(o, BaseException))
    return found or (Exception,)


def error_content(handling: ErrorHandling, call: dict[str, Any],
                  exc: Exception) -> str | None:
    """The error ToolMessage's text for `exc`, or None when the run must fail."""
    if handling is None:
        lines = _argument_errors(exc)
        if lines is None:
            return None
        return (f"Error invoking tool '{call['name']}' with kwargs {call.get('args')} "
                f"with error:\n{lines}\n Please fix the error and try again.")
    if handling is False:
        return None
    if handling is True:
        return f"Error: {exc!r}\n Please fix your mistakes."
    if isinstance(handling, str):
        return handling
    if isinstance(handling, tuple) or (isinstance(handling, type)
                                       and issubclass(handling, BaseException)):
        return f"Error: {exc!r}\n Please fix your mistakes." if isinstance(
            exc, handling) else None
    if callable(handling):
        handler = typing.cast(Callable[[Exception], Any], handling)
        return str(handler(exc)) if isinstance(exc, _handled_types(handler)) else None
    raise ValueError(f"handle_tool_errors: unsupported value {handling!r}")
