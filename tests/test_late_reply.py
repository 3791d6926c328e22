"""A Redis reply that comes after the client's time-out: the script ran once, and is never run again.

The proxy holds back one script's reply (not its request) until the client has given up: the
caller gets a 503 and may retry; the state shows the script's effects exactly once.
"""
from __future__ import annotations

import json

import pytest

from service import create_app
from service.core.store import AUDIT, OUTBOX, PENDING, RATE_PREFIX, image_key
from tests.conftest import ADMIN_TOKEN, with_settings
from tests.proxy import LateReplyProxy


@pytest.fixture
def proxy(redis_server):
    proxy = LateReplyProxy(redis_server.port)
    yield proxy
    proxy.close()


@pytest.fixture
def late_client(settings, proxy):
    return create_app(with_settings(settings, redis_url=proxy.url)).test_client()


def report(client, ip: str):
    return client.post("/v1/reports", json={"image_id": "img-1"}, environ_base={"REMOTE_ADDR": ip})


def test_a_late_report_reply_is_a_503_and_the_report_counts_once(late_client, proxy, redis_client):
    for ip in ("198.51.100.1", "198.51.100.2"):
        assert report(late_client, ip).status_code == 202

    proxy.hold_next_script_reply()
    answer = report(late_client, "198.51.100.3")  # the one that reaches the threshold
    assert proxy.held.is_set()
    assert answer.status_code == 503 and answer.headers["Retry-After"].isdigit()
    proxy.release.set()

    assert redis_client.hget(image_key("img-1"), "n") == "3"  # counted once, not twice
    assert redis_client.zscore(PENDING, "img-1") is not None  # crossed: the reconciler owes it a hide
    charged = [int(redis_client.get(key)) for key in redis_client.scan_iter(RATE_PREFIX + "*")]
    assert sorted(charged) == [1, 1, 1]  # each reader's window charged once
    again = report(late_client, "198.51.100.3")  # the reader's retry: already counted
    assert again.status_code == 202 and again.json["counted"] is False


def test_a_late_reset_reply_is_a_503_and_the_reset_happens_once(late_client, proxy, redis_client):
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert late_client.post("/v1/admin/images/img-1/hide", headers=headers).status_code == 200
    late_client.post("/v1/admin/images/img-0/reset", headers=headers, json={})  # Redis now has the script
    redis_client.delete(AUDIT, OUTBOX)  # the hide's follow-ups are not what this test counts

    proxy.hold_next_script_reply()
    answer = late_client.post("/v1/admin/images/img-1/reset", headers=headers, json={})
    assert proxy.held.is_set()
    assert answer.status_code == 503
    proxy.release.set()

    resets = [fields for _, fields in redis_client.xrange(AUDIT) if fields["type"] == "reset"]
    assert len(resets) == 1 and json.loads(resets[0]["detail"])["was_hidden"] is True
    assert redis_client.hget(image_key("img-1"), "g") == "1"  # bumped once
    assert len(redis_client.zrange(OUTBOX, 0, -1)) == 1  # one restore owed: one webhook


def test_a_reset_retried_after_a_late_reply_with_its_idempotency_key_applies_once(late_client, proxy, redis_client):
    """The editor's retry after the 503 (the reset was applied; its reply came too late) used to reset
    again: two audit events, generation +2, two restores. With the same Idempotency-Key it changes
    nothing and answers the image as the first reset left it."""
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert late_client.post("/v1/admin/images/img-1/hide", headers=headers).status_code == 200
    late_client.post("/v1/admin/images/img-0/reset", headers={**headers, "Idempotency-Key": "load-the-script"},
                     json={})
    redis_client.delete(AUDIT, OUTBOX)

    proxy.hold_next_script_reply()
    keyed = {**headers, "Idempotency-Key": "reset-img-1-click-1"}
    assert late_client.post("/v1/admin/images/img-1/reset", headers=keyed, json={}).status_code == 503
    proxy.release.set()
    retried = late_client.post("/v1/admin/images/img-1/reset", headers=keyed, json={})

    assert retried.status_code == 200 and retried.headers["Idempotent-Replayed"] == "true"
    assert (retried.json["image_id"], retried.json["state"]) == ("img-1", "visible")
    assert [fields["type"] for _, fields in redis_client.xrange(AUDIT)] == ["reset"]
    assert redis_client.hget(image_key("img-1"), "g") == "1"
    assert len(redis_client.zrange(OUTBOX, 0, -1)) == 1
