"""After a restore, the card still shows the photo the site registered (it used to say its address is unknown)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from service.web.page_texts import ADMIN
from tests.conftest import ADMIN_TOKEN, FRONTEND_KEY, with_settings


@pytest.fixture
def settings(settings, news_site):
    """The news site's host is where registered photos may be fetched from."""
    return with_settings(settings, image_hosts=(f"127.0.0.1:{news_site.port}",))


@pytest.mark.parametrize("fetched", [True, False], ids=["hashed", "not-fetched"])
def test_a_restored_photo_shows_the_photo_the_site_registered(reader, reporter, client, admin, workers, site,
                                                                fetched):
    image_id = "article-3.hero"
    # Not fetched: a host the workers may not fetch from (the photos' CDN, say), which browsers load.
    registered = (site.allowed_origin if fetched else site.refused_origin) + "/photos/hero.jpg"
    answer = client.post("/v1/images", json={"images": [{"image_id": image_id, "image_url": registered}]},
                         headers={"Authorization": f"Bearer {FRONTEND_KEY}"})
    assert answer.status_code == 202
    workers.burst()  # the registration's job: fetched and hashed, or refused (a host not allowed)
    for n in range(3):  # readers, each saying where they saw it
        reporter.anonymous(image_id, ip=f"203.0.113.{n}", reason="violence",
                           image_url=site.url("/photos/what-a-reader-saw.jpg"))
    workers.burst()
    assert admin.get(f"/images/{image_id}").json["hidden"]
    page = reader("/admin?lang=en")
    page.get_by_role("textbox", name=ADMIN["en"]["token"]).fill(ADMIN_TOKEN)
    page.get_by_role("button", name=ADMIN["en"]["sign_in"]).click()
    page.get_by_role("button", name=ADMIN["en"]["tabs"]["hidden"]).click()
    card = page.locator(f'li.card[data-image-id="{image_id}"]')
    card.get_by_role("button", name=ADMIN["en"]["restore"]).click()
    page.get_by_role("dialog").get_by_role("button", name=ADMIN["en"]["ask"]["restore"]["yes"]).click()
    expect(page.locator("#status")).to_have_text(ADMIN["en"]["done"]["restore"].replace("{id}", image_id))
    page.get_by_label(ADMIN["en"]["find"]).fill(image_id)
    page.get_by_role("button", name=ADMIN["en"]["show"], exact=True).click()
    expect(card.locator(".badge.state")).to_have_text(ADMIN["en"]["states"]["visible"])
    expect(card.locator(".frame")).not_to_contain_text(ADMIN["en"]["no_photo"])
    photo = card.locator(".frame img")
    expect(photo).to_have_attribute("src", registered)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    expect(card.locator(".reader-url")).to_have_count(0)  # the site's word, not a reader's
    assert admin.get(f"/images/{image_id}").json["registered_url"] == registered
