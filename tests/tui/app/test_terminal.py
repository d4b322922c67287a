"""`stepscope view` in a real terminal (tmux), and the CLI's view/demo commands."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.cli.runner import run_cli
from tests.tracer.child_process import child_env

TMUX = shutil.which("tmux")


class Tmux:
    """One detached tmux session running a command; read with `screen()`."""

    def __init__(self, command: str, cwd: Path) -> None:
        assert TMUX is not None  # the tests using this skip without tmux
        self.tmux = TMUX
        self.name = f"stepscope-test-{uuid.uuid4().hex[:8]}"
        env = child_env(TERM="xterm-256color")
        subprocess.run([self.tmux, "new-session", "-d", "-s", self.name, "-x", "120", "-y", "36",
                        "-c", str(cwd), command], check=True, env=env)

    def screen(self) -> str:
        out = subprocess.run([self.tmux, "capture-pane", "-p", "-t", self.name],
                             capture_output=True, text=True)
        return out.stdout

    def keys(self, *keys: str) -> None:
        subprocess.run([self.tmux, "send-keys", "-t", self.name, *keys], check=True)

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen()}")

    def quit(self, key: str = "q", timeout: float = 10.0) -> None:
        """Press `key` and wait for the program (and so the session) to end."""
        self.keys(key)
        deadline = time.monotonic() + timeout
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not self.alive(), "the program did not quit"

    def alive(self) -> bool:
        return subprocess.run([self.tmux, "has-session", "-t", self.name],
                              capture_output=True).returncode == 0

    def close(self) -> None:
        if self.alive():
            subprocess.run([self.tmux, "kill-session", "-t", self.name], capture_output=True)


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
class TestInTmux:
    """The app draws in a real terminal and answers keys."""

    def test_view_keys_and_quit(self, agent_trace: Path, tmp_path: Path) -> None:
        command = f"{sys.executable} -m tui.cli view {agent_trace}"
        session = Tmux(command, tmp_path)
        try:
            screen = session.wait_for("agent.stepscope")
            session.wait_for("step 0 (1/6)")
            screen = session.screen()
            assert "Graph" in screen and "State" in screen and "Events" in screen
            assert "agent" in screen and "◆1" in screen
            session.keys("l", "l")
            session.wait_for("step 2 (3/6)")
            session.keys("?")
            session.wait_for("stepscope keys")
            session.keys("?")  # closes help (a lone Escape would merge with the next key)
            session.keys("end")
            session.wait_for("step 5 (6/6)")
            session.quit()
        finally:
            session.close()

    def test_bad_file_message(self, tmp_path: Path) -> None:
        """A file that is not a trace: the CLI says why and exits 1, no UI opens."""
        path = tmp_path / "junk.stepscope"
        path.write_text("hello")
        session = Tmux(f"{sys.executable} -m tui.cli view {path}; echo EXIT=$?; sleep 30",
                       tmp_path)
        try:
            screen = session.wait_for("EXIT=1")
            said = screen.replace("\n", "")  # the message wraps at the pane's width
            assert "view: " in said and "not a stepscope trace (wrong magic)" in said
            assert "Traceback" not in screen and "Graph" not in screen
        finally:
            session.close()


class TestViewCommand:
    """The CLI knows `view`; `demo` records the sample (tested in tests/cli too)."""

    def test_view_help(self, tmp_path: Path) -> None:
        result = run_cli("view", "--help", cwd=tmp_path)
        assert result.returncode == 0 and "--follow" in result.stdout

    def test_demo_prints_inspect_without_a_terminal(self, tmp_path: Path) -> None:
        result = run_cli("demo", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "recording joke ∥ poem into" in result.stdout
        trace = result.stdout.split("into ", 1)[1].split(" …", 1)[0]
        assert os.path.exists(trace) and "joke-poem" in result.stdout
        os.remove(trace)
