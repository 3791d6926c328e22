"""Defences on every request and answer: security headers, JSON-only bodies, their size and nesting limits.

A view that needs another Content-Security-Policy (a page with its own assets) sets the header
itself; the defaults here only fill in what a response does not already carry.
"""
from __future__ import annotations

import json
import re

from flask import Flask, g, request
from flask_smorest import abort

from service.web.schemas import IMAGE_ID_MAX_LENGTH, MAX_BULK_IDS

BODY_METHODS = {"POST", "PUT", "PATCH"}
# What `imgmod serve` (service/server.py) reads of a request before the app sees it; over these it
# answers a JSON 414 or 431 itself, documented on every operation (service/web/api/error_docs.py).
# The request line: the longest the contract allows is a bulk lookup of 100 ids of 200 characters,
# each character percent-encoded as the 4 bytes of UTF-8 a letter of any script may take (12
# characters of URL): 240,423 bytes. gunicorn's own limit stops at 8,190, under a hundred 80-character ids.
CONTRACT_REQUEST_LINE = (len("GET /v1/images?") + MAX_BULK_IDS * (len("id=") + IMAGE_ID_MAX_LENGTH * 12)
                         + MAX_BULK_IDS - 1 + len(" HTTP/1.1"))
MAX_REQUEST_LINE = 256 * 1024
# Headers: gunicorn's defaults, 100 fields of at most 8,190 bytes each (a key or token is far shorter).
MAX_HEADER_FIELDS = 100
MAX_HEADER_FIELD_SIZE = 8190
# Our bodies are flat objects; anything deeper is an attack on the parser (RecursionError).
MAX_JSON_DEPTH = 20
# A JSON string (brackets inside it are text) or one bracket.
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')

# JSON, images and scripts are never documents: they may load nothing and be framed nowhere.
RESOURCE_POLICY = "default-src 'none'; frame-ancestors 'none'"
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# The editors' console shows the reported photo itself, from the address the reports gave (a news
# site's server or CDN, another origin): images from any https origin, and nothing else more. An
# http image would be mixed content on a console served over https anyway. (The CSP cannot name the
# hosts: the address is whatever the first report said; see docs/security.md.)
ADMIN_PAGE_POLICY = PAGE_POLICY.replace("img-src 'self' data:", "img-src 'self' https: data:")
# The console served over plain http (as `imgmod dev` serves it): http images too, which are then no
# mixed content. With https alone it showed no photo of an http site at all.
ADMIN_PAGE_POLICY_OVER_HTTP = PAGE_POLICY.replace("img-src 'self' data:", "img-src 'self' http: https: data:")

BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def nesting_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when brackets outside strings nest deeper than `limit`; cheap unless the body has many."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for token in _JSON_TOKENS.finditer(body):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif bracket in (b"]", b"}"):
            depth -= 1
    return False


def _check_json_body():
    """415 for a body that is not JSON, before a view would read it as 'missing'; then refuse what
    webargs' parser would turn into a 500 (RecursionError, huge integers) or quietly cut."""
    # Without a Content-Type there is no JSON body: a lookup pays one environ read, no header parsing.
    if not request.environ.get("CONTENT_TYPE") or not request.is_json:
        if request.method in BODY_METHODS and (request.content_length or request.headers.get("Transfer-Encoding")):
            abort(415, message="Content-Type must be application/json")
        return
    if request.content_length == 0:
        return
    body = request.get_data(cache=True)
    # A chunked body has no Content-Length to refuse up front: werkzeug stops reading at the limit.
    if request.content_length is None and len(body) >= (request.max_content_length or float("inf")):
        abort(413, message=f"Body over the limit of {request.max_content_length} bytes")
    if nesting_exceeds(body):
        abort(400, message=f"JSON body: nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        # Kept for the views that validate it themselves (service/web/api/inputs.py); webargs parses again.
        g.imgmod_json = json.loads(body)
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, and ints over 4300 digits
        abort(400, message=f"Invalid JSON body: {error}")


def _check_query_string():
    """400 for a query string that is not UTF-8: werkzeug's parse of request.args would raise (a 500)."""
    try:
        request.query_string.decode()
    except UnicodeDecodeError as error:
        abort(400, message=f"Query string: not valid UTF-8 ({error.reason} at byte {error.start})")


def init_app(app: Flask) -> None:
    def security_headers(response):
        headers = response.headers
        for name, value in BASE_HEADERS.items():
            headers.setdefault(name, value)
        headers.setdefault("Content-Security-Policy", PAGE_POLICY if response.mimetype == "text/html" else RESOURCE_POLICY)
        return response

    app.before_request(_check_query_string)
    app.before_request(_check_json_body)
    app.after_request(security_headers)
