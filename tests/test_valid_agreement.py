"""Valid agreement: only reports counted before the image was hidden or entered review earn `agreed`."""
from __future__ import annotations

from functools import partial

from service.core import identity
from service.core.store import RECORD_PREFIX
from tests.conftest import ADMIN_TOKEN, FRONTEND_KEY, run_queued_jobs
from tests.race import race
from tests.test_trust import audit_types, record_of


def hide_by_readers(reporter, services, queue, image_id: str, reason: str = "violence") -> None:
    for n in range(3):
        reporter.anonymous(image_id, ip=f"198.51.100.{n}", reason=reason)
    run_queued_jobs(services, queue)


def test_a_farmed_account_reporting_hidden_photos_gains_no_agreed(services, reporter, admin, queue):
    reporter.frontend("img-1", "honest")  # before the hide
    for image_id in ("img-1", "img-2", "img-3"):
        hide_by_readers(reporter, services, queue, image_id)
        assert admin.get(f"/images/{image_id}").json["hidden"] is True
        reporter.frontend(image_id, "farmer")  # a photo already hidden
        admin.post(f"/images/{image_id}/confirm", json={})
    assert record_of(services, "farmer") == (0, 0)
    assert record_of(services, "honest") == (1, 0)


def test_reporting_a_photo_in_review_earns_nothing_either(services, reporter, admin, queue):
    hide_by_readers(reporter, services, queue, "img-1", reason="copyright")
    assert admin.get("/images/img-1").json["state"] == "review"
    reporter.frontend("img-1", "farmer")
    confirmed = admin.post("/images/img-1/confirm", json={}).json
    assert confirmed["hidden"] is True and record_of(services, "farmer") == (0, 0)
    assert audit_types_detail(admin, "img-1", "confirmed")["agreed_reporters"] == 0


def audit_types_detail(admin, image_id: str, kind: str) -> dict:
    [event] = [e for e in admin.get(f"/audit?image_id={image_id}").json["events"] if e["type"] == kind]
    return event["detail"]


def test_a_disagree_reset_counts_against_late_reporters_too(services, reporter, admin, queue):
    reporter.frontend("img-1", "early")
    hide_by_readers(reporter, services, queue, "img-1")
    reporter.frontend("img-1", "late")
    admin.post("/images/img-1/confirm", json={})
    assert (record_of(services, "early"), record_of(services, "late")) == ((1, 0), (0, 0))
    admin.post("/images/img-1/reset", json={})  # editors changed their minds: the photo is fine
    assert (record_of(services, "early"), record_of(services, "late")) == ((0, 1), (0, 1))


def test_a_late_site_accounts_field_says_so_and_an_anonymous_one_stays_one_byte(store, redis_client):
    store.report("img-1", "early", "other", None, record="early")
    store.hide_now("img-1", "editor")
    store.report("img-1", "late", "other", None, record="late")
    store.report("img-1", "reader", "other", None)
    fields = redis_client.hgetall("imgmod:img:img-1")
    assert (fields["@early"], fields["@late"], fields["@reader"]) == (
        f"0|1|{RECORD_PREFIX}early", f"0|1|{RECORD_PREFIX}late|1", "0")
    assert store.reporter_mixes([("img-1", 0)]) == [{"anonymous": 1, "accounts": 2, "poor_record": 0}]


def test_reports_racing_a_confirm_hide_once_and_only_reports_before_it_earn_agreed(
        live_server, services, redis_client, http):

    def report(n):
        return http.post(f"{live_server}/v1/reports", json={"image_id": "img-1", "reporter_id": f"r{n}"},
                         headers={"Authorization": f"Bearer {FRONTEND_KEY}"}, timeout=10).status_code

    def confirm():
        return http.post(f"{live_server}/v1/admin/images/img-1/confirm", json={},
                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10).status_code

    answers = race(*[partial(report, n) for n in range(8)], confirm)
    assert sorted(answers) == [200] + [202] * 8
    hides = [t for t in audit_types(redis_client, "img-1") if t in ("hidden", "confirmed", "manual_hide")]
    assert hides == ["confirmed"]
    secret = services.settings.secret_key
    fields = redis_client.hgetall("imgmod:img:img-1")
    for n in range(8):
        who = f"fe:site:r{n}"
        value = fields["@" + identity.reporter_hash(secret, who, "img-1")]
        before = not value.endswith("|1")  # counted before the confirm hid the image
        assert record_of(services, f"r{n}") == ((1, 0) if before else (0, 0)), (n, value)


def test_reports_racing_a_reset_of_a_hidden_photo_never_hide_it_again(
        live_server, services, reporter, queue, admin, redis_client, http):
    """Site accounts keep reporting while an editor restores the photo: whoever lands after the reset
    is a new reporter, and however many they are the photo goes to review, never hidden again."""
    hide_by_readers(reporter, services, queue, "img-1")

    def report(n):
        return http.post(f"{live_server}/v1/reports", json={"image_id": "img-1", "reporter_id": f"r{n}"},
                         headers={"Authorization": f"Bearer {FRONTEND_KEY}"}, timeout=10).status_code

    def reset():
        return http.post(f"{live_server}/v1/admin/images/img-1/reset", json={},
                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10).status_code

    answers = race(*[partial(report, n) for n in range(8)], reset)
    run_queued_jobs(services, queue)
    assert sorted(answers) == [200] + [202] * 8
    detail = admin.get("/images/img-1").json
    after_reset = detail["report_count"]  # the generation after the reset counts only them
    assert detail["state"] == ("review" if after_reset >= 3 else "visible"), detail
    assert audit_types(redis_client, "img-1") == ["hidden", "reset"] + (["review"] if after_reset >= 3 else [])
