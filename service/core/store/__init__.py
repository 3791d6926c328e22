"""The Redis data model: every key, every script and every atomic operation on images.

`Store` is one object over one connection and one set of scripts, assembled from a part per concept,
each the one owner of its key families (named in its docstring; every key's name is in keys.py):
images.py (an image's state, reports, placeholders), matching.py (hashes, copies, known-fine photos),
trust.py (site accounts' records, the brake), upkeep.py (outbox, reconciler, sweep), audit.py (trail
and counters), editors.py (judging, articles, sign-in) and base.py (what they share, Idempotency-Keys).
The Lua scripts are service/core/scripts/*.lua (scripts.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from redis import Redis

from service.core.connections import DirectCommands
from service.core.store.audit import Audit
from service.core.store.base import Changed, Once, Repeated
from service.core.store.editors import Editors
from service.core.store.images import Images, ProtectionOutcome, ReportOutcome, ResetOutcome
from service.core.store.keys import (AUDIT, GROUP_PREFIX, HIDDEN, INDEXES, MATCH_FINE, MATCH_NEAR_FINE, MATCHED_FROM,
                                     ONCE_PREFIX, OUTBOX, PENDING, PREFIX, RATE_PREFIX, RECENT_AUTO_HIDES,
                                     RECONCILE_LOCK, RECORD_PREFIX, REPORTED, REVIEW, STATS, image_key)
from service.core.store.matching import Matches, Matching, split_hashes
from service.core.store.scripts import (DirectScript, _guarded_text, _load_script, _lua, _reset_body, _script_text,
                                        image_tag)
from service.core.store.trust import Trust, TrustRules
from service.core.store.upkeep import Claims, OutboxEvent, Upkeep

if TYPE_CHECKING:
    from service.core.ratelimit import Window

# What callers import from service.core.store.
__all__ = [
    "Store", "TrustRules", "Once", "Changed", "Repeated", "OutboxEvent", "Claims", "Matches", "ReportOutcome",
    "ProtectionOutcome", "ResetOutcome", "DirectScript", "image_tag", "split_hashes", "image_key",
    "PREFIX", "AUDIT", "HIDDEN", "PENDING", "REVIEW", "REPORTED", "INDEXES", "OUTBOX", "STATS", "RECONCILE_LOCK",
    "RECENT_AUTO_HIDES", "RECORD_PREFIX", "GROUP_PREFIX", "RATE_PREFIX", "ONCE_PREFIX", "MATCH_FINE",
    "MATCH_NEAR_FINE", "MATCHED_FROM",
]


class Store(Images, Matching, Trust, Upkeep, Audit, Editors):
    """Atomic operations on images; with keys.py, the only code that knows the key layout."""

    def __init__(self, redis: Redis, threshold: int, audit_max_events: int = 100_000, raw: Redis | None = None,
                 report_ttl_seconds: int = 30 * 86400, rate_windows: Sequence[Window] = (),
                 trust: TrustRules = TrustRules(), min_replicas_ack: int = 0, lookups: Redis | None = None):
        self.redis = redis
        # Placeholders are binary: they need a client that does not decode replies.
        self.raw = raw or redis
        self.threshold = threshold
        self.audit_max_events = audit_max_events
        self.report_ttl_seconds = report_ttl_seconds
        self.trust = trust
        self.rate_windows = tuple(rate_windows)  # ReportOutcome.limited_by indexes these
        self._rate_args = [str(n) for window in self.rate_windows for n in (window.amount, window.seconds)]
        # Scripts and lookups, one command per request or job, skip the client's per-command overhead.
        # Every script that writes is answered only once `min_replicas_ack` replicas hold its writes;
        # lookups may read a replica (`lookups`, IMGMOD_LOOKUPS_FROM_REPLICAS).
        self._direct = direct = DirectCommands(redis)
        self._lookups = DirectCommands(lookups) if lookups is not None else direct
        self.min_replicas_ack = acked = min_replicas_ack
        self._report = _load_script(redis, direct, "report", acked)
        self._hide = _load_script(redis, direct, "hide", acked)
        self._reset = DirectScript(redis, direct, _lua("prelude") + _reset_body(), acked)
        self._match_hide = _load_script(redis, direct, "match_hide", acked)
        self._manual_hide = _load_script(redis, direct, "manual_hide", acked)
        self._protect = _load_script(redis, direct, "protect", acked)
        self._page = _load_script(redis, direct, "page")
        self._claim = _load_script(redis, direct, "claim", acked)
        self._prune = _load_script(redis, direct, "prune", acked)
        self._save_placeholder = self.raw.register_script(_script_text("save_placeholder"))  # bytes: the raw client
        self._prune_hashes = self.raw.register_script(_script_text("prune_hashes"))  # compares hash bytes
        self._read_hash_log = _load_script(redis, direct, "read_hash_log")
        self._trim_hash_log = _load_script(redis, direct, "trim_hash_log", acked)
        self._claim_outbox = _load_script(redis, direct, "claim_outbox", acked)
        self._confirm = _load_script(redis, direct, "confirm", acked)
        # The same admin actions, each at most once per Idempotency-Key and/or only If-Match.
        self._guarded = {(name, once, if_match): DirectScript(redis, direct, _guarded_text(body, once, if_match), acked)
                         for name, body in (("reset", _reset_body()), ("confirm", _lua("confirm")),
                                            ("manual_hide", _lua("manual_hide")), ("protect", _lua("protect")))
                         for once in (False, True) for if_match in (False, True) if once or if_match}
