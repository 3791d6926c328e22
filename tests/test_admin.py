"""The admin API: auth, every endpoint's fields, paging, reset semantics, protection, audit."""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime

import pytest
import requests

from service import create_app
from tests.conftest import ADMIN_TOKEN, FRONTEND_KEY, Admin, with_settings

# The Lua scripts these tests drive run on every server binary present (tests/conftest.py).
pytestmark = pytest.mark.every_server

DETAIL_FIELDS = {"image_id", "state", "hidden", "protected", "report_count", "threshold", "reasons",
                 "first_reported_at", "last_reported_at", "hidden_at"}


def cross(reporter, image_id: str, readers: int = 3, first: int = 0, **body) -> None:
    for n in range(first, first + readers):
        assert reporter.frontend(image_id, f"reader-{n}", **body).json["counted"] is True


ENDPOINTS = [
    ("get", "/v1/admin/images/img-1", None),
    ("get", "/v1/admin/images?state=hidden", None),
    ("post", "/v1/admin/images/img-1/reset", {}),
    ("post", "/v1/admin/images/img-1/hide", None),
    ("put", "/v1/admin/images/img-1/protection", {"protected": True}),
    ("get", "/v1/admin/audit", None),
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


def test_admin_api_is_closed_without_tokens(settings):
    client = create_app(with_settings(settings, admin_tokens={})).test_client()
    for token in ("", ADMIN_TOKEN, FRONTEND_KEY):
        answer = client.get("/v1/admin/audit", headers={"Authorization": f"Bearer {token}"} if token else {})
        assert answer.status_code in (401, 403)


def test_detail_fields(admin, reporter):
    cross(reporter, "img-1", readers=2, reason="hate")
    answer = admin.get("/images/img-1")
    assert answer.status_code == 200
    detail = answer.json
    assert set(detail) == DETAIL_FIELDS
    assert (detail["state"], detail["hidden"], detail["protected"]) == ("visible", False, False)
    assert (detail["report_count"], detail["threshold"], detail["reasons"]) == (2, 3, {"hate": 2})
    first, last = (datetime.fromisoformat(detail[key]) for key in ("first_reported_at", "last_reported_at"))
    assert first.utcoffset().total_seconds() == 0 and first <= last
    assert detail["hidden_at"] is None


def test_detail_of_a_never_reported_image(admin):
    detail = admin.get("/images/never").json
    assert (detail["state"], detail["report_count"], detail["first_reported_at"]) == ("visible", 0, None)


def test_pending_then_hidden_by_a_worker(admin, reporter, workers):
    cross(reporter, "img-1")
    assert admin.get("/images/img-1").json["state"] == "pending"
    workers.burst()
    detail = admin.get("/images/img-1").json
    assert (detail["state"], detail["hidden"]) == ("hidden", True)
    assert datetime.fromisoformat(detail["hidden_at"]) >= datetime.fromisoformat(detail["last_reported_at"])


def test_listing_by_state_and_order(admin, reporter, store):
    cross(reporter, "few", readers=1)
    cross(reporter, "many", readers=2)
    store.hide_now("old", "test")
    time.sleep(0.005)  # hide times are in milliseconds
    store.hide_now("new", "test")
    cross(reporter, "waiting")
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
        if cursor is None:
            break
    assert pages == 13
    assert len(seen) == len(set(seen)) == len(ids)
    assert set(seen) == set(ids)
    scores = [store.redis.zscore(f"imgmod:idx:{state}", image_id) for image_id in seen]
    assert scores == sorted(scores, reverse=True)


def test_a_bad_cursor_is_422(admin):
    for cursor in ("nonsense", "eyJ4IjoxfQ==", "W10="):
        answer = admin.get("/images", query_string={"cursor": cursor})
        assert answer.status_code == 422 and "cursor" in answer.json["message"]


def test_a_cursor_from_another_listing_is_refused(admin, store):
    for n in range(3):
        store.hide_now(f"h{n}", "test")
    cursor = admin.get("/images?state=hidden&limit=1").json["next_cursor"]
    assert admin.get("/images", query_string={"state": "reported", "cursor": cursor}).status_code == 422


def test_bad_query_and_body_fields(admin):
    assert "state" in admin.get("/images?state=everything").json["message"]
    assert "limit" in admin.get("/images?limit=0").json["message"]
    assert "forget_reporters" in admin.post("/images/img-1/reset", json={"forget_reporters": "maybe"}).json["message"]
    assert "protected" in admin.put("/images/img-1/protection", json={}).json["message"]
    assert "image_id" in admin.get("/images/bad%20id").json["message"]
    assert "image_id" in admin.get("/audit?image_id=-bad").json["message"]


def test_reset_restores_and_a_brigade_cannot_hide_again(admin, reporter, workers, client):
    cross(reporter, "img-1")
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


def test_reset_forgetting_reporters_lets_them_count_again(admin, reporter):
    cross(reporter, "img-1", readers=2)
    admin.post("/images/img-1/reset", json={"forget_reporters": True})
    assert reporter.frontend("img-1", "reader-0").json["counted"] is True
    assert admin.get("/images/img-1").json["report_count"] == 1


def test_reset_without_a_body(admin, reporter):
    cross(reporter, "img-1", readers=1)
    assert admin.post("/images/img-1/reset").json["report_count"] == 0


def test_a_job_queued_before_a_reset_leaves_the_image_visible(admin, reporter, workers, queue):
    cross(reporter, "img-1")
    assert queue.count == 1  # queued, no worker yet
    admin.post("/images/img-1/reset", json={})
    workers.burst()  # the worker starts only now
    assert admin.get("/images/img-1").json["state"] == "visible"


def test_protected_image_passes_the_threshold_and_stays_visible(admin, reporter, workers, queue):
    admin.put("/images/img-1/protection", json={"protected": True})
    cross(reporter, "img-1", readers=5)
    assert queue.count == 0
    workers.burst()
    detail = admin.get("/images/img-1").json
    assert (detail["state"], detail["protected"], detail["report_count"]) == ("visible", True, 5)


def test_protecting_cancels_a_pending_hide(admin, reporter, workers):
    cross(reporter, "img-1")
    admin.put("/images/img-1/protection", json={"protected": True})
    workers.burst()
    assert admin.get("/images/img-1").json["state"] == "visible"


def test_lifting_protection_hides_an_image_over_the_threshold(admin, reporter, workers):
    admin.put("/images/img-1/protection", json={"protected": True})
    cross(reporter, "img-1", readers=4)
    detail = admin.put("/images/img-1/protection", json={"protected": False}).json
    assert (detail["protected"], detail["state"]) == (False, "pending")
    workers.burst()
    assert admin.get("/images/img-1").json["state"] == "hidden"


def test_manual_hide(admin, client, reporter, workers):
    cross(reporter, "img-1", readers=1)
    detail = admin.post("/images/img-1/hide").json
    assert (detail["state"], detail["hidden"], detail["report_count"]) == ("hidden", True, 1)
    assert client.get("/v1/images/img-1").json["hidden"] is True
    assert admin.post("/images/never-reported/hide").json["hidden"] is True


def test_audit_events_and_actors(admin, reporter, workers, store, settings):
    other = Admin(create_app(with_settings(settings, admin_tokens={"chief": "chief-token-0123456789"})).test_client(),
                  token="chief-token-0123456789")
    cross(reporter, "img-1")
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


def test_one_hidden_event_per_automatic_hide(admin, reporter, workers):
    cross(reporter, "img-1", readers=6)
    workers.burst(2)
    assert [e["type"] for e in admin.get("/audit?image_id=img-1").json["events"]] == ["hidden"]


def test_reset_racing_concurrent_reports_loses_none(live_server, store):
    """48 distinct readers report while an editor resets: each is counted before or after the reset."""
    readers, results = 48, []
    barrier = threading.Barrier(readers + 1)

    def report(n: int) -> None:
        barrier.wait()
        answer = requests.post(f"{live_server}/v1/reports", json={"image_id": "img-1", "reporter_id": f"r{n}"},
                               headers={"Authorization": f"Bearer {FRONTEND_KEY}"}, timeout=30)
        results.append(answer.json()["counted"])

    def reset() -> None:
        barrier.wait()
        answer = requests.post(f"{live_server}/v1/admin/images/img-1/reset", json={},
                               headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30)
        assert answer.status_code == 200

    threads = [threading.Thread(target=report, args=(n,)) for n in range(readers)] + [threading.Thread(target=reset)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * readers
    [reset_event] = [e for e in store.audit("img-1") if e["type"] == "reset"]
    before = json.loads(reset_event["detail"])["previous_count"]
    after = store.status("img-1")["report_count"]
    assert before + after == readers
    # Every reporter left its mark (counted or dismissed), so none of them can count twice.
    assert len([f for f in store.redis.hkeys("imgmod:img:img-1") if f.startswith("@")]) == readers
