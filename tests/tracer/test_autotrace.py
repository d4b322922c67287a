"""STEPSCOPE_TRACE=path records a program's runs with no tracer import in the program."""

from __future__ import annotations

import subprocess
from pathlib import Path

import tracer

from .child_process import PYTHON, child_env

PROGRAM = r'''
import sys
from typing import TypedDict
from engine.graph import END, START, StateGraph

class S(TypedDict):
    topic: str
    joke: str

def refine(s): return {"topic": s["topic"] + " and cats"}
def joke(s): return {"joke": "a joke about " + s["topic"]}

graph = (StateGraph(S).add_node(refine).add_node(joke).add_edge(START, "refine")
         .add_edge("refine", "joke").add_edge("joke", END).compile())
for topic in sys.argv[1:]:
    print(graph.invoke({"topic": topic})["joke"])
'''


def _run(env_path: str, *topics: str,
         program: str = PROGRAM) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-c", program, *topics], capture_output=True, text=True,
                          env=child_env(STEPSCOPE_TRACE=env_path), timeout=120)


class TestAutotrace:
    """The environment variable alone makes a finished trace of every run."""

    def test_program_is_recorded(self, tmp_path: Path) -> None:
        path = tmp_path / "auto.stepscope"
        done = _run(str(path), "ice cream", "dogs")
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == ["a joke about ice cream and cats",
                                            "a joke about dogs and cats"]
        assert done.stderr == ""
        with tracer.open_trace(path) as trace:
            assert trace.finished and trace.errors == []
            assert len(trace.runs) == 2 and all(trace.run_complete(r.number) for r in trace.runs)
            for run, topic in zip(trace.runs, ("ice cream", "dogs"), strict=True):
                assert trace.steps(run.number) == [0, 1, 2]
                assert trace.state_at(2, run.number) == {
                    "topic": f"{topic} and cats", "joke": f"a joke about {topic} and cats"}
            names = [n["name"] for n in trace.topology["nodes"]]
            assert names == ["__start__", "refine", "joke", "__end__"]

    def test_failing_program_still_finishes_the_trace(self, tmp_path: Path) -> None:
        path = tmp_path / "fail.stepscope"
        program = PROGRAM + "\nraise SystemExit('bye')\n"
        done = _run(str(path), "x", program=program)
        assert done.returncode == 1 and "bye" in done.stderr
        with tracer.open_trace(path) as trace:
            assert trace.finished and trace.steps(0) == [0, 1, 2]

    def test_no_run_no_trace_file_needed(self, tmp_path: Path) -> None:
        """A program that never runs a graph is left alone."""
        path = tmp_path / "never.stepscope"
        done = _run(str(path))
        assert done.returncode == 0, done.stderr
        assert not path.exists() or tracer.open_trace(path).runs == []

    def test_unwritable_path_warns_once(self, tmp_path: Path) -> None:
        path = tmp_path / "no" / "such" / "dir" / "t.stepscope"
        done = _run(str(path), "a", "b")
        assert done.returncode == 0
        assert done.stdout.splitlines() == ["a joke about a and cats", "a joke about b and cats"]
        warnings = [line for line in done.stderr.splitlines() if str(path) in line]
        assert len(warnings) == 1 and "cannot create" in warnings[0]
        assert not path.exists()
