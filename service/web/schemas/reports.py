"""A reader's report (POST /v1/report) and its answer."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import marshmallow as ma
from marshmallow import validate

from config import REASONS
from service.web.schemas.common import (IMAGE_URL_PATTERN, REPORTER_ID_PATTERN, FullMatch, ImageId, StrictSchema,
                                        article_url_field)


# RFC 3339's full-date and date-time (JSON Schema's `date` and `date-time` formats, which the document
# states): exactly what account_created_at takes.
_FULL_DATE = r"\d{4}-\d{2}-\d{2}"
# A date-time without an offset, which ISO 8601 allows and sites' records often hold, is taken as UTC.
_RFC3339 = re.compile(rf"{_FULL_DATE}|{_FULL_DATE}[Tt]\d{{2}}:\d{{2}}:\d{{2}}(?:\.\d+)?(?:[Zz]|[+-]\d{{2}}:\d{{2}})?")


class AccountCreatedAt(ma.fields.Field):
    """A date or date-time as RFC 3339 writes them (a date is midnight UTC): a UTC datetime. One in the
    future (the site's clock ahead of ours) is now: the account is brand new either way."""

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        try:
            at = datetime.fromisoformat(value.upper()) if isinstance(value, str) and _RFC3339.fullmatch(value) \
                else None
        except ValueError:  # a month 13, a day 32
            at = None
        if at is None:
            raise ma.ValidationError("Not a valid date or date-time (RFC 3339, e.g. 2026-12-06 or "
                                     "2026-12-06T08:30:00Z).")
        at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
        return min(at, datetime.now(timezone.utc))


class ReportSchema(StrictSchema):
    image_id = ImageId(required=True)
    reason = ma.fields.String(load_default="other", validate=validate.OneOf(REASONS))
    image_url = ma.fields.String(
        validate=[validate.Length(max=2000), FullMatch(IMAGE_URL_PATTERN, error="Not a valid http(s) URL.")],
        metadata={"description": "http(s) URL of the image, used for its placeholder"},
    )
    reporter_id = ma.fields.String(
        validate=[validate.Length(1, 200),
                  FullMatch(REPORTER_ID_PATTERN, error="Must contain printable characters only.")],
        metadata={"description": "Required with a frontend key; ignored for anonymous calls"},
    )
    comment = ma.fields.String(validate=validate.Length(max=500))
    article_url = article_url_field()
    account_created_at = AccountCreatedAt(metadata={
        "description": "when the reader's site account was created (a date or date-time, from the site's own "
                       "records; a date-time without an offset is UTC): a younger account than "
                       "IMGMOD_NEW_ACCOUNT_DAYS weighs less. Only with a frontend key; never stored", "type": "string",
        "anyOf": [{"format": "date"}, {"format": "date-time"}]})


class ReportResultSchema(ma.Schema):
    image_id = ma.fields.String(required=True)
    counted = ma.fields.Boolean(required=True, metadata={"description": "False for a repeat by the same reporter"})
    hidden = ma.fields.Boolean(required=True)
    lang = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
