"""`imgmod worker`: an RQ worker on the hide queue."""
from __future__ import annotations

from rq import Worker

from config import Settings
from service.connections import connect
from workers.queue import hide_queue


def run_worker(settings: Settings, burst: bool = False) -> None:
    # Blocking dequeues wait for minutes, so this client has no command time-out.
    connection = connect(settings.redis_url, decode=False, command_timeout=None)
    worker = Worker([hide_queue(connection)], connection=connection)
    # The scheduler moves retried jobs back onto the queue after their back-off.
    worker.work(burst=burst, with_scheduler=True, logging_level=settings.log_level)
