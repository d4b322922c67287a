"""Graph lifecycle callbacks: `on_interrupt` / `on_resume`, as LangGraph 1.2.22 calls them."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler, CallbackManager
from typing_extensions import TypedDict

from engine.callbacks import GraphCallbackHandler, GraphInterruptEvent, GraphResumeEvent
from engine.checkpoint.memory import InMemorySaver
from engine.config import RunnableConfig
from engine.graph import START, StateGraph
from engine.types import Command, interrupt


class State(TypedDict):
    answer: str


class Recorder(GraphCallbackHandler):
    def __init__(self) -> None:
        self.events: list[GraphInterruptEvent | GraphResumeEvent] = []

    def on_interrupt(self, event: GraphInterruptEvent) -> None:
        self.events.append(event)

    def on_resume(self, event: GraphResumeEvent) -> None:
        self.events.append(event)


class AsyncRecorder(GraphCallbackHandler):
    def __init__(self, fail: bool = False, raise_error: bool = False) -> None:
        self.events: list[Any] = []
        self.fail = fail
        self.raise_error = raise_error

    async def on_interrupt(self, event: GraphInterruptEvent) -> None:
        self.events.append(event)
        if self.fail:
            raise ValueError("async boom")


class Raising(GraphCallbackHandler):
    def __init__(self, raise_error: bool) -> None:
        self.raise_error = raise_error

    def on_interrupt(self, event: GraphInterruptEvent) -> None:
        raise ValueError("boom")


def ask(state: State) -> dict[str, Any]:
    return {"answer": interrupt("question?")}


def asking_graph() -> Any:
    return StateGraph(State).add_node("ask", ask).add_edge(START, "ask").compile(
        checkpointer=InMemorySaver())


class TestInterruptAndResume:
    """What the handler hears, and with which fields."""

    def test_interrupt_then_resume(self) -> None:
        graph, rec = asking_graph(), Recorder()
        config: RunnableConfig = {"configurable": {"thread_id": "t"}, "callbacks": [rec]}
        graph.invoke({"answer": ""}, config)
        graph.invoke(Command(resume="yes"), config)
        first, second = rec.events
        assert isinstance(first, GraphInterruptEvent)
        assert (first.status, first.checkpoint_ns) == ("pending", ())
        assert [i.value for i in first.interrupts] == ["question?"]
        assert isinstance(second, GraphResumeEvent)
        assert (second.status, second.checkpoint_ns) == ("pending", ())
        assert second.checkpoint_id == first.checkpoint_id
        assert first.run_id is not None and second.run_id != first.run_id

    def test_breakpoint_status(self) -> None:
        rec = Recorder()
        graph = StateGraph(State).add_node("n", lambda s: {"answer": "1"}).add_edge(
            START, "n").compile(checkpointer=InMemorySaver(), interrupt_before=["n"])
        config: RunnableConfig = {"configurable": {"thread_id": "t"}, "callbacks": [rec]}
        graph.invoke({"answer": ""}, config)
        assert graph.invoke(None, config) == {"answer": "1"}
        assert [(type(e).__name__, e.status) for e in rec.events] == [
            ("GraphInterruptEvent", "interrupt_before"), ("GraphResumeEvent", "pending")]

    def test_subgraph_resume_reported_for_both_graphs(self) -> None:
        rec = Recorder()
        inner = StateGraph(State).add_node("ask", ask).add_edge(START, "ask").compile()
        graph = StateGraph(State).add_node("sub", inner).add_edge(START, "sub").compile(
            checkpointer=InMemorySaver())
        config: RunnableConfig = {"configurable": {"thread_id": "t"}, "callbacks": [rec]}
        graph.invoke({"answer": ""}, config)
        assert graph.invoke(Command(resume="x"), config) == {"answer": "x"}
        kinds = [(type(e).__name__, len(e.checkpoint_ns)) for e in rec.events]
        # Only the root graph reports the pause; both graphs report resuming.
        assert kinds == [("GraphInterruptEvent", 0), ("GraphResumeEvent", 0),
                         ("GraphResumeEvent", 1)]
        assert rec.events[2].checkpoint_ns[0].startswith("sub:")

    def test_handler_inside_a_callback_manager(self) -> None:
        rec = Recorder()
        manager = CallbackManager.configure(inheritable_callbacks=[BaseCallbackHandler()])
        manager.add_handler(rec)
        asking_graph().invoke({"answer": ""}, {"configurable": {"thread_id": "t"},
                                              "callbacks": manager})
        assert len(rec.events) == 1


class TestFailingHandlers:
    """A failing handler is skipped unless it says raise_error."""

    def test_failure_is_logged_and_others_still_hear(self) -> None:
        rec = Recorder()
        out = asking_graph().invoke({"answer": ""}, {
            "configurable": {"thread_id": "t"}, "callbacks": [Raising(False), rec]})
        assert "__interrupt__" in out
        assert len(rec.events) == 1

    def test_raise_error_fails_the_run(self) -> None:
        with pytest.raises(ValueError, match="boom"):
            asking_graph().invoke({"answer": ""}, {
                "configurable": {"thread_id": "t"}, "callbacks": [Raising(True)]})

    async def test_async_handler_is_awaited(self) -> None:
        rec = AsyncRecorder()
        out = await asking_graph().ainvoke({"answer": ""}, {
            "configurable": {"thread_id": "t"}, "callbacks": [rec]})
        assert "__interrupt__" in out
        assert len(rec.events) == 1

    async def test_async_raise_error(self) -> None:
        with pytest.raises(ValueError, match="async boom"):
            await asking_graph().ainvoke({"answer": ""}, {
                "configurable": {"thread_id": "t"},
                "callbacks": [AsyncRecorder(fail=True, raise_error=True)]})

    def test_async_handler_in_a_sync_run(self) -> None:
        rec = AsyncRecorder(fail=True)
        out = asking_graph().invoke({"answer": ""}, {
            "configurable": {"thread_id": "t"}, "callbacks": [rec]})
        assert "__interrupt__" in out
        assert len(rec.events) == 1


class TestWithoutLangChain:
    """Without langchain-core the engine imports and lifecycle callbacks still work."""

    def test_subprocess_without_langchain_core(self) -> None:
        import subprocess
        import sys
        import textwrap

        code = textwrap.dedent("""
            import sys
            sys.modules["langchain_core"] = None  # as if it were not installed
            from typing_extensions import TypedDict
            from engine.callbacks import GraphCallbackHandler
            from engine.checkpoint.memory import InMemorySaver
            from engine.graph import START, StateGraph
            from engine.types import interrupt

            class S(TypedDict):
                a: str

            class H(GraphCallbackHandler):
                seen = []
                def on_interrupt(self, event):
                    self.seen.append(event.status)

            g = StateGraph(S).add_node("n", lambda s: {"a": interrupt("q")})
            g = g.add_edge(START, "n").compile(checkpointer=InMemorySaver())
            out = g.invoke({"a": ""}, {"configurable": {"thread_id": "1"}, "callbacks": [H()]})
            assert "__interrupt__" in out and H.seen == ["pending"], (out, H.seen)
            try:
                g.astream_events({"a": ""}, version="v2")
            except ImportError as exc:
                print("ok", exc)
        """)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("ok astream_events needs langchain-core")

    def test_runs_without_callbacks_load_no_callback_machinery(self) -> None:
        """A run without callbacks imports none of the callback bridges (with
        langchain-core behind them, their imports cost more than most runs)."""
        import subprocess
        import sys
        import textwrap

        code = textwrap.dedent("""
            import sys
            from typing_extensions import TypedDict
            import engine
            from engine.graph import START, StateGraph

            class S(TypedDict):
                a: int

            g = StateGraph(S).add_node("n", lambda s: {"a": 1}).add_edge(START, "n")
            g.compile().invoke({"a": 0})
            print([m for m in ("engine.callbacks", "engine.integrations.lc_runs",
                               "engine.integrations.lc_events") if m in sys.modules])
        """)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "[]"
