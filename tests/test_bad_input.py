"""Every malformed input gets the contract's JSON 4xx naming the field, and changes nothing."""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from service.web.schemas import IMAGE_ID_ERROR

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
    ({"image_id": "hash#inside"}, "image_id"),
    ({"image_id": "emoji\U0001f600"}, "image_id"),
    ({"image_id": "\u0635\u064f\u0648\u0631\u0629"}, "image_id"),  # a vowel mark is not a letter
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
    """The report view validates with its schemas itself (service/web/api/inputs.py), in webargs' error shape."""
    answer = client.post("/v1/reports", json={"image_id": "has space", "extra": 1})
    assert answer.status_code == 422
    assert answer.json == {
        "code": 422, "status": "Unprocessable Entity",
        "errors": {"json": {"image_id": [IMAGE_ID_ERROR], "extra": ["Unknown field."]}},
        "message": f"image_id: {IMAGE_ID_ERROR}; extra: Unknown field.",
    }
    answer = client.post("/v1/reports?lang=" + "x" * 36, json=OK)
    assert answer.json["errors"] == {"query": {"lang": ["Longer than maximum length 35."]}}
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


def test_a_language_not_offered_falls_back_and_the_report_counts(client):
    """`?lang=es` refused the report (422); the contract says it falls back to the default."""
    answer = client.post("/v1/reports?lang=es", json=OK)
    assert answer.status_code == 202 and answer.json["counted"] is True and answer.json["lang"] == "ar"
    assert client.post("/v1/reports?lang=de", json=OK, headers={"Accept-Language": "fr-FR"}).json["lang"] == "fr"


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


# The exact error answers of the two lookups, word for word: news sites parse them.

def _error(location: str, field: str, errors) -> dict:
    described = "; ".join(f"{field}{'' if index is None else f'.{index}'}: {' '.join(messages)}"
                          for index, messages in (errors.items() if isinstance(errors, dict) else [(None, errors)]))
    return {"code": 422, "status": "Unprocessable Entity", "message": described,
            "errors": {location: {field: errors}}}  # int indexes: serialized in numeric order


BAD_ID = [IMAGE_ID_ERROR]
BAD_LENGTH = ["Length must be between 1 and 200."]


@pytest.mark.parametrize(("path", "messages"), [
    ("/v1/images/" + "x" * 201, BAD_LENGTH),
    ("/v1/images/" + "x" * 200 + "%20", BAD_LENGTH + BAD_ID),
    ("/v1/images/bad%20id", BAD_ID),
    ("/v1/images/img-1%0A", BAD_ID),  # a trailing newline: Python's `$` alone would let it through
    ("/v1/images/-starts-with-dash", BAD_ID),
    ("/v1/images/%F0%9F%98%80", BAD_ID),  # an emoji is neither a letter nor a digit
    ("/v1/images/news/2024/05%20hero.jpg", BAD_ID),
    ("/v1/images/%2Fnews", BAD_ID),
    ("/v1/images/nul%00", BAD_ID),
    ("/v1/images/%ED%A0%80", BAD_ID),  # a UTF-8-encoded lone surrogate
])
def test_bad_path_id_answer_word_for_word(client, store, path, messages):
    for answer in (client.get(path), client.get(path, headers={"If-None-Match": "*"})):
        assert answer.status_code == 422 and answer.content_type == "application/json"
        assert answer.json == _error("path", "image_id", messages)
        assert answer.get_data(as_text=True) == json.dumps(answer.json, sort_keys=True, separators=(",", ":"),
                                                           ensure_ascii=False) + "\n"
        assert "ETag" not in answer.headers and "Cache-Control" not in answer.headers
    assert client.head(path).status_code == 422
    assert store.redis.dbsize() == 0


MISSING = {"code": 422, "status": "Unprocessable Entity", "message": "id: Missing data for required field.",
           "errors": {"query": {"id": ["Missing data for required field."]}}}
TOO_MANY = {"code": 422, "status": "Unprocessable Entity", "message": "id: Length must be between 1 and 100.",
            "errors": {"query": {"id": ["Length must be between 1 and 100."]}}}


@pytest.mark.parametrize(("query", "expected"), [
    ("", MISSING),
    ("?", MISSING),
    ("?ID=a", MISSING),
    ("?id[]=a", MISSING),
    ("?ids=a&other=b", MISSING),
    ("?" + "&".join(f"id=i{n}" for n in range(101)), TOO_MANY),
    ("?" + "&".join(f"id=i{n % 7}" for n in range(150)), TOO_MANY),  # duplicates count
    ("?id=", _error("query", "id", {0: BAD_LENGTH + BAD_ID})),
    ("?id=ok&id=", _error("query", "id", {1: BAD_LENGTH + BAD_ID})),
    ("?id=ok&id=-bad", _error("query", "id", {1: BAD_ID})),
    ("?id=img-1%0A", _error("query", "id", {0: BAD_ID})),
    ("?id=a%0D", _error("query", "id", {0: BAD_ID})),
    ("?id=nul%00", _error("query", "id", {0: BAD_ID})),
    ("?id=%ED%A0%80", _error("query", "id", {0: BAD_ID})),
    ("?id=a,b", _error("query", "id", {0: BAD_ID})),
    ("?id=a+b", _error("query", "id", {0: BAD_ID})),
    ("?id=ok&id=" + "y" * 201, _error("query", "id", {1: BAD_LENGTH})),
    ("?id=" + "x" * 201 + "&id=-b&id=ok&id=c%20d", _error("query", "id", {0: BAD_LENGTH, 1: BAD_ID, 3: BAD_ID})),
    ("?id=" + "x" * 200 + "%2F", _error("query", "id", {0: BAD_LENGTH})),
    ("?id=" + "x" * 200 + "%23", _error("query", "id", {0: BAD_LENGTH + BAD_ID})),
    ("?id=%2Fnews", _error("query", "id", {0: BAD_ID})),
    # Numbered in numeric order (2, 10, 11), not as text ("10" < "2").
    ("?" + "&".join(f"id={'-' if n in (2, 10, 11) else ''}i{n}" for n in range(12)),
     _error("query", "id", {2: BAD_ID, 10: BAD_ID, 11: BAD_ID})),
    # Over 100 ids with bad ones among them: the bad ids are named, the count is not.
    ("?" + "&".join(f"id=-{n}" for n in range(101)), _error("query", "id", {n: BAD_ID for n in range(101)})),
])
def test_bad_bulk_lookup_answer_word_for_word(client, store, query, expected):
    answer = client.get(f"/v1/images{query}")
    assert answer.status_code == 422 and answer.content_type == "application/json"
    assert answer.json == json.loads(json.dumps(expected))
    assert answer.get_data(as_text=True) == json.dumps(expected, sort_keys=True, separators=(",", ":"),
                                                       ensure_ascii=False) + "\n"
    assert "ETag" not in answer.headers and "Cache-Control" not in answer.headers
    assert client.head(f"/v1/images{query}").status_code == 422
    assert store.redis.dbsize() == 0


@pytest.mark.parametrize("image_id", ["A" + "b" * 199, "a1._:~-z", "0", "Z~", "news/2024/05/hero.jpg", "a//b/",
                                      "\u0635\u0648\u0631\u0629-\u0631\u0626\u064a\u0633\u064a\u0629-1842",
                                      "\u0661\u0662", "\u2d30\u2d4e", "\U0001d400" * 200])
def test_ids_at_the_edges_of_the_rules_are_looked_up(client, image_id):
    quoted = quote(image_id, safe="")
    for path in (image_id, quoted):
        assert client.get(f"/v1/images/{path}").json == {"image_id": image_id, "hidden": False}
    for query in (image_id, quoted):
        assert client.get(f"/v1/images?id={query}").json == {"images": [{"image_id": image_id, "hidden": False}]}


def test_a_hundred_ids_of_the_longest_length_are_looked_up(client):
    ids = [f"{n:03d}" + "x" * 197 for n in range(100)]
    answer = client.get("/v1/images?" + "&".join(f"id={i}" for i in ids))
    assert answer.status_code == 200
    assert answer.json == {"images": [{"image_id": i, "hidden": False} for i in ids]}
