"""The one style of every API view: it validates its inputs with their marshmallow schemas itself,
and flask-smorest's decorators, given the same schemas, only describe it in /openapi.json.

flask-smorest's `@bp.arguments`, `@bp.response` and `@bp.etag` run webargs' generic machinery,
a dump and a second serialization on every call: a large share of a request whose real work is
one Redis call (BENCHMARKS.md, Speed tricks). Views load their schemas here instead, with the same
422 answer naming the field, and keep the description those decorators give with `documented_as`.
`operation` does both for a view that needs nothing finer; the hot views (reports, lookups,
notices) load by hand what they must and use `documented_as` alone.
"""
from __future__ import annotations

import functools
from typing import Any

import marshmallow as ma
from flask import current_app, g, request
from flask_smorest import Blueprint, abort
from flask_smorest.utils import resolve_schema_instance, set_status_and_headers_in_response, unpack_tuple_response
from werkzeug import Response


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



def operation(blueprint: Blueprint, response=None, status: int = 200, *, path: ma.Schema | None = None,
              query: ma.Schema | None = None, headers: ma.Schema | None = None, body: ma.Schema | None = None,
              body_required: bool = True, errors: tuple[int, ...] = (), alt: tuple[tuple[int, str], ...] = (),
              response_kwargs: dict | None = None, **doc):
    """Every view's one style: it loads its arguments with their schemas (`load`: path, query and
    header fields as keyword arguments, the body as the first positional one), its answer is
    dumped by `response` (an answer that is a Response already goes out as it is), and
    flask-smorest's decorators, given the same schemas, describe it in /openapi.json without
    running (`documented_as`). `errors` are documented by documents_errors, `alt` (code,
    description) as the view's own; `doc` goes to bp.doc."""
    from service.web.api.error_docs import documents_errors  # it imports the schemas, which import nothing of ours

    described = [blueprint.arguments(schema, location=location, as_kwargs=True)
                 for schema, location in ((path, "path"), (query, "query")) if schema is not None]
    if body is not None:
        described.append(blueprint.arguments(body, required=body_required))
    if headers is not None:
        described.append(blueprint.arguments(headers, location="headers", as_kwargs=True))
    described.append(blueprint.response(status, response, **(response_kwargs or {})))
    described += [blueprint.alt_response(code, description=description) for code, description in alt]
    if errors:
        described.append(documents_errors(blueprint, *errors))
    if doc:
        described.append(blueprint.doc(**doc))

    dump = resolve_schema_instance(response) if isinstance(response, (type, ma.Schema)) else None

    def decorate(view):
        @functools.wraps(view)
        def run(self, *args, **kwargs):
            if path is not None:
                kwargs.update(load(path, {name: kwargs.pop(name) for name in list(kwargs)}, "path"))
            if query is not None:
                kwargs.update(load(query, request.args, "query"))
            if headers is not None:
                kwargs.update(load(headers, dict(request.headers), "headers"))
            if body is not None:
                args = (load(body, json_body(), "json"), *args)
            return dumped(view(self, *args, **kwargs), dump, status)
        return documented_as(*described)(run)
    return decorate


def dumped(result, schema: ma.Schema | None, status: int):
    """A view's return value as flask-smorest's `bp.response` answers it: dumped by `schema`, as JSON."""
    answer, status_given, headers = unpack_tuple_response(result)
    if isinstance(answer, Response):
        set_status_and_headers_in_response(answer, status_given, headers)
        return answer
    response = current_app.json.response(answer if schema is None else schema.dump(answer))
    set_status_and_headers_in_response(response, status_given, headers)
    if status_given is None:
        response.status_code = status
    return response
