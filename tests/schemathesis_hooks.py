"""schemathesis hooks for tests/test_conformance.py (loaded through SCHEMATHESIS_HOOKS): what the
OpenAPI document cannot say but every answer of imgmod promises, as one more check of `--checks all`."""
from __future__ import annotations

import itertools
from urllib.parse import unquote

import schemathesis
from schemathesis.specs.openapi.checks import negative_data_rejection

from service.web.schemas import VALID_IMAGE_ID, CursorForm

SECURITY_HEADERS = ("x-content-type-options", "referrer-policy", "content-security-policy")
_calls = itertools.count()


@schemathesis.hook
def before_call(context, case, **kwargs):
    """Each call from a client network of its own, through the one proxy hop the server trusts.
    schemathesis sends refused credentials on purpose, and refusals count per client network: ten
    would answer every later call that carries the right token 429 (service/web/auth.py), and the
    stateful phase could hide nothing."""
    n = next(_calls)
    headers = {**(case.headers or {}), "X-Forwarded-For": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"}
    case.headers = headers


@schemathesis.check
def hardened(ctx, response, case):
    """Security headers on every answer, and no traceback in any."""
    headers = {name.lower() for name in response.headers}
    missing = [name for name in SECURITY_HEADERS if name not in headers]
    assert not missing, f"security headers missing: {missing}"
    assert b"Traceback" not in response.content, "a traceback in the answer"  # bytes: images too


@schemathesis.check
def negative_data_rejection_by_the_id_rule(ctx, response, case):
    """schemathesis' own check that invalid data is refused (run instead of it: the test excludes
    `negative_data_rejection`), except where schemathesis misjudges an image id: to generate strings
    it reads \\p{L} and \\p{N} as Latin letters and 0-9 only, so a path id such as "³ð¹" (digits and a
    letter of Unicode) passes for invalid. The contract's rule (VALID_IMAGE_ID, equal to the
    documented pattern: tests/test_ids.py) decides such a case, and likewise for a listing's cursor,
    which ends in an id."""
    try:
        return negative_data_rejection(ctx, response, case)
    except AssertionError as failure:  # schemathesis' failures are AssertionErrors
        text = f"{getattr(failure, 'title', '')} {getattr(failure, 'message', '')} {failure}"
        image_id = (case.path_parameters or {}).get("image_id")
        image_id = unquote(image_id) if isinstance(image_id, str) else image_id  # schemathesis keeps it quoted
        cursor = (case.query or {}).get("cursor")
        if "parameter `image_id` in path - violates `pattern`" in text and isinstance(image_id, str) \
                and VALID_IMAGE_ID.fullmatch(image_id):
            return None
        if "parameter `cursor` in query - violates `pattern`" in text and isinstance(cursor, str) \
                and _valid_cursor(cursor):
            return None
        raise


def _valid_cursor(cursor: str) -> bool:
    try:
        CursorForm()(cursor)
    except Exception:  # marshmallow's ValidationError
        return False
    return True
