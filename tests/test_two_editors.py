"""Two editors, one queue: an action with If-Match is done only on the image the editor saw (409 otherwise)."""
from __future__ import annotations

from functools import partial

import pytest
import requests

from tests.conftest import ADMIN_TOKEN
from tests.race import race

# The check runs inside each action's Lua script: on every server binary present.
pytestmark = pytest.mark.every_server

ACTIONS = [("post", "/confirm", {}), ("post", "/reset", {}), ("post", "/hide", None),
           ("put", "/protection", {"protected": True})]


def crossed(cross, admin, image_id: str = "img-1") -> str:
    cross(image_id)
    return admin.get(f"/images/{image_id}").headers["ETag"]


def test_the_detail_carries_an_etag_that_changes_with_state_generation_and_verdict(reporter, admin, cross):
    first = admin.get("/images/img-1").headers["ETag"]
    assert first.startswith('"') and first.endswith('"')
    reporter.anonymous("img-1", ip="198.51.100.1")  # a report that changes no state leaves it as it was
    assert admin.get("/images/img-1").headers["ETag"] == first
    hidden = crossed(cross, admin)
    confirmed = admin.post("/images/img-1/confirm", json={})
    assert confirmed.headers["ETag"] == admin.get("/images/img-1").headers["ETag"]
    reset = admin.post("/images/img-1/reset", json={}).headers["ETag"]
    protected = admin.put("/images/img-1/protection", json={"protected": True}).headers["ETag"]
    assert len({first, hidden, confirmed.headers["ETag"], reset, protected}) == 5


@pytest.mark.parametrize(("method", "path", "body"), ACTIONS)
def test_an_action_on_a_changed_image_answers_409_with_the_current_detail_and_changes_nothing(
        reporter, admin, redis_client, method, path, body, cross):
    seen = admin.get("/images/img-1").headers["ETag"]  # before the crossing
    now = crossed(cross, admin)
    events = redis_client.xlen("imgmod:audit")
    answer = getattr(admin.client, method)("/v1/admin/images/img-1" + path, json=body,
                                           headers={**admin.headers, "If-Match": seen})
    assert answer.status_code == 409
    current = answer.json["current"]
    assert current["state"] == "pending" and current["image_id"] == "img-1"  # crossed, no worker here
    assert "If-Match" in answer.json["message"] and answer.headers["ETag"] == now
    assert redis_client.xlen("imgmod:audit") == events
    assert admin.get("/images/img-1").json["protected"] is False
    # With the ETag as it is now, the same action is done; `*` and no If-Match act as before.
    done = getattr(admin.client, method)("/v1/admin/images/img-1" + path, json=body,
                                         headers={**admin.headers, "If-Match": now})
    assert done.status_code == 200, done.json
    star = admin.client.post("/v1/admin/images/img-1/hide", headers={**admin.headers, "If-Match": "*"})
    assert star.status_code == 200


def test_a_retried_action_with_its_key_replays_instead_of_409(reporter, admin, cross):
    seen = crossed(cross, admin)
    headers = {**admin.headers, "If-Match": seen, "Idempotency-Key": "click-1"}
    first = admin.client.post("/v1/admin/images/img-1/reset", json={}, headers=headers)
    again = admin.client.post("/v1/admin/images/img-1/reset", json={}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    # A refused action records no key: the same key with the current ETag then acts.
    stale = {**headers, "Idempotency-Key": "click-2"}
    assert admin.client.post("/v1/admin/images/img-1/hide", headers=stale).status_code == 409
    fresh = {**stale, "If-Match": first.headers["ETag"]}
    assert admin.client.post("/v1/admin/images/img-1/hide", headers=fresh).json["hidden"] is True


def test_two_editors_racing_on_the_same_etag_one_acts_the_other_gets_409(live_server, cross, admin, redis_client):
    seen = crossed(cross, admin)

    def editor(path: str):
        with requests.Session() as http:
            return http.post(f"{live_server}/v1/admin/images/img-1{path}", json={}, timeout=10,
                             headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "If-Match": seen})

    answers = dict(zip(("restore", "confirm"), race(partial(editor, "/reset"), partial(editor, "/confirm"))))
    assert sorted(answer.status_code for answer in answers.values()) == [200, 409]
    winner = next(kind for kind, answer in answers.items() if answer.status_code == 200)
    loser = answers["confirm" if winner == "restore" else "restore"]
    assert loser.json()["current"]["hidden"] is (winner == "confirm")  # the detail as the winner left it
    types = [fields["type"] for _, fields in redis_client.xrange("imgmod:audit")]
    assert types.count("reset") + types.count("confirmed") == 1


def test_an_editor_who_opens_an_image_is_named_to_the_others_for_a_few_minutes(admin, client, redis_client):
    assert admin.get("/images/img-1").json["being_judged_by"] is None
    answer = admin.put("/judging?image_id=img-1")
    assert answer.status_code == 200 and answer.json["being_judged_by"] == "editor"
    assert 0 < redis_client.ttl("imgmod:judging:img-1") <= 300
    assert admin.get("/images?state=reported").status_code == 200
    assert redis_client.xlen("imgmod:audit") == 0  # a hint, not an action: nothing audited, nothing locked
    assert admin.post("/images/img-1/hide").status_code == 200
