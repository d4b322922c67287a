"""Malformed traces, generated (`fuzzing.py`): every read path returns the original
events and states or reports damage, never a wrong value, a traceback, a hang or a
memory blow-up. A bounded sample; `python -m bench fuzz` runs thousands more cases."""

from __future__ import annotations

import json
import random
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tracer
from tracer import frameview as frameview_module
from tracer import resync

from ..cli.runner import run_cli
from .child_process import PYTHON, child_env
from .fuzz_crafted import crafted, empty_arrays, forged_records
from .fuzz_oracle import Baseline, check
from .fuzzing import (
    MEMORY_CHILD,
    TASK_END,
    Case,
    Sample,
    cuts,
    fake_heads,
    flips,
    insert,
    long_length_damage,
    not_files,
    record_big,
    record_sample,
    regions,
)

Recorded = tuple[Sample, Baseline]


def _recorded(folder: Path, kind: str) -> Recorded:
    path = folder / f"{kind}.stepscope"
    return record_sample(path, kind), Baseline.of(path)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    return _recorded(tmp_path_factory.mktemp("fuzz"), "mixed")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    return _recorded(tmp_path_factory.mktemp("fuzz"), "small")


def _run(cases: list[Case], base: Baseline, folder: Path) -> dict[str, int]:
    """Check each case; AssertionError listing every case that broke a promise."""
    failures: list[str] = []
    outcomes: dict[str, int] = {}
    for case in cases:
        try:
            report = check(case.write(folder), case.oracle, base, case.name)
        except AssertionError as exc:
            failures.append(str(exc)[:400])
            continue
        outcomes[report.outcome] = outcomes.get(report.outcome, 0) + 1
    assert failures == [], f"{len(failures)} of {len(cases)} cases:\n" + "\n".join(failures)
    return outcomes


class TestGenerated:
    """Cuts, flips and crafted frames through every API read path (`fuzz_oracle.check`)."""

    def test_every_cut(self, small: Recorded, tmp_path: Path) -> None:
        """Cut at every byte: the frames before the cut, the states as they were then."""
        sample, base = small
        outcomes = _run(list(cuts(sample)), base, tmp_path)
        assert outcomes == {"whole": len(sample.data) - sample.start + 1}

    def test_random_damage(self, mixed: Recorded, tmp_path: Path) -> None:
        """Flipped bytes and overwritten runs, in a closed trace and in a crashed one."""
        sample, base = mixed
        rng = random.Random(20261125)
        crashed = sample.crashed()
        cases = [*flips(sample.data, sample.start, rng, 100),
                 *flips(crashed, sample.start, rng, 100),
                 *regions(sample.data, sample.start, rng, 30),
                 *regions(crashed, sample.start, rng, 30)]
        outcomes = _run(cases, base, tmp_path)
        assert outcomes.get("damage reported", 0) > 0.9 * len(cases)

    def test_crafted(self, mixed: Recorded, tmp_path: Path) -> None:
        """Each crafted kind once: payloads that are no record, forged records of the
        wrong types, bad indexes behind a good footer, fake frame heads."""
        sample, base = mixed
        cases = list(crafted(sample))
        outcomes = _run(cases, base, tmp_path)
        assert sum(outcomes.values()) == len(cases) > 60

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.data())
    def test_hypothesis_flips(self, mixed: Recorded, tmp_path: Path, data: st.DataObject) -> None:
        """Bytes chosen by hypothesis, in a crashed trace (read by scanning), where the
        reader's own judgement of what is damaged decides every state."""
        sample, base = mixed
        buf = bytearray(sample.crashed())
        for _ in range(data.draw(st.integers(1, 4))):
            at = data.draw(st.integers(sample.start, len(buf) - 1))
            buf[at] ^= data.draw(st.integers(1, 255))
        check(Case("hypothesis", "damage", bytes(buf)).write(tmp_path), "damage", base)


    @settings(max_examples=30, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.integers(0, 2**32))
    def test_hypothesis_forged_records(self, mixed: Recorded, tmp_path: Path,
                                       seed: int) -> None:
        """Random CRC-valid records (any kind, random values in its data keys) inserted
        into a crashed trace: whatever they hold, no read path crashes."""
        sample, base = mixed
        case = next(forged_records(sample, random.Random(seed), 1))
        check(case.write(tmp_path), case.oracle, base, case.name)


class TestHostile:
    """Files made to cost time or memory, and paths that are no files."""

    def test_not_files_are_refused_at_once(self, mixed: Recorded, tmp_path: Path) -> None:
        """A FIFO (which would block a read forever), a directory, devices: TraceError."""
        _, base = mixed
        for case in not_files():
            start = time.monotonic()
            assert check(case.write(tmp_path), case.oracle, base, case.name).outcome == "refused"
            assert time.monotonic() - start < 5, case.name

    def test_resync_is_linear(self, mixed: Recorded, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
        """Fake frame heads, each claiming a payload running past the next ones: the
        bytes CRC-checked to resync grow with the region, not with its square."""
        sample, _ = mixed
        checked = [0]
        crc = resync.crc32

        def counting(data: Any, value: int = 0) -> int:
            checked[0] += len(data)
            return crc(data, value)

        monkeypatch.setattr(resync, "crc32", counting)
        monkeypatch.setattr(frameview_module, "crc32", counting)
        costs = {}
        for size in (64 << 10, 1 << 20):
            path = tmp_path / f"heads{size}.stepscope"
            path.write_bytes(insert(sample.body, sample.middle(TASK_END).offset,
                                    fake_heads(size)))
            checked[0] = 0
            with tracer.open_trace(path) as trace:
                assert len(trace.errors) == 1
            costs[size] = checked[0]
        assert costs[1 << 20] < 24 * costs[64 << 10]  # 16× the bytes; quadratic is 256×
        # Each fake head costs two short CRCs (from the nearest prefix checkpoints,
        # `resync.STRIDE` apart); checking each candidate's payload would cost ~40 GB.
        assert costs[1 << 20] < 64 * (1 << 20)

    def test_long_length_damage(self, tmp_path: Path) -> None:
        """A 10 MB closed trace whose frame > 4 MB before the end claims 4 MiB more: the
        frame is reported, everything else reads as it was, in bounded time."""
        path = tmp_path / "big.stepscope"
        sample = record_big(path, 10)
        base = Baseline.of(path)
        case = long_length_damage(sample, random.Random(3))
        crashed = Case("crashed " + case.name, "damage", case.data[: sample.frames[-1].offset])
        for each in (case, crashed):
            start = time.monotonic()
            report = check(each.write(tmp_path), each.oracle, base, each.name)
            assert report.outcome == "damage reported", each.name
            assert time.monotonic() - start < 20, each.name


class TestMemory:
    def test_four_mb_of_empty_arrays(self, mixed: Recorded, tmp_path: Path) -> None:
        """One frame of 4 MiB of empty arrays (300 MB as Python lists): reading it
        costs ~30× the file at its peak (decoding is refused past a container per 3
        bytes, `tracer.codec.BYTES_PER_CONTAINER`), and the frame is reported."""
        sample, _ = mixed
        case = empty_arrays(sample, 4 << 20)
        path = case.write(tmp_path)
        good = tmp_path / "good.stepscope"
        good.write_bytes(sample.data)
        out = subprocess.run([PYTHON, "-c", MEMORY_CHILD, str(good), str(path)],
                             env=child_env(), capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        found = json.loads(out.stdout)
        assert found["grew"] < 36 * len(case.data), found
        assert len(found["errors"]) == 1 and "too much memory" in found["errors"][0]


def _cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd)


class TestCli:
    """`inspect` and `export` on damaged files, as a user runs them: a report naming
    the damage, or exit 1 with a one-line message naming the file, offset and problem."""

    def test_damaged_files(self, mixed: Recorded, tmp_path: Path) -> None:
        sample, _ = mixed
        wanted = ("map, not an array", "task_end slot as text", "index run_ends a list",
                  "lists 900 deep as a run id", "fake heads, 64 KiB")
        cases = [c for c in crafted(sample) if c.name in wanted]
        cases.append(next(flips(sample.body, sample.start, random.Random(1), 1)))
        assert len(cases) == len(wanted) + 1
        jobs: list[tuple[str, Path, tuple[str | Path, ...]]] = []
        for i, case in enumerate(cases):
            path = tmp_path / f"case{i}.stepscope"
            path.write_bytes(case.data)
            jobs += [(case.name, path, ("inspect", "--json", path)),
                     (case.name, path, ("export", path, "-f", "jsonl", "-o",
                                        tmp_path / f"{i}.jsonl"))]
            if i % 3 == 0:  # the other renderings, on some of the files
                jobs += [(case.name, path, ("inspect", path)),
                         (case.name, path, ("export", path, "-f", "chrome", "-o",
                                            tmp_path / f"{i}.json"))]
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda job: _cli(*job[2], cwd=tmp_path), jobs))
        for (name, path, args), result in zip(jobs, results, strict=True):
            where = f"{name}: {' '.join(map(str, args[:2]))}"
            assert "Traceback" not in result.stderr, (where, result.stderr)
            if args[0] == "inspect":
                assert result.returncode == 0, (where, result.stderr)
                offsets = [r["offset"] for r in json.loads(result.stdout)["corruption"][
                    "regions"]] if args[1] == "--json" else None
                assert offsets if offsets is not None else "byte offset" in result.stdout, where
            else:
                message = result.stderr.strip()
                assert result.returncode == 1 and message.count("\n") == 0, (where, message)
                assert str(path) in message and "byte offset" in message, (where, message)

    def test_forged_values(self, mixed: Recorded, tmp_path: Path) -> None:
        """Well-shaped records holding values no writer writes (lists nested 900 deep
        where text or an error belongs, ext values nested 250 deep): reported as data,
        without a traceback."""
        sample, _ = mixed
        wanted = ("lists 900 deep as an error", "lists 900 deep as a run id",
                  "ext types nested 250 deep")
        jobs: list[tuple[str, tuple[str | Path, ...]]] = []
        for i, case in enumerate(c for c in crafted(sample) if c.name in wanted):
            path = tmp_path / f"forged{i}.stepscope"
            path.write_bytes(case.data)
            jobs += [(case.name, ("inspect", path))]
            if i == 0:
                jobs += [(case.name, ("export", path, "-f", "chrome", "-o", tmp_path / "o"))]
        assert len(jobs) == len(wanted) + 1
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda job: _cli(*job[1], cwd=tmp_path), jobs))
        for (name, args), result in zip(jobs, results, strict=True):
            assert "Traceback" not in result.stderr, (name, args[0], result.stderr)
            if args[0] == "inspect":
                assert result.returncode == 0 and "run 0" in result.stdout, name
            else:  # a run_id nested too deep is a damaged run_start: the export says so
                assert result.returncode == 0 or "byte offset" in result.stderr, name

    def test_not_a_file(self, tmp_path: Path) -> None:
        """A FIFO, a directory, a device: exit 1 at once, saying what the path is."""
        jobs = [(case.name, case.write(tmp_path)) for case in not_files()]
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda job: _cli("inspect", job[1], cwd=tmp_path), jobs))
        fifo = jobs[0][1]
        results.append(_cli("export", fifo, "-f", "jsonl", "-o", "-", cwd=tmp_path))
        jobs.append(("a FIFO, exported", fifo))
        for (name, path), result in zip(jobs, results, strict=True):
            assert result.returncode == 1 and "Traceback" not in result.stderr, name
            assert result.stderr.startswith("stepscope: ") and str(path) in result.stderr


def test_the_oracle_catches_a_wrong_state(mixed: Recorded, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks can fail: a reader that skipped damaged steps silently would be
    caught (here `_damaged` is made to find nothing)."""
    from tracer import replay

    sample, base = mixed
    monkeypatch.setattr(replay, "_damaged", lambda *args: ({}, {}))
    cases = list(flips(sample.crashed(), sample.start, random.Random(5), 60))
    with pytest.raises(AssertionError, match="wrong state"):
        _run(cases, base, tmp_path)

