"""Bounded memory: the sweep forgets never-crossed images after their silence; crossed, hidden and reset ones stay."""
from __future__ import annotations

import pytest

from service import create_app
from service.core.store import REPORTED, image_key
from tests.conftest import with_settings
from workers.reconcile import reconcile

# The Lua scripts these tests drive run on every server binary present (tests/conftest.py).
pytestmark = pytest.mark.every_server

DAY = 86400


def fall_silent(redis_client, image_id: str, seconds: float) -> None:
    """Date the image's reports `seconds` back, as if that much time had passed since the last one."""
    server_s, server_us = redis_client.time()
    then = str(int(server_s * 1000 + server_us // 1000 - seconds * 1000))
    key = image_key(image_id)
    redis_client.hset(key, "f", then)
    if redis_client.hexists(key, "l"):
        redis_client.hset(key, "l", then)


def sweep(store) -> int:
    """A full pass of the sweep over the reported index; how many images it forgot."""
    forgotten = 0
    while True:
        checked, pruned = store.prune_reported(budget=1000)
        forgotten += pruned
        if checked < 1000:
            return forgotten


def known(redis_client, image_id: str) -> bool:
    return bool(redis_client.exists(image_key(image_id))) and redis_client.zscore(REPORTED, image_id) is not None


def test_a_never_crossed_image_is_forgotten_after_the_configured_days(settings, redis_client):
    store = create_app(with_settings(settings, report_ttl_days=2)).extensions["imgmod"].store
    for image_id in ("img-old", "img-recent"):
        store.report(image_id, "r0", "other", None)
    fall_silent(redis_client, "img-old", 2 * DAY + 60)
    fall_silent(redis_client, "img-recent", 2 * DAY - 60)
    assert sweep(store) == 1
    assert not redis_client.exists(image_key("img-old")) and redis_client.zscore(REPORTED, "img-old") is None
    assert known(redis_client, "img-recent")
    # Forgotten means forgotten: its reporter counts afresh.
    assert store.report("img-old", "r0", "other", None).count == 1


def test_image_hashes_carry_no_ttl(store, redis_client):
    """The sweep, not a TTL, forgets images: an expiry would cost every image ~43 bytes."""
    store.report("img-1", "r0", "other", None)
    assert redis_client.ttl(image_key("img-1")) == -1


def test_only_a_counted_report_restarts_the_silence(store, redis_client):
    for image_id in ("img-1", "img-2"):
        store.report(image_id, "r0", "other", None)
        fall_silent(redis_client, image_id, 31 * DAY)
    store.report("img-1", "r0", "other", None)  # a repeat counts nothing and restarts nothing
    store.report("img-2", "r1", "other", None)
    assert sweep(store) == 1
    assert not known(redis_client, "img-1") and known(redis_client, "img-2")
    assert store.status("img-2")["last_reported_at"] > store.status("img-2")["first_reported_at"]


def test_crossed_hidden_and_reset_images_are_never_forgotten(store, redis_client):
    for image_id in ("img-pending", "img-hidden", "img-reset"):
        for n in range(3):
            outcome = store.report(image_id, f"r{n}", "other", None)
        assert outcome.crossed
        if image_id != "img-pending":
            assert store.hide_if_current(image_id, outcome.generation)
    store.reset("img-reset", actor="cli:test")
    store.report("img-reset", "r10", "other", None)
    for image_id in ("img-pending", "img-hidden", "img-reset"):
        fall_silent(redis_client, image_id, 365 * DAY)
    assert sweep(store) == 0
    assert all(known(redis_client, image_id) for image_id in ("img-pending", "img-hidden", "img-reset"))
    # Reset: kept, so the dismissed reporters stay dismissed (see docs/operations.md, Memory).
    assert store.report("img-reset", "r0", "other", None).counted is False


def test_a_protected_image_keeps_its_reports_however_long_it_is_silent(store, redis_client):
    """The sweep forgot protected images: lifting the protection then hid nothing."""
    store.set_protection("img-1", True, actor="cli:test")
    for n in range(3):
        assert store.report("img-1", f"r{n}", "other", None).crossed is False
    fall_silent(redis_client, "img-1", 365 * DAY)
    assert sweep(store) == 0
    assert store.report("img-1", "r0", "other", None).counted is False  # still known
    assert store.set_protection("img-1", False, actor="cli:test").crossed is True


def test_expired_images_leave_the_reported_index_a_bounded_slice_at_a_time(store, redis_client):
    ids = [f"img-{n}" for n in range(400)]
    for image_id in ids:
        store.report(image_id, "r0", "other", None)
    expired = ids[:300]
    redis_client.delete(*map(image_key, expired))  # gone, as if deleted by hand

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
