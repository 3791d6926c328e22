"""The notices bench works end to end in miniature: notice intake against both kinds of report, and the
statements export checked line by line. Speed is not judged here (BENCHMARKS.md has the figures)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None,
                                reason="wrk, the bench's load generator, is not installed (apt-get install wrk)")


@pytest.mark.timeout(300)
def test_the_notices_bench_measures_intake_and_export_in_miniature(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bench.notices", "--smoke", "--out", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=280)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "results.json").read_text())
    intake = report["intake"]
    for kind in ("notice", "report_anonymous", "report"):
        [load] = intake["runs"][kind]
        assert load["requests"] > 0 and load["non2xx"] == 0 and load["socket_errors"] == 0, kind
    assert intake["ratio"] == round(intake["notice_p99_ms"] / intake["report_p99_ms"], 3)
    export = report["export"]
    assert export["lines"] == export["statements"] == 2000 == export["distinct_puids"]
    assert export["invalid"] == 0 and export["personal"] == 0
    assert "notice intake p99 / anonymous report p99" in result.stdout
    assert "`imgmod statements`: 2,000 statements" in result.stdout
    assert not (tmp_path / "work" / "statements.jsonl").exists()  # the export's file is not left behind
