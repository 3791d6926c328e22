"""Inputs of the hot endpoints, validated by their marshmallow schemas without webargs.

flask-smorest's `@bp.arguments`, `@bp.response` and `@bp.etag` run webargs' generic machinery,
a dump and a second serialization on every call: a large share of a request whose real work is
one Redis call. The views that news pages call on every page view load their schemas here
instead, with the same 422 answer naming the field, and keep the OpenAPI description those
decorators give with `documented_as`.
"""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g
from flask_smorest import abort


def load(schema: ma.Schema, data: Any, location: str) -> dict:
    """`data` loaded by `schema`, or 422 with the messages under `location` (json, query, path), as webargs."""
    try:
        return schema.load(data)
    except ma.ValidationError as error:
        abort(422, errors={location: error.messages})


def json_body() -> Any:
    """The JSON body, parsed once by service.web.hardening; {} without a body, as webargs reads it."""
    return g.get("imgmod_json", {})


def documented_as(*decorators):
    """Give a view the OpenAPI description that flask-smorest's decorators would give it, without
    their work on every request.

    The decorators (`bp.arguments`, `bp.response`, `bp.etag`, `documents_errors`…) are applied to a
    stand-in that is never called; only the description they attach to it is kept, added to what
    decorators applied before this one (`bp.doc`…) gave the view. The schemas stay the source of the
    document, while the view validates, answers and tags by itself.
    """
    def decorate(view):
        def stand_in(*args, **kwargs):
            raise AssertionError("documentation only")
        if hasattr(view, "_apidoc"):
            stand_in._apidoc = view._apidoc
        for decorator in reversed(decorators):
            stand_in = decorator(stand_in)
        view._apidoc = stand_in._apidoc  # where flask-smorest's decorators keep what they document
        return view
    return decorate

