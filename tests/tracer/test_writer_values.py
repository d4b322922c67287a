"""Values the encoder cannot encode, and events the writer fails on: recording goes on.

An unencodable value (a lone surrogate, a cycle, a raising __repr__ or model_dump)
becomes an ext 15 placeholder `[class, reason]` where it was, and every other value of
the record is kept. An event the writer cannot handle is skipped with one warning, and
nothing buffered before it is lost.
"""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypedDict

import msgpack
import pytest

import tracer
from engine import capture_events
from engine.config import get_stream_writer
from engine.events import Event
from engine.graph import END, START, StateGraph
from engine.messages import AIMessage
from tracer.codec import ObjectValue

from . import graphs
from .live_writer import record_events
from .raw_frames import walk_frames

CUSTOM = 5


class BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("repr is broken")


class BadDump:
    """Looks like a pydantic model; dumping it raises."""

    model_fields: ClassVar[dict[str, Any]] = {}

    def model_dump(self) -> dict[str, Any]:
        raise ValueError("no dump today")


class State(TypedDict):
    text: str
    good: str
    log: Annotated[list, operator.add]


def payload() -> dict[str, Any]:
    cycle: list[Any] = [1, 2]
    cycle.append(cycle)
    loop: dict[str, Any] = {"k": "v"}
    loop["self"] = loop
    return {"ok": 1, "bad": "a\ud800b", "\udcff": "by a bad key",
            "msg": AIMessage("hi \ud800", id="m1"), "cyc": cycle, "loop": loop,
            "repr": BadRepr(), "dump": BadDump(), "tail": [1, "fine", (2, 3)]}


def graph() -> Any:
    def emit(state: State) -> dict[str, Any]:
        get_stream_writer()(payload())
        return {"text": "x\ud800y", "good": "intact", "log": ["kept", "z\udfff"]}

    def after(state: State) -> dict[str, Any]:
        return {"log": ["after"]}

    return (StateGraph(State).add_node(emit).add_node(after).add_edge(START, "emit")
            .add_edge("emit", "after").add_edge("after", END).compile())


def raw_ext(value: Any) -> tuple[str, str]:
    """An ext 15 value as its `[class, reason]`."""
    assert isinstance(value, msgpack.ExtType) and value.code == 15, value
    cls, reason = msgpack.unpackb(value.data, raw=False)
    return cls, reason


def decoded(value: Any) -> tuple[str, str]:
    """A placeholder as the stepscope reader gives it: ObjectValue("unencodable", class,
    reason). (A reader without ext 15 decoding yields the raw ExtType: accepted too.)"""
    if isinstance(value, msgpack.ExtType):
        return raw_ext(value)
    assert isinstance(value, ObjectValue) and value.kind == "unencodable", value
    return value.cls, value.fields


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


@pytest.fixture
def recorded(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> tuple[Path, list[Event], Any]:
    path = tmp_path / "values.stepscope"
    with capture_events() as events, tracer.record(path):
        out = graph().invoke({"text": "", "good": "", "log": []})
    assert capfd.readouterr().err == ""  # values are never worth a warning
    return path, list(events), out


class TestUnencodableValues:
    def test_placeholders_in_the_raw_frames(self, recorded: tuple[Path, list[Event], Any]
                                            ) -> None:
        """Read with plain msgpack: each bad value is an ext 15 where it was; the rest of
        the payload is as written."""
        path, _, _ = recorded
        data = path.read_bytes()
        (frame,) = [f for f in walk_frames(data) if f.kind == CUSTOM]
        record = msgpack.unpackb(data[frame.offset + 11: frame.end], raw=False,
                                 strict_map_key=False)
        p = record[5]["p"]
        assert p["ok"] == 1 and p["tail"][:2] == [1, "fine"] and p["tail"][2].code == 1
        assert raw_ext(p["bad"]) == (
            "str", "not UTF-8 text (surrogates not allowed at index 1): 'a\\ud800b'")
        (bad_key,) = [k for k in p if isinstance(k, msgpack.ExtType)]
        assert raw_ext(bad_key)[0] == "str" and "'\\udcff'" in raw_ext(bad_key)[1]
        assert p[bad_key] == "by a bad key"
        assert p["cyc"][:2] == [1, 2]
        assert raw_ext(p["cyc"][2]) == ("list", "a cycle: this list contains itself")
        assert p["loop"]["k"] == "v"
        assert raw_ext(p["loop"]["self"]) == ("dict", "a cycle: this dict contains itself")
        assert raw_ext(p["repr"]) == (_name(BadRepr),
                                      "unrepresentable: RuntimeError: repr is broken")
        cls, reason = raw_ext(p["dump"])
        assert cls == _name(BadDump) and reason.startswith("ValueError: no dump today; repr: <")
        # The message stays a message: only its content is a placeholder.
        assert p["msg"].code == 8
        name, fields = msgpack.unpackb(p["msg"].data, raw=False)
        assert name == "AIMessage" and fields["id"] == "m1" and fields["type"] == "ai"
        assert raw_ext(fields["content"])[0] == "str"

    def test_the_rest_reads_back_intact(self, recorded: tuple[Path, list[Event], Any]) -> None:
        """Through open_trace: every event, the run's end, states with placeholders only
        where the values were bad."""
        path, events, out = recorded
        assert out["good"] == "intact"
        with tracer.open_trace(path) as trace:
            assert trace.finished and trace.errors == [] and trace.run_complete(0)
            got = list(trace.events())
            assert [(e.kind, e.seq, e.ns, e.step) for e in got] == [
                (e.kind, e.seq, e.ns, e.step) for e in events]
            (custom,) = [e for e in got if e.kind == "custom"]
            p = custom.data["payload"]
            assert p["ok"] == 1 and p["tail"] == [1, "fine", (2, 3)]
            assert decoded(p["bad"])[0] == "str"
            assert p["loop"]["k"] == "v" and decoded(p["loop"]["self"])[0] == "dict"
            assert decoded(p["repr"])[0] == _name(BadRepr)
            assert decoded(p["dump"])[0] == _name(BadDump)
            last = trace.steps(0)[-1]
            state = trace.state_at(last)
            assert state["good"] == "intact"
            assert decoded(state["text"])[0] == "str"
            assert state["log"][0] == "kept" and state["log"][2] == "after"
            assert decoded(state["log"][1]) == (
                "str", "not UTF-8 text (surrogates not allowed at index 1): 'z\\udfff'")

    def test_exception_text_is_escaped(self, tmp_path: Path) -> None:
        """A node failing with a message holding a lone surrogate: the run's error is
        recorded as an error, its text escaped (readers take it as text)."""
        def fail(state: State) -> dict[str, Any]:
            raise ValueError("bad \ud800 input")

        g = StateGraph(State).add_node(fail).add_edge(START, "fail").compile()
        path = tmp_path / "err.stepscope"
        with tracer.record(path), pytest.raises(ValueError):
            g.invoke({"text": "", "good": "", "log": []})
        with tracer.open_trace(path) as trace:
            (end,) = list(trace.events({"run_end"}))
            assert end.data["status"] == "error"
            assert end.data["error"].message == "bad \\ud800 input"


class Hostile:
    """A token chunk whose every attribute raises: the writer fails on its event."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"no {name} here")


def test_an_event_the_writer_fails_on_is_skipped(tmp_path: Path,
                                                   capfd: pytest.CaptureFixture[str]) -> None:
    """Two events the writer cannot handle, in the middle of a step: one warning; the
    frames buffered before them and every later event are recorded; the file closes
    with its index."""
    events = record_events(lambda clock: graphs.linear().invoke({"topic": "t"}, clock=clock))
    cut = next(i for i, e in enumerate(events) if e.kind == "task_start")
    bad = [Event("token", 999, 0, (), 0, {"call_id": "c", "text": "x", "chunk": Hostile()}),
           Event("token", 998, 0, (), 0, {"call_id": "c", "text": "y", "chunk": Hostile()})]
    path = tmp_path / "skip.stepscope"
    writer = tracer.TraceWriter(path)
    for event in [*events[:cut + 1], *bad, *events[cut + 1:]]:
        writer(event)
    writer.close()
    assert not writer.failed
    err = [line for line in capfd.readouterr().err.splitlines() if line]
    assert len(err) == 1 and "could not record a token event" in err[0], err
    assert "RuntimeError: no tool_call_chunks here" in err[0]
    with tracer.open_trace(path) as trace:
        assert trace.finished and trace.errors == []
        assert [(e.kind, e.seq) for e in trace.events()] == [(e.kind, e.seq) for e in events]
        assert trace.index.events == len(events)
        assert trace.state_at(trace.steps(0)[-1]) == {"topic": "t and cats",
                                                      "joke": "a joke about t and cats"}
