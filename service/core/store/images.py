"""An image's life: reports, hides, resets, confirmations and protection, its status for editors, the
index pages, its placeholder, and the lookups.

Owns `imgmod:img:<id>` (IMAGE_PREFIX), the state indexes `imgmod:idx:*` (REPORTED, PENDING, HIDDEN,
PROTECTED, REVIEW), `imgmod:cm:<id>` (COMMENTS_PREFIX), `imgmod:ph:<id>` (PLACEHOLDER_PREFIX) and the
rate-limit windows `imgmod:rl:*` (RATE_PREFIX).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Sequence

from config import REASONS
from service.core.store.base import Once, StoreBase
from service.core.store.keys import (ARTICLE_PREFIX, AUDIT, COPIES_PREFIX, GROUP_PREFIX, HIDDEN, IMAGE_PREFIX, INDEXES,
                                     JUDGING_PREFIX, MATCH_FINE, MATCH_FINE_VERSION, MATCH_HASHES, MATCH_NEAR_FINE,
                                     MATCH_URLS, MATCHED_FROM, OUTBOX, PENDING, PLACEHOLDER_PREFIX, PROTECTED,
                                     RECENT_AUTO_HIDES, RECORD_PREFIX, REGISTERED_URL_PREFIX, RELEASED_PREFIX, REPORTED,
                                     REVIEW, STATS, comments_key, image_key, placeholder_key, rate_keys)
from service.core.store.scripts import _text, image_tag


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
    crossed: bool  # lifting protection put an image over the threshold: enqueue its hide
    generation: int
    event: str = ""  # outbox entry of a review request lifting protection caused


@dataclass(frozen=True)
class ResetOutcome:
    generation: int
    event: str  # outbox entry of the restore
    restored: tuple[str, ...] = ()  # outbox entries of the copies restored with this source (matching)
    crossings: tuple[tuple[str, int], ...] = ()  # (copy, generation) of restored copies whose own scores crossed
    known_fine: bool = False  # the image's registered hash is now known fine: mark the images near it


class Images(StoreBase):
    """The Store's part for an image's state and what editors and readers see of it."""

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
        generation, event, *copies = self._action(
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
        return ResetOutcome(int(generation), _text(event),
                            tuple(entry for entry in entries if not entry.startswith("crossed|")), crossings,
                            known_fine)

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

    def set_protection(self, image_id: str, protected: bool, actor: str, once: Once | None = None,
                       if_match: Sequence[str] | None = None) -> ProtectionOutcome:
        crossed, generation, event = self._action(
            "protect",
            keys=[image_key(image_id), PENDING, HIDDEN, PROTECTED, AUDIT, REVIEW, OUTBOX, MATCH_FINE, MATCH_NEAR_FINE],
            args=[image_id, "1" if protected else "0", actor, self.audit_max_events, self.threshold],
            once=once, if_match=if_match)
        return ProtectionOutcome(bool(crossed), int(generation), _text(event))

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

    def counts(self) -> dict[str, int]:
        """How many images each index holds, and the audit stream's length."""
        pipe = self.redis.pipeline(transaction=False)
        for index in INDEXES.values():
            pipe.zcard(index)
        pipe.xlen(AUDIT)
        *sizes, audit = pipe.execute()
        return {**dict(zip(INDEXES, sizes)), "audit_events": audit}

    def hidden_count(self) -> int:
        return int(self.redis.zcard(HIDDEN))


def _ms(value) -> int | None:
    return None if value is None else int(float(value))
