"""Which workers are alive: a recent heartbeat in Redis; one test for the metric and the healthcheck."""
from __future__ import annotations

import socket
from datetime import timedelta

from rq import Queue, Worker
from rq.utils import now

# RQ's worker key lives WORKER_TTL + 60 s after its last heartbeat; liveness is the heartbeat's age.
# Our workers beat every second when idle (workers/worker.py: each take blocks a second), every
# HORSE_HEARTBEAT_SECONDS while a horse runs a follow-up (RQ's job monitor), and before and after
# each hide (milliseconds, in the worker itself): a worker killed with SIGKILL is counted dead
# within HEARTBEAT_LIMIT, which leaves a loaded machine three missed beats of a follow-up.
WORKER_TTL = 60
HORSE_HEARTBEAT_SECONDS = 10
HEARTBEAT_LIMIT = timedelta(seconds=30)


def live_workers(queue: Queue) -> list[Worker]:
    """Workers on `queue` whose last heartbeat is recent; a SIGKILLed one drops out within HEARTBEAT_LIMIT."""
    limit = now() - HEARTBEAT_LIMIT
    return [worker for worker in Worker.all(queue=queue)
            if worker.last_heartbeat is not None and worker.last_heartbeat >= limit]


def worker_alive_here(queue: Queue, hostname: str | None = None) -> bool:
    """True when a live worker runs on this host (in a container: this container)."""
    hostname = hostname or socket.gethostname()
    return any(worker.hostname == hostname for worker in live_workers(queue))
