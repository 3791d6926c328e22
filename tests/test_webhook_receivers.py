"""docs/examples/webhook_receiver.py and .php, the integration guide's webhook receivers, given imgmod's own deliveries:
each accepts them (a plain secret and a `whsec_` one) and refuses one older than 5 minutes, a forged
signature and a replay with another body or a refreshed timestamp."""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import textwrap
import time
from pathlib import Path

import pytest
import requests

from harness.redis_server import free_port
from harness.wait import wait_until
from tests.conftest import with_settings
from tests.http_fixtures import LocalServer
from tests.test_webhook import STANDARD_SECRET, WEBHOOK_SECRET, no_follow_up_left
from workers.webhook import WebhookRejected, deliver

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
SECRETS = pytest.mark.parametrize("secret", [WEBHOOK_SECRET, STANDARD_SECRET], ids=["plain", "whsec"])
BODY = ('{"event":"image.hidden","event_id":"2f1e6c1a-5b0e-5d6c-9a51-3c7f0e0d4b21","image_id":"img-1",'
        '"at":"2025-05-12T09:30:00.000Z"}')


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("webhook_receiver_example", EXAMPLES / "webhook_receiver.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def answers() -> list[int]:
    """What the Python example's endpoint answered, in order."""
    return []


@pytest.fixture
def python_site(example, secret, answers):
    """A site whose endpoint is the Python example: 204 for a verified event, 401 otherwise."""
    hooks = example.imgmod_webhooks(secret)

    def endpoint(request):
        answers.append(401 if example.verified_event(hooks, request.body, request.headers) is None else 204)
        return answers[-1], {}, b""

    with LocalServer(endpoint) as site:
        yield f"http://127.0.0.1:{site.port}/hooks/imgmod"


@pytest.fixture
def settings(settings, python_site, secret):
    return with_settings(settings, webhook_url=python_site, webhook_secret=secret)


@pytest.fixture
def php_site(secret, tmp_path):
    """A site whose endpoint is the PHP example, served by PHP's own server with the secret in its environment."""
    php = shutil.which("php")
    if php is None:
        pytest.skip("php, for the PHP receiver example, is not installed (apt-get install php-cli)")
    port = free_port()
    log = (tmp_path / "php.log").open("w")
    env = {**os.environ, "IMGMOD_WEBHOOK_SECRET": secret}
    server = subprocess.Popen([php, "-S", f"127.0.0.1:{port}", str(EXAMPLES / "webhook_receiver.php")],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: _accepts(port) or server.poll() is not None, what="PHP's server to listen")
        assert server.poll() is None, (tmp_path / "php.log").read_text()
        yield f"http://127.0.0.1:{port}/hooks/imgmod"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def captured(secret: str, clock=time.time):
    """One delivery as imgmod sends it (body and headers), caught on its way to the site."""
    with LocalServer(lambda request: (204, {}, b"")) as catcher:
        deliver(f"http://127.0.0.1:{catcher.port}/", secret, BODY, clock=clock)
    [request] = catcher.requests
    return request


def replay(url: str, request, **changes) -> int:
    """POST a captured delivery again, as an attacker who holds it would, with headers or body changed."""
    body = changes.pop("body", request.body)
    headers = {name: value for name, value in request.headers.items()
               if name.lower().startswith("webhook-") or name == "Content-Type"}
    return requests.post(url, data=body, headers={**headers, **changes}, timeout=10).status_code


def check_receiver(url: str, secret: str) -> None:
    assert deliver(url, secret, BODY) == 204
    assert deliver(url, secret, BODY, clock=lambda: time.time() - 290) == 204  # 4 min 50 s on the way
    with pytest.raises(WebhookRejected, match="HTTP 401"):
        deliver(url, secret, BODY, clock=lambda: time.time() - 310)  # 5 min 10 s: a replay
    with pytest.raises(WebhookRejected, match="HTTP 401"):
        deliver(url, secret, BODY, clock=lambda: time.time() + 310)  # from the future
    with pytest.raises(WebhookRejected, match="HTTP 401"):
        deliver(url, "another-secret-of-someone-else-0123", BODY)
    request = captured(secret)
    assert replay(url, request) == 204  # within 5 minutes; the site drops a repeat by its event_id
    assert replay(url, request, body=request.body.replace(b"img-1", b"img-2")) == 401
    assert replay(url, request, **{"webhook-id": "another-event"}) == 401
    old = captured(secret, clock=lambda: time.time() - 310)
    assert replay(url, old, **{"webhook-timestamp": str(int(time.time()))}) == 401
    assert replay(url, old) == 401
    assert replay(url, request, **{"webhook-signature": ""}) == 401


@SECRETS
def test_the_python_receiver(python_site, secret):
    check_receiver(python_site, secret)


@SECRETS
def test_the_php_receiver(php_site, secret):
    check_receiver(php_site, secret)


@SECRETS
def test_the_python_receiver_accepts_what_a_worker_sends(services, workers, answers, cross):
    """A real worker's delivery is accepted at its first attempt, so never retried."""
    cross("img-1", reason="hate")
    workers.start(1)
    wait_until(lambda: answers, what="the webhook to arrive")
    wait_until(lambda: no_follow_up_left(services), what="the webhook job to finish")
    assert answers == [204]


def test_the_integration_guide_shows_the_tested_code():
    """The integration guide's receivers are the example files' code, line for line (usage in the Python docstring)."""
    section = (ROOT / "docs" / "integrating.md").read_text().split("\n## Webhooks\n", 1)[1].split("\n## ", 1)[0]
    [python_block] = re.findall(r"```python\n(.*?)```", section, re.S)
    [php_block] = re.findall(r"```php\n(.*?)```", section, re.S)
    python = (EXAMPLES / "webhook_receiver.py").read_text()
    functions, usage = python_block.split("\nhooks = ", 1)
    assert functions.strip() in python
    assert textwrap.indent("hooks = " + usage, "    ").strip() in python
    php = (EXAMPLES / "webhook_receiver.php").read_text()
    function, endpoint = php_block.split("\n}\n\n", 1)
    assert function + "\n}\n" in php
    assert textwrap.indent(endpoint, "    ").strip() in php
