"""Notices (DSA Art 16): intake, status by token, editors' decisions, the notice.decided webhook, and
the notifier's personal data erased on schedule."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from rq import Queue

from service.core import moderation, notices
from service.core.notice_store import DAY_MS, PERSONAL_DEADLINES, PERSONAL_PREFIX, notices_of
from service.core.queue import FOLLOWUP_QUEUE_NAME
from service.core.store import RECONCILE_LOCK
from service.core.statements import CATEGORIES, CSAM_CATEGORY
from tests.conftest import run_queued_jobs, with_settings
from tests.http_fixtures import LocalServer
from tests.test_privacy import every_string_in_redis
from workers.reconcile import reconcile

NAME, EMAIL = "Amina Notifier-Kettani", "amina.notifier@example.org"


def notice(**changes) -> dict:
    body = {"image_ids": ["img-1", "img-2"], "category": "illegal_or_harmful_speech",
            "explanation": "The photo incites hatred against a group.", "location": "https://news.example.ma/a/1842",
            "name": NAME, "email": EMAIL, "bona_fide": True, "law": "Penal Code art. 431-1"}
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def send(client, body, ip="198.51.100.9", **kwargs):
    return client.post("/v1/notices", json=body, environ_base={"REMOTE_ADDR": ip}, **kwargs)


class Receiver(LocalServer):
    def __init__(self):
        super().__init__(lambda request: (204, {}, b""))


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def settings(settings, receiver):
    return with_settings(settings, webhook_url=f"http://127.0.0.1:{receiver.port}/hooks",
                         webhook_secret="webhook-secret-of-the-test-site-0123456789")


def test_a_notice_is_received_and_its_status_read_by_token_only(client, admin):
    answer = send(client, notice(), query_string={"lang": "fr"})
    assert answer.status_code == 202
    receipt = answer.json
    assert set(receipt) == {"reference", "token", "status_url", "complete", "missing", "message"}
    assert receipt["complete"] and receipt["missing"] == []
    assert receipt["message"].startswith("Votre notification")
    assert receipt["status_url"] == f"/v1/notices/{receipt['token']}" and len(receipt["token"]) == 32
    status = client.get(receipt["status_url"])
    assert status.status_code == 200
    assert status.json["status"] == "received" and "decision" not in status.json
    assert status.json["reference"] == receipt["reference"]
    # The short reference opens nothing; a token of the right form that was never given is a 404.
    assert client.get(f"/v1/notices/{receipt['reference']}").status_code == 422
    assert client.get("/v1/notices/" + "A" * 32).status_code == 404
    # Never a hide by itself: the images are untouched, the notice waits in the editors' queue.
    assert not admin.get("/v1/admin/images/img-1".removeprefix("/v1/admin")).json["hidden"]
    queue = admin.get("/notices").json["notices"]
    assert [n["reference"] for n in queue] == [receipt["reference"]]
    assert queue[0]["notifier"] == {"name": NAME, "email": EMAIL}


@pytest.mark.parametrize("field", ["image_ids", "category", "explanation", "location"])
def test_a_notice_without_a_required_field_is_a_422_naming_it(client, field):
    answer = send(client, notice(**{field: None}))
    assert answer.status_code == 422 and field in answer.json["message"]


@pytest.mark.parametrize("changes, field", [
    ({"image_ids": [f"i{n}" for n in range(21)]}, "image_ids"), ({"category": "nudity"}, "category"),
    ({"location": "javascript:alert(1)"}, "location"), ({"email": "not an address"}, "email"),
    ({"bona_fide": "yes"}, "bona_fide"), ({"image_ids": []}, "image_ids"), ({"surprise": 1}, "surprise")])
def test_malformed_notices_are_refused_naming_the_field(client, changes, field):
    answer = send(client, notice(**changes))
    assert answer.status_code == 422 and field in answer.json["message"]


def test_name_and_email_are_not_asked_for_child_sexual_abuse_material(client):
    receipt = send(client, notice(category=CSAM_CATEGORY, name=None, email=None)).json
    assert receipt["complete"] and receipt["missing"] == []
    receipt = send(client, notice(category="violence", name=None, email=None, bona_fide=False),
                   query_string={"lang": "en"}).json
    assert not receipt["complete"] and receipt["missing"] == ["name", "email", "bona_fide"]
    assert "name, email, bona_fide" in receipt["message"]


def test_notices_are_rate_limited_per_network(settings):
    from service import create_app

    client = create_app(with_settings(settings, report_rate_limit="2/minute")).test_client()
    assert [send(client, notice()).status_code for _ in range(3)] == [202, 202, 429]
    assert send(client, notice(), ip="203.0.113.50").status_code == 202


def oracle(body: dict) -> list[str]:
    """Art 16(2) read independently of service.core.notices: what an accepted notice lacks."""
    lacks = []
    if body["category"] != "protection_of_minors":
        lacks += [field for field in ("name", "email") if not str(body.get(field) or "").strip()]
    if body.get("bona_fide") is not True:
        lacks.append("bona_fide")
    return lacks


NOTICES = st.fixed_dictionaries(
    {"image_ids": st.lists(st.from_regex(r"[a-z0-9][a-z0-9/._-]{0,20}", fullmatch=True), min_size=1, max_size=20),
     "category": st.sampled_from(CATEGORIES),
     "explanation": st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=60)
                      .filter(str.strip),
     "location": st.sampled_from(["https://news.example.ma/a/1", "http://fr.example.ma/x?y=1#z"])},
    optional={"name": st.sampled_from(["", " ", "Yasmine", "Jean Dupont"]),
              "email": st.sampled_from(["a@example.org", "x.y@news.example.ma"]),
              "bona_fide": st.booleans(),
              "law": st.sampled_from(["", "Loi 88-13", "Art. 447-1"])})


def test_a_thousand_notices_are_each_classified_at_intake(client, admin):
    seen = []

    @hypothesis_settings(max_examples=1000, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(NOTICES)
    def check(body):
        answer = send(client, body, query_string={"lang": "en"})
        assert answer.status_code == 202, answer.json
        expected = oracle(body)
        assert answer.json["missing"] == expected
        assert answer.json["complete"] is (not expected)
        seen.append((answer.json["reference"], expected))

    check()
    assert len(seen) >= 1000
    kept = {n["reference"]: n["missing"] for n in notices_of_client(admin)}
    assert all(kept[reference] == expected for reference, expected in seen[:200])  # the queue: oldest first


def notices_of_client(admin) -> list[dict]:
    return admin.get("/notices", query_string={"limit": 200}).json["notices"]


def test_a_decision_to_hide_hides_by_the_editor_with_a_statement_and_is_told_at_once(
        client, admin, services, receiver, redis_server):
    receipt = send(client, notice()).json
    decision = {"action": "hide", "ground": "illegal", "explanation": "Incitement to hatred (Penal Code 431-1)."}
    answer = admin.post(f"/notices/{receipt['reference']}/decision", json=decision)
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "decided" and answer.json["decision"]["by"] == "editor"
    assert {image["image_id"]: image["hidden_by"] for image in answer.json["images"]} == {
        "img-1": "editor", "img-2": "editor"}
    assert len(answer.json["statements"]) == 2
    # The notifier's status answers at once, with the redress.
    status = client.get(receipt["status_url"]).json
    assert status["status"] == "decided"
    assert status["decision"]["action"] == "hidden" and status["decision"]["ground"] == "illegal"
    assert status["decision"]["redress"] == services.settings.dsa_redress
    # Each hide has its statement: the notice's, never a second one from the hide's own dispatch.
    detail = admin.get("/images/img-1").json
    assert detail["statement"]["notice"] == receipt["reference"]
    assert detail["statement"]["source"] == "article_16" and detail["statement"]["automated_decision"] == "not_automated"
    statement_page = client.get(answer.json["statements"][0]["status_url"])
    assert statement_page.status_code == 200 and statement_page.json["ground"] == "illegal"
    # The first decision wins.
    assert admin.post(f"/notices/{receipt['reference']}/decision", json=decision).status_code == 409
    assert admin.post("/notices/N-AAAAAAAAAA/decision", json=decision).status_code == 404
    # The webhook carries the decision and the notifier's contact, then their data is gone.
    run_queued_jobs(services, Queue(FOLLOWUP_QUEUE_NAME, connection=services.hides.connection))
    events = [json.loads(request.body) for request in receiver.requests]
    [decided] = [event for event in events if event["event"] == "notice.decided"]
    assert decided["event_id"] == notices.event_id(receipt["reference"])
    assert decided["notifier"] == {"name": NAME, "email": EMAIL}
    assert decided["decision"]["action"] == "hidden" and decided["image_ids"] == ["img-1", "img-2"]
    assert notices_of(services).notifier(receipt["reference"]) is None
    assert admin.get("/notices", query_string={"status": "decided"}).json["notices"][0]["notifier"] is None


def test_a_keep_decision_hides_nothing_and_records_no_statement(client, admin):
    receipt = send(client, notice()).json
    answer = admin.post(f"/notices/{receipt['reference']}/decision",
                        json={"action": "keep", "ground": "terms", "explanation": "Newsworthy and lawful."})
    assert answer.status_code == 200 and answer.json["statements"] == []
    assert not admin.get("/images/img-1").json["hidden"]
    assert client.get(receipt["status_url"]).json["decision"]["action"] == "kept"


def test_a_notice_puts_each_image_it_names_before_editors_and_hides_none(client, admin):
    admin.post("/images/img-2/hide")
    receipt = send(client, notice(image_ids=["img-1", "img-2", "img-1"])).json
    first = admin.get("/images/img-1").json
    assert (first["state"], first["hidden"]) == ("review", False)
    [review] = [event for event in admin.get("/audit?image_id=img-1").json["events"] if event["type"] == "review"]
    assert review["detail"]["notice"] == receipt["reference"]
    assert admin.get("/images/img-2").json["hidden_by"] == "editor"  # hidden already: left as it is
    assert [image["image_id"] for image in admin.get("/images?state=review").json["images"]] == ["img-1"]


def test_the_threshold_may_hide_a_noticed_image_but_never_decides_the_notice(client, admin, services, queue):
    receipt = send(client, notice(image_ids=["img-9"])).json
    assert admin.get("/images/img-9").json["state"] == "review"  # before editors, and still...
    for n in range(3):
        moderation.report(services, "img-9", f"r{n}", "hate", None)
    run_queued_jobs(services, queue)
    detail = admin.get("/images/img-9").json
    assert detail["hidden_by"] == "reports"
    assert detail["statement"]["source"] == "other_notification" and detail["statement"]["notice"] is None
    assert client.get(receipt["status_url"]).json["status"] == "received"


def test_personal_data_is_erased_after_delivery_and_after_183_days(client, admin, services, redis_server,
                                                                   redis_client):
    decided = send(client, notice()).json
    forgotten = send(client, notice(name="Idriss Forgotten-Bennani", email="idriss.forgotten@example.org")).json
    admin.post(f"/notices/{decided['reference']}/decision",
               json={"action": "hide", "ground": "terms", "explanation": "Against the site's rules."})
    run_queued_jobs(services, Queue(FOLLOWUP_QUEUE_NAME, connection=services.hides.connection))
    # The undecided notice's deadline passes: the worker's reconcile pass erases its notifier.
    assert redis_client.exists(PERSONAL_PREFIX + forgotten["reference"])
    redis_client.zadd(PERSONAL_DEADLINES, {forgotten["reference"]: 1})
    redis_client.delete(RECONCILE_LOCK)  # the burst worker's own pass took the turn
    assert reconcile(services) is not None
    raw = redis_server.client(decode=False)
    blob = b"\n".join(every_string_in_redis(raw))
    assert forgotten["reference"].encode() in blob  # the notice itself stays
    for secret in (NAME, EMAIL, "Idriss Forgotten-Bennani", "idriss.forgotten@example.org"):
        assert secret.encode() not in blob, secret
    # ...and the status still answers (for at least 183 days: the notice is kept for longer).
    assert client.get(forgotten["status_url"]).json["status"] == "received"
    assert redis_client.pttl(f"imgmod:ntc:{forgotten['reference']}") > 183 * DAY_MS


def test_the_notice_lists_page_with_a_cursor_and_lose_or_repeat_none(client, admin, redis_client):
    sent = [send(client, notice(image_ids=[f"paged-{n}"])).json["reference"] for n in range(7)]
    # Two notices of the same millisecond: the cursor still tells them apart.
    from service.core.notice_store import NOTICES_RECEIVED
    at = int(redis_client.zscore(NOTICES_RECEIVED, sent[2]))
    redis_client.zadd(NOTICES_RECEIVED, {sent[3]: at})

    def walk(status, limit):
        seen, cursor = [], None
        while True:
            query = {"status": status, "limit": limit, **({"cursor": cursor} if cursor else {})}
            page = admin.get("/notices", query_string=query).json
            assert len(page["notices"]) <= limit
            seen += [n["reference"] for n in page["notices"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return seen

    first_page = admin.get("/notices", query_string={"limit": 3}).json
    assert len(first_page["notices"]) == 3 and first_page["next_cursor"]
    queue = walk("received", 3)
    assert sorted(queue) == sorted(sent) and len(queue) == 7
    assert queue[:2] == sent[:2] and queue[-3:] == sent[-3:]  # oldest first
    assert admin.get("/notices", query_string={"limit": 7}).json["next_cursor"] is None
    # A decision takes a notice off the queue: the cursor that named it still pages on after it.
    cursor = admin.get("/notices", query_string={"limit": 2}).json["next_cursor"]
    admin.post(f"/notices/{queue[1]}/decision", json={"action": "keep", "ground": "terms", "explanation": "Fine."})
    rest = admin.get("/notices", query_string={"limit": 50, "cursor": cursor}).json["notices"]
    assert [n["reference"] for n in rest] == queue[2:]
    for reference in queue[2:5]:
        admin.post(f"/notices/{reference}/decision", json={"action": "keep", "ground": "terms", "explanation": "Ok."})
    decided = walk("decided", 2)
    assert decided == list(reversed(queue[1:5]))  # newest decision first
    for bad in ("1", "x_N-ABCDEFGH23", "12_img-1", "12_N-ABCDEFGHIO"):
        answer = admin.get("/notices", query_string={"cursor": bad})
        assert answer.status_code == 422 and "cursor" in answer.json["message"], bad


def test_an_images_detail_lists_the_notices_naming_it_without_who_sent_them(client, admin):
    first = send(client, notice(image_ids=["named", "other"], category="violence")).json
    second = send(client, notice(image_ids=["named"], name=None, email=None)).json
    admin.post(f"/notices/{first['reference']}/decision",
               json={"action": "hide", "ground": "illegal", "explanation": "A real threat of violence."})
    detail = admin.get("/images/named").json
    assert [(n["reference"], n["category"], n["status"], n["action"], n["complete"]) for n in detail["notices"]] == [
        (second["reference"], "illegal_or_harmful_speech", "received", None, False),  # newest first
        (first["reference"], "violence", "decided", "hide", True)]
    assert all(n["received_at"].endswith("Z") or "+00:00" in n["received_at"] for n in detail["notices"])
    text = json.dumps(detail)
    assert NAME not in text and EMAIL not in text
    assert [n["reference"] for n in admin.get("/images/other").json["notices"]] == [first["reference"]]
    assert admin.get("/images/never-named").json["notices"] == []
    # The listings carry them too.
    [listed] = [image for image in admin.get("/images?state=hidden").json["images"] if image["image_id"] == "named"]
    assert [n["reference"] for n in listed["notices"]] == [second["reference"], first["reference"]]


def test_a_hide_decision_whose_process_died_before_the_hides_is_repaired_by_the_reconciler(
        client, admin, services, redis_client, receiver):
    from service.core.notice_store import DECISIONS_OWED

    receipt = send(client, notice(image_ids=["half-1", "half-2"])).json
    reference = receipt["reference"]
    store = notices_of(services)
    # The half-done state: the decision is recorded (its own atomic step), then the process dies
    # before it hides anything or queues the webhook.
    assert store.decide(reference, "hide", "illegal", "Incitement to hatred.", "editor")[0] == "ok"
    assert client.get(receipt["status_url"]).json["decision"]["action"] == "hidden"
    assert not admin.get("/images/half-1").json["hidden"]
    # Within the grace the deciding process may still be at work: the reconciler leaves it.
    redis_client.delete(RECONCILE_LOCK)
    reconcile(services)
    assert not admin.get("/images/half-1").json["hidden"]
    redis_client.zadd(DECISIONS_OWED, {reference: 1})  # long ago
    redis_client.delete(RECONCILE_LOCK)
    assert reconcile(services) is not None
    for image_id in ("half-1", "half-2"):
        detail = admin.get(f"/images/{image_id}").json
        assert (detail["hidden"], detail["hidden_by"]) == (True, "editor"), image_id
        assert detail["statement"]["notice"] == reference and detail["statement"]["source"] == "article_16"
    assert redis_client.zcard(DECISIONS_OWED) == 0
    run_queued_jobs(services, Queue(FOLLOWUP_QUEUE_NAME, connection=services.hides.connection))
    events = [json.loads(request.body) for request in receiver.requests]
    assert [event["reference"] for event in events if event["event"] == "notice.decided"] == [reference]
    assert store.notifier(reference) is None
    # Done once: a later pass finds nothing owed and changes nothing.
    audit = admin.get("/audit?image_id=half-1").json["events"]
    redis_client.delete(RECONCILE_LOCK)
    reconcile(services)
    assert admin.get("/audit?image_id=half-1").json["events"] == audit


def test_a_repair_leaves_an_image_an_editor_restored_after_the_decision(client, admin, services, redis_client):
    """The deciding process hid one image and died; within the grace an editor restored it. The
    repair done later hides the other image, and leaves the restored one as the editor left it."""
    from service.core.notice_store import DECISIONS_OWED

    reference = send(client, notice(image_ids=["kept-1", "kept-2"])).json["reference"]
    store = notices_of(services)
    store.decide(reference, "hide", "terms", "Against the site's rules on images.", "editor",
                 ["kept-1", "kept-2"])
    services.store.hide_now("kept-1", "editor")  # the first try's one hide, then the process died
    assert admin.post("/images/kept-1/reset", json={}).status_code == 200
    redis_client.zadd(DECISIONS_OWED, {reference: 1})
    redis_client.delete(RECONCILE_LOCK)
    reconcile(services)
    assert admin.get("/images/kept-1").json["hidden"] is False
    assert admin.get("/images/kept-2").json["hidden"] is True
    assert redis_client.zcard(DECISIONS_OWED) == 0


def test_a_hide_decision_that_died_between_its_hide_and_its_statement_gets_the_notices_statement(
        client, admin, services, redis_client):
    from service.core.notice_store import DECISIONS_OWED

    reference = send(client, notice(image_ids=["mid-1"])).json["reference"]
    store = notices_of(services)
    store.decide(reference, "hide", "terms", "Against the site's rules on images.", "editor")
    entry = services.store.hide_now("mid-1", "editor")  # hidden, then the process died: no statement, entry owed
    assert entry and store.statement("mid-1", services.store.status("mid-1")["generation"]) is None
    redis_client.zadd(DECISIONS_OWED, {reference: 1})
    redis_client.zadd("imgmod:outbox", {entry: 1})  # the outbox entry is overdue too
    redis_client.delete(RECONCILE_LOCK)
    reconcile(services)
    statement = admin.get("/images/mid-1").json["statement"]
    assert statement["notice"] == reference and statement["ground"] == "terms"
    assert statement["source"] == "article_16"


def test_a_notices_review_request_is_announced_by_webhook_and_owes_nothing_without_one(
        client, admin, services, receiver, settings, redis_client):
    from service import create_app
    from service.core.store import OUTBOX

    send(client, notice(image_ids=["hooked"]))
    assert redis_client.zcard(OUTBOX) == 0  # dispatched at once
    run_queued_jobs(services, Queue(FOLLOWUP_QUEUE_NAME, connection=services.hides.connection))
    events = [json.loads(request.body) for request in receiver.requests]
    assert [(e["event"], e["image_id"]) for e in events] == [("image.review_requested", "hooked")]

    quiet = create_app(with_settings(settings, webhook_url=None)).test_client()
    send(quiet, notice(image_ids=["unhooked"]))
    assert admin.get("/images/unhooked").json["state"] == "review"
    assert [e["type"] for e in admin.get("/audit?image_id=unhooked").json["events"]] == ["review"]
    assert redis_client.zcard(OUTBOX) == 0  # no entry written that only a webhook would clear
    assert Queue(FOLLOWUP_QUEUE_NAME, connection=services.hides.connection).count == 0
