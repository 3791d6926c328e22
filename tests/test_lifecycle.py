"""Worker lifecycle: warm shutdown on SIGTERM, job time-outs, retries with back-off then the failed registry,
healthcheck."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta

import pytest
from rq import Queue, Retry, Worker
from rq.command import send_stop_job_command
from rq.job import Job
from rq.registry import FailedJobRegistry, StartedJobRegistry
from rq.utils import now, utcformat

from harness.redis_server import RedisServer, unreachable_url
from harness.wait import wait_until
from service.core.queue import FOLLOWUP_QUEUE_NAME, QUEUE_NAME, hide_queue
from service.core.store import image_key
from tests.conftest import with_settings
from tests.processes import ROOT, Process, imgmod_env, job_lines
from tests.test_metrics import scrape
from workers.worker import HideWorker


# Jobs of the hide queue run in the worker process itself, follow-ups in a forked work horse.
BOTH_WAYS = pytest.mark.parametrize("queue_name", [QUEUE_NAME, FOLLOWUP_QUEUE_NAME],
                                    ids=["hide-queue-in-process", "follow-up-queue-in-horse"])


@BOTH_WAYS
def test_sigterm_during_a_slow_job_finishes_it_then_stops(queue_name, settings, redis_server, redis_client, tmp_path):
    queue = Queue(queue_name, connection=redis_server.client(decode=False))
    slow = queue.enqueue("tests.jobs.slow", 2, "mark:slow")
    after = queue.enqueue("tests.jobs.slow", 0, "mark:after")
    worker = Process(["worker"], imgmod_env(settings), tmp_path / "worker.log")
    try:
        wait_until(lambda: slow.id in StartedJobRegistry(queue=queue).get_job_ids(), what="the slow job to start")
    finally:
        assert worker.terminate(30) == 0  # SIGTERM while the job runs
    assert redis_client.get("mark:slow") == "done"  # the job in hand ran to its end
    assert slow.get_status() == "finished"
    # ...and the worker took nothing more.
    assert redis_client.get("mark:after") is None
    assert after.get_status() == "queued" and queue.count == 1
    [run] = job_lines(worker)
    assert run["status"] == "finished"
    assert (run["pid"] == worker.popen.pid) == (queue_name == QUEUE_NAME)  # ran where it should
    assert worker.lines()[-1]["message"] == "worker stopped"


def test_a_job_of_the_hide_queue_past_its_timeout_is_stopped_and_the_worker_carries_on(settings, queue,
                                                                                        redis_client, tmp_path):
    # No horse to kill: RQ's death penalty (SIGALRM) must stop the job inside the worker process.
    stuck = queue.enqueue("tests.jobs.slow", 60, "mark:stuck", job_timeout=1)
    after = queue.enqueue("tests.jobs.slow", 0, "mark:after")
    worker = Process(["worker"], imgmod_env(settings), tmp_path / "worker.log")
    try:
        wait_until(lambda: redis_client.get("mark:after") == "done", what="the job after the stuck one")
    finally:
        assert worker.terminate() == 0
    assert stuck.get_status() == "failed" and redis_client.get("mark:stuck") is None
    assert "JobTimeoutException" in stuck.latest_result().exc_string
    runs = job_lines(worker)
    assert [line["status"] for line in runs] == ["failed", "finished"]
    assert {line["pid"] for line in runs} == {worker.popen.pid}


def test_rq_stop_job_command_does_not_kill_a_worker_running_a_hide(settings, queue, redis_client, tmp_path):
    # RQ stops a job by killing its horse; a hide has none, and the worker must not kill itself instead.
    slow = queue.enqueue("tests.jobs.slow", 3, "mark:slow")
    worker = Process(["worker"], imgmod_env(settings), tmp_path / "worker.log")
    try:
        wait_until(lambda: slow.id in StartedJobRegistry(queue=queue).get_job_ids(), what="the slow job to start")
        send_stop_job_command(queue.connection, slow.id)
        wait_until(lambda: redis_client.get("mark:slow") == "done", what="the job to finish")
        assert worker.popen.poll() is None
    finally:
        assert worker.terminate() == 0
    assert [line["status"] for line in job_lines(worker)] == ["finished"]
    assert any("cannot be stopped" in line["message"] for line in worker.lines())


def test_a_poisoned_job_is_retried_with_backoff_then_failed_and_counted(settings, queue, redis_client, client,
                                                                         tmp_path):
    # A corrupt image key (a string, not a hash) makes the real hide job fail on every run.
    redis_client.set(image_key("poison"), "not a hash")
    job = queue.enqueue("workers.jobs.hide_image", "poison", "0", retry=Retry(max=2, interval=[1, 3]))
    worker = Process(["worker"], imgmod_env(settings), tmp_path / "worker.log")
    try:
        wait_until(lambda: job.id in FailedJobRegistry(queue=queue).get_job_ids(), seconds=60,
                   what="the job to land in the failed registry")
    finally:
        assert worker.terminate() == 0

    runs = job_lines(worker)
    assert [line["status"] for line in runs] == ["scheduled", "scheduled", "failed"]
    assert all(line["job_id"] == job.id for line in runs)
    started = [datetime.fromisoformat(line["ts"]) for line in runs]
    gaps = [(later - earlier).total_seconds() for earlier, later in zip(started, started[1:])]
    # The back-off was waited out (RQ schedules to the whole second, so a wait can be up to 1 s short).
    assert gaps[1] >= 1.9 and gaps[1] > gaps[0]
    assert Job.fetch(job.id, connection=queue.connection).retries_left == 0

    metrics = scrape(client)
    assert metrics[("imgmod_job_failures_total", ("outcome", "retried"))] == 2
    assert metrics[("imgmod_job_failures_total", ("outcome", "failed"))] == 1
    assert metrics[("imgmod_jobs_failed", ("queue", "imgmod"))] == 1


def check(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", "worker", "--check"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_worker_healthcheck_reads_the_heartbeat(settings, tmp_path):
    env = imgmod_env(settings)
    assert check(env).returncode != 0
    worker = Process(["worker"], env, tmp_path / "worker.log")
    try:
        wait_until(lambda: check(env).returncode == 0, what="the healthcheck to see the worker")
    finally:
        assert worker.terminate() == 0
    failing = check(env)
    assert failing.returncode != 0 and "no worker" in failing.stderr

    away = check({**env, "IMGMOD_REDIS_URL": unreachable_url()})
    assert away.returncode != 0 and "unreachable" in away.stderr and "Traceback" not in away.stderr


def test_a_killed_worker_counts_as_dead_once_its_heartbeat_is_30_seconds_old(settings, redis_client, tmp_path):
    """It took about 90 s: with the one-minute alert of docs/operations.md, 2.5 minutes before anyone knew."""
    env = imgmod_env(settings)
    worker = Process(["worker"], env, tmp_path / "worker.log")
    wait_until(lambda: check(env).returncode == 0, what="the healthcheck to see the worker")
    worker.kill_all()
    # The hide queue's worker: the one the healthcheck reads.
    [key] = [key for key in redis_client.keys("rq:worker:*") if redis_client.hget(key, "queues") == QUEUE_NAME]
    beat = lambda seconds_ago: redis_client.hset(key, "last_heartbeat", utcformat(  # noqa: E731
        now() - timedelta(seconds=seconds_ago)))
    beat(25)
    assert check(env).returncode == 0
    beat(31)
    assert check(env).returncode != 0


def test_a_worker_survives_a_redis_restart_without_data(settings, tmp_path):
    """After Redis came back empty the worker kept hiding but counted as dead (`--check` exit 1, its
    registration gone), and RQ's scheduler died with a plain-text traceback among the JSON lines."""
    redis = RedisServer(tmp_path / "redis").start()
    env = imgmod_env(with_settings(settings, redis_url=redis.url), IMGMOD_RECONCILE_INTERVAL_SECONDS="1")
    worker = Process(["worker"], env, tmp_path / "worker.log")
    client = redis.client()
    scheduled = lambda: client.exists(f"rq:scheduler-lock:{FOLLOWUP_QUEUE_NAME}")  # noqa: E731
    try:
        wait_until(lambda: check(env).returncode == 0 and scheduled(), what="the worker and its scheduler to register")
        redis.kill()
        redis.start()  # same port, no data: no worker is registered until the worker notices
        # (Not asserted here: within a second the worker may already have registered again.)
        wait_until(lambda: check(env).returncode == 0, what="the worker to register again")
        wait_until(scheduled, what="a scheduler to run again")
        queue = Queue(QUEUE_NAME, connection=redis.client(decode=False))
        job = queue.enqueue("tests.jobs.slow", 0, "mark:after-restart")
        wait_until(lambda: job.get_status() == "finished", what="the worker to take jobs")
    finally:
        assert worker.terminate() == 0
        redis.kill()
    lines = worker.lines()  # every line JSON, or this raises
    assert any(line["message"].startswith("worker registered again") for line in lines)



def test_a_stopping_worker_ends_its_command_listener_at_once_whatever_it_read_first(services, redis_server):
    """The listener thread reads the UNSUBSCRIBE's reply before the worker has told it to stop. In
    RQ's order (UNSUBSCRIBE, then a stop that joins the thread) it then waited 60 s for a subscription
    that never came: an idle `imgmod worker --burst` took 60 s to end whenever the race went that way.
    The race is forced here: the UNSUBSCRIBE returns only once the thread has read its reply."""
    connection = redis_server.client(decode=False)
    worker = HideWorker([hide_queue(connection)], connection=connection, services=services)
    worker.subscribe()
    pubsub, listener = worker.pubsub, worker.pubsub_thread
    send_unsubscribe = pubsub.unsubscribe

    def unsubscribe_once_its_reply_is_read(*channels):
        send_unsubscribe(*channels)
        wait_until(lambda: not pubsub.subscribed, seconds=10, what="the listener to read the UNSUBSCRIBE's reply")

    pubsub.unsubscribe = unsubscribe_once_its_reply_is_read
    stopping = threading.Thread(target=worker.unsubscribe, daemon=True)
    stopping.start()
    stopping.join(timeout=20)  # not a speed claim: far under the 60 s wait, far over a loaded machine's pause
    assert not stopping.is_alive(), "the worker waited for its command listener"
    wait_until(lambda: not listener.is_alive(), seconds=20, what="the command listener to end")


ORPHANED_SCHEDULER = """
import signal, sys
from redis import Redis
from rq import Queue
from workers.mixins import ImgmodScheduler

signal.signal(signal.SIGTERM, lambda signum, frame: None)  # the worker's own handler, which a fork inherits
connection = Redis.from_url(sys.argv[1])
scheduler = ImgmodScheduler([Queue(sys.argv[2], connection=connection)], connection=connection)
assert scheduler.acquire_locks()
scheduler.parent_pid = -1  # not this process's parent: the worker that started it is gone
scheduler.work()
"""


def test_a_scheduler_whose_worker_died_before_it_ran_stops_and_frees_its_lock(settings, redis_client):
    """The worker may die between forking its scheduler and the scheduler's own stop handlers: the
    stop (end_with_parent's SIGTERM) must not go to the handlers the fork inherited from the worker."""
    lock = f"rq:scheduler-lock:{FOLLOWUP_QUEUE_NAME}"
    scheduler = subprocess.Popen([sys.executable, "-c", ORPHANED_SCHEDULER, settings.redis_url, FOLLOWUP_QUEUE_NAME],
                                 cwd=ROOT)
    try:
        assert scheduler.wait(timeout=30) == 0
    finally:
        scheduler.kill()
        scheduler.wait()
    assert not redis_client.exists(lock)


def test_the_scheduler_of_a_worker_killed_with_sigkill_ends_and_frees_its_lock(settings, redis_client, tmp_path):
    """`kill -9` of `imgmod worker` used to leave its RQ scheduler child running, holding the lock."""
    import psutil

    worker = Process(["worker"], imgmod_env(settings), tmp_path / "worker.log")
    lock = f"rq:scheduler-lock:{FOLLOWUP_QUEUE_NAME}"
    try:
        wait_until(lambda: redis_client.exists(lock), what="the worker's scheduler to take its lock")
        # The worker takes the lock, then forks the scheduler.
        schedulers = wait_until(lambda: psutil.Process(worker.popen.pid).children(),
                                what="the worker to run its scheduler in a child process")
        os.kill(worker.popen.pid, signal.SIGKILL)
        wait_until(lambda: not any(child.is_running() and child.status() != psutil.STATUS_ZOMBIE
                                   for child in schedulers), what="the scheduler to end with its worker")
        wait_until(lambda: not redis_client.exists(lock), what="the scheduler lock to be released")
    finally:
        worker.kill_all()


def test_a_worker_whose_follow_up_process_dies_stops_and_says_so_by_its_exit_status(settings, tmp_path):
    """Hides would go on while nothing ran a follow-up any more, and the healthcheck (a hide worker's
    heartbeat) would not see it: `imgmod worker` stops, exit status 1, for its supervisor to restart."""
    worker = Process(["worker"], imgmod_env(settings), tmp_path / "worker.log")
    try:
        [follow_ups] = wait_until(lambda: [line for line in worker.lines() if line["message"] == "worker started"
                                           and line["queue"] == FOLLOWUP_QUEUE_NAME], what="the follow-up worker")
        os.kill(follow_ups["pid"], signal.SIGKILL)
        assert worker.wait(30) == 1
    finally:
        if worker.popen.poll() is None:
            worker.kill_all()
    assert any(line["message"].startswith("follow-up worker process ended") for line in worker.lines())


def test_a_second_sigterm_stops_the_follow_up_in_hand_at_once(settings, redis_server, redis_client, tmp_path):
    """The follow-ups' worker runs in a process of its own: both stops reach it, the second a cold one."""
    queue = Queue(FOLLOWUP_QUEUE_NAME, connection=redis_server.client(decode=False))
    slow = queue.enqueue("tests.jobs.slow", 60, "mark:slow")
    worker = Process(["worker"], imgmod_env(settings), tmp_path / "worker.log")
    try:
        wait_until(lambda: slow.id in StartedJobRegistry(queue=queue).get_job_ids(), what="the slow job to start")
        worker.popen.send_signal(signal.SIGTERM)
        # RQ takes a second stop within a second of the first as the same one (a pool's and a terminal's).
        wait_until(lambda: any(other.shutdown_requested_date is not None
                               and now() - other.shutdown_requested_date > timedelta(seconds=1.5)
                               for other in Worker.all(queue=queue)), what="the first stop to be a while old")
        worker.popen.send_signal(signal.SIGTERM)
        worker.wait(20)  # not a speed claim: far under the job's 60 s, far over a loaded machine's pause
    finally:
        if worker.popen.poll() is None:
            worker.kill_all()
    assert redis_client.get("mark:slow") is None
    assert slow.get_status() != "finished"
