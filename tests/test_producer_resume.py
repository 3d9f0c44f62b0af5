"""Producer --resume CHECKPOINT_FILE: a re-run skips what an earlier run got acknowledged
(the crash case, SIGKILL mid-file, is the chaos scenario producer_sigkill_rerun_with_resume)."""
import json
import os
import subprocess
import sys

import kafkainsight as ki
from kafkainsight.kafka import EmbeddedBroker, Producer
from tests.kafka_util import consume_all, headers


def produce(broker, log, *extra):
    r = subprocess.run([sys.executable, "-m", "kafkainsight", "produce", str(log), "-b", broker.bootstrap, "-q",
                        "--headers", "all", *extra], capture_output=True, text=True, timeout=120)
    return r


def lines_in_topic(broker):
    return sorted(int(headers(m)["ki.line"]) for m in consume_all(broker.bootstrap, "data_log"))


def test_rerun_appended_and_rewritten_files(tmp_path):
    log, ck = tmp_path / "a.log", tmp_path / "ck.json"
    lines = ki.generate_lines("apache_common", 3000, seed=4)
    log.write_text("\n".join(lines[:2000]) + "\n")
    with EmbeddedBroker(topics={"data_log": 4, "data_log.dlq": 1}) as b:
        r = produce(b, log, "--resume", str(ck))
        assert r.returncode == 0, r.stderr
        saved = json.loads(ck.read_text())["files"][str(log)]
        assert saved["line"] == 2000 and saved["inode"] == os.stat(log).st_ino
        # Same file again: nothing is sent twice.
        r = produce(b, log, "--resume", str(ck))
        assert r.returncode == 0 and "read=0 produced=0" in r.stderr and "resumed: 2000" in r.stderr, r.stderr
        # Appended lines: only they are sent.
        with open(log, "a") as f:
            f.write("\n".join(lines[2000:]) + "\n")
        r = produce(b, log, "--resume", str(ck))
        assert r.returncode == 0 and "read=1000 produced=1000" in r.stderr, r.stderr
        assert lines_in_topic(b) == list(range(1, 3001))
        # A different file at the same path (rotated, rewritten) starts from line 1.
        os.remove(log)
        log.write_text("\n".join(ki.generate_lines("apache_common", 10, seed=9)) + "\n")
        r = produce(b, log, "--resume", str(ck))
        assert r.returncode == 0 and "read=10 produced=10" in r.stderr, r.stderr
        # Without --resume every line goes again (docs/RELIABILITY_NOTES.md says so).
        r = produce(b, log)
        assert r.returncode == 0 and "read=10 produced=10" in r.stderr
        assert len(lines_in_topic(b)) == 3020


def test_undelivered_lines_are_never_skipped(tmp_path):
    log, ck = tmp_path / "a.log", tmp_path / "ck.json"
    log.write_text("\n".join(ki.generate_lines("rfc5424", 500, seed=2)) + "\n")
    with EmbeddedBroker(topics={"data_log": 2, "data_log.dlq": 1}) as b:
        p = Producer(b.bootstrap, "data_log", {"message.timeout.ms": "1500"}, resume=ck)  # connected
        b.cluster.broker_down(1)  # from here nothing can be acknowledged
        st = p.produce_file(log)
        assert st.failed_delivery == 500 and st.produced == 0
        assert json.loads(ck.read_text())["files"][str(log)]["line"] == 0
        del p
        b.cluster.broker_up(1)
        r = produce(b, log, "--resume", str(ck))
        assert r.returncode == 0 and "read=500 produced=500" in r.stderr, r.stderr
        assert lines_in_topic(b) == list(range(1, 501))


def test_resume_refuses_stdin_and_foreign_files(tmp_path):
    foreign = tmp_path / "notes.json"
    foreign.write_text('{"hello": 1}')
    log = tmp_path / "a.log"
    log.write_text("\n".join(ki.generate_lines("apache_common", 5, seed=1)) + "\n")
    with EmbeddedBroker(topics={"data_log": 1, "data_log.dlq": 1}) as b:
        r = produce(b, "-", "--resume", str(tmp_path / "ck.json"))
        assert r.returncode == 2 and "--resume needs files" in r.stderr
        r = produce(b, log, "--resume", str(foreign))
        assert r.returncode == 1 and "not a KafkaInsight checkpoint" in r.stderr, r.stderr
        assert foreign.read_text() == '{"hello": 1}'
