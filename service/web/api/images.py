"""GET /v1/images…: is an image hidden? Asked on every page view, so one Redis call and cacheable.

The bulk lookup takes the lean path: ids split from the query, checked with one compiled
expression and the answer written out, with no webargs or marshmallow on the way (what each
saves: BENCHMARKS.md). The schemas still describe it in /openapi.json (`documented_as`) and still
word every refusal: ids the expression refuses are handed to the schema, so a 422 reads exactly as
webargs made it. The single lookup loads its id with the schema and answers through the JSON
provider: the same shortcuts saved it too little.
"""
from __future__ import annotations

import hashlib
from io import BytesIO
from typing import Callable

from flask import Response, current_app, request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from service.web.api.error_docs import BODY_ERRORS, documents_errors
from service.web.api.inputs import documented_as, json_body, load, operation
from service.web.auth import frontend_name
from service.web.context import services
from service.core.queue import enqueue_register, followup_queue
from service.web.schemas import (MAX_BULK_IDS, VALID_IMAGE_ID, BulkQuerySchema, ImageListSchema, ImagePathSchema,
                             ImageStatusSchema, RegisterResultSchema, RegisterSchema)
from service.core.placeholders import content_type, neutral

bp = Blueprint("images", __name__, url_prefix="/v1", description="Which images are hidden")

# Short enough that a hide shows within seconds, long enough to absorb a viral page's views.
CACHE_CONTROL = "public, max-age=10"
# Hashed into every lookup's ETag: change it whenever the JSON of a lookup changes shape, so that
# no cache revalidates an old body with a new tag.
ETAG_VERSION = "lookup-1"

_PATH_SCHEMA = ImagePathSchema()
_BULK_SCHEMA = BulkQuerySchema()
_REGISTER_SCHEMA = RegisterSchema()


# A valid image id holds only letters and digits (of any script) and ._:~-/, which the app's JSON
# provider (ensure_ascii off) never escapes: the bulk answer is written out directly, byte for byte
# what the app's JSON provider writes for the same dict (sorted keys, compact), as
# tests/test_images.py checks (what it saves for 100 ids: BENCHMARKS.md).
_STATUS_JSON = {"0": '{"hidden":false,"image_id":"', "1": '{"hidden":true,"image_id":"'}
_ALL_VISIBLE = ('{"images":[' + _STATUS_JSON["0"], '"},' + _STATUS_JSON["0"], '"}]}\n')


def statuses_body(image_ids: list[str], flags: str) -> str:
    """{"images": [{"image_id", "hidden"}…]} of valid ids, one flag ('1' hidden, '0' not) per id."""
    if "1" not in flags:  # the usual page: nothing on it is hidden, one join does it
        head, between, tail = _ALL_VISIBLE
        return head + between.join(image_ids) + tail
    return '{"images":[' + ",".join([f'{_STATUS_JSON[f]}{i}"}}' for i, f in zip(image_ids, flags)]) + "]}\n"


def query_ids() -> list[str]:
    """The request's `id` values, exactly as request.args.getlist("id") has them.

    A plain query (no percent-escapes, no '+', ASCII only: what asking for valid ids looks like)
    is split by hand, far cheaper than werkzeug's parse for 100 ids (BENCHMARKS.md); any other query, and
    a bare `id` with no '=', is left to werkzeug.
    """
    query = request.query_string
    if b"%" not in query and b"+" not in query and query.isascii():
        text = query.decode()
        if text.startswith("id="):  # nothing but ids, the way the widget asks: split at each "&id="
            ids = text[3:].split("&id=")
            if text.count("&") == len(ids) - 1:  # no other parameter among them
                return ids
        parts = text.split("&")
        if "id" not in parts:
            return [part[3:] for part in parts if part.startswith("id=")]
    return request.args.getlist("id")


def _cacheable(answer: Callable[[], Response], tag: str) -> Response:
    """The JSON answer with its ETag and Cache-Control, or 304 when the caller holds that tag.

    As flask-smorest's ETag did: a strong comparison with If-None-Match, `*` matching any tag.
    """
    etag = hashlib.sha1(tag.encode()).hexdigest()
    if etag in request.if_none_match:
        # application/json only picks the security headers of a resource; werkzeug drops it from a 304.
        response = current_app.response_class(status=304, mimetype="application/json")
    else:
        response = answer()
    headers = response.headers
    headers["ETag"] = f'"{etag}"'
    headers["Cache-Control"] = CACHE_CONTROL
    return response


def image_answer(image_id: str, hidden: bool) -> Response:
    """The single lookup's answer: whether the image is hidden, with its ETag."""
    return _cacheable(lambda: current_app.json.response({"image_id": image_id, "hidden": hidden}),
                      f"{ETAG_VERSION}:image\n{image_id}\n{int(hidden)}")


def bulk_ids() -> list[str]:
    """The query's ids, valid and at most MAX_BULK_IDS of them, or 422 as webargs words it."""
    ids = query_ids()
    if not 0 < len(ids) <= MAX_BULK_IDS or not all(map(VALID_IMAGE_ID.fullmatch, ids)):
        # webargs hands the schema nothing for an absent `id`: "Missing data for required field."
        ids = load(_BULK_SCHEMA, {"id": ids} if ids else {}, "query")["id"]
    return ids


def images_answer(ids: list[str], flags: str) -> Response:
    """The bulk lookup's answer for valid ids, `flags` "0100…", one character per id ('1' hidden)."""
    # Valid ids hold no newline, so the joined ids and flags name exactly one answer.
    return _cacheable(lambda: current_app.response_class(statuses_body(ids, flags), mimetype="application/json"),
                      f"{ETAG_VERSION}:images\n" + "\n".join(ids) + "\n" + flags)


@bp.route("/images/<image_id:image_id>", merge_slashes=False)
class Image(MethodView):
    @documented_as(bp.etag, bp.arguments(ImagePathSchema(), location="path", as_kwargs=True),
                   bp.response(200, ImageStatusSchema), documents_errors(bp, 503))
    def get(self, image_id):
        """Whether one image is hidden"""
        image_id = load(_PATH_SCHEMA, {"image_id": image_id}, "path")["image_id"]
        return image_answer(image_id, services().store.is_hidden(image_id))


@bp.route("/images")
class Images(MethodView):
    @documented_as(bp.etag, bp.arguments(BulkQuerySchema(), location="query", as_kwargs=True),
                   bp.response(200, ImageListSchema), documents_errors(bp, 503))
    def get(self):
        """Whether each of up to 100 images is hidden, in the order asked"""
        ids = bulk_ids()
        return images_answer(ids, services().store.hidden_flags(ids))

    @documented_as(bp.arguments(RegisterSchema()), bp.response(202, RegisterResultSchema),
                   documents_errors(bp, *BODY_ERRORS, 401, 429, 503), bp.doc(security=[{"site": []}]))
    def post(self):
        """Register an article's images as it is published: workers fetch, hash and match them, so that
        copies of hidden photos are hidden before readers see them"""
        svc = services()
        if frontend_name(request, svc.settings.frontend_keys, svc.store, svc.settings.secret_key) is None:
            abort(401, message="A frontend key is required: Authorization: Bearer <key>",
                  headers={"WWW-Authenticate": "Bearer"})
        images = load(_REGISTER_SCHEMA, json_body(), "json")["images"]
        articles = [(i["image_id"], i["article_url"]) for i in images if "article_url" in i]
        if articles:  # the site's word on where each photo appeared: kept as long as its hash, never fetched
            svc.store.register_articles(articles, svc.settings.match_retention_days * 86400)
        svc.store.register_urls([(i["image_id"], i["image_url"]) for i in images],
                                svc.settings.match_retention_days * 86400)
        enqueue_register(followup_queue(svc.hides.connection), [(i["image_id"], i["image_url"]) for i in images])
        return current_app.response_class(f'{{"accepted":{len(images)}}}\n', status=202, mimetype="application/json")


@bp.route("/images/<image_id:image_id>/placeholder", merge_slashes=False)
class Placeholder(MethodView):
    # The contract's "WebP or JPEG": the document names both (placeholders are made as WebP).
    @operation(bp, {"type": "string", "format": "binary"}, path=_PATH_SCHEMA, errors=(404, 503),
               response_kwargs={"content_type": "image/webp",
                                "description": "A blurred copy of the original (WebP or JPEG), or a neutral image"},
               responses={200: {"content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}})
    def get(self, image_id):
        """What to show instead of a hidden image"""
        hidden, data = services().store.placeholder(image_id)
        if not hidden:
            abort(404, message=f"image_id: {image_id} is not hidden")
        # The blurred copy never changes while the image stays hidden; the neutral one is
        # replaced as soon as the worker has made the blurred copy, so it is cached briefly.
        cache = "public, max-age=86400" if data else "public, max-age=60"
        response = send_file(BytesIO(data or neutral()), mimetype=content_type(data or neutral()), etag=True,
                             max_age=None, conditional=True)
        response.headers["Cache-Control"] = cache
        return response
