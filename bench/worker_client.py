"""Client side of `bench.engine_worker`: a worker subprocess driven by JSON lines.

A request that gets no reply within its timeout (a hung or crashed engine) kills that worker
and marks it dead; later requests to it answer with an error at once.
"""

from __future__ import annotations

import json
import queue
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def worker_command(python: str | Path, mode: str, engine: str, *extra: str) -> list[str]:
    return [str(python), "-m", "bench.engine_worker", mode, "--engine", engine, *extra]


class WorkerProcess:
    """One `serve` worker for one engine."""

    def __init__(self, engine: str, python: str | Path) -> None:
        self.engine = engine
        self.python = python
        self.dead_reason: str | None = None
        self._stderr = tempfile.TemporaryFile(mode="w+")
        self._proc = subprocess.Popen(
            worker_command(python, "serve", engine),
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self._replies: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read_replies, daemon=True).start()

    def _read_replies(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._replies.put(line)
        self._replies.put(None)

    def stderr_tail(self, lines: int = 5) -> str:
        self._stderr.seek(0)
        return " | ".join(self._stderr.read().strip().splitlines()[-lines:])

    def request(self, payload: dict[str, Any], timeout: float = 120.0) -> dict[str, Any]:
        """Send one request and wait for its reply (an {"error": ...} dict on failure)."""
        if self.dead_reason is not None:
            return {"error": f"worker dead: {self.dead_reason}"}
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(json.dumps(payload) + "\n")
            self._proc.stdin.flush()
            line = self._replies.get(timeout=timeout)
        except (BrokenPipeError, OSError) as exc:
            line, reason = None, f"pipe closed ({exc})"
        except queue.Empty:
            line, reason = None, f"hung: no reply to {payload.get('cmd')} in {timeout:.0f} s"
        else:
            reason = "worker exited"
        if line is None:
            tail = self.stderr_tail()
            self.dead_reason = f"{reason}; stderr: {tail}" if tail else reason
            self._proc.kill()
            return {"error": f"worker dead: {self.dead_reason}"}
        return json.loads(line)

    def restarted(self) -> WorkerProcess:
        """This worker if alive, else a fresh one for the same engine (the old one closed)."""
        if self.dead_reason is None:
            return self
        self.close()
        return WorkerProcess(self.engine, self.python)

    def close(self) -> None:
        if self.dead_reason is None and self._proc.poll() is None:
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self._proc.stdin.close()
                self._proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
        self._proc.wait()
        self._stderr.close()


def run_memory_worker(python: str | Path, engine: str, steps: int, timeout: float) -> dict:
    """Run the one-shot tracemalloc measurement in a fresh process."""
    command = worker_command(python, "memory", engine, "--steps", str(steps))
    try:
        done = subprocess.run(
            command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"engine": engine, "error": f"timed out after {timeout:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        return {"engine": engine, "error": f"exit {done.returncode}: {tail}"}
    return json.loads(lines[-1])
