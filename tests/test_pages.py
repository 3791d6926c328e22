"""The pages over HTTP: the widget script, the demo article and the console, and what ships them."""
from __future__ import annotations

import gzip
import json
import re
import tomllib
from html import unescape
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from service.web.hardening import ADMIN_PAGE_POLICY, ADMIN_PAGE_POLICY_OVER_HTTP, PAGE_POLICY
from service.web.page_texts import ADMIN, DEMO, PHOTOS

ROOT = Path(__file__).resolve().parent.parent


class Elements(HTMLParser):
    """Every start tag with its attributes, and whether it stood inside <noscript>."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict, bool]] = []
        self.noscript = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), self.noscript > 0))
        self.noscript += tag == "noscript"

    def handle_endtag(self, tag):
        self.noscript -= tag == "noscript"

    def find(self, tag: str, scripted: bool = True) -> list[dict]:
        return [attrs for name, attrs, in_noscript in self.elements if name == tag and in_noscript != scripted]


def assert_strict_csp_ready(page: Elements) -> None:
    """Nothing that a CSP without 'unsafe-inline' would block."""
    assert not page.find("style", scripted=True)
    for tag, attrs, _ in page.elements:
        assert "style" not in attrs, tag
        assert not [name for name in attrs if name.startswith("on")], tag
        if tag == "script":
            assert attrs.get("src") or attrs.get("type") == "application/json", attrs
        if tag == "link" and attrs.get("rel") == "stylesheet":
            assert attrs["href"].startswith("/"), attrs  # same origin


def test_widget_is_served_as_cacheable_javascript(client):
    answer = client.get("/v1/widget.js")
    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    assert answer.cache_control.public and answer.cache_control.max_age == 300
    assert answer.headers["ETag"]
    assert client.get("/v1/widget.js", headers={"If-None-Match": answer.headers["ETag"]}).status_code == 304


def test_a_site_writes_its_own_copy_of_the_versioned_widget(client, tmp_path):
    from service.web.pages import write_widget

    served = client.get("/v1/widget.js")
    version = served.headers["X-Imgmod-Widget-Version"]
    assert version and f'var VERSION = "{version}";' in served.get_data(as_text=True)
    target = tmp_path / "imgmod-widget.js"
    target.write_text("an older copy")
    assert write_widget(target) == version
    assert target.read_bytes() == served.data
    assert [path.name for path in tmp_path.iterdir()] == ["imgmod-widget.js"]  # no temporary file left


def test_widget_is_small_and_self_contained(client):
    source = client.get("/v1/widget.js").data
    # 25,000 since the report dialog has its optional, counted comment field (24,000 before).
    assert len(source) < 25_000 and len(gzip.compress(source)) < 8_700, (len(source), len(gzip.compress(source)))
    text = source.decode()
    # No modules, no loaders, nothing evaluated; and nothing a strict CSP would refuse.
    for forbidden in ("import ", "require(", "eval(", "new Function", "document.write", "innerHTML", ".style.",
                      '"style"', 'createElement("style")', 'createElement("link")'):
        assert forbidden not in text, forbidden
    for reason in ("nudity", "violence", "hate", "spam", "misleading", "copyright", "other"):
        assert f'"{reason}"' in text


@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("fr", "ltr"), ("en", "ltr")])
def test_demo_article_in_each_language(client, lang, direction):
    answer = client.get(f"/demo?lang={lang}")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    html = answer.get_data(as_text=True)
    page = Elements(html)
    [root] = page.find("html")
    assert (root["lang"], root["dir"]) == (lang, direction)
    assert DEMO[lang]["headline"] in html
    [script] = [attrs for attrs in page.find("script") if attrs.get("src") == "/v1/widget.js"]
    assert script["data-lang"] == lang
    assert_strict_csp_ready(page)
    assert "Set-Cookie" not in answer.headers


def test_demo_defaults_to_arabic(client):
    [root] = Elements(client.get("/demo", headers={"Accept-Language": "fr"}).get_data(as_text=True)).find("html")
    assert (root["lang"], root["dir"]) == ("ar", "rtl")


def test_demo_photos_are_not_in_src_before_the_lookup(client):
    page = Elements(client.get("/demo").get_data(as_text=True))
    photos = page.find("img")
    assert len(photos) >= 3
    assert {attrs["data-image-id"] for attrs in photos} == set(PHOTOS.values())
    for attrs in photos:
        assert "src" not in attrs and "srcset" not in attrs, attrs  # the widget sets it only for visible ones
        assert attrs["data-src"].startswith("/demo/images/") and attrs["alt"]
    # Without JavaScript the reader still sees the photos.
    assert sorted(attrs["src"] for attrs in page.find("img", scripted=False)) == sorted(
        attrs["data-src"] for attrs in photos)


def test_demo_serves_its_own_photos(client):
    for attrs in Elements(client.get("/demo").get_data(as_text=True)).find("img"):
        answer = client.get(attrs["data-src"])
        assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
        assert answer.cache_control.max_age == 86400
        with Image.open(BytesIO(answer.data)) as image:
            assert image.size == (960, 540)


def test_unknown_demo_photo_is_a_json_404(client):
    answer = client.get("/demo/images/nope.jpg")
    assert answer.status_code == 404 and answer.is_json and "name" in answer.json["message"]


@pytest.mark.parametrize("path", ["/demo?lang=de", "/admin?lang=xx"])
def test_an_unknown_language_is_refused_naming_it(client, path):
    answer = client.get(path)
    assert answer.status_code == 400 and answer.is_json
    assert answer.json["message"].startswith("lang:")


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_console_page_in_each_language(client, lang):
    answer = client.get(f"/admin?lang={lang}")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    page = Elements(html)
    [root] = page.find("html")
    assert (root["lang"], root["dir"]) == (lang, "rtl" if lang == "ar" else "ltr")
    assert ADMIN[lang]["title"] in unescape(html) and ADMIN[lang]["sign_in"] in html
    texts = json.loads(re.search(r'<script type="application/json" id="texts">(.*?)</script>', html, re.S)[1])
    assert texts["refused"] == ADMIN[lang]["refused"] and set(texts["reason_names"]) >= {"nudity", "other"}
    assert {"name": "robots", "content": "noindex"} in page.find("meta")
    # The token field has no name: a form submitted without our script carries nothing.
    [token] = [attrs for attrs in page.find("input") if attrs.get("id") == "token"]
    assert "name" not in token and token["type"] == "password"
    assert_strict_csp_ready(page)
    assert "Set-Cookie" not in answer.headers


def test_only_the_console_may_show_images_from_other_origins(client):
    """The console shows each reported photo from its own address: https ones, and http ones too when the
    console itself is served over http (it used to show no photo of an http site, and say nothing);
    every other page keeps the strict policy."""
    console = client.get("/admin?lang=en", base_url="https://localhost").headers.getlist("Content-Security-Policy")
    assert console == [ADMIN_PAGE_POLICY]
    assert client.get("/admin?lang=en").headers.getlist("Content-Security-Policy") == [ADMIN_PAGE_POLICY_OVER_HTTP]
    for policy, images in ((ADMIN_PAGE_POLICY, "'self' https: data:"),
                           (ADMIN_PAGE_POLICY_OVER_HTTP, "'self' http: https: data:")):
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["img-src"] == images
        assert {name: value for name, value in directives.items() if name != "img-src"} == \
            {name: value for name, value in (part.strip().split(" ", 1) for part in PAGE_POLICY.split(";"))
             if name != "img-src"}  # nothing else is loosened
    assert client.get("/demo").headers.getlist("Content-Security-Policy") == [PAGE_POLICY]
    assert client.get("/docs").headers.getlist("Content-Security-Policy") == [PAGE_POLICY]


def test_console_follows_the_browser_language(client):
    answer = client.get("/admin", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert 'lang="fr"' in answer.get_data(as_text=True)
    assert "Accept-Language" in answer.headers["Vary"]


def test_pages_stay_out_of_the_openapi_document(client):
    paths = client.get("/openapi.json").json["paths"]
    assert not {"/demo", "/admin", "/v1/widget.js"} & set(paths)


def test_templates_and_static_files_are_packaged():
    """Every file the pages need is matched by the package-data globs, so `pip install .` ships it."""
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["service.web"]
    packaged = {path for pattern in globs for path in (ROOT / "service" / "web").glob(pattern)}
    needed = {path for folder in ("templates", "static") for path in (ROOT / "service" / "web" / folder).rglob("*")
              if path.is_file()}
    assert needed and needed <= packaged, needed - packaged
