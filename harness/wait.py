"""Waiting for a condition instead of sleeping a guessed time."""
from __future__ import annotations

import subprocess
import time


def wait_until(condition, what: str = "condition", process: subprocess.Popen | None = None,
               seconds: float = 30, every: float = 0.05):
    """Poll `condition` until it returns something true, and return that. Fails at once if `process`
    (the one that should bring the condition about) exits, and after `seconds` in any case."""
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {process.returncode}; see its log")
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {seconds:g} s waiting for {what}")
        time.sleep(every)
    return result
