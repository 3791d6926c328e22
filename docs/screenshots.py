"""Take the guides' screenshots: `imgmod dev` on a free port, real reports, headless Chromium.

Run from the repository root after `pip install -e '.[test]'`:  .venv/bin/python docs/screenshots.py
Name shots to take only those (the others are left as they are), e.g.:  docs/screenshots.py admin-ar admin-fr
Shots: demo, admin, admin-restore, admin-ar, admin-fr, admin-phone-ar, admin-phone-fr.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from PIL import Image
from playwright.sync_api import sync_playwright

from service.devserver import free_port
from service.web.page_texts import ADMIN

DOCS = Path(__file__).resolve().parent
KEY = "screenshots-frontend-key-0123456789"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def wait_until(check, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: gave up waiting for {what}")
        time.sleep(0.2)


def report(base: str, image_id: str, photo: str, readers: int, reason: str, comments: tuple[str, ...] = (),
           key: str | None = None, accounts: tuple[str, ...] = (), article: str | None = None) -> None:
    """`readers` anonymous readers (distinct addresses), then site `accounts` through a frontend key."""
    url = f"{base}/demo/images/{photo}.jpg"
    senders = [({"X-Forwarded-For": f"198.51.100.{n + 1}"}, {}) for n in range(readers)]
    senders += [({"Authorization": f"Bearer {key}"}, {"reporter_id": account}) for account in accounts]
    for n, (headers, body) in enumerate(senders):
        comment = {"comment": comments[n]} if n < len(comments) else {}
        if article:
            comment["article_url"] = article
        answer = requests.post(f"{base}/v1/reports", timeout=5, headers=headers,
                               json={"image_id": image_id, "reason": reason, "image_url": url, **body, **comment})
        answer.raise_for_status()


def small(path: Path) -> None:
    """A screenshot in 256 colours: a few times lighter, and the console's flat colours do not suffer."""
    with Image.open(path) as shot:
        fewer = shot.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    fewer.save(path, optimize=True)


def shoot(base: str, token: str, only: set[str]) -> None:
    def wanted(name: str) -> bool:
        return not only or name in only

    chromium = os.environ.get("IMGMOD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        shoot_all(browser, base, token, wanted)
        browser.close()


def shoot_all(browser, base: str, token: str, wanted) -> None:
    if wanted("demo"):
        page = browser.new_page(viewport={"width": 1200, "height": 860}, device_scale_factor=1)
        page.goto(f"{base}/demo")
        page.locator(".imgmod-report").first.wait_for()
        page.locator(".imgmod-report").first.dispatch_event("click")  # no scrolling: keep the masthead in view
        page.screenshot(path=DOCS / "demo-dialog.png")
        page.get_by_label("عنف").check()
        page.locator(".imgmod-send").click()
        page.locator(".imgmod-status").first.wait_for()
        # The widget's controls live in shadow roots (open): look inside them.
        page.wait_for_function("[...document.querySelectorAll('.imgmod-control')]"
                               ".some(host => host.shadowRoot.querySelector('.imgmod-status').textContent !== '')")
        page.locator("figure").first.evaluate("figure => window.scrollTo(0, figure.offsetTop + 220)")
        page.wait_for_function("[...document.images].every(img => !img.getAttribute('src') || img.complete)")
        page.screenshot(path=DOCS / "demo.png")

    # The queue first: the photo waiting for review, blurred, with what readers said and who they are.
    if wanted("admin"):
        page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="en-GB")
        page.goto(f"{base}/admin?lang=en")
        page.get_by_role("textbox", name="Editor token").fill(token)
        page.get_by_role("button", name="Sign in").click()
        page.locator("li.card").first.wait_for()
        page.locator("li.card").first.get_by_role("button", name="History").click()
        page.locator("#history tbody tr").first.wait_for()
        page.wait_for_function("[...document.images].every(img => img.complete)")
        page.screenshot(path=DOCS / "admin.png", full_page=True)

    # The console on a desk (1280 px), in Arabic and in French: the queue, a photo shown, its history.
    for lang in ("ar", "fr"):
        if not wanted(f"admin-{lang}"):
            continue
        field, button, show = ADMIN[lang]["token"], ADMIN[lang]["sign_in"], ADMIN[lang]["reveal"]
        page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1,
                                locale="ar-MA" if lang == "ar" else "fr-FR")
        page.goto(f"{base}/admin?lang={lang}")
        page.get_by_role("textbox", name=field).fill(token)
        page.get_by_role("button", name=button, exact=True).click()
        first = page.locator("li.card").first
        first.wait_for()
        first.get_by_role("button", name=show).click()
        page.wait_for_function("[...document.images].every(img => img.complete)")
        page.screenshot(path=DOCS / f"admin-{lang}.png")
        small(DOCS / f"admin-{lang}.png")

    # An Arabic-speaking editor restores a hidden photo after looking at it: asked once more, with a note.
    if wanted("admin-restore"):
        page = browser.new_page(viewport={"width": 1200, "height": 760}, locale="ar-MA")
        page.goto(f"{base}/admin?lang=ar")
        page.get_by_role("textbox", name="رمز المحرر").fill(token)
        page.get_by_role("button", name="دخول").click()
        page.locator("li.card").first.wait_for()
        page.get_by_role("button", name="محجوبة").click()
        card = page.locator('li.card[data-image-id="demo-1842.souk"]')
        card.get_by_role("button", name="أظهر الصورة").click()
        page.wait_for_function("[...document.images].every(img => img.complete)")
        card.get_by_role("button", name="الصورة سليمة").click()
        page.get_by_role("dialog").get_by_role("textbox").fill("صورة سوق عادية، لا عنف فيها")
        page.screenshot(path=DOCS / "admin-restore.png")
        small(DOCS / "admin-restore.png")

    # An editor on call, on a phone (390 x 844), in Arabic and in French: the queue, one column.
    for lang in ("ar", "fr"):
        field, button = ADMIN[lang]["token"], ADMIN[lang]["sign_in"]
        if wanted(f"admin-phone-{lang}"):
            page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True,
                                    has_touch=True, locale="ar-MA" if lang == "ar" else "fr-FR")
            page.goto(f"{base}/admin?lang={lang}")
            page.get_by_role("textbox", name=field).fill(token)
            page.get_by_role("button", name=button, exact=True).click()
            page.locator("li.card").first.wait_for()
            page.wait_for_function("[...document.images].every(img => img.complete)")
            page.screenshot(path=DOCS / f"admin-phone-{lang}.png")
            small(DOCS / f"admin-phone-{lang}.png")


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data:
        env = {key: value for key, value in os.environ.items() if not key.startswith("IMGMOD_")}
        env["IMGMOD_TRUSTED_PROXIES"] = "1"  # distinct readers through X-Forwarded-For
        env["IMGMOD_FRONTEND_KEYS"] = f"site:{KEY}"  # the site's own accounts report too
        dev = subprocess.Popen([sys.executable, "-m", "service.cli", "dev", "--bind", f"127.0.0.1:{port}",
                                "--data-dir", data], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda: requests.get(f"{base}/healthz", timeout=1).ok, "imgmod dev")
            token = (Path(data) / "admin_token").read_text().strip()
            admin = {"Authorization": f"Bearer {token}"}
            # One site account editors overturned before: it has a poor record now.
            report(base, "demo-1842.kasbah", "kasbah", 0, "hate", key=KEY, accounts=("reader-7",))
            requests.post(f"{base}/v1/admin/images/demo-1842.kasbah/reset", json={}, headers=admin,
                          timeout=5).raise_for_status()
            report(base, "demo-1842.souk", "souk", 3, "violence")
            report(base, "demo-1842.coast", "coast", 1, "misleading", key=KEY, article="https://www.example.ma/1842",
                   accounts=("reader-7", "reader-12", "reader-31"),
                   comments=("The caption says 2026, the photo is from 2019", "Not Essaouira"))
            report(base, "demo-1842.atlas", "atlas", 1, "spam")
            # The worker hides the souk photo, then fetches it from the demo and blurs it.
            wait_until(lambda: "86400" in requests.get(f"{base}/v1/images/demo-1842.souk/placeholder",
                                                       timeout=5).headers.get("Cache-Control", ""),
                       "the blurred placeholder")
            shoot(base, token, set(sys.argv[1:]))
        finally:
            dev.send_signal(signal.SIGINT)
            dev.wait(timeout=60)
    print("screenshots: wrote", ", ".join(sorted(sys.argv[1:]) or sorted(path.name for path in DOCS.glob("*.png"))))


if __name__ == "__main__":
    main()
