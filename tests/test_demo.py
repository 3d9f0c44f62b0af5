"""`kafkainsight demo` (scripts/demo.sh after set-up), the README's first command, as a newcomer runs it:
from a clean checkout, end to end into the real search engine, its last line checked against the
engine's own _count; the Kafka-only fallback; a mismatch exits non-zero."""
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KI = [sys.executable, "-m", "kafkainsight"]
RESULT = re.compile(r"^result: OK, all ([\d,]+) lines accounted for: ([\d,]+) documents searchable in "
                    r"(OpenSearch [\d.]+), (\d+) dead-lettered$")


def _num(s: str) -> int:
    return int(s.replace(",", ""))


def _demo(cwd: Path, *args: str, tmpdir: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    env = dict(os.environ, TMPDIR=str(tmpdir))
    # The engine's compiled runner and classpath: the checkout's cache, as scripts/setup.sh sets it.
    env.setdefault("SEARCH_HARNESS_CACHE_DIR", str(ROOT / "build" / "search_harness"))
    for k in ("KAFKA_BOOTSTRAP_SERVERS", "ELASTICSEARCH_URL", "ELASTIC_PASSWORD", "SEARCH_HARNESS_JAVA"):
        env.pop(k, None)
    return subprocess.run([*KI, "demo", *args], cwd=str(cwd), env=env, capture_output=True, text=True,
                          timeout=timeout)


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.fixture
def checkout(tmp_path):
    """A clean checkout: a git clone of this repository's committed state."""
    dest = tmp_path / "KafkaInsight"
    r = subprocess.run(["git", "clone", "-q", str(ROOT), str(dest)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"not a git checkout: {r.stderr.strip()}")
    return dest


@pytest.mark.search
def test_demo_end_to_end_matches_the_engine_count(checkout, tmp_path):
    es_client = pytest.importorskip("elasticsearch")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    hsperf_before = set(os.listdir("/tmp/hsperfdata_" + os.environ.get("USER", "root"))) \
        if os.path.isdir("/tmp/hsperfdata_" + os.environ.get("USER", "root")) else set()
    r = _demo(checkout, "--keep", "--lines", "3000", tmpdir=tmpdir)
    state_file = checkout / ".kafkainsight-demo.json"
    try:
        out = r.stdout.splitlines()
        assert r.returncode == 0, r.stdout + r.stderr
        m = RESULT.match(out[-1])
        assert m, out[-1]
        total, docs, engine, dead = _num(m.group(1)), _num(m.group(2)), m.group(3), int(m.group(4))
        assert total == 6 * 3000 + 240 + 3 and dead == 3 and docs + dead == total
        # What the demo wrote for the user: a mode-600 .env with the generated password, the CA.
        env_file = checkout / ".env"
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        env = dict(l.split("=", 1) for l in env_file.read_text().splitlines() if l and not l.startswith("#"))
        ca = checkout / "certificates" / "http_ca.crt"
        assert ca.is_file() and env["ELASTIC_CA_CERTS"] == "certificates/http_ca.crt"
        # The engine's own count, through the official client verifying the CA the demo wrote.
        es = es_client.Elasticsearch(env["ELASTICSEARCH_URL"], ca_certs=str(ca),
                                     basic_auth=(env["ELASTIC_USER"], env["ELASTIC_PASSWORD"]))
        assert es.count(index=env["ES_INDEX"])["count"] == docs
        assert engine == "OpenSearch " + es.info()["version"]["number"]
        # ... and the dead-lettered lines are in the dead-letter topic of the broker it kept running.
        from kafkainsight.kafka import count_topic
        assert count_topic(env["KAFKA_BOOTSTRAP_SERVERS"], "data_log.dlq", keep=0)["messages"] == dead
        assert "kept running (--keep)" in r.stdout and "export KAFKA_BOOTSTRAP_SERVERS=" in r.stdout
    finally:
        pids = [p["pid"] for p in json.loads(state_file.read_text())["processes"]] if state_file.exists() else []
        stop = _demo(checkout, "--stop", tmpdir=tmpdir, timeout=120)
    assert stop.returncode == 0, stop.stdout + stop.stderr
    assert pids and not [p for p in pids if _alive(p)]
    # Nothing left: no processes, no temporary data, no .env or CA; only the HTML report (git-ignored out/).
    assert list(tmpdir.iterdir()) == []
    left = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=str(checkout), capture_output=True,
                          text=True).stdout.split()
    assert left == ["!!", "out/"], left
    assert (checkout / "out" / "demo-report.html").stat().st_size > 10_000
    user = os.environ.get("USER", "root")
    hsperf_after = set(os.listdir(f"/tmp/hsperfdata_{user}")) if os.path.isdir(f"/tmp/hsperfdata_{user}") else set()
    assert not {str(p) for p in pids} & hsperf_after - hsperf_before


def test_demo_without_the_search_engine_falls_back_to_kafka(tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    r = _demo(tmp_path, "--java", str(tmp_path / "no-such-java"), "--lines", "2000", tmpdir=tmpdir)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "4. search engine: NOT started: java executable" in r.stdout
    assert "skipped: consume into the search engine and the search" in r.stdout
    assert "read back: 12,240 documents in data_log" in r.stdout and "3 in data_log.dlq" in r.stdout
    assert "the incident: client_ip=203.0.113.7" in r.stdout          # watch --logs still runs
    assert r.stdout.splitlines()[-1].startswith(
        "result: OK, all 12,243 lines accounted for: 12,240 documents in Kafka topic data_log, 3 dead-lettered "
        "(search engine skipped: java executable")
    assert list(tmpdir.iterdir()) == [] and not (tmp_path / ".env").exists()


def test_demo_exits_non_zero_when_lines_go_missing(tmp_path):
    # One partition of the embedded broker keeps only ~5 MB: most of 120,000 documents are dropped
    # there, and the demo must say so instead of "OK".
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    r = _demo(tmp_path, "--java", str(tmp_path / "no-such-java"), "--partitions", "1", tmpdir=tmpdir)
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1].startswith("result: MISMATCH, 120,243 lines not all accounted for")


def test_demo_keeps_a_users_env_and_ca(tmp_path):
    # An .env or CA that the demo did not write is never overwritten: the demo's goes next to it.
    from kafkainsight import demo
    from kafkainsight.sandbox.search import find_openssl, make_tls_material
    openssl = find_openssl()
    ours, theirs = tmp_path / "ours.crt", tmp_path / "theirs.crt"
    make_tls_material(openssl, tmp_path / "a", ours, demo.CA_ORG)
    make_tls_material(openssl, tmp_path / "b", theirs, "Example Corp")
    assert demo._is_demo_ca(ours) and not demo._is_demo_ca(theirs)
    assert demo._place(ours, demo._is_demo_ca, "x.crt") == (ours, "")
    alt, note = demo._place(theirs, demo._is_demo_ca, "http_ca.demo.crt")
    assert alt == tmp_path / "http_ca.demo.crt" and "is not the demo's: kept" in note
    env = tmp_path / ".env"
    env.write_text("ELASTIC_PASSWORD=mine\n")
    assert demo._place(env, demo._is_demo_env, ".env.demo")[0] == tmp_path / ".env.demo"
    demo._write_private(env, demo.ENV_MARK + ": ...\nELASTIC_PASSWORD=x\n")   # one the demo wrote
    assert demo._place(env, demo._is_demo_env, ".env.demo") == (env, "")
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
