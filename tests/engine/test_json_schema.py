"""get_input_jsonschema / get_output_jsonschema / get_context_jsonschema: expected
values are what LangGraph 1.2.22 returns for the same schemas (observed; LangGraph is
not imported here)."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Annotated, Any, NotRequired

import pytest
from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12

from engine.graph import START, StateGraph


def compiled(schema: Any, context: Any = None) -> Any:
    return (StateGraph(schema, context).add_node("n", lambda s: s).add_edge(START, "n")
            .compile())


@dataclass
class D:
    need: str
    maybe: int | None
    listed: list[int] = field(default_factory=lambda: [1, 2])
    ellipsis: str = field(default=...)  # type: ignore[assignment]


class T(TypedDict):
    a: int
    b: NotRequired[Annotated[list[str], operator.add]]


class TestStateSchemas:
    """Input and output schemas by kind of state."""

    def test_dataclass(self) -> None:
        """Fields without a default (or with `...`) are required; Optional ones and
        defaults are not; the model is named after the graph."""
        schema = compiled(D).get_input_jsonschema()
        assert schema["title"] == "LangGraphInput"
        assert schema["required"] == ["need", "ellipsis"]
        assert schema["properties"]["listed"]["default"] == [1, 2]
        assert compiled(D).get_output_jsonschema()["title"] == "LangGraphOutput"

    def test_typeddict(self) -> None:
        """A TypedDict keeps its own title and its Required/NotRequired keys."""
        schema = compiled(T).get_input_jsonschema()
        assert schema["title"] == "T" and schema["required"] == ["a"]

    def test_single_value(self) -> None:
        """A single-value state is a root model: the value's own schema."""
        assert compiled(Annotated[list[str], operator.add]).get_input_jsonschema() == {
            "default": None, "items": {"type": "string"}, "title": "LangGraphInput",
            "type": "array"}


class TestContextSchema:
    """The context schema's JSON schema."""

    def test_none_dataclass_and_invalid(self) -> None:
        """None without one; a dataclass's own; a plain class is refused."""
        assert compiled(T).get_context_jsonschema() is None

        @dataclass
        class C:
            k: int

        assert compiled(T, C).get_context_jsonschema() == {
            "properties": {"k": {"title": "K", "type": "integer"}}, "required": ["k"],
            "title": "C", "type": "object"}
        with pytest.raises(ValueError, match="Invalid context schema"):
            compiled(T, int).get_context_jsonschema()
