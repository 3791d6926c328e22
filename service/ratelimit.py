"""Per-reporter limits on reports: flask-limiter on the app's Redis, keyed by an HMAC, never by an address.

All the limiter wiring lives here, so that the check can later move into the report script
without touching the views.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import time

from flask import Flask, current_app, g
from flask_limiter import Limiter, RateLimitExceeded
from flask_smorest import abort
from redis import Redis

from config import Settings

EXTENSION = "imgmod.ratelimit"
KEY_PREFIX = "imgmod:rl"  # flask-limiter's counters live under imgmod:rl:LIMITER/<key>/report/...
SCOPE = "report"
# 96 bits, as for reporter hashes: plenty to keep reporters apart, short keys in Redis.
DIGEST_BYTES = 12


def rate_key(secret: str, identity: str) -> str:
    """One key per reporter across all images; a different HMAC domain than the per-image hashes."""
    mac = hmac.new(secret.encode(), f"rate-limit\x00{identity}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:DIGEST_BYTES]).decode()


def _current_key() -> str | None:
    # flask-limiter's default key is the remote address; ours is set by ReportLimits.check.
    return g.get("imgmod_rate_key")


class ReportLimits:
    """IMGMOD_REPORT_RATE_LIMIT for each reporter, counted in Redis so every process shares it."""

    def __init__(self, app: Flask, settings: Settings, redis: Redis):
        self.secret = settings.secret_key
        self.limiter = Limiter(
            key_func=_current_key,
            app=app,
            # The scheme only selects limits' Redis storage: it runs on the app's own pool, with the
            # same short time-outs, so an outage raises a Redis error that becomes our 503.
            storage_uri="redis://",
            storage_options={"connection_pool": redis.connection_pool, "key_prefix": KEY_PREFIX},
            strategy="fixed-window",
            headers_enabled=False,  # X-RateLimit-* would cost a Redis round trip on every report
            swallow_errors=False,  # never let reports through unlimited because Redis failed
            in_memory_fallback_enabled=False,  # per-process memory would not be shared by gunicorn workers
        )
        self.limit = self.limiter.shared_limit(settings.report_rate_limit, scope=SCOPE, key_func=_current_key)

    def check(self, identity: str) -> None:
        """Count one report against `identity`'s limits; 429 with Retry-After once they are spent."""
        g.imgmod_rate_key = rate_key(self.secret, identity)
        try:
            # flask-limiter's context-manager form: the limit is hit on entering the block.
            with self.limit:
                pass
        except RateLimitExceeded as breach:
            wait = self._seconds_to_wait()
            abort(429, message=f"Too many reports ({breach.limit.limit}); try again in {wait} seconds.",
                  headers={"Retry-After": str(wait)})

    def _seconds_to_wait(self) -> int:
        spent = self.limiter.current_limit  # the breached limit, with this request's key
        return max(1, math.ceil(spent.window.reset_time - time.time()))


def init_app(app: Flask, settings: Settings, redis: Redis) -> None:
    app.extensions[EXTENSION] = ReportLimits(app, settings, redis)


def report_limits() -> ReportLimits:
    return current_app.extensions[EXTENSION]
