"""What operators run: the compose file, the OpenAPI document, and the packages' one-way imports."""
from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from deploy.frontdoor import PLACEHOLDERS

ROOT = Path(__file__).resolve().parent.parent


def assert_valid_compose_file(path: Path) -> None:
    """Valid against the Compose Specification's JSON schema (check-jsonschema's vendored copy)."""
    checker = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    result = subprocess.run([checker, "--builtin-schema", "vendor.compose-spec", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_file_is_valid_and_scalable():
    assert_valid_compose_file(ROOT / "docker-compose.yml")
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    worker = compose["services"]["worker"]
    # A fixed name or host port would stop `docker compose up --scale worker=N`.
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"] == ["imgmod", "worker"]
    assert "--appendonly" in compose["services"]["redis"]["command"]
    assert compose["services"]["redis"]["volumes"]


def test_compose_ha_overlay_adds_a_persistent_replica_and_three_sentinels_that_imgmod_follows():
    """docker-compose.ha.yml, merged over docker-compose.yml with `-f`: Redis Sentinel for the stack."""
    assert_valid_compose_file(ROOT / "docker-compose.ha.yml")
    base = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    services = yaml.safe_load((ROOT / "docker-compose.ha.yml").read_text())["services"]
    sentinels = sorted(name for name in services if name.startswith("sentinel-"))
    assert sentinels == ["sentinel-1", "sentinel-2", "sentinel-3"]
    for name in sentinels:  # each seeded with the master and a quorum of 2, its file kept in a volume
        script = services[name]["command"][0]
        assert "sentinel monitor mymaster redis 6379 2" in script and "--sentinel" in script
        assert services[name]["volumes"] and services[name]["environment"]["SENTINEL_HOSTNAME"] == name
    replica = services["redis-replica"]["command"]
    assert replica[replica.index("--replicaof") + 1:][:2] == ["redis", "6379"]
    for command in (replica, services["redis"]["command"]):  # AOF on every data node (docs/operations.md)
        assert command[command.index("--appendonly") + 1] == "yes"
    addresses = ",".join(f"{name}:26379" for name in sentinels)
    for name in ("api", "worker"):  # the services of the base file, pointed at the sentinels
        assert name in base
        assert services[name]["environment"]["IMGMOD_REDIS_SENTINELS"] == addresses
        assert set(services[name]["depends_on"]) == {*sentinels, "redis"}
        # Compose merges depends_on by service: the base file's wait for the first master's health is
        # replaced, so that starting or scaling them during (or after) a failover does not fail.
        assert base[name]["depends_on"]["redis"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["redis"] == {"condition": "service_started", "required": False}


def test_compose_healthchecks_use_readyz_and_the_worker_heartbeat():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "imgmod", "worker", "--check"]
    assert services["worker"]["stop_grace_period"]  # room for a warm shutdown


def test_openapi_document_is_generated_from_the_schemas(client):
    document = client.get("/openapi.json").json
    assert document["info"]["title"] == "imgmod"
    for path in ("/v1/reports", "/v1/images/{image_id}", "/v1/images", "/healthz", "/readyz"):
        assert path in document["paths"], path
    report = document["components"]["schemas"]["Report"]
    assert report["properties"]["reason"]["enum"] == ["nudity", "violence", "hate", "spam", "misleading",
                                                      "copyright", "other"]
    post = document["paths"]["/v1/reports"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Report"}
    assert [(p["in"], p["name"]) for p in post["parameters"]] == [("query", "lang")]
    assert post["responses"]["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReportResult"}
    assert {"400", "401", "413", "415", "422", "429", "503"} <= set(post["responses"])
    assert post["security"] == [{}, {"frontend": []}]  # anonymous, or a frontend key
    assert document["paths"]["/v1/admin/audit"]["get"]["security"] == [{"admin": []}]
    assert {name: scheme["scheme"] for name, scheme in document["components"]["securitySchemes"].items()} == {
        "admin": "bearer", "frontend": "bearer", "site": "bearer"}
    assert document["paths"]["/v1/images"]["post"]["security"] == [{"site": []}]  # a frontend key, required


@pytest.mark.parametrize("path", ["/docs"])
def test_docs_page(client, path):
    answer = client.get(path)
    assert answer.status_code == 200 and "text/html" in answer.content_type
    assert "/openapi.json" in answer.get_data(as_text=True)


def test_redis_clients_pack_and_parse_with_hiredis(store):
    """The install brings hiredis and the app's clients use it: 100-id lookups parse replies in C."""
    from redis.connection import HiredisRespSerializer
    from redis._parsers import _HiredisParser

    connection = store.redis.connection_pool.get_connection()
    try:
        assert isinstance(connection._parser, _HiredisParser)
        assert isinstance(connection._command_packer, HiredisRespSerializer)
    finally:
        store.redis.connection_pool.release(connection)


def imports_from(package: str, skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(file, imported module) of every import in `package`'s modules but those named in `skip`."""
    found = []
    for path in (ROOT / package).rglob("*.py"):
        if path.name in skip:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [(str(path.relative_to(ROOT)), name) for name in names]
    return found


def test_service_never_imports_workers():
    """Imports go one way, workers -> service; only the command line's `imgmod worker` starts a worker."""
    assert [(path, name) for path, name in imports_from("service", skip=("cli.py",))
            if name.split(".")[0] == "workers"] == []


def test_the_bench_never_imports_the_tests():
    """Imports go one way, tests -> bench -> harness -> service and workers: the tests drive the bench's tools."""
    assert [(path, name) for path, name in imports_from("bench") if name.split(".")[0] == "tests"] == []
    assert [(path, name) for path, name in imports_from("harness") if name.split(".")[0] in {"tests", "bench"}] == []


def test_an_install_brings_imgmod_and_none_of_its_tests_bench_or_harness():
    """pyproject's packages.find patterns over the checkout's top-level packages: what the tests and the
    bench launch (harness/) stays in the checkout with them."""
    import fnmatch
    import tomllib

    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = [path.parent.name for path in ROOT.glob("*/__init__.py")]
    assert {"harness", "tests", "bench"} <= set(packages)
    installed = {name for name in packages if any(fnmatch.fnmatchcase(name, pattern) for pattern in include)}
    assert installed == {"service", "workers", "config"}
    assert not (ROOT / "service" / "sentinel_seed.py").exists()


def test_a_worker_loads_neither_flask_nor_gunicorn():
    probe = "import sys, workers.worker, workers.jobs; print(sorted({'flask', 'gunicorn'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_image_installs_the_lock_with_hashes_as_a_non_root_user_with_a_healthcheck():
    """No Docker engine runs here (docs/operations.md): what the Dockerfile says is checked, not a built image."""
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[0] == "FROM python:3.13-slim"
    runs = [line for line in lines if line.startswith("RUN ")]
    assert "pip install --only-binary=:all: --require-hashes -r requirements.lock" in runs[0]
    assert "pip install --no-deps ." in runs[1]  # nothing resolved again past the lock
    assert lines.index("COPY requirements.lock ./") < lines.index(runs[0])
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert any(line.startswith("HEALTHCHECK ") for line in lines)
    assert "/readyz" in (ROOT / "Dockerfile").read_text()


@pytest.mark.parametrize(("command", "checked"), [("imgmod\0worker\0", "worker --check"),
                                                  ("imgmod\0serve\0--bind\0", "readyz")])
def test_the_image_healthcheck_checks_the_command_the_container_runs(tmp_path, command, checked):
    """A worker container was judged by the API's /readyz, and so was always unhealthy outside compose.
    The image's check runs here under sh, with stand-ins for imgmod and python that say what they were
    asked, and a file standing for /proc/1/cmdline."""
    text = (ROOT / "Dockerfile").read_text()
    instruction = text[text.index("HEALTHCHECK "):].split("CMD ", 1)[1].split("\n")[0]
    shell, flag, script = json.loads(instruction)
    assert (shell, flag) == ("sh", "-c") and "/proc/1/cmdline" in script
    cmdline = tmp_path / "cmdline"
    cmdline.write_bytes(command.encode())
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, says in (("imgmod", 'echo "$@"'), ("python", "echo readyz")):
        (bin_dir / name).write_text(f"#!/bin/sh\n{says}\n")
        (bin_dir / name).chmod(0o755)
    run = subprocess.run(["sh", "-c", script.replace("/proc/1/cmdline", str(cmdline))], capture_output=True,
                         text=True, env={"PATH": f"{bin_dir}:/usr/bin:/bin"}, timeout=30)
    assert run.returncode == 0 and run.stdout.strip() == checked, run
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert compose["services"]["api"]["build"] == compose["services"]["worker"]["build"] == "."


def test_compose_passes_every_variable_and_publishes_on_loopback_only():
    """IMGMOD_REPORT_RATE_LIMIT and IMGMOD_AUDIT_MAX_EVENTS were not passed, and port 8000 (with
    /metrics, unauthenticated) was published on every interface."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    read = set(re.findall(r'"(IMGMOD_[A-Z_]+)"', (ROOT / "config" / "__init__.py").read_text()))
    for service in ("api", "worker"):
        assert read - set(compose["services"][service]["environment"]) == set()
    assert all(port.startswith("127.0.0.1:") for port in compose["services"]["nginx"]["ports"])


def test_compose_publishes_only_the_front_door_which_runs_the_tested_configuration():
    """Clients reach `imgmod serve` through nginx only (gunicorn's sync workers are held by idle or
    slow clients), with the configuration tests/test_front_door.py runs, one trusted hop in front."""
    base = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    overlay = yaml.safe_load((ROOT / "docker-compose.ha.yml").read_text())["services"]
    published = {name for services in (base, overlay) for name, service in services.items() if "ports" in service}
    assert published == {"nginx"}
    nginx = base["nginx"]
    assert re.fullmatch(r"nginx:\d+\.\d+-alpine", nginx["image"])  # the official image, a pinned stable line
    assert nginx["volumes"] == ["./deploy/nginx/imgmod.conf.template:/etc/nginx/templates/default.conf.template:ro"]
    assert set(nginx["environment"]) == set(PLACEHOLDERS)
    bind = base["api"]["command"][base["api"]["command"].index("--bind") + 1]
    assert nginx["environment"]["IMGMOD_UPSTREAM"] == "api:" + bind.rsplit(":", 1)[1]
    assert [port.rsplit(":", 1)[1] for port in nginx["ports"]] == [nginx["environment"]["PROXY_LISTEN"]]
    assert "api" in nginx["depends_on"]
    for name in ("api", "worker"):
        assert base[name]["environment"]["IMGMOD_TRUSTED_PROXIES"] == 1
