"""The admin API: an image's detail and matches, listings and totals, actions and their headers,
the audit and the editor's session."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from config import REASONS
from service.web.schemas.common import (CURSOR_MAX_LENGTH, CURSOR_PATTERN, CursorForm, FullMatch, ImageId,
                                        StrictBoolean, StrictSchema)
from service.web.schemas.notices import ImageNoticeSchema, StatementSchema

STATES = ("reported", "review", "pending", "hidden", "protected")
EVENT_TYPES = ("hidden", "reset", "manual_hide", "protected", "unprotected", "confirmed", "review", "matched")


class CommentSchema(ma.Schema):
    at = ma.fields.DateTime(required=True)
    reason = ma.fields.String(required=True, validate=validate.OneOf(REASONS))
    text = ma.fields.String(required=True)


class ReporterMixSchema(ma.Schema):
    anonymous = ma.fields.Integer(required=True, metadata={"description": "readers counted by their address"})
    accounts = ma.fields.Integer(required=True, metadata={"description": "site accounts (a frontend's reporter_id)"})
    poor_record = ma.fields.Integer(required=True, metadata={
        "description": "of those accounts, how many editors overturned more often than they agreed with"})


class AdminImageSchema(ma.Schema):
    image_id = ma.fields.String(required=True)
    state = ma.fields.String(required=True, validate=validate.OneOf(("visible", "review", "pending", "hidden")))
    hidden = ma.fields.Boolean(required=True)
    protected = ma.fields.Boolean(required=True)
    report_count = ma.fields.Integer(required=True, metadata={"description": "distinct reporters"})
    score = ma.fields.Float(required=True, metadata={"description": "sum of the weights of reporters whose reason hides"})
    review_score = ma.fields.Float(required=True,
                                   metadata={"description": "sum of the weights of reporters whose reason asks for review"})
    threshold = ma.fields.Integer(required=True)
    reasons = ma.fields.Dict(keys=ma.fields.String(validate=validate.OneOf(REASONS)), values=ma.fields.Integer(),
                             required=True)
    first_reported_at = ma.fields.DateTime(allow_none=True, required=True)
    last_reported_at = ma.fields.DateTime(allow_none=True, required=True)
    hidden_at = ma.fields.DateTime(allow_none=True, required=True)
    restored_until = ma.fields.DateTime(allow_none=True, required=True, metadata={
        "description": "until when editors' `disagree` reset guards the photo (a crossing goes to review instead "
                       "of hiding it), null when no guard holds"})
    image_url = ma.fields.String(allow_none=True, required=True,
                                 metadata={"description": "registered_url, else reported_url: the photo to look at"})
    registered_url = ma.fields.String(allow_none=True, required=True, metadata={
        "description": "the URL the site registered (POST /v1/images): the photo that is hashed and matched"})
    reported_url = ma.fields.String(allow_none=True, required=True, metadata={
        "description": "the first URL a reader gave since the last reset: a reader's claim, never hashed or matched"})
    article_url = ma.fields.String(allow_none=True, required=True, metadata={
        "description": "the article the photo appeared in: the site's registration, else the first reader's since "
                       "the last reset (article_by says which); never fetched"})
    being_judged_by = ma.fields.String(allow_none=True, required=True, metadata={
        "description": "the editor (as the audit names them) who opened the image in the console in the last few "
                       "minutes, else null: a hint for the others, never a lock"})
    article_by = ma.fields.String(allow_none=True, required=True, validate=validate.OneOf(("site", "reader")),
                                  metadata={"description": "who gave article_url: the site or a reader; null without one"})
    comments = ma.fields.List(ma.fields.Nested(CommentSchema), required=True,
                              metadata={"description": "the latest 20 readers' comments, newest first, without identity"})
    matched_from = ma.fields.String(allow_none=True, required=True,
                                    metadata={"description": "the source image of a hide by matching, else null"})
    hidden_by = ma.fields.String(allow_none=True, required=True,
                                 validate=validate.OneOf(("reports", "editor", "match")),
                                 metadata={"description": "why it is hidden: reports (the threshold), editor (a "
                                                          "confirm or a hide by hand) or match; null when visible"})
    reporters = ma.fields.Nested(ReporterMixSchema, required=True, metadata={
        "description": "who reported since the last reset, by kind only: never an identity"})
    statement = ma.fields.Nested(lambda: StatementSchema(), allow_none=True, required=True, metadata={
        "description": "the statement of reasons of its current hide (DSA Art 17); null when visible"})
    notices = ma.fields.List(ma.fields.Nested(lambda: ImageNoticeSchema()), required=True, metadata={
        "description": "the latest 20 notices naming the image (DSA Art 16), newest first, without who sent them"})
    etag = ma.fields.Function(lambda image: f'"{image["tag"]}"', required=True, metadata={
        "description": "the answer's ETag header, also for each image of a listing: send it as If-Match with an "
                       "action so that it is done only on the image as you saw it"})


class MatchSchema(ma.Schema):
    image_id = ma.fields.String(required=True)
    distance = ma.fields.Integer(allow_none=True, required=True,
                                 metadata={"description": "bits (of 256) between the two perceptual hashes"})


class JudgingQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    image_id = ImageId(required=True)


class MatchesQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    image_id = ImageId(required=True)
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(1, 200),
                              metadata={"description": "copies listed at most, nearest first"})


class MatchesSchema(ma.Schema):
    image_id = ma.fields.String(required=True)
    source = ma.fields.Nested(MatchSchema, allow_none=True, required=True,
                              metadata={"description": "for a copy hidden by matching: its source, else null"})
    copies = ma.fields.List(ma.fields.Nested(MatchSchema), required=True,
                            metadata={"description": "for a source: the copies hidden through it, nearest first"})
    copies_total = ma.fields.Integer(required=True, metadata={"description": "all its copies, however many are listed"})


class AdminListQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    state = ma.fields.String(load_default="reported", validate=validate.OneOf(STATES),
                             metadata={"description": "hidden, review, pending, protected: newest first; reported: most reports first"})
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(1, 200))
    cursor = ma.fields.String(
        validate=[validate.Length(1, CURSOR_MAX_LENGTH), CursorForm()],
        metadata={"description": "next_cursor of the page before: `<score>_<image id>` of its last image. The "
                                 "page starts strictly after that image in the listing asked for; any cursor of "
                                 "this form is a position in it (a cursor of another form is a 422)",
                  "example": "1717171717171_article-1842.hero", "pattern": CURSOR_PATTERN})


class AdminImageListSchema(ma.Schema):
    images = ma.fields.List(ma.fields.Nested(AdminImageSchema), required=True)
    next_cursor = ma.fields.String(allow_none=True, required=True)


class AdminTotalsSchema(ma.Schema):
    reported = ma.fields.Integer(required=True)
    review = ma.fields.Integer(required=True)
    pending = ma.fields.Integer(required=True)
    hidden = ma.fields.Integer(required=True)
    protected = ma.fields.Integer(required=True)
    notices = ma.fields.Integer(required=True, metadata={"description": "notices waiting for the editors' decision"})


class ResetSchema(StrictSchema):
    forget_reporters = StrictBoolean(load_default=False,
                                     metadata={"description": "Let the dismissed reporters count again"})
    note = ma.fields.String(load_default="", validate=validate.Length(max=500))
    verdict = ma.fields.String(load_default="disagree", validate=validate.OneOf(("disagree", "ignore")), metadata={
        "description": "disagree: each site account that reported gets one 'disagreed' verdict; ignore: none"})


class IdempotencyHeaderSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE  # every other header

    idempotency_key = ma.fields.String(
        data_key="Idempotency-Key",
        validate=[validate.Length(1, 255), FullMatch(r"^[\x21-\x7e]+$", error="Must be visible ASCII characters.")],
        metadata={"description": "1-255 visible characters, fresh for each action: a repeat by the same admin "
                                 "within 24 h returns the first answer and changes nothing"})
    if_match = ma.fields.String(
        data_key="If-Match", validate=validate.Length(1, 1000),
        metadata={"description": "The ETag of the image's detail as the editor saw it: when the image changed since "
                                 "(its state, generation or verdict), 409 with the current detail and nothing is done"})


class EditorSessionSchema(ma.Schema):
    actor = ma.fields.String(required=True, metadata={
        "description": "the name the audit gives this admin: an admin token's name, or oidc:<e-mail, else subject>"})
    csrf_token = ma.fields.String(allow_none=True, required=True, metadata={
        "description": "for the console signed in with the newsroom's account: send it as X-CSRF-Token with each "
                       "action; null with an admin token"})


class ConfirmSchema(StrictSchema):
    note = ma.fields.String(load_default="", validate=validate.Length(max=500))


class ProtectionSchema(StrictSchema):
    protected = StrictBoolean(required=True)


class AuditQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    image_id = ImageId()
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(1, 500))


class AuditEventSchema(ma.Schema):
    at = ma.fields.DateTime(required=True)
    type = ma.fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    image_id = ma.fields.String(required=True)
    actor = ma.fields.String(required=True)
    detail = ma.fields.Dict(required=True)


class AuditListSchema(ma.Schema):
    events = ma.fields.List(ma.fields.Nested(AuditEventSchema), required=True)
