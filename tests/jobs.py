"""Job functions that only tests enqueue: slow ones, to catch a worker in the middle of a job."""
from __future__ import annotations

import os
import time

from rq import get_current_job

from workers.jobs import hide_image


def slow(seconds: float, done_key: str) -> str:
    """Sleep, then leave a mark in Redis: the mark proves the job ran to its end."""
    time.sleep(seconds)
    get_current_job().connection.set(done_key, "done")
    return "done"


def slow_hide(image_id: str, generation: str, seconds: float) -> bool:
    """The real hide, reached only after a pause in which the worker can be killed."""
    time.sleep(seconds)
    return hide_image(image_id, generation)


def wait_for_file(path: str) -> str:
    """Run until the test creates `path`: a job in hand for exactly as long as the test needs one."""
    while not os.path.exists(path):
        time.sleep(0.02)  # polling for the test's signal
    return "done"
