"""`stepscope run` on an unmodified LangGraph program, in a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("langgraph")

from tests.cli.runner import ROOT, run_cli
from tracer import open_trace
from tracer.langgraph import LangGraphVersionError, check_version

APP = '''
import operator
from typing import Annotated, TypedDict

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph


class S(TypedDict):
    n: int
    log: Annotated[list, operator.add]


def work(s):
    get_stream_writer()({"progress": s["n"]})
    return {"n": s["n"] + 1, "log": [f"work{s['n']}"]}


g = StateGraph(S)
g.add_node("work", work)
g.add_edge(START, "work")
g.add_conditional_edges("work", lambda s: "work" if s["n"] < 3 else END, ["work", END])
graph = g.compile()
inputs = {"n": 0, "log": []}
'''


@pytest.fixture
def app(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


@pytest.mark.parametrize("engine", ["langgraph", "stepscope"])
def test_run_records_the_program(app: Path, engine: str) -> None:
    """On real LangGraph (the default) and on stepscope's engine (an import alias), the
    same file runs and its trace holds the three work steps and their state."""
    result = run_cli("run", "app.py", "-o", "t.stepscope", "--engine", engine,
                     "--input", '{"n": 1, "log": []}', cwd=app)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].startswith("done · ")
    with open_trace(app / "t.stepscope") as trace:
        version = trace.run_start.data["engine_version"]
        assert version.startswith("langgraph 1.2.") == (engine == "langgraph")
        assert trace.steps() == [0, 1, 2]
        assert trace.state_at(2) == {"n": 3, "log": ["work1", "work2"]}
        assert [e.data["payload"] for e in trace.events({"custom"})] == [
            {"progress": 1}, {"progress": 2}]


def test_missing_langgraph_says_how_to_install(app: Path) -> None:
    """Without LangGraph, the message names the extra to install and --engine."""
    shadow = app / "shadow"
    shadow.mkdir()
    # Stands in for an environment without LangGraph: importing it fails as it would.
    (shadow / "langgraph.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'langgraph'\", name='langgraph')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(shadow), str(ROOT)])}
    env.pop("STEPSCOPE_TRACE", None)
    result = subprocess.run([sys.executable, "-m", "tui.cli", "run", "app.py", "-o",
                             "t.stepscope"], cwd=app, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "pip install 'stepscope[langgraph]'" in result.stderr
    assert "--engine stepscope" in result.stderr
    assert not (app / "t.stepscope").exists()


def test_version_check() -> None:
    assert check_version("1.2.22") == "1.2.22"
    for other in ("1.3.0", "0.6.4", "2.0.0"):
        with pytest.raises(LangGraphVersionError, match=r"records LangGraph 1\.2\.x"):
            check_version(other)


def _python(app: Path, *args: str, trace: Path | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("STEPSCOPE_TRACE", "PYTHONPATH")}
    if trace is not None:
        env["STEPSCOPE_TRACE"] = str(trace)
    return subprocess.run([sys.executable, *args], cwd=app, env=env, capture_output=True,
                          text=True, timeout=60)


def test_stepscope_trace_records_a_plain_python_run(app: Path) -> None:
    """`STEPSCOPE_TRACE=t.stepscope python app.py` on a LangGraph program records it: the
    installed stepscope-trace.pth starts the hook, nothing in the program changes."""
    (app / "main.py").write_text(
        "from app import graph, inputs\nprint(graph.invoke({'n': 1, 'log': []}))\n")
    trace = app / "t.stepscope"
    result = _python(app, "main.py", trace=trace)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'n': 3, 'log': ['work1', 'work2']}"
    assert result.stderr == ""
    with open_trace(trace) as recorded:
        assert recorded.run_start.data["engine_version"].startswith("langgraph 1.2.")
        assert recorded.steps() == [0, 1, 2]
        assert recorded.state_at(2) == {"n": 3, "log": ["work1", "work2"]}


def test_the_startup_hook_costs_nothing_unset(app: Path) -> None:
    """Without STEPSCOPE_TRACE the .pth line imports nothing of stepscope's."""
    probe = "import sys; print(sorted(m for m in ('tracer', 'engine', 'tui') if m in sys.modules))"
    result = _python(app, "-c", probe, trace=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    result = _python(app, "-c", probe, trace=app / "unused.stepscope")
    assert result.stdout.strip() == "['engine', 'tracer']"  # armed, waiting for LangGraph
    assert not (app / "unused.stepscope").exists()  # no run, no file


def test_a_run_killed_midway_keeps_its_finished_steps(app: Path) -> None:
    """SIGKILL in the middle of a LangGraph run (in a slow step, as when a model call
    hangs): the trace opens, unfinished, with every step that completed before the
    kill and its state. (The writer flushes on a timer, ~0.1 s: a kill within that
    time of a step's end may lose that step, never a wrong state.)"""
    (app / "main.py").write_text(
        "import os, signal, time\n"
        "from langgraph.graph import START, StateGraph\n"
        "from app import S, work\n"
        "def killer(s):\n"
        "    if s['n'] >= 3:\n"
        "        time.sleep(0.6)\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return work(s)\n"
        "g = StateGraph(S)\n"
        "g.add_node('work', killer)\n"
        "g.add_edge(START, 'work')\n"
        "g.add_edge('work', 'work')\n"
        "g.compile().invoke({'n': 0, 'log': []}, {'recursion_limit': 50})\n")
    trace = app / "k.stepscope"
    result = _python(app, "main.py", trace=trace)
    assert result.returncode == -9
    with open_trace(trace) as recorded:
        assert not recorded.finished
        steps = recorded.steps()
        assert steps[:4] == [0, 1, 2, 3]
        assert recorded.state_at(3) == {"n": 3, "log": ["work0", "work1", "work2"]}
