"""Per-reporter limits on reports, counted by the report's own script: keyed by an HMAC, never by an address.

IMGMOD_REPORT_RATE_LIMIT keeps flask-limiter's syntax (`10/minute;100/day`), parsed once by
`limits`, the library flask-limiter itself parses with. Each limit is a fixed window, as
flask-limiter's default strategy: one counter per reporter and window, expiring with it. The
check and the count happen in `report.lua`, in the same atomic step as the report, so a report
costs one Redis round trip, every process shares the counters, and a report answered 429 is
neither counted nor charged to any window.
"""
from __future__ import annotations

from dataclasses import dataclass

from limits import parse_many

from service.core.identity import keyed_hash


@dataclass(frozen=True)
class Window:
    """One limit of IMGMOD_REPORT_RATE_LIMIT: at most `amount` reports per `seconds`."""
    amount: int
    seconds: int
    text: str  # as flask-limiter words it: "10 per 1 minute"


def windows(spec: str) -> tuple[Window, ...]:
    return tuple(Window(item.amount, item.get_expiry(), str(item)) for item in parse_many(spec))


def rate_key(secret: str, identity: str) -> str:
    """One key per reporter across all images; a different HMAC domain than the per-image hashes."""
    return keyed_hash(secret, "rate-limit", identity)
