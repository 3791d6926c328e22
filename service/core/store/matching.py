"""Matching ("Same picture elsewhere"): registered images' perceptual hashes and the log workers'
caches read, hides of copies through their source, and the known-fine photos.

Owns `imgmod:match:*`: MATCH_HASHES, MATCH_URLS, MATCH_LOG, MATCH_LOG_BASE, MATCH_EPOCH, MATCHED_FROM,
`imgmod:match:rel:<id>` (RELEASED_PREFIX), `imgmod:match:cp:<id>` (COPIES_PREFIX), MATCH_FINE,
MATCH_FINE_VERSION, MATCH_NEAR_FINE; and the sweep's cursor `imgmod:prune:match` (MATCH_PRUNE_CURSOR).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Iterator, Sequence

from service.core.store.base import StoreBase
from service.core.store.keys import (AUDIT, COPIES_PREFIX, HIDDEN, MATCH_EPOCH, MATCH_FINE, MATCH_FINE_VERSION,
                                     MATCH_HASHES, MATCH_LOG, MATCH_LOG_BASE, MATCH_NEAR_FINE, MATCH_PRUNE_CURSOR,
                                     MATCH_URLS, MATCHED_FROM, OUTBOX, PENDING, PROTECTED, RECENT_AUTO_HIDES,
                                     REGISTERED_URL_PREFIX, RELEASED_PREFIX, REVIEW, STATS, image_key)
from service.core.store.scripts import _text


@dataclass(frozen=True)
class Matches:
    """An image's place in matching, for editors: the source it was hidden through, or its copies."""
    source: tuple[str, int | None] | None  # (source id, distance in bits) of a copy hidden by matching
    copies: list[tuple[str, int]]  # (copy id, distance) of the copies hidden through it, nearest first
    copies_total: int  # all of them, however many `copies` lists


class Matching(StoreBase):
    """The Store's part for matching: hashes, copies and known-fine photos."""

    def match_hide(self, copy: str, source: str, distance: int) -> str | None:
        """Hide `copy` because it is within `distance` of the hidden source `source`: its outbox entry, or
        None when the hide is not (or no longer) due: see match_hide.lua."""
        event = self._match_hide(
            keys=[image_key(copy), HIDDEN, PENDING, PROTECTED, REVIEW, AUDIT, OUTBOX, STATS, MATCHED_FROM,
                  RELEASED_PREFIX + copy, COPIES_PREFIX + source, MATCH_URLS, RECENT_AUTO_HIDES, MATCH_FINE,
                  MATCH_NEAR_FINE],
            args=[copy, source, distance, self.audit_max_events, self.trust.brake],
        )
        return _text(event) if event else None

    def matches(self, image_id: str, limit: int) -> Matches:
        """The source of a copy hidden by matching, with its distance; the nearest `limit` copies of a source."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.hget(MATCHED_FROM, image_id).zscore(HIDDEN, image_id).zcard(COPIES_PREFIX + image_id)
        pipe.zrange(COPIES_PREFIX + image_id, 0, limit - 1, withscores=True)
        source, hidden_at, total, copies = pipe.execute()
        found = None
        if source is not None and hidden_at is not None:
            distance = self.redis.zscore(COPIES_PREFIX + _text(source), image_id)
            found = (_text(source), None if distance is None else int(distance))
        return Matches(found, [(_text(copy), int(distance)) for copy, distance in copies], int(total))

    def sources(self, image_ids: Sequence[str]) -> list[bool]:
        """Whether each image is a source: hidden, and not itself hidden by matching."""
        if not image_ids:
            return []
        pipe = self.redis.pipeline(transaction=False)
        pipe.zmscore(HIDDEN, list(image_ids))
        pipe.hmget(MATCHED_FROM, list(image_ids))
        hidden, matched = pipe.execute()
        return [at is not None and source is None for at, source in zip(hidden, matched)]

    def save_hash(self, image_id: str, bits: bytes, quality: int, url: str | None = None,
                  at: int | None = None, variants: bytes = b"") -> None:
        """Keep an image's perceptual hash (with the hashes of it turned and mirrored, and the URL it was
        registered with), and log it for the caches; `at` (seconds, Redis's clock when not given) starts
        its retention."""
        self.save_hashes([(image_id, bits, quality, url, variants)], at)

    def save_hashes(self, images: Sequence[tuple], at: int | None = None) -> None:
        """save_hash for each (image id, hash, quality, URL[, variants]), in one transaction."""
        if at is None:
            at = int(self.redis.time()[0])
        pipe = self.raw.pipeline(transaction=True)
        pipe.set(MATCH_EPOCH, uuid.uuid4().hex, nx=True)
        for image_id, bits, quality, url, *variants in images:
            pipe.hset(MATCH_HASHES, image_id,
                      bits + bytes([max(0, min(255, quality))]) + at.to_bytes(4, "big") + b"".join(variants))
            if url:
                pipe.hset(MATCH_URLS, image_id, url)
            pipe.rpush(MATCH_LOG, image_id)
        pipe.execute()

    def has_hash(self, image_id: str) -> bool:
        return bool(self.raw.hexists(MATCH_HASHES, image_id))

    def registered_url(self, image_id: str) -> str | None:
        url = self.redis.hget(MATCH_URLS, image_id) or self.redis.get(REGISTERED_URL_PREFIX + image_id)
        return None if url is None else _text(url)

    def hash_log(self, position: int, count: int) -> tuple[str, int, int, list[str]]:
        """(epoch, base, length, ids): up to `count` ids logged from `position` on (positions count every
        entry ever logged, trimmed ones too), the entries trimmed so far and the log's length, and the
        epoch of the hashes ('' before the first). No ids when the position is not inside the log:
        trimmed past, or Redis lost the log."""
        epoch, base, length, *ids = self._read_hash_log(keys=[MATCH_LOG, MATCH_LOG_BASE, MATCH_EPOCH],
                                                        args=[position, count])
        return _text(epoch), int(base), int(length), [_text(image_id) for image_id in ids]

    def trim_hash_log(self, keep: int) -> int:
        """Drop the log's oldest entries beyond max(number of hashes, `keep`); how many were dropped."""
        return int(self._trim_hash_log(keys=[MATCH_LOG, MATCH_LOG_BASE, MATCH_HASHES], args=[keep]))

    def all_hashes(self, chunk: int) -> Iterator[list[tuple[str, bytes, int]]]:
        """Every known (image id, hash, quality), about `chunk` at a time (HSCAN: one may come twice)."""
        cursor = None
        while cursor != 0:
            cursor, entries = self.raw.hscan(MATCH_HASHES, cursor or 0, count=chunk)
            yield [(_text(image_id), value[:32], value[32]) for image_id, value in entries.items()]

    def hashes(self, image_ids: Sequence[str]) -> list[tuple[bytes, int] | None]:
        """(hash, quality) of each image, None where none is known."""
        if not image_ids:
            return []
        return [None if value is None else (value[:32], value[32]) for value in self.raw.hmget(MATCH_HASHES, image_ids)]

    def dihedral(self, image_id: str) -> list[bytes]:
        """An image's hash and those of it turned and mirrored (just its hash if kept without them); []
        when none is known."""
        value = self.raw.hget(MATCH_HASHES, image_id)
        return [] if value is None else [value[:32], *split_hashes(value[37:])]

    def prune_hashes(self, retention_seconds: int, budget: int = 1000) -> tuple[int, int]:
        """Sweep about `budget` registrations, forgetting those older than `retention_seconds` that are
        not hidden, with the sources they were released from (prune_hashes.lua); (checked, pruned). A
        cursor in Redis carries the sweep on."""
        cursor = int(self.raw.get(MATCH_PRUNE_CURSOR) or 0)
        cutoff = int(self.redis.time()[0]) - retention_seconds
        cursor, entries = self.raw.hscan(MATCH_HASHES, cursor, count=budget)
        old = [part for image_id, value in entries.items()
               if int.from_bytes(value[33:37], "big") < cutoff for part in (image_id, value)]
        pruned = int(self._prune_hashes(keys=[MATCH_HASHES, MATCH_URLS, MATCH_LOG, HIDDEN, MATCH_NEAR_FINE],
                                        args=[RELEASED_PREFIX, *old])) if old else 0
        self.raw.set(MATCH_PRUNE_CURSOR, cursor)
        return len(entries), pruned

    def fine_hashes(self, known_version: tuple[str, int] | None
                    ) -> tuple[tuple[str, int], dict[str, tuple[bytes, int, list[bytes]]] | None]:
        """(version, {id: (hash, quality, its turned and mirrored hashes)}) of the known-fine photos; None
        for the hashes when the version is still `known_version`. The version is the hashes' epoch and
        the count of changes, which starts again when Redis loses its data."""
        epoch, changes = self.raw.mget(MATCH_EPOCH, MATCH_FINE_VERSION)
        version = (_text(epoch or b""), int(changes or 0))
        if version == known_version:
            return version, None
        pipe = self.raw.pipeline(transaction=True)
        pipe.mget(MATCH_EPOCH, MATCH_FINE_VERSION).hgetall(MATCH_FINE)
        (epoch, changes), fine = pipe.execute()
        return (_text(epoch or b""), int(changes or 0)), {
            _text(image_id): (value[:32], value[32], split_hashes(value[33:])) for image_id, value in fine.items()}

    def mark_near_fine(self, marks: Sequence[tuple[str, str]]) -> None:
        """Mark each (image id, known-fine image id): the image's crossings go to review while the other
        stays known fine."""
        if marks:
            self.redis.hset(MATCH_NEAR_FINE, mapping=dict(marks))


def split_hashes(run: bytes) -> list[bytes]:
    """The 32-byte hashes in a run of them (a registration's turned and mirrored variants)."""
    return [run[start:start + 32] for start in range(0, len(run) - 31, 32)]
