"""The admin API for newsroom editors: what was reported, reset, hide, protect, and the audit trail."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from service import moderation
from service.api.error_docs import BODY_ERRORS, documents_errors
from service.auth import admin_name
from service.context import services
from service.schemas import (STATES, AdminImageListSchema, AdminImageSchema, AdminListQuerySchema, AdminTotalsSchema,
                             AuditListSchema, AuditQuerySchema, ConfirmSchema, ImagePathSchema, MatchesQuerySchema,
                             MatchesSchema, ProtectionSchema, ResetSchema)

bp = Blueprint("admin", __name__, url_prefix="/v1/admin", description="Editors moderate images (admin token)")
ADMIN_ERRORS = (401, 403, 429, 503)
SECURITY = [{"admin": []}]


@bp.before_request
def require_admin():
    svc = services()
    settings = svc.settings
    g.actor = admin_name(request, settings.admin_tokens, settings.frontend_keys, svc.store, settings.secret_key)


def _time(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def details(statuses: list[dict], store=None) -> list[dict]:
    """The API's view of store statuses, with each image's reporters counted by kind (never who);
    `store` outside a request (the CLI)."""
    store = store or services().store
    mixes = store.reporter_mixes([(status["image_id"], status["generation"]) for status in statuses])
    return [{**status, **{key: _time(status[key]) for key in ("first_reported_at", "last_reported_at", "hidden_at")},
             "comments": [{**comment, "at": _time(comment["at"])} for comment in status["comments"]],
             "reporters": mix} for status, mix in zip(statuses, mixes)]


def detail(status: dict, store=None) -> dict:
    return details([status], store)[0]


def encode_cursor(score: str, image_id: str) -> str:
    """The cursor after (score, image id): the schemas' CURSOR_PATTERN, so the document states it exactly."""
    return f"{score}_{image_id}"


def decode_cursor(cursor: str) -> tuple[str, str]:
    """(score, image id) of a cursor the query schema found of the documented form."""
    score, _, image_id = cursor.partition("_")  # a score never holds "_"; an id may
    return score, image_id


@bp.route("/images")
class AdminImages(MethodView):
    @bp.arguments(AdminListQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, AdminImageListSchema)
    @documents_errors(bp, *ADMIN_ERRORS)
    @bp.doc(security=SECURITY)
    def get(self, state, limit, cursor=None):
        """Images by state, paged with opaque cursors: hidden newest first, reported by count"""
        store = services().store
        after = decode_cursor(cursor) if cursor else None
        page = store.page(state, limit + 1, after)  # one more than asked tells whether a next page exists
        shown = page[:limit]
        next_cursor = encode_cursor(shown[-1][1], shown[-1][0]) if len(page) > limit else None
        statuses = store.statuses([image_id for image_id, _ in shown])
        return {"images": details(statuses), "next_cursor": next_cursor}


@bp.route("/totals")
class Totals(MethodView):
    @bp.response(200, AdminTotalsSchema)
    @documents_errors(bp, *ADMIN_ERRORS)
    @bp.doc(security=SECURITY)
    def get(self):
        """How many images each listing holds (one read per index), for the console's tabs"""
        counts = services().store.counts()
        return {state: counts[state] for state in STATES}


@bp.route("/images/<image_id:image_id>", merge_slashes=False)
class AdminImage(MethodView):
    @bp.arguments(ImagePathSchema(), location="path", as_kwargs=True)
    @bp.response(200, AdminImageSchema)
    @documents_errors(bp, *ADMIN_ERRORS)
    @bp.doc(security=SECURITY)
    def get(self, image_id):
        """Everything known about one image"""
        return detail(services().store.status(image_id))


# A query, like the audit's, not an /images/<id>/… route: an id may end in "/matches" (ids hold '/').
@bp.route("/matches")
class Matches(MethodView):
    @bp.arguments(MatchesQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, MatchesSchema)
    @documents_errors(bp, *ADMIN_ERRORS)
    @bp.doc(security=SECURITY)
    def get(self, image_id, limit):
        """Same picture elsewhere, for the console: a copy's source and distance, a source's copies"""
        found = services().store.matches(image_id, limit)
        source = None if found.source is None else {"image_id": found.source[0], "distance": found.source[1]}
        return {"image_id": image_id, "source": source, "copies_total": found.copies_total,
                "copies": [{"image_id": copy, "distance": distance} for copy, distance in found.copies]}


@bp.route("/images/<image_id:image_id>/reset", merge_slashes=False)
class Reset(MethodView):
    @bp.arguments(ImagePathSchema(), location="path", as_kwargs=True)
    @bp.arguments(ResetSchema(), required=False)  # every field has a default: no body is {}
    @bp.response(200, AdminImageSchema)
    @documents_errors(bp, *BODY_ERRORS, *ADMIN_ERRORS)
    @bp.doc(security=SECURITY)
    def post(self, body, image_id):
        """Count to zero and visible again; dismissed reporters stay dismissed unless forgotten"""
        return detail(moderation.reset(services(), image_id, g.actor, body["forget_reporters"], body["note"],
                                       body["verdict"]))


@bp.route("/images/<image_id:image_id>/confirm", merge_slashes=False)
class Confirm(MethodView):
    @bp.arguments(ImagePathSchema(), location="path", as_kwargs=True)
    @bp.arguments(ConfirmSchema(), required=False)  # no body is {}
    @bp.response(200, AdminImageSchema)
    @documents_errors(bp, *BODY_ERRORS, *ADMIN_ERRORS)
    @bp.doc(security=SECURITY)
    def post(self, body, image_id):
        """The reports are right: hidden (now, if it was not) until a reset; the site accounts that reported gain trust"""
        return detail(moderation.confirm(services(), image_id, g.actor, body["note"]))


@bp.route("/images/<image_id:image_id>/hide", merge_slashes=False)
class Hide(MethodView):
    @bp.arguments(ImagePathSchema(), location="path", as_kwargs=True)
    @bp.response(200, AdminImageSchema)
    @documents_errors(bp, *BODY_ERRORS, *ADMIN_ERRORS)
    @bp.doc(security=SECURITY)
    def post(self, image_id):
        """Hide now, by hand"""
        return detail(moderation.hide(services(), image_id, g.actor))


@bp.route("/images/<image_id:image_id>/protection", merge_slashes=False)
class Protection(MethodView):
    @bp.arguments(ImagePathSchema(), location="path", as_kwargs=True)
    @bp.arguments(ProtectionSchema())
    @bp.response(200, AdminImageSchema)
    @documents_errors(bp, *BODY_ERRORS, *ADMIN_ERRORS)
    @bp.doc(security=SECURITY)
    def put(self, body, image_id):
        """Protect from automatic hiding (reports still count), or lift the protection"""
        return detail(moderation.set_protection(services(), image_id, body["protected"], g.actor))


@bp.route("/audit")
class Audit(MethodView):
    @bp.arguments(AuditQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, AuditListSchema)
    @documents_errors(bp, *ADMIN_ERRORS)
    @bp.doc(security=SECURITY)
    def get(self, limit, image_id=None):
        """The audit trail, newest first"""
        events = services().store.audit(image_id, limit)
        return {"events": [{"at": _time(int(event["id"].split("-")[0])), "type": event["type"],
                            "image_id": event["image_id"], "actor": event["actor"],
                            "detail": json.loads(event["detail"])} for event in events]}
