"""Signed webhook delivery to the site.

Each attempt carries the Standard Webhooks headers, signed by the specification's own library:
`webhook-id` (the body's `event_id`, the same on every attempt), `webhook-timestamp` (Unix seconds
of this attempt) and `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`),
so a receiver that refuses timestamps older than 5 minutes refuses a captured delivery replayed later.
`X-Imgmod-Signature` (the hex HMAC-SHA256 of the body alone) is still sent, for receivers that
verify it (deprecated: it never expires).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timezone
from typing import Callable

import requests
from standardwebhooks import Webhook

TIMEOUT = (3, 10)
STANDARD_SECRET_PREFIX = "whsec_"


class WebhookRejected(Exception):
    """The site did not answer 2xx; RQ retries the job with back-off."""


def signature(secret: str, body: bytes) -> str:
    """The deprecated `X-Imgmod-Signature`: the body alone, keyed with the secret's UTF-8 bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def standard_key(secret: str) -> str | bytes:
    """The key as standardwebhooks.Webhook takes it: a `whsec_…` secret as it is (the library
    base64-decodes what follows the prefix), any other secret as its UTF-8 bytes."""
    return secret if secret.startswith(STANDARD_SECRET_PREFIX) else secret.encode()


def standard_headers(secret: str, event_id: str, body: bytes, now: float) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt made at `now` (Unix seconds)."""
    timestamp = datetime.fromtimestamp(int(now), tz=timezone.utc)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now)),
        "webhook-signature": Webhook(standard_key(secret)).sign(event_id, timestamp, body),
    }


def deliver(url: str, secret: str, body: str, timeout: tuple[float, float] = TIMEOUT,
            clock: Callable[[], float] = time.time) -> int:
    """POST the exact body (the same bytes on every retry), signed for this attempt; raise unless the
    site answers 2xx."""
    payload = body.encode()
    event_id = json.loads(payload)["event_id"]
    try:
        response = requests.post(url, data=payload, timeout=timeout, allow_redirects=False, headers={
            "Content-Type": "application/json",
            "User-Agent": "imgmod-webhook",
            **standard_headers(secret, event_id, payload, clock()),
            "X-Imgmod-Signature": signature(secret, payload),
        })
    except requests.RequestException as error:
        raise WebhookRejected(type(error).__name__) from None
    if not 200 <= response.status_code < 300:
        raise WebhookRejected(f"HTTP {response.status_code}")
    return response.status_code
