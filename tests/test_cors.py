"""CORS over real HTTP: the public endpoints for the configured origins only, never the admin API."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from service import create_app
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
