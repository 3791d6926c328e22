"""Bearer credentials: frontend keys for reports, admin tokens for the admin API."""
from __future__ import annotations

import hmac
from typing import Mapping

from flask import Request
from flask_smorest import abort

from service.core.identity import keyed_hash, network_of

# Refused credentials (admin tokens and frontend keys alike) allowed per client network and window,
# before every request from it that carries one gets 429 until the window ends: guessing a
# 24-character secret stays hopeless, and an editor who mistyped a token is back within a minute.
FAILURES_ALLOWED = 10
FAILURE_WINDOW_SECONDS = 60


def bearer_token(request: Request) -> str | None:
    """The bearer token, None without an Authorization header; 401 for any other scheme."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(401, message="Authorization must be 'Bearer <key>'", headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


def name_for(token: str, secrets: Mapping[str, str]) -> str | None:
    """The name whose secret equals `token`, comparing every secret in constant time."""
    found = None
    for name, secret in secrets.items():
        if hmac.compare_digest(token.encode(), secret.encode()):
            found = name
    return found


def failure_key(secret: str, remote_addr: str | None) -> str:
    """The client's network as a keyed hash, in a domain of its own: no address is stored."""
    return keyed_hash(secret, "admin-auth", network_of(remote_addr or ""))


class Gate:
    """Where bearer secrets are checked: a client network whose secrets were refused too often in the
    current window gets 429 before its next one is compared, whichever kind it sends. One counter
    for both kinds, so a guesser gains nothing by switching from admin tokens to frontend keys."""

    def __init__(self, request: Request, store, secret: str):
        self.store = store
        self.client = failure_key(secret, request.remote_addr)

    def check(self, token: str, secrets: Mapping[str, str]) -> str | None:
        """The name whose secret is `token`; None (and one refusal counted) when there is none."""
        if self.store.auth_failures(self.client) >= FAILURES_ALLOWED:
            abort(429, message=f"Too many refused keys or tokens; try again in {FAILURE_WINDOW_SECONDS} seconds.",
                  headers={"Retry-After": str(FAILURE_WINDOW_SECONDS)})
        name = name_for(token, secrets)
        if name is None:
            self.store.count_auth_failure(self.client, FAILURE_WINDOW_SECONDS)
        return name


def admin_name(request: Request, admin_tokens: Mapping[str, str], frontend_keys: Mapping[str, str], store,
               secret: str) -> str:
    """The admin token's name; 401 without a valid token, 403 for a frontend key, 429 for a client
    that had too many secrets refused in the current window."""
    token = bearer_token(request)
    if token is None:
        abort(401, message="Admin token required: Authorization: Bearer <token>", headers={"WWW-Authenticate": "Bearer"})
    name = Gate(request, store, secret).check(token, admin_tokens)
    if name is not None:
        return name
    if name_for(token, frontend_keys) is not None:
        abort(403, message="A frontend key cannot use the admin API")
    if not admin_tokens:
        abort(401, message="The admin API is closed: no admin token is configured (set IMGMOD_ADMIN_TOKENS; "
                           "`imgmod secret --kind admin` makes one)", headers={"WWW-Authenticate": "Bearer"})
    abort(401, message="Unknown admin token", headers={"WWW-Authenticate": "Bearer"})


def frontend_name(request: Request, frontend_keys: Mapping[str, str], store, secret: str) -> str | None:
    """The frontend key's name, None without an Authorization header; 401 for a key that matches
    none (never taken as anonymous), 429 as for admin tokens."""
    token = bearer_token(request)
    if token is None:
        return None
    name = Gate(request, store, secret).check(token, frontend_keys)
    if name is None:
        abort(401, message="Unknown bearer key", headers={"WWW-Authenticate": "Bearer"})
    return name
