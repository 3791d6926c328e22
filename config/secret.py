"""Secrets: the minimum each variable accepts, the check of the secret key, and the values
`imgmod secret` makes."""
from __future__ import annotations

import base64
import secrets

from config.settings import ConfigError

MIN_SECRET_LENGTH = 32
MIN_ADMIN_TOKEN_LENGTH = 24
MIN_FRONTEND_KEY_LENGTH = 24
# Standard Webhooks' form of a secret: `whsec_` and the key's bytes in base64.
WHSEC_PREFIX = "whsec_"

# What `imgmod secret --kind` makes, and the variable each goes in.
SECRET_KINDS = {
    "admin": "IMGMOD_ADMIN_TOKENS",
    "frontend": "IMGMOD_FRONTEND_KEYS",
    "webhook": "IMGMOD_WEBHOOK_SECRET",
    "secret-key": "IMGMOD_SECRET_KEY",
}
SECRET_BYTES = 32  # 256 random bits: 43 characters in URL-safe base64, past every minimum below


def new_secret(kind: str) -> str:
    """A fresh random value that the variable of `kind` accepts. URL-safe base64 holds no `,` or `:`,
    so a token or key goes into `name:secret,name:secret` as it is; a webhook secret takes Standard
    Webhooks' `whsec_<base64>` form, which that specification's libraries read as it is."""
    if kind not in SECRET_KINDS:
        raise ValueError(f"kind must be one of {', '.join(SECRET_KINDS)}, got {kind!r}")
    if kind == "webhook":
        return WHSEC_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()
    return secrets.token_urlsafe(SECRET_BYTES)


def check_secret(secret: str | None, name: str = "IMGMOD_SECRET_KEY") -> str:
    if not secret:
        raise ConfigError(f"{name} is required (at least {MIN_SECRET_LENGTH} characters)")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(f"{name} must be at least {MIN_SECRET_LENGTH} characters, got {len(secret)}")
    return secret
