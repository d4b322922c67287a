"""Every way to call stepscope wrongly: a one-line message, the right status, no traceback."""

from __future__ import annotations

from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.cli.graph_sources import SAMPLES
from tests.cli.runner import Cli
from tracer import TraceWriter


def assert_fails(result: CompletedProcess[str], status: int, *fragments: str) -> None:
    """Exit `status`, no traceback, and a last stderr line naming the problem."""
    assert result.returncode == status, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    for fragment in fragments:
        assert fragment in last, (fragment, last)


class TestBadArguments:
    """Argument errors exit 2 (argparse's and our own checks alike)."""

    @pytest.mark.parametrize("args", [
        (), ("bogus",), ("run",), ("inspect",), ("export", "x.stepscope"),
    ])
    def test_usage_errors(self, cli: Cli, args: tuple[str, ...]) -> None:
        """Missing or unknown commands and arguments exit 2."""
        result = cli(*args)
        assert result.returncode == 2 and "Traceback" not in result.stderr

    def test_unknown_format(self, cli: Cli) -> None:
        """--format xml is refused by name."""
        assert_fails(cli("export", "x.stepscope", "--format", "xml"), 2, "invalid choice: 'xml'")

    def test_bad_input_json(self, cli: Cli) -> None:
        """--input that is not JSON says so before anything runs."""
        result = cli("run", SAMPLES / "joke_poem.py", "--input", "{nope")
        assert_fails(result, 2, "stepscope: run: --input: invalid JSON")

    def test_missing_input_file(self, cli: Cli) -> None:
        """--input @file that does not exist says which file."""
        result = cli("run", SAMPLES / "joke_poem.py", "--input", "@missing.json")
        assert_fails(result, 2, "--input @missing.json: no such file")

    def test_unwritable_output(self, cli: Cli, tmp_path: Path) -> None:
        """An -o in a folder that does not exist fails before the graph runs."""
        result = cli("run", SAMPLES / "joke_poem.py", "-o", "no/such/dir/t.stepscope")
        assert_fails(result, 2, "cannot write the trace", "No such file or directory")


class TestBadTargets:
    """A TARGET that cannot be loaded exits 2 with `cannot load TARGET '…': why`."""

    @pytest.mark.parametrize(("target", "source", "why"), [
        ("x.py", None, "no such file"),
        ("no_such_pkg.mod", None, "no such file or module"),
        ("m.py:nothing", "graph = None\n", "the module has no attribute 'nothing'"),
        ("m.py:value", "value = 3\n", "'value' is not a compiled graph (got int)"),
        ("m.py", "raise ValueError('broken on purpose')\n",
         "raised on import: ValueError: broken on purpose"),
        ("m.py", "def graph(:\n", "raised on import: SyntaxError"),
        ("m.py", "def graph():\n    raise KeyError('k')\n", "calling graph() raised KeyError"),
    ])
    def test_unloadable(self, cli: Cli, tmp_path: Path, target: str, source: str | None,
                        why: str) -> None:
        """Each failure names the TARGET and the reason."""
        if source is not None:
            (tmp_path / "m.py").write_text(source)
        assert_fails(cli("run", target), 2, f"stepscope: cannot load TARGET '{target}': {why}")
        assert not list(tmp_path.glob("*.stepscope"))


class TestBadTraces:
    """inspect and export refuse what is not a readable trace, with status 1."""

    @pytest.mark.parametrize("command", [("inspect",), ("inspect", "--json"),
                                         ("export", "-f", "jsonl"), ("export", "-f", "chrome")])
    @pytest.mark.parametrize(("content", "why"), [
        (None, "no such file"),
        (b"", "is empty: not a stepscope trace"),
        (b"hello, world\n", "is not a stepscope trace"),
    ])
    def test_not_a_trace(self, cli: Cli, tmp_path: Path, command: tuple[str, ...],
                         content: bytes | None, why: str) -> None:
        """Missing, empty and foreign files each get a clear one-line reason."""
        if content is not None:
            (tmp_path / "t.stepscope").write_bytes(content)
        name = command[0]
        assert_fails(cli(name, "t.stepscope", *command[1:]), 1, f"stepscope: {name}:", why)

    def test_trace_without_runs(self, cli: Cli, tmp_path: Path) -> None:
        """A trace holding a header but no run is refused by both commands."""
        TraceWriter(tmp_path / "t.stepscope").close()
        assert_fails(cli("inspect", "t.stepscope"), 1, "holds no readable run")
        assert_fails(cli("export", "t.stepscope", "-f", "jsonl"), 1, "holds no readable run")

    def test_directory(self, cli: Cli, tmp_path: Path) -> None:
        """A directory is not a trace."""
        assert_fails(cli("inspect", tmp_path), 1, "is a directory")


class TestDemo:
    """`stepscope demo` records the joke ∥ poem sample (the TUI needs a terminal)."""

    def test_demo_without_a_terminal(self, cli: Cli, tmp_path: Path) -> None:
        """Without a terminal it prints the `inspect` summary of the trace it recorded."""
        out = tmp_path / "demo.stepscope"
        result = cli("demo", "-o", out)
        assert result.returncode == 0, result.stderr
        assert out.stat().st_size > 0
        assert "joke-poem" in result.stdout and "write_poem" in result.stdout
