"""`version="v2"` gives the state typed (LangGraph 1.2.22, observed): `values` chunks and
`invoke`'s output as instances of a pydantic or dataclass output schema; a checkpoint's
values as the state schema once they validate (the first, empty one stays a dict); v1 and
TypedDict states stay dicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

import pytest
from pydantic import BaseModel, ValidationError

from engine.checkpoint.memory import InMemorySaver
from engine.graph import END, START, StateGraph
from engine.types import interrupt

from .graphs import model_in_model


class Doc(BaseModel):
    value: str
    items: list[str] = []


@dataclass
class DocData:
    value: str
    items: list[str] = field(default_factory=list)


class DocDict(TypedDict):
    value: str
    items: list[str]


def _append(state: Any) -> dict[str, Any]:
    value = state["value"] if isinstance(state, dict) else state.value
    return {"value": value + "_a", "items": ["a"]}


def _graph(schema: Any, **compile_kw: Any) -> Any:
    return (StateGraph(schema).add_node("a", _append).add_edge(START, "a").add_edge("a", END)
            .compile(**compile_kw))


def test_values_and_invoke_are_the_pydantic_model_in_v2_only() -> None:
    graph = _graph(Doc)
    chunks = list(graph.stream({"value": "x"}, stream_mode="values", version="v2"))
    assert [c["data"] for c in chunks] == [Doc(value="x"), Doc(value="x_a", items=["a"])]
    assert graph.invoke({"value": "x"}, version="v2").value == Doc(value="x_a", items=["a"])
    assert graph.invoke({"value": "x"}) == {"value": "x_a", "items": ["a"]}
    assert list(graph.stream({"value": "x"}, stream_mode="values"))[-1] == {
        "value": "x_a", "items": ["a"]}


def test_a_dataclass_state_is_typed_and_a_typeddict_one_stays_a_dict() -> None:
    chunks = list(_graph(DocData).stream({"value": "x"}, stream_mode="values", version="v2"))
    assert [c["data"] for c in chunks] == [DocData("x"), DocData("x_a", ["a"])]
    plain = list(_graph(DocDict).stream({"value": "x", "items": []}, stream_mode="values",
                                        version="v2"))
    assert plain[-1]["data"] == {"value": "x_a", "items": ["a"]}


def test_checkpoints_are_typed_once_they_validate() -> None:
    graph = _graph(Doc, checkpointer=InMemorySaver())
    config: Any = {"configurable": {"thread_id": "t"}}
    chunks = list(graph.stream({"value": "x"}, config, stream_mode=["checkpoints", "debug"],
                               version="v2"))
    values = [c["data"]["values"] for c in chunks if c["type"] == "checkpoints"]
    assert values == [{}, Doc(value="x"), Doc(value="x_a", items=["a"])]
    debug = [c["data"]["payload"]["values"] for c in chunks
             if c["type"] == "debug" and c["data"]["type"] == "checkpoint"]
    assert debug == values


def test_an_interrupted_state_is_typed_beside_its_interrupts() -> None:
    def ask(state: Doc) -> dict[str, Any]:
        return {"value": str(interrupt("q"))}

    graph = (StateGraph(Doc).add_node("ask", ask).add_edge(START, "ask")
             .compile(checkpointer=InMemorySaver()))
    config: Any = {"configurable": {"thread_id": "t"}}
    chunks = list(graph.stream({"value": "x"}, config, stream_mode="values", version="v2"))
    assert [c["data"] for c in chunks] == [Doc(value="x"), Doc(value="x")]
    assert chunks[-1]["interrupts"][0].value == "q"


def test_a_subgraph_chunk_is_typed_by_its_own_schema() -> None:
    outer, Inner, Outer = model_in_model()
    chunks = list(outer.stream({"value": "x"}, stream_mode="values", subgraphs=True,
                               version="v2"))
    kinds = {(c["ns"] != (), type(c["data"])) for c in chunks}
    assert kinds == {(False, Outer), (True, Inner)}


def test_a_state_that_does_not_validate_fails_the_v2_stream() -> None:
    class Count(BaseModel):
        value: int

    graph = (StateGraph(Count).add_node("c", lambda s: {"value": "not a number"})
             .add_edge(START, "c").compile())
    with pytest.raises(ValidationError):
        list(graph.stream({"value": 1}, stream_mode="values", version="v2"))
