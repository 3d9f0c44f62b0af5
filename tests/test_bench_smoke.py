"""Smoke run of the side-by-side benchmark harness (scripts/bench.sh): tiny input, one run, the
stages that need no JVM. Checks what a user reads: a table with every tool, the chart, the raw
results; no timing thresholds."""
import json
import os
import subprocess
import sys

import pytest

from benchmarks import peers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINES = 20000  # every tool uses more CPU than the 10 ms clock tick its CPU time is read in


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    md, js, png = out / "BENCHMARKS.md", out / "bench.json", out / "chart.png"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench", "--lines", str(LINES), "--runs", "1",
                           "--stages", "parse,produce", "--brokers", "embedded", "--out", str(md),
                           "--json", str(js), "--chart", str(png)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    return proc, md, js, png


def test_harness_exits_zero_and_writes_report_and_chart(smoke):
    proc, md, js, png = smoke
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert md.exists() and png.exists() and png.stat().st_size > 5000
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_table_has_every_tool_with_all_lines(smoke):
    _, md, js, _ = smoke
    text = md.read_text()
    assert "| stage | target | tool | lines | lines/s | MB/s | CPU-s | CPU µs/line | peak RSS MiB | × ours |" in text
    rows = json.loads(js.read_text())["rows"]
    got = {(r["stage"], r["tool"]) for r in rows}
    want = {("parse", "ours"), ("parse", "python-re"), ("produce", "ours"), ("produce", "kcat"),
            ("produce", "confluent")}
    for peer in ("syslog-ng", "rsyslog"):
        if peers.available(peer) is None:
            want |= {("parse", peer), ("produce", peer)}
    assert want <= got, want - got
    for r in rows:
        assert r["problems"] == [], r
        assert r["n"] == LINES and r["lps"] > 0 and r["cpu"] > 0 and r["rss"] > 0
        assert f"| {r['stage']} | {r['target']} | {r['tool']} | {LINES:,} |" in text
    ours = [r for r in rows if r["tool"] == "ours"]
    assert len(ours) == 2


def test_unknown_stage_is_a_usage_error():
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench", "--stages", "nope"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "unknown stage" in proc.stderr


def test_from_json_renders_again_and_fills_the_readme_section(smoke, tmp_path):
    _, md, js, _ = smoke
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n## Benchmarks side by side\n\n<!-- BENCH-TABLE -->\n\n## Next\n")
    out = tmp_path / "again.md"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench", "--from-json", str(js), "--out", str(out),
                           "--readme", str(readme)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == md.read_text()
    text = readme.read_text()
    assert text.startswith("# x\n") and text.rstrip().endswith("## Next")
    # The README's short table: ours' parse rate, the peers it was measured against, the chart.
    ours = next(r for r in json.loads(js.read_text())["rows"] if r["stage"] == "parse" and r["tool"] == "ours")
    assert f"| parse + encode | JSON file | {ours['lps']:,.0f} |" in text and "python-re " in text, text
    assert "docs/benchmarks.png" in text
