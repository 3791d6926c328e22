"""Notices (DSA Art 16): anyone sends one, reads its status by token; editors decide. Statements of
reasons (Art 17) are readable by their token too."""
from __future__ import annotations

import math

from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from service.core import identity, notices, statements
from service.web.api.admin import ADMIN_ERRORS, admin_operation, require_admin
from service.web.api.error_docs import BODY_ERRORS, documents_errors
from service.web.api.inputs import documented_as, json_body, load, operation
from service.web.context import services
from service.web.messages import NOTICE_INCOMPLETE, NOTICE_RECEIPT, negotiate
from service.core.notice_store import Limited, notices_of
from service.core.ratelimit import rate_key
from service.web.schemas import (AdminNoticeListSchema, AdminNoticeQuerySchema, AdminNoticeSchema, LangQuerySchema,
                             NoticeDecisionSchema, NoticeReceiptSchema, NoticeSchema, NoticeStatusSchema,
                             ReferencePathSchema, StatementSchema, TokenPathSchema)

bp = Blueprint("notices", __name__, url_prefix="/v1",
               description="Notices of illegal images and statements of reasons (EU Digital Services Act)")
admin_bp = Blueprint("admin_notices", __name__, url_prefix="/v1/admin/notices",
                     description="Editors decide notices (admin token)")
admin_bp.before_request(require_admin)

NOT_FOUND = "No notice or statement has this token."
# OpenAPI links: a receipt's token opens the status, its reference the editors' decision, and a
# decision's statements their pages (clients, and schemathesis' stateful phase, follow them).
RECEIPT_LINKS = {"responses": {202: {"links": {
    "NoticeStatus": {"operationId": "get_notice_status", "parameters": {"token": "$response.body#/token"}},
    "NoticeDecision": {"operationId": "decide_notice", "parameters": {"reference": "$response.body#/reference"}},
}}}}
DECISION_LINKS = {"responses": {200: {"links": {
    "Statement": {"operationId": "get_statement", "parameters": {"token": "$response.body#/statements/0/token"}},
}}}}


def _statement_links(notice: dict) -> list[dict]:
    store, links = services().store, []
    for status in store.statuses(notice["image_ids"]):
        if not status["hidden"]:
            continue
        statement = notices_of(store).statement(status["image_id"], status["generation"])
        if statement and statement.get("notice") == notice["reference"]:
            links.append({"image_id": status["image_id"], "token": statement["token"],
                          "status_url": f"/v1/statements/{statement['token']}"})
    return links


NOTICE = NoticeSchema()
LANG_QUERY = LangQuerySchema()


@bp.route("/notices")
class Notices(MethodView):
    # Validated and answered like a report (service/web/api/inputs.py): a notice's receipt costs about what a
    # report's thanks does, not flask-smorest's generic machinery on top (BENCHMARKS.md).
    @documented_as(bp.arguments(NOTICE), bp.arguments(LANG_QUERY, location="query", as_kwargs=True),
                   bp.response(202, NoticeReceiptSchema), documents_errors(bp, *BODY_ERRORS, 429, 503),
                   bp.doc(operationId="send_notice", **RECEIPT_LINKS))
    def post(self):
        """Notify that images are illegal; no account needed. Never hides an image by itself"""
        notice = load(NOTICE, json_body(), "json")
        lang = load(LANG_QUERY, request.args, "query").get("lang") if request.query_string else None
        svc = services()
        lang = negotiate(request, lang, svc.settings.default_lang)
        who = identity.anonymous_identity(request.remote_addr)
        try:
            intake = notices.receive(svc, notice, lang, rate_key(svc.settings.secret_key, "notice\x00" + who))
        except Limited as limited:
            wait = max(1, math.ceil(limited.retry_after_ms / 1000))
            abort(429, message=f"Too many notices from this network; try again in {wait} seconds.",
                  headers={"Retry-After": str(wait)})
        message = NOTICE_RECEIPT[lang]
        if intake.missing:
            message += " " + NOTICE_INCOMPLETE[lang].format(missing=", ".join(intake.missing))
        receipt = {"reference": intake.reference, "token": intake.token,
                   "status_url": f"/v1/notices/{intake.token}", "complete": not intake.missing,
                   "missing": intake.missing, "message": message}
        return current_app.response_class(current_app.json.dumps(receipt) + "\n", status=202,
                                          mimetype="application/json")


@bp.route("/notices/<token>")
class NoticeStatus(MethodView):
    @operation(bp, NoticeStatusSchema, path=TokenPathSchema(), alt=((404, "No notice has this token"),),
               errors=(503,), operationId="get_notice_status")
    def get(self, token):
        """A notice's status and, once decided, the decision with the redress available"""
        svc = services()
        store = notices_of(svc)
        reference = store.reference_of(token)
        notice = store.notice(reference) if reference else None
        if notice is None:
            abort(404, message=NOT_FOUND)
        return notices.status_view(notice, svc.settings.dsa_redress)


@bp.route("/statements/<token>")
class Statement(MethodView):
    @operation(bp, StatementSchema, path=TokenPathSchema(), alt=((404, "No statement has this token"),),
               errors=(503,), operationId="get_statement")
    def get(self, token):
        """The statement of reasons of one restriction (DSA Art 17), for whoever posted the image"""
        statement = notices_of(services()).statement_by_token(token)
        if statement is None:
            abort(404, message=NOT_FOUND)
        return statements.view(statement)


@admin_bp.route("")
class AdminNotices(MethodView):
    @admin_operation(admin_bp, AdminNoticeListSchema, query=AdminNoticeQuerySchema())
    def get(self, status, limit, cursor=None):
        """Notices for the console, paged with cursors: open ones oldest first (ahead of community
        reports), or decided ones newest first"""
        svc = services()
        store = notices_of(svc)
        after = None
        if cursor:
            at, _, reference = cursor.partition("_")
            after = (int(at), reference)
        page = store.page(status, limit + 1, after)  # one more than asked tells whether a next page exists
        shown = page[:limit]
        next_cursor = f"{shown[-1][1]}_{shown[-1][0]}" if len(page) > limit else None
        found = store.notices([reference for reference, _ in shown])
        return {"notices": [{**notices.admin_view(svc, notice), "statements": _statement_links(notice)}
                            for notice in found], "next_cursor": next_cursor}


@admin_bp.route("/<reference>/decision")
class Decision(MethodView):
    @admin_operation(admin_bp, AdminNoticeSchema, path=ReferencePathSchema(), body=NoticeDecisionSchema(),
                     errors=(*BODY_ERRORS, *ADMIN_ERRORS),
                     alt=((404, "No notice has this reference"), (409, "The notice is decided already")),
                     operationId="decide_notice", **DECISION_LINKS)
    def post(self, body, reference):
        """Decide a notice: hide its images (by the editor, with statements of reasons) or keep them"""
        svc = services()
        try:
            notices.decide(svc, reference, body["action"], body["ground"], body["explanation"], g.actor)
        except notices.UnknownNotice:
            abort(404, message="No notice has this reference.")
        except notices.AlreadyDecided:
            abort(409, message="This notice is decided already.")
        notice = notices_of(svc).notice(reference)
        return {**notices.admin_view(svc, notice), "statements": _statement_links(notice)}
