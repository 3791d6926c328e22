"""Bearer credentials: frontend keys for reports, admin tokens for the admin API."""
from __future__ import annotations

import hmac
from typing import Mapping

from flask import Request
from flask_smorest import abort

from service.identity import keyed_hash, network_of

# Refused admin tokens allowed per client network and window, before every admin request from it
# gets 429 until the window ends: guessing a 24-character token stays hopeless, and an editor who
# mistyped it is back within a minute.
ADMIN_FAILURES_ALLOWED = 10
ADMIN_FAILURE_WINDOW_SECONDS = 60


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


def admin_name(request: Request, admin_tokens: Mapping[str, str], frontend_keys: Mapping[str, str], store,
               secret: str) -> str:
    """The admin token's name; 401 without a valid token, 403 for a frontend key, 429 for a client
    that had too many tokens refused in the current window."""
    token = bearer_token(request)
    if token is None:
        abort(401, message="Admin token required: Authorization: Bearer <token>", headers={"WWW-Authenticate": "Bearer"})
    client = failure_key(secret, request.remote_addr)
    if store.auth_failures(client) >= ADMIN_FAILURES_ALLOWED:
        abort(429, message=f"Too many refused admin tokens; try again in {ADMIN_FAILURE_WINDOW_SECONDS} seconds.",
              headers={"Retry-After": str(ADMIN_FAILURE_WINDOW_SECONDS)})
    name = name_for(token, admin_tokens)
    if name is not None:
        return name
    store.count_auth_failure(client, ADMIN_FAILURE_WINDOW_SECONDS)
    if name_for(token, frontend_keys) is not None:
        abort(403, message="A frontend key cannot use the admin API")
    abort(401, message="Unknown admin token", headers={"WWW-Authenticate": "Bearer"})
