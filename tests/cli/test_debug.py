"""`stepscope debug`'s argument errors: one line each, the right exit status, no file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.runner import ROOT, run_cli

SUBGRAPH = ROOT / "sample_graphs" / "subgraph.py"


@pytest.mark.parametrize(("args", "status", "message"), [
    (("--break", "nope"), 2, "debug: --break 'nope': no node 'nope' in graph 'parent' "
                             "(nodes: node_1, node_2, node_2/subgraph_node_1, "
                             "node_2/subgraph_node_2)"),
    (("--break", "if:state["), 2, "debug: --break 'if:state[': if: not a Python expression"),
    (("--break", "change:bar"), 2, "no channel 'bar' in the state (channels: foo)"),
    (("--break", "token:(("), 2, "token: not a regular expression"),
    (("--input", "{bad"), 2, "debug: --input: invalid JSON"),
    (("--replay", "missing.stepscope"), 1, "debug: --replay missing.stepscope:"),
    (("--input", "[1, 2]"), 2, "debug: --input: the graph's input is an object of its "
                               "state keys (foo), not list [1, 2]"),
])
def test_bad_arguments(tmp_path: Path, args: tuple[str, ...], status: int,
                       message: str) -> None:
    result = run_cli("debug", SUBGRAPH, "-o", tmp_path / "out.stepscope", *args, cwd=tmp_path)
    assert result.returncode == status, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.stepscope").exists()


def test_replay_of_a_file_that_is_not_a_trace(tmp_path: Path) -> None:
    junk = tmp_path / "junk.stepscope"
    junk.write_text("hello")
    result = run_cli("debug", SUBGRAPH, "--replay", junk, cwd=tmp_path)
    assert result.returncode == 1
    assert "not a stepscope trace" in result.stderr
    assert junk.read_text() == "hello"  # untouched


def test_unloadable_target(tmp_path: Path) -> None:
    result = run_cli("debug", tmp_path / "nope.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot load TARGET" in result.stderr and "no such file" in result.stderr


def test_replay_of_another_graphs_trace_is_refused_at_once(tmp_path: Path) -> None:
    """A trace of topic_joke given to debug subgraph.py: said at start, not at fork."""
    other = tmp_path / "other.stepscope"
    made = run_cli("run", ROOT / "sample_graphs" / "topic_joke.py", "-o", other, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    result = run_cli("debug", SUBGRAPH, "--replay", other, cwd=tmp_path)
    assert result.returncode == 2
    assert ("recorded from another graph (nodes generate_joke, refine_topic), not "
            "TARGET's (nodes node_1, node_2)") in result.stderr


@pytest.mark.parametrize("command", ["run", "debug"])
def test_an_empty_output_path_is_refused(command: str, tmp_path: Path) -> None:
    result = run_cli(command, SUBGRAPH, "-o", "", cwd=tmp_path)
    assert result.returncode == 2
    assert f"{command}: -o: an empty path" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no default-named trace either
