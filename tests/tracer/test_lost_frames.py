"""Frames lost to damage in a crashed (scanned) trace, chosen so that a reader that
files what follows under the wrong run or step would return a wrong state silently."""

from __future__ import annotations

from pathlib import Path

import pytest

import tracer
from tracer import DamagedStateError

from .fuzz_oracle import Baseline, check
from .fuzzing import Sample, record_sample

RUN_START, RUN_END = 0, 11


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Sample, Baseline, Path]:
    """A frame per event (no batch frames), so that single frames of a step can be lost;
    a batch frame is lost whole (tests/tracer/test_bulk_steps.py, test_damaged_state.py)."""
    path = tmp_path_factory.mktemp("lost") / "mixed.stepscope"
    sample = record_sample(path, bulk=False)
    return sample, Baseline.of(path), path


def _damaged(sample: Sample, offsets: list[int]) -> bytes:
    """The crashed body with one payload byte of each frame at `offsets` flipped."""
    data = bytearray(sample.body)
    for offset in offsets:
        data[offset + 11 + 2] ^= 0x40
    return bytes(data)


def _entries(path: Path) -> tuple[list[tracer.reader.RunInfo], list[list[int]]]:
    with tracer.open_trace(path) as trace:
        return trace.runs, [trace.steps(r.number) for r in trace.runs]


class TestLostFrames:
    def test_lost_run_start(self, mixed: tuple[Sample, Baseline, Path],
                            tmp_path: Path) -> None:
        """The second root run's run_start is lost: its steps must not become more steps
        of the first root run (whose step 0 would then replay the second's input), with
        the first's run_end read or lost too."""
        sample, base, original = mixed
        with tracer.open_trace(original) as trace:
            first, second = trace.runs[0], trace.runs[2]
            assert first.ns == second.ns == ()
            first_steps, first_end = trace.steps(0), trace.index.run_ends[0]
        for lost in ([second.offset], [first_end, second.offset]):
            path = tmp_path / "lost.stepscope"
            path.write_bytes(_damaged(sample, lost))
            runs, steps = _entries(path)
            assert runs[0].run_id == first.run_id and steps[0] == first_steps, lost
            assert second.run_id not in {r.run_id for r in runs if not r.ns}
            with tracer.open_trace(path) as trace:
                assert trace.steps(-1), "the orphaned steps are filed under no run"
                for step in first_steps:
                    assert trace.state_at(step, 0) == base.states[(first.run_id, (), step)]
            assert check(path, "damage", base, f"lost {lost}").outcome == "damage reported"

    def test_lost_whole_step(self, mixed: tuple[Sample, Baseline, Path],
                             tmp_path: Path) -> None:
        """Every frame of a step lost (its step_start, task frames and step_end): no step
        entry holds the damage, but the next step's number does not follow on."""
        sample, base, original = mixed
        with tracer.open_trace(original) as trace:
            run = trace.runs[4]
            one, two = trace.step_entry(1, 4), trace.step_entry(2, 4)
            assert one.start is not None and one.end is not None
            lost = [f.offset for f in sample.frames if one.start <= f.offset <= one.end]
        path = tmp_path / "step.stepscope"
        path.write_bytes(_damaged(sample, lost))
        with tracer.open_trace(path) as trace:
            number = next(r.number for r in trace.runs if r.run_id == run.run_id)
            assert trace.steps(number) == [0, 2, 3]
            with pytest.raises(DamagedStateError) as info:
                trace.state_at(2, number)
            assert info.value.offset == one.start and two.start is not None
        assert check(path, "damage", base).outcome == "damage reported"

    def test_lost_step_end_and_next_step_start(self, mixed: tuple[Sample, Baseline, Path],
                                               tmp_path: Path) -> None:
        """Step 1's step_end and step 2's step_start lost: step 2's task_end and step_end
        must not close step 1 (which would replay step 2's writes as step 1's)."""
        sample, base, original = mixed
        with tracer.open_trace(original) as trace:
            one, two = trace.step_entry(1, 0), trace.step_entry(2, 0)
            assert one.end is not None and two.start is not None
        path = tmp_path / "ends.stepscope"
        path.write_bytes(_damaged(sample, [one.end, two.start]))
        with tracer.open_trace(path) as trace:
            entry = trace.step_entry(1, 0)
            assert entry.end is None and entry.task_ends == one.task_ends
            for step in (1, 2):
                with pytest.raises(DamagedStateError):
                    trace.state_at(step, 0)
        assert check(path, "damage", base).outcome == "damage reported"
