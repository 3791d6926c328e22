"""Which workers are alive: a recent heartbeat in Redis; one test for the metric and the healthcheck."""
from __future__ import annotations

import socket
from datetime import timedelta

from rq import Queue, Worker
from rq.utils import now

# RQ's worker key lives WORKER_TTL + 60 s after its last heartbeat. Our workers beat at least every
# 45 s when idle (see ImgmodWorker.dequeue_timeout), every 30 s while a horse runs a follow-up (RQ's
# job monitor), and before and after each hide, which runs in the worker for at most HIDE_TIMEOUT.
WORKER_TTL = 60
HEARTBEAT_LIMIT = timedelta(seconds=WORKER_TTL + 30)


def live_workers(queue: Queue) -> list[Worker]:
    """Workers on `queue` whose last heartbeat is recent; a SIGKILLed one drops out within HEARTBEAT_LIMIT."""
    limit = now() - HEARTBEAT_LIMIT
    return [worker for worker in Worker.all(queue=queue)
            if worker.last_heartbeat is not None and worker.last_heartbeat >= limit]


def worker_alive_here(queue: Queue, hostname: str | None = None) -> bool:
    """True when a live worker runs on this host (in a container: this container)."""
    hostname = hostname or socket.gethostname()
    return any(worker.hostname == hostname for worker in live_workers(queue))
