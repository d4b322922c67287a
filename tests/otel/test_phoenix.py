"""Arize Phoenix as a real backend: a `phoenix serve` of our own (embedded SQLite in a
temporary PHOENIX_WORKING_DIR, free ports on 127.0.0.1) receives a recorded agent
trace over OTLP/HTTP; its REST API then shows the span tree, names, attributes and
token counts as Phoenix understood them (it maps the GenAI conventions to its own span
kinds and token counts).

Phoenix is heavy (~850 MB, ~60 s to install, ~10 s to start): `make test` (and `make
test-otel`) install it into a virtualenv of its own (`.venv-phoenix`) and point
STEPSCOPE_PHOENIX at it; without Phoenix (`make test PHOENIX=0`, a bare `pytest`) these
tests are skipped, saying so.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import tracer
from engine.checkpoint.memory import InMemorySaver
from engine.graph import START, MessagesState, StateGraph
from engine.messages import AIMessage, HumanMessage
from engine.types import Command, interrupt
from tests.cli.runner import ROOT, run_cli
from tests.otel.graphs import FIRST_USAGE, MODEL, SECOND_USAGE, exported, record_agent

pytestmark = pytest.mark.phoenix

START_TIMEOUT = 90.0


def phoenix_command() -> str | None:
    """The `phoenix` executable: STEPSCOPE_PHOENIX (`off`: none), the Makefile's
    virtualenv, or PATH."""
    given = os.environ.get("STEPSCOPE_PHOENIX")
    if given == "off":
        return None
    if given:
        return given
    local = ROOT / ".venv-phoenix" / "bin" / "phoenix"
    return str(local) if local.exists() else shutil.which("phoenix")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def wait_for(what: str, probe: Callable[[], Any], timeout: float = 30.0) -> Any:
    """`probe()` until it returns something true (Phoenix ingests in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"Phoenix did not show {what} within {timeout:g} s")
        time.sleep(0.25)


@pytest.fixture(scope="module")
def phoenix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running Phoenix; its base URL."""
    command = phoenix_command()
    if command is None:
        pytest.skip("Arize Phoenix is not installed (or STEPSCOPE_PHOENIX=off): `make test` "
                    "and `make test-otel` install it into .venv-phoenix and run these tests")
    folder = tmp_path_factory.mktemp("phoenix")
    port = free_port()
    env = {**os.environ, "PHOENIX_WORKING_DIR": str(folder), "PHOENIX_PORT": str(port),
           "PHOENIX_GRPC_PORT": str(free_port()), "PHOENIX_HOST": "127.0.0.1",
           "PHOENIX_TELEMETRY_ENABLED": "false"}
    log = (folder / "phoenix.log").open("w")
    server = subprocess.Popen([command, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    began = time.monotonic()
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if server.poll() is not None or time.monotonic() - began > START_TIMEOUT:
                tail = (folder / "phoenix.log").read_text()[-2000:]
                pytest.fail(f"phoenix serve did not come up:\n{tail}")
            time.sleep(0.25)
        print(f"phoenix serve up in {time.monotonic() - began:.1f} s")
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


def spans_of(url: str, project: str, trace_ids: set[str]) -> list[dict[str, Any]]:
    data = get(f"{url}/v1/projects/{project}/spans?limit=1000")["data"]
    return [s for s in data if s["context"]["trace_id"] in trace_ids]


class TestPhoenix:
    """What Phoenix shows of an exported agent trace, and of a live-exported thread."""

    def test_agent_trace(self, phoenix: str, tmp_path: Path) -> None:
        path = record_agent(tmp_path / "agent.stepscope")
        model = exported(path)
        trace_ids = {f"{s.context.trace_id:032x}" for s in model}
        result = run_cli("export", path, "-f", "otlp", "--endpoint", phoenix, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        got = wait_for("the agent's spans",
                       lambda: (s := spans_of(phoenix, "default", trace_ids))
                       and len(s) == len(model) and s)
        by_id = {s["context"]["span_id"]: s for s in got}
        # The tree: Phoenix's parent ids are ours.
        for span in model:
            stored = by_id[f"{span.context.span_id:016x}"]
            assert stored["name"] == span.name
            assert stored["parent_id"] == (f"{span.parent.span_id:016x}" if span.parent
                                           else None)
        names = sorted(s["name"] for s in got)
        assert names == sorted(["invoke_agent weather", "step 1", "step 2", "step 3", "agent",
                                "agent", "tools", f"chat {MODEL}", f"chat {MODEL}",
                                "execute_tool lookup"])
        kinds = {s["name"]: s["span_kind"] for s in got}
        assert (kinds["invoke_agent weather"], kinds[f"chat {MODEL}"],
                kinds["execute_tool lookup"]) == ("AGENT", "LLM", "TOOL")
        # Token counts as sent, and as Phoenix counts them.
        chats = sorted((s for s in got if s["name"] == f"chat {MODEL}"),
                       key=lambda s: s["start_time"])
        for stored, usage in zip(chats, (FIRST_USAGE, SECOND_USAGE), strict=True):
            a = stored["attributes"]
            assert a["gen_ai.usage.input_tokens"] == usage["input_tokens"]
            assert a["gen_ai.usage.output_tokens"] == usage["output_tokens"]
            assert a["llm.token_count.prompt"] == usage["input_tokens"]
            assert a["llm.token_count.completion"] == usage["output_tokens"]
            assert a["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
        assert chats[0]["attributes"]["gen_ai.usage.cache_read.input_tokens"] == 100
        assert chats[1]["attributes"]["gen_ai.usage.reasoning.output_tokens"] == 8
        tool = next(s for s in got if s["name"] == "execute_tool lookup")["attributes"]
        assert (tool["gen_ai.tool.call.id"], tool["tool.name"]) == ("call_oslo", "lookup")
        for stored in got:
            assert stored["attributes"]["stepscope.trace.path"] == str(path.resolve())
        step2 = next(s for s in got if s["name"] == "tools")
        assert step2["attributes"]["stepscope.step"] == 2
        # Exporting again adds nothing: the ids are the trace's own.
        assert run_cli("export", path, "-f", "otlp", "--endpoint", phoenix,
                       cwd=tmp_path).returncode == 0
        time.sleep(1.0)
        assert len(spans_of(phoenix, "default", trace_ids)) == len(model)

    def test_live_thread_is_one_session(self, phoenix: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
        """A thread recorded with live export (invoke, interrupt, resume) is one Phoenix
        session of two traces, in the project OTEL_RESOURCE_ATTRIBUTES names, with the
        thread's token counts."""
        from engine.chat_models import GenericFakeChatModel

        model = GenericFakeChatModel(model=MODEL, messages=iter([
            AIMessage("first", usage_metadata={"input_tokens": 11, "output_tokens": 2,
                                               "total_tokens": 13}),
            AIMessage("second", usage_metadata={"input_tokens": 17, "output_tokens": 3,
                                                "total_tokens": 20})]))

        def talk(state: MessagesState) -> dict[str, Any]:
            return {"messages": [model.invoke(state["messages"])]}

        def ask(state: MessagesState) -> dict[str, Any]:
            return {"messages": [HumanMessage(interrupt("more?"))]}

        graph = (StateGraph(MessagesState).add_node("talk", talk).add_node("ask", ask)
                 .add_node("again", talk).add_edge(START, "talk").add_edge("talk", "ask")
                 .add_edge("ask", "again").compile(name="chatter",
                                                   checkpointer=InMemorySaver()))
        monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "openinference.project.name=live")
        thread: Any = {"configurable": {"thread_id": "phoenix-thread"}}
        with tracer.record(tmp_path / "thread.stepscope", otlp=phoenix):
            graph.invoke({"messages": [HumanMessage("hi")]}, thread)
            graph.invoke(Command(resume="yes"), thread)
        session = wait_for("the thread's session", lambda: _session(phoenix, "phoenix-thread"))
        assert len(session["traces"]) == 2
        assert (session["token_count_prompt"], session["token_count_completion"]) == (28, 5)
        roots = wait_for("both runs", lambda: _both_runs(phoenix))
        assert sorted(r["attributes"]["stepscope.run.status"] for r in roots) == [
            "done", "interrupted"]
        assert {r["attributes"]["session.id"] for r in roots} == {"phoenix-thread"}


def _both_runs(url: str) -> list[dict[str, Any]] | None:
    roots = [s for s in get(f"{url}/v1/projects/live/spans?limit=1000")["data"]
             if s["parent_id"] is None and s["name"] == "invoke_workflow chatter"]
    return roots if len(roots) == 2 else None


def _session(url: str, session_id: str) -> dict[str, Any] | None:
    try:
        session = get(f"{url}/v1/sessions/{session_id}")["data"]
    except urllib.error.HTTPError:
        return None
    return session if len(session["traces"]) == 2 else None
