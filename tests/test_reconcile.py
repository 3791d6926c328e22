"""No crossing is lost: a reconciler in the workers re-enqueues hides whose job vanished."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from service.store import PENDING, image_key


def cross(reporter, image_id: str) -> None:
    for n in range(3):
        assert reporter.anonymous(image_id, ip=f"198.51.100.{n}").status_code == 202


def redis_ms(redis_client) -> int:
    seconds, micros = redis_client.time()
    return seconds * 1000 + micros // 1000


def age(redis_client, image_id: str, seconds: float) -> None:
    """Pretend the crossing happened `seconds` ago."""
    redis_client.zadd(PENDING, {image_id: redis_ms(redis_client) - seconds * 1000}, xx=True)


def test_claims_wait_for_the_grace_period_then_back_off(reporter, store, redis_client):
    cross(reporter, "img-1")
    assert store.claim_overdue_crossings(grace_ms=60_000).crossings == []  # too young
    age(redis_client, "img-1", 61)
    assert store.claim_overdue_crossings(grace_ms=60_000).crossings == [("img-1", "0")]
    assert store.claim_overdue_crossings(grace_ms=60_000).crossings == []  # claimed: back off one grace
    next_due = int(redis_client.hget(image_key("img-1"), "q"))
    redis_client.hset(image_key("img-1"), "q", 0)  # let that back-off run out
    assert store.claim_overdue_crossings(grace_ms=60_000).crossings == [("img-1", "0")]
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

