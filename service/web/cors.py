"""Cross-origin access for the public endpoints only, from the origins in IMGMOD_CORS_ORIGINS.

Every widget lookup comes from a news page of another origin, so every one of them is answered with
CORS headers. flask-cors works them out anew for each answer (its path and origin matching, its
option walk, a MultiDict of headers), a large share of a lookup. What it computes for a GET,
HEAD or POST depends on nothing but the request's Origin, so imgmod asks flask-cors once per Origin
and keeps the answer (`OriginCache`); a preflight (OPTIONS, once a day per reader) and a private
network request are still worked out by flask-cors every time. tests/test_cors.py holds the cached
headers equal to flask-cors' own for allowed, refused and absent origins, preflights included;
BENCHMARKS.md has what the cache bought.
"""
from __future__ import annotations

import re
from urllib.parse import unquote

from flask import Flask, Response, request
from flask_cors import CORS
from flask_cors.core import ACL_ORIGIN, ACL_REQUEST_HEADER_PRIVATE_NETWORK, get_cors_headers, get_cors_options

from config import Settings

# The reader-facing endpoints a news page calls from its own origin. The admin API is
# deliberately absent: an editor's token must never be usable from another site's page. Everything
# under /v1/images/ is a single lookup or a placeholder, of any id: '/' in it as it stands or as
# %2F (flask-cors matches the decoded path, the Vary hook below the routed one), any character.
# Notices too: a site's notice form posts from the reader's browser (so that the per-network limit counts
# readers, not the site's server), and shows the status and statement pages by their tokens.
PUBLIC_PATHS = re.compile(r"/v1/(?:reports|images|images/.+|widget\.js|notices|notices/[^/]+|statements/[^/]+)\Z",
                          re.DOTALL)
PREFLIGHT_MAX_AGE = 86400  # a reader's browser asks once a day, not before every report
# Origins whose headers are kept. The configured ones are a handful; any other value is the
# caller's to choose, so past this many the cache starts over rather than grow.
MAX_CACHED_ORIGINS = 256
# False: flask-cors works out every answer's headers itself, as before the cache. The reference the
# cache is held equal to (tests/test_cors.py) and measured against (the bench); never in service.
CACHED = True


def options(settings: Settings) -> dict:
    """flask-cors' options for the public endpoints."""
    origins = [origin.rstrip("/") for origin in settings.cors_origins]
    return dict(resources={PUBLIC_PATHS: {}}, origins=origins, methods=["GET", "HEAD", "POST", "OPTIONS"],
                allow_headers=["Content-Type"], max_age=PREFLIGHT_MAX_AGE, supports_credentials=False)


def init_app(app: Flask, settings: Settings) -> None:
    if not settings.cors_origins:
        return  # no browser origin may call us: same-origin pages (demo, console) need no CORS
    if CACHED:
        OriginCache(app, options(settings))
        return
    CORS(app, **options(settings))

    @app.after_request
    def vary_on_origin(response: Response) -> Response:
        # Runs before flask-cors' own hook (Flask runs them last registered first), as `vary` does below.
        if PUBLIC_PATHS.match(request.path):
            response.vary.add("Origin")
        return response


class OriginCache:
    """flask-cors' headers, worked out once per Origin, on the public paths.

    It takes flask-cors' place and does what `CORS(app, ...)` followed by `vary_on_origin` did, in
    the same order: one after-request hook that adds `Vary: Origin` (lookups are publicly cacheable,
    and the allow-origin answer depends on the caller, so a shared cache must keep one copy per
    origin) and then the CORS headers; and flask-cors' wrapping of Flask's exception handlers, so
    that errors carry the headers too."""

    def __init__(self, app: Flask, raw_options: dict):
        # flask-cors' own resolution of the options (its defaults, the app's CORS_* configuration).
        self.options = get_cors_options(app, raw_options)
        self.known: dict[str | None, tuple[tuple[str, str], ...]] = {}
        app.after_request(self.vary_and_cors)
        # As flask-cors' CORS.init_app (intercept_exceptions, its default): a response made from an
        # exception gets its headers before Flask's after-request hooks (then left as they are).
        for name in ("handle_exception", "handle_user_exception"):
            setattr(app, name, self._with_headers(app, getattr(app, name)))

    def _with_headers(self, app: Flask, handler):
        def wrapped(*args, **kwargs) -> Response:
            return self.cors(app.make_response(handler(*args, **kwargs)))
        return wrapped

    def vary_and_cors(self, response: Response) -> Response:
        if PUBLIC_PATHS.match(request.path):
            if "Vary" in response.headers:
                response.vary.add("Origin")
            else:
                response.headers["Vary"] = "Origin"  # what `vary.add` writes on an answer without Vary
        return self.cors(response)

    def cors(self, response: Response) -> Response:
        """flask-cors' after-request function, with its headers from the cache."""
        if response.headers.get(ACL_ORIGIN):
            return response  # set by the exception handler's wrapper already
        if not PUBLIC_PATHS.match(unquote(request.path)):
            return response
        for name, value in self.headers():
            response.headers.add(name, value)
        return response

    def headers(self) -> tuple[tuple[str, str], ...]:
        """What flask-cors would add to this answer."""
        headers = request.headers
        if request.method == "OPTIONS" or ACL_REQUEST_HEADER_PRIVATE_NETWORK in headers:
            return self.computed()  # a preflight: its method and headers asked weigh too
        origin = headers.get("Origin")
        known = self.known.get(origin)
        if known is None:
            if len(self.known) >= MAX_CACHED_ORIGINS:
                self.known.clear()
            known = self.known[origin] = self.computed()
        return known

    def computed(self) -> tuple[tuple[str, str], ...]:
        # As flask-cors' set_cors_headers: one value per name of its MultiDict (`items()`).
        return tuple(get_cors_headers(self.options, request.headers, request.method).items())
