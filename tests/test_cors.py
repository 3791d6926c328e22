"""CORS over real HTTP: the public endpoints for the configured origins only, never the admin API."""
from __future__ import annotations

import itertools
from urllib.parse import quote

import pytest

from service import create_app
from service.web import cors
from tests.conftest import ADMIN_TOKEN, with_settings

ALLOWED = "https://www.hespress.example"
REFUSED = "https://evil.example"


@pytest.fixture
def app(settings):
    return create_app(with_settings(settings, cors_origins=(ALLOWED, "https://fr.hespress.example/")))


def preflight(http, url: str, origin: str, method: str = "POST", headers: str = "content-type"):
    return http.options(url, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                      "Access-Control-Request-Headers": headers}, timeout=5)


def test_preflight_from_an_allowed_origin(http, live_server):
    answer = preflight(http, f"{live_server}/v1/reports", ALLOWED)
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert answer.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    assert int(answer.headers["Access-Control-Max-Age"]) >= 600
    assert "Access-Control-Allow-Credentials" not in answer.headers


def test_an_origin_written_with_a_trailing_slash_is_allowed(http, live_server):
    answer = preflight(http, f"{live_server}/v1/reports", "https://fr.hespress.example")
    assert answer.headers["Access-Control-Allow-Origin"] == "https://fr.hespress.example"


@pytest.mark.parametrize("origin", [REFUSED, ALLOWED + ".evil.example", "http://www.hespress.example", "null"])
def test_preflight_from_a_refused_origin(http, live_server, origin):
    answer = preflight(http, f"{live_server}/v1/reports", origin)
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert "Access-Control-Allow-Methods" not in answer.headers


def test_the_report_itself_carries_the_allow_origin(http, live_server):
    answer = http.post(f"{live_server}/v1/reports", json={"image_id": "img-1"}, headers={"Origin": ALLOWED},
                       timeout=5)
    assert answer.status_code == 202
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED
    refused = http.post(f"{live_server}/v1/reports", json={"image_id": "img-1"}, headers={"Origin": REFUSED},
                        timeout=5)
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_errors_carry_it_too_so_the_widget_can_read_them(http, live_server):
    answer = http.post(f"{live_server}/v1/reports", json={"image_id": "bad id"}, headers={"Origin": ALLOWED},
                       timeout=5)
    assert answer.status_code in (400, 422)
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED


@pytest.mark.parametrize("path", ["/v1/images?id=a&id=b", "/v1/images/a", "/v1/widget.js"])
def test_lookups_are_open_to_the_allowed_origin_and_vary_on_it(http, live_server, path):
    answer = http.get(live_server + path, headers={"Origin": ALLOWED}, timeout=5)
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED
    # Cacheable answers that differ by caller: a shared cache must key them by Origin.
    assert "Origin" in answer.headers["Vary"]
    assert "Origin" in http.get(live_server + path, timeout=5).headers["Vary"]


HIDDEN_IDS = ("a/b", "x/placeholder", "صورة/1")


@pytest.mark.parametrize("path", ["/v1/images/a/b", "/v1/images/a%2Fb", "/v1/images/a/b/placeholder",
                                  "/v1/images/a%2Fb/placeholder", "/v1/images/x%2Fplaceholder",
                                  "/v1/images/x%2Fplaceholder/placeholder",
                                  f"/v1/images/{quote(HIDDEN_IDS[2], safe='')}/placeholder"])
def test_lookups_and_placeholders_of_ids_with_a_slash_are_open_to_the_allowed_origin(http, live_server, admin, path):
    for image_id in HIDDEN_IDS:
        assert admin.post(f"/images/{quote(image_id, safe='')}/hide").json["hidden"] is True
    answer = http.get(live_server + path, headers={"Origin": ALLOWED}, timeout=5)
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in answer.headers["Vary"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
def test_the_admin_api_is_never_cross_origin(http, live_server, method):
    answer = preflight(http, f"{live_server}/v1/admin/images/img-1/reset", ALLOWED, method,
                       "authorization, content-type")
    assert "Access-Control-Allow-Origin" not in answer.headers
    for image_id in ("img-1", "a%2Fb", "v1%2Fimages%2Fx"):
        direct = http.get(f"{live_server}/v1/admin/images/{image_id}", timeout=5,
                          headers={"Origin": ALLOWED, "Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert direct.status_code == 200
        assert "Access-Control-Allow-Origin" not in direct.headers


@pytest.mark.parametrize("path", ["/admin", "/demo"])
def test_pages_are_not_cross_origin(http, live_server, path):
    assert "Access-Control-Allow-Origin" not in http.get(live_server + path, headers={"Origin": ALLOWED},
                                                         timeout=5).headers


def test_no_cors_at_all_without_configured_origins(settings):
    client = create_app(settings).test_client()
    for origin in (ALLOWED, REFUSED):
        answer = client.options("/v1/reports", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
        assert "Access-Control-Allow-Origin" not in answer.headers
        assert "Access-Control-Allow-Origin" not in client.get("/v1/images/a", headers={"Origin": origin}).headers


def test_a_sites_notice_form_may_send_a_notice_and_read_its_status_from_the_readers_browser(http, live_server):
    """A notice is sent from the reader's browser (the per-network limit then counts readers, not the
    site's server), so the site's own notice form needs CORS like the report button."""
    assert preflight(http, f"{live_server}/v1/notices", ALLOWED).headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Access-Control-Allow-Origin" not in preflight(http, f"{live_server}/v1/notices", REFUSED).headers
    notice = {"image_ids": ["img-1"], "category": "violence", "explanation": "A threat.", "bona_fide": True,
              "location": "https://www.hespress.example/a/1", "name": "Reader", "email": "reader@example.org"}
    answer = http.post(f"{live_server}/v1/notices", json=notice, headers={"Origin": ALLOWED}, timeout=5)
    assert answer.status_code == 202 and answer.headers["Access-Control-Allow-Origin"] == ALLOWED
    status = http.get(live_server + answer.json()["status_url"], headers={"Origin": ALLOWED}, timeout=5)
    assert status.status_code == 200 and status.headers["Access-Control-Allow-Origin"] == ALLOWED
    admin = http.get(f"{live_server}/v1/admin/notices", headers={"Origin": ALLOWED,
                                                                  "Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=5)
    assert "Access-Control-Allow-Origin" not in admin.headers  # never the editors' side


# --- The per-origin cache: flask-cors' headers, worked out once per Origin ---------------------------

SECOND = "https://fr.hespress.example"
PRIVATE_NETWORK = "Access-Control-Request-Private-Network"
# (method, path, body): lookups, placeholders, the widget, reports (answered and refused), the admin
# API and pages (never cross-origin), an unknown path and one under the public prefix that is no route.
EQUIVALENCE_REQUESTS = [
    ("GET", "/v1/images?id=a&id=b", None), ("HEAD", "/v1/images?id=a", None), ("GET", "/v1/images/a", None),
    ("GET", "/v1/images/a%2Fb/placeholder", None), ("GET", "/v1/images?id=bad%20id", None),
    ("GET", "/v1/widget.js", None), ("POST", "/v1/reports", {"image_id": "img-1", "reason": "spam"}),
    ("POST", "/v1/reports", {"image_id": "bad id"}), ("POST", "/v1/reports", "not json"),
    ("GET", "/v1/admin/images/img-1", None), ("GET", "/admin", None), ("GET", "/healthz", None),
    ("GET", "/nowhere", None), ("GET", "/v1/images/", None), ("PUT", "/v1/images?id=a", None),
]
EQUIVALENCE_ORIGINS = [ALLOWED, ALLOWED.upper(), SECOND, REFUSED, ALLOWED + ".evil.example", "null", "", None]
# A preflight's own headers: the method asked for (allowed or not), the headers asked for.
PREFLIGHTS = [{"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
              {"Access-Control-Request-Method": "GET"},
              {"Access-Control-Request-Method": "DELETE", "Access-Control-Request-Headers": "x-other"},
              {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Content-Type, X-Other"},
              {}]


FRESH_IDS = itertools.count()


def answered(client, method: str, path: str, body, headers: dict) -> tuple:
    """Everything of an answer but the request id, which is new for every request. A report is of an
    image never reported before (its id as long as every other's, and named the same in the answer),
    so that each is answered as the first."""
    kwargs = {}
    if isinstance(body, dict):
        fresh = f"img-{next(FRESH_IDS):06d}"
        kwargs = {"json": {**body, "image_id": fresh} if body["image_id"] == "img-1" else body}
    elif body:
        kwargs = {"data": body, "content_type": "application/json"}
    answer = client.open(path, method=method, headers=headers, **kwargs)
    data = answer.get_data()
    if isinstance(body, dict) and body["image_id"] == "img-1":
        data = data.replace(kwargs["json"]["image_id"].encode(), b"img-1")
    return (answer.status_code, [(name, value) for name, value in answer.headers if name != "X-Request-ID"], data)


@pytest.mark.parametrize("origins", [(ALLOWED,), (ALLOWED, SECOND + "/")], ids=["one origin", "two origins"])
def test_the_cached_headers_are_flask_cors_own(settings, monkeypatch, origins):
    """The per-origin cache answers exactly what flask-cors works out for each answer: for allowed,
    refused, absent and empty origins, on every kind of path, errors and preflights included, the
    first time (when the cache is filled) and the next (when it answers)."""
    configured = with_settings(settings, cors_origins=origins, admin_tokens={"editor": ADMIN_TOKEN})
    monkeypatch.setattr(cors, "CACHED", False)
    reference = create_app(configured).test_client()
    monkeypatch.setattr(cors, "CACHED", True)
    cached_app = create_app(configured)
    cached = cached_app.test_client()
    assert not any(getattr(hook, "__name__", "") == "cors_after_request"
                   for hook in cached_app.after_request_funcs[None]), "flask-cors' own hook is not in the cached app"
    assert any(getattr(hook, "__name__", "") == "cors_after_request"
               for hook in reference.application.after_request_funcs[None]), "the reference is flask-cors"
    compared = 0
    for origin in EQUIVALENCE_ORIGINS:
        base = {} if origin is None else {"Origin": origin}
        for method, path, body in EQUIVALENCE_REQUESTS:
            for extra in ({}, {PRIVATE_NETWORK: "true"}):
                headers = {**base, **extra}
                expected = answered(reference, method, path, body, headers)
                for _ in range(2):
                    assert answered(cached, method, path, body, headers) == expected, (origin, method, path, extra)
                compared += 1
        for path in ("/v1/reports", "/v1/images?id=a", "/v1/images/a", "/v1/admin/images/img-1"):
            for preflight in PREFLIGHTS:
                headers = {**base, **preflight}
                expected = answered(reference, "OPTIONS", path, None, headers)
                for _ in range(2):
                    assert answered(cached, "OPTIONS", path, None, headers) == expected, (origin, path, preflight)
                compared += 1
    assert compared == len(EQUIVALENCE_ORIGINS) * (2 * len(EQUIVALENCE_REQUESTS) + 4 * len(PREFLIGHTS))


def test_the_cache_keeps_a_bounded_number_of_origins(settings):
    app = create_app(with_settings(settings, cors_origins=(ALLOWED,)))
    cache = next(hook.__self__ for hook in app.after_request_funcs[None]
                 if isinstance(getattr(hook, "__self__", None), cors.OriginCache))
    client = app.test_client()
    for number in range(cors.MAX_CACHED_ORIGINS + 10):
        answer = client.get("/v1/images/a", headers={"Origin": f"https://site-{number}.example"})
        assert "Access-Control-Allow-Origin" not in answer.headers
        assert len(cache.known) <= cors.MAX_CACHED_ORIGINS
    assert client.get("/v1/images/a", headers={"Origin": ALLOWED}).headers["Access-Control-Allow-Origin"] == ALLOWED
    assert ALLOWED in cache.known
