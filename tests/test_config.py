"""Configuration: every variable validated at start, a bad one named in one line."""
from __future__ import annotations

import base64
import subprocess
import sys

import pytest

from config import ConfigError, load_settings

SECRET = "s" * 32
ALICE, BOB = "token-of-alice-0123456789", "token-of-bob-01234567890"
SITE_KEY = "frontend-key-of-hespress-0123"
HOOK_SECRET = "webhook-secret-of-hespress-0123456789"


def test_defaults():
    settings = load_settings({"IMGMOD_SECRET_KEY": SECRET})
    assert settings.threshold == 3
    assert settings.redis_url is None
    assert settings.trusted_proxies == 0
    assert settings.report_rate_limit == "10/minute;100/day"
    assert settings.default_lang == "ar"
    assert (settings.admin_tokens, settings.frontend_keys, settings.cors_origins, settings.image_hosts) == ({}, {}, (), ())


def test_everything_parsed():
    settings = load_settings({
        "IMGMOD_SECRET_KEY": SECRET, "IMGMOD_REDIS_URL": "redis://cache:6379/2", "IMGMOD_THRESHOLD": "5",
        "IMGMOD_ADMIN_TOKENS": f"alice:{ALICE}, bob:{BOB}", "IMGMOD_FRONTEND_KEYS": f"hespress:{SITE_KEY}",
        "IMGMOD_TRUSTED_PROXIES": "2", "IMGMOD_REPORT_RATE_LIMIT": "5/minute",
        "IMGMOD_CORS_ORIGINS": "https://a.example,https://b.example", "IMGMOD_IMAGE_HOSTS": "CDN.example, img.example:8080",
        "IMGMOD_WEBHOOK_URL": "https://hooks.example/imgmod", "IMGMOD_WEBHOOK_SECRET": HOOK_SECRET,
        "IMGMOD_DEFAULT_LANG": "fr",
    })
    assert settings.threshold == 5 and settings.trusted_proxies == 2
    assert settings.admin_tokens == {"alice": ALICE, "bob": BOB}
    assert settings.frontend_keys == {"hespress": SITE_KEY}
    assert settings.webhook_secret == HOOK_SECRET
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.image_hosts == ("cdn.example", "img.example:8080")
    assert settings.webhook_url == "https://hooks.example/imgmod" and settings.default_lang == "fr"


@pytest.mark.parametrize(("variable", "value"), [
    ("IMGMOD_THRESHOLD", "three"),
    ("IMGMOD_THRESHOLD", "0"),
    ("IMGMOD_TRUSTED_PROXIES", "-1"),
    ("IMGMOD_REDIS_URL", "http://localhost"),
    ("IMGMOD_ADMIN_TOKENS", "no-colon"),
    ("IMGMOD_ADMIN_TOKENS", "a:x,a:y"),
    ("IMGMOD_ADMIN_TOKENS", "editor:a"),
    ("IMGMOD_ADMIN_TOKENS", "editor:" + "x" * 23),
    ("IMGMOD_FRONTEND_KEYS", ":key"),
    ("IMGMOD_FRONTEND_KEYS", "site:k"),
    ("IMGMOD_CORS_ORIGINS", "127.0.0.1:8791"),
    ("IMGMOD_CORS_ORIGINS", "https://a.example/path"),
    ("IMGMOD_CORS_ORIGINS", "ftp://a.example"),
    ("IMGMOD_FRONTEND_KEYS", "site:" + "k" * 23),
    ("IMGMOD_IMAGE_HOSTS", "cdn.example:http"),
    ("IMGMOD_IMAGE_HOSTS", "cdn.example:70000"),
    ("IMGMOD_IMAGE_HOSTS", "cdn.example/path"),
    ("IMGMOD_REPORT_RATE_LIMIT", "lots"),
    ("IMGMOD_WEBHOOK_URL", "ftp://x"),
    ("IMGMOD_DEFAULT_LANG", "de"),
    ("IMGMOD_REPORT_TTL_DAYS", "0"),
    ("IMGMOD_REPORT_TTL_DAYS", "a month"),
    ("IMGMOD_PENDING_GRACE_SECONDS", "0"),
    ("IMGMOD_RECONCILE_INTERVAL_SECONDS", "-5"),
])
def test_bad_values_are_refused_naming_the_variable(variable, value):
    with pytest.raises(ConfigError, match=variable):
        load_settings({"IMGMOD_SECRET_KEY": SECRET, variable: value})


@pytest.mark.parametrize("secret", [None, "", "short"])
def test_secret_is_required_and_long(secret):
    env = {} if secret is None else {"IMGMOD_SECRET_KEY": secret}
    with pytest.raises(ConfigError, match="IMGMOD_SECRET_KEY"):
        load_settings(env)


def test_an_admin_token_equal_to_a_frontend_key_is_refused():
    key = "shared-secret-of-24-chars-or-more"
    with pytest.raises(ConfigError, match="IMGMOD_ADMIN_TOKENS"):
        load_settings({"IMGMOD_SECRET_KEY": SECRET, "IMGMOD_ADMIN_TOKENS": f"editor:{key}",
                       "IMGMOD_FRONTEND_KEYS": f"site:{key}"})


@pytest.mark.parametrize("secret", ["w" * 31, "whsec_not base64!", "whsec_" + base64.b64encode(b"k" * 23).decode()])
def test_a_webhook_secret_too_short_to_resist_guessing_is_refused(secret):
    with pytest.raises(ConfigError, match="IMGMOD_WEBHOOK_SECRET"):
        load_settings({"IMGMOD_SECRET_KEY": SECRET, "IMGMOD_WEBHOOK_URL": "https://hooks.example/x",
                       "IMGMOD_WEBHOOK_SECRET": secret})


@pytest.mark.parametrize("secret", ["w" * 32, "whsec_" + base64.b64encode(b"k" * 24).decode()])
def test_a_webhook_secret_of_32_characters_or_standard_webhooks_form_is_taken(secret):
    settings = load_settings({"IMGMOD_SECRET_KEY": SECRET, "IMGMOD_WEBHOOK_URL": "https://hooks.example/x",
                              "IMGMOD_WEBHOOK_SECRET": secret})
    assert settings.webhook_secret == secret


def test_a_printed_settings_shows_no_secret():
    settings = load_settings({
        "IMGMOD_SECRET_KEY": SECRET, "IMGMOD_REDIS_URL": "redis://:redis-password-0123@cache:6379/2",
        "IMGMOD_ADMIN_TOKENS": f"alice:{ALICE}", "IMGMOD_FRONTEND_KEYS": f"hespress:{SITE_KEY}",
        "IMGMOD_WEBHOOK_URL": "https://hooks.example/imgmod", "IMGMOD_WEBHOOK_SECRET": HOOK_SECRET,
    })
    printed = repr(settings) + str(settings)
    for secret in (SECRET, "redis-password-0123", ALICE, SITE_KEY, HOOK_SECRET):
        assert secret not in printed


def test_webhook_needs_its_secret():
    with pytest.raises(ConfigError, match="IMGMOD_WEBHOOK_SECRET"):
        load_settings({"IMGMOD_SECRET_KEY": SECRET, "IMGMOD_WEBHOOK_URL": "https://hooks.example/x"})


@pytest.mark.parametrize("command", [["serve"], ["worker", "--burst"], ["status", "img-1"]])
def test_processes_refuse_to_start_half_configured(command):
    env = {"PATH": "/usr/bin:/bin", "IMGMOD_SECRET_KEY": SECRET, "IMGMOD_REDIS_URL": "redis://127.0.0.1:1/0",
           "IMGMOD_THRESHOLD": "many"}
    result = subprocess.run([sys.executable, "-m", "service.cli", *command], env=env, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode != 0
    assert "IMGMOD_THRESHOLD" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_operations_settings():
    defaults = load_settings({"IMGMOD_SECRET_KEY": SECRET})
    assert defaults.report_ttl_days == 30
    assert (defaults.pending_grace_seconds, defaults.reconcile_interval_seconds) == (30, 30)
    settings = load_settings({"IMGMOD_SECRET_KEY": SECRET, "IMGMOD_REPORT_TTL_DAYS": "7",
                              "IMGMOD_PENDING_GRACE_SECONDS": "5", "IMGMOD_RECONCILE_INTERVAL_SECONDS": "2"})
    assert (settings.report_ttl_days, settings.pending_grace_seconds, settings.reconcile_interval_seconds) == (7, 5, 2)


def test_sentinel_passwords_are_read_only_with_sentinels_and_never_shown():
    settings = load_settings({"IMGMOD_SECRET_KEY": SECRET, "IMGMOD_REDIS_SENTINELS": "s1:26379,s2:26379",
                              "IMGMOD_REDIS_PASSWORD": "master-secret", "IMGMOD_REDIS_SENTINEL_PASSWORD": "sentinel-secret"})
    assert settings.redis_sentinels == (("s1", 26379), ("s2", 26379))
    assert (settings.redis_password, settings.redis_sentinel_password) == ("master-secret", "sentinel-secret")
    assert "master-secret" not in repr(settings) and "sentinel-secret" not in repr(settings)
    assert load_settings({"IMGMOD_SECRET_KEY": SECRET, "IMGMOD_REDIS_SENTINELS": "s1:26379"}).redis_password is None
    for variable in ("IMGMOD_REDIS_PASSWORD", "IMGMOD_REDIS_SENTINEL_PASSWORD"):
        # With IMGMOD_REDIS_URL the password is in the URL: a second place for it would be ambiguous.
        with pytest.raises(ConfigError, match=variable):
            load_settings({"IMGMOD_SECRET_KEY": SECRET, "IMGMOD_REDIS_URL": "redis://cache:6379/0", variable: "x"})
