"""`python -m bench.profile`: where the API's (or a worker's) CPU time goes under the bench's own load.

It starts the same stack as `python -m bench` (private Redis, `imgmod serve`, one RQ worker,
10,000 stored images), drives one figure with wrk (or with crossings, for `hide`), and samples
every gunicorn (or RQ) process with py-spy meanwhile. It writes py-spy's collapsed stacks and
a Markdown summary: the share of samples per package and the functions with the most time.
"""
from __future__ import annotations

import argparse
import re
import secrets
import shutil
import subprocess
import sys
import threading
import uuid
from collections import Counter
from pathlib import Path

from bench import hide, wrk
from bench.stack import Stack
from bench.services import ROOT, Processes

TARGETS = ("ingest", "single", "bulk", "hide")
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^():]+)(?::\d+)?\)$")
TOP = 30
WRAPPER_SHARE = 0.9


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        raise SystemExit("py-spy is not installed: .venv/bin/pip install -e '.[bench]'")
    return found


def record(pid: int, seconds: int, output: Path) -> subprocess.Popen:
    """py-spy on `pid` and its children (gunicorn's workers, RQ's work horses), CPU time only."""
    return subprocess.Popen([py_spy(), "record", "--pid", str(pid), "--subprocesses", "--rate", "250",
                             "--duration", str(seconds), "--format", "raw", "--output", str(output), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def package(path: str) -> str:
    """'flask/app.py' -> 'flask'; our own modules by name ('service/core/store.py'); the standard library by module."""
    parts = Path(path).parts
    if "site-packages" in parts:
        parts = parts[parts.index("site-packages") + 1:]
    if not parts:
        return "?"
    if parts[0] in ("service", "workers", "config", "bench"):  # down to the module: service/core/store.py
        module = next((n for n, part in enumerate(parts) if part.endswith(".py")), len(parts) - 1)
        return "/".join(parts[:module + 1])
    return parts[0].removesuffix(".py")


def summarize(collapsed: str) -> str:
    """Markdown: samples by package (self time) and the functions with the most inclusive and self time."""
    inclusive: Counter = Counter()
    own: Counter = Counter()
    packages: Counter = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue  # py-spy now and then writes a line it failed to read from the process
        frames = [frame for frame in stack.split(";") if not frame.startswith("process ")]
        samples = int(count)
        total += samples
        seen = set()
        for frame in frames:
            name = _name(frame)
            if name not in seen:
                inclusive[name] += samples
                seen.add(name)
        if frames:
            own[_name(frames[-1])] += samples
            match = FRAME.match(frames[-1])
            packages[package(match["file"]) if match else "?"] += samples
    if not total:
        return "No samples: was the load running?\n"
    out = [f"{total:,} samples of on-CPU time.", "", "| package (self time) | share |", "| --- | --- |"]
    out += [f"| {name} | {100 * n / total:.1f}% |" for name, n in packages.most_common(15)]
    # Frames under (nearly) every sample are the server's own loop: they say nothing.
    telling = [(name, n) for name, n in inclusive.most_common() if n < WRAPPER_SHARE * total][:TOP]
    out += ["", "| function (inclusive) | share |", "| --- | --- |"]
    out += [f"| `{name}` | {100 * n / total:.1f}% |" for name, n in telling]
    out += ["", "| function (self) | share |", "| --- | --- |"]
    out += [f"| `{name}` | {100 * n / total:.1f}% |" for name, n in own.most_common(TOP)]
    return "\n".join(out) + "\n"


def _name(frame: str) -> str:
    match = FRAME.match(frame)
    if not match:
        return frame
    path = match["file"]
    own = package(path)  # our modules by their whole path: service/core/store.py, not core/store.py
    short = own if own.endswith(".py") else "/".join(Path(path).parts[-2:])
    return f"{match['function']} ({short})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=TARGETS)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / ".bench" / "profile")
    options = parser.parse_args(argv)
    py_spy()
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    frontend_key = secrets.token_urlsafe(24)
    with Processes(out / "logs") as processes:
        stack = Stack(processes, "profiled", out / "work", secrets.token_urlsafe(32), frontend_key)
        stack.fill(10_000)
        stack.api.wait()
        stack.workers.start(1)
        collapsed = out / f"{options.target}.txt"
        if options.target == "hide":
            sampler = record(stack.workers.running[0].pid, options.seconds, collapsed)
            stop = threading.Event()
            threading.Timer(options.seconds, stop.set).start()
            while not stop.is_set():
                hide.measure(stack.api.port, frontend_key, stack.store, stack.workers, 10, 1, uuid.uuid4().hex[:8])
        else:
            sampler = record(stack.api.process.pid, options.seconds, collapsed)
            script = wrk.script_path({"ingest": "report"}.get(options.target, options.target), out / "lua")
            args = [frontend_key, 100_000, uuid.uuid4().hex[:8]] if options.target == "ingest" else [10_000]
            load = wrk.run(stack.api.url, script, 16, options.seconds, args)
            print(f"{options.target}: {load.rps:,.0f} req/s while sampled (py-spy slows it down)", file=sys.stderr)
        _, errors = sampler.communicate(timeout=options.seconds + 60)
        if sampler.returncode != 0:
            raise SystemExit(f"py-spy failed: {errors.strip()}")
    summary = summarize(collapsed.read_text(errors="replace"))
    (out / f"{options.target}.md").write_text(summary)
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
