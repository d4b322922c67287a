"""The functional API (`@entrypoint`, `@task`): expected values are what LangGraph 1.2.22
does with the same programs (observed on it; LangGraph is not imported here)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, TypedDict

import pytest

from engine.checkpoint.memory import InMemorySaver
from engine.events import capture_events
from engine.func import entrypoint, task
from engine.graph import START, StateGraph
from engine.types import Command, RetryPolicy, interrupt


def doubling() -> Any:
    """An entrypoint `wf` that returns what one call of the task `double` (2x) gives."""

    @task
    def double(x: int) -> int:
        return 2 * x

    @entrypoint()
    def wf(x: int) -> int:
        return double(x).result()

    return wf


def thread(tid: str) -> Any:
    return {"configurable": {"thread_id": tid}}


class TestTasks:
    """Calls of `@task` functions inside an entrypoint."""

    def test_calls_stream_as_updates_then_the_return_value(self) -> None:
        """Each call reports `{task: result}`, then the entrypoint `{name: value}`."""

        @task
        def double(x: int) -> int:
            return 2 * x

        @task(name="plus_one")
        def inc(x: int) -> int:
            return x + 1

        @entrypoint()
        def wf(x: int) -> int:
            return inc(double(x).result()).result()

        assert list(wf.stream(3)) == [{"double": 6}, {"plus_one": 7}, {"wf": 7}]
        assert wf.invoke(3) == 7

    def test_parallel_calls_run_concurrently(self) -> None:
        """Futures are returned at once; two sleeping calls overlap."""
        both = threading.Barrier(2, timeout=5)

        @task
        def meet(i: int) -> int:
            both.wait()  # deadlocks (then times out) unless both calls run at once
            return i

        @entrypoint()
        def wf(n: int) -> list[int]:
            futures = [meet(i) for i in range(n)]
            return [f.result() for f in futures]

        assert wf.invoke(2) == [0, 1]

    def test_a_failed_call_raises_from_result_and_is_not_reported(self) -> None:
        """A caught task failure leaves the run going; updates show only successes."""

        @task
        def boom(x: int) -> int:
            raise ValueError("no")

        @task
        def ok(x: int) -> int:
            return x

        @entrypoint()
        def wf(x: int) -> str:
            ok(x).result()
            try:
                boom(x).result()
            except ValueError:
                pass
            return "done"

        assert list(wf.stream(1)) == [{"ok": 1}, {"wf": "done"}]

    def test_retry_policy_reruns_a_call(self) -> None:
        """A task's retry policy reruns the call until it succeeds."""
        attempts = []

        @task(retry_policy=RetryPolicy(initial_interval=0.001, jitter=False,
                                       retry_on=KeyError))
        def flaky() -> int:
            attempts.append(1)
            if len(attempts) < 3:
                raise KeyError("again")
            return len(attempts)

        @entrypoint()
        def wf(_: Any) -> int:
            return flaky().result()

        assert wf.invoke({}) == 3

    def test_injected_arguments_unless_passed(self) -> None:
        """`config` is injected into a task, but an explicit argument wins."""
        seen = []

        @task
        def probe(config: Any = None) -> None:
            seen.append(config)

        @entrypoint()
        def wf(_: Any) -> str:
            probe().result()
            probe(config="mine").result()
            return "ok"

        wf.invoke({})
        assert isinstance(seen[0], dict) and "configurable" in seen[0]
        assert seen[1] == "mine"

    def test_calling_a_task_outside_a_run_is_an_error(self) -> None:
        @task
        def lone() -> None:
            return None

        with pytest.raises(RuntimeError, match="outside of a runnable context"):
            lone()

    def test_calls_are_events(self) -> None:
        """Each call has its task_start / task_end events in the entrypoint's step."""

        wf = doubling()

        with capture_events() as events:
            wf.invoke(2)
        ends = [(e.data["name"], e.data["result"]) for e in events.of("task_end")]
        assert ends == [("double", 4), ("wf", 4)]
        starts = {e.step for e in events.of("task_start")}
        assert len(starts) == 1
        call = events.of("task_start")[1].data
        # As traces store a PUSH task (and the LangGraph recorder writes a call): (PUSH, i).
        assert (call["name"], call["path"], call["caller"]) == ("double",
                                                                ("__pregel_push", 0), "wf")
        assert call["input"] == ((2,), {})


class TestEntrypoint:
    """State across runs: `previous`, `entrypoint.final`, interrupts and resume."""

    def test_previous_is_the_last_saved_value(self) -> None:
        @entrypoint(checkpointer=InMemorySaver())
        def counter(x: int, *, previous: Any = None) -> Any:
            total = (previous or 0) + x
            return entrypoint.final(value=f"total {total}", save=total)

        assert counter.invoke(2, thread("1")) == "total 2"
        assert counter.invoke(3, thread("1")) == "total 5"
        assert counter.invoke(3, thread("2")) == "total 3"

    def test_update_state_sets_previous(self) -> None:
        @entrypoint(checkpointer=InMemorySaver())
        def echo(x: Any, *, previous: Any = None) -> Any:
            return {"previous": previous, "current": x}

        echo.update_state(thread("1"), {"a": 0})
        assert echo.invoke(1, thread("1")) == {"previous": {"a": 0}, "current": 1}
        assert echo.get_state(thread("1")).values == {"previous": {"a": 0}, "current": 1}

    def test_interrupt_then_resume_replays_finished_calls(self) -> None:
        """After resume, calls that finished return their saved result (not rerun)."""
        runs = []

        @task
        def double(x: int) -> int:
            runs.append(x)
            return 2 * x

        @entrypoint(checkpointer=InMemorySaver())
        def wf(xs: list[int]) -> list[Any]:
            out: list[Any] = []
            for x in xs:
                out += [double(x).result(), interrupt(f"after {x}")]
            return out

        first = wf.invoke([1, 2], thread("t"))
        assert [i.value for i in first["__interrupt__"]] == ["after 1"]
        snapshot = wf.get_state(thread("t"))
        assert snapshot.values is None and snapshot.next == ("wf",)
        assert [i.value for i in snapshot.tasks[0].interrupts] == ["after 1"]
        assert wf.invoke(Command(resume="a"), thread("t"))["__interrupt__"][0].value == "after 2"
        assert wf.invoke(Command(resume="b"), thread("t")) == [2, "a", 4, "b"]
        assert runs == [1, 2]

    def test_interrupt_inside_a_task_takes_the_resume_value(self) -> None:
        @task
        def ask(question: str) -> Any:
            return interrupt(question)

        @entrypoint(checkpointer=InMemorySaver())
        def wf(n: int) -> list[Any]:
            return [ask(f"q{i}").result() for i in range(n)]

        assert wf.invoke(2, thread("t"))["__interrupt__"][0].value == "q0"
        assert wf.invoke(Command(resume="a0"), thread("t"))["__interrupt__"][0].value == "q1"
        assert wf.invoke(Command(resume="a1"), thread("t")) == ["a0", "a1"]

    def test_values_mode_shows_the_return_value(self) -> None:
        @entrypoint()
        def wf(x: int) -> dict[str, int]:
            return {"x": x}

        assert list(wf.stream(1, stream_mode="values")) == [{"x": 1}]

    def test_checkpoints_input_then_one_step(self) -> None:
        """The input goes into the input checkpoint (step -1); the function is step 0."""

        @entrypoint(checkpointer=InMemorySaver())
        def wf(x: int) -> int:
            return x + 1

        chunks = list(wf.stream(1, thread("c"), stream_mode="checkpoints"))
        assert [(c["metadata"]["source"], c["metadata"]["step"], c["next"], c["values"])
                for c in chunks] == [("input", -1, ["wf"], None), ("loop", 0, [], 2)]

    def test_tasks_mode_shapes(self) -> None:
        """A call's input is (args, kwargs); results are under __return__ / __end__."""

        wf = doubling()

        chunks = list(wf.stream(3, stream_mode="tasks"))
        assert [(c["name"], c.get("input"), c.get("triggers"), c.get("result"))
                for c in chunks] == [
            ("wf", 3, ("__start__",), None),
            ("double", ((3,), {}), ("__pregel_push",), None),
            ("double", None, None, {"__return__": 6}),
            ("wf", None, None, {"__end__": 6}),
        ]

    def test_json_schemas_from_annotations(self) -> None:
        """Input from the first parameter, output from the return (final[R, S]: R),
        context from context_schema; titled as LangGraph titles them."""

        class Context(TypedDict):
            model: str

        @entrypoint(context_schema=Context)
        def wf(xs: list[int]) -> entrypoint.final[str, int]:
            return entrypoint.final(value="", save=0)

        assert wf.get_input_jsonschema() == {
            "type": "array", "items": {"type": "integer"}, "title": "LangGraphInput"}
        assert wf.get_output_jsonschema() == {"type": "string", "title": "LangGraphOutput"}
        assert wf.get_context_jsonschema() == {
            "properties": {"model": {"title": "Model", "type": "string"}},
            "required": ["model"], "title": "Context", "type": "object"}

        @entrypoint()
        def untyped(x):
            return x

        assert untyped.get_output_jsonschema() == {"title": "LangGraphOutput"}
        assert untyped.get_context_jsonschema() is None

    def test_generators_are_refused(self) -> None:
        with pytest.raises(NotImplementedError):

            @entrypoint()
            def gen(x: int) -> Any:
                yield x

    def test_final_needs_two_type_parameters(self) -> None:
        with pytest.raises(TypeError):
            entrypoint.final[int]  # type: ignore[misc]


class TestTasksInGraphNodes:
    """A StateGraph node may call tasks too: same reports, same resume rules."""

    def test_interrupt_in_a_call_of_a_node(self) -> None:
        class S(TypedDict):
            x: int
            ans: str

        @task
        def double(x: int) -> int:
            return 2 * x

        @task
        def ask(question: str) -> Any:
            return interrupt(question)

        def node(state: S) -> dict[str, Any]:
            doubled = double(state["x"]).result()
            return {"x": doubled, "ans": ask(f"q{doubled}").result()}

        graph = (StateGraph(S).add_node("node", node).add_edge(START, "node")
                 .compile(checkpointer=InMemorySaver()))
        first = list(graph.stream({"x": 2, "ans": ""}, thread("n")))
        assert first[0] == {"double": 4}
        assert [i.value for i in first[1]["__interrupt__"]] == ["q4"]
        assert list(graph.stream(Command(resume="yes"), thread("n"))) == [
            {"ask": "yes"}, {"node": {"x": 4, "ans": "yes"}}]


    def test_a_node_that_asks_before_calling_does_not_answer_twice(self) -> None:
        """The node's own interrupt takes the first answer, the call's the second."""

        class S(TypedDict):
            a: str
            b: str

        @task
        def ask(question: str) -> Any:
            return interrupt(question)

        def node(state: S) -> dict[str, Any]:
            return {"a": interrupt("first"), "b": ask("second").result()}

        graph = (StateGraph(S).add_node("node", node).add_edge(START, "node")
                 .compile(checkpointer=InMemorySaver()))
        inputs: list[Any] = [{"a": "", "b": ""}, Command(resume="A")]
        asked = [list(graph.stream(i, thread("q")))[-1]["__interrupt__"][0].value
                 for i in inputs]
        assert asked == ["first", "second"]
        assert graph.invoke(Command(resume="B"), thread("q")) == {"a": "A", "b": "B"}

    def test_an_entrypoint_as_a_subgraph_node(self) -> None:
        """Its calls stream under its namespace; its return value is the node's update."""

        class S(TypedDict):
            x: int

        @task
        def double(x: int) -> int:
            return 2 * x

        @entrypoint()
        def sub(state: S) -> dict[str, int]:
            return {"x": double(state["x"]).result()}

        graph = StateGraph(S).add_node("sub", sub).add_edge(START, "sub").compile()
        chunks = list(graph.stream({"x": 2}, subgraphs=True))
        assert [(len(ns), chunk) for ns, chunk in chunks] == [
            (1, {"double": 4}), (1, {"sub": {"x": 4}}), (0, {"sub": {"x": 4}})]
        assert chunks[0][0][0].startswith("sub:")


class TestAsync:
    """Async entrypoints and tasks: calls are awaitable asyncio tasks."""

    def test_async_calls_and_cancel(self) -> None:
        runs: list[int] = []

        @task
        async def slow(i: int) -> int:
            runs.append(i)
            await asyncio.sleep(0.01 if i == 0 else 1)
            return i

        @entrypoint()
        async def wf(n: int) -> list[int]:
            futures = [slow(i) for i in range(n)]
            await asyncio.sleep(0.05)
            futures.pop().cancel()
            return list(await asyncio.gather(*futures))

        async def main() -> list[Any]:
            return [c async for c in wf.astream(2)]

        started = time.monotonic()
        with capture_events() as events:
            assert asyncio.run(main()) == [{"slow": 0}, {"wf": [0]}]
        assert time.monotonic() - started < 0.9
        assert runs == [0, 1]
        # The cancelled call ends too (failed), so no trace shows it running forever.
        ends = {e.data["name"] + str(e.data["path"][-1]): e.data["error"]
                for e in events.of("task_end")}
        assert isinstance(ends.pop("slow1"), asyncio.CancelledError)
        assert set(ends.values()) == {None}

    def test_sync_tasks_are_awaitable(self) -> None:
        @task
        def double(x: int) -> int:
            return 2 * x

        @entrypoint()
        async def wf(x: int) -> int:
            return int(await double(x))

        assert asyncio.run(wf.ainvoke(4)) == 8
