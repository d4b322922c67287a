"""Typed state in `version="v2"` streams and outputs, as LangGraph 1.2.22 gives them: a
`values` chunk and `invoke(version="v2")`'s value are instances of the graph's output
schema when that is a pydantic model or a dataclass (a failed validation raises, as
there); a checkpoint's `values` (in `checkpoints` and `debug`) become instances of the
state schema when they validate, else stay a dict (the first, empty checkpoint, say)."""

from __future__ import annotations

from typing import Any

TYPED_KINDS = frozenset({"pydantic", "dataclass"})


def _typed_schema(schema: Any) -> Any:
    return schema if getattr(schema, "kind", None) in TYPED_KINDS else None


def schemas_of(graph: Any) -> tuple[Any, Any]:
    """(output schema, state schema) of `graph` that v2 turns values into (None for
    either that is a dict, TypedDict or single-value state, or for a functional API
    graph)."""
    spec = getattr(graph, "spec", None)
    if spec is None:
        return None, None
    return _typed_schema(spec.output_schema), _typed_schema(spec.state)


def typed(schema: Any, values: Any) -> Any:
    """`values` (a dict of the schema's keys) as an instance of `schema`; unchanged when
    there is no schema or the value is not a dict."""
    if schema is None or type(values) is not dict:
        return values
    return schema.cls(**values)


def typed_or_dict(schema: Any, values: Any) -> Any:
    """`typed`, or `values` as they are when they do not validate."""
    try:
        return typed(schema, values)
    except Exception:
        return values
