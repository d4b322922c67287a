"""`create_react_agent`: a model that calls tools in a loop until it answers.

The graph LangGraph's prebuilt agent builds: an "agent" node calls the model (tools
bound, the prompt applied) and a "tools" node runs the calls it asked for, until a reply
has none. With `version="v2"` (the default) each tool call reaches "tools" as its own
`Send`, so calls run as separate tasks; "v1" runs them all in one ToolNode task.
`pre_model_hook` runs before every model call (it may put `llm_input_messages` in its
update: the model then sees those instead of the history); `response_format` adds a
final "generate_structured_response" node. When the recursion limit is two steps away,
a reply that still asks for tools is replaced by "Sorry, need more steps to process this
request." (LangGraph's `remaining_steps`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, TypedDict

from engine.constants import END, START
from engine.graph.message import add_messages
from engine.graph.state import StateGraph
from engine.messages import AIMessage, BaseMessage, SystemMessage, ToolMessage
from engine.prebuilt.tool_node import ToolNode
from engine.types import Send

NEED_MORE_STEPS = "Sorry, need more steps to process this request."


class AgentState(TypedDict):
    """The agent's state: the conversation, merged by `add_messages`."""

    messages: Annotated[Sequence[BaseMessage], add_messages]


def _get(state: Any, key: str, default: Any = None) -> Any:
    return state.get(key, default) if isinstance(state, dict) else getattr(state, key, default)


def _prompt_runner(prompt: Any) -> Callable[[Any, list[Any]], Any]:
    """What the model is given, from the state and its messages, for each prompt form."""
    if prompt is None:
        return lambda state, messages: messages
    if isinstance(prompt, str):
        system = SystemMessage(content=prompt)
        return lambda state, messages: [system, *messages]
    if isinstance(prompt, BaseMessage):
        return lambda state, messages: [prompt, *messages]
    if hasattr(prompt, "invoke"):  # a Runnable (a ChatPromptTemplate, say)
        return lambda state, messages: prompt.invoke(state)
    if callable(prompt):
        return lambda state, messages: prompt(state)
    raise ValueError(f"Got unexpected type for `prompt`: {type(prompt)}")


def _is_bound(model: Any) -> bool:
    """Whether tools are already bound to `model` (the engine's or LangChain's way)."""
    if getattr(model, "bound_tools", None):
        return True
    return bool(getattr(model, "kwargs", {}).get("tools"))


def _resolve_model(model: Any, tools: list[Any]) -> Any:
    if isinstance(model, str):
        from engine.chat_models import init_chat_model

        model = init_chat_model(model)
    if tools and not _is_bound(model) and hasattr(model, "bind_tools"):
        model = model.bind_tools(tools)
    return model


def _steps_left() -> int | None:
    """Steps before the recursion limit, as LangGraph's `remaining_steps` counts them."""
    from engine.pregel.task import current_task

    try:
        task = current_task("remaining_steps")
    except RuntimeError:
        return None
    return int(task.loop.recursion_limit) - int(task.step)


def create_react_agent(
    model: Any,
    tools: Sequence[Any] | ToolNode,
    *,
    prompt: Any = None,
    response_format: Any = None,
    pre_model_hook: Any = None,
    post_model_hook: Any = None,
    state_schema: Any = None,
    context_schema: Any = None,
    checkpointer: Any = None,
    store: Any = None,
    interrupt_before: list[str] | None = None,
    interrupt_after: list[str] | None = None,
    debug: bool = False,
    version: Literal["v1", "v2"] = "v2",
    name: str | None = None,
) -> Any:
    """An agent graph: "agent" calls the model, "tools" runs its tool calls, in a loop."""
    if post_model_hook is not None:
        raise NotImplementedError("create_react_agent(post_model_hook=...) is not supported "
                                  "by the engine; add a node after 'agent' yourself")
    if store is not None:
        raise NotImplementedError("create_react_agent(store=...): the engine has no store")
    if version not in ("v1", "v2"):
        raise ValueError(f"Invalid version {version!r}; expected 'v1' or 'v2'")
    tool_node = tools if isinstance(tools, ToolNode) else ToolNode(
        [t for t in tools if not isinstance(t, dict)])
    bindable = list(tool_node.tools.values()) + (
        [] if isinstance(tools, ToolNode) else [t for t in tools if isinstance(t, dict)])
    bound = _resolve_model(model, bindable)
    shape = _prompt_runner(prompt)
    returns_direct = {n for n, t in tool_node.tools.items() if getattr(t, "return_direct", False)}

    def reply(state: Any, response: Any) -> dict[str, Any]:
        response.name = name
        calls = response.tool_calls if isinstance(response, AIMessage) else []
        left = _steps_left()
        direct = bool(calls) and all(c["name"] in returns_direct for c in calls)
        if left is not None and ((left < 1 and direct) or (left < 2 and calls)):
            return {"messages": [AIMessage(id=response.id, content=NEED_MORE_STEPS)]}
        return {"messages": [response]}

    def model_input(state: Any) -> Any:
        messages = _get(state, "llm_input_messages") or _get(state, "messages")
        if messages is None:
            raise ValueError(f"Expected input to call_model to have 'messages' key, but got "
                             f"{state}")
        return shape(state, list(messages))

    def agent(state: Any) -> dict[str, Any]:
        return reply(state, bound.invoke(model_input(state)))

    def structured(state: Any) -> dict[str, Any]:
        schema, messages = response_format, list(_get(state, "messages"))
        if isinstance(schema, tuple):
            system, schema = schema
            messages = [SystemMessage(content=system), *messages]
        base = model if not isinstance(model, str) else _resolve_model(model, [])
        return {"structured_response": base.with_structured_output(schema).invoke(messages)}

    def route(state: Any) -> Any:
        last = _get(state, "messages")[-1]
        if not isinstance(last, AIMessage) or not last.tool_calls:
            return "generate_structured_response" if response_format is not None else END
        if version == "v1":
            return "tools"
        return [Send("tools", {"__type": "tool_call_with_context", "tool_call": call,
                               "state": state}) for call in last.tool_calls]

    def after_tools(state: Any) -> str:
        # A tool with return_direct=True ends the run on its own answer.
        for message in reversed(_get(state, "messages")):
            if not isinstance(message, ToolMessage):
                break
            if message.name in returns_direct:
                return END
        return entry

    builder = StateGraph(state_schema or AgentState, context_schema=context_schema) if (
        context_schema is not None) else StateGraph(state_schema or AgentState)
    builder.add_node("agent", agent)
    entry = "agent"
    if pre_model_hook is not None:
        builder.add_node("pre_model_hook", pre_model_hook)
        builder.add_edge("pre_model_hook", "agent")
        entry = "pre_model_hook"
    builder.add_edge(START, entry)
    ends = [END] if response_format is None else ["generate_structured_response"]
    if response_format is not None:
        builder.add_node("generate_structured_response", structured)
        builder.add_edge("generate_structured_response", END)
    if tool_node.tools:
        builder.add_node("tools", tool_node)
        builder.add_conditional_edges("agent", route, ["tools", *ends])
        if returns_direct:
            builder.add_conditional_edges("tools", after_tools, [entry, END])
        else:
            builder.add_edge("tools", entry)
    else:
        builder.add_edge("agent", ends[0])
    return builder.compile(checkpointer=checkpointer, interrupt_before=interrupt_before,
                           interrupt_after=interrupt_after, debug=debug, name=name)

