"""What imgmod adds to RQ's workers, one small mixin per reason (each class says its own), and the
parts the `imgmod worker` process shares with them: its stop (Stopping) and its scheduler."""
from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from rq.exceptions import InvalidJobOperation, NoSuchJobError, StopRequested
from rq.job import Job, JobStatus
from rq.queue import Queue
from rq.scheduler import RQScheduler

from service.core import logs
from service.core.liveness import HORSE_HEARTBEAT_SECONDS, WORKER_TTL
from service.core.services import Services
from service.core.stats import record_job_failure
# Imported once, here before the follow-up process is forked: hides run in this process, and each
# work horse forked for a follow-up inherits the module and its dependencies (requests, Pillow)
# instead of importing them for every job, about 0.2 s each.
from workers import jobs
from workers.reconcile import reconcile

log = logging.getLogger("imgmod.worker")

# An idle worker's take blocks this long: its heartbeat is renewed as often (liveness counts a
# worker dead after 30 s without one), and a stop or a master gone is noticed within it.
TAKE_BLOCKS_SECONDS = 1
# How much longer than a take blocks its reply may take to come (a loaded Redis, a slow link).
BLOCKING_READ_MARGIN_SECONDS = 4
# How long RQ's command listener waits for a message before it looks whether it was told to stop.
LISTENER_WAKES_SECONDS = 1
# How long the listener waits before reading again once Redis is away (RQ's own wait).
LISTENER_RETRY_SECONDS = 2
PR_SET_PDEATHSIG = 1  # prctl(2)


class Stopping:
    """SIGTERM or SIGINT came. Set from signal handlers, so a plain attribute: a handler that took a lock
    (threading.Event's) which the code it interrupted holds would never return.

    In the `imgmod worker` process, each stop asked is passed on to the follow-up process (`forward_to`):
    a container's SIGTERM reaches its first process only."""

    def __init__(self):
        self.requested = False
        self.forward_to: int | None = None
        self.follow_ups_ended = False
        self.follow_ups_failed = False  # that process ended before any stop: this one stops too, and fails

    def request(self) -> None:
        self.requested = True
        if self.forward_to is not None and not self.follow_ups_ended:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.forward_to, signal.SIGTERM)


class ImgmodScheduler(RQScheduler):
    """RQ's scheduler (it moves retried jobs back onto their queue after their back-off), ending
    quietly when Redis goes away: RQ's own re-raises, and its process then prints a plain-text
    traceback among the JSON log lines. The worker starts it again on its next maintenance turn.

    Its process ends with the worker's: a worker killed with SIGKILL used to leave it running,
    holding the scheduler lock that the next worker then waited for."""

    def start(self):
        self.parent_pid = os.getpid()
        return super().start()

    def work(self):
        # The fork inherited the worker's stop handlers, and RQ installs the scheduler's own only in
        # work(): a stop before that (end_with_parent's, the worker having died meanwhile) went to the
        # worker's handlers, and the orphaned scheduler ran on, holding its lock.
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        end_with_parent(self.parent_pid)
        try:
            super().work()
        except RedisError as error:
            self.log.warning("scheduler stopped: Redis unavailable", extra={"error": type(error).__name__})


def end_with_parent(parent_pid: int) -> None:
    """SIGTERM this process when its parent dies (Linux's PR_SET_PDEATHSIG); elsewhere nothing."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent_pid:  # it died before the call: no signal will come
        os.kill(os.getpid(), signal.SIGTERM)


class ImgmodJobs:
    """Each job runs with the worker's services and its request's id, and ends in one JSON log line;
    each failed run is counted in the stats the metrics read (an exception handler)."""

    services: Services

    def perform_job(self, job: Job, queue: Queue, execution) -> bool:
        request_token = logs.request_id_var.set(job.meta.get("request_id"))
        job_token = logs.job_id_var.set(job.id)
        started = time.perf_counter()
        try:
            with jobs.running_with(self.services):
                return super().perform_job(job, queue, execution)
        finally:
            status = job.get_status(refresh=False)
            log.log(logging.INFO if status == "finished" else logging.WARNING, "job", extra={
                "func": job.func_name, "description": job.description, "status": status, "queue": queue.name,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2), "retries_left": job.retries_left,
            })
            logs.job_id_var.reset(job_token)
            logs.request_id_var.reset(request_token)

    def count_failure(self, job: Job, *exc_info):
        # Called for each failed run, before RQ decides on a retry: retries_left still counts this one.
        try:
            record_job_failure(self.services.store, retried=job.should_retry)
        except RedisError:
            pass  # the failure itself is in RQ's registry; only the counter misses one
        return True  # let RQ's other handlers run


class ShortTakes:
    """A take blocks TAKE_BLOCKS_SECONDS, and a reply is waited for only a little longer.

    RQ blocks 45 s (worker_ttl - 15) and reads with a time-out of that plus 10 s: an idle worker's
    heartbeat would be older than liveness allows, maintenance (the reconciler) would wait, and a
    master that stops answering without closing (frozen, cut off) held a warm shutdown 12 to 21 s."""

    services: Services

    @property
    def dequeue_timeout(self) -> int:
        # RQ runs its maintenance between takes: wake at least once per reconcile interval.
        return min(TAKE_BLOCKS_SECONDS, self.services.settings.reconcile_interval_seconds)

    @property
    def connection_timeout(self) -> int:
        return TAKE_BLOCKS_SECONDS + BLOCKING_READ_MARGIN_SECONDS


class Stops:
    """One stop for every worker the process runs, one after another (a new one once Redis is back):
    a stop asked of one, or between two, is one for all of them; and a warm stop stays warm with Redis
    away."""

    stopping: Stopping

    def request_stop(self, signum, frame):
        self.stopping.request()
        try:
            super().request_stop(signum, frame)
        except RedisError as error:
            # With a job in hand, RQ's handler writes the request's date to Redis before it returns, and
            # it has already noted the stop: Redis away must not turn a warm shutdown into a crash.
            log.warning("shutdown request not recorded: Redis unavailable", extra={"error": type(error).__name__})

    def check_for_suspension(self, burst: bool):
        # RQ looks here before each take. A stop that came before this worker's handlers were installed
        # (by work(), after registering) was only noted: honour it before taking a job.
        if self.stopping.requested:
            raise StopRequested()
        super().check_for_suspension(burst)


class QuickCommandListener:
    """RQ's thread listening for commands (stop-job, shutdown) wakes every LISTENER_WAKES_SECONDS.

    RQ's wakes every 60 s, and its teardown waits for it: a thread that read the UNSUBSCRIBE's reply
    before it was told to stop waited 60 s for a subscription that never came, and an idle burst worker
    took 60 s to end. Redis away, the thread waits and reads again, as RQ's does, without RQ's
    plain-text traceback of any other error among the JSON lines."""

    def subscribe(self):
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(sleep_time=LISTENER_WAKES_SECONDS, daemon=True,
                                                       exception_handler=_listener_failed)


def _listener_failed(error, pubsub, thread) -> None:
    # RQ's logger, as RQ's handler: the thread may still be retrying after the worker's last line.
    rq_log = logging.getLogger("rq.worker")
    if isinstance(error, RedisConnectionError):
        rq_log.warning("command listener: Redis unavailable, reading again", extra={"error": type(error).__name__})
        time.sleep(LISTENER_RETRY_SECONDS)  # polling a server that is away, not ordering anything
        return
    rq_log.warning("command listener stopped", extra={"error": type(error).__name__})
    thread.stop(timeout=0)


class Maintenance:
    """At start and every reconcile interval, in RQ's maintenance turn: a reconcile pass, this worker's
    registration made again if Redis lost it (a restart without data), and a scheduler (ImgmodScheduler)
    started if none runs. Redis away skips the turn instead of stopping the worker."""

    services: Services
    schedule: bool

    def run_maintenance_tasks(self):
        try:
            self.register_again_if_lost()
            super().run_maintenance_tasks()  # RQ's: registries cleaned, a dead scheduler started again
            if self.schedule and self.scheduler is None:
                self.scheduler = ImgmodScheduler(self.queues, connection=self.connection,
                                                 logging_level=logging.getLogger("rq").getEffectiveLevel())
                self.scheduler.acquire_locks(auto_start=True)
            reconcile(self.services)
        except RedisError as error:
            # RQ's loop would stop the worker on an error here; Redis coming back is enough to retry.
            log.warning("maintenance skipped: Redis unavailable", extra={"error": type(error).__name__})

    def register_again_if_lost(self) -> None:
        """Redis restarted without its data: this worker's key and its place in RQ's worker sets are
        gone (a heartbeat brings back the key alone, without 'birth'), so `imgmod worker --check` and
        the metrics would count it dead while it works. RQ registers a worker once, at start."""
        if self.birth_date is None or self.connection.hexists(self.key, "birth"):
            return
        self.connection.delete(self.key)
        self.register_birth()
        log.warning("worker registered again: Redis had lost its registration", extra={"worker": self.name})


class HandsBack:
    """The jobs in hand when Redis went away are put back as soon as it answers again (hand_back).

    RQ's maintenance would do it only once the execution's heartbeat expired or the job had sat a
    minute in the intermediate list: a webhook in hand at a failover came minutes late."""

    taken: tuple[Job, Queue] | None = None

    def dequeue_job_and_maintain_ttl(self, *args, **kwargs):
        # RQ keeps no note of a job taken but not yet started, and Redis may be gone before its start is.
        self.taken = super().dequeue_job_and_maintain_ttl(*args, **kwargs)
        return self.taken

    def hand_back(self) -> list[str]:
        """Once Redis answers again after this worker's loop quit without it (a failover, a restart):
        put back the jobs it had taken whose end Redis does not hold, and register its death. Returns
        their ids.

        A job it had started (its execution still listed) is failed as RQ's maintenance fails an
        abandoned one, so retried at once if it has retries left; a job taken but not started goes back
        to the front of its queue. A job that had in fact done its work runs again: hides are
        idempotent, a webhook repeats its event_id.
        """
        [queue] = self.queues
        handed_back = []
        for execution in self.get_current_executions(refresh=True):
            try:
                job = self.job_class.fetch(execution.job_id, connection=self.connection, serializer=self.serializer)
            except NoSuchJobError:
                continue
            if job.get_status() == JobStatus.STARTED:
                self.handle_job_failure(job, queue, execution=execution,
                                        exc_string="the worker lost Redis before the job's end was recorded")
                if job.get_status() == JobStatus.SCHEDULED:
                    # Its back-off is for a failing job, not for Redis lost; and the scheduler that would
                    # queue it after the back-off may wait for the lock the one that died still holds.
                    with contextlib.suppress(InvalidJobOperation):  # a scheduler queued it meanwhile
                        queue.scheduled_job_registry.requeue(job, at_front=True)
                handed_back.append(job.id)
        if self.taken is not None:
            job, _ = self.taken
            try:
                status = job.get_status()
            except NoSuchJobError:
                status = None
            # LREM: only the one that takes it out of the intermediate list puts it back (RQ's maintenance
            # in another worker could be doing the same).
            if (status == JobStatus.QUEUED
                    and self.connection.lrem(queue.intermediate_queue_key, 1, job.id)):
                queue.push_job_id(job.id, at_front=True)
                handed_back.append(job.id)
        self.register_death()
        return handed_back


class ImgmodWorkerMixin(ImgmodJobs, ShortTakes, Stops, QuickCommandListener, Maintenance, HandsBack):
    """What imgmod adds to an RQ worker on one of its queues."""

    def __init__(self, queues, *, services: Services, schedule: bool = False,
                 stopping: Stopping | None = None, **kwargs):
        self.services = services  # before RQ's __init__, which reads connection_timeout
        self.schedule = schedule  # run a scheduler process (RQ's with_scheduler, but ImgmodScheduler)
        self.stopping = stopping or Stopping()
        # RQ's own maintenance (registries cleaned, a dead scheduler started again) runs as often as ours.
        super().__init__(queues, worker_ttl=WORKER_TTL,
                         maintenance_interval=services.settings.reconcile_interval_seconds,
                         job_monitoring_interval=HORSE_HEARTBEAT_SECONDS, exception_handlers=[self.count_failure],
                         **kwargs)
