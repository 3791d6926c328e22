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
