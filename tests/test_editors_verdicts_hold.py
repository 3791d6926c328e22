"""Editors' verdicts hold for the photo: a `disagree` reset's restore guard and known-fine photos."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from service import create_app
from tests.conftest import run_queued_jobs, with_settings


def brigade(reporter, image_id: str, first: int, size: int = 3) -> list[dict]:
    """`size` fresh anonymous addresses report the photo."""
    return [reporter.anonymous(image_id, ip=f"198.51.100.{n}", reason="violence").json
            for n in range(first, first + size)]


def test_a_returning_brigade_of_fresh_addresses_never_hides_a_restored_photo(services, reporter, admin, queue):
    brigade(reporter, "img-1", 0)
    run_queued_jobs(services, queue)
    assert admin.get("/images/img-1").json["hidden"] is True
    restored = admin.post("/images/img-1/reset", json={}).json  # the photo is fine
    until = datetime.fromisoformat(restored["restored_until"])
    assert abs(until - datetime.now(timezone.utc) - timedelta(days=30)) < timedelta(minutes=5)

    answers = brigade(reporter, "img-1", 10)  # new addresses: they can bring it back before editors
    run_queued_jobs(services, queue)
    assert [answer["hidden"] for answer in answers] == [False] * 3
    detail = admin.get("/images/img-1").json
    assert (detail["state"], detail["score"]) == ("review", 3.0)
    assert [image["image_id"] for image in admin.get("/images?state=review").json["images"]] == ["img-1"]
    brigade(reporter, "img-1", 20)  # however many come
    run_queued_jobs(services, queue)
    assert admin.get("/images/img-1").json["state"] == "review"


def test_a_reset_that_does_not_judge_the_photo_sets_no_guard(services, reporter, admin, queue):
    brigade(reporter, "img-1", 0)
    assert admin.post("/images/img-1/reset", json={"verdict": "ignore"}).json["restored_until"] is None
    brigade(reporter, "img-1", 10)
    run_queued_jobs(services, queue)
    assert admin.get("/images/img-1").json["state"] == "hidden"


def test_the_guard_ends_after_its_days(services, reporter, admin, queue, redis_client):
    brigade(reporter, "img-1", 0)
    admin.post("/images/img-1/reset", json={})
    redis_client.hset("imgmod:img:img-1", "rg", int(redis_client.time()[0]) * 1000 - 1)  # 30 days on
    assert admin.get("/images/img-1").json["restored_until"] is None
    brigade(reporter, "img-1", 10)
    run_queued_jobs(services, queue)
    assert admin.get("/images/img-1").json["state"] == "hidden"


def test_no_guard_with_zero_days(settings, queue):
    app = create_app(with_settings(settings, restore_guard_days=0))
    services = app.extensions["imgmod"]
    from tests.conftest import Admin, Reporter
    reporter, admin = Reporter(app.test_client()), Admin(app.test_client())
    brigade(reporter, "img-1", 0)
    assert admin.post("/images/img-1/reset", json={}).json["restored_until"] is None
    brigade(reporter, "img-1", 10)
    run_queued_jobs(services, queue)
    assert admin.get("/images/img-1").json["state"] == "hidden"


@pytest.mark.parametrize("lift", ["confirm", "hide"])
def test_an_editors_hide_lifts_the_guard(services, reporter, admin, queue, lift):
    brigade(reporter, "img-1", 0)
    admin.post("/images/img-1/reset", json={})
    brigade(reporter, "img-1", 10)
    assert admin.get("/images/img-1").json["state"] == "review"
    hidden = admin.post(f"/images/img-1/{lift}", json={}).json
    assert (hidden["state"], hidden["restored_until"]) == ("hidden", None)
    admin.post("/images/img-1/reset", json={"verdict": "ignore"})  # restored without a verdict on the photo
    brigade(reporter, "img-1", 20)
    run_queued_jobs(services, queue)
    assert admin.get("/images/img-1").json["state"] == "hidden"


def test_lifting_a_protection_of_a_restored_photo_puts_it_in_review(services, reporter, admin, queue):
    brigade(reporter, "img-1", 0)
    admin.post("/images/img-1/reset", json={})
    admin.put("/images/img-1/protection", json={"protected": True})
    brigade(reporter, "img-1", 10)
    assert admin.put("/images/img-1/protection", json={"protected": False}).json["state"] == "review"


def test_the_guard_is_configured_by_its_variable():
    from config import ConfigError, load_settings
    env = {"IMGMOD_SECRET_KEY": "k" * 32}
    assert load_settings(env).restore_guard_days == 30
    assert load_settings({**env, "IMGMOD_RESTORE_GUARD_DAYS": "0"}).restore_guard_days == 0
    for bad in ("-1", "a month"):
        with pytest.raises(ConfigError, match="IMGMOD_RESTORE_GUARD_DAYS"):
            load_settings({**env, "IMGMOD_RESTORE_GUARD_DAYS": bad})
