"""Statements of reasons (DSA Art 17) for every restriction, and the two exports built from them.

Every hide is a restriction: by reports (the threshold), by matching, by an editor (confirm, hide by
hand) or by an editor's decision on a notice. Each gets one statement, recorded where the hide's
outbox entry is dispatched (service/core/followups.py) or, for a notice's decision, before that dispatch,
keyed by image and generation (service/core/notice_store.py), so each restriction has exactly one.

`tdb_statement` writes one in the EU Transparency Database's statement format (API v2, the field
names and values of its public API documentation); `statements_lines` and `transparency_csv` are
`imgmod statements` and `imgmod transparency`. Neither holds a name, an e-mail, an address or a
reporter's id: a statement is built from counts, reasons, categories and the editors' own words.
"""
from __future__ import annotations

import csv
import hashlib
import io
import secrets
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from typing import Iterable

import orjson

from service.core.notice_store import NoticeStore, notices_of
from service.core.store import OutboxEvent

# The Transparency Database's statement categories (v2), in lower case without their prefix: what a
# notice's `category` takes.
CATEGORIES = (
    "animal_welfare", "consumer_information", "cyber_violence", "cyber_violence_against_women",
    "data_protection_and_privacy_violations", "illegal_or_harmful_speech", "intellectual_property_infringements",
    "negative_effects_on_civic_discourse_or_elections", "not_specified_notice", "other_violation_tc",
    "protection_of_minors", "risk_for_public_security", "scams_and_fraud", "self_harm",
    "unsafe_and_prohibited_products", "violence",
)
# The category that covers child sexual abuse material (offences of Arts 3-7 of Directive 2011/93/EU),
# for which Art 16(2)(c) asks no name or e-mail of the notifier.
CSAM_CATEGORY = "protection_of_minors"
# Readers' reasons, as the widget offers them, in the database's categories.
REASON_CATEGORIES = {
    "nudity": "other_violation_tc", "violence": "violence", "hate": "illegal_or_harmful_speech",
    "spam": "other_violation_tc", "misleading": "negative_effects_on_civic_discourse_or_elections",
    "copyright": "intellectual_property_infringements", "other": "other_violation_tc",
}
# Where a hide applies: everywhere the site shows the image, so every EU and EEA country.
TERRITORIAL_SCOPE = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
                     "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK")
TERRITORIAL_SCOPE_LIST = list(TERRITORIAL_SCOPE)  # shared by every exported statement, never changed
AUTOMATED_DECISIONS = {"fully": "AUTOMATED_DECISION_FULLY", "partially": "AUTOMATED_DECISION_PARTIALLY",
                       "not_automated": "AUTOMATED_DECISION_NOT_AUTOMATED"}
SOURCES = {"article_16": "SOURCE_ARTICLE_16", "other_notification": "SOURCE_TYPE_OTHER_NOTIFICATION",
           "voluntary": "SOURCE_VOLUNTARY"}
PUID_NAMESPACE = uuid.UUID("0b6c2f55-7f2e-4f0c-9a43-4d3c8e51a7b2")
_PUID_PREFIX = PUID_NAMESPACE.bytes


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d")


def _base(services, event_image: str, generation: int, at_ms: int, status: dict | None) -> dict:
    settings = services.settings
    first = (status or {}).get("first_reported_at")
    return {"image_id": event_image, "generation": generation, "at_ms": at_ms,
            "content_date_ms": min(first, at_ms) if first else at_ms,
            "restriction": "disabled", "redress": settings.dsa_redress, "notice": None}


def _main_category(reasons: dict) -> str:
    if not reasons:
        return "other_violation_tc"
    reason = max(sorted(reasons), key=lambda name: reasons[name])
    return REASON_CATEGORIES.get(reason, "other_violation_tc")


def for_hide(services, event: OutboxEvent) -> dict:
    """The statement of a hide by reports, by matching or by an editor, from its outbox entry."""
    store, settings = services.store, services.settings
    status = store.status(event.image_id)
    statement = _base(services, event.image_id, event.generation, event.at_ms, status)
    reasons = status["reasons"]
    listed = ", ".join(f"{name} ({count})" for name, count in sorted(reasons.items())) or "none given"
    statement.update(ground="terms", legal_ground=settings.dsa_terms, category=_main_category(reasons))
    if event.hidden_by == "match":
        source = event.matched_from or "another image"
        statement.update(
            source="voluntary", automated_detection=True, automated_decision="fully",
            explanation="The image is a copy of an image hidden earlier on the same grounds.",
            facts=(f"The image was hidden automatically because its perceptual hash (PDQ) is within the site's "
                   f"distance of image {source}, which was hidden earlier; no notice preceded it and no person "
                   f"reviewed it before the hide."))
        source_statement = (notices_of(services).statement(source, store.status(source)["generation"])
                            if event.matched_from else None)
        if source_statement:
            statement["category"] = source_statement["category"]
    elif event.hidden_by == "editor":
        reported = status["report_count"] > 0
        statement.update(
            source="other_notification" if reported else "voluntary", automated_detection=False,
            automated_decision="not_automated",
            explanation="An editor judged the image incompatible with the site's rules.",
            facts=("An editor of the site hid the image after reviewing it"
                   + (f", following {status['report_count']} readers' reports (reasons: {listed})." if reported
                      else ", on the site's own initiative.")))
    else:  # reports: the threshold
        statement.update(
            source="other_notification", automated_detection=False, automated_decision="fully",
            explanation="Enough distinct readers reported the image for the site's rules to hide it.",
            facts=(f"The image was hidden automatically when {status['report_count']} distinct readers' reports "
                   f"(reasons: {listed}) reached the site's threshold of {status['threshold']}; no person "
                   f"reviewed it before the hide."))
    statement["hidden_by"] = event.hidden_by or "reports"
    return statement


def for_notice(services, image_id: str, generation: int, at_ms: int, notice: dict, ground: str,
               explanation: str) -> dict:
    """The statement of an editor's hide that decides a notice."""
    statement = _base(services, image_id, generation, at_ms, services.store.status(image_id))
    legal = notice.get("law") or f"The law on {notice['category'].replace('_', ' ')} invoked in the notice"
    statement.update(
        source="article_16", automated_detection=False, automated_decision="not_automated",
        ground=ground, legal_ground=legal if ground == "illegal" else services.settings.dsa_terms,
        explanation=explanation, category=notice["category"], hidden_by="editor", notice=notice["reference"],
        facts=(f"A notice (reference {notice['reference']}) said the image is illegal ({notice['category']}); "
               f"an editor of the site reviewed it and the notice and hid the image."))
    return statement


def record(services, statement: dict) -> bool:
    """Keep `statement` unless its restriction has one already; True if kept."""
    token = secrets.token_urlsafe(24)  # its page, for the site to hand to whoever posted the image
    return notices_of(services).record_statement(statement["image_id"], statement["generation"],
                                                 {**statement, "token": token}, token)


def record_hide(services, event: OutboxEvent) -> None:
    """followups.dispatch's hook: the statement of the hide `event` announces, once."""
    if notices_of(services).statement(event.image_id, event.generation) is None:
        record(services, for_hide(services, event))


def puid(statement: dict) -> str:
    """uuid5(PUID_NAMESPACE, "<generation>|<image id>"), written out by hand: uuid.uuid5 builds two UUID
    objects per call, a third of an export's time."""
    digest = bytearray(hashlib.sha1(_PUID_PREFIX + f"{statement['generation']}|{statement['image_id']}".encode())
                       .digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    x = digest.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


_DAYS: dict[int, str] = {}


def _day_of(ms: int) -> str:
    """_day, remembered per day: an export of a million statements formats a few hundred days."""
    day = ms // 86_400_000
    found = _DAYS.get(day)
    if found is None:
        found = _DAYS[day] = _day(day * 86_400_000)
    return found


_VISIBILITY = ["DECISION_VISIBILITY_CONTENT_DISABLED"]
_CONTENT_TYPE = ["CONTENT_TYPE_IMAGE"]


def tdb_statement(statement: dict) -> dict:
    """One statement in the Transparency Database's format: its fields only, nothing personal."""
    illegal = statement["ground"] == "illegal"
    body = {
        "decision_visibility": _VISIBILITY,
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT" if illegal else "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "content_type": _CONTENT_TYPE,
        "category": "STATEMENT_CATEGORY_" + statement["category"].upper(),
        "territorial_scope": TERRITORIAL_SCOPE_LIST,
        "content_date": _day_of(statement["content_date_ms"]),
        "application_date": _day_of(statement["at_ms"]),
        "decision_facts": statement["facts"][:5000],
        "source_type": SOURCES[statement["source"]],
        "automated_detection": "Yes" if statement["automated_detection"] else "No",
        "automated_decision": AUTOMATED_DECISIONS[statement["automated_decision"]],
        "puid": puid(statement),
    }
    if illegal:
        body["illegal_content_legal_ground"] = statement["legal_ground"][:500]
        body["illegal_content_explanation"] = statement["explanation"][:2000]
    else:
        body["incompatible_content_ground"] = statement["legal_ground"][:500]
        body["incompatible_content_explanation"] = statement["explanation"][:2000]
    return body


def view(statement: dict, with_url: bool = True) -> dict:
    """A statement as the API shows it (admin detail, and its own page by token)."""
    return {
        "at": datetime.fromtimestamp(statement["at_ms"] / 1000, tz=timezone.utc),
        "restriction": "access to the image disabled: readers see a placeholder instead",
        "duration": "until an editor restores the image",
        "territorial_scope": list(TERRITORIAL_SCOPE),
        "hidden_by": statement["hidden_by"],
        "notice": statement["notice"],
        "source": statement["source"],
        "automated_detection": statement["automated_detection"],
        "automated_decision": statement["automated_decision"],
        "ground": statement["ground"],
        "legal_ground": statement["legal_ground"],
        "explanation": statement["explanation"],
        "facts": statement["facts"],
        "category": statement["category"],
        "redress": statement["redress"],
        **({"status_url": f"/v1/statements/{statement['token']}"} if with_url else {}),
    }


def statements_lines(notice_store: NoticeStore, since_ms: int) -> Iterable[bytes]:
    """`imgmod statements`: each statement since `since_ms` as one line of JSON (UTF-8, compact, with its
    newline), streamed: read from Redis a page at a time, never all held at once. Nothing here checks a
    line against the database's schema (the tests do, over every cause of a hide): a million lines are
    written in seconds (BENCHMARKS.md)."""
    for raw in notice_store.raw_statements_between(since_ms):
        yield orjson.dumps(tdb_statement(orjson.loads(raw)), option=orjson.OPT_APPEND_NEWLINE)


def median(values: list[int]) -> Decimal | None:
    """The exact median of whole numbers: the middle one, or the mean of the two middle ones."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[middle])
    return (Decimal(ordered[middle - 1]) + Decimal(ordered[middle])) / 2


def _year_bounds(year: int) -> tuple[int, int]:
    start = datetime(year, 1, 1, tzinfo=timezone.utc)
    end = datetime(year + 1, 1, 1, tzinfo=timezone.utc)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def transparency_rows(notice_store: NoticeStore, year: int) -> list[tuple[str, str, str]]:
    """The hosting service's yearly counts (Art 15(1)(b) and (c)): (measure, breakdown, value)."""
    start, end = _year_bounds(year)
    notices = notice_store.received_between(start, end)
    statements = list(notice_store.statements_between(start, end))
    rows: list[tuple[str, str, str]] = []
    for category in CATEGORIES:
        rows.append(("notices_received", category, str(sum(1 for n in notices if n["category"] == category))))
    rows.append(("notices_received", "total", str(len(notices))))
    rows.append(("notices_received", "trusted_flaggers", "0"))
    decided = [n for n in notices if n["decision"]]
    for action in ("hide", "keep"):
        rows.append(("notices_decided", action, str(sum(1 for n in decided if n["decision"]["action"] == action))))
    rows.append(("notices_decided", "automated", "0"))  # every decision on a notice is an editor's
    for ground in ("illegal", "terms"):
        rows.append(("actions", ground, str(sum(1 for s in statements if s["ground"] == ground))))
    for source in ("article_16", "other_notification", "voluntary"):
        rows.append(("actions_by_source", source, str(sum(1 for s in statements if s["source"] == source))))
    for cause in ("reports", "match", "editor"):
        rows.append(("actions_by_cause", cause,
                     str(sum(1 for s in statements if s["hidden_by"] == cause and not s["notice"]))))
    rows.append(("automated_detection", "yes", str(sum(1 for s in statements if s["automated_detection"]))))
    for decision in AUTOMATED_DECISIONS:
        rows.append(("automated_decision", decision, str(sum(1 for s in statements
                                                             if s["automated_decision"] == decision))))
    waits = [n["decision"]["at_ms"] - n["received_at_ms"] for n in decided]
    middle = median(waits)
    rows.append(("median_seconds_to_action", "notices", "" if middle is None else _seconds(middle)))
    return rows


def _seconds(ms: Decimal) -> str:
    return format((ms / 1000).normalize(), "f")


def transparency_csv(notice_store: NoticeStore, year: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("year", "measure", "breakdown", "value"))
    for row in transparency_rows(notice_store, year):
        writer.writerow((year, *row))
    return out.getvalue()


def current(store, status: dict) -> dict | None:
    """The statement of an image's current hide, as the API shows it; None when visible (or hidden
    before statements were recorded)."""
    if not status["hidden"]:
        return None
    statement = notices_of(store).statement(status["image_id"], status["generation"])
    return None if statement is None else view(statement)
