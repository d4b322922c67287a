"""`stepscope export --format otlp|otlp-json`, run as a real subprocess: spans sent over
OTLP/HTTP to a real receiver on 127.0.0.1 (it decodes the protobuf), or written as OTLP
JSON; endpoints from flags and the standard variables; failures as one line."""

from __future__ import annotations

import json
import socket
from collections.abc import Generator
from pathlib import Path

import pytest

from tests.cli.runner import clean_env, run_cli
from tests.otel.graphs import SECRET, exported, record_agent
from tests.otel.receiver import TRACES_PATH, Receiver, otlp_receiver
from tracer.export.otel_model import SCHEMA_URL


@pytest.fixture(scope="module")
def agent_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return record_agent(tmp_path_factory.mktemp("otlp") / "agent.stepscope")


@pytest.fixture
def receiver() -> Generator[Receiver]:
    with otlp_receiver() as found:
        yield found


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TestSend:
    """--format otlp: what the receiver gets is what the span model makes."""

    def test_spans_arrive_whole(self, agent_trace: Path, receiver: Receiver,
                                tmp_path: Path) -> None:
        result = run_cli("export", agent_trace, "-f", "otlp", "--endpoint", receiver.url,
                         cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        got = receiver.spans
        assert receiver.paths == [TRACES_PATH]
        assert result.stdout.strip() == (f"sent {len(got)} spans (1 trace) to "
                                          f"{receiver.url}{TRACES_PATH}")
        model = {s.context.span_id: s for s in exported(agent_trace)}
        assert {int(s.span_id, 16) for s in got} == set(model)
        for span in got:
            expected = model[int(span.span_id, 16)]
            assert span.name == expected.name
            assert span.start_ns == expected.start_time and span.end_ns == expected.end_time
            assert span.attributes == {k: list(v) if isinstance(v, (list, tuple)) else v
                                       for k, v in (expected.attributes or {}).items()}
            assert span.scope[0] == "stepscope" and span.scope[2] == SCHEMA_URL
            assert span.resource["service.name"] == "stepscope"
            assert span.resource["stepscope.view"] == f"stepscope view {agent_trace.resolve()}"
        assert SECRET not in repr([s.attributes for s in got])

    def test_content_flag(self, agent_trace: Path, receiver: Receiver, tmp_path: Path) -> None:
        result = run_cli("export", agent_trace, "-f", "otlp", "--endpoint", receiver.url,
                         "--content", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert SECRET in repr([s.attributes for s in receiver.spans])

    def test_exporting_twice_sends_the_same_spans(self, agent_trace: Path, receiver: Receiver,
                                                  tmp_path: Path) -> None:
        for _ in range(2):
            assert run_cli("export", agent_trace, "-f", "otlp", "--endpoint", receiver.url,
                           cwd=tmp_path).returncode == 0
        first, second = (r for r in receiver.requests)
        assert first == second

    def test_standard_variables(self, agent_trace: Path, receiver: Receiver,
                                tmp_path: Path) -> None:
        """OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/traces appended; the traces variable is
        used as it is (here a path the receiver refuses: one line, exit 1)."""
        generic = clean_env(OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url + "/")
        assert run_cli("export", agent_trace, "-f", "otlp", cwd=tmp_path,
                       env=generic).returncode == 0
        signal = clean_env(OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
                           OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=receiver.url + "/custom")
        result = run_cli("export", agent_trace, "-f", "otlp", cwd=tmp_path, env=signal)
        assert receiver.paths == [TRACES_PATH, "/custom"]
        assert result.returncode == 1
        assert result.stderr.strip() == (f"stepscope: export: could not send spans to "
                                         f"{receiver.url}/custom: HTTP 404 Not Found")


class TestFailures:
    """Unreachable, refusing or missing endpoints: one clear line, no traceback."""

    def test_unreachable_endpoint(self, agent_trace: Path, tmp_path: Path) -> None:
        """Nothing listens: said at once (no retries against a refused connection)."""
        url = f"http://127.0.0.1:{closed_port()}"
        result = run_cli("export", agent_trace, "-f", "otlp", "--endpoint", url, cwd=tmp_path,
                         timeout=8)
        assert result.returncode == 1
        assert result.stderr.strip() == (f"stepscope: export: could not send spans to "
                                         f"{url}/v1/traces: Connection refused")
        assert result.stdout == ""

    def test_endpoint_refuses(self, agent_trace: Path, receiver: Receiver,
                              tmp_path: Path) -> None:
        receiver.status = 400
        result = run_cli("export", agent_trace, "-f", "otlp", "--endpoint", receiver.url,
                         cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr.strip().endswith(": HTTP 400 Bad Request")
        assert "Traceback" not in result.stderr

    def test_a_hostile_answer_is_shown_escaped(self, agent_trace: Path, receiver: Receiver,
                                                tmp_path: Path) -> None:
        """A reason phrase with terminal control sequences reaches stderr as escapes."""
        receiver.status, receiver.reason = 400, "Bad \x1b[2J\x1b]0;owned\x07request"
        result = run_cli("export", agent_trace, "-f", "otlp", "--endpoint", receiver.url,
                         cwd=tmp_path)
        assert result.returncode == 1
        assert "\x1b" not in result.stderr and "\x07" not in result.stderr
        assert result.stderr.strip().endswith(
            "HTTP 400 Bad \\x1b[2J\\x1b]0;owned\\x07request")

    def test_server_error_retried_until_timeout(self, agent_trace: Path, receiver: Receiver,
                                                tmp_path: Path) -> None:
        receiver.status = 503
        result = run_cli("export", agent_trace, "-f", "otlp", "--endpoint", receiver.url,
                         "--timeout", "1.5", cwd=tmp_path)
        assert result.returncode == 1
        assert len(receiver.paths) >= 2  # a 503 is worth another try
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr

    @pytest.mark.parametrize(("args", "message"), [
        (["-f", "otlp"], "export: --format otlp needs an endpoint: --endpoint URL (e.g. "
                         "http://localhost:4318), or OTEL_EXPORTER_OTLP_ENDPOINT"),
        (["-f", "otlp", "--endpoint", "localhost:4318"],
         "export: --endpoint: 'localhost:4318' is not an http:// or https:// URL with a host"),
        (["-f", "otlp", "--endpoint", "http://h:port"],
         "export: --endpoint: 'http://h:port' is not a valid URL"),
        (["-f", "jsonl", "--content"], "export: --content goes with --format otlp or "
                                       "otlp-json (jsonl and chrome hold every value already)"),
        (["-f", "otlp-json", "--endpoint", "http://x"], "export: --endpoint goes with "
                                                        "--format otlp"),
        (["-f", "otlp", "--endpoint", "http://x", "-o", "f.json"],
         "export: --format otlp sends the spans (to --endpoint); -o is for the file formats "
         "(otlp-json writes them to a file)"),
    ])
    def test_bad_arguments(self, agent_trace: Path, tmp_path: Path, args: list[str],
                           message: str) -> None:
        result = run_cli("export", agent_trace, *args, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.startswith(f"stepscope: {message}")

    def test_without_opentelemetry(self, agent_trace: Path, tmp_path: Path) -> None:
        """OpenTelemetry not importable: the message says how to install it."""
        import subprocess
        import sys

        code = ("import sys; sys.modules['opentelemetry'] = None; "
                "from tui.cli.main import main; sys.exit(main(sys.argv[1:]))")
        result = subprocess.run([sys.executable, "-c", code, "export", str(agent_trace), "-f",
                                 "otlp-json", "-o", "-"], cwd=tmp_path, env=clean_env(),
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 1
        assert result.stderr.strip() == ("stepscope: export: --format otlp and otlp-json need "
                                         "OpenTelemetry: pip install 'stepscope[otel]'")


class TestOtlpJson:
    """--format otlp-json: OTLP JSON, no network."""

    def test_file_matches_what_is_sent(self, agent_trace: Path, receiver: Receiver,
                                       tmp_path: Path) -> None:
        result = run_cli("export", agent_trace, "-f", "otlp-json", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        out = agent_trace.with_suffix(".otlp.json")
        document = json.loads(out.read_text())
        (resource_spans,) = document["resourceSpans"]
        (scope_spans,) = resource_spans["scopeSpans"]
        assert scope_spans["scope"]["name"] == "stepscope"
        assert scope_spans["schemaUrl"] == SCHEMA_URL
        spans = scope_spans["spans"]
        assert result.stdout.strip() == f"wrote {len(spans)} spans to {out}"
        assert run_cli("export", agent_trace, "-f", "otlp", "--endpoint", receiver.url,
                       cwd=tmp_path).returncode == 0
        sent = {s.span_id: s for s in receiver.spans}
        for span in spans:
            assert len(span["traceId"]) == 32 and len(span["spanId"]) == 16
            got = sent[span["spanId"]]
            assert (span["name"], span["traceId"], span.get("parentSpanId", "")) == (
                got.name, got.trace_id, got.parent_id)
            assert span["kind"] == got.kind and isinstance(span["kind"], int)
            assert int(span["startTimeUnixNano"]) == got.start_ns

    def test_to_stdout(self, agent_trace: Path, tmp_path: Path) -> None:
        result = run_cli("export", agent_trace, "-f", "otlp-json", "-o", "-", cwd=tmp_path)
        assert result.returncode == 0
        assert json.loads(result.stdout)["resourceSpans"]
