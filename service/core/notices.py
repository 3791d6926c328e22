"""Notices that an image is illegal (DSA Art 16) and editors' decisions on them.

A notice never hides an image by itself: it joins the editors' queue of notices, shown ahead of
community reports, while each image's own state is left alone, so that the threshold may still
hide it; a hide by reports never decides the notice. An editor decides it (hide or keep, the
ground, an explanation): a hide is an editor's hide (`hidden_by: editor`) with a statement of
reasons that names the notice; the notifier learns the decision through their status page at once
and through the site, to which a `notice.decided` webhook carries it with the notifier's name and
e-mail (the site's mailer answers them). Those two are kept only until that webhook is delivered
(or, without a webhook, until the decision), and at most 183 days (service/core/notice_store.py).
"""
from __future__ import annotations

import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from service.core import followups, statements
from service.core.notice_store import NoticeStore, notices_of
from service.core.queue import WEBHOOK_RETRY, WEBHOOK_TIMEOUT, _meta, followup_queue
from service.core.services import Services
from service.core.store import Changed, OutboxEvent

log = logging.getLogger(__name__)

# A reference is short, for people to quote; it opens nothing (the token does).
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 10
EVENT_NAMESPACE = uuid.UUID("3f0f8a4e-8f7d-4b0e-bb43-9b1f6f3cc2d1")
# The elements of Art 16(2), as intake names those a notice lacks.
ELEMENTS = ("explanation", "location", "name", "email", "bona_fide")


def missing_elements(notice: dict) -> list[str]:
    """What a notice (as its schema loaded it) lacks of Art 16(2)'s elements, in ELEMENTS' order:
    a substantiated explanation and the exact location (the schema requires both, but blank text is
    no explanation), the notifier's name and e-mail (not asked for child sexual abuse material), and
    the statement of good faith."""
    missing = []
    if not notice.get("explanation", "").strip():
        missing.append("explanation")
    if not notice.get("location", "").strip():
        missing.append("location")
    if notice["category"] != statements.CSAM_CATEGORY:
        if not (notice.get("name") or "").strip():
            missing.append("name")
        if not (notice.get("email") or "").strip():
            missing.append("email")
    if notice.get("bona_fide") is not True:
        missing.append("bona_fide")
    return missing


def new_reference() -> str:
    """REFERENCE_LENGTH letters of the 32 of REFERENCE_ALPHABET, 5 random bits each."""
    bits = int.from_bytes(secrets.token_bytes((5 * REFERENCE_LENGTH + 7) // 8))
    return "N-" + "".join(REFERENCE_ALPHABET[(bits >> (5 * n)) & 31] for n in range(REFERENCE_LENGTH))


@dataclass(frozen=True)
class Intake:
    reference: str
    token: str
    received_at_ms: int
    missing: list[str]


def receive(services: Services, notice: dict, lang: str, limit_key: str | None) -> Intake:
    """Keep a notice (it joins the notices queue, and each image it names goes before editors: never
    hidden by the notice itself); notice_store.Limited past the rate limit."""
    store = notices_of(services)
    missing = missing_elements(notice)
    fields = {"category": notice["category"], "explanation": notice["explanation"], "location": notice["location"],
              "law": notice.get("law") or "", "images": json.dumps(list(dict.fromkeys(notice["image_ids"]))),
              "bona_fide": "1" if notice.get("bona_fide") is True else "0", "complete": "0" if missing else "1",
              "missing": json.dumps(missing), "lang": lang}
    name, email = (notice.get("name") or "").strip(), (notice.get("email") or "").strip()
    while True:
        reference, token = new_reference(), secrets.token_urlsafe(24)
        # A review request's outbox entry owes only its webhook: without one, none is written.
        created = store.create(reference, token, fields, name, email, limit_key, bool(services.settings.webhook_url))
        if created is not None:
            at, reviews = created
            for entry in reviews:
                followups.dispatch(services, entry)
            return Intake(reference, token, at, missing)


class AlreadyDecided(Exception):
    pass


class UnknownNotice(Exception):
    pass


def decide(services: Services, reference: str, action: str, ground: str, explanation: str, actor: str) -> dict:
    """An editor's decision: hide (each image hidden by the editor, with its statement of reasons) or
    keep. The first decision wins (AlreadyDecided after it)."""
    store = notices_of(services)
    known = store.notice(reference)
    outcome, _ = store.decide(reference, action, ground, explanation, actor, known["image_ids"] if known else ())
    if outcome == "missing":
        raise UnknownNotice(reference)
    if outcome == "decided":
        raise AlreadyDecided(reference)
    notice = store.notice(reference)
    follow_up(services, notice)
    return notice


def follow_up(services: Services, notice: dict, repairing: bool = False) -> None:
    """What a decision owes once recorded: the hides of a "hide" (each with its statement of reasons
    naming the notice), then the notice.decided webhook. The decision's step marked them owed; they
    are cleared only once done, so a process dying in between leaves the mark, and the reconciler
    (repair) does them again: each hide is idempotent (an image hidden already is left as it is) and
    the webhook carries the same event id."""
    decision = notice["decision"]
    if decision["action"] == "hide":
        for image_id in notice["image_ids"]:
            if repairing:
                entry = _hide_unless_reset(services, image_id, decision)
                if entry is False:
                    continue
            else:
                entry = services.store.hide_now(image_id, decision["by"])
            if entry:  # this decision hid it: its statement says so, before the hide's own hook could
                event = OutboxEvent.parse(entry)
                generation, at_ms = event.generation, event.at_ms
            elif repairing:  # hidden by the first try, which may have died before its statement
                status = services.store.status(image_id)
                generation, at_ms = status["generation"], status["hidden_at"]
            if entry or repairing:
                statements.record(services, statements.for_notice(
                    services, image_id, generation, at_ms, notice, decision["ground"], decision["explanation"]))
            followups.dispatch(services, entry)
    store = notices_of(services)
    if services.settings.webhook_url:
        enqueue_decision_webhook(services, notice["reference"])
    else:  # no site to hand the decision to: the notifier's data has served its purpose
        store.erase_notifier(notice["reference"])
    store.followed_up(notice["reference"])


def _hide_unless_reset(services: Services, image_id: str, decision: dict) -> str | None | bool:
    """A repair's hide: as `hide_now`, but False (nothing done) if the image was reset since the
    decision (an editor restored it within the grace: that later word stands), checked atomically
    with the hide through the image's tag."""
    status = services.store.status(image_id)
    decided_in = decision["generations"].get(image_id)
    if decided_in is not None and status["generation"] != decided_in:
        return False
    try:
        return services.store.hide_now(image_id, decision["by"], if_match=[status["tag"]])
    except Changed:
        return False


def repair(services: Services, grace_ms: int) -> int:
    """The reconcile pass's part: decisions older than `grace_ms` whose follow-ups were never done (the
    deciding process died after recording the decision) get them now; how many."""
    store = notices_of(services)
    seconds, micros = services.store.redis.time()
    owed = store.owed_since(seconds * 1000 + micros // 1000 - grace_ms)
    found = store.notices(owed)
    for notice in found:
        follow_up(services, notice, repairing=True)
    for reference in set(owed) - {notice["reference"] for notice in found}:
        store.followed_up(reference)  # forgotten meanwhile: nothing left to do
    if owed:
        log.warning("decisions on notices whose follow-ups were lost done again", extra={"notices": owed})
    return len(owed)


def event_id(reference: str) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"notice.decided|{reference}"))


def _iso(ms: int) -> str:
    at = datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")
    return at.replace("+00:00", "Z")


def webhook_body(services: Services, reference: str) -> str | None:
    """The notice.decided event, read when it is delivered (so no queued job holds the notifier's data)."""
    store = notices_of(services)
    notice = store.notice(reference)
    if notice is None or notice["decision"] is None:
        return None
    decision = notice["decision"]
    body = {"event": "notice.decided", "event_id": event_id(reference), "reference": reference,
            "at": _iso(decision["at_ms"]), "image_ids": notice["image_ids"], "lang": notice["lang"],
            "decision": {"action": "hidden" if decision["action"] == "hide" else "kept",
                         "ground": decision["ground"], "explanation": decision["explanation"],
                         "redress": services.settings.dsa_redress},
            "notifier": store.notifier(reference)}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def enqueue_decision_webhook(services: Services, reference: str):
    return followup_queue(services.hides.connection).enqueue(
        "workers.notice_jobs.deliver_notice_decision", reference, job_timeout=WEBHOOK_TIMEOUT, retry=WEBHOOK_RETRY,
        description=f"webhook {event_id(reference)}", meta=_meta())


def status_view(notice: dict, redress: str) -> dict:
    view = {"reference": notice["reference"], "received_at": _time(notice["received_at_ms"]),
            "status": notice["status"]}
    if notice["decision"]:
        decision = notice["decision"]
        view["decision"] = {"action": "hidden" if decision["action"] == "hide" else "kept",
                            "ground": decision["ground"], "explanation": decision["explanation"],
                            "at": _time(decision["at_ms"]), "redress": redress}
    return view


def admin_view(services: Services, notice: dict) -> dict:
    store = notices_of(services)
    decision = notice["decision"]
    images = []
    for status in services.store.statuses(notice["image_ids"]):
        images.append({"image_id": status["image_id"], "state": status["state"], "hidden_by": status["hidden_by"]})
    return {**{key: notice[key] for key in ("reference", "status", "category", "explanation", "location", "law",
                                            "image_ids", "complete", "missing", "bona_fide")},
            "received_at": _time(notice["received_at_ms"]),
            "notifier": store.notifier(notice["reference"]),
            "images": images,
            "decision": None if decision is None else {
                "action": decision["action"], "ground": decision["ground"], "explanation": decision["explanation"],
                "at": _time(decision["at_ms"]), "by": decision["by"]}}


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def sweep(services: Services) -> int:
    """The reconcile pass's part: erase notifiers' data past 183 days, forget what is past retention."""
    store: NoticeStore = notices_of(services)
    seconds, micros = services.store.redis.time()
    now = seconds * 1000 + micros // 1000
    erased = store.erase_overdue_notifiers(now)
    store.forget_old(now)
    if erased:
        log.info("notifiers' data past 183 days erased", extra={"notices": erased})
    return erased
