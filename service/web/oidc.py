"""Editors sign in with the newsroom's accounts: OpenID Connect (authorization code with PKCE) through
Authlib, then a server-side session behind an HttpOnly, SameSite=Lax cookie with a CSRF token.

Only the Flask client of Authlib talks to the provider (discovery, state, nonce, PKCE, the ID token's
signature and claims); this module decides who may use the console and keeps the session.
"""
from __future__ import annotations

import hmac
import json
import secrets
from urllib.parse import urlsplit

import requests

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, current_app, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_smorest import abort

from config import LANGUAGES, Settings, is_loopback
from service.web.context import services
from service.core.identity import keyed_hash
from service.web.messages import negotiate
from service.web.page_texts import SIGN_IN

bp = Blueprint("oidc", __name__)

EXTENSION = "imgmod.oidc"
COOKIE = "imgmod_editor"  # the session's random value; Redis holds what it stands for (store.editor_session)
SESSION_SECONDS = 8 * 3600  # an editor's working day: then they sign in again
SIGN_IN_SECONDS = 600  # from leaving for the provider to coming back
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
PROVIDER_TIMEOUT = 5  # seconds, for each call to the provider


class SignInStates:
    """Authlib's cache: each sign-in's state (its PKCE verifier and nonce) in Redis, so that the signed
    cookie of Flask's session only says which sign-ins this browser started, and when they expire."""

    def get(self, key: str) -> str | None:
        return services().store.sign_in_state(key)

    def set(self, key: str, value: str, expires: int | None = None) -> None:
        services().store.save_sign_in_state(key, value, min(int(expires or SIGN_IN_SECONDS), SIGN_IN_SECONDS))

    def delete(self, key: str) -> None:
        services().store.forget_sign_in_state(key)


def on_loopback() -> bool:
    return is_loopback(urlsplit("//" + request.host).hostname or "")


class SignInCookie(SecureCookieSessionInterface):
    """Flask's session, used by Authlib during a sign-in only: Secure except on loopback (tests, `imgmod dev`)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return not on_loopback()


def init_app(app: Flask, settings: Settings) -> None:
    if settings.oidc is None:
        return
    # Flask's session cookie is signed with a key derived from IMGMOD_SECRET_KEY, in a domain of its own.
    app.secret_key = keyed_hash(settings.secret_key, "sign-in-cookie", "flask", 32)
    app.config.update(SESSION_COOKIE_NAME="imgmod_signin", SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_HTTPONLY=True)
    app.session_interface = SignInCookie()
    oauth = OAuth(app, cache=SignInStates())
    oidc = settings.oidc
    client = oauth.register(
        "newsroom", client_id=oidc.client_id, client_secret=oidc.client_secret,
        server_metadata_url=oidc.issuer + "/.well-known/openid-configuration",  # discovery
        # S256: PKCE. Every call to the provider gives up after PROVIDER_TIMEOUT seconds: a slow provider never holds a worker.
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256",
                       "default_timeout": PROVIDER_TIMEOUT})
    app.extensions[EXTENSION] = client


def _client():
    client = current_app.extensions.get(EXTENSION)
    if client is None:
        abort(404, message="Signing in with the newsroom's accounts is not configured (IMGMOD_OIDC_ISSUER)")
    return client


def _session_key(value: str) -> str:
    return keyed_hash(services().settings.secret_key, "editor-session", value, 24)


def editor() -> dict[str, str] | None:
    """The signed-in editor of this request's cookie ({'actor', 'csrf'}), None without one."""
    value = request.cookies.get(COOKIE)
    if not value or EXTENSION not in current_app.extensions:
        return None
    return services().store.editor_session(_session_key(value))


def session_actor() -> str | None:
    """The audit actor of an admin API call made with the console's session (no Authorization header),
    None when there is none; 403 for a state-changing call without the session's CSRF token."""
    if "Authorization" in request.headers:
        return None
    signed_in = editor()
    if signed_in is None:
        return None
    if request.method not in SAFE_METHODS and not hmac.compare_digest(
            request.headers.get(CSRF_HEADER, "").encode(), signed_in["csrf"].encode()):
        abort(403, message=f"{CSRF_HEADER}: missing or wrong; the console sends it with each action. "
                           "Nothing was done.")
    return signed_in["actor"]


def _texts() -> tuple[str, dict]:
    """The console's language: the one it was in when the editor left for the provider, else negotiated."""
    lang = negotiate(request, session.get("lang"), services().settings.default_lang)
    return lang, SIGN_IN[lang]


def _refused(status: int, message: str, who: str | None = None, headers: dict | None = None):
    """A named refusal: a page for a browser, JSON for anything else."""
    if not request.accept_mimetypes.accept_html:
        abort(status, message=message, headers=headers)
    lang, t = _texts()
    page = render_template("sign_in_refused.html", lang=lang, dir="rtl" if lang == "ar" else "ltr", t=t,
                           message=message, who=who, status=status)
    return current_app.response_class(page, status=status, mimetype="text/html", headers=headers)


def _unreachable(error: Exception):
    """The provider did not answer, or not as OpenID Connect says: 503, never a 500 or a hang."""
    current_app.logger.warning("the newsroom's OpenID Connect provider failed: %s", type(error).__name__)
    return _refused(503, "The newsroom's sign-in provider did not answer; try again in a minute. "
                         "An admin token still works.", headers={"Retry-After": "60"})


def _actor(claims: dict) -> str:
    """`oidc:` and the e-mail address, else the subject (an address the provider says is unverified is not used)."""
    email = claims.get("email")
    if isinstance(email, str) and email and claims.get("email_verified") is not False:
        return "oidc:" + email
    return "oidc:" + str(claims["sub"])


def _groups(claims: dict, claim: str) -> set[str]:
    value = claims.get(claim)
    if isinstance(value, str):
        return {value}
    return {group for group in value if isinstance(group, str)} if isinstance(value, list) else set()


@bp.get("/admin/sign-in")
def sign_in():
    """Off to the newsroom's provider; it sends the editor back to /admin/signed-in."""
    client = _client()
    if request.args.get("lang") in LANGUAGES:
        session["lang"] = request.args["lang"]
    try:
        return client.authorize_redirect(url_for("oidc.signed_in", _external=True))
    except (requests.RequestException, ValueError) as error:  # discovery failed: the provider is away or broken
        return _unreachable(error)


@bp.get("/admin/signed-in")
def signed_in():
    client = _client()
    settings = services().settings.oidc
    try:
        token = client.authorize_access_token()  # state, PKCE verifier, ID token signature, nonce
        claims = dict(token.get("userinfo") or {})
        if settings.groups_claim not in claims:  # not in the ID token: the provider's userinfo may hold it
            claims.update(client.userinfo(token=token))
    except OAuthError as error:
        return _refused(400, f"The newsroom's sign-in did not complete: {error.error or error.description}. "
                             "Try again from the console.")
    except (requests.RequestException, ValueError) as error:
        return _unreachable(error)
    actor = _actor(claims)
    if not _groups(claims, settings.groups_claim) & set(settings.editor_groups):
        _, t = _texts()
        return _refused(403, t["not_editor"].format(groups=", ".join(settings.editor_groups)), actor.removeprefix("oidc:"))
    value, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    services().store.start_editor_session(_session_key(value), {"actor": actor, "csrf": csrf}, SESSION_SECONDS)
    lang = session.pop("lang", None)
    response = redirect(url_for("pages.admin", lang=lang) if lang else url_for("pages.admin"))
    response.set_cookie(COOKIE, value, max_age=SESSION_SECONDS, path="/", httponly=True, samesite="Lax",
                        secure=not on_loopback())
    return response


@bp.post("/admin/sign-out")
def sign_out():
    """The session ends here and now (its Redis record goes), with the CSRF token like any other action."""
    signed_in = editor()
    if signed_in is not None:
        session_actor()  # 403 without the CSRF token: a page elsewhere cannot sign an editor out
        services().store.end_editor_session(_session_key(request.cookies[COOKIE]))
    response = current_app.response_class(json.dumps({"signed_out": signed_in is not None}),
                                          mimetype="application/json")
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax", secure=not on_loopback())
    return response
