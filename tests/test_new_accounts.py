"""New accounts: a site account younger than IMGMOD_NEW_ACCOUNT_DAYS weighs IMGMOD_NEW_ACCOUNT_FACTOR less."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from service import create_app
from tests.conftest import Reporter, with_settings
from tests.test_privacy import every_string_in_redis


def ago(**delta) -> str:
    return (datetime.now(timezone.utc) - timedelta(**delta)).isoformat()


def score(store, image_id: str) -> float:
    return store.status(image_id)["score"]


@pytest.mark.parametrize(("created", "weight"), [
    (ago(days=2), 0.5), (ago(days=6, hours=23), 0.5), (ago(days=7, minutes=1), 1.0), ("2019-03-01", 1.0),
    ((datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat(), 0.5),
    ((datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"), 0.5),
    ((datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S"), 0.5),  # no offset: UTC
    (None, 1.0)])
def test_a_young_account_weighs_half(reporter, store, created, weight):
    body = {} if created is None else {"account_created_at": created}
    assert reporter.frontend("img-1", "reader", **body).status_code == 202
    assert score(store, "img-1") == weight


def test_three_fresh_accounts_no_longer_hide_a_photo_alone(reporter, store):
    for n in range(3):
        reporter.frontend("img-1", f"fresh-{n}", account_created_at=ago(days=1))
    assert (store.status("img-1")["state"], score(store, "img-1")) == ("visible", 1.5)
    for n in range(3, 6):
        reporter.frontend("img-1", f"fresh-{n}", account_created_at=ago(days=1))
    assert store.status("img-1")["state"] == "pending"


@pytest.mark.parametrize("created", ["yesterday", "2024-13-01", 20240501, "", "2024-05-01 10:00", "2024-05-01T10:00"])
def test_a_malformed_date_is_refused_naming_the_field(reporter, created):
    answer = reporter.frontend("img-1", "reader", account_created_at=created)
    assert answer.status_code == 422 and "account_created_at" in answer.json["errors"]["json"], answer.json


@pytest.mark.parametrize("created", [ago(days=-1), (datetime.now(timezone.utc) + timedelta(days=2)).date().isoformat()])
def test_a_moment_in_the_future_is_a_brand_new_account(reporter, store, created):
    assert reporter.frontend("img-1", "reader", account_created_at=created).status_code == 202
    assert score(store, "img-1") == 0.5


def test_ignored_for_anonymous_readers(reporter, store):
    reporter.anonymous("img-1", account_created_at=ago(days=1))
    assert score(store, "img-1") == 1.0


def test_the_days_and_the_factor_are_configured(settings):
    app = create_app(with_settings(settings, new_account_days=30, new_account_factor=0.25))
    reporter, store = Reporter(app.test_client()), app.extensions["imgmod"].store
    reporter.frontend("img-1", "reader", account_created_at=ago(days=20))
    assert score(store, "img-1") == 0.25
    off = create_app(with_settings(settings, new_account_days=0))
    Reporter(off.test_client()).frontend("img-2", "reader", account_created_at=ago(days=1))
    assert score(store, "img-2") == 1.0


def test_the_date_is_never_stored(reporter, redis_server):
    created = "2026-01-02T03:04:05+00:00"
    reporter.frontend("img-1", "reader", account_created_at=created)
    reporter.frontend("img-1", "reader-2", account_created_at="2025-12-30")
    blob = b"\n".join(every_string_in_redis(redis_server.client(decode=False)))
    assert b"imgmod:img:img-1" in blob
    for text in (created, "2026-01-02", "03:04:05", "2025-12-30"):
        assert text.encode() not in blob, text


def test_the_variables_are_validated_by_name():
    from config import ConfigError, load_settings
    env = {"IMGMOD_SECRET_KEY": "k" * 32}
    settings = load_settings(env)
    assert (settings.new_account_days, settings.new_account_factor) == (7, 0.5)
    assert load_settings({**env, "IMGMOD_NEW_ACCOUNT_FACTOR": "1"}).new_account_factor == 1.0
    for name, bad in (("IMGMOD_NEW_ACCOUNT_DAYS", "-1"), ("IMGMOD_NEW_ACCOUNT_DAYS", "a week"),
                      ("IMGMOD_NEW_ACCOUNT_FACTOR", "1.5"), ("IMGMOD_NEW_ACCOUNT_FACTOR", "-0.1"),
                      ("IMGMOD_NEW_ACCOUNT_FACTOR", "half")):
        with pytest.raises(ConfigError, match=name):
            load_settings({**env, name: bad})
