"""A real OpenID Connect provider on loopback for the sign-in tests: oidc-provider-mock (a provider built
on Authlib's server library) in its own process, with the newsroom's people as its predefined users."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from config import OidcSettings
from harness.redis_server import free_port
from harness.wait import wait_until

EDITOR_GROUP = "editors"
# Amina judges photos; Karim writes about sport and is in no editor group; Salma has no e-mail claim.
PEOPLE = {
    "amina": {"sub": "amina", "email": "amina@newsroom.example", "name": "Amina", "groups": [EDITOR_GROUP, "politics"]},
    "karim": {"sub": "karim", "email": "karim@newsroom.example", "name": "Karim", "groups": ["sports"]},
    "salma": {"sub": "salma", "groups": EDITOR_GROUP},
}
CLIENT_ID = "imgmod-console"
CLIENT_SECRET = "client-secret-of-the-imgmod-console-0123"


class Provider:
    def __init__(self, log: Path):
        self.issuer = f"http://127.0.0.1:{free_port()}"
        self._log = log.open("w")
        args = [sys.executable, "-m", "oidc_provider_mock", "--port", self.issuer.rsplit(":", 1)[1],
                "--require-nonce", "true"]
        for claims in PEOPLE.values():
            args += ["--user-claims", json.dumps(claims)]
        self.popen = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self._up, what="the OpenID Connect provider to answer")

    def _up(self) -> bool:
        assert self.popen.poll() is None, "the provider stopped"
        try:
            return requests.get(self.issuer + "/.well-known/openid-configuration", timeout=1).ok
        except requests.ConnectionError:
            return False

    def settings(self) -> OidcSettings:
        return OidcSettings(self.issuer, CLIENT_ID, CLIENT_SECRET, (EDITOR_GROUP,))

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
        self.popen.wait(10)
        self._log.close()


@pytest.fixture(scope="session")
def provider(tmp_path_factory):
    running = Provider(tmp_path_factory.mktemp("oidc") / "provider.log")
    yield running
    running.stop()
