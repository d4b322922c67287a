"""JSON schemas of a compiled graph's input, output and context (pydantic builds them).

The rules follow LangGraph 1.2.22 (observed): a pydantic model gives its own schema, a
TypedDict the schema pydantic derives for it; any other state (dataclass, single value)
becomes a model named `<graph name>Input` / `<graph name>Output` whose fields are the
state keys, optional when the key is NotRequired, has a dataclass default, or is typed
Optional, required otherwise.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, get_args, get_origin

from engine.schema import ROOT, Schema

_REQUIRED_FORMS = ("Required", "NotRequired")


def _strip_annotated(hint: Any) -> Any:
    while get_origin(hint) is typing.Annotated:
        hint = get_args(hint)[0]
    return hint


def _required_form(hint: Any) -> bool | None:
    """True for Required[...], False for NotRequired[...], None for neither."""
    hint = _strip_annotated(hint)
    name = getattr(get_origin(hint), "_name", None) or getattr(hint, "_name", None)
    if name in _REQUIRED_FORMS:
        return name == "Required"
    return None


def _value_type(hint: Any) -> Any:
    """The type a key holds: Annotated metadata and Required/NotRequired removed."""
    hint = _strip_annotated(hint)
    if _required_form(hint) is not None:
        hint = _strip_annotated(get_args(hint)[0])
    return hint


def _is_optional(hint: Any) -> bool:
    hint = _value_type(hint)
    origin = get_origin(hint)
    return (origin is typing.Union or origin is types.UnionType) and type(None) in get_args(hint)


def field_default(key: str, hint: Any, cls: Any) -> Any:
    """A key's default in the generated model: `...` (required) or a value."""
    required = _required_form(hint)
    if key in getattr(cls, "__optional_keys__", ()):
        return ... if required else None
    if required is not None:
        return ... if required else None
    if dataclasses.is_dataclass(cls):
        for f in dataclasses.fields(cls):
            if f.name == key:
                if f.default is not dataclasses.MISSING and f.default is not ...:
                    return f.default
                if f.default_factory is not dataclasses.MISSING:
                    return f.default_factory()
    return None if _is_optional(hint) else ...


def state_json_schema(schema: Schema, name: str) -> dict[str, Any]:
    """The JSON schema of a state (input or output) schema."""
    from pydantic import RootModel, TypeAdapter, create_model

    cls = schema.cls
    if schema.kind == "pydantic":
        result: dict[str, Any] = cls.model_json_schema()
        return result
    if schema.kind == "typeddict":
        result = TypeAdapter(cls).json_schema()
        return result
    if schema.kind == "root":
        value = _value_type(schema.hints[ROOT])
        model = create_model(name, __base__=RootModel[value],  # type: ignore[valid-type]
                             root=(value, None))
        result = model.model_json_schema()
        return result
    fields: dict[str, Any] = {
        key: (_value_type(hint), field_default(key, hint, cls))
        for key, hint in schema.hints.items()
    }
    result = create_model(name, **fields).model_json_schema()
    return result


def context_json_schema(cls: Any) -> dict[str, Any] | None:
    """The JSON schema of a `context_schema`, None without one."""
    if cls is None:
        return None
    from pydantic import BaseModel, TypeAdapter

    if isinstance(cls, type) and issubclass(cls, BaseModel):
        result: dict[str, Any] = cls.model_json_schema()
        return result
    if typing.is_typeddict(cls) or dataclasses.is_dataclass(cls):
        result = TypeAdapter(cls).json_schema()
        return result
    raise ValueError(f"Invalid context schema type: {cls}. Must be a BaseModel, TypedDict "
                     "or dataclass.")
