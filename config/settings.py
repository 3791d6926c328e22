"""The settings every imgmod process runs with: a frozen object, and the error that names a bad variable."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

LANGUAGES = ("ar", "fr", "en")
REASONS = ("nudity", "violence", "hate", "spam", "misleading", "copyright", "other")
# prometheus-client's own variable: `imgmod serve` sets it before the client is imported (multiprocess mode).
PROMETHEUS_MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class ConfigError(ValueError):
    """A configuration variable is missing or malformed; the message names it."""


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def is_loopback(host: str) -> bool:
    """A host name or address of this machine only (127.0.0.0/8, ::1, localhost)."""
    host = host.lower().strip("[]")
    return host in LOOPBACK_HOSTS or host.startswith("127.")


@dataclass(frozen=True)
class OidcSettings:
    """The newsroom's OpenID Connect provider, through which editors sign in to the console."""
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    editor_groups: tuple[str, ...]  # values of the groups claim that may use the console
    groups_claim: str = "groups"


@dataclass(frozen=True)
class Settings:
    # Secrets (and the Redis URL, which may hold a password) are out of repr: a Settings printed, in a
    # log line or a traceback, shows none of them.
    secret_key: str = field(repr=False)
    redis_url: str | None = field(default=None, repr=False)
    threshold: int = 3
    admin_tokens: Mapping[str, str] = field(default_factory=dict, repr=False)  # name -> token
    frontend_keys: Mapping[str, str] = field(default_factory=dict, repr=False)  # name -> key
    trusted_proxies: int = 0
    report_rate_limit: str = "10/minute;100/day"
    cors_origins: tuple[str, ...] = ()
    image_hosts: tuple[str, ...] = ()
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    default_lang: str = "ar"
    log_level: str = "INFO"
    audit_max_events: int = 100_000
    report_ttl_days: int = 30  # counts of images that never cross expire after this much silence
    pending_grace_seconds: int = 30  # a crossing older than this without its hide is re-enqueued
    reconcile_interval_seconds: int = 30  # how often some worker looks for such crossings
    anonymous_weight: float = 1.0  # what an anonymous reader's report adds to an image's score
    frontend_weight: float = 1.0  # a site account's base weight, scaled by its record of verdicts
    review_reasons: tuple[str, ...] = ("copyright", "misleading")  # these send an image to editors, never hide it
    auto_hide_brake: int | None = None  # automatic hides per hour past which crossings go to review instead
    reputation_ttl_days: int = 365  # a site account's record of verdicts is forgotten after this much silence
    restore_guard_days: int = 30  # after a `disagree` reset, a crossing goes to review instead of hiding (0: off)
    new_account_days: int = 7  # a site account younger than this (account_created_at) weighs less (0: off)
    new_account_factor: float = 0.5  # its weight is multiplied by this
    redis_sentinels: tuple[tuple[str, int], ...] = ()  # when set, the master is found (and followed) through them
    redis_sentinel_master: str = "mymaster"
    # With sentinels: the master's and replicas' password (their requirepass; with IMGMOD_REDIS_URL it
    # is in the URL), and the sentinels' own. Out of repr: a Settings printed shows no secret.
    redis_password: str | None = field(default=None, repr=False)
    redis_sentinel_password: str | None = field(default=None, repr=False)
    redis_min_replicas_ack: int = 0  # replicas that must hold a write before it is answered (WAIT)
    lookups_from_replicas: bool = False  # with sentinels: page-view lookups read a replica
    match_distance: int | None = 31  # PDQ bits (of 256) within which two images match; None: matching off
    match_retention_days: int = 365  # a registration's hash is forgotten after this long, unless hidden
    # Statements of reasons (DSA Art 17): the redress offered to whoever posted a restricted image, and the
    # site's rule that a restriction on the ground of its terms relies on.
    dsa_redress: str = ("You may ask the site's editors to review this decision by answering the site's message; "
                        "you may also turn to a certified out-of-court dispute settlement body or to a court.")
    dsa_terms: str = "The site's rules for readers' images"
    oidc: OidcSettings | None = None  # editors sign in with the newsroom's accounts; None: admin tokens only

    @property
    def has_redis(self) -> bool:
        return bool(self.redis_url or self.redis_sentinels)
