"""Inputs of the hot endpoints, validated by their marshmallow schemas without webargs.

flask-smorest's `@bp.arguments` runs webargs' generic machinery on every call, a tenth of a
report's CPU. The views that news pages call on every page view load their schemas here
instead, with the same 422 answer naming the field, and document them with `documented`.
"""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g
from flask_smorest import abort

JSON = "application/json"


def load(schema: ma.Schema, data: Any, location: str) -> dict:
    """`data` loaded by `schema`, or 422 with the messages under `location` (json, query, path), as webargs."""
    try:
        return schema.load(data)
    except ma.ValidationError as error:
        abort(422, errors={location: error.messages})


def json_body() -> Any:
    """The JSON body, parsed once by service.hardening; {} without a body, as webargs reads it."""
    return g.get("imgmod_json", {})


def documented(*, body: ma.Schema | None = None, query: ma.Schema | None = None,
               status: int, answer: ma.Schema, description: str) -> dict:
    """The OpenAPI of a view validated here: what `@bp.arguments` and `@bp.response` would state."""
    doc: dict = {"responses": {
        str(status): {"description": description, "content": {JSON: {"schema": answer}}},
        "422": {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"},
    }}
    if body is not None:
        doc["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    if query is not None:
        doc["parameters"] = [{"in": "query", "schema": query}]
    return doc
