"""Image ids in URL paths, '/' included: routed on the path as the client sent it.

The contract: a path is percent-decoded once, after routing, so that `%2F` stays inside an id.
`POST /v1/admin/images/x%2Fhide/reset` is the reset of `x/hide`, `GET /v1/images/a%2Fplaceholder`
the lookup of `a/placeholder`. A WSGI server hands the app PATH_INFO already decoded, where `%2F`
and `/` read the same, so `RawPaths` rewrites PATH_INFO from the raw path the server also gives
(RAW_URI from gunicorn, werkzeug's server and test client; REQUEST_URI from uWSGI, mod_wsgi and
werkzeug too): decoded once, except that a `/` sent as `%2F` stays `%2F` and every `%` of the
decoded text becomes `%25`. Every `/` left in PATH_INFO is then one the client wrote as a
separator, and every `%` starts one of those two escapes, which the `image_id` converter turns back
into `/` and `%`: the id is decoded exactly once.

A `/` may still stand as it is where no route suffix follows (`GET /v1/images/a/b/c` is the lookup
of `a/b/c`, `GET /v1/images/a/b/placeholder` the placeholder of `a/b`). Without a raw path (a server
that gives neither, or one that does not decode to this PATH_INFO) every `/` is a separator, as it
was decoded, and only the `%` are escaped.

`request.path` (hence the request log and CORS' path match) reads the rewritten path: `%2F` and `%25`
show there as sent.
"""
from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

from flask import Flask
from werkzeug.routing import PathConverter

_ENCODED_SLASH = re.compile("(%2[fF])")
_KEPT_ESCAPE = re.compile("%(2[fF]|25)")
_UNESCAPED = {"2F": "/", "2f": "/", "25": "%"}


def routed_path(raw_path: str, script_name: str, path_info: str) -> str:
    """PATH_INFO to route on (WSGI strings: bytes as latin-1), given the raw path (before any `?`)."""
    if raw_path and not raw_path.startswith("/"):
        raw_path = urlsplit(raw_path).path  # an absolute-form request target, http://host/path
    if raw_path and unquote(raw_path, encoding="latin-1") == script_name + path_info:  # this request's raw path
        kept = "".join("%2F" if index % 2 else unquote(part, encoding="latin-1").replace("%", "%25")
                       for index, part in enumerate(_ENCODED_SLASH.split(raw_path)))
        script = script_name.replace("%", "%25")
        if kept.startswith(script):
            return kept[len(script):]
    return path_info.replace("%", "%25")


class RawPaths:
    """WSGI middleware: PATH_INFO as `routed_path` makes it. A path without `%` (what nearly every
    request asks for) is left as it is."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path_info = environ.get("PATH_INFO", "")
        raw_path = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or "").partition("?")[0]
        if "%" in raw_path or "%" in path_info:
            environ["PATH_INFO"] = routed_path(raw_path, environ.get("SCRIPT_NAME", ""), path_info)
        return self.app(environ, start_response)


class ImageIdConverter(PathConverter):
    """`<image_id:…>` in a route: an image id in a URL path, up to the route's next fixed part
    (`/placeholder`, `/reset`…), given to the view decoded (RawPaths kept `%2F` and `%25` for it).

    It takes any text, a newline or a leading '/' too, so that the view's schema refuses what is not
    an id with the 422 that names the field and states the allowed form, never a bare 404. It never
    ends in a '/' followed by one of those fixed parts: `/v1/admin/images/a/reset` is the reset of `a`
    and nothing else, so that no two routes match one URL (an OPTIONS answer's `Allow` would list both
    routes' methods). An id whose last segment is such a word is sent with `%2F`: `x%2Freset`."""

    ROUTE_SUFFIXES = ("placeholder", "reset", "hide", "protection", "confirm")
    regex = r"(?s:.+?)" + "".join(rf"(?<!/{suffix})" for suffix in ROUTE_SUFFIXES)
    part_isolating = False  # werkzeug would infer True from a regex without "/"

    def to_python(self, value: str) -> str:
        return _KEPT_ESCAPE.sub(lambda escape: _UNESCAPED[escape.group(1)], value) if "%" in value else value

    def to_url(self, value: str) -> str:
        return quote(value, safe="")  # '/' as %2F: the URL routes back to this id whatever its last segment


def init_app(app: Flask) -> None:
    """Route image ids on raw paths: the `image_id` converter and the middleware it relies on."""
    app.url_map.converters["image_id"] = ImageIdConverter
    app.wsgi_app = RawPaths(app.wsgi_app)
