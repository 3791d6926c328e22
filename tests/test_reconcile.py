"""No crossing is lost: a reconciler in the workers re-enqueues hides whose job vanished."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from rq.registry import StartedJobRegistry

from harness.wait import wait_until
from service.core.store import PENDING, RECONCILE_LOCK, STATS, image_key
from tests.processes import Process, imgmod_env
from tests.test_hiding import hidden_events
from workers.reconcile import reconcile

# The Lua scripts these tests drive run on every server binary present (tests/conftest.py).
pytestmark = pytest.mark.every_server

FAST = {"IMGMOD_PENDING_GRACE_SECONDS": "1", "IMGMOD_RECONCILE_INTERVAL_SECONDS": "1"}


def overdue(redis_client, image_id: str) -> bool:
    """By Redis's clock, the crossing is past FAST's grace and the last reconcile turn has ended."""
    crossed_at = redis_client.zscore(PENDING, image_id)
    return crossed_at is not None and redis_ms(redis_client) > crossed_at + 1000 \
        and not redis_client.exists(RECONCILE_LOCK)


def burst(settings, tmp_path, name: str = "worker", **env: str) -> Process:
    worker = Process(["worker", "--burst"], imgmod_env(settings, **env), tmp_path / f"{name}.log")
    assert worker.wait(60) == 0
    return worker


def test_a_flushed_queue_still_ends_hidden(reporter, queue, store, settings, redis_client, tmp_path, cross):
    cross("img-1")
    queue.empty()  # the job is gone, the crossing is not
    assert queue.count == 0

    # Within the grace period the reconciler leaves the crossing alone...
    burst(settings, tmp_path, "early", IMGMOD_PENDING_GRACE_SECONDS="30", IMGMOD_RECONCILE_INTERVAL_SECONDS="1")
    assert store.status("img-1")["state"] == "pending"
    wait_until(lambda: overdue(redis_client, "img-1"), what="the 1 s grace and the 1 s reconcile turn to pass")
    # ...after it, any worker that starts hides the image.
    worker = burst(settings, tmp_path, "late", **FAST)
    assert store.status("img-1")["state"] == "hidden"
    assert [event["image_id"] for event in hidden_events(redis_client)] == ["img-1"]
    assert redis_client.hget(STATS, "requeued") == "1"
    assert any(line["message"] == "lost hides enqueued again" for line in worker.lines())


def test_a_worker_killed_mid_job_still_ends_hidden(reporter, queue, store, settings, redis_client, tmp_path, cross):
    cross("img-1")
    [job] = queue.get_jobs()
    queue.empty()
    # The same hide, made slow so that the worker can be SIGKILLed in the middle of it (hides run in the
    # worker process itself, so the hide dies with it).
    slow = queue.enqueue("tests.jobs.slow_hide", *job.args, 30)
    # A long grace for the victim, so that only the rescuer's reconciler can bring the hide back.
    victim = Process(["worker"], imgmod_env(settings, **{**FAST, "IMGMOD_PENDING_GRACE_SECONDS": "60"}),
                     tmp_path / "victim.log")
    try:
        wait_until(lambda: slow.id in StartedJobRegistry(queue=queue).get_job_ids(), what="the hide to start")
    finally:
        victim.kill_all()
    assert store.status("img-1")["state"] == "pending"
    assert queue.count == 0

    wait_until(lambda: overdue(redis_client, "img-1"), what="the 1 s grace and the 1 s reconcile turn to pass")
    burst(settings, tmp_path, "rescuer", **FAST)
    assert store.status("img-1")["state"] == "hidden"
    assert [event["image_id"] for event in hidden_events(redis_client)] == ["img-1"]


def redis_ms(redis_client) -> int:
    seconds, micros = redis_client.time()
    return seconds * 1000 + micros // 1000


def age(redis_client, image_id: str, seconds: float) -> None:
    """Pretend the crossing happened `seconds` ago."""
    redis_client.zadd(PENDING, {image_id: redis_ms(redis_client) - seconds * 1000}, xx=True)


def test_claims_wait_for_the_grace_period_then_back_off(reporter, store, redis_client, cross):
    cross("img-1")
    assert store.claim_overdue_crossings(grace_ms=60_000).crossings == []  # too young
    age(redis_client, "img-1", 61)
    assert store.claim_overdue_crossings(grace_ms=60_000).crossings == [("img-1", 0)]
    assert store.claim_overdue_crossings(grace_ms=60_000).crossings == []  # claimed: back off one grace
    next_due = int(redis_client.hget(image_key("img-1"), "q"))
    redis_client.hset(image_key("img-1"), "q", 0)  # let that back-off run out
    assert store.claim_overdue_crossings(grace_ms=60_000).crossings == [("img-1", 0)]
    now_ms = redis_ms(redis_client)
    assert 60_000 - 5_000 < next_due - now_ms <= 60_000  # first back-off: one grace
    assert 120_000 - 5_000 < int(redis_client.hget(image_key("img-1"), "q")) - now_ms <= 120_000  # then doubled


def test_many_reconcilers_at_once_claim_each_crossing_once(store, redis_client):
    ids = [f"img-{n}" for n in range(60)]
    for image_id in ids:
        for n in range(3):
            store.report(image_id, f"r{n}", "other", None)
        age(redis_client, image_id, 120)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: store.claim_overdue_crossings(grace_ms=60_000, page=7).crossings,
                                range(8)))
    claimed = [image_id for crossings in results for image_id, _ in crossings]
    assert sorted(claimed) == sorted(ids)


def test_cost_grows_with_pending_crossings_not_with_visible_images(store, redis_client):
    pipe_ids = [f"visible-{n}" for n in range(2000)]
    for image_id in pipe_ids:
        store.report(image_id, "r0", "other", None)
    for image_id in ("img-1", "img-2"):
        for n in range(3):
            store.report(image_id, f"r{n}", "other", None)
        age(redis_client, image_id, 120)
    claims = store.claim_overdue_crossings(grace_ms=60_000)
    assert claims.scanned == 2
    assert sorted(image_id for image_id, _ in claims.crossings) == ["img-1", "img-2"]


def test_one_reconcile_pass_per_interval_across_workers(services):
    assert reconcile(services) is not None
    assert reconcile(services) is None  # another worker's turn was just taken
