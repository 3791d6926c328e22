"""The widget on a news site's own article pages (another origin, the site's own copy of the script):
imgmod down or hanging, many long ids, images added later, <picture>, CMS ids, layout and styles."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import expect

from harness.redis_server import free_port
from service.web.messages import THANKS
from service.web.page_texts import REASONS
from tests.browser.conftest import csp_violations, img
from tests.test_ids import ARABIC, BAD_IDS, GOOD_IDS, SLASHED

SETTLED = "() => [...document.querySelectorAll('img[data-image-id]')].every(i => i.dataset.imgmod && i.dataset.imgmod !== 'pending')"
SHOWN = "i => i.complete && i.naturalWidth > 0 && i.currentSrc !== ''"


def lookups(page) -> list[str]:
    return [url for url in page.requested if urlsplit(url).path == "/v1/images"]


def looked_up(page) -> list[str]:
    return [image_id for url in lookups(page) for image_id in parse_qs(urlsplit(url).query)["id"]]


def image(page, image_id: str):
    return page.locator(f'img[data-image-id="{image_id}"]')


def expect_shown(page, image_id: str, src: str, timeout: float = 5000) -> None:
    """The original is the image's source and is on screen (loaded and decoded)."""
    photo = image(page, image_id)
    expect(photo).to_have_attribute("src", src, timeout=timeout)
    page.wait_for_function(SHOWN, arg=photo.element_handle(), timeout=timeout)


def expect_hidden(page, image_id: str, api: str) -> None:
    photo = image(page, image_id)
    expect(photo).to_have_attribute("src", f"{api}/v1/images/{quote(image_id, safe='')}/placeholder")
    page.wait_for_function(SHOWN, arg=photo.element_handle())
    expect(page.locator(".imgmod-hidden", has=photo).locator(".imgmod-overlay")).to_have_count(1)


def hide(admin, image_id: str) -> None:
    assert admin.post(f"/images/{quote(image_id)}/hide").json["hidden"] is True


# imgmod down: the site's own copy of the script still shows the photos.

@pytest.mark.parametrize("imgmod", ["unreachable", "never answering", "answering an HTML 414"])
def test_own_copy_shows_the_photos_within_3_s_whatever_imgmod_does(reader, site, silent_api, admin, imgmod):
    api = {"unreachable": f"http://127.0.0.1:{free_port()}",
           "never answering": silent_api, "answering an HTML 414": site.api}[imgmod]
    site.pages["/down"] = site.article(img("down-1.hero", "/photos/hero.jpg") + img("down-2.side", "/photos/side.jpg"),
                                       api=api)

    refused = []
    if imgmod == "answering an HTML 414":
        hide(admin, "down-2.side")  # imgmod knows it is hidden, but cannot say so: it is shown too (fail open)

    def before(page):
        if imgmod == "answering an HTML 414":  # as gunicorn answers an over-long request line: no CORS, HTML
            def too_long(route):
                refused.append(route.request.url)
                route.fulfill(status=414, body="<h1>Too long</h1>", content_type="text/html")
            page.route(f"{api}/v1/images?*", too_long)

    page = reader(site.url("/down"), address=None, wait_until="commit", before=before)
    # The contract's promise, measured from the page's first bytes: a generous bound would hide a regression.
    expect_shown(page, "down-1.hero", "/photos/hero.jpg", timeout=3000)
    expect_shown(page, "down-2.side", "/photos/side.jpg", timeout=3000)
    page.wait_for_function("() => window.__warnings.some(w => w.includes('lookup failed'))")
    if imgmod == "unreachable":  # the browser says only "Failed to fetch": the warning names the likely causes
        warning = page.evaluate("() => window.__warnings.find(w => w.includes('lookup failed'))")
        assert f"imgmod unreachable at {api}" in warning and "IMGMOD_CORS_ORIGINS" in warning, warning
    assert len(refused) == (1 if imgmod == "answering an HTML 414" else 0)
    assert "/js/imgmod-widget.js" in site.requested  # the site's copy, not imgmod's
    assert not [url for url in page.requested if url.endswith("/v1/widget.js")]
    expect(page.locator(".imgmod-report")).to_have_count(2)  # readers can still try to report
    assert csp_violations(page) == []


def test_fail_closed_keeps_photos_hidden_until_imgmod_answers(reader, site, admin, live_server):
    hide(admin, "closed-2.hidden")
    site.pages["/closed"] = site.article(img("closed-1.visible", "/photos/c1.jpg")
                                         + img("closed-2.hidden", "/photos/c2.jpg"), script_attrs='data-fail="closed"')
    failures = []

    def before(page):
        def first_fails(route):
            if not failures:
                failures.append(route.request.url)
                route.abort("connectionrefused")
            else:
                route.continue_()
        page.route(f"{live_server}/v1/images?*", first_fails)

    page = reader(site.url("/closed"), address=None, before=before)
    # The first lookup failed: nothing shown then; the widget asked again a second later.
    expect_shown(page, "closed-1.visible", "/photos/c1.jpg")
    assert len(failures) == 1 and len(lookups(page)) == 2
    assert any("photos stay hidden until imgmod answers" in text for text in page.warnings), page.warnings
    expect_hidden(page, "closed-2.hidden", live_server)
    assert "/photos/c2.jpg" not in site.requested


def test_fail_closed_shows_nothing_while_imgmod_hangs(reader, site, silent_api):
    site.pages["/hang"] = site.article(img("hang-1", "/photos/h1.jpg"), api=silent_api,
                                       script_attrs='data-fail="closed"')
    page = reader(site.url("/hang"), address=None)
    expect(image(page, "hang-1")).to_have_attribute("data-imgmod", "pending")
    # The lookup timed out (the widget says so), and the photo is still not requested.
    page.wait_for_function("() => window.__warnings.some(w => w.includes('lookup failed'))", timeout=5000)
    assert image(page, "hang-1").get_attribute("src") is None
    assert "/photos/h1.jpg" not in site.requested


# Every image looked up, however many and however long their ids.

def test_120_images_with_200_character_ids(reader, site, admin, live_server):
    ids = [(f"hespress:2024-05-12:societe/{n:03d}-" + "x" * 200)[:200] for n in range(120)]
    hidden = ids[77]
    hide(admin, hidden)
    site.pages["/long"] = site.article("".join(img(image_id, f"/photos/p{n:03d}.jpg", 160, 90)
                                               for n, image_id in enumerate(ids)))
    page = reader(site.url("/long"), address=None)
    page.wait_for_function(SETTLED)
    expect_hidden(page, hidden, live_server)
    page.wait_for_function("() => [...document.querySelectorAll('img[data-imgmod=visible]')]"
                           ".every(i => i.complete && i.naturalWidth > 0)")
    states = page.eval_on_selector_all("img[data-image-id]", "all => all.map(i => [i.dataset.imageId, i.dataset.imgmod])")
    assert states == [[image_id, "hidden" if image_id == hidden else "visible"] for image_id in ids]
    for n, image_id in enumerate(ids):
        if image_id != hidden:
            assert image(page, image_id).get_attribute("src") == f"/photos/p{n:03d}.jpg"
    # Every id asked once, in URLs that stay far below any request-line limit.
    assert sorted(looked_up(page)) == sorted(ids)
    assert len(lookups(page)) >= 12 and max(len(url.encode()) for url in lookups(page)) < 2000
    assert "/photos/p077.jpg" not in site.requested
    assert not [url for url in page.requested if url.endswith("/photos/p077.jpg")]
    assert csp_violations(page) == []


def test_images_inserted_a_second_after_load(reader, site, admin, live_server):
    hide(admin, "more-2.hidden")
    site.files["/js/more.js"] = ("text/javascript", b"""
setTimeout(function () {
  var more = document.createElement("section");
  more.innerHTML = '<img data-image-id="more-1.visible" data-src="/photos/m1.jpg" width="480" height="270" alt="1">' +
    '<img data-image-id="more-2.hidden" data-src="/photos/m2.jpg" width="480" height="270" alt="2">' +
    '<p><img data-image-id="more-3.visible" data-src="/photos/m3.jpg" width="480" height="270" alt="3"></p>';
  document.querySelector("article").appendChild(more);
  document.documentElement.dataset.inserted = String(performance.now());
}, 1000);
""")
    site.pages["/more"] = site.article(img("first.photo", "/photos/first.jpg"), head='<script src="/js/more.js"></script>')
    page = reader(site.url("/more"), address=None)
    expect_shown(page, "first.photo", "/photos/first.jpg")
    expect(page.locator("html")).to_have_attribute("data-inserted", re.compile(r"\d"))
    expect_shown(page, "more-1.visible", "/photos/m1.jpg")
    expect_shown(page, "more-3.visible", "/photos/m3.jpg")
    expect_hidden(page, "more-2.hidden", live_server)
    # One lookup for the page, one for the burst of three.
    assert [parse_qs(urlsplit(url).query)["id"] for url in lookups(page)] == \
        [["first.photo"], ["more-1.visible", "more-2.hidden", "more-3.visible"]]
    assert "/photos/m2.jpg" not in site.requested
    expect(page.locator(".imgmod-report")).to_have_count(3)


def test_scan_api_looks_up_a_fragment_now(reader, site, admin, live_server):
    hide(admin, "scan-hidden")
    site.pages["/scan"] = site.article("")
    page = reader(site.url("/scan"), address=None)
    page.wait_for_function("() => window.imgmod && window.imgmod.version")
    page.evaluate("""() => {
      const box = document.createElement("div");
      box.innerHTML = '<img data-image-id="scan-hidden" data-src="/photos/s.jpg" alt="s">';
      document.body.appendChild(box);
      return window.imgmod.scan(box);
    }""")
    assert image(page, "scan-hidden").get_attribute("data-imgmod") == "hidden"  # handled when scan resolves
    expect_hidden(page, "scan-hidden", live_server)
    assert "/photos/s.jpg" not in site.requested


# <picture>

def picture(image_id: str, name: str) -> str:
    return (f'<picture><source type="image/webp" data-srcset="/photos/{name}.webp 1x" data-sizes="480px">'
            f'{img(image_id, f"/photos/{name}.jpg")}</picture>')


def test_picture_sources(reader, site, admin, live_server):
    hide(admin, "pic-hidden")
    site.pages["/picture"] = site.article(picture("pic-visible", "pv") + picture("pic-hidden", "ph"))
    page = reader(site.url("/picture"), address=None)
    visible = image(page, "pic-visible")
    page.wait_for_function("i => i.complete && i.naturalWidth > 0 && i.currentSrc.endsWith('/photos/pv.webp')",
                           arg=visible.element_handle())
    expect_hidden(page, "pic-hidden", live_server)
    assert "/photos/pv.webp" in site.requested and "/photos/pv.jpg" not in site.requested
    assert not {"/photos/ph.webp", "/photos/ph.jpg"} & set(site.requested), site.requested
    assert page.locator("picture source").first.get_attribute("sizes") == "480px"
    assert csp_violations(page) == []


# Ids a CMS uses.

def test_arabic_and_slashed_ids_end_to_end(reader, site, admin, live_server):
    site.pages["/cms"] = site.article(img(ARABIC, "/photos/ar.jpg", alt="ar") + img(SLASHED, "/photos/slash.jpg", alt="sl"))
    page = reader(site.url("/cms"), address=None)  # a cross-origin reader: no extra header, no preflight
    for image_id in (ARABIC, SLASHED):
        expect_shown(page, image_id, "/photos/ar.jpg" if image_id == ARABIC else "/photos/slash.jpg")
    assert sorted(looked_up(page)) == sorted([ARABIC, SLASHED])
    for image_id, reason in ((ARABIC, "violence"), (SLASHED, "spam")):
        control = page.locator(".imgmod-control").nth(0 if image_id == ARABIC else 1)
        control.locator(".imgmod-report").click()
        page.get_by_label(REASONS["ar"][reason], exact=True).check()
        page.locator(".imgmod-send").click()
        expect(control.locator(".imgmod-status")).to_have_text(THANKS["ar"])
        assert admin.get(f"/images/{quote(image_id)}").json["reasons"] == {reason: 1}
    hide(admin, SLASHED)

    later = reader(site.url("/cms"), address=None)
    expect_hidden(later, SLASHED, live_server)  # the placeholder's URL carries the '/' of the id
    expect_shown(later, ARABIC, "/photos/ar.jpg")
    assert not [url for url in later.requested if url.endswith("/photos/slash.jpg")]


def test_a_refused_id_is_shown_with_a_console_warning(reader, site):
    site.pages["/refused"] = site.article(img("bad id!", "/photos/bad.jpg") + img("-lead", "/photos/lead.jpg")
                                          + img("good-1", "/photos/good.jpg"))
    page = reader(site.url("/refused"), address=None)
    expect_shown(page, "bad id!", "/photos/bad.jpg")
    expect_shown(page, "-lead", "/photos/lead.jpg")
    expect_shown(page, "good-1", "/photos/good.jpg")
    for image_id in ("bad id!", "-lead"):
        assert any(f'"{image_id}"' in text and "not valid" in text for text in page.warnings), page.warnings
    assert looked_up(page) == ["good-1"]


def test_the_widget_and_the_api_judge_ids_alike(reader, site):
    ids = [image_id for image_id in GOOD_IDS + BAD_IDS if image_id]
    site.pages["/judge"] = site.article("".join(img(image_id, f"/photos/j{n}.jpg", 40, 40) for n, image_id in enumerate(ids)))
    page = reader(site.url("/judge"), address=None)
    page.wait_for_function(SETTLED)
    refused = page.eval_on_selector_all("img[data-imgmod=refused]", "all => all.map(i => i.dataset.imageId)")
    assert sorted(refused) == sorted(image_id for image_id in BAD_IDS if image_id)
    assert sorted(looked_up(page)) == sorted(GOOD_IDS)


# Layout and styles.

SITE_CSS = b"""
h2 { color: rgb(255, 0, 0); font-size: 40px; text-transform: uppercase; letter-spacing: 8px; }
button { background: rgb(0, 255, 0); font-size: 30px; }
label { display: none; }
"""


def test_layout_and_styles_are_isolated(reader, site, admin, live_server):
    hide(admin, "thumb-2")
    site.files["/css/site.css"] = ("text/css", SITE_CSS)
    thumbs = "".join(img(f"thumb-{n}", f"/photos/t{n}.jpg", 96, 54, alt=f"t{n}") for n in range(5))
    site.pages["/layout"] = site.article(f'<p class="thumbs">{thumbs}</p><figure>{img("big", "/photos/big.jpg")}'
                                         f'</figure>', head='<link rel="stylesheet" href="/css/site.css">')
    page = reader(site.url("/layout"), address=None)
    page.wait_for_function(SETTLED)
    expect_hidden(page, "thumb-2", live_server)
    boxes = [image(page, f"thumb-{n}").bounding_box() for n in range(5)]
    assert len({round(box["y"]) for box in boxes}) == 1, boxes  # still one row
    assert all((round(box["width"]), round(box["height"])) == (96, 54) for box in boxes), boxes
    # Right to left: each thumbnail left of the one before, with no room taken by the controls.
    assert all(boxes[n + 1]["x"] < boxes[n]["x"] for n in range(4)), boxes
    for n in (0, 1, 3, 4):
        button = page.locator(".imgmod-control").nth(n if n < 2 else n - 1).locator("button")
        expect(button).to_have_class("imgmod-report imgmod-icon")
        expect(button).to_have_accessible_name(f"إبلاغ: t{n}")
        inner, outer = button.bounding_box(), boxes[n]
        assert outer["x"] <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"], (inner, outer)
        assert outer["y"] <= inner["y"] and inner["y"] + inner["height"] <= outer["y"] + outer["height"], (inner, outer)
    overlay = page.locator(".imgmod-hidden .imgmod-overlay").bounding_box()
    frame = boxes[2]
    assert frame["x"] - 1 <= overlay["x"] and overlay["x"] + overlay["width"] <= frame["x"] + frame["width"] + 1
    assert overlay["height"] <= frame["height"] + 1, (overlay, frame)
    # The big photo's bar has words; its dialog does not take the page's styles.
    big = page.locator("figure .imgmod-report")
    expect(big).to_have_class("imgmod-report")
    big.click()
    title = page.locator("dialog.imgmod-dialog h2")
    expect(title).to_be_visible()
    style = title.evaluate("e => { const s = getComputedStyle(e); return [s.color, s.fontSize, s.textTransform, s.letterSpacing]; }")
    assert style[0] != "rgb(255, 0, 0)" and float(style[1][:-2]) < 24 and style[2] == "none" and style[3] == "normal", style
    expect(page.locator("dialog.imgmod-dialog label").first).to_be_visible()
    send = page.locator(".imgmod-send").evaluate("e => getComputedStyle(e).backgroundColor")
    assert send != "rgb(0, 255, 0)"
    assert csp_violations(page) == []


# Server-side integration (docs/examples/server_side.py) with the widget on the page.

def test_server_rendered_photos_with_the_widget(reader, site, admin, live_server):
    from tests.test_server_side_example import EXAMPLE
    import importlib.util

    spec = importlib.util.spec_from_file_location("server_side_example", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    hide(admin, SLASHED)
    lookup = example.ImgmodLookup(live_server)
    photos = {"ssr.hero": "/photos/ssr.jpg", SLASHED: "/photos/ssr-hidden.jpg"}
    states = lookup.hidden(list(photos))
    site.pages["/ssr"] = site.article("".join(example.render_img(i, src, "photo", states[i], live_server, 480, 270)
                                              for i, src in photos.items()))
    page = reader(site.url("/ssr"), address=None)
    page.wait_for_function(SETTLED)
    expect_shown(page, "ssr.hero", "/photos/ssr.jpg")
    expect(page.locator(".imgmod-report")).to_have_count(1)  # the widget added the button to the visible one
    expect_hidden(page, SLASHED, live_server)
    assert "/photos/ssr.jpg" in site.requested and "/photos/ssr-hidden.jpg" not in site.requested
