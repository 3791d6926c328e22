"""Redis keys and atomic steps for notices (DSA Art 16) and statements of reasons (Art 17).

Kept apart from service/core/store.py (images) on purpose: a notice never changes an image's state by
itself, and these keys are read and written only here.

Per notice (`imgmod:ntc:<reference>`, a hash): what the notifier said (category, explanation,
location, law, image ids, good faith), how intake classified it (complete, missing), when it came
(`at`, ms) and, once decided, the decision (`action`, `ground`, `explanation`, `decided_at`, `by`,
and `gens`: each image's generation when it was decided).
The notifier's name and e-mail are personal data and live apart, in `imgmod:ntc:pd:<reference>`,
deleted once the decision reached the site and at most PERSONAL_DATA_DAYS after the notice (an
expiry, and the reconcile pass's sweep over PERSONAL_DEADLINES). The status token is a key of its
own (`imgmod:ntc:t:<token>` -> reference): the reference alone opens nothing.

Per restriction (image and generation) one statement of reasons, `imgmod:sor:<generation>|<id>`
(JSON), written at most once (SET NX in the same step as its index entry and token), so that a hide
recorded twice (an outbox entry dispatched again, a notice decision and its own hide) keeps the first.
"""
from __future__ import annotations

import json
import weakref
from typing import Sequence

from redis import Redis

from service.core.connections import DirectCommands
from service.core.store import AUDIT, HIDDEN, OUTBOX, PENDING, PREFIX, RATE_PREFIX, REVIEW, DirectScript, image_key
from service.core.store.scripts import _load_script, _text

NOTICE_PREFIX = PREFIX + "ntc:"
NOTICE_TOKEN_PREFIX = PREFIX + "ntc:t:"  # token -> reference
PERSONAL_PREFIX = PREFIX + "ntc:pd:"  # reference -> hash {name, email}: erased on schedule
NOTICES_RECEIVED = PREFIX + "ntc:idx:received"  # open notices by arrival (ms): the editors' queue
NOTICES_DECIDED = PREFIX + "ntc:idx:decided"  # decided notices by decision time (ms)
NOTICES_ALL = PREFIX + "ntc:idx:all"  # every kept notice by arrival (ms): the yearly counts
PERSONAL_DEADLINES = PREFIX + "ntc:idx:pd"  # reference by when its notifier's data must be gone (ms)
# Decisions whose follow-ups (the hides of a "hide", the notice.decided webhook) are owed, by decision
# time (ms): written in the same step as the decision, removed once they are done; an entry older
# than the pending grace means the deciding process died in between, and the reconciler does them.
DECISIONS_OWED = PREFIX + "ntc:idx:owed"
IMAGE_NOTICES_PREFIX = PREFIX + "ntc:img:"  # per image: the references of the notices naming it, by arrival (ms)
STATEMENT_PREFIX = PREFIX + "sor:"  # "<generation>|<image id>" -> statement (JSON)
STATEMENT_TOKEN_PREFIX = PREFIX + "sor:t:"  # token -> "<generation>|<image id>"
STATEMENTS = PREFIX + "sor:idx"  # "<generation>|<image id>" by the restriction's time (ms)

DAY_MS = 86_400_000
PERSONAL_DATA_DAYS = 183  # a notifier's name and e-mail, at most
# Notices and statements are kept long enough for the yearly counts of the year before and for the
# status pages (at least 183 days), then forgotten.
RETENTION_DAYS = 800

# KEYS: notice hash, received index, decided index, owed decisions, then each image's hash; ARGV: action,
# ground, explanation, actor, then the image ids.
# The first decision wins; a later one gets 'decided' and changes nothing. Its follow-ups are owed
# from the same step on (DECISIONS_OWED).
_DECIDE = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'missing'} end
if status == 'decided' then return {'decided'} end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
-- Each image's generation now: a repair done later must not undo a reset an editor made meanwhile.
local generations = {}
for i = 5, #KEYS do generations[ARGV[i]] = tonumber(redis.call('HGET', KEYS[i], 'g') or '0') end
redis.call('HSET', KEYS[1], 'status', 'decided', 'action', ARGV[1], 'ground', ARGV[2], 'explanation_d', ARGV[3],
           'by', ARGV[4], 'decided_at', now, 'gens', #KEYS > 4 and cjson.encode(generations) or '{}')
redis.call('ZREM', KEYS[2], redis.call('HGET', KEYS[1], 'ref'))
redis.call('ZADD', KEYS[3], now, redis.call('HGET', KEYS[1], 'ref'))
redis.call('ZADD', KEYS[4], now, redis.call('HGET', KEYS[1], 'ref'))
return {'ok', now}
"""

# KEYS: statement key, token key, index; ARGV: member, JSON, token, at (ms), retention (ms).
_RECORD_STATEMENT = """
if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[5]) then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
return 1
"""


class Limited(Exception):
    def __init__(self, window: int, retry_after_ms: int):
        super().__init__("notice rate limit")
        self.window, self.retry_after_ms = window, retry_after_ms


class NoticeStore:
    """Notices and statements in Redis; `redis` is a client that decodes replies."""

    def __init__(self, redis: Redis, rate_windows: Sequence = (), direct: DirectCommands | None = None,
                 replicas: int = 0, audit_max_events: int = 100_000):
        """`direct` and `replicas`: the image store's own way of sending scripts (one command each,
        answered once that many replicas hold its writes), shared when given."""
        self.redis = redis
        self.rate_windows = tuple(rate_windows)
        self.audit_max_events = audit_max_events
        direct = direct or DirectCommands(redis)
        self._create = _load_script(redis, direct, "notice_create", replicas)
        self._decide = DirectScript(redis, direct, _DECIDE, replicas)
        self._record = DirectScript(redis, direct, _RECORD_STATEMENT, replicas)

    # Notices

    def create(self, reference: str, token: str, fields: dict, name: str, email: str,
               limit_key: str | None, outbox: bool = True) -> tuple[int, list[str]] | None:
        """Keep a new notice and put each image it names before editors (notice_create.lua): its arrival
        time (ms) and the outbox entries of the reviews it requested (none without `outbox`: no webhook
        would be sent for them), or None if the reference is taken. Limited when the notifier's windows
        are spent (nothing is kept then)."""
        windows = self.rate_windows if limit_key else ()
        image_ids = json.loads(fields["images"])
        reply = self._create(
            keys=[NOTICE_PREFIX + reference, PERSONAL_PREFIX + reference, NOTICE_TOKEN_PREFIX + token,
                  NOTICES_RECEIVED, NOTICES_ALL, PERSONAL_DEADLINES, HIDDEN, PENDING, REVIEW, AUDIT, OUTBOX,
                  *(f"{RATE_PREFIX}{limit_key}:notice:{w.amount}/{w.seconds}" for w in windows),
                  *(key for image_id in image_ids for key in (image_key(image_id), IMAGE_NOTICES_PREFIX + image_id))],
            args=[reference, PERSONAL_DATA_DAYS * DAY_MS, RETENTION_DAYS * DAY_MS,
                  json.dumps({**fields, "ref": reference, "status": "received"}), name, email, len(windows),
                  self.audit_max_events, "1" if outbox else "0",
                  *(str(n) for w in windows for n in (w.amount, w.seconds)), *image_ids])
        outcome = _text(reply[0])
        if outcome == "limited":
            raise Limited(int(reply[1]), max(0, int(reply[2])))
        if outcome != "created":
            return None
        return int(reply[1]), [_text(entry) for entry in reply[2:]]

    def reference_of(self, token: str) -> str | None:
        reference = self.redis.get(NOTICE_TOKEN_PREFIX + token)
        return None if reference is None else _text(reference)

    def notice(self, reference: str) -> dict | None:
        fields = self.redis.hgetall(NOTICE_PREFIX + reference)
        return _notice(fields) if fields else None

    def notices(self, references: Sequence[str]) -> list[dict]:
        pipe = self.redis.pipeline(transaction=False)
        for reference in references:
            pipe.hgetall(NOTICE_PREFIX + reference)
        return [_notice(fields) for fields in pipe.execute() if fields]

    def page(self, status: str, limit: int, after: tuple[int, str] | None = None) -> list[tuple[str, int]]:
        """(reference, ms) of one page: open notices oldest first (a queue), decided ones newest first;
        strictly after `after` (the (ms, reference) of the last notice of the page before), whether or
        not that notice is still listed. Ties (the same ms) go by reference, as Redis orders them."""
        oldest_first = status == "received"
        index = NOTICES_RECEIVED if oldest_first else NOTICES_DECIDED
        skip = 0
        if after is not None:
            at, reference = after
            tied = [_text(ref) for ref in self.redis.zrangebyscore(index, at, at)]
            # Those of the cursor's own ms that come before it (or are it) in the listing's order.
            skip = sum(1 for ref in tied if (ref <= reference if oldest_first else ref >= reference))
        if oldest_first:
            found = self.redis.zrangebyscore(index, "-inf" if after is None else after[0], "+inf",
                                             start=skip, num=limit, withscores=True)
        else:
            found = self.redis.zrevrangebyscore(index, "+inf" if after is None else after[0], "-inf",
                                                start=skip, num=limit, withscores=True)
        return [(_text(ref), int(score)) for ref, score in found]

    def open_count(self) -> int:
        """How many notices wait for a decision."""
        return int(self.redis.zcard(NOTICES_RECEIVED))

    def naming(self, image_ids: Sequence[str], limit: int = 20) -> list[list[dict]]:
        """For each image, the latest `limit` notices naming it, newest first (those still kept)."""
        pipe = self.redis.pipeline(transaction=False)
        for image_id in image_ids:
            pipe.zrevrange(IMAGE_NOTICES_PREFIX + image_id, 0, limit - 1)
        per_image = [[_text(ref) for ref in refs] for refs in pipe.execute()]
        for refs in per_image:
            for ref in refs:
                pipe.hgetall(NOTICE_PREFIX + ref)
        found = iter(pipe.execute())
        return [[_notice(fields) for fields in (next(found) for _ in refs) if fields] for refs in per_image]

    def received_between(self, start_ms: int, end_ms: int) -> list[dict]:
        references = [_text(ref) for ref in self.redis.zrangebyscore(NOTICES_ALL, start_ms, f"({end_ms}")]
        return self.notices(references)

    def decide(self, reference: str, action: str, ground: str, explanation: str, actor: str,
               image_ids: Sequence[str] = ()) -> tuple[str, int]:
        """('ok', decided at ms), ('decided', 0) if decided already, ('missing', 0) if unknown. The
        generation of each of `image_ids` (the notice's) is kept with the decision."""
        reply = self._decide(keys=[NOTICE_PREFIX + reference, NOTICES_RECEIVED, NOTICES_DECIDED, DECISIONS_OWED,
                                   *(image_key(image_id) for image_id in image_ids)],
                             args=[action, ground, explanation, actor, *image_ids])
        return _text(reply[0]), int(reply[1]) if len(reply) > 1 else 0

    def owed_since(self, before_ms: int, limit: int = 100) -> list[str]:
        """Decisions taken before `before_ms` whose follow-ups are still owed."""
        return [_text(ref) for ref in self.redis.zrangebyscore(DECISIONS_OWED, "-inf", before_ms, start=0, num=limit)]

    def followed_up(self, reference: str) -> None:
        """The decision's hides and webhook are done (or queued): nothing more is owed."""
        self.redis.zrem(DECISIONS_OWED, reference)

    def notifier(self, reference: str) -> dict | None:
        """The notifier's name and e-mail while they are kept."""
        fields = self.redis.hgetall(PERSONAL_PREFIX + reference)
        return {_text(k): _text(v) for k, v in fields.items()} or None

    def erase_notifier(self, reference: str) -> None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(PERSONAL_PREFIX + reference).zrem(PERSONAL_DEADLINES, reference)
        pipe.execute()

    def erase_overdue_notifiers(self, now_ms: int | None = None, budget: int = 1000) -> int:
        """Delete the notifiers' data whose deadline passed; how many notices were concerned."""
        if now_ms is None:
            seconds, micros = self.redis.time()
            now_ms = seconds * 1000 + micros // 1000
        due = [_text(ref) for ref in self.redis.zrangebyscore(PERSONAL_DEADLINES, "-inf", now_ms, start=0, num=budget)]
        if due:
            pipe = self.redis.pipeline(transaction=True)
            pipe.delete(*(PERSONAL_PREFIX + ref for ref in due)).zrem(PERSONAL_DEADLINES, *due)
            pipe.execute()
        return len(due)

    def forget_old(self, now_ms: int) -> None:
        """Index entries of notices and statements past their retention (their keys expire by themselves)."""
        cutoff = now_ms - RETENTION_DAYS * DAY_MS
        pipe = self.redis.pipeline(transaction=False)
        for index in (NOTICES_ALL, NOTICES_DECIDED, NOTICES_RECEIVED, STATEMENTS):
            pipe.zremrangebyscore(index, "-inf", cutoff)
        pipe.execute()

    # Statements of reasons

    def record_statement(self, image_id: str, generation: int, statement: dict, token: str) -> bool:
        """Keep the statement of this restriction unless one is kept already; True if this call kept it."""
        member = f"{generation}|{image_id}"
        return bool(self._record(keys=[STATEMENT_PREFIX + member, STATEMENT_TOKEN_PREFIX + token, STATEMENTS],
                                 args=[member, json.dumps(statement, ensure_ascii=False), token,
                                       statement["at_ms"], RETENTION_DAYS * DAY_MS]))

    def statement(self, image_id: str, generation: int) -> dict | None:
        raw = self.redis.get(f"{STATEMENT_PREFIX}{generation}|{image_id}")
        return None if raw is None else json.loads(raw)

    def statement_by_token(self, token: str) -> dict | None:
        member = self.redis.get(STATEMENT_TOKEN_PREFIX + token)
        if member is None:
            return None
        raw = self.redis.get(STATEMENT_PREFIX + _text(member))
        return None if raw is None else json.loads(raw)

    def statements_between(self, start_ms: int, end_ms: int | None = None, chunk: int = 2000):
        """Statements of restrictions from `start_ms` (to `end_ms`, excluded), oldest first."""
        for raw in self.raw_statements_between(start_ms, end_ms, chunk):
            yield json.loads(raw)

    def raw_statements_between(self, start_ms: int, end_ms: int | None = None, chunk: int = 2000):
        """The stored JSON of statements_between, as Redis holds it. Paged by rank (ZRANGE by index costs
        the page, never the entries before it): a million statements are read in linear time."""
        end = "+inf" if end_ms is None else f"({end_ms}"
        first = self.redis.zcount(STATEMENTS, "-inf", f"({start_ms}")  # the rank of the first statement
        last = first + self.redis.zcount(STATEMENTS, start_ms, end) - 1
        for rank in range(first, last + 1, chunk):
            members = self.redis.zrange(STATEMENTS, rank, min(last, rank + chunk - 1))
            if not members:
                return
            for raw in self.redis.mget([STATEMENT_PREFIX + _text(m) for m in members]):
                if raw is not None:
                    yield raw


def _notice(fields: dict) -> dict:
    notice = {_text(k): _text(v) for k, v in fields.items()}
    return {
        "reference": notice["ref"],
        "received_at_ms": int(notice["at"]),
        "status": notice["status"],
        "category": notice["category"],
        "explanation": notice["explanation"],
        "location": notice["location"],
        "law": notice.get("law") or None,
        "image_ids": json.loads(notice["images"]),
        "bona_fide": notice.get("bona_fide") == "1",
        "complete": notice.get("complete") == "1",
        "missing": json.loads(notice.get("missing", "[]")),
        "lang": notice.get("lang", "en"),
        "decision": None if notice["status"] != "decided" else {
            "action": notice["action"], "ground": notice["ground"], "explanation": notice["explanation_d"],
            "at_ms": int(notice["decided_at"]), "by": notice.get("by", ""),
            "generations": json.loads(notice.get("gens", "{}"))},
    }


_stores: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def notices_of(services) -> NoticeStore:
    """The NoticeStore beside a process's image store (same client, same rate windows), made once;
    `services` or the image store itself."""
    store = getattr(services, "store", services)
    found = _stores.get(store)
    if found is None:
        found = _stores[store] = NoticeStore(store.redis, store.rate_windows, store._direct, store.min_replicas_ack,
                                             store.audit_max_events)
    return found
