"""What every part of the Store shares (the connections, the settings, the loaded scripts), and the
guard that runs an admin action If-Match and at most once per Idempotency-Key.

Owns `imgmod:once:<hmac>` (ONCE_PREFIX): an admin action asked with an Idempotency-Key, then its answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from redis import Redis

from service.core.connections import DirectCommands
from service.core.store.keys import ONCE_TTL_MS, TAG_INDEXES
from service.core.store.scripts import DirectScript, _text

if TYPE_CHECKING:
    from service.core.ratelimit import Window
    from service.core.store.trust import TrustRules


@dataclass(frozen=True)
class Once:
    """An admin action asked with an Idempotency-Key."""
    key: str  # the record's Redis key: ONCE_PREFIX and a keyed hash of the admin and the key
    fingerprint: str  # what was asked (method, path, body): a repeat must ask the same


class Changed(Exception):
    """The image changed since the editor saw it (If-Match): nothing was done. `tag` is its tag now."""

    def __init__(self, tag: str):
        super().__init__("The image changed")
        self.tag = tag


class Repeated(Exception):
    """The Idempotency-Key was used already: nothing was done. `recorded` is what was asked then,
    and the answer given after a newline once there was one."""

    def __init__(self, recorded: str):
        super().__init__("Idempotency-Key used already")
        self.recorded = recorded


class StoreBase:
    """What the Store's parts (images, matching, trust, ...) share; Store.__init__ sets it up."""
    redis: Redis
    raw: Redis  # replies left as bytes: placeholders and hashes
    threshold: int
    audit_max_events: int
    report_ttl_seconds: int
    trust: TrustRules
    rate_windows: tuple[Window, ...]
    min_replicas_ack: int
    _direct: DirectCommands
    _lookups: DirectCommands
    _guarded: dict[tuple[str, bool, bool], DirectScript]

    def _action(self, name: str, keys: list, args: list, once: Once | None, if_match: Sequence[str] | None = None):
        """Run an admin action's script, at most once for `once`'s key (else Repeated), and only while
        the image's tag is one of `if_match` (else Changed)."""
        if once is None and if_match is None:
            return getattr(self, "_" + name)(keys=keys, args=args)
        guard_keys, guard_args = (TAG_INDEXES, [" ".join(if_match)]) if if_match is not None else ((), [])
        once_keys, once_args = ([once.key], [once.fingerprint, ONCE_TTL_MS]) if once is not None else ([], [])
        outcome, reply = self._guarded[(name, once is not None, if_match is not None)](
            keys=[*keys, *guard_keys, *once_keys], args=[*args, *guard_args, *once_args])
        if _text(outcome) == "repeat":
            raise Repeated(_text(reply))
        if _text(outcome) == "changed":
            raise Changed(_text(reply))
        return reply

    def record_answer(self, once: Once, answer: str) -> None:
        """Keep the first answer to an action asked with `once`, for its repeats (the record's lifetime stays)."""
        self.redis.set(once.key, once.fingerprint + "\n" + answer, xx=True, keepttl=True)

    def ping(self) -> bool:
        return bool(self.redis.ping())
