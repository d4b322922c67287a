"""Retry policies: the expected values are what LangGraph 1.2.22 does in the same cases
(observed with small graphs in bench/.venv-langgraph; LangGraph is not imported here)."""

from __future__ import annotations

import operator
import sys
import time
import types
import warnings
from collections.abc import Callable
from typing import Annotated, Any, TypedDict

import httpx
import pytest

from engine.checkpoint.memory import InMemorySaver
from engine.clock import FixedClock
from engine.config import RunnableConfig, get_config, get_stream_writer
from engine.errors import InvalidUpdateError
from engine.events import capture_events
from engine.graph import END, START, StateGraph
from engine.retry import default_retry_on, policy_for, retry_delay
from engine.types import RetryPolicy, Send, interrupt
from engine.warnings import LangGraphDeprecatedSinceV05

NO_JITTER = RetryPolicy(jitter=False)


class S(TypedDict):
    x: int
    log: Annotated[list, operator.add]


class Flaky(Exception):
    """A custom error: retried by the default policy."""


class Halt(BaseException):
    """Not an Exception: never retried."""


def flaky_graph(error: Callable[[], BaseException], policy: Any, fails: int = 99,
                **node_kw: Any) -> tuple[Any, list[str]]:
    """START → n → END; n writes custom data, then fails its first `fails` runs. The list
    gets each run's checkpoint namespace ("n:<task id>")."""
    runs: list[str] = []

    def n(state: S) -> dict[str, Any]:
        runs.append(get_config()["metadata"]["langgraph_checkpoint_ns"])
        get_stream_writer()({"attempt": len(runs)})
        if len(runs) <= fails:
            raise error()
        return {"x": state["x"] + 1, "log": [f"ok{len(runs)}"]}

    graph = (StateGraph(S).add_node("n", n, retry_policy=policy, **node_kw)
             .add_edge(START, "n").add_edge("n", END).compile())
    return graph, runs


def run_count(error: Callable[[], BaseException], policy: Any) -> int:
    """How many times a node that always fails with `error` runs."""
    graph, runs = flaky_graph(error, policy)
    with pytest.raises((Exception, Halt)):
        graph.invoke({"x": 0, "log": []}, clock=FixedClock())
    return len(runs)


def http_error(status: int) -> httpx.HTTPStatusError:
    request = httpx.Request("GET", "http://example.invalid")
    return httpx.HTTPStatusError("x", request=request, response=httpx.Response(status))


class TestDefaultRetryOn:
    """`RetryPolicy()` retries what LangGraph's default retries, and nothing else."""

    @pytest.mark.parametrize(("error", "retried"), [
        (ValueError(), False), (TypeError(), False), (RuntimeError(), False),
        (NotImplementedError(), False), (RecursionError(), False), (KeyError(), False),
        (ZeroDivisionError(), False), (OSError(), False), (TimeoutError(), False),
        (ImportError(), False), (StopIteration(), False),
        (UnicodeDecodeError("utf-8", b"x", 0, 1, "bad"), False),
        (ConnectionError(), True), (ConnectionResetError(), True), (Flaky(), True),
        (Exception(), True), (AssertionError(), True), (AttributeError(), True),
        (http_error(503), True), (http_error(404), False),
        (httpx.ConnectError("x"), True),
    ])
    def test_decision(self, error: Exception, retried: bool) -> None:
        """Each exception is retried (or not) as LangGraph decides."""
        assert default_retry_on(error) is retried

    def test_requests_errors(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """requests' HTTPError is retried for any error status (4xx too) or none, not for a
        success status; its ConnectionError is an OSError and is not retried."""

        class Response:
            def __init__(self, status: int) -> None:
                self.status_code = status

            def __bool__(self) -> bool:  # as requests.Response: false for >= 400
                return self.status_code < 400

        class HTTPError(OSError):
            def __init__(self, response: Response | None = None) -> None:
                self.response = response

        class RequestsConnectionError(OSError):
            pass

        fake = types.SimpleNamespace(HTTPError=HTTPError)
        monkeypatch.setitem(sys.modules, "requests", fake)
        decisions = {status: default_retry_on(HTTPError(Response(status)))
                     for status in (200, 302, 404, 429, 503)}
        assert decisions == {200: False, 302: False, 404: True, 429: True, 503: True}
        assert default_retry_on(HTTPError()) is True
        assert default_retry_on(RequestsConnectionError()) is False

    def test_runs_per_error(self) -> None:
        """A node always failing runs 3 times for a custom error, once for a ValueError."""
        assert run_count(Flaky, NO_JITTER) == 3
        assert run_count(ValueError, NO_JITTER) == 1
        assert run_count(ConnectionResetError, NO_JITTER) == 3


class TestDelays:
    """The wait before retry k is initial * backoff^(k-1), capped, plus 0-1 s of jitter."""

    def test_default_intervals(self) -> None:
        """Defaults without jitter: 0.5 s, then 1 s, then give up after the third run."""
        assert [retry_delay(NO_JITTER, k) for k in (1, 2, 3)] == [0.5, 1.0, None]

    def test_backoff_is_capped(self) -> None:
        """initial 1, factor 3, cap 10, six attempts: 1, 3, 9, 10, 10."""
        policy = RetryPolicy(initial_interval=1, backoff_factor=3, max_interval=10,
                             max_attempts=6, jitter=False)
        assert [retry_delay(policy, k) for k in range(1, 7)] == [1, 3, 9, 10, 10, None]

    def test_jitter_adds_up_to_one_second(self) -> None:
        """Jitter adds a uniform draw from [0, 1) to the capped interval."""
        policy = RetryPolicy(max_interval=0.75)
        assert retry_delay(policy, 2, draw=lambda lo, hi: 0.25) == 1.0
        assert all((d := retry_delay(RetryPolicy(), 1)) is not None and 0.5 <= d < 1.5
                   for _ in range(50))

    @pytest.mark.parametrize("max_attempts", [1, 0])
    def test_one_attempt_or_fewer_never_retries(self, max_attempts: int) -> None:
        """max_attempts 1 (or 0) means the first failure is final."""
        assert retry_delay(RetryPolicy(max_attempts=max_attempts), 1) is None
        assert run_count(Flaky, RetryPolicy(max_attempts=max_attempts)) == 1

    def test_waits_go_through_the_run_clock(self) -> None:
        """Under a FixedClock the waits are recorded, not slept: 0.5 s then 1 s."""
        graph, runs = flaky_graph(Flaky, NO_JITTER, fails=2)
        clock = FixedClock()
        start = time.perf_counter()
        assert graph.invoke({"x": 0, "log": []}, clock=clock) == {"x": 1, "log": ["ok3"]}
        assert time.perf_counter() - start < 0.4
        assert clock.sleeps == [0.5, 1.0] and len(runs) == 3

    def test_real_clock_sleeps(self) -> None:
        """With the system clock the task really waits between attempts."""
        graph, _ = flaky_graph(Flaky, RetryPolicy(initial_interval=0.05, jitter=False), 2)
        start = time.perf_counter()
        graph.invoke({"x": 0, "log": []})
        assert time.perf_counter() - start >= 0.15


class TestPolicyChoice:
    """Of a list of policies the first whose retry_on matches applies."""

    def test_first_matching_policy_decides(self) -> None:
        """[(ValueError, 2 attempts), (Exception, 5)]: ValueError runs 2 times, Flaky 5."""
        policies = [RetryPolicy(retry_on=ValueError, max_attempts=2, jitter=False),
                    RetryPolicy(retry_on=Exception, max_attempts=5, jitter=False)]
        assert run_count(ValueError, policies) == 2
        assert run_count(Flaky, policies) == 5

    def test_no_match_or_no_policy_is_final(self) -> None:
        """A KeyError matched by no policy, or an empty list, runs once."""
        assert run_count(KeyError, [RetryPolicy(retry_on=ValueError)]) == 1
        assert run_count(Flaky, []) == 1

    @pytest.mark.parametrize("retry_on", [(ValueError, KeyError), [KeyError], KeyError,
                                          lambda e: True, lambda e: "yes"])
    def test_retry_on_forms(self, retry_on: Any) -> None:
        """A class, a tuple or list of classes, or a predicate (truthy result) all work."""
        assert run_count(KeyError, RetryPolicy(retry_on=retry_on, jitter=False)) == 3

    def test_predicate_false_is_final(self) -> None:
        """A predicate returning False stops at the first failure."""
        assert run_count(Flaky, RetryPolicy(retry_on=lambda e: False)) == 1

    def test_bad_retry_on_raises_type_error(self) -> None:
        """A retry_on that is neither classes nor callable fails the run with TypeError."""
        bad = RetryPolicy(retry_on=5)  # type: ignore[arg-type]  # wrong on purpose
        graph, runs = flaky_graph(ValueError, bad)
        with pytest.raises(TypeError, match="retry_on must be an Exception class"):
            graph.invoke({"x": 0, "log": []})
        assert len(runs) == 1
        assert policy_for([], ValueError()) is None

    def test_base_exceptions_are_not_retried(self) -> None:
        """retry_on=BaseException still retries only Exceptions."""
        policy = RetryPolicy(
            retry_on=BaseException,  # type: ignore[arg-type]  # outside the type on purpose
            jitter=False)
        assert run_count(Halt, policy) == 1
        assert run_count(ValueError, policy) == 3


class TestRetriedTask:
    """A retried task keeps its id; failed attempts leave their custom output, not writes."""

    def test_success_after_failures(self) -> None:
        """Fails twice, then returns: one update, from the third run, under one task id."""
        graph, runs = flaky_graph(Flaky, NO_JITTER, fails=2)
        chunks = list(graph.stream({"x": 0, "log": []}, stream_mode=["custom", "updates"],
                                   clock=FixedClock()))
        assert chunks == [("custom", {"attempt": 1}), ("custom", {"attempt": 2}),
                          ("custom", {"attempt": 3}),
                          ("updates", {"n": {"x": 1, "log": ["ok3"]}})]
        assert len(set(runs)) == 1

    def test_tasks_mode_shows_one_task(self) -> None:
        """`tasks` mode: one start and one result, with the same id."""
        graph, runs = flaky_graph(Flaky, NO_JITTER, fails=2)
        tasks = [c for c in graph.stream({"x": 0, "log": []}, stream_mode="tasks",
                                         clock=FixedClock())]
        assert [sorted(t) for t in tasks] == [
            ["id", "input", "name", "triggers"],
            ["error", "id", "interrupts", "name", "result"]]
        assert tasks[0]["id"] == tasks[1]["id"] == runs[0].split(":", 1)[1]
        assert tasks[1]["result"] == {"x": 1, "log": ["ok3"]}

    def test_giving_up_raises_the_last_error(self) -> None:
        """After max_attempts the last run's error is raised, with one task note."""
        errors: list[Flaky] = []

        def fresh() -> Flaky:
            errors.append(Flaky(f"run {len(errors) + 1}"))
            return errors[-1]

        graph, runs = flaky_graph(fresh, NO_JITTER)
        with pytest.raises(Flaky) as caught:
            graph.invoke({"x": 0, "log": []}, clock=FixedClock())
        assert caught.value is errors[-1] and str(caught.value) == "run 3"
        assert caught.value.__notes__ == [
            f"During task with name 'n' and id '{runs[0].split(':', 1)[1]}'"]

    def test_routing_failure_reruns_the_node(self) -> None:
        """A conditional edge failing twice reruns the node; only the last update shows."""
        runs, routed = [], []

        def n(state: S) -> dict[str, Any]:
            runs.append(1)
            return {"x": state["x"] + 1, "log": [f"n{len(runs)}"]}

        def route(state: S) -> str:
            routed.append(state["x"])
            if len(routed) < 3:
                raise Flaky("route")
            return END

        graph = (StateGraph(S).add_node("n", n, retry_policy=NO_JITTER).add_edge(START, "n")
                 .add_conditional_edges("n", route, [END]).compile())
        chunks = list(graph.stream({"x": 0, "log": []}, stream_mode=["updates", "values"],
                                   clock=FixedClock()))
        assert chunks == [("values", {"x": 0, "log": []}),
                          ("updates", {"n": {"x": 1, "log": ["n3"]}}),
                          ("values", {"x": 1, "log": ["n3"]})]
        assert len(runs) == 3 and routed == [1, 1, 1]

    def test_invalid_update_is_retried(self) -> None:
        """A node returning a non-dict raises InvalidUpdateError, which is retried."""
        runs = []

        def bad(state: S) -> Any:
            runs.append(1)
            return 42

        graph = StateGraph(S).add_node("n", bad, retry_policy=NO_JITTER).add_edge(START, "n")
        with pytest.raises(InvalidUpdateError):
            graph.compile().invoke({"x": 0, "log": []}, clock=FixedClock())
        assert len(runs) == 3

    def test_interrupt_is_not_retried(self) -> None:
        """`interrupt()` pauses the run at once, whatever the policy."""
        runs = []

        def ask(state: S) -> dict[str, Any]:
            runs.append(1)
            return {"x": interrupt("q?")}

        graph = (StateGraph(S).add_node("n", ask, retry_policy=RetryPolicy(retry_on=Exception))
                 .add_edge(START, "n").compile(checkpointer=InMemorySaver()))
        out = graph.invoke({"x": 0, "log": []}, {"configurable": {"thread_id": "1"}})
        assert out["__interrupt__"][0].value == "q?" and len(runs) == 1

    def test_only_the_failing_send_is_retried(self) -> None:
        """Of three Sends, the one failing once runs twice; the others once."""
        runs: dict[int, int] = {}

        def work(arg: int) -> dict[str, Any]:
            runs[arg] = runs.get(arg, 0) + 1
            if arg == 2 and runs[arg] < 2:
                raise Flaky("w")
            return {"log": [arg]}

        graph = (StateGraph(S).add_node("work", work, retry_policy=NO_JITTER)
                 .add_conditional_edges(START, lambda s: [Send("work", i) for i in (1, 2, 3)],
                                        ["work"]).compile())
        clock = FixedClock()
        assert graph.invoke({"x": 0, "log": []}, clock=clock) == {"x": 0, "log": [1, 2, 3]}
        assert runs == {1: 1, 2: 2, 3: 1} and clock.sleeps == [0.5]

    def test_parallel_sibling_runs_once(self) -> None:
        """A retried task does not rerun its sibling in the same step."""
        runs = {"a": 0, "b": 0}

        def node(name: str, fails: int) -> Callable[[S], dict[str, Any]]:
            def run(state: S) -> dict[str, Any]:
                runs[name] += 1
                if runs[name] <= fails:
                    raise Flaky(name)
                return {"log": [name]}
            return run

        graph = (StateGraph(S).add_node("a", node("a", 1), retry_policy=NO_JITTER)
                 .add_node("b", node("b", 0)).add_edge(START, "a").add_edge(START, "b")
                 .compile())
        assert graph.invoke({"x": 0, "log": []}, clock=FixedClock())["log"] == ["a", "b"]
        assert runs == {"a": 2, "b": 1}

    def test_subgraph_node_is_rerun(self) -> None:
        """A subgraph node whose inner node fails once runs the subgraph again."""
        inner_runs = []

        def inner(state: S) -> dict[str, Any]:
            inner_runs.append(1)
            get_stream_writer()(f"inner{len(inner_runs)}")
            if len(inner_runs) < 2:
                raise Flaky("inner")
            return {"x": state["x"] + 10}

        sub = StateGraph(S).add_node(inner).add_edge(START, "inner").compile()
        graph = (StateGraph(S).add_node("sub", sub, retry_policy=NO_JITTER)
                 .add_edge(START, "sub").compile())
        chunks = list(graph.stream({"x": 0, "log": []}, stream_mode=["custom", "updates"],
                                   subgraphs=True, clock=FixedClock()))
        # LangGraph names the second run's namespace ("sub:<id>", "1"), as it does any
        # second subgraph call in one task; this engine reuses ("sub:<id>",) for both.
        assert [c[2] for c in chunks if c[1] == "custom"] == ["inner1", "inner2"]
        assert chunks[-1] == ((), "updates", {"sub": {"x": 10, "log": []}})
        assert len(inner_runs) == 2

    @pytest.mark.parametrize("driver", ["sync", "async"])
    def test_subgraph_retry_starts_over_under_a_checkpointer(self, driver: str) -> None:
        """The retry does not resume what the failed attempt checkpointed: LangGraph
        1.2.22 gives log ['in', 'in', 'a2', 'b2'] here (measured), not a1's write too."""
        runs = {"a": 0, "b": 0}

        def a(state: S) -> dict[str, Any]:
            runs["a"] += 1
            return {"log": [f"a{runs['a']}"]}

        def b(state: S) -> dict[str, Any]:
            runs["b"] += 1
            if runs["b"] < 2:
                raise Flaky("b")
            return {"log": [f"b{runs['b']}"]}

        sub = (StateGraph(S).add_node("a", a).add_node("b", b).add_edge(START, "a")
               .add_edge("a", "b").compile())
        graph = (StateGraph(S).add_node("sub", sub, retry_policy=NO_JITTER)
                 .add_edge(START, "sub").compile(checkpointer=InMemorySaver()))
        config: RunnableConfig = {"configurable": {"thread_id": "t"}}
        inp = {"x": 0, "log": ["in"]}
        if driver == "sync":
            out = graph.invoke(inp, config, clock=FixedClock())
        else:
            import asyncio

            out = asyncio.run(graph.ainvoke(inp, config, clock=FixedClock()))
        assert out["log"] == ["in", "in", "a2", "b2"]
        assert runs == {"a": 2, "b": 2}
        steps = []
        for s in graph.get_state_history(config):
            assert s.metadata is not None
            steps.append((s.metadata["step"], s.next))
        assert steps == [(1, ()), (0, ("sub",)), (-1, ("__start__",))]


class TestEvents:
    """A retried task is one task on the bus: one task_start, one task_end with attempts."""

    def test_one_task_end_with_attempts(self) -> None:
        """Three runs: one task_start, three custom events, one task_end (attempts 3)."""
        graph, _ = flaky_graph(Flaky, NO_JITTER, fails=2)
        with capture_events() as events:
            graph.invoke({"x": 0, "log": []}, clock=FixedClock())
        assert [e.kind for e in events if e.kind in ("task_start", "custom", "task_end")] == [
            "task_start", "custom", "custom", "custom", "task_end"]
        (end,) = events.of("task_end")
        assert end.data["attempts"] == 3 and end.data["error"] is None
        assert end.data["writes"] == [("x", 1), ("log", ["ok3"])]

    def test_no_attempts_key_without_retry(self) -> None:
        """A task that ran once has no `attempts` key (the schema is unchanged for it)."""
        graph, _ = flaky_graph(Flaky, NO_JITTER, fails=0)
        with capture_events() as events:
            graph.invoke({"x": 0, "log": []}, clock=FixedClock())
        assert "attempts" not in events.of("task_end")[0].data

    def test_failed_for_good_reports_the_last_error(self) -> None:
        """Giving up: the single task_end carries the last error and attempts 3."""
        graph, _ = flaky_graph(Flaky, NO_JITTER)
        with capture_events() as events, pytest.raises(Flaky):
            graph.invoke({"x": 0, "log": []}, clock=FixedClock())
        (end,) = events.of("task_end")
        assert isinstance(end.data["error"], Flaky) and end.data["attempts"] == 3
        assert end.data["writes"] == [] and end.data["returned"] is False

    def test_fixed_clock_runs_repeat_with_jitter(self) -> None:
        """Jittered waits do not move a FixedClock: two runs give the same times."""

        def times() -> list[tuple[str, int, int]]:
            graph, _ = flaky_graph(Flaky, RetryPolicy(), fails=2)
            with capture_events() as events:
                graph.invoke({"x": 0, "log": []}, {"run_id": "r"}, clock=FixedClock())
            return [(e.kind, e.seq, e.t) for e in events]

        assert times() == times()


def _async_flaky(interval: float) -> tuple[Any, list[int]]:
    """An async node that fails twice (Flaky) and then returns x=1; runs are counted."""
    runs: list[int] = []

    async def n(state: S) -> dict[str, Any]:
        runs.append(1)
        if len(runs) < 3:
            raise Flaky("a")
        return {"x": 1}

    graph = (StateGraph(S).add_node("n", n, retry_policy=RetryPolicy(
        initial_interval=interval, jitter=False)).add_edge(START, "n").compile())
    return graph, runs


class TestAsync:
    """Async nodes, and sync nodes under ainvoke, are retried the same way."""

    async def test_async_node(self) -> None:
        """An async node failing twice runs three times; waits go through the clock."""
        graph, runs = _async_flaky(0.25)
        clock = FixedClock()
        assert await graph.ainvoke({"x": 0, "log": []}, clock=clock) == {"x": 1, "log": []}
        assert len(runs) == 3 and clock.sleeps == [0.25, 0.5]

    async def test_sync_node_under_ainvoke(self) -> None:
        """A sync node in an async run is retried too."""
        graph, runs = flaky_graph(Flaky, RetryPolicy(initial_interval=0.25, jitter=False), 2)
        clock = FixedClock()
        out = await graph.ainvoke({"x": 0, "log": []}, clock=clock)
        assert out == {"x": 1, "log": ["ok3"]}
        assert len(runs) == 3 and clock.sleeps == [0.25, 0.5]

    async def test_async_real_sleep(self) -> None:
        """With the system clock an async task awaits its backoff."""
        graph, _ = _async_flaky(0.05)
        start = time.perf_counter()
        await graph.ainvoke({"x": 0, "log": []})
        assert time.perf_counter() - start >= 0.15


class TestApi:
    """RetryPolicy is LangGraph's NamedTuple, and add_node keeps it as LangGraph does."""

    def test_named_tuple(self) -> None:
        """Positional fields in LangGraph's order, defaults, `_replace`, equality."""
        policy = RetryPolicy(1.0, 3.0)
        assert tuple(policy)[:5] == (1.0, 3.0, 128.0, 3, True)
        assert policy.retry_on is default_retry_on
        assert policy._replace(max_attempts=5).max_attempts == 5
        assert policy == RetryPolicy(initial_interval=1.0, backoff_factor=3.0)

    def test_compiled_node_keeps_policies(self) -> None:
        """One policy becomes a 1-tuple; a list stays as given; none is None."""
        one, many = RetryPolicy(), [RetryPolicy(max_attempts=2)]
        graph = (StateGraph(S).add_node("n", lambda s: s, retry_policy=one)
                 .add_node("m", lambda s: s, retry_policy=many).add_node("k", lambda s: s)
                 .add_edge(START, "n").compile())
        assert graph.nodes["n"].retry_policy == (one,)
        assert graph.nodes["m"].retry_policy == many
        assert graph.nodes["k"].retry_policy is None

    def test_deprecated_retry_keyword(self) -> None:
        """`retry=` still works, with a DeprecationWarning naming `retry_policy`."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            graph, runs = flaky_graph(Flaky, None, fails=2, retry=NO_JITTER)
        assert any("retry_policy" in str(w.message)
                   and issubclass(w.category, LangGraphDeprecatedSinceV05) for w in caught)
        assert graph.invoke({"x": 0, "log": []}, clock=FixedClock())["x"] == 1
        assert len(runs) == 3
