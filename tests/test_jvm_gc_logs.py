"""The JVM's own logs, written at test time by a real JVM (the java that runs Kafka in the
tests): its unified logging (-Xlog, JDK 9 and later) of GC and safepoints, with the decorations
users add (time, uptime, level, tags) and with the default ones (uptime, level, tags), read
without options by recipe JVMUNIFIEDLOG."""
from __future__ import annotations

import shutil
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest

import kafkainsight as ki

ALLOC = """
public class Alloc {
  public static void main(String[] a) {
    java.util.List<byte[]> keep = new java.util.ArrayList<>();
    for (int i = 0; i < 2000; i++) { keep.add(new byte[64 * 1024]); if (keep.size() > 100) keep.clear(); }
    System.gc();
  }
}
"""


@pytest.fixture(scope="module")
def gc_logs(tmp_path_factory):
    java = shutil.which("java")
    if not java:
        pytest.skip("needs a JVM (scripts/setup.sh installs one for Kafka)")
    d = tmp_path_factory.mktemp("gc")
    (d / "Alloc.java").write_text(ALLOC)
    t0 = time.time()
    subprocess.run([java, "-Xmx64m", f"-Xlog:gc*,safepoint:file={d}/gc.log:time,uptime,level,tags",
                    f"-Xlog:gc:file={d}/gc-default.log", "Alloc.java"], cwd=d, check=True, timeout=120,
                   capture_output=True)
    return t0, time.time(), d / "gc.log", d / "gc-default.log"


def test_unified_gc_log_with_time_decorations(gc_logs):
    t0, t1, path, _ = gc_logs
    lines = path.read_text().splitlines()
    res = ki.read_logs(str(path))
    assert res.failed == [] and res.stats["parsed"] == len(lines) > 20
    docs = res.records
    assert {d["kafkainsight"]["recipe"] for d in docs} == {"JVMUNIFIEDLOG"}
    tags = {d["log"]["logger"] for d in docs}
    assert {"gc", "gc,init", "safepoint"} <= tags, tags
    uptimes = [d["jvm"]["uptime_s"] for d in docs]
    assert uptimes == sorted(uptimes) and 0 <= uptimes[0] < 10
    for line, d in zip(lines, docs):
        ts = datetime.fromisoformat(d["@timestamp"].replace("Z", "+00:00")).timestamp()
        assert t0 - 2 < ts < t1 + 2, line
        assert d["log"]["level"] == "info" and d["event"]["severity"] == 6
        assert line.endswith("] " + d["message"]), line  # the message is the text after the tags
    pauses = [d for d in docs if "Pause Young" in d["message"]]
    assert pauses and all(d["message"].startswith("GC(") for d in pauses)


def test_unified_gc_log_with_default_decorations_has_the_read_time(gc_logs):
    _, _, _, path = gc_logs
    lines = path.read_text().splitlines()
    before = time.time()
    res = ki.read_logs(str(path))
    assert res.failed == [] and res.stats["parsed"] == len(lines) >= 2
    for line, d in zip(lines, res.records):
        assert d["kafkainsight"]["recipe"] == "JVMUNIFIEDLOG" and d["log"]["logger"] == "gc"
        assert line.startswith(f"[{d['jvm']['uptime_s']:.3f}s][info][gc] ")
        assert d["@timestamp"] == d["event"]["ingested"]  # no time on the line: when it was read
        assert datetime.fromisoformat(d["@timestamp"].replace("Z", "+00:00")).timestamp() >= before - 1


JDK8_GC = Path(__file__).parent / "data" / "real" / "jvm" / "kafka_gc_jdk8.log"


def test_jdk8_gc_log_of_a_real_kafka_broker():
    # A Kafka broker's G1 log (-XX:+PrintGCDetails -XX:+PrintGCDateStamps, JDK 8): the JVM's three
    # header lines, then one entry per GC event, its details on indented lines below it.
    lines = JDK8_GC.read_text().splitlines()
    starts = [i for i, line in enumerate(lines) if line[:1].isdigit()]
    plain = ki.read_logs(JDK8_GC)
    assert plain.stats["empty"] == 3 and plain.stats["parsed"] == len(starts)
    assert plain.stats["failed"] == len(lines) - 3 - len(starts)
    assert all("--multiline java" in f["reason"] for f in plain.failed), plain.failed[:2]
    r = ki.read_logs(JDK8_GC, multiline="java")
    assert (r.stats["empty"], r.stats["parsed"], r.stats["failed"]) == (3, len(starts), 0)
    assert r.stats["parsed"] + r.stats["joined"] + r.stats["empty"] == len(lines)
    for doc, i in zip(r.records, starts):
        stamp, uptime, entry = lines[i].split(": ", 2)
        assert datetime.fromisoformat(doc["@timestamp"]) == datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z")
        assert doc["jvm"]["uptime_s"] == float(uptime) and doc["kafkainsight"]["recipe"] == "JAVA8GCLOG"
        assert doc["message"] == entry.rstrip()
        below = lines[i + 1:starts[starts.index(i) + 1]] if i != starts[-1] else lines[i + 1:]
        assert doc.get("error", {}).get("stack_trace", "") == "\n".join(below)
