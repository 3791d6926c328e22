"""`python -m bench.instructions`: instructions per call of bench.anatomy's layers, counted by callgrind.

Each layer runs under `valgrind --tool=callgrind` twice, at two counts; the difference of the
instructions collected, divided by the difference of the counts, is what one call costs (the
set-up, the same in both runs, cancels out). Unlike CPU time, the count does not move with the
machine's other load. Slow: each run takes tens of seconds; `--jobs` runs layers side by side.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

COLLECTED = re.compile(r"Collected : (\d+)")


def collected(layer: str, count: int, stored: int) -> int:
    """Instructions of one `bench.anatomy` run of `layer` alone (named exactly) at `count` calls."""
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                           "-m", "bench.anatomy", "--only", layer, "--rounds", "1", "--count", str(count),
                           "--stored", str(stored)], capture_output=True, text=True, check=True)
    if f"| {layer} |" not in done.stdout:
        raise RuntimeError(f"bench.anatomy ran no layer named {layer!r}")
    return int(COLLECTED.findall(done.stderr)[-1])


def per_call(layer: str, counts: tuple[int, int], stored: int) -> int:
    low, high = (collected(layer, count, stored) for count in counts)
    instructions = round((high - low) / (counts[1] - counts[0]))
    print(f"{layer}: {instructions:,}", file=sys.stderr, flush=True)  # a long run shows its progress
    return instructions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.splitlines()[0])
    parser.add_argument("layers", nargs="+", help="bench.anatomy layer names, each exactly")
    parser.add_argument("--counts", type=int, nargs=2, default=(100, 500), help="the two counts of calls")
    parser.add_argument("--stored", type=int, default=1000, help="images stored beforehand (the set-up)")
    parser.add_argument("--jobs", type=int, default=1, help="layers measured at once")
    options = parser.parse_args(argv)
    with ThreadPoolExecutor(options.jobs) as pool:
        counts = pool.map(lambda layer: per_call(layer, tuple(options.counts), options.stored), options.layers)
        rows = dict(zip(options.layers, counts))
    print(json.dumps(rows, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
