"""Families `dataclass_*`, `pydantic_*`, `io_schema_*`, `node_signatures*`, `input_*` (s08)."""

from __future__ import annotations

import dataclasses
import operator
from functools import partial
from itertools import pairwise
from typing import Annotated, Any, TypedDict

from pydantic import BaseModel

from engine.config import RunnableConfig, get_config
from engine.graph import END, START, StateGraph
from engine.runnables import RunnableLambda
from engine.runtime import Runtime
from engine.types import StreamWriter

from .capture import stream_items
from .registry import register

VALUES_UPDATES = ["values", "updates"]
USER_CONFIG = {"configurable": {"user": "u1"}}


@dataclasses.dataclass
class DCState:
    topic: str
    joke: str = ""


class PState(BaseModel):
    topic: str
    joke: str = ""
    count: int = 0


class InputState(TypedDict):
    question: str


class OutputState(TypedDict):
    answer: str


class OverallState(TypedDict):
    question: str
    answer: str
    notes: str


class SigState(TypedDict):
    log: Annotated[list, operator.add]


def dc_refine(state: DCState) -> dict[str, Any]:
    return {"topic": state.topic + " and cats"}


def dc_joke(state: DCState) -> dict[str, Any]:
    return {"joke": f"This is a joke about {state.topic}"}


def p_refine(state: PState) -> dict[str, Any]:
    return {"topic": state.topic + " and cats", "count": state.count + 1}


def p_joke(state: PState) -> dict[str, Any]:
    return {"joke": f"This is a joke about {state.topic}"}


def think(state: InputState) -> dict[str, Any]:
    return {"notes": "thinking about " + state["question"]}


def answer(state: OverallState) -> dict[str, Any]:
    return {"answer": "answer to " + state["question"] + " (" + state["notes"] + ")"}


def build_dataclass() -> Any:
    """START -> dc_refine -> dc_joke over a dataclass state."""
    return (
        StateGraph(DCState)
        .add_node(dc_refine)
        .add_node(dc_joke)
        .add_edge(START, "dc_refine")
        .add_edge("dc_refine", "dc_joke")
        .compile()
    )


def build_pydantic() -> Any:
    """START -> p_refine -> p_joke over a pydantic state."""
    return (
        StateGraph(PState)
        .add_node(p_refine)
        .add_node(p_joke)
        .add_edge(START, "p_refine")
        .add_edge("p_refine", "p_joke")
        .compile()
    )


def build_io() -> Any:
    """OverallState with input_schema=InputState, output_schema=OutputState; think -> answer."""
    return (
        StateGraph(OverallState, input_schema=InputState, output_schema=OutputState)
        .add_node(think)
        .add_node(answer)
        .add_edge(START, "think")
        .add_edge("think", "answer")
        .add_edge("answer", END)
        .compile()
    )


def sig_state(state: SigState) -> dict[str, Any]:
    return {"log": ["state"]}


def sig_config(state: SigState, config: RunnableConfig) -> dict[str, Any]:
    md = config.get("metadata", {})
    return {
        "log": [
            f"config:node={md.get('langgraph_node')},step={md.get('langgraph_step')},"
            f"has_configurable={'configurable' in config},"
            f"user={config['configurable'].get('user')}"
        ]
    }


def sig_writer(state: SigState, writer: StreamWriter) -> dict[str, Any]:
    writer({"from": "sig_writer"})
    return {"log": ["writer"]}


def sig_runtime(state: SigState, *, runtime: Runtime) -> dict[str, Any]:
    return {"log": [f"runtime:context={runtime.context!r},store={runtime.store!r}"]}


def sig_config_kw(state: SigState, *, config: RunnableConfig) -> dict[str, Any]:
    return {"log": ["config_kw"]}


def sig_get_config(state: SigState) -> dict[str, Any]:
    return {"log": [f"get_config:node={get_config()['metadata']['langgraph_node']}"]}


class CallableObj:
    """A node given as a callable instance (its name is inferred from the class)."""

    def __call__(self, state: SigState) -> dict[str, Any]:
        return {"log": ["callable_obj"]}


def build_signatures() -> Any:
    """A chain of nodes, one per accepted node signature or node kind."""
    builder = StateGraph(SigState)
    for fn in (sig_state, sig_config, sig_writer, sig_runtime, sig_config_kw, sig_get_config):
        builder.add_node(fn)
    builder.add_node("lambda_node", lambda state: {"log": ["lambda"]})
    builder.add_node("runnable_node", RunnableLambda(lambda state: {"log": ["runnable"]}))
    builder.add_node("callable_obj", CallableObj())
    order = [
        "sig_state",
        "sig_config",
        "sig_writer",
        "sig_runtime",
        "sig_config_kw",
        "sig_get_config",
        "lambda_node",
        "runnable_node",
        "callable_obj",
    ]
    builder.add_edge(START, order[0])
    for src, dst in pairwise(order):
        builder.add_edge(src, dst)
    return builder.compile()


def build_single_sig() -> Any:
    """START -> sig_state only."""
    return StateGraph(SigState).add_node(sig_state).add_edge(START, "sig_state").compile()


def _run(factory: Any, inp: Any, mode: Any, config: Any = None) -> list[Any]:
    return stream_items(factory(), inp, config, stream_mode=mode)


register(
    "dataclass_values", partial(_run, build_dataclass, DCState(topic="ice cream"), VALUES_UPDATES)
)
register(
    "dataclass_values_dict_input",
    partial(_run, build_dataclass, {"topic": "ice cream"}, VALUES_UPDATES),
)
register("pydantic_values", partial(_run, build_pydantic, {"topic": "ice cream"}, VALUES_UPDATES))
register(
    "pydantic_values_model_input",
    partial(_run, build_pydantic, PState(topic="ice cream"), VALUES_UPDATES),
)
register("pydantic_invalid_input", partial(_run, build_pydantic, {"topic": 123}, "values"))
register("pydantic_missing_field", partial(_run, build_pydantic, {}, "values"))
register("io_schema_values", partial(_run, build_io, {"question": "why?"}, VALUES_UPDATES))
register(
    "io_schema_extra_input_key",
    partial(_run, build_io, {"question": "why?", "notes": "extra"}, VALUES_UPDATES),
)
register("io_schema_values_single", partial(_run, build_io, {"question": "why?"}, "values"))
register("io_schema_updates_single", partial(_run, build_io, {"question": "why?"}, "updates"))
register("io_schema_invoke", lambda: [build_io().invoke({"question": "why?"})])
register(
    "node_signatures",
    partial(_run, build_signatures, {"log": []}, ["updates", "custom"], USER_CONFIG),
)
register("node_signatures_invoke", lambda: [build_signatures().invoke({"log": []}, USER_CONFIG)])
register("input_unknown_key", partial(_run, build_single_sig, {"log": [], "unknown": 1}, "values"))
register("input_empty_dict", partial(_run, build_single_sig, {}, VALUES_UPDATES))
register("input_none_no_checkpointer", partial(_run, build_single_sig, None, VALUES_UPDATES))
register("input_string", partial(_run, build_single_sig, "a string", VALUES_UPDATES))
