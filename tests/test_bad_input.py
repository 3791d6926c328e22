"""Every malformed input gets the contract's JSON 4xx naming the field, and changes nothing."""
from __future__ import annotations

import pytest

OK = {"image_id": "img-1"}


def assert_json_error(answer, status: int, names: str):
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.is_json, answer.get_data(as_text=True)
    assert names in answer.json["message"], answer.json
    assert "Traceback" not in answer.get_data(as_text=True)


@pytest.mark.parametrize(("body", "field"), [
    ({}, "image_id"),
    ({"image_id": ""}, "image_id"),
    ({"image_id": "x" * 201}, "image_id"),
    ({"image_id": "-starts-with-dash"}, "image_id"),
    ({"image_id": "has space"}, "image_id"),
    ({"image_id": "slash/inside"}, "image_id"),
    ({"image_id": "ünïcode"}, "image_id"),
    ({"image_id": 42}, "image_id"),
    ({"image_id": None}, "image_id"),
    ({**OK, "reason": "boring"}, "reason"),
    ({**OK, "image_url": "ftp://example.org/a.jpg"}, "image_url"),
    ({**OK, "image_url": "javascript:alert(1)"}, "image_url"),
    ({**OK, "image_url": "not a url"}, "image_url"),
    ({**OK, "comment": "x" * 501}, "comment"),
    ({**OK, "reporter_id": ""}, "reporter_id"),
    ({**OK, "reporter_id": "tab\there"}, "reporter_id"),
    ({**OK, "unexpected": 1}, "unexpected"),
])
def test_invalid_report_fields(client, store, body, field):
    assert_json_error(client.post("/v1/reports", json=body), 422, field)
    assert store.redis.dbsize() == 0


def test_report_errors_name_the_location_and_field_word_for_word(client):
    """The report view validates with its schemas itself (service/api/inputs.py), in webargs' error shape."""
    answer = client.post("/v1/reports", json={"image_id": "has space", "extra": 1})
    assert answer.status_code == 422
    assert answer.json == {
        "code": 422, "status": "Unprocessable Entity",
        "errors": {"json": {"image_id": ["Not a valid image id."], "extra": ["Unknown field."]}},
        "message": "image_id: Not a valid image id.; extra: Unknown field.",
    }
    answer = client.post("/v1/reports?lang=de", json=OK)
    assert answer.json["errors"] == {"query": {"lang": ["Must be one of: ar, fr, en."]}}
    # No body at all reads as an empty object: the missing field is named.
    answer = client.post("/v1/reports")
    assert answer.json["errors"] == {"json": {"image_id": ["Missing data for required field."]}}


def test_longest_valid_id_and_punctuation_are_accepted(reporter):
    assert reporter.anonymous("A" + "b" * 199).status_code == 202
    assert reporter.anonymous("a1._:~-z").status_code == 202


def test_bad_json_is_400(client):
    assert_json_error(client.post("/v1/reports", data="{not json", content_type="application/json"), 400, "JSON")


def test_json_that_is_not_an_object_is_rejected(client):
    answer = client.post("/v1/reports", json=["img-1"])
    assert answer.status_code in (400, 422) and answer.is_json


def test_wrong_content_type_is_415(client):
    assert_json_error(client.post("/v1/reports", data="image_id=img-1",
                                  content_type="application/x-www-form-urlencoded"), 415, "Content-Type")


def test_body_over_the_limit_is_413(client):
    answer = client.post("/v1/reports", data='{"image_id": "' + "a" * 70_000 + '"}', content_type="application/json")
    assert answer.status_code == 413 and answer.is_json


def test_unknown_lang_is_rejected(client):
    assert_json_error(client.post("/v1/reports?lang=de", json=OK), 422, "lang")


def test_bad_path_id(client):
    assert_json_error(client.get("/v1/images/bad%20id"), 422, "image_id")


@pytest.mark.parametrize(("query", "field"), [
    ("", "id"),
    ("?id=ok&id=-bad", "id"),
    ("?" + "&".join(f"id=i{n}" for n in range(101)), "id"),
])
def test_bad_bulk_lookup(client, query, field):
    assert_json_error(client.get(f"/v1/images{query}"), 422, field)


def test_unknown_route_is_json_404(client):
    assert_json_error(client.get("/nowhere"), 404, "not found")


def test_wrong_method_is_405_with_allow(client):
    answer = client.delete("/v1/reports")
    assert answer.status_code == 405 and answer.is_json
    assert "POST" in answer.headers["Allow"]
