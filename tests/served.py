"""The real `imgmod serve` (gunicorn) as a subprocess on a free port, for tests that need its processes."""
from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import tempfile
import time
from typing import Iterator

import requests

from harness.redis_server import free_port

START_SECONDS = 30


def wait_until_healthy(base: str, process: subprocess.Popen, seconds: float) -> bool:
    """Poll /healthz until it answers 200; False if the process exits or time runs out first."""
    deadline = time.monotonic() + seconds
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return True
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    return False


@contextlib.contextmanager
def imgmod_serve(env: dict, workers: int = 2) -> Iterator[str]:
    """Yield the base URL once /healthz answers; SIGTERM (gunicorn's graceful stop) afterwards."""
    port = free_port()
    log = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a chatty server never blocks on it
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_healthy(base, process, START_SECONDS):
            log.seek(0)
            raise RuntimeError(f"imgmod serve did not come up:\n{log.read()}")
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
