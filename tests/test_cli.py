"""The command line: `imgmod status`, and `imgmod dev` from start to a clean Ctrl-C."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import requests

from harness.redis_server import free_port, unreachable_url
from service.devserver import demo_image_hosts, find_server
from tests.conftest import worker_env
from tests.served import wait_until_healthy
from workers.fetch import allowed


def imgmod(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_status_prints_the_image(settings, store):
    for n in range(2):
        store.report("img-1", f"r{n}", "spam", None)
    result = imgmod("status", "img-1", env=worker_env(settings))
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert (status["image_id"], status["state"], status["report_count"]) == ("img-1", "visible", 2)
    assert status["reasons"] == {"spam": 2}
    # Times as the admin API gives them: ISO 8601 UTC, not milliseconds.
    assert datetime.fromisoformat(status["first_reported_at"]).utcoffset().total_seconds() == 0
    hidden = json.loads(imgmod("hide", "img-1", env=worker_env(settings)).stdout)
    assert datetime.fromisoformat(hidden["hidden_at"]) >= datetime.fromisoformat(status["last_reported_at"])


def test_status_rejects_a_bad_id(settings):
    result = imgmod("status", "bad id!", env=worker_env(settings))
    assert result.returncode != 0
    assert "IMAGE_ID" in result.stderr and "Traceback" not in result.stderr


def test_status_with_redis_unreachable(settings):
    env = {**worker_env(settings), "IMGMOD_REDIS_URL": unreachable_url()}
    result = imgmod("status", "img-1", env=env)
    assert result.returncode != 0
    assert "unreachable" in result.stderr and "Traceback" not in result.stderr


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] if Path(f"/proc/{pid}").exists() else "X"
    return state != "Z"


def test_closing_the_terminal_of_dev_stops_every_child(tmp_path):
    """SIGHUP (the terminal closed) used to leave redis-server, gunicorn and the worker running."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("IMGMOD_")}
    dev = subprocess.Popen([sys.executable, "-m", "service.cli", "dev", "--bind", f"127.0.0.1:{port}",
                            "--data-dir", str(tmp_path / "data")], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_until_healthy(f"http://127.0.0.1:{port}", dev, 30), "imgmod dev did not come up"
        children = descendants(dev.pid)
        assert len(children) >= 3
    finally:
        dev.send_signal(signal.SIGHUP)
        output, _ = dev.communicate(timeout=60)
    assert dev.returncode == 0, output
    left = [pid for pid in children if alive(pid)]
    assert left == [], f"children still running after SIGHUP: {left}"


def test_dev_runs_everything_and_stops_cleanly_on_sigint(tmp_path):
    port = free_port()
    data = tmp_path / ".imgmod"  # the default data dir, as seen from tmp_path
    env = {key: value for key, value in os.environ.items() if not key.startswith("IMGMOD_")}
    env["IMGMOD_TRUSTED_PROXIES"] = "1"
    dev = subprocess.Popen([sys.executable, "-m", "service.cli", "dev", "--bind", f"127.0.0.1:{port}",
                            "--data-dir", str(data)], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until_healthy(base, dev, 30), "imgmod dev did not come up"
        for n in range(3):
            answer = requests.post(f"{base}/v1/reports", json={"image_id": "dev-img"},
                                   headers={"X-Forwarded-For": f"198.51.100.{n}"}, timeout=5)
            assert answer.status_code == 202 and answer.json()["counted"] is True
        deadline = time.monotonic() + 30
        while not requests.get(f"{base}/v1/images/dev-img", timeout=5).json()["hidden"]:
            assert time.monotonic() < deadline, "the dev worker did not hide the image"
            time.sleep(0.1)
        token = (data / "admin_token").read_text().strip()
        console_answers = [requests.get(f"{base}/demo", timeout=5).status_code,
                           requests.get(f"{base}/admin", timeout=5).status_code,
                           requests.get(f"{base}/v1/admin/audit", headers={"Authorization": f"Bearer {token}"},
                                        timeout=5).status_code]
        # A second terminal next to it: the CLI finds the running dev's Redis and secret by itself.
        status = subprocess.run([sys.executable, "-m", "service.cli", "status", "dev-img"], env=env, cwd=tmp_path,
                                capture_output=True, text=True, timeout=60)
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["hidden"] is True
        children = descendants(dev.pid)
        assert len(children) >= 3  # redis-server, gunicorn (+ its worker), the RQ worker
    finally:
        dev.send_signal(signal.SIGINT)
        output, _ = dev.communicate(timeout=60)
    assert dev.returncode == 0, output
    assert not (data / "running.json").exists()  # stopped: the CLI no longer finds it
    assert f"http://127.0.0.1:{port}" in output
    assert f"http://127.0.0.1:{port}/demo" in output and f"http://127.0.0.1:{port}/admin" in output
    token_file = data / "admin_token"
    assert token_file.read_text().strip() in output  # printed, so the console can be used at once
    assert token_file.stat().st_mode & 0o077 == 0
    assert console_answers == [200, 200, 200]
    # Redis 6.2 writes one append-only file; 7.0 and later (and valkey) a directory of them.
    redis_dir = data / "redis"
    assert (redis_dir / "appendonly.aof").exists() or any((redis_dir / "appendonlydir").glob("*.aof"))
    embedded = find_server()
    assert f"embedded server {embedded.path} (from {embedded.source})" in output
    assert (data / "secret_key").stat().st_mode & 0o077 == 0
    left = [pid for pid in children if alive(pid)]
    assert left == [], f"children still running after Ctrl-C: {left}"


def test_dev_makes_an_admin_token_once_and_keeps_the_users_own(tmp_path):
    from service.devserver import ensure_admin_token

    env: dict = {}
    token = ensure_admin_token(env, tmp_path)
    assert token and env["IMGMOD_ADMIN_TOKENS"] == f"dev:{token}"
    assert ensure_admin_token({}, tmp_path) == token  # kept in the data dir across runs
    own = {"IMGMOD_ADMIN_TOKENS": "alice:her-own-token-0123456789"}
    assert ensure_admin_token(own, tmp_path) is None
    assert own["IMGMOD_ADMIN_TOKENS"] == "alice:her-own-token-0123456789"


def test_the_dev_server_lets_workers_fetch_its_own_port_only():
    hosts = tuple(demo_image_hosts("0.0.0.0:8000").split(","))
    assert allowed("http://127.0.0.1:8000/demo/photo.jpg", hosts) and allowed("http://localhost:8000/x.jpg", hosts)
    assert not allowed("http://127.0.0.1:6379/", hosts)  # the Redis next door
    assert not allowed("http://127.0.0.1/x.jpg", hosts) and not allowed("http://10.0.0.5:8000/x.jpg", hosts)


def test_widget_writes_the_served_script_with_its_version(client, tmp_path):
    served = client.get("/v1/widget.js")
    result = imgmod("widget", str(tmp_path / "widget.js"), env={"PATH": os.environ.get("PATH", "")})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "widget.js").read_bytes() == served.data
    assert served.headers["X-Imgmod-Widget-Version"] in result.stdout


def test_secret_prints_what_each_variable_accepts():
    """`imgmod secret --kind K`: each value passes the configuration's own checks in its variable, and
    no two are alike."""
    from click.testing import CliRunner
    from standardwebhooks import Webhook

    from config import SECRET_KINDS, load_settings
    from service.cli import main

    def secret(*args: str) -> str:
        result = CliRunner().invoke(main, ["secret", *args])
        assert result.exit_code == 0, result.output
        return result.output.strip()

    made = {kind: secret("--kind", kind) for kind in SECRET_KINDS}
    assert secret() != secret()  # admin, by default
    assert len({*made.values(), secret(), secret()}) == len(made) + 2
    assert made["webhook"].startswith("whsec_")
    Webhook(made["webhook"])  # Standard Webhooks' own library reads it as it is
    settings = load_settings({
        "IMGMOD_SECRET_KEY": made["secret-key"],
        "IMGMOD_ADMIN_TOKENS": f"editor:{made['admin']},other:{secret()}",
        "IMGMOD_FRONTEND_KEYS": f"site:{made['frontend']}",
        "IMGMOD_WEBHOOK_URL": "https://www.example.ma/hooks/imgmod",
        "IMGMOD_WEBHOOK_SECRET": made["webhook"],
    })
    assert settings.secret_key == made["secret-key"]
    assert settings.admin_tokens["editor"] == made["admin"]
    assert settings.frontend_keys == {"site": made["frontend"]}
    assert settings.webhook_secret == made["webhook"]
