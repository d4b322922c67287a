"""Checkpointer API used by the debugger's time travel: history, update_state, forks."""

from __future__ import annotations

from typing import Any

from engine.checkpoint.memory import InMemorySaver
from engine.config import RunnableConfig
from engine.graph import START, StateGraph
from engine.types import Command, interrupt

from .graphs import Joke, linear


def config(thread: str, checkpoint_id: str | None = None) -> RunnableConfig:
    configurable: dict[str, Any] = {"thread_id": thread}
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


class TestHistory:
    """Every step leaves a checkpoint; history lists them newest first."""

    def test_history_steps(self) -> None:
        """A 2-node run has checkpoints for steps 2, 1, 0, -1 in that order."""
        graph = linear(checkpointer=InMemorySaver())
        graph.invoke({"topic": "t"}, config("h"))
        history = list(graph.get_state_history(config("h")))
        assert [s.metadata["step"] for s in history] == [2, 1, 0, -1]
        assert [s.next for s in history] == [(), ("generate_joke",), ("refine_topic",),
                                              ("__start__",)]
        assert history[1].tasks[0].result == {"joke": "This is a joke about t and cats"}


class TestTimeTravel:
    """Re-running from a past checkpoint forks the thread; ids repeat when nothing changed."""

    def test_replay_from_step_branches_with_a_fork_checkpoint(self) -> None:
        """Replaying from the step-1 checkpoint re-runs generate_joke on a new branch: a
        "fork" copy of that checkpoint (its child, the step after it) plans it anew, so
        its task id is new, as in LangGraph 1.2.22; the original checkpoints stay."""
        graph = linear(checkpointer=InMemorySaver())
        graph.invoke({"topic": "t"}, config("f"))
        before = list(graph.get_state_history(config("f")))
        step1 = next(s for s in before if s.metadata["step"] == 1)
        original_id = step1.tasks[0].id
        chunks = list(graph.stream(None, config("f", step1.config["configurable"]
                                                ["checkpoint_id"]), stream_mode="tasks"))
        assert chunks[0]["id"] != original_id
        assert chunks[-1]["result"] == {"joke": "This is a joke about t and cats"}
        after = list(graph.get_state_history(config("f")))
        assert after[len(after) - len(before):] == before
        fork = after[1]
        assert (fork.metadata["source"], fork.metadata["step"]) == ("fork", 2)
        assert fork.parent_config == step1.config
        assert fork.tasks[0].id == chunks[0]["id"]

    def test_update_state_then_continue(self) -> None:
        """Editing state at step 1 and resuming runs the rest on the edited state."""
        graph = linear(checkpointer=InMemorySaver())
        graph.invoke({"topic": "t"}, config("u"))
        step1 = next(s for s in graph.get_state_history(config("u"))
                     if s.metadata["step"] == 1)
        new_config = graph.update_state(step1.config, {"topic": "dogs"})
        assert graph.get_state(new_config).values["topic"] == "dogs"
        assert graph.get_state(new_config).next == ("generate_joke",)
        assert graph.get_state(new_config).metadata["source"] == "update"
        out = graph.invoke(None, new_config)
        assert out["joke"] == "This is a joke about dogs"

    def test_update_state_as_node_routes_on(self) -> None:
        """update_state(as_node=X) makes X's edges fire next."""
        graph = linear(checkpointer=InMemorySaver())
        graph.invoke({"topic": "t"}, config("n"))
        cfg = graph.update_state(config("n"), {"topic": "owls"}, as_node="refine_topic")
        assert graph.get_state(cfg).next == ("generate_joke",)
        assert graph.invoke(None, cfg)["joke"] == "This is a joke about owls"


class TestInterrupts:
    """interrupt() pauses; Command(resume=...) re-runs the node with the value."""

    def test_resume_value_reaches_node(self) -> None:
        """The node sees the resume value and the run completes."""
        entered: list[int] = []

        def ask(state: Joke) -> dict[str, str]:
            entered.append(1)
            answer = interrupt({"question": "topic?"})
            return {"joke": f"joke about {answer}"}

        graph = (StateGraph(Joke).add_node(ask).add_edge(START, "ask")
                 .compile(checkpointer=InMemorySaver()))
        first = graph.invoke({"topic": "t"}, config("i"))
        assert first["__interrupt__"][0].value == {"question": "topic?"}
        assert graph.get_state(config("i")).next == ("ask",)
        out = graph.invoke(Command(resume="penguins"), config("i"))
        assert out["joke"] == "joke about penguins"
        assert len(entered) == 2
