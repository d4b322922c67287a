"""LangGraph's deprecated builder arguments, still accepted with their warnings:
`input=` / `output=` (now `input_schema=` / `output_schema=`), `config_schema=` (now
`context_schema=`), `retry=` (now `retry_policy=`), and a `config` parameter typed as
something other than `RunnableConfig`."""

from __future__ import annotations

import inspect
import typing
import warnings
from typing import Any, Literal

from engine.warnings import (
    LangGraphDeprecatedSinceV05,
    LangGraphDeprecatedSinceV10,
    warn_deprecated,
)


def renamed(legacy: dict[str, Any], old: str, new: str, given: Any) -> Any:
    """`given` (the new argument), else the deprecated `old` one from `legacy`, warned."""
    if old not in legacy:
        return given
    value = legacy.pop(old)
    if old == "config_schema":
        warn_deprecated("`config_schema` is deprecated and will be removed. Please use "
                        "`context_schema` instead.", LangGraphDeprecatedSinceV10, stacklevel=4)
    else:
        warn_deprecated(f"`{old}` is deprecated and will be removed. Please use `{new}` "
                        "instead.", LangGraphDeprecatedSinceV05, stacklevel=4)
    return value if given is None else given


def _is_runnable_config(annotation: Any) -> bool:
    text = str(annotation)
    if "RunnableConfig" not in text:
        return False
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return not args or all(_is_runnable_config(a) for a in args) or text.startswith("Optional")


def check_config_annotation(action: Any) -> None:
    """Warn (UserWarning, as LangGraph) when a node types its `config` parameter wrongly."""
    try:
        params = inspect.signature(action).parameters
    except (TypeError, ValueError):
        return
    p = params.get("config")
    if p is None or p.annotation is inspect.Parameter.empty:
        return
    if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
        return
    if _is_runnable_config(p.annotation):
        return
    warnings.warn("The 'config' parameter should be typed as 'RunnableConfig' or "
                  f"'RunnableConfig | None', not '{p.annotation}'. ", UserWarning,
                  stacklevel=3)


def config_schema_warning() -> None:
    warn_deprecated("`config_schema` is deprecated. Use `get_context_jsonschema` for the "
                    "relevant schema instead.", LangGraphDeprecatedSinceV10, stacklevel=4)


def checkpoint_during_warning(during: bool | None) -> Literal["async", "exit"]:
    """The durability a deprecated `checkpoint_during=` means, warned."""
    warn_deprecated("`checkpoint_during` is deprecated and will be removed. Please use "
                    "`durability` instead.", LangGraphDeprecatedSinceV10, stacklevel=5)
    return "async" if during else "exit"
