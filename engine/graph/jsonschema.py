"""JSON schemas of a graph's input, output and context types, as LangGraph gives them
(`get_input_jsonschema()` and friends). Built with pydantic, imported only when asked:
the engine itself does not depend on it."""

from __future__ import annotations

import typing
from typing import Any


def _is_typeddict(annotation: Any) -> bool:
    return (isinstance(annotation, type) and issubclass(annotation, dict)
            and hasattr(annotation, "__required_keys__"))


def _schema(annotation: Any) -> dict[str, Any]:
    from pydantic import TypeAdapter

    if not _is_typeddict(annotation):
        return dict(TypeAdapter(annotation).json_schema())
    # pydantic on Python 3.11 refuses typing.TypedDict: build the object schema from its
    # keys, as pydantic would for typing_extensions.TypedDict.
    hints = typing.get_type_hints(annotation)
    properties = {key: {"title": key.replace("_", " ").title(), **_schema(hint)}
                  for key, hint in hints.items()}
    schema: dict[str, Any] = {"properties": properties}
    required = [k for k in hints if k in annotation.__required_keys__]
    if required:
        schema["required"] = required
    schema["title"] = annotation.__name__
    schema["type"] = "object"
    return schema


def json_schema(annotation: Any, title: str | None) -> dict[str, Any]:
    """The JSON schema of a type (`Any` gives an empty schema), titled `title` if given."""
    try:
        import pydantic  # noqa: F401
    except ImportError as exc:  # pragma: no cover - pydantic is there wherever it is asked
        raise RuntimeError("JSON schemas of a graph's types need pydantic installed") from exc
    schema = {} if annotation is Any or annotation is None else _schema(annotation)
    if title is not None:
        schema["title"] = title
    return schema
