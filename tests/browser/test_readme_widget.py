"""The README's widget snippet, as it stands, on a news site's page served from another origin, against the
app configured with the README's CORS line."""
from __future__ import annotations

from playwright.sync_api import expect

from config import load_settings
from tests.browser.test_real_pages import expect_hidden, expect_shown, hide
from tests.conftest import SECRET
from tests.test_docs import EXAMPLE_API, readme_widget

EXAMPLE_ORIGIN = "https://www.example.ma"  # the news site of the README's CORS line
EXAMPLE_PHOTO = "https://cdn.example.ma/1842/hero.jpg"


def test_the_readme_snippet_shows_a_visible_photo_and_never_loads_a_hidden_ones(reader, site, admin, live_server,
                                                                                settings):
    snippet, origins = readme_widget()
    allowed = load_settings({"IMGMOD_SECRET_KEY": SECRET,
                             "IMGMOD_CORS_ORIGINS": origins.replace(EXAMPLE_ORIGIN, site.allowed_origin)})
    assert allowed.cors_origins == settings.cors_origins  # the app the page talks to is configured so
    assert EXAMPLE_PHOTO in snippet
    page_html = ('<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>site</title></head>'
                 f'<body><article>{snippet}</article></body></html>')
    photo = site.url("/photos/hero.jpg")
    site.files["/readme"] = ("text/html; charset=utf-8",
                             page_html.replace(EXAMPLE_API, live_server).replace(EXAMPLE_PHOTO, photo).encode())

    page = reader(site.url("/readme"), address=None)
    expect_shown(page, "article-1842.hero", photo)
    expect(page.locator(".imgmod-report")).to_have_count(1)  # the report button

    hide(admin, "article-1842.hero")
    site.requested.clear()
    later = reader(site.url("/readme"), address=None)
    expect_hidden(later, "article-1842.hero", live_server)
    assert "/photos/hero.jpg" not in site.requested
