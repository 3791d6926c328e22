"""The Redis data model: every key, every script and every atomic operation on images.

Per image one small hash (`imgmod:img:<id>`): `n` count, `g` generation, `f`/`l` first and last
counted report (ms; `l` only once there is a second), `u` the first image URL a reader gave since
the last reset (a claim: shown to editors as a reader's, used for a placeholder only when the site
registered no URL, never fetched for a hash), `a` the first article URL a reader gave (never fetched), `r:<reason>` counts, `k`/`q` the reconciler's claim on a lost crossing (how many times
its hide was queued again, and when it may be next; gone once the crossing ends), and one
`@<hmac>` field per reporter ever counted. Per reporter and rate-limit window one counter
(`imgmod:rl:<hmac>:<amount>/<seconds>`) that expires with its window. An image's state lives only
in the index sorted sets, so a lookup is one ZSCORE/ZMSCORE: member of `hidden` -> hidden, of
`pending` -> crossed and waiting for a worker.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from importlib.resources import files
from typing import TYPE_CHECKING, Iterator, Sequence

from redis import Redis
from redis.commands.core import Script
from redis.exceptions import NoScriptError

from config import REASONS, Settings
from service.core.connections import DirectCommands

if TYPE_CHECKING:
    from service.core.ratelimit import Window

PREFIX = "imgmod:"
IMAGE_PREFIX = PREFIX + "img:"
REPORTED = PREFIX + "idx:reported"  # score: report count
PENDING = PREFIX + "idx:pending"  # score: crossing time (ms)
HIDDEN = PREFIX + "idx:hidden"  # score: hide time (ms)
PROTECTED = PREFIX + "idx:protected"  # score: protection time (ms)
REVIEW = PREFIX + "idx:review"  # score: when editors were asked (ms)
RECENT_AUTO_HIDES = PREFIX + "autohides"  # sorted set, "<generation>|<id>" by hide time: the last hour's
RECORD_PREFIX = PREFIX + "rep:"  # per site account (a keyed hash): its verdicts 'a'/'d', last seen 't', group 'gr'
GROUP_PREFIX = PREFIX + "grp:"  # set per group of site accounts overturned together: their record keys
AUDIT = PREFIX + "audit"  # stream
# Follow-ups owed for hides, restores and review requests ("<hidden:<cause>|restored|review_requested>|
# <generation>|<event ms>|<id>", a hide by matching then "|<source>"): written
# in the same script as the state change, scored by when recovery may take it (the event time,
# then each claim's time), removed once its jobs are queued; a process dying in between leaves a
# trace that recovery finds.
OUTBOX = PREFIX + "outbox"
PLACEHOLDER_PREFIX = PREFIX + "ph:"
COMMENTS_PREFIX = PREFIX + "cm:"  # list, newest first: the last 20 counted reports' comments (JSON)
INDEXES = {"reported": REPORTED, "review": REVIEW, "pending": PENDING, "hidden": HIDDEN, "protected": PROTECTED}
HOUR_MS = 3_600_000
STATS = PREFIX + "stats"  # hash: cluster-wide event counters (hides, resets, job failures, webhooks)
RECONCILE_LOCK = PREFIX + "lock:reconcile"  # string with a TTL: whose turn it is to reconcile
PRUNE_CURSOR = PREFIX + "prune:reported"  # ZSCAN cursor of the sweep over the reported index
RATE_PREFIX = PREFIX + "rl:"
AUTH_FAILURES_PREFIX = PREFIX + "authfail:"  # per client (a keyed hash) and window: refused admin tokens
# Matching (contract v2, "Same picture elsewhere"). Hashes are written by workers that fetched the
# image and read by workers only: no lookup ever touches these keys.
# hash: image id -> PDQ hash (32 bytes), quality (1 byte), when (4 bytes, s), then the hashes of the image
# turned and mirrored (PDQ's seven other dihedral variants, 32 bytes each; none for a hash kept before them)
MATCH_HASHES = PREFIX + "match:h"
MATCH_URLS = PREFIX + "match:u"  # hash: image id -> the URL registered for it (its placeholder's source)
MATCH_LOG = PREFIX + "match:log"  # list: image ids in the order their hashes were written (caches read its tail)
MATCH_LOG_BASE = PREFIX + "match:logbase"  # string: entries trimmed off the log's head, ever (trim_hash_log.lua)
# string: a random token written with the first hash. Workers' caches of the hashes remember it: a new
# one means Redis lost its data (a restart without persistence, a failover to an empty replica) and
# was written again since, so they load afresh, even when the new log has grown past their position.
MATCH_EPOCH = PREFIX + "match:epoch"
MATCHED_FROM = PREFIX + "match:from"  # hash: copy id -> the source whose hide it was hidden by
RELEASED_PREFIX = PREFIX + "match:rel:"  # set per copy: sources a reset released it from, never matched again
COPIES_PREFIX = PREFIX + "match:cp:"  # sorted set per source: the copies hidden through it, by distance (bits)
MATCH_PRUNE_CURSOR = PREFIX + "prune:match"  # HSCAN cursor of the retention sweep over the hashes
# Known-fine photos: the hash of a registered image a `disagree` reset restored, kept
# until an editor hides it (confirm or by hand), whatever the registration's retention.
MATCH_FINE = PREFIX + "match:fine"  # hash: image id -> PDQ hash (32 bytes), quality (1 byte), its variants
MATCH_FINE_VERSION = PREFIX + "match:finev"  # string: bumped at each change of MATCH_FINE (workers reload it)
MATCH_NEAR_FINE = PREFIX + "match:nf"  # hash: registered image id -> the known-fine image it is near (a worker's mark)
# Admin actions asked with an Idempotency-Key: per admin and key (a keyed hash), what was asked, then
# once answered the answer, for a day (once.lua).
ONCE_PREFIX = PREFIX + "once:"
ONCE_TTL_MS = 86_400_000
# Editors signed in through the newsroom's OpenID Connect provider: per session (a keyed hash of the
# cookie's random value, never the value itself) a hash of the audit actor and the CSRF token, living
# as long as the session; per sign-in under way, the client library's state (PKCE verifier, nonce).
EDITOR_SESSION_PREFIX = PREFIX + "editor:"
# Who is judging an image now (string per image, the audit's name of the editor), for a few minutes.
JUDGING_PREFIX = PREFIX + "judging:"
# The article a site registered an image in (string per image, never fetched), as long as its hash is kept.
ARTICLE_PREFIX = PREFIX + "art:"
# The URL a site registered an image with (string per image), kept from the registration itself: the URL
# kept with a hash exists only once a worker could fetch the photo, and a reset forgets the readers' URL,
# so without it a restored photo the site named had no address left to show editors.
REGISTERED_URL_PREFIX = PREFIX + "regurl:"
SIGN_IN_PREFIX = PREFIX + "signin:"

# A re-enqueued crossing waits grace * 2^tries before the next try, doubling at most this many times,
# so a long queue backlog cannot make the reconciler pile up copies of the same hide.
MAX_BACKOFF_DOUBLINGS = 6



def image_key(image_id: str) -> str:
    return IMAGE_PREFIX + image_id


def audit_index_key(image_id: str) -> str:
    """An image's own index of its audit entries' ids, newest first (audit_event in prelude.lua)."""
    return AUDIT + ":" + image_id


def placeholder_key(image_id: str) -> str:
    return PLACEHOLDER_PREFIX + image_id


def comments_key(image_id: str) -> str:
    return COMMENTS_PREFIX + image_id


def rate_keys(reporter_key: str, windows: Sequence[Window]) -> list[str]:
    return [f"{RATE_PREFIX}{reporter_key}:{window.amount}/{window.seconds}" for window in windows]


class DirectScript(Script):
    """redis-py's script object, sent on the store's direct connections unless a client (a pipeline) is
    given, and answered only once `replicas` replicas hold what it wrote."""

    def __init__(self, redis: Redis, direct: DirectCommands, text: str, replicas: int = 0):
        super().__init__(redis, text)
        self.direct = direct
        self.replicas = replicas

    def __call__(self, keys=(), args=(), client=None):
        if client is not None:
            return super().__call__(keys, args, client)
        command = ("EVALSHA", self.sha, len(keys), *keys, *args)
        try:
            return self.direct(*command, replicas=self.replicas)
        except NoScriptError:  # a restarted, flushed or newly promoted Redis ran nothing: load it, then again
            self.registered_client.script_load(self.script)
            return self.direct(*command, replicas=self.replicas)


def _lua(name: str) -> str:
    return files(__package__).joinpath(f"scripts/{name}.lua").read_text()


def _script_text(name: str) -> str:
    return _lua("prelude") + _lua(name)


def _load_script(redis: Redis, direct: DirectCommands, name: str, replicas: int = 0) -> DirectScript:
    return DirectScript(redis, direct, _script_text(name), replicas)


def _reset_body() -> str:
    """reset.lua as the function reset_body, then match_reset.lua, which calls it: one script's body."""
    return "local function reset_body()\n" + _lua("reset") + "\nend\n" + _lua("match_reset")


# An action asked with If-Match names these indexes after its own keys (if_match.lua reads the state).
TAG_INDEXES = (HIDDEN, PENDING, REVIEW, PROTECTED)


def _guarded_text(body: str, once: bool, if_match: bool) -> str:
    """A script's body as the function `action`, run only while the image still has the tag the editor
    holds (if_match.lua) and at most once per Idempotency-Key (once.lua), as asked."""
    text = _lua("prelude") + "local function action()\n" + body + "\nend\n"
    if if_match:  # where its keys and argument are: before once.lua's key and two arguments
        text += (f"local GUARD_KEYS, GUARD_ARG = #KEYS - {len(TAG_INDEXES) + once}, #ARGV - {2 * once}\n"
                 + _lua("if_match"))
    else:
        text += "local function precondition() return nil end\n"
    if once:
        return text + _lua("once")
    return text + "local refused = precondition()\nif refused then return refused end\nreturn {'done', action()}\n"


def image_tag(state: str, generation: int, protected: bool, hidden_by: str | None, verdict: str) -> str:
    """What an image's ETag is made of (if_match.lua's image_tag computes the same in the script)."""
    text = "|".join((state, str(generation), "p" if protected else "", hidden_by or "", verdict))
    return hashlib.sha1(text.encode()).hexdigest()[:20]


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


@dataclass(frozen=True)
class TrustRules:
    """What editors taught and how much automatic hiding is allowed (contract v2, "Trust"); the
    defaults are the configuration's."""
    review_reasons: frozenset[str] = frozenset(Settings.review_reasons)  # to editors, never hidden by reports
    record_ttl_ms: int = Settings.reputation_ttl_days * 86_400_000  # a site account's verdicts, forgotten after
    brake: int = 0  # automatic hides per hour past which crossings go to review; 0: off (Settings: None)
    restore_guard_ms: int = Settings.restore_guard_days * 86_400_000  # after a `disagree` reset: crossings go to review

    @classmethod
    def of(cls, settings: Settings) -> "TrustRules":
        return cls(frozenset(settings.review_reasons), settings.reputation_ttl_days * 86_400_000,
                   settings.auto_hide_brake or 0, settings.restore_guard_days * 86_400_000)


@dataclass(frozen=True)
class ReportOutcome:
    counted: bool
    count: int
    state: str  # visible | pending | hidden
    generation: int
    crossed: bool  # this report reached the threshold: enqueue exactly one hide
    event: str = ""  # outbox entry of a review request this report caused
    limited_by: int | None = None  # index of the spent rate-limit window: nothing was counted
    retry_after_ms: int = 0  # until that window starts afresh


@dataclass(frozen=True)
class ProtectionOutcome:
    changed: bool
    crossed: bool  # lifting protection put an image over the threshold: enqueue its hide
    generation: int
    event: str = ""  # outbox entry of a review request lifting protection caused


@dataclass(frozen=True)
class ResetOutcome:
    was_hidden: bool
    was_pending: bool
    generation: int
    event: str  # outbox entry of the restore
    restored: tuple[str, ...] = ()  # outbox entries of the copies restored with this source (matching)
    crossings: tuple[tuple[str, int], ...] = ()  # (copy, generation) of restored copies whose own scores crossed
    known_fine: bool = False  # the image's registered hash is now known fine: mark the images near it


@dataclass(frozen=True)
class Matches:
    """An image's place in matching, for editors: the source it was hidden through, or its copies."""
    source: tuple[str, int | None] | None  # (source id, distance in bits) of a copy hidden by matching
    copies: list[tuple[str, int]]  # (copy id, distance) of the copies hidden through it, nearest first
    copies_total: int  # all of them, however many `copies` lists


@dataclass(frozen=True)
class OutboxEvent:
    """A hide, restore or review request whose follow-ups (placeholder, webhook) are owed."""
    entry: str
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
        return cls(entry, kind, int(generation), image_id, int(at_ms), source or None, hidden_by or None)


@dataclass(frozen=True)
class Claims:
    scanned: int  # overdue pending images looked at: the reconciler's whole cost
    crossings: list[tuple[str, int]]  # (image id, generation) whose hide must be enqueued again


class Store:
    """Atomic operations on images; the only code that knows the key layout."""

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

    def report(self, image_id: str, reporter: str, reason: str, image_url: str | None,
               limit_key: str | None = None, comment: str = "", weight: float = 1.0,
               record: str | None = None, article_url: str | None = None) -> ReportOutcome:
        """Count `reporter` (an opaque keyed hash) once for `image_id`, with `weight`.

        With `record` (a site account's keyed hash, the same across images) the weight is scaled by
        the account's verdicts, read in the same step. With `limit_key` (another opaque hash, one per
        reporter across images) the rate windows are checked and charged first, in the same step; a
        spent window counts nothing.
        """
        limited = limit_key is not None and self.rate_windows
        reply = self._report(
            keys=[image_key(image_id), REPORTED, PENDING, HIDDEN, PROTECTED, comments_key(image_id), REVIEW,
                  RECORD_PREFIX + (record or ""), AUDIT, OUTBOX, MATCH_FINE, MATCH_NEAR_FINE,
                  *(rate_keys(limit_key, self.rate_windows) if limited else ())],
            args=[image_id, "@" + reporter, "r:" + reason, image_url or "", self.threshold, comment,
                  repr(float(weight)), "1" if reason in self.trust.review_reasons else "0",
                  self.trust.record_ttl_ms if record else 0, self.audit_max_events, article_url or "",
                  *(self._rate_args if limited else ())],
        )
        if _text(reply[0]) == "limited":
            return ReportOutcome(False, 0, "", 0, False, limited_by=int(reply[1]), retry_after_ms=max(0, int(reply[2])))
        counted, count, state, generation, crossed, event = reply
        return ReportOutcome(bool(counted), int(count), _text(state), int(generation), bool(crossed), _text(event))

    def is_hidden(self, image_id: str) -> bool:
        return self._lookups("ZSCORE", HIDDEN, image_id) is not None

    def hidden_flags(self, image_ids: Sequence[str]) -> str:
        """'1' for each hidden image and '0' for each other, in the order given: one ZMSCORE."""
        if not image_ids:
            return ""
        return "".join("0" if score is None else "1" for score in self._lookups("ZMSCORE", HIDDEN, *image_ids))

    def hide_if_current(self, image_id: str, generation: int, actor: str = "system") -> str | None:
        """Flip a pending image to hidden if `generation` is still current.

        Only the first call gets the hide's outbox entry (or, when the brake holds, the entry of its
        review request); every later one gets None.
        """
        event = self._hide(
            keys=[image_key(image_id), PENDING, HIDDEN, PROTECTED, AUDIT, OUTBOX, STATS, REVIEW, RECENT_AUTO_HIDES,
                  MATCH_FINE, MATCH_NEAR_FINE],
            args=[image_id, generation, actor, self.audit_max_events, self.trust.brake],
        )
        return _text(event) if event else None

    def reset(self, image_id: str, actor: str, forget_reporters: bool = False, note: str = "",
              verdict: str = "disagree", once: Once | None = None,
              if_match: Sequence[str] | None = None) -> ResetOutcome:
        """Restore; `verdict` 'disagree' counts against the site accounts that reported, 'ignore' does not."""
        was_hidden, was_pending, generation, event, *copies = self._action(
            "reset",
            keys=[image_key(image_id), REPORTED, PENDING, HIDDEN, AUDIT, OUTBOX, placeholder_key(image_id), STATS,
                  comments_key(image_id), REVIEW, MATCHED_FROM, RELEASED_PREFIX + image_id, COPIES_PREFIX + image_id,
                  PROTECTED, MATCH_HASHES, MATCH_FINE, MATCH_NEAR_FINE, MATCH_FINE_VERSION],
            args=[image_id, "1" if forget_reporters else "0", actor, note, self.audit_max_events, verdict,
                  self.trust.record_ttl_ms, IMAGE_PREFIX, PLACEHOLDER_PREFIX, RELEASED_PREFIX, COPIES_PREFIX,
                  self.threshold, self.trust.restore_guard_ms, RECORD_PREFIX, GROUP_PREFIX],
            once=once, if_match=if_match)
        entries = [_text(entry) for entry in copies]
        known_fine = "fine|" + image_id in entries
        entries = [entry for entry in entries if not entry.startswith("fine|")]
        crossings = tuple((copy, int(generation)) for _, generation, copy in
                          (entry.split("|", 2) for entry in entries if entry.startswith("crossed|")))
        return ResetOutcome(bool(was_hidden), bool(was_pending), int(generation), _text(event),
                            tuple(entry for entry in entries if not entry.startswith("crossed|")), crossings,
                            known_fine)

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

    def judging(self, image_id: str, actor: str, ttl_seconds: int) -> None:
        """`actor` has the image open: others are told for `ttl_seconds` (a hint, never a lock)."""
        self.redis.set(JUDGING_PREFIX + image_id, actor, ex=ttl_seconds)

    def register_articles(self, articles: Sequence[tuple[str, str]], ttl_seconds: int) -> None:
        """Keep the article each (image id, article URL) was registered in: the site's word, shown to editors."""
        pipe = self.redis.pipeline(transaction=False)
        for image_id, url in articles:
            pipe.set(ARTICLE_PREFIX + image_id, url, ex=ttl_seconds)
        pipe.execute()

    def register_urls(self, images: Sequence[tuple[str, str]], ttl_seconds: int) -> None:
        """Keep the URL each (image id, URL) was registered with, whether or not a worker can fetch it."""
        pipe = self.redis.pipeline(transaction=False)
        for image_id, url in images:
            pipe.set(REGISTERED_URL_PREFIX + image_id, url, ex=ttl_seconds)
        pipe.execute()

    def registered_url(self, image_id: str) -> str | None:
        url = self.redis.hget(MATCH_URLS, image_id) or self.redis.get(REGISTERED_URL_PREFIX + image_id)
        return None if url is None else _text(url)

    def sources(self, image_ids: Sequence[str]) -> list[bool]:
        """Whether each image is a source: hidden, and not itself hidden by matching."""
        if not image_ids:
            return []
        pipe = self.redis.pipeline(transaction=False)
        pipe.zmscore(HIDDEN, list(image_ids))
        pipe.hmget(MATCHED_FROM, list(image_ids))
        hidden, matched = pipe.execute()
        return [at is not None and source is None for at, source in zip(hidden, matched)]

    def hide_now(self, image_id: str, actor: str, once: Once | None = None,
                 if_match: Sequence[str] | None = None) -> str | None:
        """An editor's hide: its outbox entry, None if the image was already hidden (audited either way)."""
        event = self._action("manual_hide",
                             keys=[image_key(image_id), PENDING, HIDDEN, AUDIT, OUTBOX, STATS, REVIEW, MATCHED_FROM,
                                   MATCH_FINE, MATCH_FINE_VERSION],
                             args=[image_id, actor, self.audit_max_events, COPIES_PREFIX], once=once,
                             if_match=if_match)
        return _text(event) if event else None

    def confirm(self, image_id: str, actor: str, note: str = "", once: Once | None = None,
                if_match: Sequence[str] | None = None) -> str | None:
        """Editors agree with the reports: the hide's outbox entry, None if it was already hidden."""
        event = self._action("confirm",
                             keys=[image_key(image_id), PENDING, HIDDEN, REVIEW, AUDIT, OUTBOX, STATS, MATCHED_FROM,
                                   MATCH_FINE, MATCH_FINE_VERSION],
                             args=[image_id, actor, self.audit_max_events, self.trust.record_ttl_ms, note,
                                   COPIES_PREFIX], once=once, if_match=if_match)
        return _text(event) if event else None

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

    def record(self, record: str) -> tuple[int, int]:
        """A site account's (agreed, disagreed) verdicts."""
        agreed, disagreed = self.redis.hmget(RECORD_PREFIX + record, ["a", "d"])
        return int(agreed or 0), int(disagreed or 0)

    def reporter_mixes(self, images: Sequence[tuple[str, int]]) -> list[dict[str, int]]:
        """For each (image id, generation): how many of that generation's reporters are anonymous
        readers, how many site accounts, and how many of those have a poor record (more disagreed
        verdicts than agreed). Kinds only, never who; two round trips whatever the number of images."""
        pipe = self.redis.pipeline(transaction=False)
        for image_id, _ in images:
            pipe.hgetall(image_key(image_id))
        counted = []  # per image: the record key ('' for an anonymous reader) of each current reporter
        for (_, generation), fields in zip(images, pipe.execute()):
            values = (_reporter_value(_text(value)) for name, value in fields.items() if _text(name).startswith("@"))
            counted.append([record for counted_in, record in values if counted_in == str(generation)])
        records = sorted({record for image in counted for record in image if record})
        for record in records:
            pipe.hmget(record, ["a", "d"])
        poor = {record for record, (agreed, disagreed) in zip(records, pipe.execute())
                if int(disagreed or 0) > int(agreed or 0)}
        return [{"anonymous": sum(1 for record in image if not record),
                 "accounts": sum(1 for record in image if record),
                 "poor_record": sum(1 for record in image if record in poor)} for image in counted]

    def brake_holds(self) -> bool:
        """True while automatic hides of the last hour have reached the brake."""
        if not self.trust.brake:
            return False
        seconds, micros = self.redis.time()
        since = seconds * 1000 + micros // 1000 - HOUR_MS
        return self.redis.zcount(RECENT_AUTO_HIDES, f"({since}", "+inf") >= self.trust.brake

    def outbox_done(self, entry: str) -> None:
        self._direct("ZREM", OUTBOX, entry)  # one command: on the direct connections, like the scripts

    def claim_outbox(self, lease_ms: int, limit: int = 100) -> list[str]:
        """Entries left undispatched for `lease_ms`, each handed to one caller per lease."""
        return [_text(entry) for entry in self._claim_outbox(keys=[OUTBOX], args=[lease_ms, limit])]

    def reported_url(self, image_id: str) -> str | None:
        """The first URL a reader gave since the last reset: a reader's claim, never the site's word."""
        url = self.redis.hget(image_key(image_id), "u")
        return None if url is None else _text(url)

    def save_placeholder(self, image_id: str, generation: int, data: bytes) -> bool:
        """Store the placeholder if the image is still hidden in `generation`; False if it is not."""
        return bool(self._save_placeholder(keys=[image_key(image_id), HIDDEN, placeholder_key(image_id)],
                                           args=[image_id, generation, data]))

    def placeholder(self, image_id: str) -> tuple[bool, bytes | None]:
        """(hidden, stored placeholder bytes) in one round trip."""
        pipe = self.raw.pipeline(transaction=False)
        pipe.zscore(HIDDEN, image_id)
        pipe.get(placeholder_key(image_id))
        hidden_at, data = pipe.execute()
        return hidden_at is not None, data

    def set_protection(self, image_id: str, protected: bool, actor: str, once: Once | None = None,
                       if_match: Sequence[str] | None = None) -> ProtectionOutcome:
        changed, crossed, generation, event = self._action(
            "protect",
            keys=[image_key(image_id), PENDING, HIDDEN, PROTECTED, AUDIT, REVIEW, OUTBOX, MATCH_FINE, MATCH_NEAR_FINE],
            args=[image_id, "1" if protected else "0", actor, self.audit_max_events, self.threshold],
            once=once, if_match=if_match)
        return ProtectionOutcome(bool(changed), bool(crossed), int(generation), _text(event))

    def status(self, image_id: str) -> dict:
        """Everything known about one image, read in one round trip."""
        return self.statuses([image_id])[0]

    def statuses(self, image_ids: Sequence[str]) -> list[dict]:
        """Everything known about several images, read in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for image_id in image_ids:
            pipe.hmget(image_key(image_id), ["n", "s", "v", "f", "l", "g", "u", "hb", "rg", "vg", "vk", "a",
                                             *("r:" + reason for reason in REASONS)])
            for index in (HIDDEN, PENDING, REVIEW, PROTECTED):
                pipe.zscore(index, image_id)
            pipe.lrange(comments_key(image_id), 0, -1)
            pipe.hget(MATCHED_FROM, image_id)
            pipe.hget(MATCH_URLS, image_id)
            pipe.get(ARTICLE_PREFIX + image_id)
            pipe.get(JUDGING_PREFIX + image_id)
            pipe.get(REGISTERED_URL_PREFIX + image_id)
        pipe.time()
        *replies, (seconds, micros) = pipe.execute()
        now = seconds * 1000 + micros // 1000
        return [self._status(image_id, now, *replies[11 * i:11 * i + 11]) for i, image_id in enumerate(image_ids)]

    def _status(self, image_id, now, fields, hidden_at, pending_at, review_at, protected_at, comments,
                matched_from, hashed_url, registered_article, judging, named_url) -> dict:
        registered_url = hashed_url or named_url
        (count, score, review_score, first, last, generation, url, hidden_by, restored_until, verdict_generation,
         verdict, reported_article, *reasons) = fields
        state = ("hidden" if hidden_at is not None else "pending" if pending_at is not None
                 else "review" if review_at is not None else "visible")
        # The verdict of the current generation (give_verdict in prelude.lua: 'a' when not written).
        current = verdict_generation is not None and _text(verdict_generation) == _text(generation or "0")
        given = (_text(verdict) if verdict is not None else "a") if current else ""
        return {
            "image_id": image_id,
            "state": state,
            "hidden": hidden_at is not None,
            "protected": protected_at is not None,
            "report_count": int(count or 0),
            "score": round(float(score or 0), 6),
            "review_score": round(float(review_score or 0), 6),
            "threshold": self.threshold,
            "reasons": {reason: int(n) for reason, n in zip(REASONS, reasons) if n},
            "first_reported_at": _ms(first),
            "last_reported_at": _ms(last or first),
            "hidden_at": _ms(hidden_at),
            # A `disagree` reset's restore guard, while it holds: until then a crossing goes to review.
            "restored_until": _ms(restored_until) if restored_until is not None and _ms(restored_until) > now else None,
            "generation": int(generation or 0),
            # The site's registration is the truth; a reader's URL is only a fallback, labelled as such.
            "image_url": registered_url or url,
            "registered_url": registered_url,
            "reported_url": url,
            # The article, likewise: the site's registration first, else the first reader's (labelled).
            "article_url": registered_article or reported_article,
            "article_by": "site" if registered_article else "reader" if reported_article else None,
            "being_judged_by": None if judging is None else _text(judging),
            "comments": [json.loads(comment) for comment in comments],  # newest first
            "matched_from": None if matched_from is None or hidden_at is None else _text(matched_from),
            # Why it is hidden; an image hidden before causes were recorded: by matching or by reports.
            "hidden_by": None if hidden_at is None else _text(hidden_by) if hidden_by is not None
            else "match" if matched_from is not None else "reports",
            # The detail's ETag: an editor's action with If-Match is done only while it holds (if_match.lua).
            "tag": image_tag(state, int(generation or 0), protected_at is not None,
                             None if hidden_by is None else _text(hidden_by), given),
        }

    def page(self, state: str, limit: int, after: tuple[str, str] | None = None) -> list[tuple[str, str]]:
        """(image id, score) of one page of an index, highest score first, strictly after `after`."""
        score, member = after or ("", "")
        flat = self._page(keys=[INDEXES[state]], args=[limit, score, member])
        return [(_text(flat[i]), _text(flat[i + 1])) for i in range(0, len(flat), 2)]

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

    def counts(self) -> dict[str, int]:
        """How many images each index holds, and the audit stream's length."""
        pipe = self.redis.pipeline(transaction=False)
        for index in INDEXES.values():
            pipe.zcard(index)
        pipe.xlen(AUDIT)
        *sizes, audit = pipe.execute()
        return {**dict(zip(INDEXES, sizes)), "audit_events": audit}

    def ping(self) -> bool:
        return bool(self.redis.ping())

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

    def hidden_count(self) -> int:
        return int(self.redis.zcard(HIDDEN))

    def auth_failures(self, client_key: str) -> int:
        return int(self.redis.get(AUTH_FAILURES_PREFIX + client_key) or 0)

    def count_auth_failure(self, client_key: str, window_seconds: int) -> None:
        """One more refused admin token from this client, in a window that starts with its first."""
        key = AUTH_FAILURES_PREFIX + client_key
        pipe = self.redis.pipeline(transaction=True)
        pipe.set(key, 0, ex=window_seconds, nx=True).incr(key)  # EXPIRE NX would need Redis 7
        pipe.execute()

    def start_editor_session(self, key: str, fields: dict[str, str], ttl_seconds: int) -> None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(EDITOR_SESSION_PREFIX + key, mapping=fields).expire(EDITOR_SESSION_PREFIX + key, ttl_seconds)
        pipe.execute()

    def editor_session(self, key: str) -> dict[str, str] | None:
        fields = self.redis.hgetall(EDITOR_SESSION_PREFIX + key)
        return {_text(name): _text(value) for name, value in fields.items()} or None

    def end_editor_session(self, key: str) -> None:
        self.redis.delete(EDITOR_SESSION_PREFIX + key)

    def sign_in_state(self, key: str) -> str | None:
        value = self.redis.get(SIGN_IN_PREFIX + key)
        return None if value is None else _text(value)

    def save_sign_in_state(self, key: str, value: str, ttl_seconds: int) -> None:
        self.redis.set(SIGN_IN_PREFIX + key, value, ex=ttl_seconds)

    def forget_sign_in_state(self, key: str) -> None:
        self.redis.delete(SIGN_IN_PREFIX + key)

    def incr_stat(self, name: str, amount: int = 1) -> None:
        self.redis.hincrby(STATS, name, amount)

    def stats(self) -> dict[str, int]:
        return {_text(name): int(value) for name, value in self.redis.hgetall(STATS).items()}


def split_hashes(run: bytes) -> list[bytes]:
    """The 32-byte hashes in a run of them (a registration's turned and mirrored variants)."""
    return [run[start:start + 32] for start in range(0, len(run) - 31, 32)]


def _reporter_value(value: str) -> tuple[str, str]:
    """A reporter field's value, 'generation[|weight[|record key[|1]]]' (report.lua): the generation it was
    counted in and its record key ('' for an anonymous reader)."""
    generation, _, rest = value.partition("|")
    return generation, rest.partition("|")[2].partition("|")[0]


def _event(entry_id, fields) -> dict:
    return {"id": _text(entry_id), **{_text(k): _text(v) for k, v in fields.items()}}


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _ms(value) -> int | None:
    return None if value is None else int(float(value))
