"""Bounded memory: never-crossed counts expire; crossed, hidden and reset images stay; the index is swept."""
from __future__ import annotations

from service import create_app
from service.store import REPORTED, image_key
from tests.conftest import with_settings
from workers.reconcile import reconcile

DAY = 86400


def ttl(redis_client, image_id: str) -> int:
    return redis_client.ttl(image_key(image_id))


def test_a_never_crossed_image_expires_after_the_configured_days(settings, redis_client):
    store = create_app(with_settings(settings, report_ttl_days=2)).extensions["imgmod"].store
    store.report("img-1", "r0", "other", None)
    assert 2 * DAY - 10 < ttl(redis_client, "img-1") <= 2 * DAY


def test_only_a_counted_report_refreshes_the_ttl(store, redis_client):
    store.report("img-1", "r0", "other", None)
    redis_client.expire(image_key("img-1"), 100)
    store.report("img-1", "r0", "other", None)  # a repeat counts nothing and refreshes nothing
    assert ttl(redis_client, "img-1") <= 100
    store.report("img-1", "r1", "other", None)
    assert ttl(redis_client, "img-1") > 29 * DAY


def test_crossed_hidden_and_reset_images_do_not_expire(store, redis_client):
    for n in range(3):
        outcome = store.report("img-1", f"r{n}", "other", None)
    assert outcome.crossed and ttl(redis_client, "img-1") == -1  # pending: kept until hidden
    assert store.hide_if_current("img-1", outcome.generation)
    store.report("img-1", "r9", "other", None)
    assert ttl(redis_client, "img-1") == -1  # hidden: kept, reports or not

    store.reset("img-1", actor="cli:test")
    store.report("img-1", "r10", "other", None)
    # Reset: kept, so the dismissed reporters stay dismissed (see README, Operations).
    assert ttl(redis_client, "img-1") == -1
    assert store.report("img-1", "r0", "other", None).counted is False


def test_expired_images_leave_the_reported_index_a_bounded_slice_at_a_time(store, redis_client):
    ids = [f"img-{n}" for n in range(400)]
    for image_id in ids:
        store.report(image_id, "r0", "other", None)
    expired = ids[:300]
    redis_client.delete(*map(image_key, expired))  # what the TTL does, without waiting 30 days

    checked, pruned = store.prune_reported(budget=50)
    assert checked < 200 and pruned < 300  # one pass looks at a slice, not at everything
    passes = 1
    while redis_client.zcard(REPORTED) > 100:
        store.prune_reported(budget=50)
        passes += 1
        assert passes < 100
    assert sorted(redis_client.zrange(REPORTED, 0, -1)) == sorted(ids[300:])


def test_the_reconcile_pass_prunes(services, store, redis_client):
    for image_id in ("img-1", "img-2"):
        store.report(image_id, "r0", "other", None)
    redis_client.delete(image_key("img-1"))
    done = reconcile(services)
    assert (done.checked, done.pruned) == (2, 1)
    assert redis_client.zrange(REPORTED, 0, -1) == ["img-2"]
