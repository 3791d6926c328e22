"""Marshmallow schemas of every public input and output; the OpenAPI document is generated from them."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import marshmallow as ma
from marshmallow import validate

from config import LANGUAGES
from config import REASONS
from service.core.urls import URL_REFUSED_CHARACTERS

# The image id rule (contract v2), stated once: 1-200 characters, each a letter or digit of any script
# or one of . _ : ~ - /, the first a letter or digit.
IMAGE_ID_MAX_LENGTH = 200
IMAGE_ID_FORM = ("1-200 characters: letters and digits of any script, and . _ : ~ - /, "
                 "starting with a letter or digit")
IMAGE_ID_ERROR = f"Not a valid image id: {IMAGE_ID_FORM}."
# As JSON Schema (ECMA-262 with Unicode property escapes) writes it: the OpenAPI document states it,
# and the widget (service/web/static/widget.js) tests ids with this very expression (flag `u`), as
# tests/test_ids.py checks.
IMAGE_ID_PATTERN = r"^[\p{L}\p{N}][\p{L}\p{N}._:~/-]*$"
# The same rule for Python's `re`, which has no \p{…}: `[^\W_]` is exactly Unicode's letters (L*) and
# digits (N*), and `\w` those and `_` (tests/test_ids.py compares them over every code point). Pattern
# and length in one expression, for `fullmatch`: the lookups check ids with it alone, and ask the
# schema only for the words of a refusal.
VALID_IMAGE_ID = re.compile(rf"[^\W_][\w.:~/-]{{0,{IMAGE_ID_MAX_LENGTH - 1}}}")
_VALID_CHARACTERS = re.compile(r"[^\W_][\w.:~/-]*")
# http(s) (in any case), a host without `%`, then a path, query or fragment, none of them with a
# character of URL_REFUSED_CHARACTERS. A regex rather than a URL field, so that the OpenAPI document
# states exactly what is accepted; hosts and ports are checked on fetching (workers/fetch.py).
IMAGE_URL_PATTERN = rf"^[Hh][Tt][Tt][Pp][Ss]?://[^{URL_REFUSED_CHARACTERS}/?#%]+(?:[/?#][^{URL_REFUSED_CHARACTERS}]*)?$"
# Printable: no control characters or line separators (lone surrogates are refused for every field).
REPORTER_ID_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"
MAX_BULK_IDS = 100
MAX_REGISTERED_IMAGES = 100
# A listing's cursor: the (score, image id) of the last image of the page before, as Redis writes the
# score (an integer, a decimal, an exponent or inf), then "_" (never part of a score) and the id. Any
# string of this form is a position a page can start after, so the document can state exactly which
# cursors are valid.
SCORE_PATTERN = r"(?:-?inf|-?[0-9]{1,24}(?:\.[0-9]{1,24})?(?:e[-+]?[0-9]{1,3})?)"
# As JSON Schema writes it (for the document) and as Python's `re` does (for validation), like the id.
CURSOR_PATTERN = rf"^{SCORE_PATTERN}_{IMAGE_ID_PATTERN[1:]}"
_VALID_CURSOR = re.compile(rf"{SCORE_PATTERN}_{_VALID_CHARACTERS.pattern}")
CURSOR_MAX_LENGTH = 64 + IMAGE_ID_MAX_LENGTH


class FullMatch(validate.Regexp):
    """Regexp on the whole value: Python's `$` would also accept a trailing newline, JSON Schema's does not."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


class CursorForm(validate.Validator):
    """A cursor's form (see CURSOR_PATTERN); like ImageIdForm, the document states the JSON Schema pattern."""

    def __call__(self, value):
        if _VALID_CURSOR.fullmatch(value) is None:
            raise ma.ValidationError("Not a cursor.")
        return value


class ImageIdForm(validate.Validator):
    """The id's characters (its length is validate.Length's): one message stating the allowed form.

    Not a validate.Regexp, whose Python pattern apispec would copy into the OpenAPI document: the
    document states IMAGE_ID_PATTERN, the same rule in the syntax JSON Schema readers understand."""

    def __call__(self, value):
        if _VALID_CHARACTERS.fullmatch(value) is None:
            raise ma.ValidationError(IMAGE_ID_ERROR)
        return value


# How a path carries an id: routed as sent, decoded once after routing (service/web/api/paths.py).
IMAGE_ID_IN_PATH = ("In a path, percent-encoded with '/' as %2F, as encodeURIComponent does; "
                    "'/' may stand as it is where no route suffix follows.")


def ImageId(in_path: bool = False, **kwargs) -> ma.fields.String:
    description = f"Opaque id chosen by the site: {IMAGE_ID_FORM}"
    return ma.fields.String(
        validate=[validate.Length(1, IMAGE_ID_MAX_LENGTH), ImageIdForm()],
        metadata={"description": f"{description}. {IMAGE_ID_IN_PATH}" if in_path else description,
                  "example": "news/2024/05/hero.jpg" if in_path else "article-1842.hero",
                  "pattern": IMAGE_ID_PATTERN},
        **kwargs,
    )


def _is_text(value) -> bool:
    """False for a str with lone surrogates: JSON can carry them, UTF-8 (and so Redis) cannot."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


class StrictBoolean(ma.fields.Boolean):
    """A JSON boolean, `true` or `false`, and nothing else.

    marshmallow's Boolean also takes 0, 1, "yes", "on", "true"... which the OpenAPI document (type
    boolean) and the contract (a JSON boolean) do not allow: every input boolean is this field.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class StrictSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def _refuse_invalid_unicode(self, data, **kwargs):
        if isinstance(data, dict):
            bad = [key for key, value in data.items()
                   if not _is_text(key) or (isinstance(value, str) and not _is_text(value))]
            if bad:
                # The key itself may be the broken text, so name it with escapes.
                raise ma.ValidationError({key.encode(errors="backslashreplace").decode(): ["Not valid Unicode text."]
                                          for key in bad})
        return data


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


def article_url_field() -> ma.fields.String:
    """The page the photo appeared in: checked like an image URL (the same refused characters), never fetched."""
    return ma.fields.String(
        validate=[validate.Length(max=2000), FullMatch(IMAGE_URL_PATTERN, error="Not a valid http(s) URL.")],
        metadata={"description": "http(s) URL of the article the photo appeared in, for editors to open; never fetched"})


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


class LangQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE  # pages add cache-busting parameters of their own

    # A language we do not offer never refuses the report: it is negotiated as if not asked.
    lang = ma.fields.String(validate=validate.Length(max=35), metadata={
        "description": f"one of {', '.join(LANGUAGES)}; any other falls back to Accept-Language, then the default"})


class ReportResultSchema(ma.Schema):
    image_id = ma.fields.String(required=True)
    counted = ma.fields.Boolean(required=True, metadata={"description": "False for a repeat by the same reporter"})
    hidden = ma.fields.Boolean(required=True)
    lang = ma.fields.String(required=True)
    message = ma.fields.String(required=True)


class ImagePathSchema(ma.Schema):
    image_id = ImageId(in_path=True, required=True)


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


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True)


# Admin API

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


# Notices (DSA Art 16) and statements of reasons (Art 17)

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
