"""Drive wrk with one of bench/lua's scripts and read back its figures."""
from __future__ import annotations

import json
import resource
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua"
MARK = "BENCH_JSON "


class WrkMissing(RuntimeError):
    """wrk is not installed (Debian: apt-get install wrk)."""


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int  # answers that were not 2xx/3xx: the figure is void if there are any
    socket_errors: int
    wrk_cpu_ms: float  # wrk's own CPU per request: the load generator must not be the bottleneck

    def as_dict(self) -> dict:
        return asdict(self)


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise WrkMissing("wrk is not installed: apt-get install wrk")
    return found


def wrk_version() -> str:
    result = subprocess.run([wrk_binary(), "-v"], capture_output=True, text=True)
    return (result.stdout or result.stderr).splitlines()[0].split(" Copyright")[0].strip()


def script_path(name: str, workdir: Path) -> Path:
    """The named script with the shared prelude in front (wrk loads exactly one file)."""
    path = workdir / f"{name}.lua"
    if not path.exists():
        workdir.mkdir(parents=True, exist_ok=True)
        path.write_text((LUA / "common.lua").read_text() + "\n" + (LUA / f"{name}.lua").read_text())
    return path


def run(url: str, script: Path, connections: int, seconds: float, args: list[str], threads: int = 2,
        extra: tuple[str, ...] = ()) -> Load:
    """`extra`: more options of wrk's, such as a header (-H) added to every request."""
    argv = [wrk_binary(), f"-t{min(threads, connections)}", f"-c{connections}", f"-d{seconds:g}s",
            "--timeout", "5s", *extra, "-s", str(script), url, "--", *map(str, args)]
    before = _children_cpu()
    result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    wrk_cpu = _children_cpu() - before
    lines = [line for line in result.stdout.splitlines() if line.startswith(MARK)]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr.strip() or result.stdout[-500:]}")
    raw = json.loads(lines[-1][len(MARK):])
    duration = raw["duration_us"] / 1e6
    return Load(
        requests=raw["requests"],
        seconds=round(duration, 3),
        rps=round(raw["requests"] / duration, 1),
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        non2xx=raw["non2xx"],
        socket_errors=raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
        wrk_cpu_ms=round(wrk_cpu * 1000 / max(1, raw["requests"]), 4),
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
