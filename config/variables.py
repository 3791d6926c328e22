"""Each IMGMOD_* variable read from the environment and checked, once, into Settings; the first bad
one raises a ConfigError that names it."""
from __future__ import annotations

import base64
import binascii
import os
from typing import Mapping
from urllib.parse import urlsplit

from config.secret import (MIN_ADMIN_TOKEN_LENGTH, MIN_FRONTEND_KEY_LENGTH, MIN_SECRET_LENGTH, WHSEC_PREFIX,
                           check_secret)
from config.settings import LANGUAGES, REASONS, ConfigError, OidcSettings, Settings, is_loopback


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the environment; raise ConfigError naming the first bad variable."""
    env = os.environ if env is None else env
    default_lang = env.get("IMGMOD_DEFAULT_LANG", "").strip() or "ar"
    if default_lang not in LANGUAGES:
        raise ConfigError(f"IMGMOD_DEFAULT_LANG must be one of {', '.join(LANGUAGES)}, got {default_lang!r}")
    log_level = env.get("IMGMOD_LOG_LEVEL", "").strip().upper() or "INFO"
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"IMGMOD_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")
    webhook_url = _url(env, "IMGMOD_WEBHOOK_URL", ("http", "https"))
    webhook_secret = _webhook_secret(env, "IMGMOD_WEBHOOK_SECRET", webhook_url)
    frontend_keys = _frontend_keys(env)
    sentinels = _sentinels(env, "IMGMOD_REDIS_SENTINELS")
    return Settings(
        secret_key=check_secret(env.get("IMGMOD_SECRET_KEY")),
        redis_url=_url(env, "IMGMOD_REDIS_URL", ("redis", "rediss", "unix")),
        threshold=_integer(env, "IMGMOD_THRESHOLD", 3, minimum=1),
        admin_tokens=_admin_tokens(env, frontend_keys),
        frontend_keys=frontend_keys,
        trusted_proxies=_integer(env, "IMGMOD_TRUSTED_PROXIES", 0, minimum=0),
        report_rate_limit=_rate_limit(env, "IMGMOD_REPORT_RATE_LIMIT", "10/minute;100/day"),
        cors_origins=_origins(env, "IMGMOD_CORS_ORIGINS"),
        image_hosts=_image_hosts(env, "IMGMOD_IMAGE_HOSTS"),
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        default_lang=default_lang,
        log_level=log_level,
        audit_max_events=_integer(env, "IMGMOD_AUDIT_MAX_EVENTS", 100_000, minimum=100),
        report_ttl_days=_integer(env, "IMGMOD_REPORT_TTL_DAYS", 30, minimum=1),
        pending_grace_seconds=_integer(env, "IMGMOD_PENDING_GRACE_SECONDS", 30, minimum=1),
        reconcile_interval_seconds=_integer(env, "IMGMOD_RECONCILE_INTERVAL_SECONDS", 30, minimum=1),
        anonymous_weight=_weight(env, "IMGMOD_ANONYMOUS_WEIGHT"),
        frontend_weight=_weight(env, "IMGMOD_FRONTEND_WEIGHT"),
        review_reasons=_review_reasons(env, "IMGMOD_REVIEW_REASONS"),
        auto_hide_brake=_brake(env, "IMGMOD_AUTO_HIDE_BRAKE"),
        reputation_ttl_days=_integer(env, "IMGMOD_REPUTATION_TTL_DAYS", 365, minimum=1),
        restore_guard_days=_integer(env, "IMGMOD_RESTORE_GUARD_DAYS", 30, minimum=0),
        new_account_days=_integer(env, "IMGMOD_NEW_ACCOUNT_DAYS", 7, minimum=0),
        new_account_factor=_fraction(env, "IMGMOD_NEW_ACCOUNT_FACTOR", 0.5),
        redis_sentinels=sentinels,
        redis_sentinel_master=env.get("IMGMOD_REDIS_SENTINEL_MASTER", "").strip() or "mymaster",
        redis_password=_sentinel_password(env, "IMGMOD_REDIS_PASSWORD", sentinels),
        redis_sentinel_password=_sentinel_password(env, "IMGMOD_REDIS_SENTINEL_PASSWORD", sentinels),
        redis_min_replicas_ack=_integer(env, "IMGMOD_REDIS_MIN_REPLICAS_ACK", 0, minimum=0),
        lookups_from_replicas=_flag(env, "IMGMOD_LOOKUPS_FROM_REPLICAS"),
        match_distance=_match_distance(env, "IMGMOD_MATCH_DISTANCE"),
        match_retention_days=_integer(env, "IMGMOD_MATCH_RETENTION_DAYS", 365, minimum=1),
        dsa_redress=_text(env, "IMGMOD_DSA_REDRESS", Settings.dsa_redress, 1000),
        dsa_terms=_text(env, "IMGMOD_DSA_TERMS", Settings.dsa_terms, 500),
        oidc=_oidc(env),
    )


def _text(env: Mapping[str, str], name: str, default: str, limit: int) -> str:
    raw = env.get(name, "").strip()
    if len(raw) > limit:
        raise ConfigError(f"{name} must be at most {limit} characters, got {len(raw)}")
    return raw or default


def _integer(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _named_secrets(env: Mapping[str, str], name: str) -> dict[str, str]:
    """Parse `name:secret,name:secret`."""
    pairs: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in env.get(name, "").split(","))):
        label, sep, secret = item.partition(":")
        if not sep or not label or not secret:
            raise ConfigError(f"{name} must look like name:secret,name:secret")
        if label in pairs:
            raise ConfigError(f"{name} names {label!r} twice")
        pairs[label] = secret
    return pairs


def _frontend_keys(env: Mapping[str, str]) -> dict[str, str]:
    """Keys long enough not to be guessed: a frontend key stands for the site's word on who reports."""
    name = "IMGMOD_FRONTEND_KEYS"
    keys = _named_secrets(env, name)
    for label, key in keys.items():
        if len(key) < MIN_FRONTEND_KEY_LENGTH:
            raise ConfigError(f"{name}: the key of {label!r} must be at least {MIN_FRONTEND_KEY_LENGTH} characters,"
                              f" got {len(key)}")
    return keys


def _webhook_secret(env: Mapping[str, str], name: str, webhook_url: str | None) -> str | None:
    """32 characters or more, or Standard Webhooks' `whsec_<base64>` form (of at least 24 bytes)."""
    secret = env.get(name) or None
    if webhook_url and not secret:
        raise ConfigError(f"{name} is required when IMGMOD_WEBHOOK_URL is set")
    if secret is None:
        return None
    if secret.startswith(WHSEC_PREFIX):
        try:
            key = base64.b64decode(secret.removeprefix(WHSEC_PREFIX), validate=True)
        except binascii.Error:
            raise ConfigError(f"{name}: a {WHSEC_PREFIX} secret must be base64 after its prefix") from None
        if len(key) < 24:
            raise ConfigError(f"{name}: a {WHSEC_PREFIX} secret must hold at least 24 bytes, got {len(key)}")
    elif len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(f"{name} must be at least {MIN_SECRET_LENGTH} characters (or {WHSEC_PREFIX}<base64>),"
                          f" got {len(secret)}")
    return secret


def _admin_tokens(env: Mapping[str, str], frontend_keys: Mapping[str, str]) -> dict[str, str]:
    """Tokens long enough not to be guessed, and none a frontend key (which sits in every page's source)."""
    name = "IMGMOD_ADMIN_TOKENS"
    tokens = _named_secrets(env, name)
    for label, token in tokens.items():
        if len(token) < MIN_ADMIN_TOKEN_LENGTH:
            raise ConfigError(f"{name}: the token of {label!r} must be at least {MIN_ADMIN_TOKEN_LENGTH} characters,"
                              f" got {len(token)}")
        if token in frontend_keys.values():
            raise ConfigError(f"{name}: the token of {label!r} equals a key of IMGMOD_FRONTEND_KEYS")
    return tokens


def _weight(env: Mapping[str, str], name: str) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return 1.0
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number from 0 to 10, got {raw!r}") from None
    if not 0 <= value <= 10:
        raise ConfigError(f"{name} must be a number from 0 to 10, got {raw!r}")
    return value


def _fraction(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number from 0 to 1, got {raw!r}") from None
    if not 0 <= value <= 1:
        raise ConfigError(f"{name} must be a number from 0 to 1, got {raw!r}")
    return value


def _review_reasons(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    if name not in env:
        return Settings.review_reasons
    reasons = _list(env, name)
    unknown = [reason for reason in reasons if reason not in REASONS]
    if unknown:
        raise ConfigError(f"{name} must list reasons among {', '.join(REASONS)}, got {', '.join(unknown)}")
    return reasons


def _brake(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "off"):
        return None
    return _integer(env, name, 0, minimum=1)


def _match_distance(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip().lower()
    if raw == "off":
        return None
    value = _integer(env, name, 31, minimum=0)
    if value > 128:  # half of PDQ's 256 bits: unrelated images are about that far apart
        raise ConfigError(f"{name} must be a number of bits from 0 to 128, or off, got {value}")
    return value


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(filter(None, (part.strip() for part in env.get(name, "").split(","))))


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not parts.netloc:
        raise ConfigError(f"{name} must be a {'/'.join(schemes)} URL, got {raw!r}")
    return raw


def host_and_port(entry: str) -> tuple[str, int | None]:
    """An IMGMOD_IMAGE_HOSTS entry, `host` (ports 80 and 443) or `host:port`; ValueError if neither."""
    parts = urlsplit("//" + entry)
    if not parts.hostname or parts.path or parts.query or parts.fragment or parts.username:
        raise ValueError(entry)
    return parts.hostname.lower(), parts.port  # .port raises ValueError for a port out of range


def _image_hosts(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    entries = tuple(entry.lower() for entry in _list(env, name))
    for entry in entries:
        try:
            host_and_port(entry)
        except ValueError:
            raise ConfigError(f"{name} entries must be host or host:port, got {entry!r}") from None
    return entries


def _origins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Browser origins, `scheme://host[:port]`: an entry without its scheme (`127.0.0.1:8791`) would be
    taken and never match a browser's Origin, and the widget would fail with no word why."""
    origins = []
    for entry in _list(env, name):
        parts = urlsplit(entry)
        try:
            parts.port
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname \
                or parts.path.strip("/") or parts.query or parts.fragment or parts.username:
            raise ConfigError(f"{name} entries must be origins like https://www.example.ma (scheme, host, "
                              f"optional port), got {entry!r}")
        origins.append(entry.rstrip("/"))
    return tuple(origins)


def _sentinels(env: Mapping[str, str], name: str) -> tuple[tuple[str, int], ...]:
    sentinels = []
    for entry in _list(env, name):
        try:
            host, port = host_and_port(entry)
        except ValueError:
            port = None
        if port is None:
            raise ConfigError(f"{name} entries must be host:port, got {entry!r}")
        sentinels.append((host, port))
    return tuple(sentinels)


def _sentinel_password(env: Mapping[str, str], name: str, sentinels: tuple) -> str | None:
    password = env.get(name) or None
    if password and not sentinels:
        raise ConfigError(f"{name} is used only with IMGMOD_REDIS_SENTINELS; with IMGMOD_REDIS_URL the "
                          "password goes in the URL (redis://:PASSWORD@host:port/0)")
    return password


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip()
    if raw not in ("", "0", "1"):
        raise ConfigError(f"{name} must be 0 or 1, got {raw!r}")
    return raw == "1"


def _rate_limit(env: Mapping[str, str], name: str, default: str) -> str:
    from limits import parse_many  # the parser flask-limiter uses, so the syntax is exactly its own

    raw = env.get(name, "").strip() or default
    try:
        parse_many(raw)
    except ValueError:
        raise ConfigError(f"{name} must use flask-limiter syntax like '10/minute;100/day', got {raw!r}") from None
    return raw


OIDC_VARIABLES = ("IMGMOD_OIDC_ISSUER", "IMGMOD_OIDC_CLIENT_ID", "IMGMOD_OIDC_CLIENT_SECRET",
                  "IMGMOD_OIDC_EDITOR_GROUPS")


def _oidc(env: Mapping[str, str]) -> OidcSettings | None:
    """All four variables, or none: a console half signed in through the provider never starts."""
    given = {name: env.get(name, "").strip() for name in OIDC_VARIABLES}
    if not any(given.values()):
        return None
    for name, value in given.items():
        if not value:
            raise ConfigError(f"{name} is required when any of {', '.join(OIDC_VARIABLES)} is set")
    issuer = given["IMGMOD_OIDC_ISSUER"].rstrip("/")
    parts = urlsplit(issuer)
    # The provider's answers are the editors' identities: over https, but for a provider on this machine.
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
            or parts.username or (parts.scheme == "http" and not is_loopback(parts.hostname)):
        raise ConfigError(f"IMGMOD_OIDC_ISSUER must be the provider's https URL (http only on loopback), "
                          f"got {issuer!r}")
    groups = _list(env, "IMGMOD_OIDC_EDITOR_GROUPS")
    if not groups:
        raise ConfigError("IMGMOD_OIDC_EDITOR_GROUPS must name at least one group, comma-separated")
    claim = env.get("IMGMOD_OIDC_GROUPS_CLAIM", "").strip() or "groups"
    return OidcSettings(issuer, given["IMGMOD_OIDC_CLIENT_ID"], given["IMGMOD_OIDC_CLIENT_SECRET"], groups, claim)
