"""Signed webhook delivery to the site."""
from __future__ import annotations

import hashlib
import hmac

import requests

TIMEOUT = (3, 10)


class WebhookRejected(Exception):
    """The site did not answer 2xx; RQ retries the job with back-off."""


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(url: str, secret: str, body: str, timeout: tuple[float, float] = TIMEOUT) -> int:
    """POST the exact body (so retries are byte-identical); raise unless the site answers 2xx."""
    payload = body.encode()
    try:
        response = requests.post(url, data=payload, timeout=timeout, allow_redirects=False, headers={
            "Content-Type": "application/json",
            "User-Agent": "imgmod-webhook",
            "X-Imgmod-Signature": signature(secret, payload),
        })
    except requests.RequestException as error:
        raise WebhookRejected(type(error).__name__) from None
    if not 200 <= response.status_code < 300:
        raise WebhookRejected(f"HTTP {response.status_code}")
    return response.status_code
