"""LangGraph's deprecated spellings still work, with LangGraph 1.2.22's warnings."""

from __future__ import annotations

import importlib
import sys
import warnings
from typing import Any, TypedDict

import pytest

from engine.config import RunnableConfig
from engine.func import entrypoint, task
from engine.graph import START, StateGraph
from engine.types import GraphOutput, Interrupt, RetryPolicy
from engine.warnings import (
    LangGraphDeprecatedSinceV05,
    LangGraphDeprecatedSinceV10,
    LangGraphDeprecatedSinceV11,
)


class S(TypedDict):
    x: int


class TestRenamedArguments:
    def test_input_output_schema(self) -> None:
        with pytest.warns(LangGraphDeprecatedSinceV05, match="`input` is deprecated"):
            builder = StateGraph(S, input=S)
        assert builder.input_schema is S
        with pytest.warns(LangGraphDeprecatedSinceV05, match="Please use `output_schema`"):
            StateGraph(S, output=S)

    def test_config_schema_becomes_context_schema(self) -> None:
        with pytest.warns(LangGraphDeprecatedSinceV10, match="`config_schema` is deprecated"):
            builder = StateGraph(S, config_schema=S)
        assert builder.context_schema is S
        graph = builder.add_node("n", lambda s: s).add_edge(START, "n").compile()
        with pytest.warns(LangGraphDeprecatedSinceV10, match="get_context_jsonschema"):
            assert graph.config_schema() is S

    def test_retry_on_task_and_entrypoint(self) -> None:
        with pytest.warns(LangGraphDeprecatedSinceV05, match="Please use `retry_policy`"):
            task(retry=RetryPolicy())(lambda: None)
        with pytest.warns(LangGraphDeprecatedSinceV05, match="Please use `retry_policy`"):
            entrypoint(retry=RetryPolicy())(lambda x: x)

    def test_warning_text_names_the_versions(self) -> None:
        with pytest.warns(LangGraphDeprecatedSinceV05) as record:
            StateGraph(S).add_node("n", lambda s: s, retry=RetryPolicy())
        assert str(record[0].message).endswith(
            "instead. Deprecated in LangGraph V0.5 to be removed in V2.0.")

    def test_checkpoint_during_sets_durability(self) -> None:
        def node(state: S, config: RunnableConfig) -> dict[str, Any]:
            return {"x": config["configurable"]["__pregel_durability"] == "exit"}

        graph = StateGraph(S).add_node("n", node).add_edge(START, "n").compile()
        with pytest.warns(LangGraphDeprecatedSinceV10, match="`checkpoint_during`"):
            assert graph.invoke({"x": 0}, checkpoint_during=False) == {"x": True}


class TestMovedNames:
    def test_send_from_constants(self) -> None:
        with pytest.warns(LangGraphDeprecatedSinceV10, match="Importing Send from"):
            from engine.constants import Send  # noqa: F401

    def test_private_constant(self) -> None:
        with pytest.warns(LangGraphDeprecatedSinceV10, match="now private"):
            from engine.constants import PREVIOUS
        assert PREVIOUS == "__previous__"

    def test_pregel_types_module(self) -> None:
        sys.modules.pop("engine.pregel.types", None)
        with pytest.warns(LangGraphDeprecatedSinceV10, match="langgraph.pregel.types"):
            importlib.import_module("engine.pregel.types")

    def test_interrupt_id(self) -> None:
        with pytest.warns(LangGraphDeprecatedSinceV10, match="Use `id` instead"):
            assert Interrupt("q", id="abc").interrupt_id == "abc"


class TestGraphOutputAccess:
    def test_getitem_and_contains(self) -> None:
        interrupts = (Interrupt("q", id="i"),)
        out = GraphOutput({"foo": "bar"}, interrupts)
        with pytest.warns(LangGraphDeprecatedSinceV11, match=r"via `result\[key\]`"):
            assert out["foo"] == "bar"
            assert out["__interrupt__"] == interrupts
        with pytest.warns(LangGraphDeprecatedSinceV11, match="via `key in result`"):
            assert "foo" in out and "__interrupt__" in out and "nope" not in out


class TestConfigAnnotation:
    def test_wrong_config_type_warns(self) -> None:
        def node(state: S, config: dict) -> S:
            return state

        with pytest.warns(UserWarning, match="should be typed as 'RunnableConfig'"):
            StateGraph(S).add_node(node)

    def test_right_or_missing_config_type_is_quiet(self) -> None:
        def typed(state: S, config: RunnableConfig) -> S:
            return state

        def optional(state: S, config: RunnableConfig | None = None) -> S:
            return state

        def untyped(state: S, config) -> S:
            return state

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            StateGraph(S).add_node(typed).add_node(optional).add_node(untyped)
