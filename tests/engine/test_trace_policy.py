"""`TracePolicy`: tracers record a node's processed input/output; the run is unchanged."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from typing_extensions import TypedDict

from engine.graph import START, StateGraph
from engine.types import TracePolicy

from .lc_tracer import Tracer


class State(TypedDict):
    value: int


class Inputs(BaseCallbackHandler):
    """A plain handler: it gets the real payloads."""

    def __init__(self) -> None:
        self.starts: dict[UUID, Any] = {}

    def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID,
                       **kwargs: Any) -> None:
        self.starts[run_id] = (kwargs.get("name"), inputs)


def incr(state: State) -> State:
    return {"value": state["value"] + 1}


def graph(policy: TracePolicy | None) -> Any:
    return StateGraph(State).add_node("n", incr, trace_policy=policy).add_edge(
        START, "n").compile()


class TestTracePolicy:
    """Only tracers see the processed payloads."""

    def test_processed_input_and_output(self) -> None:
        tracer, plain = Tracer(), Inputs()
        policy = TracePolicy(process_inputs=lambda v: {"in": v["value"]},
                             process_outputs=lambda v: {"out": v["value"]})
        assert graph(policy).invoke({"value": 1}, {"callbacks": [tracer, plain]}) == {
            "value": 2}
        run = tracer.node("n")
        assert (run.inputs, run.outputs) == ({"in": 1}, {"out": 2})
        assert ("n", {"value": 1}) in plain.starts.values()

    def test_no_policy_records_real_payloads(self) -> None:
        tracer = Tracer()
        graph(None).invoke({"value": 1}, {"callbacks": [tracer]})
        run = tracer.node("n")
        assert (run.inputs, run.outputs) == ({"value": 1}, {"value": 2})
        assert tracer.runs[0].name == "LangGraph"

    def test_failing_processor_records_the_real_payload(self) -> None:
        def boom(value: Any) -> Any:
            raise RuntimeError("processor failed")

        tracer = Tracer()
        policy = TracePolicy(process_inputs=boom)
        assert graph(policy).invoke({"value": 1}, {"callbacks": [tracer]}) == {"value": 2}
        assert graph(policy).invoke({"value": 1}) == {"value": 2}
        assert tracer.node("n").inputs == {"value": 1}

    async def test_async(self) -> None:
        tracer = Tracer()
        policy = TracePolicy(process_inputs=lambda v: {"scrubbed": True})
        assert await graph(policy).ainvoke({"value": 5}, {"callbacks": [tracer]}) == {
            "value": 6}
        assert tracer.node("n").inputs == {"scrubbed": True}
