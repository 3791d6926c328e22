"""The hot views' lean style (BENCHMARKS.md, Speed tricks): they load their arguments themselves and
must answer exactly as under flask-smorest's own decorators, which the bench weighs them against
(bench/tricks.py), valid requests and refused ones alike."""
from __future__ import annotations

import pytest

from bench import tricks
from service import create_app
from service.web.api import images, reports

BAD_IDS = "&".join(f"id=i{n}" for n in range(101))
REQUESTS = [
    ("post", "/v1/reports", {"image_id": "img-1"}),
    ("post", "/v1/reports?lang=fr", {"image_id": "img-2", "reason": "other", "comment": "Une remarque"}),
    ("post", "/v1/reports", {"image_id": "has space", "extra": 1}),
    ("post", "/v1/reports?lang=" + "x" * 36, {"image_id": "img-3"}),
    ("post", "/v1/reports", None),
    ("post", "/v1/reports?lang=en&cb=7", {"image_id": "img-4"}),
    ("get", "/v1/images/img-1", None),
    ("get", "/v1/images/bad%20id", None),
    ("get", "/v1/images?id=img-1&id=img-2&id=img-1", None),
    ("get", "/v1/images", None),
    ("get", "/v1/images?id=ok&id=-bad", None),
    ("get", "/v1/images?" + BAD_IDS, None),
    ("get", "/v1/images?id=%C3%BC&cb=1", None),
]


@pytest.fixture
def smorest_app(settings, monkeypatch):
    """imgmod with the bench's variant: the hot views behind flask-smorest's decorators (undone after)."""
    for owner, name in ((reports, "load"), (images, "load"), (images, "query_ids"), (reports.Reports, "post"),
                        (images.Image, "get"), (images.Images, "get")):
        monkeypatch.setattr(owner, name, getattr(owner, name))
    tricks._smorest_views()
    assert all(hasattr(view, "__wrapped__") for view in (reports.Reports.post, images.Image.get, images.Images.get))
    return create_app(settings)


def test_the_lean_views_answer_as_flask_smorests_decorators_would(settings, smorest_app, redis_client):
    answers = {}
    for side in ("smorest", "lean"):
        redis_client.flushall()  # each side reports the same images afresh
        client = (smorest_app if side == "smorest" else create_app(settings)).test_client()
        answers[side] = [(answer.status_code, answer.get_json(silent=True), answer.headers.get("ETag"))
                         for method, path, body in REQUESTS
                         for answer in [getattr(client, method)(path, **({"json": body} if body else {}))]]
    assert answers["lean"] == answers["smorest"]
    assert {status for status, _, _ in answers["lean"]} == {200, 202, 422}
