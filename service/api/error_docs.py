"""The error answers each endpoint documents in /openapi.json, all in the one JSON shape of service.errors."""
from __future__ import annotations

from flask_smorest import Blueprint
from flask_smorest.error_handler import ErrorSchema

RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again", "required": True,
                               "schema": {"type": "integer", "minimum": 1}}}

# 422 (validation) is documented by flask-smorest itself for every endpoint that takes arguments.
DESCRIPTIONS = {
    400: "The body is not valid JSON, or is nested too deeply",
    401: "An Authorization header that matches no key",
    403: "A frontend key cannot use the admin API",
    404: "The image is not hidden",
    413: "The body is over the size limit",
    415: "The body is not application/json",
    429: "This reporter sent too many reports; wait Retry-After seconds",
    503: "Storage is unreachable; try again after Retry-After seconds",
}
BODY_ERRORS = (400, 413, 415)


def documents_errors(bp: Blueprint, *codes: int):
    """Decorate a view so that the OpenAPI document lists these error answers."""
    def decorate(view):
        for code in codes:
            view = bp.alt_response(code, schema=ErrorSchema, description=DESCRIPTIONS[code],
                                   headers=RETRY_AFTER if code in (429, 503) else None)(view)
        return view
    return decorate


def documented_as(*decorators):
    """Give a view the OpenAPI description that flask-smorest's decorators would give it, without
    their work on every request.

    The decorators (`bp.arguments`, `bp.response`, `bp.etag`, `documents_errors`…) are applied to a
    stand-in that is never called; only the description they attach to it is kept. The schemas stay
    the source of the document, while the view validates, answers and tags by itself.
    """
    def decorate(view):
        def stand_in(*args, **kwargs):
            raise AssertionError("documentation only")
        for decorator in reversed(decorators):
            stand_in = decorator(stand_in)
        view._apidoc = stand_in._apidoc  # where flask-smorest's decorators keep what they document
        return view
    return decorate
