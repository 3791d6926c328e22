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
