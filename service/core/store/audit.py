"""The audit trail and the cluster-wide event counters.

Owns `imgmod:audit` (AUDIT, a stream the scripts append to through audit_event in prelude.lua), each
image's index of it `imgmod:audit:<id>` (audit_index_key), and `imgmod:stats` (STATS).
"""
from __future__ import annotations

from service.core.store.base import StoreBase
from service.core.store.keys import AUDIT, STATS, audit_index_key
from service.core.store.scripts import _text


class Audit(StoreBase):
    """The Store's part for the audit trail and the counters."""

    def audit(self, image_id: str | None = None, limit: int = 50, chunk: int = 1000) -> list[dict]:
        """Audit events, newest first. One image's come from its own index of entry ids (written with
        each event: audit_event in prelude.lua), so a history costs its length, not the stream's; an
        image whose events predate the index is found by reading the stream backwards in chunks."""
        if image_id is not None and self.redis.exists(audit_index_key(image_id)):
            entry_ids = self.redis.lrange(audit_index_key(image_id), 0, limit - 1)
            pipe = self.redis.pipeline(transaction=False)
            for entry_id in entry_ids:
                pipe.xrange(AUDIT, min=entry_id, max=entry_id)
            return [_event(entry_id, fields) for entries in pipe.execute() for entry_id, fields in entries]
        events: list[dict] = []
        end = "+"
        while len(events) < limit:
            entries = self.redis.xrevrange(AUDIT, max=end, count=limit if image_id is None else chunk)
            for entry_id, fields in entries:
                if image_id is None or _text(fields.get("image_id", "")) == image_id:
                    events.append(_event(entry_id, fields))
            if len(entries) < (limit if image_id is None else chunk):
                break
            end = "(" + _text(entries[-1][0])
        return events[:limit]

    def incr_stat(self, name: str, amount: int = 1) -> None:
        self.redis.hincrby(STATS, name, amount)

    def stats(self) -> dict[str, int]:
        return {_text(name): int(value) for name, value in self.redis.hgetall(STATS).items()}


def _event(entry_id, fields) -> dict:
    return {"id": _text(entry_id), **{_text(k): _text(v) for k, v in fields.items()}}
