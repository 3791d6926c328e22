"""Signed webhooks: one image.hidden per hide, image.restored per reset, retried with the same event_id."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from rq import Queue
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from harness.wait import wait_until
from service import create_app
from service.core import followups
from service.core.queue import FOLLOWUP_QUEUE_NAME
from tests.conftest import Workers, with_settings
from tests.http_fixtures import LocalServer
from workers.webhook import WebhookRejected, deliver

WEBHOOK_SECRET = "webhook-secret-shared-with-the-site"
# The Standard Webhooks form: `whsec_` and the base64 of the key's bytes (here 32 of them).
STANDARD_SECRET = "whsec_" + base64.b64encode(hashlib.sha256(b"the site's own key").digest()).decode()


class Receiver(LocalServer):
    """The site's webhook endpoint: checks nothing itself, fails the first `failures` calls."""

    def __init__(self):
        self.failures = 0
        super().__init__(self.answer)

    def answer(self, request):
        failing = len(self.requests) <= self.failures
        return (500 if failing else 204), {}, b""

    def events(self) -> list[dict]:
        return [json.loads(request.body) for request in self.requests]

    def wait_for(self, count: int, seconds: float = 30) -> list[dict]:
        deadline = time.monotonic() + seconds
        while len(self.requests) < count:
            assert time.monotonic() < deadline, f"{len(self.requests)} webhook calls, expected {count}"
            time.sleep(0.05)
        return self.events()


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def webhook_secret():
    return WEBHOOK_SECRET


@pytest.fixture
def settings(settings, receiver, webhook_secret):
    return with_settings(settings, webhook_url=f"http://127.0.0.1:{receiver.port}/hooks/imgmod",
                         webhook_secret=webhook_secret)


def spec_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """`webhook-signature` as the Standard Webhooks specification defines it, computed here by hand:
    v1, then the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the `whsec_` secret's
    base64-decoded bytes, or with any other secret's UTF-8 bytes."""
    key = base64.b64decode(secret.removeprefix("whsec_")) if secret.startswith("whsec_") else secret.encode()
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verifiers(secret: str) -> list[Webhook]:
    """The specification's library as a receiver builds it from the secret: a `whsec_` secret as it is;
    any other as its UTF-8 bytes, or (for libraries that take only the string form) `whsec_` and
    their base64."""
    if secret.startswith("whsec_"):
        return [Webhook(secret)]
    return [Webhook(secret.encode()), Webhook("whsec_" + base64.b64encode(secret.encode()).decode())]


def no_follow_up_left(services) -> bool:
    """Nothing queued, running or waiting for a retry: no further webhook can be sent."""
    queue = Queue(FOLLOWUP_QUEUE_NAME, connection=services.hides.connection)
    return queue.count == 0 and StartedJobRegistry(queue=queue).count == 0 \
        and ScheduledJobRegistry(queue=queue).count == 0


def test_hide_posts_a_signed_event(services, workers, receiver, cross):
    cross("img-1", reason="hate")
    workers.start(1)
    [event] = receiver.wait_for(1)
    request = receiver.requests[0]
    assert request.path == "/hooks/imgmod" and request.headers["Content-Type"] == "application/json"
    expected = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Imgmod-Signature"], expected)
    assert set(event) == {"event", "event_id", "image_id", "at", "hidden_by"}
    assert event["hidden_by"] == "reports"
    assert (event["event"], event["image_id"]) == ("image.hidden", "img-1")
    hidden_at = services.store.status("img-1")["hidden_at"]
    assert datetime.fromisoformat(event["at"]).timestamp() == pytest.approx(hidden_at / 1000, abs=0.001)


def test_failures_are_retried_with_the_same_event_id(services, workers, receiver, cross):
    receiver.failures = 2
    cross("img-1", reason="hate")
    workers.start(1)
    events = receiver.wait_for(3)
    assert len({event["event_id"] for event in events}) == 1
    assert len({request.body for request in receiver.requests}) == 1  # byte-identical
    assert len({request.headers["X-Imgmod-Signature"] for request in receiver.requests}) == 1
    wait_until(lambda: no_follow_up_left(services), what="the webhook job to finish")
    assert len(receiver.requests) == 3  # delivered: no more retries


def test_several_workers_send_one_event_per_hide(services, workers, receiver, cross):
    images = [f"img-{n}" for n in range(6)]
    for image_id in images:
        cross(image_id, reason="hate")
    workers.start(3)
    receiver.wait_for(len(images))
    wait_until(lambda: no_follow_up_left(services), what="every follow-up to finish")
    events = receiver.events()
    assert sorted(event["image_id"] for event in events) == images
    assert len({event["event_id"] for event in events}) == len(images)


def test_reset_posts_a_restore_event(services, workers, receiver, admin, cross):
    cross("img-1", reason="hate")
    workers.start(1)
    [hidden] = receiver.wait_for(1)
    admin.post("/images/img-1/reset", json={"note": "fine"})
    hidden_again, restored = receiver.wait_for(2)
    assert hidden_again == hidden
    assert (restored["event"], restored["image_id"]) == ("image.restored", "img-1")
    assert restored["event_id"] != hidden["event_id"]


def test_manual_hide_posts_an_event(services, workers, receiver, admin):
    admin.post("/images/img-1/hide")
    workers.start(1)
    [event] = receiver.wait_for(1)
    assert (event["event"], event["image_id"]) == ("image.hidden", "img-1")


def test_follow_ups_left_by_a_dead_process_are_recovered(services, workers, receiver):
    """A hide whose process died before queueing its follow-ups: the outbox keeps it."""
    services.store.hide_now("img-1", "test")  # state changed, follow-ups never dispatched
    assert followups.recover(services, older_than_seconds=60) == 0  # too fresh to be orphaned
    assert followups.recover(services, older_than_seconds=0) == 1
    assert followups.recover(services, older_than_seconds=0) == 0  # dispatched once
    workers.start(1)
    [event] = receiver.wait_for(1)
    assert event["image_id"] == "img-1"


def test_no_webhook_configured_sends_nothing(settings, receiver, cross):
    quiet = with_settings(settings, webhook_url=None, webhook_secret=None)
    services = create_app(quiet).extensions["imgmod"]
    cross("img-1", reason="hate")
    Workers(quiet).burst()
    assert services.store.status("img-1")["hidden"] is True
    assert receiver.requests == []


def test_a_receiver_that_times_out_is_a_failure_to_retry():
    def stall(request):
        time.sleep(1.5)
        return 204, {}, b""

    with LocalServer(stall) as slow:
        with pytest.raises(WebhookRejected, match="Timeout"):
            deliver(f"http://127.0.0.1:{slow.port}/", WEBHOOK_SECRET, '{"event":"image.hidden","event_id":"e1"}',
                    timeout=(1, 0.3))


@pytest.mark.parametrize("webhook_secret", [WEBHOOK_SECRET, STANDARD_SECRET], ids=["plain", "whsec"])
def test_a_delivery_carries_the_standard_webhooks_headers(services, workers, receiver, webhook_secret, cross):
    cross("img-1", reason="hate")
    workers.start(1)
    [event] = receiver.wait_for(1)
    request = receiver.requests[0]
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["webhook-id"] == event["event_id"]
    # Unix seconds of this attempt: taken just before the request was sent.
    assert request.at - 5 < int(headers["webhook-timestamp"]) <= request.at
    expected = spec_signature(webhook_secret, event["event_id"], headers["webhook-timestamp"], request.body)
    assert headers["webhook-signature"] == expected
    for webhook in verifiers(webhook_secret):
        assert webhook.verify(request.body, request.headers) == event
    # The deprecated header is unchanged: the body alone, keyed with the secret's UTF-8 bytes as written.
    legacy = "sha256=" + hmac.new(webhook_secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert headers["x-imgmod-signature"] == legacy
    # Signed with another key, or over another body, it does not verify.
    with pytest.raises(WebhookVerificationError):
        Webhook(b"another-secret-of-another-site").verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        verifiers(webhook_secret)[0].verify(request.body.replace(b"img-1", b"img-2"), request.headers)


def test_each_attempt_is_signed_at_its_own_time(services, workers, receiver, cross):
    receiver.failures = 1
    cross("img-1", reason="hate")
    workers.start(1)
    receiver.wait_for(2)
    wait_until(lambda: no_follow_up_left(services), what="the webhook job to finish")
    first, retry = receiver.requests
    assert first.body == retry.body and first.headers["webhook-id"] == retry.headers["webhook-id"]
    # RQ retries after 1 s at the earliest: the retry has a later timestamp, hence another signature.
    assert int(first.headers["webhook-timestamp"]) < int(retry.headers["webhook-timestamp"])
    assert first.headers["webhook-signature"] != retry.headers["webhook-signature"]
    for attempt in (first, retry):
        timestamp = attempt.headers["webhook-timestamp"]
        assert attempt.at - 5 < int(timestamp) <= attempt.at
        assert attempt.headers["webhook-signature"] == spec_signature(
            WEBHOOK_SECRET, attempt.headers["webhook-id"], timestamp, attempt.body)
        assert Webhook(WEBHOOK_SECRET.encode()).verify(attempt.body, attempt.headers)["image_id"] == "img-1"


def test_a_delivery_replayed_after_five_minutes_is_refused(receiver):
    """A captured delivery verifies for 5 minutes only, and its timestamp cannot be refreshed."""
    url = f"http://127.0.0.1:{receiver.port}/hooks/imgmod"
    body = '{"event":"image.hidden","event_id":"8d3c0f4e-0000-5000-8000-000000000001","image_id":"img-1"}'
    deliver(url, WEBHOOK_SECRET, body, clock=lambda: time.time() - 290)  # sent 4 min 50 s ago
    deliver(url, WEBHOOK_SECRET, body, clock=lambda: time.time() - 310)  # sent 5 min 10 s ago
    recent, old = receiver.requests
    webhook = Webhook(WEBHOOK_SECRET.encode())
    assert webhook.verify(recent.body, recent.headers)["image_id"] == "img-1"
    with pytest.raises(WebhookVerificationError, match="too old"):
        webhook.verify(old.body, old.headers)
    refreshed = {**old.headers, "webhook-timestamp": str(int(time.time()))}
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        webhook.verify(old.body, refreshed)
    # What the deprecated header alone cannot do: it still matches the old delivery's body.
    assert old.headers["X-Imgmod-Signature"] == recent.headers["X-Imgmod-Signature"]
