"""Notices (DSA Art 16): their input, receipt, status and the editors' decision and listing; and
statements of reasons (Art 17)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from service.web.schemas.common import (IMAGE_URL_PATTERN, REPORTER_ID_PATTERN, FullMatch, ImageId,
                                        StrictBoolean, StrictSchema)

MAX_NOTICE_IMAGES = 20
NOTICE_STATUSES = ("received", "decided")
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{32}$"
REFERENCE_PATTERN = r"^N-[A-HJ-NP-Z2-9]{10}$"
# A notice listing's cursor: when the last notice of the page before entered the listing (ms since
# the epoch: arrival for the queue, decision for decided ones), "_", and its reference.
NOTICE_CURSOR_PATTERN = r"^[0-9]{1,16}_N-[A-HJ-NP-Z2-9]{10}$"
PRINTABLE_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"  # lines and tabs, no other control characters


def _categories():
    from service.core.statements import CATEGORIES
    return CATEGORIES


class NoticeSchema(StrictSchema):
    image_ids = ma.fields.List(ImageId(), required=True, validate=validate.Length(1, MAX_NOTICE_IMAGES),
                               metadata={"description": f"1 to {MAX_NOTICE_IMAGES} images the notice is about"})
    category = ma.fields.String(required=True, validate=validate.OneOf(_categories()), metadata={
        "description": "the EU Transparency Database's statement category, lower case; protection_of_minors "
                       "covers child sexual abuse material (no name or e-mail needed)"})
    explanation = ma.fields.String(required=True, validate=[validate.Length(1, 5000), FullMatch(
        PRINTABLE_TEXT, error="Must not contain control characters.")],
        metadata={"description": "why the images are illegal"})
    location = ma.fields.String(required=True, validate=[
        validate.Length(max=2000), FullMatch(IMAGE_URL_PATTERN, error="Not a valid http(s) URL.")],
        metadata={"description": "URL of the page showing the images"})
    name = ma.fields.String(validate=[validate.Length(max=200), FullMatch(
        REPORTER_ID_PATTERN, error="Must contain printable characters only.")])
    email = ma.fields.Email(validate=validate.Length(max=254))
    bona_fide = StrictBoolean(metadata={"description": "true: the notifier believes in good faith that the "
                                                       "notice is accurate and complete"})
    law = ma.fields.String(validate=[validate.Length(max=500), FullMatch(
        PRINTABLE_TEXT, error="Must not contain control characters.")],
        metadata={"description": "the law the images break, if known"})


class NoticeReceiptSchema(ma.Schema):
    reference = ma.fields.String(required=True, metadata={"description": "short, to quote; opens nothing"})
    token = ma.fields.String(required=True, metadata={"description": "the unguessable token of status_url"})
    status_url = ma.fields.String(required=True)
    complete = ma.fields.Boolean(required=True)
    missing = ma.fields.List(ma.fields.String(), required=True,
                             metadata={"description": "elements of a notice it lacks (explanation, location, "
                                                      "name, email, bona_fide)"})
    message = ma.fields.String(required=True)


class TokenPathSchema(ma.Schema):
    token = ma.fields.String(required=True, validate=FullMatch(TOKEN_PATTERN, error="Not a token."),
                             metadata={"pattern": TOKEN_PATTERN})


class ReferencePathSchema(ma.Schema):
    reference = ma.fields.String(required=True, validate=FullMatch(REFERENCE_PATTERN, error="Not a reference."),
                                 metadata={"pattern": REFERENCE_PATTERN})


class NoticeDecisionViewSchema(ma.Schema):
    action = ma.fields.String(required=True, validate=validate.OneOf(("hidden", "kept")))
    ground = ma.fields.String(required=True, validate=validate.OneOf(("illegal", "terms")))
    explanation = ma.fields.String(required=True)
    at = ma.fields.DateTime(required=True)
    redress = ma.fields.String(required=True)


class NoticeStatusSchema(ma.Schema):
    reference = ma.fields.String(required=True)
    received_at = ma.fields.DateTime(required=True)
    status = ma.fields.String(required=True, validate=validate.OneOf(NOTICE_STATUSES))
    decision = ma.fields.Nested(NoticeDecisionViewSchema)


class NoticeDecisionSchema(StrictSchema):
    action = ma.fields.String(required=True, validate=validate.OneOf(("hide", "keep")))
    ground = ma.fields.String(required=True, validate=validate.OneOf(("illegal", "terms")))
    explanation = ma.fields.String(required=True, validate=[validate.Length(1, 2000), FullMatch(
        PRINTABLE_TEXT, error="Must not contain control characters.")])


class AdminNoticeQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    status = ma.fields.String(load_default="received", validate=validate.OneOf(NOTICE_STATUSES),
                              metadata={"description": "received: oldest first (the queue); decided: newest first"})
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(1, 200))
    cursor = ma.fields.String(
        validate=FullMatch(NOTICE_CURSOR_PATTERN, error="Not a cursor."),
        metadata={"description": "next_cursor of the page before: `<ms>_<reference>` of its last notice. The page "
                                 "starts strictly after that notice in the listing asked for, even once it has "
                                 "left it (a cursor of another form is a 422)",
                  "example": "1717171717171_N-ABCDEFGH23", "pattern": NOTICE_CURSOR_PATTERN})


class NotifierSchema(ma.Schema):
    name = ma.fields.String()
    email = ma.fields.String()


class NoticeImageSchema(ma.Schema):
    image_id = ma.fields.String(required=True)
    state = ma.fields.String(required=True)
    hidden_by = ma.fields.String(allow_none=True, required=True)


class AdminDecisionSchema(ma.Schema):
    action = ma.fields.String(required=True, validate=validate.OneOf(("hide", "keep")))
    ground = ma.fields.String(required=True)
    explanation = ma.fields.String(required=True)
    at = ma.fields.DateTime(required=True)
    by = ma.fields.String(required=True)


class StatementLinkSchema(ma.Schema):
    image_id = ma.fields.String(required=True)
    token = ma.fields.String(required=True)
    status_url = ma.fields.String(required=True)


class AdminNoticeSchema(ma.Schema):
    reference = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=validate.OneOf(NOTICE_STATUSES))
    received_at = ma.fields.DateTime(required=True)
    category = ma.fields.String(required=True)
    explanation = ma.fields.String(required=True)
    location = ma.fields.String(required=True)
    law = ma.fields.String(allow_none=True, required=True)
    image_ids = ma.fields.List(ma.fields.String(), required=True)
    complete = ma.fields.Boolean(required=True)
    missing = ma.fields.List(ma.fields.String(), required=True)
    bona_fide = ma.fields.Boolean(required=True)
    notifier = ma.fields.Nested(NotifierSchema, allow_none=True, required=True, metadata={
        "description": "name and e-mail while kept: until the decision reached the site, 183 days at most"})
    images = ma.fields.List(ma.fields.Nested(NoticeImageSchema), required=True)
    decision = ma.fields.Nested(AdminDecisionSchema, allow_none=True, required=True)
    statements = ma.fields.List(ma.fields.Nested(StatementLinkSchema), required=True, metadata={
        "description": "statements of reasons of the hides this decision made"})


class AdminNoticeListSchema(ma.Schema):
    notices = ma.fields.List(ma.fields.Nested(AdminNoticeSchema), required=True)
    next_cursor = ma.fields.String(allow_none=True, required=True,
                                   metadata={"description": "the cursor of the next page; null on the last"})


class ImageNoticeSchema(ma.Schema):
    """A notice naming an image, as its admin detail lists it: never who sent it."""
    reference = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=validate.OneOf(NOTICE_STATUSES))
    received_at = ma.fields.DateTime(required=True)
    complete = ma.fields.Boolean(required=True)
    action = ma.fields.String(allow_none=True, required=True, validate=validate.OneOf(("hide", "keep")),
                              metadata={"description": "the editors' decision, null until decided"})


class StatementSchema(ma.Schema):
    at = ma.fields.DateTime(required=True)
    restriction = ma.fields.String(required=True)
    duration = ma.fields.String(required=True)
    territorial_scope = ma.fields.List(ma.fields.String(), required=True)
    hidden_by = ma.fields.String(required=True, validate=validate.OneOf(("reports", "editor", "match")))
    notice = ma.fields.String(allow_none=True, required=True,
                              metadata={"description": "the reference of the notice it followed, else null"})
    source = ma.fields.String(required=True, validate=validate.OneOf(("article_16", "other_notification",
                                                                       "voluntary")))
    automated_detection = ma.fields.Boolean(required=True)
    automated_decision = ma.fields.String(required=True,
                                          validate=validate.OneOf(("fully", "partially", "not_automated")))
    ground = ma.fields.String(required=True, validate=validate.OneOf(("illegal", "terms")))
    legal_ground = ma.fields.String(required=True)
    explanation = ma.fields.String(required=True)
    facts = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    redress = ma.fields.String(required=True)
    status_url = ma.fields.String(metadata={"description": "its own page, for whoever posted the image"})
