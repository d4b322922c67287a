"""A reducer key starts from its type's empty value, so the run's input goes through the
reducer too (LangGraph 1.2.22, observed: `{"messages": "hello"}` into an `add_messages`
key gives a list holding one HumanMessage, also when the key is declared as an abstract
`Sequence`, `Set` or `Mapping`)."""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence, Set
from types import MappingProxyType
from typing import Annotated, Any, TypedDict

import pytest

from engine.graph import START, StateGraph
from engine.graph.message import add_messages
from engine.messages import HumanMessage


def _run(schema: Any, inp: dict[str, Any]) -> Any:
    seen: list[Any] = []

    def node(state: Any) -> None:
        seen.append(state)

    out = StateGraph(schema).add_node("a", node).add_edge(START, "a").compile().invoke(inp)
    assert seen == [out]  # the node saw the reduced input
    return out


class AsList(TypedDict):
    messages: Annotated[list[str], add_messages]


class AsSequence(TypedDict):
    messages: Annotated[Sequence[str], add_messages]


@pytest.mark.parametrize("schema", [AsList, AsSequence])
def test_input_goes_through_add_messages(schema: Any) -> None:
    out = _run(schema, {"messages": "hello"})
    (message,) = out["messages"]
    assert isinstance(message, HumanMessage) and message.content == "hello"


class Abstract(TypedDict):
    tags: Annotated[Set[str], operator.or_]
    seen: Annotated[Mapping[str, int], operator.or_]


def test_abstract_set_and_mapping_keys_start_empty() -> None:
    # Reduced into a set and a dict, not kept as the frozenset and mapping proxy given.
    out = _run(Abstract, {"tags": frozenset({"a"}), "seen": MappingProxyType({"x": 1})})
    assert out == {"tags": {"a"}, "seen": {"x": 1}}
    assert type(out["tags"]) is set and type(out["seen"]) is dict
