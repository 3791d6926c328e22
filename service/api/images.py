"""GET /v1/images…: is an image hidden? Asked on every page view, so one Redis call and cacheable."""
from __future__ import annotations

from io import BytesIO

from flask import send_file
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from service.api.error_docs import documents_errors
from service.context import services
from service.schemas import BulkQuerySchema, ImageListSchema, ImagePathSchema, ImageStatusSchema
from workers.placeholder import content_type, neutral

bp = Blueprint("images", __name__, url_prefix="/v1", description="Which images are hidden")

# Short enough that a hide shows within seconds, long enough to absorb a viral page's views.
CACHE_HEADERS = {"Cache-Control": "public, max-age=10"}


@bp.route("/images/<image_id>")
class Image(MethodView):
    @bp.etag
    @bp.arguments(ImagePathSchema(), location="path", as_kwargs=True)
    @bp.response(200, ImageStatusSchema)
    @documents_errors(bp, 503)
    def get(self, image_id):
        """Whether one image is hidden"""
        return {"image_id": image_id, "hidden": services().store.is_hidden(image_id)}, CACHE_HEADERS


@bp.route("/images")
class Images(MethodView):
    @bp.etag
    @bp.arguments(BulkQuerySchema(), location="query", as_kwargs=True)
    @bp.response(200, ImageListSchema)
    @documents_errors(bp, 503)
    def get(self, id):
        """Whether each of up to 100 images is hidden, in the order asked"""
        hidden = services().store.hidden_many(id)
        return {"images": [{"image_id": i, "hidden": h} for i, h in zip(id, hidden)]}, CACHE_HEADERS


@bp.route("/images/<image_id>/placeholder")
class Placeholder(MethodView):
    @bp.arguments(ImagePathSchema(), location="path", as_kwargs=True)
    @bp.response(200, {"type": "string", "format": "binary"}, content_type="image/webp",
                 description="A blurred copy of the original (WebP or JPEG), or a neutral image")
    @documents_errors(bp, 404, 503)
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
