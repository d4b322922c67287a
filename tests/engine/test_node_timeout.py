"""Node timeouts (`add_node(timeout=...)`, `Send(timeout=...)`, `TimeoutPolicy`):
expected values are what LangGraph 1.2.22 does in the same cases (observed with small
graphs; LangGraph is not imported here)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, TypedDict

import pytest

from engine.config import get_stream_writer
from engine.errors import NodeTimeoutError
from engine.graph import END, START, StateGraph
from engine.runtime import DEFAULT_RUNTIME, Runtime
from engine.types import RetryPolicy, Send, TimeoutPolicy


class S(TypedDict, total=False):
    x: int


def sleeper(*pauses: float, heartbeat: bool = False, write: bool = False) -> Any:
    """An async node that sleeps `pauses` one after another, signalling progress
    between them as asked."""

    async def node(state: S, runtime: Runtime) -> dict[str, Any]:
        for pause in pauses:
            await asyncio.sleep(pause)
            if heartbeat:
                runtime.heartbeat()
            if write:
                get_stream_writer()("tick")
        return {"x": state.get("x", 0) + 1}

    return node


def timed(node: Any, timeout: Any, **kw: Any) -> Any:
    return (StateGraph(S).add_node("n", node, timeout=timeout, **kw)
            .add_edge(START, "n").add_edge("n", END).compile())


class TestPolicy:
    """TimeoutPolicy.coerce and the declaration-time checks."""

    def test_coerce(self) -> None:
        """A number or timedelta is a run timeout; all-None is no timeout."""
        assert TimeoutPolicy.coerce(2) == TimeoutPolicy(run_timeout=2.0)
        assert TimeoutPolicy.coerce(timedelta(milliseconds=500)) == TimeoutPolicy(
            run_timeout=0.5)
        assert TimeoutPolicy.coerce(TimeoutPolicy()) is None
        assert TimeoutPolicy.coerce(None) is None

    def test_non_positive_is_refused_eagerly(self) -> None:
        """0 or less fails where it is given: add_node, Send, coerce."""
        with pytest.raises(ValueError, match="greater than 0"):
            StateGraph(S).add_node("n", sleeper(), timeout=0)
        with pytest.raises(ValueError, match="greater than 0"):
            Send("n", {}, timeout=-1)
        with pytest.raises(ValueError, match="refresh_on"):
            TimeoutPolicy.coerce(TimeoutPolicy(run_timeout=1, refresh_on="x"))  # type: ignore[arg-type]

    def test_sync_node_is_refused_at_compile(self) -> None:
        """A sync node cannot be cancelled, so it cannot be timed."""
        builder = (StateGraph(S).add_node("n", lambda s: s, timeout=1.0)
                   .add_edge(START, "n"))
        with pytest.raises(ValueError, match=r"only supported for async nodes.*'n' is sync"):
            builder.compile()

    def test_heartbeat_outside_a_timed_attempt_is_a_no_op(self) -> None:
        """The default runtime's heartbeat does nothing."""
        DEFAULT_RUNTIME.heartbeat()


class TestEnforced:
    """What happens when an attempt runs too long."""

    def test_run_timeout(self) -> None:
        """A run timeout cancels the attempt and fails with NodeTimeoutError."""
        graph = timed(sleeper(5), TimeoutPolicy(run_timeout=0.05))
        with pytest.raises(NodeTimeoutError) as info:
            asyncio.run(graph.ainvoke({"x": 0}))
        error = info.value
        assert (error.node, error.kind, error.run_timeout, error.idle_timeout) == (
            "n", "run", 0.05, None)
        assert "exceeded its run timeout of 0.050s" in str(error)

    def test_idle_timeout_is_refreshed_by_progress(self) -> None:
        """Heartbeats or custom writes closer together than the idle timeout keep
        the attempt alive; the same pauses without them time out."""
        pauses = (0.06, 0.06, 0.06, 0.06)
        policy = TimeoutPolicy(idle_timeout=0.15)
        assert asyncio.run(timed(sleeper(*pauses, heartbeat=True), policy).ainvoke({})) == {
            "x": 1}
        assert asyncio.run(timed(sleeper(*pauses, write=True), policy).ainvoke({})) == {
            "x": 1}
        with pytest.raises(NodeTimeoutError) as info:
            asyncio.run(timed(sleeper(0.4), policy).ainvoke({}))
        assert info.value.kind == "idle" and info.value.idle_timeout == 0.15

    def test_heartbeat_mode_ignores_writes(self) -> None:
        """With refresh_on="heartbeat", writes are not progress."""
        policy = TimeoutPolicy(idle_timeout=0.1, refresh_on="heartbeat")
        with pytest.raises(NodeTimeoutError):
            asyncio.run(timed(sleeper(0.06, 0.06, 0.06, write=True), policy).ainvoke({}))

    def test_timeout_is_retried(self) -> None:
        """A retry policy that retries NodeTimeoutError reruns the attempt."""
        runs: list[int] = []

        async def flaky(state: S) -> dict[str, Any]:
            runs.append(1)
            if len(runs) == 1:
                await asyncio.sleep(5)
            return {"x": len(runs)}

        graph = timed(flaky, TimeoutPolicy(run_timeout=0.05), retry_policy=RetryPolicy(
            initial_interval=0.0, jitter=False, retry_on=NodeTimeoutError))
        assert asyncio.run(graph.ainvoke({})) == {"x": 2}

    def test_send_timeout_wins_over_the_nodes(self) -> None:
        """A Send's timeout replaces its target node's."""

        def route(state: S) -> list[Send]:
            return [Send("n", {"x": 1}, timeout=TimeoutPolicy(run_timeout=0.05))]

        graph = (StateGraph(S).add_node("n", sleeper(0.3), timeout=5.0)
                 .add_conditional_edges(START, route).compile())
        with pytest.raises(NodeTimeoutError) as info:
            asyncio.run(graph.ainvoke({}))
        assert info.value.run_timeout == 0.05

    def test_default_timeout_and_per_node_override(self) -> None:
        """set_node_defaults(timeout=...) applies unless the node sets its own."""
        graph = (StateGraph(S).set_node_defaults(timeout=0.02)
                 .add_node("n", sleeper(0.1), timeout=5.0).add_edge(START, "n").compile())
        assert asyncio.run(graph.ainvoke({})) == {"x": 1}
        graph = (StateGraph(S).set_node_defaults(timeout=0.02)
                 .add_node("n", sleeper(0.1)).add_edge(START, "n").compile())
        with pytest.raises(NodeTimeoutError):
            asyncio.run(graph.ainvoke({}))
