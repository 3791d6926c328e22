"""POST /v1/reports: a reader reports an image."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from service.core import identity, moderation
from service.web.auth import frontend_name
from service.web.api.error_docs import BODY_ERRORS, documents_errors
from service.web.api.inputs import documented_as, json_body, load
from service.web.context import services
from service.web.metrics import count_report
from service.web.messages import THANKS, negotiate
from service.core.ratelimit import Window, rate_key
from service.web.schemas import LangQuerySchema, ReportResultSchema, ReportSchema

bp = Blueprint("reports", __name__, url_prefix="/v1", description="Readers report images")


def _reporter_identity(report: dict) -> str:
    """Anonymous: the client's network. With a frontend key: its reporter_id. Unknown key: 401."""
    svc = services()
    frontend = frontend_name(request, svc.settings.frontend_keys, svc.store, svc.settings.secret_key)
    if frontend is None:
        return identity.anonymous_identity(request.remote_addr)
    if "reporter_id" not in report:
        abort(422, message="reporter_id: Required with a frontend key.",
              errors={"json": {"reporter_id": ["Required with a frontend key."]}})
    return identity.frontend_identity(frontend, report["reporter_id"])


def site_account_weight(settings, report: dict) -> float:
    """A site account's base weight, times IMGMOD_NEW_ACCOUNT_FACTOR when the site says the account is younger
    than IMGMOD_NEW_ACCOUNT_DAYS; without `account_created_at` the account is taken as established. The
    date is used here and nowhere else: it is never stored."""
    created = report.get("account_created_at")
    young = (created is not None and settings.new_account_days > 0
             and datetime.now(timezone.utc) - created < timedelta(days=settings.new_account_days))
    return settings.frontend_weight * (settings.new_account_factor if young else 1.0)


def refuse(window: Window, retry_after_ms: int):
    """429 with Retry-After: the seconds until the spent window starts afresh."""
    wait = max(1, math.ceil(retry_after_ms / 1000))
    abort(429, message=f"Too many reports ({window.text}); try again in {wait} seconds.",
          headers={"Retry-After": str(wait)})


REPORT = ReportSchema()
LANG_QUERY = LangQuerySchema()


def answer(image_id: str, counted: bool, hidden: bool, lang: str) -> Response:
    """The 202: what became of the report, and the thanks in the reader's language."""
    response = current_app.json.response({"image_id": image_id, "counted": counted, "hidden": hidden, "lang": lang,
                                          "message": THANKS[lang]})
    response.status_code = 202
    return response


@bp.route("/reports")
class Reports(MethodView):
    @documented_as(bp.arguments(REPORT), bp.arguments(LANG_QUERY, location="query", as_kwargs=True),
                   bp.response(202, ReportResultSchema), documents_errors(bp, *BODY_ERRORS, 401, 429, 503),
                   bp.doc(security=[{}, {"frontend": []}]))  # anonymous, or a frontend key with reporter_id
    def post(self):
        """Report an image; each distinct reporter counts once"""
        report = load(REPORT, json_body(), "json")
        lang = load(LANG_QUERY, request.args, "query").get("lang") if request.query_string else None
        svc = services()
        image_id = report["image_id"]
        who = _reporter_identity(report)
        secret, settings = svc.settings.secret_key, svc.settings
        site_account = who.startswith("fe:")  # an address is never given a record across images
        outcome = moderation.report(
            svc, image_id, identity.reporter_hash(secret, who, image_id), report["reason"], report.get("image_url"),
            limit_key=rate_key(secret, who), comment=report.get("comment", ""),
            weight=site_account_weight(settings, report) if site_account else settings.anonymous_weight,
            record=identity.record_key(secret, who) if site_account else None, article_url=report.get("article_url"))
        if outcome.limited_by is not None:  # nothing was counted
            refuse(svc.store.rate_windows[outcome.limited_by], outcome.retry_after_ms)
        count_report(outcome.counted)
        lang = negotiate(request, lang, svc.settings.default_lang)
        return answer(image_id, outcome.counted, outcome.state == "hidden", lang)
