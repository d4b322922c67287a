"""The `updates` stream for a node that writes one key several times (a Command whose
update is a list of pairs): each write is listed on its own, in order, while its task
result folds them into `{"$writes": [...]}` (LangGraph 1.2.22, observed)."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from engine.graph import END, START, StateGraph
from engine.types import Command


def _join(a: str, b: str) -> str:
    return ", ".join(x for x in (a, b) if x)


class State(TypedDict):
    foo: Annotated[str, _join]
    bar: str


def test_each_write_of_a_key_written_twice_is_its_own_update() -> None:
    def one(_: State) -> Command[Any]:
        return Command(update=[("foo", "one.0"), ("bar", "b"), ("foo", "one.1")])

    def two(_: State) -> dict[str, str]:
        return {"foo": "two"}

    graph = (StateGraph(State).add_node("one", one).add_node("two", two)
             .add_edge(START, "one").add_edge("one", "two").add_edge("two", END).compile())
    chunks = list(graph.stream({"foo": "input"}, stream_mode=["updates", "tasks"]))
    updates = [c for mode, c in chunks if mode == "updates"]
    assert updates == [{"one": [{"foo": "one.0"}, {"bar": "b"}, {"foo": "one.1"}]},
                       {"two": {"foo": "two"}}]
    results = [c["result"] for mode, c in chunks if mode == "tasks" and "result" in c]
    assert results[0] == {"foo": {"$writes": ["one.0", "one.1"]}, "bar": "b"}
    assert graph.invoke({"foo": "input"}) == {"foo": "input, one.0, one.1, two", "bar": "b"}


def test_distinct_keys_stay_one_dict() -> None:
    graph = (StateGraph(State)
             .add_node("one", lambda s: Command(update=[("foo", "x"), ("bar", "y")]))
             .add_edge(START, "one").compile())
    assert list(graph.stream({"foo": ""}, stream_mode="updates")) == [
        {"one": {"foo": "x", "bar": "y"}}]
