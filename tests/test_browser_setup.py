"""Where no Chromium is found the browser tests skip and say why, unless IMGMOD_REQUIRE_BROWSER=1."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_browser_test(**env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "IMGMOD_REQUIRE_BROWSER"}
    environment.update(env)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           "tests/browser/test_widget.py", "-k", "english"],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def test_skips_with_a_reason_without_chromium():
    result = run_browser_test(IMGMOD_CHROMIUM="/nonexistent/chromium")
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout and "browser tests need Chromium" in result.stdout


def test_fails_without_chromium_when_a_browser_is_required():
    result = run_browser_test(IMGMOD_CHROMIUM="/nonexistent/chromium", IMGMOD_REQUIRE_BROWSER="1")
    assert result.returncode != 0
    assert "IMGMOD_REQUIRE_BROWSER=1 but no Chromium was found" in result.stdout
