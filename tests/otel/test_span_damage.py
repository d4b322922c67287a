"""Damaged, unfinished and hostile traces still export: what can be read becomes spans,
nothing raises, every span is well formed and the OTLP encoding accepts it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import tracer
from tests.otel.graphs import record_agent
from tests.tracer.fuzz_crafted import crafted, forged_records
from tests.tracer.fuzzing import Sample, record_sample
from tracer.export.otel import otlp_json, spans_of


def export_any(path: Path) -> tuple[list[str], list[str]]:
    """Span names and malformed notes of whatever `path` holds (a TraceError is fine:
    the file is no trace at all)."""
    try:
        trace = tracer.open_trace(path)
    except tracer.TraceError:
        return [], []
    with trace:
        spans, malformed = spans_of(path, trace.events())
    for span in spans:
        assert span.start_time is not None and span.end_time is not None
        assert span.start_time <= span.end_time
    otlp_json(spans)  # the protobuf encoding takes every attribute value
    return [s.name for s in spans], malformed


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    return record_sample(tmp_path_factory.mktemp("mixed") / "mixed.stepscope")


class TestUnfinished:
    """A trace whose writer was killed: spans of what ran, the run incomplete."""

    def test_cut_mid_run(self, tmp_path: Path) -> None:
        whole = record_agent(tmp_path / "agent.stepscope")
        sample = Sample.of(whole.read_bytes())
        cut = tmp_path / "cut.stepscope"
        cut.write_bytes(sample.data[: sample.frames[len(sample.frames) // 2].offset])
        names, malformed = export_any(cut)
        assert malformed == []
        assert "invoke_agent weather" in names and "step 1" in names
        with tracer.open_trace(cut) as trace:
            spans, _ = spans_of(cut, trace.events())
        run = next(s for s in spans if s.parent is None)
        assert (run.attributes or {})["stepscope.run.status"] == "incomplete"


class TestHostile:
    """Crafted and forged records (the tracer's fuzz corpus) never break an export."""

    def test_crafted(self, mixed: Sample, tmp_path: Path) -> None:
        for case in crafted(mixed):
            export_any(case.write(tmp_path))

    def test_forged_records(self, mixed: Sample, tmp_path: Path) -> None:
        exported = 0
        for case in forged_records(mixed, random.Random(16), 60):
            names, _ = export_any(case.write(tmp_path))
            exported += bool(names)
        assert exported > 0  # the forged files still hold readable runs
