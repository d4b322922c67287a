"""`model.with_structured_output(schema)`: replies as data, through a forced tool call.

The schema (a pydantic model, a TypedDict, or a JSON schema dict with a "title") is
offered to the model as the one tool it must call; the call's arguments are the answer:
an instance of a pydantic schema, a dict otherwise. `include_raw=True` returns
`{"raw": message, "parsed": ..., "parsing_error": ...}` as LangChain does.
"""

from __future__ import annotations

import typing
from typing import Any

from engine.config import RunnableConfig
from engine.runnables import Runnable
from engine.tool_classes import json_type


def schema_tool(schema: Any) -> dict[str, Any]:
    """The OpenAI function a schema becomes: name, description and parameters."""
    if isinstance(schema, dict):
        if "title" not in schema:
            raise ValueError("a JSON schema for with_structured_output needs a 'title'")
        return {"name": schema["title"], "description": schema.get("description", ""),
                "parameters": schema}
    if hasattr(schema, "model_json_schema"):
        parameters = schema.model_json_schema()
    elif typing.is_typeddict(schema):
        hints = typing.get_type_hints(schema)
        parameters = {
            "type": "object", "title": schema.__name__,
            "properties": {k: {"title": k.replace("_", " ").title(), **json_type(h)}
                           for k, h in hints.items()},
            "required": sorted(getattr(schema, "__required_keys__", hints)),
        }
    else:
        raise TypeError(f"with_structured_output: unsupported schema {schema!r}")
    return {"name": schema.__name__, "description": (schema.__doc__ or "").strip(),
            "parameters": parameters}


class StructuredOutput(Runnable):
    """A chat model whose replies are parsed into `schema`."""

    def __init__(self, model: Any, schema: Any, *, include_raw: bool = False) -> None:
        self.schema = schema
        self.include_raw = include_raw
        self.function = schema_tool(schema)
        self.model = model.bind_tools([self.function], tool_choice=self.function["name"])
        self.name = f"{type(model).__name__}(structured)"

    def _parse(self, message: Any) -> Any:
        calls = [c for c in message.tool_calls if c["name"] == self.function["name"]]
        if not calls:
            raise ValueError(f"the model did not call {self.function['name']!r}: {message!r}")
        args = calls[0]["args"]
        return self.schema(**args) if hasattr(self.schema, "model_validate") else args

    def _result(self, message: Any) -> Any:
        if not self.include_raw:
            return self._parse(message)
        try:
            return {"raw": message, "parsed": self._parse(message), "parsing_error": None}
        except Exception as exc:
            return {"raw": message, "parsed": None, "parsing_error": exc}

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return self._result(self.model.invoke(input, config, **kwargs))

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None,
                      **kwargs: Any) -> Any:
        return self._result(await self.model.ainvoke(input, config, **kwargs))
