"""`graph.with_config(...)`: a bound config every call starts from, merged as LangChain
merges configs (tags concatenated, metadata and configurable key by key)."""

from __future__ import annotations

from typing import Any

from engine.config import RunnableConfig
from engine.graph import START, StateGraph


def capturing(seen: list[RunnableConfig]) -> Any:
    def node(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        seen.append(config)
        return {}

    builder = StateGraph(dict)
    builder.add_node("node", node)
    builder.add_edge(START, "node")
    return builder.compile()


class TestWithConfig:
    """Bound keys survive a call's own config; the original graph is unchanged."""

    def test_bound_and_call_configs_merge(self) -> None:
        seen: list[RunnableConfig] = []
        graph = capturing(seen)
        bound = graph.with_config({"tags": ["bound"], "metadata": {"user": "U1"},
                                   "configurable": {"agent": "root"}})
        bound.invoke({}, {"tags": ["call"], "metadata": {"run": "R"},
                          "configurable": {"thread_id": "T1"}})
        config = seen[-1]
        assert config["tags"][:2] == ["bound", "call"]
        assert {"user": "U1", "run": "R"}.items() <= config["metadata"].items()
        assert {"agent": "root", "thread_id": "T1"}.items() <= config["configurable"].items()

    def test_with_config_returns_a_copy(self) -> None:
        seen: list[RunnableConfig] = []
        graph = capturing(seen)
        graph.with_config(tags=["bound"])
        graph.invoke({})
        assert "bound" not in seen[-1]["tags"]

    def test_call_keys_win(self) -> None:
        seen: list[RunnableConfig] = []
        graph = capturing(seen).with_config({"configurable": {"k": "bound"}})
        graph.invoke({}, {"configurable": {"k": "call"}})
        assert seen[-1]["configurable"]["k"] == "call"
