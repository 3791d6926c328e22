"""`imgmod worker`: two RQ workers, one per queue, that also reconcile what a crash left behind.

Hides run in the `imgmod worker` process itself (RQ's SimpleWorker): a hide is one Lua call on ids,
with no untrusted input, and forking for it cost more than the hide (about 20 ms, up to 80 ms, of a
50 ms latency target). Follow-ups fetch untrusted images into Pillow and call other sites' servers:
a second process runs RQ's forking Worker on their queue, so that a crash or a leak there cannot take
a worker down, and a slow placeholder fetch never holds up a hide.

Each worker listens on one queue, so RQ itself moves every job it takes into that queue's
intermediate list until the job's start is recorded (BLMOVE): a job taken by a worker that then died,
or whose Redis failed over before the start reached the replica, is found there and run again.

What RQ does not do for imgmod is added by the small mixins of workers/mixins.py, one reason each.
"""
from __future__ import annotations

import contextlib
import logging
import os
import signal
import time

from redis.exceptions import RedisError
from rq import SimpleWorker, Worker
from rq.exceptions import StopRequested
from rq.worker import SHUTDOWN_SIGNAL

from config import Settings
from service.core import followups
from service.core.connections import client_for
from service.core.queue import followup_queue, hide_queue
from service.core.services import Services, build_services
from workers.mixins import ImgmodWorkerMixin, Stopping, end_with_parent

log = logging.getLogger("imgmod.worker")


class HideWorker(ImgmodWorkerMixin, SimpleWorker):
    """The hide queue, in process (RQ's SimpleWorker): the job runs under RQ's death penalty (SIGALRM,
    which needs the main thread, where the worker's loop runs)."""

    def kill_horse(self, sig=SHUTDOWN_SIGNAL):
        # RQ's stop-job command kills the horse of the job in hand; a hide has none, and RQ says nothing.
        log.warning("a hide runs in the worker process: it cannot be stopped, only waited for")


class FollowupWorker(ImgmodWorkerMixin, Worker):
    """The follow-up queue, each job in a forked work horse (RQ's Worker), its heartbeat renewed by RQ's
    horse monitor every HORSE_HEARTBEAT_SECONDS."""


# Queues in the order `imgmod worker --burst` empties them: hides first, then the follow-ups they queued.
ROLES = ((HideWorker, hide_queue), (FollowupWorker, followup_queue))


def run_worker(settings: Settings, burst: bool = False) -> None:
    stopping = Stopping()
    # Between workers (and before the first), a signal only notes the stop: RQ's handlers are installed
    # by each worker's work() and stay after it returns, acting on a worker that is gone (with Redis
    # I/O, or by raising StopRequested wherever this loop happens to be).
    _note_stops(stopping)
    if burst:
        _run_burst(settings, stopping)
        return
    follow_ups = _fork_follow_ups(settings)
    stopping.forward_to = follow_ups
    signal.signal(signal.SIGCHLD, lambda signum, frame: _note_follow_ups_ended(follow_ups, stopping))
    try:
        _run_role(HideWorker, hide_queue, settings, stopping)
    except SystemExit:  # RQ's cold stop (a second SIGTERM): passed on, the follow-up process stops cold too
        stopping.request()
        raise
    finally:
        if not stopping.requested:  # the hide worker failed: the follow-ups stop (warm) with it
            stopping.request()
        _wait_for_follow_ups(follow_ups, stopping)
    if stopping.follow_ups_failed:
        raise SystemExit(1)  # a supervisor starts `imgmod worker` again, follow-ups included


def _fork_follow_ups(settings: Settings) -> int:
    parent = os.getpid()
    # Blocked across the fork: a stop forwarded before the child noted stops would kill it cold.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    pid = os.fork()
    if pid:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
        return pid
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        stopping = Stopping()
        _note_stops(stopping)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
        end_with_parent(parent)  # a SIGKILLed `imgmod worker` takes this one down (warm) too
        _run_role(FollowupWorker, followup_queue, settings, stopping)
        code = 0
    except SystemExit:
        code = 0  # RQ's cold stop (a second stop passed on): asked for, not a failure
    except BaseException:
        log.exception("follow-up worker failed")
    finally:
        logging.shutdown()
        os._exit(code)


def _note_follow_ups_ended(pid: int, stopping: Stopping) -> None:
    # SIGCHLD also comes for the scheduler's process: only the follow-up process is looked at (and reaped).
    if stopping.follow_ups_ended:
        return
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            stopping.follow_ups_ended = True
            if not stopping.requested:  # nothing runs the follow-ups any more: a supervisor should restart
                stopping.follow_ups_failed = True
                log.error("follow-up worker process ended; stopping", extra={"pid": pid})
                # A stop as SIGTERM asks it: an idle RQ worker looks at nothing else between its takes.
                os.kill(os.getpid(), signal.SIGTERM)


def _wait_for_follow_ups(pid: int, stopping: Stopping) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if stopping.follow_ups_ended:
        return
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)  # a warm stop there may wait for the follow-up in hand


def _run_role(worker_class, queue_of, settings: Settings, stopping: Stopping) -> None:
    """One worker after another on one queue, until a stop: RQ's loop quits when Redis goes away in the
    middle of a job or a heartbeat (a failover, a restart), and a new worker starts once Redis answers."""
    services = build_services(settings)
    # Blocking takes wait for a second at most, RQ sets the read time-out (ShortTakes).
    connection = client_for(settings, decode=False, command_timeout=None, sentinel=services.sentinel)
    while not stopping.requested:
        if worker_class is FollowupWorker:
            _recover_follow_ups(services)
        try:
            worker = worker_class([queue_of(connection)], connection=connection, services=services,
                                  schedule=True, stopping=stopping)
        except RedisError as error:  # it names its connection in Redis (CLIENT SETNAME)
            log.warning("worker not started: Redis unavailable", extra={"error": type(error).__name__})
            _wait_for_redis(connection, stopping)
            continue
        _, lost_redis = _work(worker, stopping, burst=False)
        _wait_for_redis(connection, stopping)
        if lost_redis and not stopping.requested:
            _hand_back(worker)


def _run_burst(settings: Settings, stopping: Stopping) -> None:
    """Every queue in turn, in this process, until a round finds nothing: a hide queues follow-ups, and
    a registration queues match decisions on the hide queue."""
    services = build_services(settings)
    connection = client_for(settings, decode=False, command_timeout=None, sentinel=services.sentinel)
    _recover_follow_ups(services)
    worked = True
    while worked and not stopping.requested:
        worked = False
        for worker_class, queue_of in ROLES:
            worker = worker_class([queue_of(connection)], connection=connection, services=services,
                                  stopping=stopping)
            did_work, lost_redis = _work(worker, stopping, burst=True)
            if lost_redis:
                return
            worked = worked or did_work


def _recover_follow_ups(services: Services) -> None:
    try:
        # Follow-ups that a process dying mid-way left behind are queued before any new work.
        followups.recover(services)
    except RedisError as error:  # every reconcile pass recovers them too
        log.warning("recovery skipped: Redis unavailable", extra={"error": type(error).__name__})


def _work(worker: ImgmodWorkerMixin, stopping: Stopping, burst: bool) -> tuple[bool, bool]:
    """RQ's loop for one worker; returns whether it ran a job and whether it quit because Redis went away."""
    log.info("worker started", extra={"worker": worker.name, "queue": worker.queues[0].name, "burst": burst})
    worked = lost_redis = False
    try:
        # The scheduler moves retried jobs back onto the queue after their back-off: a process of its own
        # (ImgmodScheduler, from maintenance), or in a burst one pass at the start (RQ's). Logging is
        # already configured (JSON, IMGMOD_LOG_LEVEL): logging_level=None keeps RQ from installing its own.
        worked = worker.work(burst=burst, with_scheduler=burst, logging_level=None)
    except RedisError as error:
        lost_redis = True
        log.warning("worker lost Redis", extra={"worker": worker.name, "error": type(error).__name__})
    except StopRequested:
        pass  # SIGTERM while RQ tore the worker down: its handler raises this there, and noted the stop
    finally:
        _note_stops(stopping)  # until the next worker's work() installs RQ's handlers again
        _stop_listening(worker)
    log.info("worker stopped", extra={"worker": worker.name})
    return worked, lost_redis


def _hand_back(worker: ImgmodWorkerMixin) -> None:
    # Failing here leaves the jobs to RQ's maintenance (minutes late); a hide lost with its job is
    # hidden by the reconciler, follow-ups lost before they were queued come back from the outbox.
    try:
        handed_back = worker.hand_back()
    except RedisError as error:
        log.warning("jobs in hand not handed back: Redis unavailable", extra={"error": type(error).__name__})
        return
    if handed_back:
        log.warning("jobs in hand when Redis was lost put back", extra={"worker": worker.name, "job_ids": handed_back})


def _stop_listening(worker: ImgmodWorkerMixin) -> None:
    # RQ stops the thread that listens for its commands (stop-job, shutdown) at the end of its teardown,
    # after writes that fail when Redis is away: it would outlive the worker, one more thread per
    # restart, each retrying every 2 s. Stopped here, it ends at its next wake-up.
    if worker.pubsub_thread is not None:
        worker.pubsub_thread.stop(timeout=0)  # redis-py's stop() would wait for that wake-up


def _note_stops(stopping: Stopping) -> None:
    def note(signum, frame):
        stopping.request()
    signal.signal(signal.SIGTERM, note)
    signal.signal(signal.SIGINT, note)


def _wait_for_redis(connection, stopping: Stopping) -> None:
    while not stopping.requested:
        try:
            connection.ping()
            return
        except RedisError:
            time.sleep(1)  # polling a server that is away, not ordering anything
