"""What a figure was measured on: the machine, its load, and the versions of every part."""
from __future__ import annotations

import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGES = ("flask", "werkzeug", "flask-smorest", "marshmallow", "gunicorn", "redis", "rq", "limits", "hiredis",
            "numpy", "pdqhash", "pillow")


def _field(path: str, name: str, separator: str = ":") -> str | None:
    """The value of the first `name<separator>value` line of a file such as /proc/cpuinfo."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        key, found, value = line.partition(separator)
        if found and key.strip() == name:
            return value.strip().strip('"')
    return None


def describe(redis_version: str, wrk_version: str | None) -> dict:
    versions = {"python": platform.python_version(), "redis-server": redis_version, "wrk": wrk_version}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None  # hiredis, notably: redis-py parses in pure Python without it
    return {
        "cpu": _field("/proc/cpuinfo", "model name") or platform.processor(),
        "cores": os.cpu_count(),
        "memory": _field("/proc/meminfo", "MemTotal"),
        "kernel": platform.release(),
        "os": _field("/etc/os-release", "PRETTY_NAME", "=") or platform.platform(),
        "versions": versions,
        "command": " ".join([Path(sys.executable).name, "-m", "bench", *sys.argv[1:]]),
    }


def load() -> list[float]:
    """1, 5 and 15 minute load averages: above the core count, others were using the machine too."""
    return [round(value, 2) for value in os.getloadavg()]
