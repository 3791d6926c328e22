"""Bearer credentials: frontend keys for reports, admin tokens for the admin API."""
from __future__ import annotations

import hmac
from typing import Mapping

from flask import Request
from flask_smorest import abort


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


def admin_name(request: Request, admin_tokens: Mapping[str, str], frontend_keys: Mapping[str, str]) -> str:
    """The admin token's name; 401 without a valid token, 403 for a frontend key."""
    token = bearer_token(request)
    if token is None:
        abort(401, message="Admin token required: Authorization: Bearer <token>", headers={"WWW-Authenticate": "Bearer"})
    name = name_for(token, admin_tokens)
    if name is not None:
        return name
    if name_for(token, frontend_keys) is not None:
        abort(403, message="A frontend key cannot use the admin API")
    abort(401, message="Unknown admin token", headers={"WWW-Authenticate": "Bearer"})
