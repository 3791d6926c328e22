"""The admin API for newsroom editors: what was reported, reset, hide, protect, and the audit trail."""
from __future__ import annotations

import functools
import hashlib
import json
from datetime import datetime, timezone

from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from werkzeug.http import parse_etags

from service.core import moderation, statements
from service.web import oidc
from service.web.api.error_docs import BODY_ERRORS
from service.web.api.inputs import operation
from service.web.auth import admin_name
from service.web.context import services
from service.core.identity import keyed_hash
from service.core.notice_store import notices_of
from service.web.schemas import (STATES, AdminImageListSchema, AdminImageSchema, AdminListQuerySchema, AdminTotalsSchema,
                             AuditListSchema, AuditQuerySchema, ConfirmSchema, EditorSessionSchema, IdempotencyHeaderSchema,
                             ImagePathSchema, JudgingQuerySchema, MatchesQuerySchema, MatchesSchema, ProtectionSchema, ResetSchema)
from service.core.store import ONCE_PREFIX, Changed, Once, Repeated

bp = Blueprint("admin", __name__, url_prefix="/v1/admin", description="Editors moderate images (admin token)")
ADMIN_ERRORS = (401, 403, 429, 503)
# An editor's action on an image: a body, and 409 for a reused Idempotency-Key or a changed image.
ACTION_ERRORS = (*BODY_ERRORS, *ADMIN_ERRORS, 409)
SECURITY = [{"admin": []}]


def admin_operation(blueprint: Blueprint, response, *, errors: tuple[int, ...] = ADMIN_ERRORS, **described):
    """The admin views' operation (here and in the notices' admin views): `operation` with the
    admin errors documented and the admin scheme."""
    return operation(blueprint, response, errors=errors, security=SECURITY, **described)


@bp.before_request
def require_admin():
    """An admin token's name, or the editor signed in to the console (a CSRF token on each action)."""
    g.actor = oidc.session_actor()
    if g.actor is None:
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
    naming = notices_of(store).naming([status["image_id"] for status in statuses])
    return [{**status, **{key: _time(status[key]) for key in ("first_reported_at", "last_reported_at", "hidden_at", "restored_until")},
             "comments": [{**comment, "at": _time(comment["at"])} for comment in status["comments"]],
             "reporters": mix, "statement": statements.current(store, status),
             "notices": [_image_notice(notice) for notice in found]}
            for status, mix, found in zip(statuses, mixes, naming)]


def _image_notice(notice: dict) -> dict:
    """A notice as an image's detail lists it: what it says and where it stands, never who sent it."""
    return {"reference": notice["reference"], "category": notice["category"], "status": notice["status"],
            "received_at": _time(notice["received_at_ms"]), "complete": notice["complete"],
            "action": notice["decision"]["action"] if notice["decision"] else None}


def detail(status: dict, store=None) -> dict:
    return details([status], store)[0]


def encode_cursor(score: str, image_id: str) -> str:
    """The cursor after (score, image id): the schemas' CURSOR_PATTERN, so the document states it exactly."""
    return f"{score}_{image_id}"


def decode_cursor(cursor: str) -> tuple[str, str]:
    """(score, image id) of a cursor the query schema found of the documented form."""
    score, _, image_id = cursor.partition("_")  # a score never holds "_"; an id may
    return score, image_id


def tagged(answer: dict, status: int = 200):
    """A detail with its ETag, which an action's If-Match names (store.image_tag)."""
    return answer, status, {"ETag": f'"{answer["tag"]}"'}


def held_tags(if_match: str | None) -> list[str] | None:
    """The strong ETags of an If-Match header; None without one, or for `*` (any image exists)."""
    if if_match is None:
        return None
    tags = parse_etags(if_match)
    return None if tags.star_tag else list(tags.as_set())


def once_per_key(view):
    """An editor's action done at most once per Idempotency-Key and admin (the key is recorded in the
    same script as the action: store.Once); a repeat changes nothing and answers what the first did,
    or the image as it is now when the first answer never left (a 503 after the action was applied).
    The same key for another request is a 409 naming it: nothing is done."""
    @functools.wraps(view)
    def with_key(self, *args, idempotency_key: str | None = None, if_match: str | None = None, **kwargs):
        kwargs["if_match"] = held_tags(if_match)
        try:
            if idempotency_key is None:
                return tagged(view(self, *args, **kwargs))
            return keyed(self, *args, idempotency_key=idempotency_key, **kwargs)
        except Changed:  # nothing was done: the image as it is now, for the editor to see what happened
            current = detail(services().store.status(kwargs["image_id"]))
            body = {"code": 409, "status": "Conflict",
                    "message": "If-Match: the image changed since you saw it; nothing was done. `current` is the image "
                               "as it is now.",
                    "errors": {"headers": {"If-Match": ["The image changed since this ETag."]}},
                    "current": AdminImageSchema().dump(current)}
            return current_app.response_class(current_app.json.dumps(body), status=409, mimetype="application/json",
                                              headers={"ETag": f'"{current["tag"]}"'})

    def keyed(self, *args, idempotency_key: str, **kwargs):
        svc = services()
        asked = json.dumps(request.get_json(silent=True), sort_keys=True, ensure_ascii=False)
        once = Once(ONCE_PREFIX + keyed_hash(svc.settings.secret_key, "once", f"{g.actor}\n{idempotency_key}"),
                    f"{request.method} {request.path} {hashlib.sha256(asked.encode()).hexdigest()}")
        try:
            answer = view(self, *args, once=once, **kwargs)
        except Repeated as repeat:
            return _repeat(repeat.recorded, once, kwargs["image_id"])
        svc.store.record_answer(once, current_app.json.dumps(AdminImageSchema().dump(answer)))
        return tagged(answer)
    return with_key


def _repeat(recorded: str, once: Once, image_id: str):
    asked, _, answer = recorded.partition("\n")
    if asked != once.fingerprint:
        abort(409, message="Idempotency-Key: already used for another request; send a fresh key for each action.",
              errors={"headers": {"Idempotency-Key": ["Already used for another request."]}})
    if not answer:  # applied, but its answer never left: the image as it is now
        answer = current_app.json.dumps(AdminImageSchema().dump(detail(services().store.status(image_id))))
    return current_app.response_class(answer, status=200, mimetype="application/json",
                                      headers={"Idempotent-Replayed": "true"})


IDEMPOTENCY_HEADERS = IdempotencyHeaderSchema()


@bp.route("/images")
class AdminImages(MethodView):
    @admin_operation(bp, AdminImageListSchema, query=AdminListQuerySchema())
    def get(self, state, limit, cursor=None):
        """Images by state, paged with opaque cursors: hidden newest first, reported by count"""
        store = services().store
        after = decode_cursor(cursor) if cursor else None
        page = store.page(state, limit + 1, after)  # one more than asked tells whether a next page exists
        shown = page[:limit]
        next_cursor = encode_cursor(shown[-1][1], shown[-1][0]) if len(page) > limit else None
        statuses = store.statuses([image_id for image_id, _ in shown])
        return {"images": details(statuses), "next_cursor": next_cursor}


@bp.route("/session")
class Session(MethodView):
    @admin_operation(bp, EditorSessionSchema)
    def get(self):
        """Who is acting, for the console: with its session, the CSRF token its actions must carry"""
        signed_in = oidc.editor() if "Authorization" not in request.headers else None
        return {"actor": g.actor, "csrf_token": signed_in["csrf"] if signed_in else None}


@bp.route("/totals")
class Totals(MethodView):
    @admin_operation(bp, AdminTotalsSchema)
    def get(self):
        """How many images each listing holds (one read per index), and how many notices wait for a
        decision, for the console's tabs"""
        svc = services()
        counts = svc.store.counts()
        return {**{state: counts[state] for state in STATES}, "notices": notices_of(svc).open_count()}


@bp.route("/images/<image_id:image_id>", merge_slashes=False)
class AdminImage(MethodView):
    @admin_operation(bp, AdminImageSchema, path=ImagePathSchema())
    def get(self, image_id):
        """Everything known about one image, with its ETag for an action's If-Match"""
        return tagged(detail(services().store.status(image_id)))


# An editor who opens an image in the console is named to the others for this long.
JUDGING_SECONDS = 300


# A query, like the matches', not an /images/<id>/… route: an id may end in "/judging" (ids hold '/').
@bp.route("/judging")
class Judging(MethodView):
    @admin_operation(bp, AdminImageSchema, query=JudgingQuerySchema())
    def put(self, image_id):
        """I am judging this image: the others see my name on it for a few minutes (a hint, not a lock)"""
        store = services().store
        store.judging(image_id, g.actor, JUDGING_SECONDS)
        return tagged(detail(store.status(image_id)))


# A query, like the audit's, not an /images/<id>/… route: an id may end in "/matches" (ids hold '/').
@bp.route("/matches")
class Matches(MethodView):
    @admin_operation(bp, MatchesSchema, query=MatchesQuerySchema())
    def get(self, image_id, limit):
        """Same picture elsewhere, for the console: a copy's source and distance, a source's copies"""
        found = services().store.matches(image_id, limit)
        source = None if found.source is None else {"image_id": found.source[0], "distance": found.source[1]}
        return {"image_id": image_id, "source": source, "copies_total": found.copies_total,
                "copies": [{"image_id": copy, "distance": distance} for copy, distance in found.copies]}


@bp.route("/images/<image_id:image_id>/reset", merge_slashes=False)
class Reset(MethodView):
    # Every field has a default: no body is {}.
    @admin_operation(bp, AdminImageSchema, path=ImagePathSchema(), body=ResetSchema(), body_required=False,
                     errors=ACTION_ERRORS, headers=IDEMPOTENCY_HEADERS)
    @once_per_key
    def post(self, body, image_id, once=None, if_match=None):
        """Count to zero and visible again; dismissed reporters stay dismissed unless forgotten"""
        return detail(moderation.reset(services(), image_id, g.actor, body["forget_reporters"], body["note"],
                                       body["verdict"], once=once, if_match=if_match))


@bp.route("/images/<image_id:image_id>/confirm", merge_slashes=False)
class Confirm(MethodView):
    @admin_operation(bp, AdminImageSchema, path=ImagePathSchema(), body=ConfirmSchema(), body_required=False,
                     errors=ACTION_ERRORS, headers=IDEMPOTENCY_HEADERS)  # no body is {}
    @once_per_key
    def post(self, body, image_id, once=None, if_match=None):
        """The reports are right: hidden (now, if it was not) until a reset; the site accounts that reported gain trust"""
        return detail(moderation.confirm(services(), image_id, g.actor, body["note"], once=once, if_match=if_match))


@bp.route("/images/<image_id:image_id>/hide", merge_slashes=False)
class Hide(MethodView):
    @admin_operation(bp, AdminImageSchema, path=ImagePathSchema(), errors=ACTION_ERRORS,
                     headers=IDEMPOTENCY_HEADERS)
    @once_per_key
    def post(self, image_id, once=None, if_match=None):
        """Hide now, by hand"""
        return detail(moderation.hide(services(), image_id, g.actor, once=once, if_match=if_match))


@bp.route("/images/<image_id:image_id>/protection", merge_slashes=False)
class Protection(MethodView):
    @admin_operation(bp, AdminImageSchema, path=ImagePathSchema(), body=ProtectionSchema(), errors=ACTION_ERRORS,
                     headers=IDEMPOTENCY_HEADERS)
    @once_per_key
    def put(self, body, image_id, once=None, if_match=None):
        """Protect from automatic hiding (reports still count), or lift the protection"""
        return detail(moderation.set_protection(services(), image_id, body["protected"], g.actor, once=once,
                                                if_match=if_match))


@bp.route("/audit")
class Audit(MethodView):
    @admin_operation(bp, AuditListSchema, query=AuditQuerySchema())
    def get(self, limit, image_id=None):
        """The audit trail, newest first"""
        events = services().store.audit(image_id, limit)
        return {"events": [{"at": _time(int(event["id"].split("-")[0])), "type": event["type"],
                            "image_id": event["image_id"], "actor": event["actor"],
                            "detail": json.loads(event["detail"])} for event in events]}
