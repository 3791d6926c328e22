"""Editors sign in with the newsroom's accounts: a real OpenID Connect provider on loopback, real HTTP."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from config import ConfigError, load_settings
from service import create_app
from tests.conftest import ADMIN_TOKEN, SECRET, with_settings
from tests.oidc_provider import CLIENT_SECRET, provider  # noqa: F401 (a fixture)


@pytest.fixture
def settings(settings, provider):  # noqa: F811
    return with_settings(settings, oidc=provider.settings())


def sign_in_as(live_server: str, provider, who: str) -> tuple[requests.Session, requests.Response]:  # noqa: F811
    """What a browser does: off to the provider, pick the account there, and back."""
    http = requests.Session()
    form = http.get(live_server + "/admin/sign-in", timeout=10)
    assert form.url.startswith(provider.issuer + "/oauth2/authorize"), form.url
    asked = parse_qs(urlsplit(form.url).query)
    assert asked["code_challenge_method"] == ["S256"] and len(asked["code_challenge"][0]) == 43  # PKCE
    assert asked["response_type"] == ["code"] and asked["nonce"] and asked["state"]
    return http, http.post(form.url, data={"sub": who}, timeout=10)


def test_an_editor_signs_in_acts_with_the_csrf_token_and_the_audit_names_them(live_server, provider, reporter,
                                                                               redis_client):  # noqa: F811
    http, answer = sign_in_as(live_server, provider, "amina")
    assert answer.status_code == 200 and answer.url == live_server + "/admin"
    cookie = next(cookie for cookie in http.cookies if cookie.name == "imgmod_editor")
    assert cookie.has_nonstandard_attr("HttpOnly") and cookie.get_nonstandard_attr("SameSite") == "Lax"
    assert not cookie.secure  # on loopback only; elsewhere Secure
    # The cookie holds a random value; Redis keys it by a keyed hash, and nothing secret is in clear.
    assert not any(cookie.value in key for key in redis_client.keys("*"))
    assert "imgmod_signin" not in http.cookies or "code_verifier" not in http.cookies["imgmod_signin"]

    session = http.get(live_server + "/v1/admin/session", timeout=10).json()
    assert session["actor"] == "oidc:amina@newsroom.example" and len(session["csrf_token"]) >= 32
    reporter.anonymous("img-1")
    hide = f"{live_server}/v1/admin/images/img-1/hide"
    refused = http.post(hide, timeout=10)
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["message"]
    wrong = http.post(hide, headers={"X-CSRF-Token": "x" * 43}, timeout=10)
    assert wrong.status_code == 403
    assert redis_client.xlen("imgmod:audit") == 0
    done = http.post(hide, headers={"X-CSRF-Token": session["csrf_token"]}, timeout=10)
    assert done.status_code == 200 and done.json()["hidden"] is True
    events = http.get(live_server + "/v1/admin/audit?image_id=img-1", timeout=10).json()["events"]
    assert [(event["type"], event["actor"]) for event in events] == [("manual_hide", "oidc:amina@newsroom.example")]

    # Signing out ends the session on the server: the same cookie then opens nothing.
    stolen = cookie.value
    assert http.post(live_server + "/admin/sign-out", timeout=10).status_code == 403  # no CSRF token
    out = http.post(live_server + "/admin/sign-out", headers={"X-CSRF-Token": session["csrf_token"]}, timeout=10)
    assert out.json() == {"signed_out": True}
    again = requests.get(live_server + "/v1/admin/session", cookies={"imgmod_editor": stolen}, timeout=10)
    assert again.status_code == 401


def test_someone_in_no_editor_group_gets_a_named_403(live_server, provider, redis_client):  # noqa: F811
    http, answer = sign_in_as(live_server, provider, "karim")
    assert answer.status_code == 403 and answer.url.startswith(live_server + "/admin/signed-in")
    assert "karim@newsroom.example" in answer.text and "editors" in answer.text
    assert "imgmod_editor" not in http.cookies
    assert http.get(live_server + "/v1/admin/session", timeout=10).status_code == 401


def test_without_an_email_the_audit_names_the_subject(live_server, provider):  # noqa: F811
    http, answer = sign_in_as(live_server, provider, "salma")
    assert answer.status_code == 200
    assert http.get(live_server + "/v1/admin/session", timeout=10).json()["actor"] == "oidc:salma"


def test_a_callback_not_started_here_is_refused(live_server, provider):  # noqa: F811
    answer = requests.get(live_server + "/admin/signed-in?code=stolen&state=forged", timeout=10,
                          headers={"Accept": "application/json"})
    assert answer.status_code == 400 and "sign-in" in answer.json()["message"]


def test_admin_tokens_keep_working_beside_the_sign_in(live_server, provider, reporter):  # noqa: F811
    reporter.anonymous("img-1")
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert requests.get(live_server + "/v1/admin/session", headers=headers, timeout=10).json() == {
        "actor": "editor", "csrf_token": None}
    # A token needs no CSRF token: it is never sent by a browser on its own.
    assert requests.post(f"{live_server}/v1/admin/images/img-1/hide", headers=headers, timeout=10).status_code == 200


def test_without_configuration_there_is_no_sign_in(settings):
    client = create_app(with_settings(settings, oidc=None)).test_client()
    assert client.get("/admin/sign-in").status_code == 404
    assert "imgmod_editor" not in client.get("/admin").headers.get("Set-Cookie", "")


ENV = {"IMGMOD_SECRET_KEY": SECRET, "IMGMOD_OIDC_ISSUER": "https://id.newsroom.example",
       "IMGMOD_OIDC_CLIENT_ID": "imgmod", "IMGMOD_OIDC_CLIENT_SECRET": CLIENT_SECRET,
       "IMGMOD_OIDC_EDITOR_GROUPS": "editors, photo-desk"}


def test_the_configuration_is_whole_or_refused_naming_the_variable():
    oidc = load_settings(ENV).oidc
    assert (oidc.issuer, oidc.editor_groups, oidc.groups_claim) == (
        "https://id.newsroom.example", ("editors", "photo-desk"), "groups")
    assert CLIENT_SECRET not in repr(load_settings(ENV))
    assert load_settings({**ENV, "IMGMOD_OIDC_GROUPS_CLAIM": "roles"}).oidc.groups_claim == "roles"
    for name in ("IMGMOD_OIDC_ISSUER", "IMGMOD_OIDC_CLIENT_ID", "IMGMOD_OIDC_CLIENT_SECRET", "IMGMOD_OIDC_EDITOR_GROUPS"):
        with pytest.raises(ConfigError, match=name):
            load_settings({**ENV, name: ""})
    with pytest.raises(ConfigError, match="IMGMOD_OIDC_ISSUER"):
        load_settings({**ENV, "IMGMOD_OIDC_ISSUER": "http://id.newsroom.example"})  # http only on loopback
    assert load_settings({**ENV, "IMGMOD_OIDC_ISSUER": "http://127.0.0.1:9400"}).oidc
    assert load_settings({"IMGMOD_SECRET_KEY": SECRET}).oidc is None


def test_a_provider_that_does_not_answer_is_a_503_never_a_500(settings):
    from config import OidcSettings
    from harness.redis_server import free_port

    away = OidcSettings(f"http://127.0.0.1:{free_port()}", "imgmod", CLIENT_SECRET, ("editors",))
    client = create_app(with_settings(settings, oidc=away)).test_client()
    answer = client.get("/admin/sign-in", headers={"Accept": "application/json"})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "60"
    assert "did not answer" in answer.json["message"]
    page = client.get("/admin/sign-in", headers={"Accept": "text/html"})
    assert page.status_code == 503 and "An admin token still works" in page.get_data(as_text=True)
