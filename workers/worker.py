"""`imgmod worker`: an RQ worker on the hide queue."""
from __future__ import annotations

from rq import Worker

from config import Settings
from service import followups
from service.connections import connect
from service.context import build_services
from workers.queue import followup_queue, hide_queue


def run_worker(settings: Settings, burst: bool = False) -> None:
    # Blocking dequeues wait for minutes, so this client has no command time-out.
    # Follow-ups that a process dying mid-way left behind are queued before any new work.
    followups.recover(build_services(settings))
    connection = connect(settings.redis_url, decode=False, command_timeout=None)
    # Queues in priority order: a hide never waits behind a slow placeholder fetch.
    worker = Worker([hide_queue(connection), followup_queue(connection)], connection=connection)
    # The scheduler moves retried jobs back onto the queue after their back-off.
    worker.work(burst=burst, with_scheduler=True, logging_level=settings.log_level)
