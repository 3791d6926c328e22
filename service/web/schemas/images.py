"""Images as sites look them up (one or in bulk) and register them for matching."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from service.web.schemas.common import IMAGE_URL_PATTERN, FullMatch, ImageId, StrictSchema, article_url_field

MAX_BULK_IDS = 100
MAX_REGISTERED_IMAGES = 100


class BulkQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    id = ma.fields.List(ImageId(), required=True, validate=validate.Length(1, MAX_BULK_IDS))


class RegisteredImageSchema(StrictSchema):
    image_id = ImageId(required=True)
    image_url = ma.fields.String(
        required=True,
        validate=[validate.Length(max=2000), FullMatch(IMAGE_URL_PATTERN, error="Not a valid http(s) URL.")],
        metadata={"description": "http(s) URL of the image, fetched (from IMGMOD_IMAGE_HOSTS only) and hashed"},
    )
    article_url = article_url_field()


class RegisterSchema(StrictSchema):
    images = ma.fields.List(ma.fields.Nested(RegisteredImageSchema), required=True,
                            validate=validate.Length(1, MAX_REGISTERED_IMAGES),
                            metadata={"description": f"1 to {MAX_REGISTERED_IMAGES} images of an article"})


class RegisterResultSchema(ma.Schema):
    accepted = ma.fields.Integer(required=True, metadata={"description": "images queued for hashing and matching"})


class ImageStatusSchema(ma.Schema):
    image_id = ma.fields.String(required=True)
    hidden = ma.fields.Boolean(required=True)


class ImageListSchema(ma.Schema):
    images = ma.fields.List(ma.fields.Nested(ImageStatusSchema), required=True)
