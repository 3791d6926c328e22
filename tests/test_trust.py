"""Trust (contract v2): weighted reporters, editors' verdicts, review reasons and the brake."""
from __future__ import annotations

from functools import partial

import pytest

from service import create_app
from service.core import identity, moderation
from service.core.store import AUDIT, OUTBOX, RECORD_PREFIX
from tests.conftest import ADMIN_TOKEN, FRONTEND_KEY, Reporter, run_queued_jobs, with_settings
from tests.race import race
from tests.test_metrics import scrape


def services_with(settings, **changes):
    return create_app(with_settings(settings, **changes)).extensions["imgmod"]


def record_of(services, reporter_id: str) -> tuple[int, int]:
    return services.store.record(identity.record_key(services.settings.secret_key, f"fe:site:{reporter_id}"))


def site_reports(reporter: Reporter, image_id: str, readers, reason: str = "other") -> list[dict]:
    return [reporter.frontend(image_id, reader, reason=reason).json for reader in readers]


def audit_types(redis_client, image_id: str) -> list[str]:
    return [fields["type"] for _, fields in redis_client.xrange(AUDIT) if fields["image_id"] == image_id]


def test_default_weights_are_version_one(reporter, store):
    site_reports(reporter, "img-1", ["a", "b"])
    status = store.status("img-1")
    assert (status["state"], status["report_count"], status["score"]) == ("visible", 2, 2.0)
    site_reports(reporter, "img-1", ["c"])
    assert store.status("img-1")["state"] == "pending"


def test_anonymous_weight_scales_what_an_address_adds(settings):
    services = services_with(settings, anonymous_weight=0.5)
    client = create_app(services.settings).test_client()
    for n in range(5):
        client.post("/v1/reports", json={"image_id": "img-1"}, environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})
    status = services.store.status("img-1")
    assert (status["report_count"], status["score"], status["state"]) == (5, 2.5, "visible")
    client.post("/v1/reports", json={"image_id": "img-1"}, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert services.store.status("img-1")["state"] == "pending"


@pytest.mark.parametrize(("agreed", "disagreed", "weight"), [
    (0, 0, 1.0), (0, 3, 0.4), (10, 0, 22 / 12), (0, 30, 0.2), (1000, 0, 2 * 1001 / 1002)])
def test_a_site_accounts_weight_follows_its_verdicts(store, redis_client, agreed, disagreed, weight):
    redis_client.hset(RECORD_PREFIX + "acct", mapping={"a": agreed, "d": disagreed})
    store.report("img-1", "reader", "other", None, record="acct")
    assert store.status("img-1")["score"] == pytest.approx(min(2.0, weight), abs=1e-5)


def test_weights_that_sum_exactly_to_the_threshold_reach_it(store, redis_client):
    """Nine accounts overturned four times each weigh 1/3: together exactly 3, the threshold. The
    score must not inherit the six-digit rounding of each reporter's stored weight (9 x 0.333333)."""
    for n in range(9):
        redis_client.hset(RECORD_PREFIX + f"acct-{n}", mapping={"a": 0, "d": 4})
        outcome = store.report("img-1", f"reader-{n}", "other", None, record=f"acct-{n}")
        assert outcome.crossed == (n == 8)
    assert store.status("img-1")["state"] == "pending"


def test_verdicts_teach_whom_to_trust_once_per_generation(services, reporter, admin):
    readers = ["r0", "r1", "r2"]
    site_reports(reporter, "img-1", readers)
    assert admin.post("/images/img-1/confirm", json={"note": "clearly violent"}).json["hidden"] is True
    admin.post("/images/img-1/confirm", json={})  # twice: changes nothing
    assert [record_of(services, reader) for reader in readers] == [(1, 0)] * 3
    # Editors changed their minds within the generation: the last verdict is the one that teaches,
    # so the brigade keeps no 'agreed' from the confirm it overturned.
    admin.post("/images/img-1/reset", json={})
    assert [record_of(services, reader) for reader in readers] == [(0, 1)] * 3

    site_reports(reporter, "img-2", readers)
    admin.post("/images/img-2/reset", json={"verdict": "ignore"})
    assert record_of(services, "r0") == (0, 1)
    site_reports(reporter, "img-3", ["r0", "x"])
    admin.post("/images/img-3/reset", json={})  # disagree, the default
    assert record_of(services, "r0") == (0, 2) and record_of(services, "x") == (0, 1)
    # Dismissed reporters were judged for the generation they reported in, never again.
    admin.post("/images/img-3/reset", json={})
    assert record_of(services, "x") == (0, 1)


def test_a_confirm_undone_by_the_verdict_that_teaches_nothing_leaves_no_trace_on_the_records(services, reporter,
                                                                                              admin):
    """The console's undo of a confirm is an `ignore` reset: the last verdict of the generation, it teaches
    nothing, so the `agreed` the confirm gave is taken back (it used to stay)."""
    readers = ["r0", "r1"]
    site_reports(reporter, "img-1", readers)
    admin.post("/images/img-1/confirm", json={})
    assert [record_of(services, reader) for reader in readers] == [(1, 0)] * 2
    restored = admin.post("/images/img-1/reset", json={"verdict": "ignore"}).json
    assert restored["state"] == "visible" and restored["restored_until"] is None  # and no guard either
    assert [record_of(services, reader) for reader in readers] == [(0, 0)] * 2
    assert admin.get("/audit?image_id=img-1").json["events"][0]["detail"]["disagreed_reporters"] == 0
    # Without a confirm before it, the same reset still changes no record.
    site_reports(reporter, "img-2", readers)
    admin.post("/images/img-2/reset", json={"verdict": "ignore"})
    assert [record_of(services, reader) for reader in readers] == [(0, 0)] * 2


def test_overturned_accounts_need_more_company_to_hide(reporter, admin, store):
    brigade = [f"b{n}" for n in range(3)]
    for attempt in range(3):  # hidden each time, restored each time
        site_reports(reporter, f"fine-{attempt}", brigade)
        admin.post(f"/images/fine-{attempt}/reset", json={})
    site_reports(reporter, "fine-next", brigade)
    status = store.status("fine-next")
    # 0.4 each, and overturned together they count as one reporter (tests/test_overturned_together.py).
    assert status["state"] == "visible" and status["report_count"] == 3
    assert status["score"] == pytest.approx(0.4)


def test_no_address_is_kept_across_images(reporter, redis_client):
    for image_id in ("img-1", "img-2"):
        reporter.anonymous(image_id, ip="203.0.113.50")
    assert redis_client.keys(RECORD_PREFIX + "*") == []
    fields = [redis_client.hgetall(f"imgmod:img:{image_id}") for image_id in ("img-1", "img-2")]
    reporters = [{key: value for key, value in hashed.items() if key.startswith("@")} for hashed in fields]
    assert set(reporters[0]) != set(reporters[1])  # salted per image
    assert all(value == "0" for hashed in reporters for value in hashed.values())  # no record named, nor weight


def test_review_reasons_put_an_image_before_editors_and_never_hide_it(settings, redis_client, admin):
    services = services_with(settings, webhook_url="http://127.0.0.1:9/never-called", webhook_secret="w" * 32)
    reporter = Reporter(create_app(services.settings).test_client())
    answers = site_reports(reporter, "img-1", ["r0", "r1", "r2", "r3"], reason="copyright")
    assert all(answer["hidden"] is False for answer in answers)
    status = services.store.status("img-1")
    assert (status["state"], status["score"], status["review_score"]) == ("review", 0.0, 4.0)
    assert audit_types(redis_client, "img-1") == ["review"]  # once, at the threshold
    assert [entry.split("|")[0] for entry in redis_client.zrange(OUTBOX, 0, -1)] == []  # dispatched
    listed = admin.get("/images?state=review").json["images"]
    assert [image["image_id"] for image in listed] == ["img-1"]
    assert admin.post("/images/img-1/confirm", json={}).json["state"] == "hidden"
    assert admin.get("/images?state=review").json["images"] == []


def test_review_requested_webhook_is_queued(settings, redis_server):
    from rq import Queue
    from service.core.queue import FOLLOWUP_QUEUE_NAME

    services = services_with(settings, webhook_url="http://127.0.0.1:9/never-called", webhook_secret="w" * 32)
    for n in range(3):
        moderation.report(services, "img-1", f"h{n}", "misleading", None)
    jobs = Queue(FOLLOWUP_QUEUE_NAME, connection=redis_server.client(decode=False)).get_jobs()
    assert [job.args[0].split('"event":"')[1].split('"')[0] for job in jobs] == ["image.review_requested"]


def test_the_brake_sends_crossings_to_review_past_its_hourly_count(settings, queue, redis_client, client):
    services = services_with(settings, auto_hide_brake=1)
    for image_id in ("img-1", "img-2"):
        for n in range(3):
            moderation.report(services, image_id, f"h{n}", "violence", None)
    run_queued_jobs(services, queue)
    states = [services.store.status(image_id)["state"] for image_id in ("img-1", "img-2")]
    assert states == ["hidden", "review"]
    assert audit_types(redis_client, "img-2") == ["review"]
    assert services.store.brake_holds() is True
    app = create_app(services.settings)
    metrics = scrape(app.test_client())
    assert metrics[("imgmod_auto_hide_brake_holds",)] == 1
    assert metrics[("imgmod_braked_crossings_total",)] == 1


def test_while_the_brake_holds_further_readers_make_no_more_reviews_or_jobs(settings, queue, redis_client):
    """One review per generation: during exactly the brigade the brake exists for, each further reader
    of an image in review used to add a `review` event, a webhook and a hide job."""
    services = services_with(settings, auto_hide_brake=1, webhook_url="http://127.0.0.1:9/never-called",
                             webhook_secret="w" * 32)
    for image_id in ("img-0", "img-1"):
        for n in range(3):
            moderation.report(services, image_id, f"h{n}", "violence", None)
    run_queued_jobs(services, queue)
    assert services.store.status("img-1")["state"] == "review"
    for n in range(3, 10):
        outcome = moderation.report(services, "img-1", f"h{n}", "violence", None)
        assert (outcome.counted, outcome.state, outcome.crossed) == (True, "review", False)
    assert queue.count == 0
    run_queued_jobs(services, queue)
    assert audit_types(redis_client, "img-1") == ["review"]
    status = services.store.status("img-1")
    assert (status["state"], status["score"]) == ("review", 10.0)


def test_reasons_split_between_hiding_and_review_put_the_photo_before_editors(services, redis_client):
    """Four honest reports of a bad photo, two `copyright` and two `violence`, used to leave it neither
    hidden nor in review: neither score reaches 3 alone; their sum does, at the third report."""
    for n, reason in enumerate(["copyright", "violence", "copyright", "violence"]):
        outcome = moderation.report(services, "img-1", f"h{n}", reason, None)
        assert outcome.state == ("review" if n >= 2 else "visible")
    status = services.store.status("img-1")
    assert (status["state"], status["score"], status["review_score"]) == ("review", 2.0, 2.0)
    assert audit_types(redis_client, "img-1") == ["review"]


def test_a_protected_image_goes_before_editors_whichever_reasons_came_first(services, redis_client):
    """Protection stops automatic hiding, not review: a protected photo whose review score reaches the
    threshold is put before editors, also when readers of reasons that hide reached it first (it used
    to stay visible, unseen, while the same reports in the other order put it in review)."""
    for image_id, reasons in (("review-first", ["copyright"] * 3 + ["violence"] * 3),
                              ("hide-first", ["violence"] * 3 + ["copyright"] * 3)):
        moderation.set_protection(services, image_id, True, "cli:test")
        for n, reason in enumerate(reasons):
            moderation.report(services, image_id, f"h{n}", reason, None)
        status = services.store.status(image_id)
        assert (status["state"], status["score"], status["review_score"]) == ("review", 3.0, 3.0), image_id
        assert audit_types(redis_client, image_id) == ["protected", "review"], image_id
    # Reasons that hide alone leave a protected photo as its editors left it.
    moderation.set_protection(services, "hides-only", True, "cli:test")
    for n in range(4):
        moderation.report(services, "hides-only", f"h{n}", "violence", None)
    assert services.store.status("hides-only")["state"] == "visible"


def test_the_hidden_by_field_says_why(services, reporter, admin, queue):
    for n in range(3):
        reporter.anonymous("by-reports", ip=f"198.51.100.{n}")
    run_queued_jobs(services, queue)
    admin.post("/images/by-hand/hide")
    reporter.anonymous("confirmed", ip="198.51.100.1")
    admin.post("/images/confirmed/confirm", json={})
    assert [admin.get(f"/images/{image_id}").json["hidden_by"] for image_id in
            ("by-reports", "by-hand", "confirmed", "never-reported")] == ["reports", "editor", "editor", None]
    admin.post("/images/by-reports/confirm", json={})  # the editor's word now: hidden by the editor
    assert admin.get("/images/by-reports").json["hidden_by"] == "editor"
    admin.post("/images/by-reports/reset", json={})
    assert admin.get("/images/by-reports").json["hidden_by"] is None


def test_no_brake_by_default(services, queue):
    for image_id in ("img-1", "img-2"):
        for n in range(3):
            moderation.report(services, image_id, f"h{n}", "violence", None)
    run_queued_jobs(services, queue)
    assert [services.store.status(i)["state"] for i in ("img-1", "img-2")] == ["hidden", "hidden"]
    assert services.store.brake_holds() is False


def test_reports_racing_a_confirm_hide_once(live_server, store, redis_client, http):
    """Readers keep reporting while an editor confirms: one hide, whoever comes first."""

    def report(n):
        return http.post(f"{live_server}/v1/reports", json={"image_id": "img-1", "reporter_id": f"r{n}"},
                         headers={"Authorization": f"Bearer {FRONTEND_KEY}"}, timeout=10).status_code

    def confirm():
        return http.post(f"{live_server}/v1/admin/images/img-1/confirm", json={},
                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10).status_code

    answers = race(*[partial(report, n) for n in range(8)], confirm)
    assert sorted(answers) == [200] + [202] * 8
    assert store.status("img-1")["state"] == "hidden"
    hides = [t for t in audit_types(redis_client, "img-1") if t in ("hidden", "confirmed", "manual_hide")]
    assert hides == ["confirmed"]  # the crossing's job, if queued, finds the image no longer pending


def test_a_reporter_field_costs_one_byte_unless_it_carries_a_weight_or_a_record(store, redis_client):
    """Most reporters are anonymous readers of weight 1: their field holds only the generation they
    were counted in, as version 1's held '1' (Redis bytes per image, BENCHMARKS.md)."""
    store.report("img-1", "plain", "other", None)
    store.report("img-1", "light", "other", None, weight=0.5)
    store.report("img-1", "account", "other", None, record="acct")
    fields = redis_client.hgetall("imgmod:img:img-1")
    assert (fields["@plain"], fields["@light"], fields["@account"]) == ("0", "0|0.5", f"0|1|{RECORD_PREFIX}acct")


def test_verdicts_reach_site_accounts_whatever_the_form_of_the_other_fields(services, redis_client, admin):
    """An image reported before the compact form ('0|1|' for a reader) and after it: the confirm
    judges exactly the site accounts counted in this generation."""
    store = services.store
    store.report("img-1", "account", "other", None, record="acct")
    store.report("img-1", "reader", "other", None)
    redis_client.hset("imgmod:img:img-1", "@older-reader", "0|1|")  # written by the previous form
    redis_client.hincrby("imgmod:img:img-1", "n", 1)
    assert admin.post("/images/img-1/confirm", json={}).json["hidden"] is True
    assert store.record("acct") == (1, 0)
    assert redis_client.keys(RECORD_PREFIX + "*") == [RECORD_PREFIX + "acct"]
    assert store.reporter_mixes([("img-1", 0)]) == [{"anonymous": 2, "accounts": 1, "poor_record": 0}]
