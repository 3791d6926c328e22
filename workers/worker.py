"""`imgmod worker`: an RQ worker on the imgmod queues that also reconciles what a crash left behind."""
from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import time

from redis.exceptions import RedisError
from rq import Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError, StopRequested
from rq.job import Job, JobStatus
from rq.queue import Queue
from rq.scheduler import RQScheduler
from rq.worker import SHUTDOWN_SIGNAL, WorkerStatus

from config import Settings
from service.core import followups, logs
from service.core.connections import client_for
from service.core.liveness import HORSE_HEARTBEAT_SECONDS, WORKER_TTL
from service.core.queue import QUEUE_NAME, followup_queue, hide_queue
from service.core.services import Services, build_services
from service.core.stats import record_job_failure
# Imported once, here in the worker process: hides run in it, and each work horse forked for a
# follow-up inherits the module and its dependencies (requests, Pillow) instead of importing them
# for every job, about 0.2 s each.
from workers import jobs
from workers.reconcile import reconcile
from workers.taking import OTHER_QUEUES_EVERY_SECONDS, MovingQueue

log = logging.getLogger("imgmod.worker")

# How much longer than a take blocks its reply may take to come (a loaded Redis, a slow link).
BLOCKING_READ_MARGIN_SECONDS = 4
PR_SET_PDEATHSIG = 1  # prctl(2)
# How long a stopping worker waits for its command listener to end (it ends at its next reply).
UNSUBSCRIBE_WAIT_SECONDS = 1


class Stopping:
    """SIGTERM or SIGINT came. Set from signal handlers, so a plain attribute: a handler that took a lock
    (threading.Event's) which the code it interrupted holds would never return."""

    def __init__(self):
        self.requested = False


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
        _end_with_parent(self.parent_pid)
        try:
            super().work()
        except RedisError as error:
            self.log.warning("scheduler stopped: Redis unavailable", extra={"error": type(error).__name__})


def _end_with_parent(parent_pid: int) -> None:
    """SIGTERM this process when its parent dies (Linux's PR_SET_PDEATHSIG); elsewhere nothing."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent_pid:  # it died before the call: no signal will come
        os.kill(os.getpid(), signal.SIGTERM)


class ImgmodWorker(Worker):
    """RQ's worker, running hides in its own process and forking a work horse for each follow-up, plus,
    at start and every reconcile interval: a reconcile pass, its own registration made again if Redis
    lost it (a restart without data), and a scheduler started again if it died. One log line per job,
    and failed runs counted in the stats the metrics read.

    A hide is one Lua call on ids, with no untrusted input, and forking for it cost more than the
    hide (about 20 ms, up to 80 ms, of a 50 ms latency target): hides run in-process, as in RQ's
    SimpleWorker. Follow-ups fetch untrusted images into Pillow and call other sites' servers: they
    keep a forked horse, so that a crash or a leak there cannot take the worker down.

    SIGTERM is RQ's warm shutdown: the job in hand finishes, in-process or in its horse, then the
    worker stops; a second SIGTERM (or SIGKILL) stops it at once, and the reconciler re-enqueues
    whatever hide was lost, as it does for a killed horse.
    """

    queue_class = MovingQueue  # each job taken is moved to an intermediate list until it starts (its queues are made one)

    def __init__(self, queues, *, services: Services, schedule: bool = False,
                 stopping: Stopping | None = None, **kwargs):
        self.services = services  # before RQ's __init__, which reads dequeue_timeout
        queues = [MovingQueue(queue.name, connection=queue.connection) for queue in queues]
        # RQ's own maintenance (registries cleaned, a dead scheduler started again) runs as often as ours.
        super().__init__(queues, worker_ttl=WORKER_TTL, maintenance_interval=self.interval,
                         job_monitoring_interval=HORSE_HEARTBEAT_SECONDS, **kwargs)
        self.schedule = schedule  # run a scheduler process (RQ's with_scheduler, but ours)
        # SIGTERM or SIGINT came. Shared by the workers that run_worker starts one after another in a
        # process: a stop asked of one, or between two, is one for all of them.
        self.stopping = stopping or Stopping()
        self.taken: tuple[Job, Queue] | None = None  # the last job taken, for hand_back
        self.unsubscribing = False  # RQ's teardown is closing the connection its listening thread reads
        self.push_exc_handler(self._count_failure)

    @property
    def interval(self) -> int:
        return self.services.settings.reconcile_interval_seconds

    @property
    def dequeue_timeout(self) -> int:
        # RQ checks its maintenance hooks between blocking pops: wake at least once per interval.
        return min(super().dequeue_timeout, self.interval)

    @property
    def connection_timeout(self) -> int:
        # RQ gives its connection a read time-out for a blocking pop of dequeue_timeout (plus 10 s); a
        # take here blocks OTHER_QUEUES_EVERY_SECONDS at most. A master that stops answering without
        # closing (frozen, or cut off) holds a command this long: with RQ's 40 s, a warm shutdown took
        # 12 to 21 s (issue 18).
        return OTHER_QUEUES_EVERY_SECONDS + BLOCKING_READ_MARGIN_SECONDS

    @property
    def stop_requested(self) -> bool:
        return self.stopping.requested

    def _install_signal_handlers(self):
        super()._install_signal_handlers()
        if self.stopping.requested:  # the signal came before this worker's handlers: RQ's loop stops at once
            self._stop_requested = True

    def request_stop(self, signum, frame):
        self.stopping.requested = True  # RQ's warm shutdown; run_worker then does not start a new worker
        try:
            super().request_stop(signum, frame)
        except RedisError as error:
            # With a job in hand, RQ's handler writes the request's date to Redis before it returns, and
            # it has already noted the stop: Redis away must not turn a warm shutdown into a crash.
            log.warning("shutdown request not recorded: Redis unavailable", extra={"error": type(error).__name__})

    def unsubscribe(self):
        """RQ's, without closing the connection under its listening thread and without waiting for it.

        The thread is told to stop first, then the UNSUBSCRIBE is sent: its reply wakes the thread,
        which sees the stop and closes the connection itself. In RQ's order (UNSUBSCRIBE, then stop),
        a thread that read the reply first went back to wait up to 60 s for a subscription that
        never comes, and redis-py's stop() joins it: an idle burst worker took 60 s to end. Closing
        the connection from here while the thread still reads (a master that stopped answering)
        failed inside redis-py with a plain-text traceback among the JSON lines, so it is closed here
        only once the thread has ended."""
        if self.pubsub_thread:
            self.unsubscribing = True
            self.pubsub_thread.stop(timeout=0)  # its next wake-up ends it
            self.pubsub.unsubscribe()  # that wake-up
            self.pubsub_thread.join(timeout=UNSUBSCRIBE_WAIT_SECONDS)
            if not self.pubsub_thread.is_alive():
                self.pubsub.close()  # the thread closed it; this releases one a late UNSUBSCRIBE opened

    def _pubsub_exception_handler(self, exc, pubsub, pubsub_thread):
        if self.unsubscribing:  # the thread is ending: RQ's handler would log and re-raise
            return
        super()._pubsub_exception_handler(exc, pubsub, pubsub_thread)

    def run_maintenance_tasks(self):
        try:
            self.register_again_if_lost()
            super().run_maintenance_tasks()
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

    def dequeue_job_and_maintain_ttl(self, *args, **kwargs):
        self.taken = super().dequeue_job_and_maintain_ttl(*args, **kwargs)
        return self.taken

    def hand_back(self) -> list[str]:
        """Once Redis answers again after this worker's loop quit without it (a failover, a restart):
        put back the jobs it had taken whose end Redis does not hold, and register its death. Returns
        their ids.

        A job it had started (its execution still listed) is failed as RQ's maintenance fails an
        abandoned one, so retried at once if it has retries left; a job taken but not started goes back
        to the front of its queue. RQ's maintenance would do the same only once the execution's heartbeat
        expired or the job had sat a minute in the intermediate list: a webhook in hand at a failover
        came minutes late, after the test that waited for it had given up (issue 18). A job that had
        in fact done its work runs again: hides are idempotent, a webhook repeats its event_id.
        """
        handed_back = []
        for execution in self.get_current_executions(refresh=True):
            try:
                job = self.job_class.fetch(execution.job_id, connection=self.connection, serializer=self.serializer)
            except NoSuchJobError:
                continue
            if job.get_status() == JobStatus.STARTED:
                queue = self._queue_of(job)
                self.handle_job_failure(job, queue, execution=execution,
                                        exc_string="the worker lost Redis before the job's end was recorded")
                if job.get_status() == JobStatus.SCHEDULED:
                    # Its back-off is for a failing job, not for Redis lost; and the scheduler that would
                    # queue it after the back-off may wait for the lock the one that died still holds.
                    with contextlib.suppress(InvalidJobOperation):  # a scheduler queued it meanwhile
                        queue.scheduled_job_registry.requeue(job, at_front=True)
                handed_back.append(job.id)
        if self.taken is not None:
            job, queue = self.taken
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

    def _queue_of(self, job: Job) -> Queue:
        return next(queue for queue in self.queues if queue.name == job.origin)

    def prepare_job_execution(self, job: Job, remove_from_intermediate_queue: bool = False) -> None:
        # RQ takes the job off its intermediate list only when it moved it there, on one queue: here
        # every job was moved (MovingQueue), whatever the number of queues.
        super().prepare_job_execution(job, remove_from_intermediate_queue=True)

    @staticmethod
    def in_process(job: Job) -> bool:
        return job.origin == QUEUE_NAME

    def execute_job(self, job: Job, queue: Queue):
        if not self.in_process(job):
            return super().execute_job(job, queue)  # fork a horse and watch it
        # As RQ's SimpleWorker does it: perform_job here, under RQ's death penalty (SIGALRM, which
        # needs the main thread: the worker's loop runs in it), then back to idle.
        execution = self.prepare_execution(job)
        self.perform_job(job, queue, execution)
        self.set_state(WorkerStatus.IDLE)

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        if self.in_process(job):
            # No horse monitor renews the worker's heartbeat while a hide runs here: make it outlast
            # the whole job time-out (every hide is queued with one).
            return int(job.timeout or WORKER_TTL) + 60
        return super().get_heartbeat_ttl(job, working_time)

    def kill_horse(self, sig=SHUTDOWN_SIGNAL):
        # RQ's stop-job command kills the horse of the job in hand. A hide has none, and with no horse
        # Worker.kill_horse would signal os.getpgid(0): the worker's own process group.
        if self.horse_pid:
            super().kill_horse(sig)
        else:
            log.warning("a hide runs in the worker process: it cannot be stopped, only waited for")

    def perform_job(self, job: Job, queue: Queue, execution) -> bool:
        """Run the job (a hide here, a follow-up in its horse) and log one line saying how it ended."""
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

    def _count_failure(self, job: Job, *exc_info):
        # Called for each failed run, before RQ decides on a retry: retries_left still counts this one.
        try:
            record_job_failure(self.services.store, retried=job.should_retry)
        except RedisError:
            pass  # the failure itself is in RQ's registry; only the counter misses one
        return True  # let RQ's other handlers run


def run_worker(settings: Settings, burst: bool = False) -> None:
    services = build_services(settings)
    # Blocking dequeues wait for minutes, so this client has no command time-out.
    connection = client_for(settings, decode=False, command_timeout=None, sentinel=services.sentinel)
    stopping = Stopping()
    # Between workers (and before the first), a signal only notes the stop: RQ's handlers are installed
    # by each worker's work() and stay after it returns, acting on a worker that is gone (with Redis
    # I/O, or by raising StopRequested wherever this loop happens to be).
    _note_stops(stopping)
    while not stopping.requested:
        try:
            # Follow-ups that a process dying mid-way left behind are queued before any new work.
            followups.recover(services)
        except RedisError as error:  # every reconcile pass recovers them too
            log.warning("recovery skipped: Redis unavailable", extra={"error": type(error).__name__})
        try:
            # Queues in priority order: a hide never waits behind a slow placeholder fetch.
            worker = ImgmodWorker([hide_queue(connection), followup_queue(connection)], connection=connection,
                                  services=services, schedule=not burst, stopping=stopping)
        except RedisError as error:  # it names its connection in Redis (CLIENT SETNAME)
            if burst:
                raise
            log.warning("worker not started: Redis unavailable", extra={"error": type(error).__name__})
            _wait_for_redis(connection, stopping)
            continue
        log.info("worker started", extra={"worker": worker.name, "burst": burst})
        # The scheduler moves retried jobs back onto the queue after their back-off: a process of its own
        # (ImgmodScheduler), or in a burst one pass at the start (RQ's). Logging is already configured
        # (JSON, IMGMOD_LOG_LEVEL): logging_level=None keeps RQ from installing its own.
        lost_redis = False
        try:
            worker.work(burst=burst, with_scheduler=burst, logging_level=None)
        except RedisError as error:
            lost_redis = True
            log.warning("worker lost Redis", extra={"worker": worker.name, "error": type(error).__name__})
        except StopRequested:
            pass  # SIGTERM while RQ tore the worker down: its handler raises this there, and noted the stop
        finally:
            _note_stops(stopping)  # until the next worker's work() installs RQ's handlers again
            _stop_listening(worker)
        log.info("worker stopped", extra={"worker": worker.name})
        if burst:
            return
        # RQ's loop quits when Redis goes away in the middle of a job or a heartbeat (a failover, a
        # restart): a supervisor would start the worker again; this loop does, once Redis answers.
        _wait_for_redis(connection, stopping)
        if lost_redis and not stopping.requested:
            _hand_back(worker)


def _hand_back(worker: ImgmodWorker) -> None:
    # Failing here leaves the jobs to RQ's maintenance (minutes late); a hide lost with its job is
    # hidden by the reconciler, follow-ups lost before they were queued come back from the outbox.
    try:
        handed_back = worker.hand_back()
    except RedisError as error:
        log.warning("jobs in hand not handed back: Redis unavailable", extra={"error": type(error).__name__})
        return
    if handed_back:
        log.warning("jobs in hand when Redis was lost put back", extra={"worker": worker.name, "job_ids": handed_back})


def _stop_listening(worker: ImgmodWorker) -> None:
    # RQ stops the thread that listens for its commands (stop-job, shutdown) at the end of its teardown,
    # after writes that fail when Redis is away: it would outlive the worker, one more thread per
    # restart, each retrying every 2 s. Stopped here, it ends at its next wake-up.
    if worker.pubsub_thread is not None:
        worker.pubsub_thread.stop(timeout=0)  # redis-py's stop() would wait for that wake-up


def _note_stops(stopping: Stopping) -> None:
    def note(signum, frame):
        stopping.requested = True
    signal.signal(signal.SIGTERM, note)
    signal.signal(signal.SIGINT, note)


def _wait_for_redis(connection, stopping: Stopping) -> None:
    while not stopping.requested:
        try:
            connection.ping()
            return
        except RedisError:
            time.sleep(1)  # polling a server that is away, not ordering anything
