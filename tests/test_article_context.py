"""Article context: the page a photo appeared in, from the site's registration or a reader's report,
checked like an image URL, never fetched, shown to editors with who gave it."""
from __future__ import annotations

import pytest

from tests.conftest import FRONTEND_KEY

pytestmark = pytest.mark.every_server  # report.lua keeps the reader's

ARTICLE = "https://www.example.ma/politique/2026/12/06/article.html"
SITE = {"Authorization": f"Bearer {FRONTEND_KEY}"}


def register(client, image_id: str, **image):
    return client.post("/v1/images", json={"images": [{"image_id": image_id, "image_url": "https://cdn.example.ma/a.jpg",
                                                       **image}]}, headers=SITE)


def test_a_readers_article_is_kept_and_labelled_until_the_site_gives_its_own(client, reporter, admin, redis_client):
    assert admin.get("/images/img-1").json["article_url"] is None
    reporter.anonymous("img-1", ip="198.51.100.1", article_url=ARTICLE)
    reporter.anonymous("img-1", ip="198.51.100.2", article_url="https://elsewhere.example/other")  # the first stays
    detail = admin.get("/images/img-1").json
    assert (detail["article_url"], detail["article_by"]) == (ARTICLE, "reader")
    assert register(client, "img-1", article_url="https://www.example.ma/sport/match.html").status_code == 202
    detail = admin.get("/images/img-1").json
    assert (detail["article_url"], detail["article_by"]) == ("https://www.example.ma/sport/match.html", "site")
    assert 0 < redis_client.ttl("imgmod:art:img-1") <= 365 * 86400  # as long as a registration's hash


def test_a_reset_forgets_the_readers_article_not_the_sites(client, reporter, admin):
    reporter.anonymous("img-1", article_url=ARTICLE)
    admin.post("/images/img-1/reset", json={})
    assert admin.get("/images/img-1").json["article_url"] is None
    register(client, "img-2", article_url=ARTICLE)
    admin.post("/images/img-2/reset", json={})
    assert admin.get("/images/img-2").json["article_by"] == "site"


def test_a_repeat_or_a_registration_without_article_changes_nothing(client, reporter, admin):
    register(client, "img-1")
    reporter.anonymous("img-1", ip="198.51.100.1")
    reporter.anonymous("img-1", ip="198.51.100.1", article_url=ARTICLE)  # a repeat is not counted, nor kept
    assert admin.get("/images/img-1").json["article_url"] is None


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "ftp://www.example.ma/a.html", "https://user@www.example.ma/a.html",
    "https://www.example.ma\\@evil.example/", "https://www.exa mple.ma/", "https://www.example.ma/a\nb",
    "https://%65vil.example/", "//www.example.ma/a.html", "https://", "https://www.example.ma/" + "a" * 2000,
])
def test_an_article_url_is_checked_like_an_image_url(client, reporter, url):
    answer = reporter.anonymous("img-1", article_url=url)
    assert answer.status_code in (400, 422) and "article_url" in answer.get_data(as_text=True)
    answer = register(client, "img-1", article_url=url)
    assert answer.status_code in (400, 422) and "article_url" in answer.get_data(as_text=True)
