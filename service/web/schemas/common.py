"""The image id rule, the URL and cursor patterns, and the fields, validators and base schemas every
concept shares; with the path, language and health schemas more than one blueprint uses."""
from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import validate

from config import LANGUAGES
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


def article_url_field() -> ma.fields.String:
    """The page the photo appeared in: checked like an image URL (the same refused characters), never fetched."""
    return ma.fields.String(
        validate=[validate.Length(max=2000), FullMatch(IMAGE_URL_PATTERN, error="Not a valid http(s) URL.")],
        metadata={"description": "http(s) URL of the article the photo appeared in, for editors to open; never fetched"})


class LangQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE  # pages add cache-busting parameters of their own

    # A language we do not offer never refuses the report: it is negotiated as if not asked.
    lang = ma.fields.String(validate=validate.Length(max=35), metadata={
        "description": f"one of {', '.join(LANGUAGES)}; any other falls back to Accept-Language, then the default"})


class ImagePathSchema(ma.Schema):
    image_id = ImageId(in_path=True, required=True)


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True)
