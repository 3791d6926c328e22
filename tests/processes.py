"""Real imgmod processes for the operations tests: `imgmod serve` (gunicorn) and `imgmod worker`,
with their JSON logs kept in files the tests read."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from config import Settings
from harness.redis_server import free_port
from harness.wait import wait_until
from tests.conftest import worker_env

ROOT = Path(__file__).resolve().parent.parent


def imgmod_env(settings: Settings, **extra: str) -> dict:
    """The environment of a real `imgmod` process configured like `settings`, plus `extra`."""
    env = worker_env(settings)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # `imgmod serve` makes its own
    env.update(extra)
    return env


def json_lines(path: Path) -> list[dict]:
    """Every line of a log file, each of which must be one JSON object. Lines end at \\n alone, as JSON
    Lines says: str.splitlines() would also cut at U+0085 or U+2028, which a logged path may hold."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def job_lines(process: Process) -> list[dict]:
    """The worker's own line per job run (workers/worker.py), in order."""
    return [line for line in process.lines() if line.get("logger") == "imgmod.worker" and line["message"] == "job"]



class Process:
    """One imgmod command in its own session (so it can be killed with all its children), logging to a file."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log
        self._file = log.open("w")
        self.popen = subprocess.Popen([sys.executable, "-m", "service.cli", *args], env=env, cwd=ROOT,
                                      stdout=self._file, stderr=subprocess.STDOUT, start_new_session=True)

    def lines(self) -> list[dict]:
        return json_lines(self.log)

    def terminate(self, timeout: float = 30) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill_all(self) -> None:
        """SIGKILL the process and everything it started: the worker, its work horse, its scheduler."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.wait(10)

    def wait(self, timeout: float = 30) -> int:
        try:
            return self.popen.wait(timeout=timeout)
        finally:
            self._file.close()


class Served(Process):
    """`imgmod serve --workers N` on a free port."""

    def __init__(self, env: dict, log: Path, workers: int = 2):
        self.base = f"http://127.0.0.1:{free_port()}"
        super().__init__(["serve", "--bind", self.base.removeprefix("http://"), "--workers", str(workers)], env, log)
        wait_until(self._up, what="imgmod serve to answer")

    def _up(self) -> bool:
        assert self.popen.poll() is None, self.log.read_text()
        try:
            return requests.get(f"{self.base}/healthz", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False
