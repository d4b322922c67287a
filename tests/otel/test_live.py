"""Live export: a recording sends its spans over OTLP/HTTP as the runs go (to a real
receiver on 127.0.0.1), the very spans a later `export --format otlp` of the file makes;
an endpoint that cannot be reached costs one warning and never fails the run."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import tracer
from engine.checkpoint.memory import InMemorySaver
from engine.types import Command
from tests.cli.runner import ROOT, clean_env, run_cli
from tests.otel.graphs import AGENT_INPUT, exported, react_agent
from tests.otel.receiver import TRACES_PATH, Receiver, otlp_receiver
from tests.otel.test_otlp_http import closed_port
from tests.tracer.graphs import asking, linear
from tracer.export.otel_channel import SCHEDULE_DELAY_MS

AGENT = ROOT / "sample_graphs" / "agent.py"


def same_as_file_export(receiver: Receiver, path: Path) -> list[Any]:
    """What arrived live is, span for span, what exporting the file makes; the spans."""
    model = {s.context.span_id: s for s in exported(path)}
    received = receiver.wait(len(model))
    assert sorted(int(s.span_id, 16) for s in received) == sorted(model)
    for span in received:
        expected = model[int(span.span_id, 16)]
        assert (span.name, span.parent_id, span.start_ns, span.end_ns) == (
            expected.name, f"{expected.parent.span_id:016x}" if expected.parent else "",
            expected.start_time, expected.end_time)
        assert span.attributes == {k: list(v) if isinstance(v, (list, tuple)) else v
                                   for k, v in (expected.attributes or {}).items()}
        assert [(t, s) for t, s, _ in span.links] == [
            (f"{ln.context.trace_id:032x}", f"{ln.context.span_id:016x}")
            for ln in expected.links]
        assert span.status == (int(expected.status.status_code.value),
                               expected.status.description or "")
    return received


class TestRecordBlock:
    """tracer.record(path, otlp=URL) in this process."""

    def test_agent_spans_arrive_as_exported(self, tmp_path: Path) -> None:
        path = tmp_path / "agent.stepscope"
        with otlp_receiver() as receiver:
            with tracer.record(path, otlp=receiver.url):
                react_agent().invoke(AGENT_INPUT)
            received = same_as_file_export(receiver, path)
        assert receiver.paths and set(receiver.paths) == {TRACES_PATH}
        assert any(s.name == "invoke_agent weather" for s in received)

    def test_many_runs_threads_and_resumes(self, tmp_path: Path) -> None:
        """Runs one after another (the follower starts its span builder afresh after
        each) keep the file's run numbers and their thread links."""
        graph = asking(checkpointer=InMemorySaver())
        thread: Any = {"configurable": {"thread_id": "live"}}
        path = tmp_path / "thread.stepscope"
        with otlp_receiver() as receiver:
            with tracer.record(path, otlp=receiver.url):
                graph.invoke({"topic": "x", "log": []}, thread)
                linear().invoke({"topic": "t", "joke": ""})
                graph.invoke(Command(resume="cats"), thread)
            received = same_as_file_export(receiver, path)
        roots = sorted((s for s in received if not s.parent_id),
                       key=lambda s: s.attributes["stepscope.run.number"])
        assert [s.attributes["stepscope.run.number"] for s in roots] == [0, 1, 2]
        assert roots[2].links[0][:2] == (roots[0].trace_id, roots[0].span_id)

    def test_appending_numbers_runs_after_the_file_s(self, tmp_path: Path) -> None:
        path = tmp_path / "twice.stepscope"
        with otlp_receiver() as receiver:
            for _ in range(2):
                with tracer.record(path, append=True, otlp=receiver.url):
                    linear().invoke({"topic": "t", "joke": ""})
            received = same_as_file_export(receiver, path)
        runs = sorted(s.attributes["stepscope.run.number"] for s in received if not s.parent_id)
        assert runs == [0, 1]

    def test_off_sends_nothing(self, tmp_path: Path, monkeypatch: Any) -> None:
        with otlp_receiver() as receiver:
            monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
            with tracer.record(tmp_path / "off.stepscope", otlp=False):
                linear().invoke({"topic": "t", "joke": ""})
            monkeypatch.setenv("STEPSCOPE_OTLP", "off")
            with tracer.record(tmp_path / "off2.stepscope"):
                linear().invoke({"topic": "t", "joke": ""})
            time.sleep(SCHEDULE_DELAY_MS / 1000 + 0.5)  # what would have been sent, was
            assert receiver.paths == []


class TestCommands:
    """`stepscope run` and STEPSCOPE_TRACE, as real subprocesses."""

    def test_run_with_the_standard_variable(self, tmp_path: Path) -> None:
        with otlp_receiver() as receiver:
            env = clean_env(OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url)
            result = run_cli("run", AGENT, "-o", "a.stepscope", cwd=tmp_path, env=env)
            assert result.returncode == 0, result.stderr
            received = same_as_file_export(receiver, tmp_path / "a.stepscope")
        assert f"otlp: sent {len(received)} spans to {receiver.url}{TRACES_PATH}" in (
            result.stdout)

    def test_run_otlp_flag_and_content(self, tmp_path: Path) -> None:
        with otlp_receiver() as receiver:
            result = run_cli("run", AGENT, "-o", "a.stepscope", "--otlp", receiver.url,
                             "--otlp-content", cwd=tmp_path)
            assert result.returncode == 0, result.stderr
            chats = [s for s in receiver.spans if s.name.startswith("chat")]
        assert chats and all("gen_ai.input.messages" in s.attributes for s in chats)

    def test_run_with_a_bad_otlp_url(self, tmp_path: Path) -> None:
        result = run_cli("run", AGENT, "--otlp", "nowhere", cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.startswith("stepscope: run: --otlp: 'nowhere' is not an http")

    def test_stepscope_trace_program(self, tmp_path: Path) -> None:
        """A plain `python program.py` with STEPSCOPE_TRACE and an endpoint: the spans
        are sent by the time the interpreter exits."""
        program = tmp_path / "program.py"
        program.write_text("from sample_graphs.agent import build, inputs\n"
                           "build().invoke(inputs)\n")
        with otlp_receiver() as receiver:
            env = clean_env(STEPSCOPE_TRACE=str(tmp_path / "p.stepscope"),
                            STEPSCOPE_OTLP=receiver.url)
            result = subprocess.run([sys.executable, str(program)], cwd=tmp_path, env=env,
                                    capture_output=True, text=True, timeout=60)
            assert result.returncode == 0, result.stderr
            same_as_file_export(receiver, tmp_path / "p.stepscope")


class TestUnreachable:
    """A dead endpoint: one warning, the run and its trace as without export."""

    def test_one_warning_and_no_wait(self, tmp_path: Path) -> None:
        url = f"http://127.0.0.1:{closed_port()}"
        began = time.monotonic()
        result = run_cli("run", AGENT, "-o", "a.stepscope", "--otlp", url, cwd=tmp_path)
        took = time.monotonic() - began
        assert result.returncode == 0
        assert result.stderr.splitlines() == [
            f"stepscope: live OTLP export to {url}{TRACES_PATH} failed (Connection refused); "
            "the run goes on, spans that cannot be sent are dropped"]
        assert "otlp: sent" not in result.stdout and "done ·" in result.stdout
        assert took < 8  # the sample runs ~1 s; closing does not wait out retries
        assert (tmp_path / "a.stepscope").stat().st_size > 0

    def test_without_opentelemetry(self, tmp_path: Path) -> None:
        code = ("import sys; sys.modules['opentelemetry'] = None; "
                "from tui.cli.main import main; sys.exit(main(sys.argv[1:]))")
        env = clean_env(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9")
        result = subprocess.run([sys.executable, "-c", code, "run", str(AGENT), "-o",
                                 "a.stepscope"], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stderr.splitlines() == [
            "stepscope: live OTLP export to http://127.0.0.1:9/v1/traces needs OpenTelemetry: "
            "pip install 'stepscope[otel]' (or set STEPSCOPE_OTLP=off); recording without it"]

    def test_a_bad_variable_is_one_warning(self, tmp_path: Path) -> None:
        env = clean_env(OTEL_EXPORTER_OTLP_ENDPOINT="not a url")
        result = run_cli("run", AGENT, "-o", "a.stepscope", cwd=tmp_path, env=env)
        assert result.returncode == 0
        assert result.stderr.splitlines() == [
            "stepscope: live OTLP export is off: the endpoint 'not a url' is not an http:// "
            "or https:// URL with a host"]


class TestDebugSession:
    """`stepscope debug` records too: with an endpoint in the environment, its runs go
    out live, the same spans as the file's export."""

    def test_a_debugged_run_is_exported_live(self, tmp_path: Path,
                                             monkeypatch: Any) -> None:
        from tui.debug.session import DebugSession

        path = tmp_path / "debugged.stepscope"
        with otlp_receiver() as receiver:
            monkeypatch.setenv("STEPSCOPE_OTLP", receiver.url)
            session = DebugSession(linear(), path)
            try:
                session.start({"topic": "t", "joke": ""}, mode="continue")
                assert session.wait(30)
            finally:
                session.close()
            received = same_as_file_export(receiver, path)
        assert [s.name for s in received if not s.parent_id] == ["invoke_workflow LangGraph"]
