"""Vector `builder_facts` (script s08): node-name inference, chaining and validation errors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from engine.graph import END, START, StateGraph
from engine.runnables import RunnableLambda

from .registry import register
from .schemas import CallableObj, SigState, sig_state


def _error_text(action: Callable[[], Any]) -> str | None:
    """`"<ExcClass>: <message>"` when `action` raises, else None (the key is then left out)."""
    try:
        action()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def base_fn(state: SigState, extra: str) -> dict[str, Any]:
    return {"log": [extra]}


def builder_facts() -> list[Any]:
    """Collect the same facts, under the same keys and in the same order, as the script."""
    facts: dict[str, Any] = {}
    lambda_error = _error_text(lambda: StateGraph(SigState).add_node(lambda s: s))
    facts["lambda_no_name"] = "accepted" if lambda_error is None else lambda_error
    facts["lambda_inferred_name"] = list(StateGraph(SigState).add_node(lambda s: s).nodes)
    failing: list[tuple[str, Callable[[], Any]]] = [
        ("duplicate_node", lambda: StateGraph(SigState).add_node(sig_state).add_node(sig_state)),
        ("reserved_name", lambda: StateGraph(SigState).add_node("__start__", sig_state)),
        ("name_with_pipe", lambda: StateGraph(SigState).add_node("a|b", sig_state)),
        ("name_with_colon", lambda: StateGraph(SigState).add_node("a:b", sig_state)),
        ("no_entry_point", lambda: StateGraph(SigState).add_node(sig_state).compile()),
        (
            "edge_to_missing",
            lambda: (
                StateGraph(SigState)
                .add_node(sig_state)
                .add_edge(START, "sig_state")
                .add_edge("sig_state", "missing")
                .compile()
            ),
        ),
        (
            "edge_from_end",
            lambda: (
                StateGraph(SigState)
                .add_node(sig_state)
                .add_edge(START, "sig_state")
                .add_edge(END, "sig_state")
                .compile()
            ),
        ),
        (
            "edge_from_start_to_missing",
            lambda: StateGraph(SigState).add_edge(START, "nope").compile(),
        ),
    ]
    for key, action in failing:
        text = _error_text(action)
        if text is not None:
            facts[key] = text
    try:
        graph = StateGraph(SigState).add_node(sig_state).add_edge(START, "sig_state").compile()
        facts["compile_ok_no_end_edge"] = "ok"
        facts["compile_ok_no_end_edge_result"] = graph.invoke({"log": []})
    except Exception as exc:
        facts["compile_ok_no_end_edge"] = f"{type(exc).__name__}: {exc}"
    builder = StateGraph(SigState)
    facts["add_node_returns_self"] = builder.add_node(sig_state) is builder
    facts["add_edge_returns_self"] = builder.add_edge(START, "sig_state") is builder
    entry = StateGraph(SigState).add_node(sig_state).set_entry_point("sig_state")
    facts["set_entry_point_returns_self"] = type(entry).__name__
    mro = type(builder.compile()).__mro__
    facts["compiled_type"] = f"{mro[0].__name__} mro=" + ",".join(c.__name__ for c in mro[:4])
    try:
        partial_node = functools.partial(base_fn, extra="p")
        facts["partial_name"] = list(StateGraph(SigState).add_node(partial_node).nodes)
    except Exception as exc:
        facts["partial_name"] = f"{type(exc).__name__}: {exc}"
    runnable = RunnableLambda(sig_state)
    facts["runnable_lambda_name"] = list(StateGraph(SigState).add_node(runnable).nodes)
    try:
        facts["callable_obj_name"] = list(StateGraph(SigState).add_node(CallableObj()).nodes)
    except Exception as exc:
        facts["callable_obj_name"] = f"{type(exc).__name__}: {exc}"
    return [facts]


register("builder_facts", builder_facts)
