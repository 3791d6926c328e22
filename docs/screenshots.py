"""Take the README's screenshots: `imgmod dev` on a free port, real reports, headless Chromium.

Run from the repository root after `pip install -e '.[test]'`:  .venv/bin/python docs/screenshots.py
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
from playwright.sync_api import sync_playwright

from service.devserver import free_port

DOCS = Path(__file__).resolve().parent
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


def report(base: str, image_id: str, photo: str, readers: int, reason: str) -> None:
    for n in range(readers):
        requests.post(f"{base}/v1/reports", timeout=5, headers={"X-Forwarded-For": f"198.51.100.{n + 1}"},
                      json={"image_id": image_id, "reason": reason, "image_url": f"{base}/demo/images/{photo}.jpg"})


def shoot(base: str, token: str) -> None:
    chromium = os.environ.get("IMGMOD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
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

        page = browser.new_page(viewport={"width": 1200, "height": 720}, locale="en-GB")
        page.goto(f"{base}/admin?lang=en")
        page.get_by_role("textbox", name="Editor token").fill(token)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Most reported").click()
        page.locator("li.card").nth(2).wait_for()
        page.locator("li.card").first.get_by_role("button", name="History").click()
        page.locator("#history tbody tr").first.wait_for()
        page.wait_for_function("[...document.images].every(img => img.complete)")
        page.screenshot(path=DOCS / "admin.png", full_page=True)
        browser.close()


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data:
        env = {key: value for key, value in os.environ.items() if not key.startswith("IMGMOD_")}
        env["IMGMOD_TRUSTED_PROXIES"] = "1"  # distinct readers through X-Forwarded-For
        dev = subprocess.Popen([sys.executable, "-m", "service.cli", "dev", "--bind", f"127.0.0.1:{port}",
                                "--data-dir", data], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda: requests.get(f"{base}/healthz", timeout=1).ok, "imgmod dev")
            report(base, "demo-1842.souk", "souk", 3, "violence")
            report(base, "demo-1842.coast", "coast", 2, "misleading")
            report(base, "demo-1842.atlas", "atlas", 1, "spam")
            # The worker hides the souk photo, then fetches it from the demo and blurs it.
            wait_until(lambda: "86400" in requests.get(f"{base}/v1/images/demo-1842.souk/placeholder",
                                                       timeout=5).headers.get("Cache-Control", ""),
                       "the blurred placeholder")
            shoot(base, (Path(data) / "admin_token").read_text().strip())
        finally:
            dev.send_signal(signal.SIGINT)
            dev.wait(timeout=60)
    print("screenshots: wrote", ", ".join(sorted(path.name for path in DOCS.glob("*.png"))))


if __name__ == "__main__":
    main()
