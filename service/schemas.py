"""Marshmallow schemas of every public input and output; the OpenAPI document is generated from them."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from config import LANGUAGES
from service.store import REASONS

IMAGE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:~-]*$"
MAX_BULK_IDS = 100


def ImageId(**kwargs) -> ma.fields.String:
    return ma.fields.String(
        validate=[validate.Length(1, 200), validate.Regexp(IMAGE_ID_PATTERN, error="Not a valid image id.")],
        metadata={"description": "Opaque id chosen by the site", "example": "article-1842.hero"},
        **kwargs,
    )


def _printable(value: str) -> None:
    if not value.isprintable():
        raise ma.ValidationError("Must contain printable characters only.")


class StrictSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class ReportSchema(StrictSchema):
    image_id = ImageId(required=True)
    reason = ma.fields.String(load_default="other", validate=validate.OneOf(REASONS))
    image_url = ma.fields.Url(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=2000))
    reporter_id = ma.fields.String(
        validate=[validate.Length(1, 200), _printable],
        metadata={"description": "Required with a frontend key; ignored for anonymous calls"},
    )
    comment = ma.fields.String(validate=validate.Length(max=500))


class LangQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE  # pages add cache-busting parameters of their own

    lang = ma.fields.String(validate=validate.OneOf(LANGUAGES))


class ReportResultSchema(ma.Schema):
    image_id = ma.fields.String(required=True)
    counted = ma.fields.Boolean(required=True, metadata={"description": "False for a repeat by the same reporter"})
    hidden = ma.fields.Boolean(required=True)
    lang = ma.fields.String(required=True)
    message = ma.fields.String(required=True)


class ImagePathSchema(ma.Schema):
    image_id = ImageId(required=True)


class BulkQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    id = ma.fields.List(ImageId(), required=True, validate=validate.Length(1, MAX_BULK_IDS))


class ImageStatusSchema(ma.Schema):
    image_id = ma.fields.String(required=True)
    hidden = ma.fields.Boolean(required=True)


class ImageListSchema(ma.Schema):
    images = ma.fields.List(ma.fields.Nested(ImageStatusSchema), required=True)


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True)
