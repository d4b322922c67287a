"""`with_config`: the bound config meets each call's config (tags, metadata, configurable,
callbacks all kept)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import BaseCallbackHandler, CallbackManager
from typing_extensions import TypedDict

from engine.config import RunnableConfig, merge_configs
from engine.graph import START, StateGraph


class State(TypedDict):
    a: int


class Names(BaseCallbackHandler):
    def __init__(self) -> None:
        self.names: list[str] = []

    def on_chain_start(self, serialized: Any, inputs: Any, **kwargs: Any) -> None:
        self.names.append(kwargs["name"])


def graph(seen: dict[str, Any]) -> Any:
    def node(state: State, config: RunnableConfig) -> State:
        seen.update(config)
        return {"a": state["a"] + 1}

    return StateGraph(State).add_node("node", node).add_edge(START, "node").compile()


class TestWithConfig:
    """A bound config is merged under every call's config."""

    def test_keys_merge(self) -> None:
        seen: dict[str, Any] = {}
        bound = graph(seen).with_config({"tags": ["b"], "metadata": {"m": 1},
                                         "configurable": {"k": "bound"}})
        assert bound.invoke({"a": 1}, {"tags": ["c"], "metadata": {"n": 2},
                                       "configurable": {"thread": "x"}}) == {"a": 2}
        assert seen["tags"] == ["b", "c"]
        assert seen["metadata"]["m"] == 1 and seen["metadata"]["n"] == 2
        assert seen["configurable"]["k"] == "bound"
        assert seen["configurable"]["thread"] == "x"

    def test_original_untouched(self) -> None:
        seen: dict[str, Any] = {}
        plain = graph(seen)
        plain.with_config(tags=["b"])
        plain.invoke({"a": 1})
        assert seen["tags"] == []

    def test_callbacks_from_both(self) -> None:
        bound_cb, call_cb = Names(), Names()
        bound = graph({}).with_config({"callbacks": [bound_cb]})
        bound.invoke({"a": 1}, {"callbacks": [call_cb]})
        assert bound_cb.names == call_cb.names == ["LangGraph", "node"]

    def test_callbacks_list_into_a_manager(self) -> None:
        a, b = Names(), Names()
        merged = merge_configs({"callbacks": [a]},
                               {"callbacks": CallbackManager.configure([b])})
        assert set(merged["callbacks"].handlers) == {a, b}
