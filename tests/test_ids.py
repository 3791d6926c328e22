"""Image ids of contract v2: letters and digits of any script and . _ : ~ - /, in every endpoint."""
from __future__ import annotations

import sys
import unicodedata
from urllib.parse import quote

from service.schemas import IMAGE_ID_ERROR, IMAGE_ID_PATTERN, VALID_IMAGE_ID, ImagePathSchema

ARABIC = "صورة-رئيسية-1842"
SLASHED = "news/2024/05/hero.jpg"
# Ids both rules must agree on (the browser tests run the widget's expression on the same lists).
GOOD_IDS = [ARABIC, SLASHED, "article-1842.hero", "a", "0", "٣", "ⴰⵎ", "漢字/图片", "Ωμέγα_1", "𝐀𝟎", "a//b/", "a~b:c",
            "x" * 200]
BAD_IDS = ["", "-a", "/a", ".a", "_a", "a b", "a#b", "a?b", "a%b", "صُورة", "a\u200fb", "a\n", "a\u00a0", "😀",
           "a😀", "x" * 201, "a\u0301"]


def test_the_python_rule_is_exactly_unicode_letters_and_digits():
    """Python's re has no \\p{L}: `[^\\W_]` stands for it, checked here over every code point."""
    differ = [hex(code) for code in range(sys.maxunicode + 1)
              if (VALID_IMAGE_ID.fullmatch(chr(code)) is not None)
              != (unicodedata.category(chr(code))[0] in "LN")]
    assert differ == []
    for sign in "._:~-/":
        assert VALID_IMAGE_ID.fullmatch("a" + sign) and not VALID_IMAGE_ID.fullmatch(sign + "a")


def test_examples_are_judged_as_the_contract_says():
    for image_id in GOOD_IDS:
        assert VALID_IMAGE_ID.fullmatch(image_id), image_id
        assert ImagePathSchema().validate({"image_id": image_id}) == {}, image_id
    for image_id in BAD_IDS:
        assert VALID_IMAGE_ID.fullmatch(image_id) is None, image_id
        assert ImagePathSchema().validate({"image_id": image_id}) != {}, image_id


def test_the_widget_tests_ids_with_the_schemas_expression():
    from pathlib import Path
    import json
    import re

    source = (Path(__file__).parent.parent / "service" / "static" / "widget.js").read_text()
    [literal] = re.findall(r'var ID_PATTERN = ("[^"]*");', source)
    assert json.loads(literal) == IMAGE_ID_PATTERN
    assert 'new RegExp(ID_PATTERN, "u")' in source


def test_slashed_and_arabic_ids_through_every_endpoint(client, store, admin, reporter):
    for image_id in (ARABIC, SLASHED):
        assert reporter.anonymous(image_id).json["image_id"] == image_id
        for path in (image_id, quote(image_id, safe=""), quote(image_id)):
            assert client.get(f"/v1/images/{path}").json == {"image_id": image_id, "hidden": False}
            assert admin.get(f"/images/{path}").json["report_count"] == 1
        assert client.get(f"/v1/images/{quote(image_id)}/placeholder").status_code == 404
        assert admin.post(f"/images/{image_id}/hide").json["hidden"] is True
        answer = client.get(f"/v1/images?id={quote(image_id, safe='')}&id=other")
        assert answer.json == {"images": [{"image_id": image_id, "hidden": True},
                                          {"image_id": "other", "hidden": False}]}
        for path in (image_id, quote(image_id, safe="")):
            assert client.get(f"/v1/images/{path}").json == {"image_id": image_id, "hidden": True}
            placeholder = client.get(f"/v1/images/{path}/placeholder")
            assert placeholder.status_code == 200 and placeholder.mimetype.startswith("image/")
        confirm = admin.post(f"/images/{quote(image_id)}/confirm", json={})
        assert confirm.status_code == 200 and confirm.json["image_id"] == image_id and confirm.json["hidden"]
        reset = admin.post(f"/images/{quote(image_id)}/reset", json={})
        assert reset.status_code == 200 and reset.json["image_id"] == image_id and not reset.json["hidden"]
        assert admin.put(f"/images/{image_id}/protection", json={"protected": True}).json["protected"] is True
        assert admin.get("/audit", query_string={"image_id": image_id}).json["events"][0]["image_id"] == image_id


def test_an_id_ending_in_placeholder_is_still_looked_up_in_bulk(client):
    """`/v1/images/<id>/placeholder` is the placeholder route: such an id is read by the bulk lookup."""
    assert client.get("/v1/images/a/placeholder").status_code == 404  # the placeholder of "a", not hidden
    assert client.get("/v1/images?id=a/placeholder").json == {"images": [{"image_id": "a/placeholder",
                                                                          "hidden": False}]}


def test_a_refused_id_is_told_the_allowed_form(client, reporter):
    assert "letters and digits of any script" in IMAGE_ID_ERROR and ". _ : ~ - /" in IMAGE_ID_ERROR
    for answer in (client.get("/v1/images/a%20b"), client.get("/v1/images//news"),
                   client.get("/v1/images?id=a%23b"), reporter.anonymous("a b")):
        assert answer.status_code == 422
        assert answer.json["message"].startswith("image_id: " if "json" in answer.json["errors"]
                                                 or "path" in answer.json["errors"] else "id.0: ")
        assert IMAGE_ID_ERROR in answer.json["message"]
