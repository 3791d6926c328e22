"""What keeps the store whole behind the requests: the outbox of owed follow-ups, the reconciler's
claims on lost crossings and its turn, and the sweep that forgets images that never crossed.

Owns `imgmod:outbox` (OUTBOX), `imgmod:lock:reconcile` (RECONCILE_LOCK) and `imgmod:prune:reported`
(PRUNE_CURSOR); the reconciler's claim fields `k`/`q` live in the image hash (images.py's).
"""
from __future__ import annotations

from dataclasses import dataclass

from service.core.store.base import StoreBase
from service.core.store.keys import (HIDDEN, MAX_BACKOFF_DOUBLINGS, OUTBOX, PENDING, PROTECTED, PRUNE_CURSOR,
                                     RECONCILE_LOCK, REPORTED, REVIEW, comments_key, image_key)
from service.core.store.scripts import _text


@dataclass(frozen=True)
class OutboxEvent:
    """A hide, restore or review request whose follow-ups (placeholder, webhook) are owed."""
    kind: str  # hidden | restored | review_requested
    generation: int
    image_id: str
    at_ms: int
    matched_from: str | None = None  # a hide by matching: its source ('hidden:match|g|ms|copy|source')
    hidden_by: str | None = None  # a hide's cause: reports | editor | match ('hidden:<cause>|...')

    @classmethod
    def parse(cls, entry: str) -> "OutboxEvent":
        kind, generation, at_ms, rest = entry.split("|", 3)
        image_id, _, source = rest.partition("|")  # an image id never holds '|'
        kind, _, hidden_by = kind.partition(":")
        if kind == "hidden" and not hidden_by:  # an entry written before causes were: 'hidden|...'
            hidden_by = "match" if source else "reports"
        return cls(kind, int(generation), image_id, int(at_ms), source or None, hidden_by or None)


@dataclass(frozen=True)
class Claims:
    scanned: int  # overdue pending images looked at: the reconciler's whole cost
    crossings: list[tuple[str, int]]  # (image id, generation) whose hide must be enqueued again


class Upkeep(StoreBase):
    """The Store's part for the outbox, the reconciler and the sweep."""

    def outbox_done(self, entry: str) -> None:
        self._direct("ZREM", OUTBOX, entry)  # one command: on the direct connections, like the scripts

    def claim_outbox(self, lease_ms: int, limit: int = 100) -> list[str]:
        """Entries left undispatched for `lease_ms`, each handed to one caller per lease."""
        return [_text(entry) for entry in self._claim_outbox(keys=[OUTBOX], args=[lease_ms, limit])]

    def claim_overdue_crossings(self, grace_ms: int, page: int = 500) -> Claims:
        """Pending images crossed more than `grace_ms` ago whose hide is due again; each claimed once per back-off."""
        seconds, micros = self.redis.time()
        cutoff = seconds * 1000 + micros // 1000 - grace_ms
        scanned, crossings = 0, []
        # Only the overdue part of the pending index is read, never the visible or hidden images.
        while True:
            ids = self.redis.zrangebyscore(PENDING, "-inf", cutoff, start=scanned, num=page)
            scanned += len(ids)
            if ids:
                flat = self._claim(keys=[PENDING, *map(image_key, ids)], args=[grace_ms, MAX_BACKOFF_DOUBLINGS, *ids])
                crossings += [(_text(flat[i]), int(flat[i + 1])) for i in range(0, len(flat), 2)]
            if len(ids) < page:
                return Claims(scanned, crossings)

    def prune_reported(self, budget: int = 1000) -> tuple[int, int]:
        """Sweep about `budget` entries of the reported index, forgetting images that never crossed and
        had no counted report for `report_ttl_seconds`; (checked, pruned)."""
        cursor = int(self.redis.get(PRUNE_CURSOR) or 0)
        checked = pruned = 0
        while checked < budget:
            cursor, entries = self.redis.zscan(REPORTED, cursor, count=min(budget - checked, 500))
            ids = [_text(member) for member, _ in entries]
            checked += len(ids)
            if ids:
                per_image = [key for image_id in ids for key in (image_key(image_id), comments_key(image_id))]
                pruned += self._prune(keys=[REPORTED, PENDING, HIDDEN, PROTECTED, REVIEW, *per_image],
                                      args=[self.report_ttl_seconds * 1000, *ids])
            if cursor == 0:
                break
        self.redis.set(PRUNE_CURSOR, cursor)
        return checked, pruned

    def take_reconcile_turn(self, ttl_ms: int) -> bool:
        """True for the one caller per `ttl_ms` whose turn it is (a lock left to expire, never released)."""
        return bool(self.redis.set(RECONCILE_LOCK, "1", nx=True, px=ttl_ms))

    def pending_summary(self) -> tuple[int, float | None]:
        """How many crossings wait for their hide, and the age in seconds of the oldest."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.zcard(PENDING).zrange(PENDING, 0, 0, withscores=True).time()
        count, oldest, (seconds, micros) = pipe.execute()
        now_ms = seconds * 1000 + micros / 1000
        return int(count), (max(0.0, (now_ms - oldest[0][1]) / 1000) if oldest else None)
