"""Follow-ups of a hide or restore: claimed once per lease by recovery, with an id that names the event."""
from __future__ import annotations

import threading
import time

import pytest
from rq import Queue
from rq.intermediate_queue import IntermediateQueue

from harness.redis_server import RedisServer
from harness.wait import wait_until
from service.core import followups
from service.core.queue import FOLLOWUP_QUEUE_NAME, enqueue_webhook
from service.core.store import OUTBOX, OutboxEvent
from tests.conftest import with_settings
from tests.http_fixtures import LocalServer
from tests.processes import Process, imgmod_env
from tests.race import race
from workers.worker import FollowupWorker


@pytest.fixture
def settings(settings):
    # Webhooks are queued, never delivered: no worker runs here.
    return with_settings(settings, webhook_url="http://127.0.0.1:9/never-called", webhook_secret="test-webhook-secret-0123456789abcdef")


def age_outbox(redis_client, seconds: float) -> None:
    """Date every outbox entry `seconds` back by Redis's clock, as if its process had died that long ago."""
    server_s, server_us = redis_client.time()
    then = server_s * 1000 + server_us // 1000 - seconds * 1000
    redis_client.zadd(OUTBOX, {entry: then for entry in redis_client.zrange(OUTBOX, 0, -1)})


def test_the_event_id_names_the_event_not_the_moment():
    """A hide redone after a failover (same image, generation and kind, later time) keeps its id."""
    first = OutboxEvent.parse("hidden|4|1700000000000|img/صورة-1")
    redone = OutboxEvent.parse("hidden|4|1700000099000|img/صورة-1")
    assert followups.event_id(first) == followups.event_id(redone)
    assert followups.event_id(first) != followups.event_id(OutboxEvent.parse("restored|4|1700000000000|img/صورة-1"))
    assert followups.event_id(first) != followups.event_id(OutboxEvent.parse("hidden|5|1700000000000|img/صورة-1"))


def test_workers_recovering_at_once_queue_each_follow_up_once(services, redis_server, redis_client):
    """Every worker recovers the outbox at start: each entry must go to one of them."""
    images = [f"img-{n}" for n in range(40)]
    for image_id in images:
        services.store.hide_now(image_id, "test")  # the process "died": nothing dispatched
    age_outbox(redis_client, 120)
    claimed = race(*[lambda: followups.recover(services)] * 4)
    assert sum(claimed) == len(images)
    jobs = Queue(FOLLOWUP_QUEUE_NAME, connection=redis_server.client(decode=False)).get_jobs()
    webhooks = [job.description for job in jobs if job.func_name == "workers.jobs.deliver_webhook"]
    assert len(webhooks) == len(set(webhooks)) == len(images)
    assert services.store.redis.zcard(OUTBOX) == 0


def test_an_entry_is_recovered_again_only_after_another_lease(services, redis_client):
    """A claimer that dies after its claim leaves the entry to the next claim, one lease later."""
    services.store.hide_now("img-1", "test")
    assert services.store.claim_outbox(lease_ms=60_000) == []  # its own process still holds it
    age_outbox(redis_client, 61)
    [entry] = services.store.claim_outbox(lease_ms=60_000)
    assert services.store.claim_outbox(lease_ms=60_000) == []  # just claimed
    age_outbox(redis_client, 61)
    assert services.store.claim_outbox(lease_ms=60_000) == [entry]


def test_a_follow_up_taken_by_a_worker_that_died_before_starting_it_is_run_later(settings, services, redis_server,
                                                                                 tmp_path):
    """A worker takes a webhook job, then dies (or its master fails over) before the job's start is
    recorded. Taken with BLPOP, as RQ takes from several queues, the job was in no list and no
    registry any more, and the webhook was never sent; taken by a move (RQ's, on the one queue its
    worker listens on), it waits in its queue's intermediate list, where RQ's maintenance finds it and
    runs it again."""
    with LocalServer(lambda seen: (204, {}, b"")) as site:
        settings = with_settings(settings, webhook_url=f"http://127.0.0.1:{site.port}/hooks")
        raw = redis_server.client(decode=False)
        dying = FollowupWorker([Queue(FOLLOWUP_QUEUE_NAME, connection=raw)], connection=raw, services=services)
        body = '{"event":"image.hidden","event_id":"e-1","image_id":"img-1","at":"2026-11-30T00:00:00.000Z"}'
        job = enqueue_webhook(dying.queues[0], body, "e-1")

        taken, queue = dying.dequeue_job_and_maintain_ttl(timeout=None)  # as the worker that then dies did
        assert (taken.id, queue.name) == (job.id, FOLLOWUP_QUEUE_NAME)
        intermediate = IntermediateQueue(queue.key, raw)
        assert intermediate.get_job_ids() == [job.id] and queue.count == 0
        # RQ retries a job left there once two maintenance passes a minute apart have seen it: the
        # first pass is dated two minutes back instead of waited for.
        raw.set(intermediate.get_first_seen_key(job.id), time.time() - 120)

        worker = Process(["worker"], imgmod_env(settings, IMGMOD_RECONCILE_INTERVAL_SECONDS="1"),
                         tmp_path / "worker.log")
        try:
            wait_until(lambda: site.requests, what="the webhook, sent by a later worker")
        finally:
            assert worker.terminate() == 0
        assert [seen.body.decode() for seen in site.requests] == [body]
        assert intermediate.get_job_ids() == []


def test_a_follow_up_running_when_redis_is_lost_is_run_again_as_soon_as_it_is_back(settings, tmp_path):
    """The site's first answer (a 500) comes while Redis is away: the webhook job's failure cannot be
    recorded, and Redis holds it as started by a worker whose loop quit. RQ's maintenance retries such
    a job once its heartbeat expires, a minute and a half later; in a failover that webhook came after
    the test waiting for it had given up (issue 18). The worker hands it back once Redis answers."""
    redis = RedisServer(tmp_path / "redis", extra_args=("--appendonly", "yes", "--appendfsync", "always")).start()
    first_answered = threading.Event()

    def route(seen):
        if len(site.requests) == 1:
            assert first_answered.wait(30)
            return 500, {}, b""
        return 204, {}, b""

    with LocalServer(route) as site:
        settings = with_settings(settings, redis_url=redis.url, webhook_url=f"http://127.0.0.1:{site.port}/hooks")
        body = '{"event":"image.hidden","event_id":"e-1","image_id":"img-1","at":"2026-11-30T00:00:00.000Z"}'
        job = enqueue_webhook(Queue(FOLLOWUP_QUEUE_NAME, connection=redis.client(decode=False)), body, "e-1")
        worker = Process(["worker"], imgmod_env(settings), tmp_path / "worker.log")
        try:
            wait_until(lambda: site.requests, what="the webhook's first delivery")
            redis.kill()
            first_answered.set()
            wait_until(lambda: any(line["message"] == "worker lost Redis" for line in worker.lines()),
                       what="the worker to lose Redis")
            redis.start()  # the same data (append-only file): the job is still started
            # Well inside the execution's heartbeat of 90 s, after which RQ's maintenance would retry it.
            wait_until(lambda: len(site.requests) == 2, seconds=20, what="the webhook again, handed back")
            wait_until(lambda: job.get_status() == "finished", what="the job to finish")
        finally:
            assert worker.terminate() == 0
            redis.kill()
        assert [seen.body.decode() for seen in site.requests] == [body, body]
        handed_back = [line for line in worker.lines() if line["message"] == "jobs in hand when Redis was lost put back"]
        assert [line["job_ids"] for line in handed_back] == [[job.id]]


def test_a_job_taken_but_not_started_when_redis_was_lost_goes_back_to_the_front_of_its_queue(services, redis_server):
    """The other job a worker can hold when Redis goes: taken (moved to the intermediate list) but its
    start never recorded. Handed back, it is first in its queue, and the worker is registered dead."""
    raw = redis_server.client(decode=False)
    worker = FollowupWorker([Queue(FOLLOWUP_QUEUE_NAME, connection=raw)], connection=raw, services=services)
    worker.register_birth()
    [queue] = worker.queues
    body = '{"event":"image.hidden","event_id":"e-1","image_id":"img-1","at":"2026-11-30T00:00:00.000Z"}'
    taken_job = enqueue_webhook(queue, body, "e-1")
    later_job = enqueue_webhook(queue, body.replace("e-1", "e-2"), "e-2")
    taken, _ = worker.dequeue_job_and_maintain_ttl(timeout=None)
    assert taken.id == taken_job.id and queue.get_job_ids() == [later_job.id]

    assert worker.hand_back() == [taken_job.id]
    assert queue.get_job_ids() == [taken_job.id, later_job.id]
    assert IntermediateQueue(queue.key, raw).get_job_ids() == []
    assert worker.name not in {other.name for other in FollowupWorker.all(connection=raw)}
    assert worker.hand_back() == []  # once only
