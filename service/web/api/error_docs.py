"""The error answers each endpoint documents in /openapi.json, all in the one JSON shape of service.web.errors."""
from __future__ import annotations

import marshmallow as ma
from apispec import BasePlugin
from flask_smorest import Blueprint
from flask_smorest.error_handler import ErrorSchema

from service.web.hardening import MAX_HEADER_FIELD_SIZE, MAX_HEADER_FIELDS, MAX_REQUEST_LINE
from service.web.schemas import AdminImageSchema

RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again", "required": True,
                               "schema": {"type": "integer", "minimum": 1}}}

# 422 (validation) is documented by flask-smorest itself for every endpoint that takes arguments.
DESCRIPTIONS = {
    400: "The body is not valid JSON, or is nested too deeply",
    401: "An Authorization header that matches no key",
    403: "A frontend key cannot use the admin API",
    404: "The image is not hidden",
    409: "The Idempotency-Key was used already, by this admin, for another request; or the image changed since the "
         "ETag of If-Match (`current` is its detail now, with its ETag): nothing was done",
    413: "The body is over the size limit",
    415: "The body is not application/json",
    429: "Too many requests from this reporter or client (reports, or refused keys and tokens); wait Retry-After "
         "seconds",
    503: "Storage is unreachable; try again after Retry-After seconds",
}
BODY_ERRORS = (400, 413, 415)


class AdminConflictSchema(ErrorSchema):
    """An editor's action refused because the image changed since (If-Match) also says how it is now."""
    current = ma.fields.Nested(AdminImageSchema, metadata={
        "description": "with If-Match: the image as it is now (its ETag in the header), for the editor to see what "
                       "happened; absent for a reused Idempotency-Key"})


CONFLICT = AdminConflictSchema


def documents_errors(bp: Blueprint, *codes: int):
    """Decorate a view so that the OpenAPI document lists these error answers."""
    def decorate(view):
        for code in codes:
            view = bp.alt_response(code, schema=CONFLICT if code == 409 else ErrorSchema, description=DESCRIPTIONS[code],
                                   headers=RETRY_AFTER if code in (429, 503) else None)(view)
        return view
    return decorate


# What the HTTP server of `imgmod serve` answers before the app sees a request, whatever the operation.
SERVER_REFUSALS = {
    414: f"The request line is over {MAX_REQUEST_LINE} bytes: ask for fewer ids at once",
    431: f"The request headers are over their limits: {MAX_HEADER_FIELDS} fields of {MAX_HEADER_FIELD_SIZE} bytes",
}
CORS_NOTE = " (with IMGMOD_CORS_ORIGINS set, readable by a page of any origin)"


class ServerRefusals(BasePlugin):
    """apispec plugin: every operation documents the JSON 414 and 431 of the server (service/server.py)."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            for code, description in SERVER_REFUSALS.items():
                responses.setdefault(str(code), {
                    "description": description + CORS_NOTE,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                })
