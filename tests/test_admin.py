"""The admin API: auth, every endpoint's fields, paging, reset semantics, protection, audit."""
from __future__ import annotations

import json
import time
from datetime import datetime
from functools import partial

import marshmallow as ma
import pytest
import requests

from service import create_app
from service.web.schemas import CURSOR_MAX_LENGTH, CursorForm
from tests.conftest import ADMIN_TOKEN, FRONTEND_KEY, Admin, with_settings
from tests.race import race

# The Lua scripts these tests drive run on every server binary present (tests/conftest.py).
pytestmark = pytest.mark.every_server

DETAIL_FIELDS = {"image_id", "state", "hidden", "protected", "report_count", "threshold", "reasons",
                 "first_reported_at", "last_reported_at", "hidden_at", "restored_until", "image_url", "registered_url",
                 "reported_url", "hidden_by", "comments", "score", "review_score", "matched_from", "reporters",
                 "statement", "notices", "etag", "article_url", "article_by",
                 "being_judged_by"}


ENDPOINTS = [
    ("get", "/v1/admin/images/img-1", None),
    ("get", "/v1/admin/images?state=hidden", None),
    ("post", "/v1/admin/images/img-1/reset", {}),
    ("post", "/v1/admin/images/img-1/hide", None),
    ("put", "/v1/admin/images/img-1/protection", {"protected": True}),
    ("get", "/v1/admin/audit", None),
    ("get", "/v1/admin/totals", None),
    ("get", "/v1/admin/matches?image_id=img-1", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
@pytest.mark.parametrize(("authorization", "status"), [
    (None, 401),
    ("Bearer wrong-token", 401),
    ("Basic " + ADMIN_TOKEN, 401),
    (f"Bearer {FRONTEND_KEY}", 403),
    (f"Bearer {ADMIN_TOKEN}", 200),
])
def test_auth_matrix(client, store, method, path, body, authorization, status):
    headers = {"Authorization": authorization} if authorization else {}
    answer = getattr(client, method)(path, json=body, headers=headers)
    assert answer.status_code == status, answer.json
    assert answer.is_json
    if status != 200:
        assert store.counts()["audit_events"] == 0  # refused calls change nothing


def test_an_action_repeated_with_its_idempotency_key_answers_the_first_answer_and_changes_nothing(
        client, reporter, redis_client):
    for n in range(3):
        reporter.anonymous("img-1", ip=f"198.51.100.{n}")
    keyed = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Idempotency-Key": "click-7f3a"}
    first = client.post("/v1/admin/images/img-1/confirm", json={"note": "violent"}, headers=keyed)
    reporter.anonymous("img-1", ip="198.51.100.9")  # the image changes meanwhile
    again = client.post("/v1/admin/images/img-1/confirm", json={"note": "violent"}, headers=keyed)
    assert first.status_code == again.status_code == 200
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert [fields["type"] for _, fields in redis_client.xrange("imgmod:audit")] == ["confirmed"]
    # The same key for another request is refused, naming the header; a fresh key acts.
    other = client.post("/v1/admin/images/img-1/reset", json={}, headers=keyed)
    assert other.status_code == 409 and "Idempotency-Key" in other.json["message"]
    assert client.get("/v1/images/img-1").json["hidden"] is True
    fresh = client.post("/v1/admin/images/img-1/reset", json={}, headers={**keyed, "Idempotency-Key": "click-8"})
    assert fresh.status_code == 200 and fresh.json["hidden"] is False


@pytest.mark.parametrize("path, method, body", [
    ("/v1/admin/images/img-1/hide", "post", None), ("/v1/admin/images/img-1/protection", "put", {"protected": True}),
    ("/v1/admin/images/img-1/reset", "post", {}), ("/v1/admin/images/img-1/confirm", "post", {})])
def test_every_action_takes_an_idempotency_key_per_admin(settings, path, method, body, redis_client):
    client = create_app(with_settings(settings, admin_tokens={"editor": ADMIN_TOKEN,
                                                               "other": "admin-token-of-another-editor"})).test_client()
    for token in (ADMIN_TOKEN, ADMIN_TOKEN, "admin-token-of-another-editor"):
        answer = getattr(client, method)(path, json=body, headers={"Authorization": f"Bearer {token}",
                                                                   "Idempotency-Key": "same-key"})
        assert answer.status_code == 200
    # Two admins, one key each: two actions, each audited once.
    assert len(redis_client.xrange("imgmod:audit")) == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "tab\t", "é"])
def test_a_malformed_idempotency_key_is_refused_naming_it(client, key):
    answer = client.post("/v1/admin/images/img-1/hide", headers={"Authorization": f"Bearer {ADMIN_TOKEN}",
                                                                 "Idempotency-Key": key})
    assert answer.status_code == 422 and "Idempotency-Key" in json.dumps(answer.json)
    assert client.get("/v1/images/img-1").json["hidden"] is False


def test_admin_api_is_closed_without_tokens(settings):
    client = create_app(with_settings(settings, admin_tokens={})).test_client()
    for token in ("", ADMIN_TOKEN, FRONTEND_KEY):
        answer = client.get("/v1/admin/audit", headers={"Authorization": f"Bearer {token}"} if token else {})
        assert answer.status_code in (401, 403)


def test_refused_admin_tokens_are_limited_per_client_without_storing_its_address(client, redis_client):
    def call(token: str, ip: str = "198.51.100.9"):
        return client.get("/v1/admin/audit", headers={"Authorization": f"Bearer {token}"},
                          environ_base={"REMOTE_ADDR": ip})

    for n in range(10):
        assert call(f"guess-{n}").status_code == 401
    limited = call(ADMIN_TOKEN)  # even the right token: a guesser cannot tell it was right
    assert limited.status_code == 429 and limited.is_json and limited.headers["Retry-After"] == "60"
    assert call(ADMIN_TOKEN, ip="198.51.100.10").status_code == 200  # another client is not held back
    assert not any("198.51.100" in key for key in redis_client.keys("*"))


def test_refused_frontend_keys_are_limited_like_admin_tokens(client):
    def report(key: str, ip: str = "198.51.100.9"):
        return client.post("/v1/reports", json={"image_id": "img-1", "reporter_id": "reader-1"},
                           headers={"Authorization": f"Bearer {key}"}, environ_base={"REMOTE_ADDR": ip})

    for n in range(10):
        assert report(f"guess-{n}").status_code == 401
    limited = report(FRONTEND_KEY)  # the right key no longer answers differently from a wrong one
    assert limited.status_code == 429 and limited.is_json and limited.headers["Retry-After"] == "60"
    registered = client.post("/v1/images", json={"images": [{"image_id": "a", "image_url": "http://a/x.jpg"}]},
                             headers={"Authorization": f"Bearer {FRONTEND_KEY}"},
                             environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert registered.status_code == 429
    assert report(FRONTEND_KEY, ip="198.51.100.10").status_code == 202  # another client is not held back


def test_one_count_of_refusals_for_admin_tokens_and_frontend_keys(client):
    """A guesser gains nothing by switching kinds halfway through its window."""
    for n in range(5):
        assert client.get("/v1/admin/audit", headers={"Authorization": f"Bearer guess-{n}"}).status_code == 401
        assert client.post("/v1/reports", json={"image_id": "img-1", "reporter_id": "r"},
                           headers={"Authorization": f"Bearer guess-{n}"}).status_code == 401
    assert client.get("/v1/admin/audit", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 429


def test_a_closed_admin_api_says_how_to_open_it(settings):
    client = create_app(with_settings(settings, admin_tokens={})).test_client()
    answer = client.get("/v1/admin/audit", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert answer.status_code == 401 and "IMGMOD_ADMIN_TOKENS" in answer.json["message"]


def test_no_admin_token_is_said_once_at_start(settings, caplog):
    create_app(with_settings(settings, admin_tokens={}))
    said = [record for record in caplog.records if "IMGMOD_ADMIN_TOKENS" in record.getMessage()]
    assert len(said) == 1 and said[0].levelname == "WARNING"


def test_detail_fields(admin, reporter, cross):
    cross("img-1", readers=2, reason="hate")
    answer = admin.get("/images/img-1")
    assert answer.status_code == 200
    detail = answer.json
    assert set(detail) == DETAIL_FIELDS
    assert (detail["state"], detail["hidden"], detail["protected"]) == ("visible", False, False)
    assert (detail["report_count"], detail["threshold"], detail["reasons"]) == (2, 3, {"hate": 2})
    first, last = (datetime.fromisoformat(detail[key]) for key in ("first_reported_at", "last_reported_at"))
    assert first.utcoffset().total_seconds() == 0 and first <= last
    assert detail["hidden_at"] is None


def test_readers_comments_are_kept_bounded_and_shown_to_editors(admin, reporter):
    """A comment was validated and then dropped."""
    for n in range(23):
        reporter.frontend("img-1", f"reader-{n}", reason="misleading", comment=f"comment {n}")
    reporter.frontend("img-1", "reader-0", comment="a repeat adds nothing")
    detail = admin.get("/images/img-1").json
    assert [comment["text"] for comment in detail["comments"]] == [f"comment {n}" for n in range(22, 2, -1)]
    assert {comment["reason"] for comment in detail["comments"]} == {"misleading"}
    assert datetime.fromisoformat(detail["comments"][0]["at"]).utcoffset().total_seconds() == 0
    admin.post("/images/img-1/reset", json={})
    assert admin.get("/images/img-1").json["comments"] == []  # they went with the dismissed reports


def test_reporters_are_counted_by_kind_never_named(admin, reporter, redis_client):
    # "poor" was overturned once (disagreed 1, agreed 0); "good" was confirmed once.
    reporter.frontend("img-0", "poor")
    assert admin.post("/images/img-0/reset", json={}).status_code == 200
    reporter.frontend("img-9", "good")
    assert admin.post("/images/img-9/confirm", json={}).status_code == 200
    for reader in ("poor", "good", "new"):
        assert reporter.frontend("img-1", reader, reason="copyright").json["counted"] is True
    for n in range(2):
        assert reporter.anonymous("img-1", ip=f"203.0.113.{n}", reason="copyright").json["counted"] is True
    detail = admin.get("/images/img-1").json
    assert detail["reporters"] == {"anonymous": 2, "accounts": 3, "poor_record": 1}
    listed = {image["image_id"]: image for image in admin.get("/images?state=reported").json["images"]}
    assert listed["img-1"]["reporters"] == detail["reporters"]
    text = json.dumps(detail)
    assert "poor" not in text.replace("poor_record", "") and "203.0.113" not in text
    # A reset starts a new generation: the dismissed reporters are no longer part of the mix.
    after = admin.post("/images/img-1/reset", json={"verdict": "ignore"}).json
    assert after["reporters"] == {"anonymous": 0, "accounts": 0, "poor_record": 0}
    assert reporter.anonymous("img-1", ip="198.51.100.9").json["counted"] is True
    assert admin.get("/images/img-1").json["reporters"] == {"anonymous": 1, "accounts": 0, "poor_record": 0}


def test_totals_count_every_listing(admin, reporter, store, cross):
    assert admin.get("/totals").json == {"reported": 0, "review": 0, "pending": 0, "hidden": 0, "protected": 0, "notices": 0}
    cross("img-1")  # pending: no worker runs here
    cross("img-2", readers=1)
    cross("img-3", reason="copyright")  # review
    assert admin.post("/images/img-4/hide").status_code == 200
    assert admin.put("/images/img-2/protection", json={"protected": True}).status_code == 200
    assert admin.get("/totals").json == {"reported": 3, "review": 1, "pending": 1, "hidden": 1, "protected": 1, "notices": 0}


def test_detail_of_a_never_reported_image(admin):
    detail = admin.get("/images/never").json
    assert (detail["state"], detail["report_count"], detail["first_reported_at"]) == ("visible", 0, None)


def test_pending_then_hidden_by_a_worker(admin, reporter, workers, cross):
    cross("img-1")
    assert admin.get("/images/img-1").json["state"] == "pending"
    workers.burst()
    detail = admin.get("/images/img-1").json
    assert (detail["state"], detail["hidden"]) == ("hidden", True)
    assert datetime.fromisoformat(detail["hidden_at"]) >= datetime.fromisoformat(detail["last_reported_at"])


def test_listing_by_state_and_order(admin, reporter, store, cross):
    cross("few", readers=1)
    cross("many", readers=2)
    store.hide_now("old", "test")
    time.sleep(0.005)  # hide times are in milliseconds
    store.hide_now("new", "test")
    cross("waiting")
    store.set_protection("guarded", True, "test")
    assert [i["image_id"] for i in admin.get("/images?state=reported").json["images"]] == ["waiting", "many", "few"]
    assert [i["image_id"] for i in admin.get("/images").json["images"]] == ["waiting", "many", "few"]
    assert [i["image_id"] for i in admin.get("/images?state=hidden").json["images"]] == ["new", "old"]
    assert [i["image_id"] for i in admin.get("/images?state=pending").json["images"]] == ["waiting"]
    assert [i["image_id"] for i in admin.get("/images?state=protected").json["images"]] == ["guarded"]
    assert set(admin.get("/images?state=hidden").json["images"][0]) == DETAIL_FIELDS


@pytest.mark.parametrize("state", ["reported", "hidden"])
def test_paging_has_no_duplicates_or_gaps(admin, store, state):
    """1,234 images, most of them tied on the same score, read 100 at a time."""
    ids = [f"page-{n:04d}" for n in range(1234)]
    pipe = store.redis.pipeline(transaction=False)
    for n, image_id in enumerate(ids):
        # Many ties: counts 1..3 for "reported", hide times in a handful of milliseconds for "hidden".
        pipe.zadd(f"imgmod:idx:{state}", {image_id: (n % 3) + 1 if state == "reported" else 1_700_000_000_000 + n % 5})
    pipe.execute()
    seen, cursor, pages = [], None, 0
    while True:
        answer = admin.get("/images", query_string={"state": state, "limit": 100, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.json
        seen += [image["image_id"] for image in answer.json["images"]]
        cursor, pages = answer.json["next_cursor"], pages + 1
        assert cursor is None or CursorForm()(cursor), cursor  # issued in the documented form
        if cursor is None:
            break
    assert pages == 13
    assert len(seen) == len(set(seen)) == len(ids)
    assert set(seen) == set(ids)
    scores = [store.redis.zscore(f"imgmod:idx:{state}", image_id) for image_id in seen]
    assert scores == sorted(scores, reverse=True)


def test_a_cursor_not_of_the_documented_form_is_422(admin):
    for cursor in ("nonsense", "0", "eyJ4IjoxfQ==", "1_", "_img-1", "nan_img-1", "1 _img-1", "1_-img",
                   "1_img-1\n", "1.5.5_img-1", "1_" + "a" * 300):
        answer = admin.get("/images", query_string={"cursor": cursor})
        assert answer.status_code == 422, cursor
        assert answer.json["errors"] == {"query": {"cursor": [
            "Not a cursor." if len(cursor) <= CURSOR_MAX_LENGTH else f"Length must be between 1 and {CURSOR_MAX_LENGTH}."]}}


@pytest.mark.parametrize("cursor", ["0_0", "3_img-1", "2.5_img_1", "-1_a", "1e+17_z", "1.5e-05_a", "inf_a", "-inf_a",
                                    "1e999_a", "0" * 23 + "1_a"])
def test_every_cursor_of_the_documented_form_is_a_position(admin, store, cursor):
    """The document says what a cursor is (schemathesis ST202 on `cursor=0` when it said "any string"):
    anything of that form is a place in the listing, and the page starts strictly after it."""
    assert CursorForm()(cursor)
    store.redis.zadd("imgmod:idx:reported", {"img-1": 3, "img-2": 2, "b": 2, "a": 1})
    answer = admin.get("/images", query_string={"state": "reported", "cursor": cursor})
    assert answer.status_code == 200, answer.json
    score, _, image_id = cursor.partition("_")
    after = [(float(s), i) for i, s in [("img-1", 3), ("img-2", 2), ("b", 2), ("a", 1)]]
    expected = [i for s, i in after if s < float(score) or (s == float(score) and i.encode() < image_id.encode())]
    assert [image["image_id"] for image in answer.json["images"]] == expected


def test_a_cursor_from_another_listing_is_a_position_in_the_one_asked(admin, store):
    for n in range(3):
        store.hide_now(f"h{n}", "test")
    store.redis.zadd("imgmod:idx:reported", {"r1": 2, "r2": 1})
    cursor = admin.get("/images?state=hidden&limit=1").json["next_cursor"]
    # A hide time (ms) is above every report count: the reported listing starts from its top.
    answer = admin.get("/images", query_string={"state": "reported", "cursor": cursor})
    assert [image["image_id"] for image in answer.json["images"]] == ["r1", "r2"]


def test_bad_query_and_body_fields(admin):
    assert "state" in admin.get("/images?state=everything").json["message"]
    assert "limit" in admin.get("/images?limit=0").json["message"]
    assert "forget_reporters" in admin.post("/images/img-1/reset", json={"forget_reporters": "maybe"}).json["message"]
    assert "protected" in admin.put("/images/img-1/protection", json={}).json["message"]
    assert "image_id" in admin.get("/images/bad%20id").json["message"]
    assert "image_id" in admin.get("/audit?image_id=-bad").json["message"]


@pytest.mark.parametrize("value", [0, 1, "true", "yes", "on", "1", None, [], {}])
def test_input_booleans_are_json_booleans_only(admin, reporter, value, cross):
    """marshmallow's Boolean takes 0, 1, "yes"...; the contract and the document say a JSON boolean."""
    cross("img-1", readers=1)
    for method, path, field in (("put", "/images/img-1/protection", "protected"),
                                ("post", "/images/img-1/reset", "forget_reporters")):
        answer = getattr(admin, method)(path, json={field: value})
        assert answer.status_code == 422, (field, value, answer.json)
        message = "Field may not be null." if value is None else "Not a valid boolean."
        assert answer.json["errors"] == {"json": {field: [message]}}
        assert answer.json["message"] == f"{field}: {message}"
    detail = admin.get("/images/img-1").json
    assert (detail["protected"], detail["report_count"]) == (False, 1)  # nothing was changed


def test_every_input_boolean_is_strict():
    """One strict field for every boolean a caller sends, so that a new one cannot take 0 or "yes"."""
    from service.web import schemas

    inputs = [schema for name, schema in vars(schemas).items() if isinstance(schema, type)
              and issubclass(schema, ma.Schema) and (issubclass(schema, schemas.StrictSchema)
                                                    or name.endswith(("QuerySchema", "PathSchema")))]
    booleans = [(schema.__name__, name) for schema in inputs for name, field in schema().fields.items()
                if isinstance(field, ma.fields.Boolean)]
    assert ("ProtectionSchema", "protected") in booleans and ("ResetSchema", "forget_reporters") in booleans
    assert all(isinstance(schema().fields[name], schemas.StrictBoolean)
               for schema in inputs for name in schema().fields if (schema.__name__, name) in booleans)


def test_reset_restores_and_a_brigade_cannot_hide_again(admin, reporter, workers, client, cross):
    cross("img-1")
    workers.burst()
    detail = admin.post("/images/img-1/reset", json={"note": "false alarm"}).json
    assert (detail["state"], detail["report_count"], detail["reasons"]) == ("visible", 0, {})
    assert client.get("/v1/images/img-1").json["hidden"] is False
    # The same three readers report again: dismissed, not counted.
    for n in range(3):
        assert reporter.frontend("img-1", f"reader-{n}").json["counted"] is False
    workers.burst()
    assert admin.get("/images/img-1").json == detail
    assert client.get("/v1/images/img-1").json["hidden"] is False


def test_reset_forgetting_reporters_lets_them_count_again(admin, reporter, cross):
    cross("img-1", readers=2)
    admin.post("/images/img-1/reset", json={"forget_reporters": True})
    assert reporter.frontend("img-1", "reader-0").json["counted"] is True
    assert admin.get("/images/img-1").json["report_count"] == 1


def test_reset_without_a_body(admin, reporter, client, cross):
    cross("img-1", readers=1)
    assert admin.post("/images/img-1/reset").json["report_count"] == 0
    # ...and the document says so: a body-less reset is a valid request, not one to refuse.
    operation = client.get("/openapi.json").json["paths"]["/v1/admin/images/{image_id}/reset"]["post"]
    assert operation["requestBody"]["required"] is False


def test_protected_image_passes_the_threshold_and_stays_visible(admin, reporter, workers, queue, cross):
    admin.put("/images/img-1/protection", json={"protected": True})
    cross("img-1", readers=5)
    assert queue.count == 0
    workers.burst()
    detail = admin.get("/images/img-1").json
    assert (detail["state"], detail["protected"], detail["report_count"]) == ("visible", True, 5)


def test_protecting_cancels_a_pending_hide(admin, reporter, workers, cross):
    cross("img-1")
    admin.put("/images/img-1/protection", json={"protected": True})
    workers.burst()
    assert admin.get("/images/img-1").json["state"] == "visible"


def test_lifting_protection_hides_an_image_over_the_threshold(admin, reporter, workers, cross):
    admin.put("/images/img-1/protection", json={"protected": True})
    cross("img-1", readers=4)
    detail = admin.put("/images/img-1/protection", json={"protected": False}).json
    assert (detail["protected"], detail["state"]) == (False, "pending")
    workers.burst()
    assert admin.get("/images/img-1").json["state"] == "hidden"


def test_manual_hide(admin, client, reporter, workers, cross):
    cross("img-1", readers=1)
    detail = admin.post("/images/img-1/hide").json
    assert (detail["state"], detail["hidden"], detail["report_count"]) == ("hidden", True, 1)
    assert client.get("/v1/images/img-1").json["hidden"] is True
    assert admin.post("/images/never-reported/hide").json["hidden"] is True


def test_audit_events_and_actors(admin, reporter, workers, store, settings, cross):
    other = Admin(create_app(with_settings(settings, admin_tokens={"chief": "chief-token-0123456789"})).test_client(),
                  token="chief-token-0123456789")
    cross("img-1")
    workers.burst()
    admin.post("/images/img-1/reset", json={"note": "looked fine"})
    other.post("/images/img-2/hide")
    admin.put("/images/img-3/protection", json={"protected": True})
    admin.put("/images/img-3/protection", json={"protected": False})
    store.reset("img-4", actor="cli:ops")

    events = admin.get("/audit").json["events"]
    assert [(e["type"], e["image_id"], e["actor"]) for e in events] == [
        ("reset", "img-4", "cli:ops"),
        ("unprotected", "img-3", "editor"),
        ("protected", "img-3", "editor"),
        ("manual_hide", "img-2", "chief"),
        ("reset", "img-1", "editor"),
        ("hidden", "img-1", "system"),
    ]
    assert events[4]["detail"]["note"] == "looked fine" and events[4]["detail"]["previous_count"] == 3
    assert all(datetime.fromisoformat(e["at"]).utcoffset().total_seconds() == 0 for e in events)
    assert [e["type"] for e in admin.get("/audit?image_id=img-1").json["events"]] == ["reset", "hidden"]
    assert len(admin.get("/audit?limit=2").json["events"]) == 2


def test_audit_filter_reads_past_one_chunk(admin, store):
    store.hide_now("needle", "test")
    for n in range(2500):
        store.set_protection(f"hay-{n % 7}", n % 2 == 0, "test")
    assert [e["image_id"] for e in admin.get("/audit?image_id=needle").json["events"]] == ["needle"]


def test_one_hidden_event_per_automatic_hide(admin, reporter, workers, cross):
    cross("img-1", readers=6)
    workers.burst(2)
    assert [e["type"] for e in admin.get("/audit?image_id=img-1").json["events"]] == ["hidden"]


def test_reset_racing_concurrent_reports_loses_none(live_server, store):
    """48 distinct readers report while an editor resets: each is counted before or after the reset."""
    readers = 48

    def report(n: int) -> bool:
        answer = requests.post(f"{live_server}/v1/reports", json={"image_id": "img-1", "reporter_id": f"r{n}"},
                               headers={"Authorization": f"Bearer {FRONTEND_KEY}"}, timeout=30)
        return answer.json()["counted"]

    def reset() -> None:
        answer = requests.post(f"{live_server}/v1/admin/images/img-1/reset", json={},
                               headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30)
        assert answer.status_code == 200

    *results, _ = race(*[partial(report, n) for n in range(readers)], reset)
    assert results == [True] * readers
    [reset_event] = [e for e in store.audit("img-1") if e["type"] == "reset"]
    before = json.loads(reset_event["detail"])["previous_count"]
    after = store.status("img-1")["report_count"]
    assert before + after == readers
    # Every reporter left its mark (counted or dismissed), so none of them can count twice.
    assert len([f for f in store.redis.hkeys("imgmod:img:img-1") if f.startswith("@")]) == readers


def test_an_images_history_costs_its_length_not_the_streams(admin, store, redis_client):
    """Filtering the audit by image used to read the whole stream backwards (228 ms per console click
    at the default 100,000 events); each image now keeps an index of its own entries."""
    store.hide_now("img-1", "test")
    with redis_client.pipeline(transaction=False) as pipe:
        for n in range(5000):
            pipe.xadd("imgmod:audit", {"type": "manual_hide", "image_id": f"other-{n}", "actor": "test",
                                       "detail": "{}"})
        pipe.execute()
    store.reset("img-1", "test")
    redis_client.config_resetstat()

    events = admin.get("/audit?image_id=img-1&limit=50").json["events"]

    assert [event["type"] for event in events] == ["reset", "manual_hide"]
    stats = redis_client.info("commandstats")
    assert "cmdstat_xrevrange" not in stats
    assert stats["cmdstat_xrange"]["calls"] == 2
