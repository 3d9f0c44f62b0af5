"""Consumer restarts on the real Apache Kafka (tests/kafka_harness): a `kafkainsight consume`
killed with SIGKILL and started again gets its partitions back at once through static group
membership (its --instance-id), instead of waiting for the dead member's session (45 s) to
expire; a consumer that never gets a partition says so and exits 1; with no Kafka at all,
consume and watch give the producer's error and exit 1 within --timeout.
The restart time measured here is in docs/RELIABILITY.md (tests/chaos/report.py)."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

import kafkainsight as ki
from kafkainsight.kafka import Producer
from tests.conftest_kafka import unique_name
from tests.es_server import EsTestServer
from tests.kafka_util import consume_all, headers

SESSION_S = 45  # librdkafka's default session.timeout.ms: what a dynamic member would wait


@pytest.fixture
def es(tmp_path):
    with EsTestServer(workdir=str(tmp_path / "es")) as server:
        yield server


def consume_cmd(bootstrap, topic, group, es, *extra):
    return [sys.executable, "-m", "kafkainsight", "consume", topic, "-b", bootstrap, "-g", group,
            "--url", es.url, "--ca-certs", es.ca_path, "--index", "restart", "--bulk-max-docs", "200",
            "--linger", "0.1", "--env-file", "/dev/null", *extra]


def expected_docs(bootstrap, topic, lines):
    """_id -> the document the line at that (topic, partition, offset) parses to."""
    return {f"{topic}-{m.partition()}-{m.offset()}": ki.parse_line(lines[int(headers(m)["ki.line"]) - 1])
            for m in consume_all(bootstrap, topic)}


@pytest.mark.kafka
def test_consumer_killed_9_resumes_at_once_with_its_instance_id(kafka_cluster, es):
    topic, group = unique_name("restart"), unique_name("g")
    kafka_cluster.create_topic(topic, partitions=3)
    kafka_cluster.create_topic(topic + ".dlq", partitions=1)
    lines = ki.generate_lines("apache_combined", 6000, seed=5, start=1706099953, sleep=1)
    Producer(kafka_cluster.bootstrap, topic, headers="all").produce_lines(lines[:3000])
    want = expected_docs(kafka_cluster.bootstrap, topic, lines)  # ki.line counts from 1 in each run
    env = {**os.environ, "ELASTIC_PASSWORD": es.password}
    env.pop("KAFKA_GROUP_INSTANCE_ID", None)  # the default id: host name + topic list
    es.delay_responses(0.05, path_prefix="/_bulk")
    first = subprocess.Popen(consume_cmd(kafka_cluster.bootstrap, topic, group, es), env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    es.wait_for(lambda s: "restart" in s.indices() and len(s.docs("restart")) >= 1000, timeout=120)
    first.send_signal(signal.SIGKILL)  # no LeaveGroup: the group still counts it as a member
    first.wait()
    es.delay_responses(0, path_prefix="/_bulk")
    # 3,000 more wait in Kafka while nobody consumes.
    Producer(kafka_cluster.bootstrap, topic, headers="all").produce_lines(lines[3000:])
    t0 = time.monotonic()
    again = subprocess.Popen(consume_cmd(kafka_cluster.bootstrap, topic, group, es, "--idle-timeout", "2"),
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    es.wait_for(lambda s: len(s.docs("restart")) >= 6000, timeout=SESSION_S * 3)
    resumed_s = time.monotonic() - t0
    _, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    # Every message exactly once (_id = topic-partition-offset), each the parse of its line.
    for m in consume_all(kafka_cluster.bootstrap, topic):
        key = f"{topic}-{m.partition()}-{m.offset()}"
        if key not in want:  # the second run's lines
            want[key] = ki.parse_line(lines[3000 + int(headers(m)["ki.line"]) - 1])
    assert len(want) == 6000
    assert es.docs("restart") == want
    assert "lag=0" in err
    # Generous: it did not wait for the dead member's 45 s session (measured: docs/RELIABILITY.md).
    assert resumed_s < SESSION_S - 15, (resumed_s, err)
    print(f"\nrestart after kill -9: all waiting messages indexed {resumed_s:.2f} s after the start")


@pytest.mark.kafka
def test_consumer_never_assigned_says_so_and_exits_1(kafka_cluster, es):
    # The topic does not exist (this cluster creates none by itself): the group gives no partition.
    env = {**os.environ, "ELASTIC_PASSWORD": es.password}
    r = subprocess.run(consume_cmd(kafka_cluster.bootstrap, unique_name("missing"), unique_name("g"), es,
                                   "--idle-timeout", "1", "-X", "session.timeout.ms=6000"),
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr
    assert "no partition was assigned within 31 s" in r.stderr
    assert "lag=unknown" in r.stderr and "lag=0" not in r.stderr


@pytest.mark.parametrize("command", ["consume", "watch"])
def test_no_kafka_is_the_producers_error_and_exit_1(command, es, tmp_path):
    env = {**os.environ, "ELASTIC_PASSWORD": es.password}
    extra = (["--url", es.url, "--ca-certs", es.ca_path] if command == "consume" else []) + ["--idle-timeout", "1"]
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "kafkainsight", command, "-b", "127.0.0.1:1", "--timeout", "2",
                        "--env-file", "/dev/null", *extra], env=env, capture_output=True, text=True, timeout=120)
    took = time.monotonic() - t0
    assert r.returncode == 1, r.stderr
    assert "kafkainsight: error: cannot reach Kafka at 127.0.0.1:1 within 2 s" in r.stderr
    assert "kafkainsight broker" in r.stderr
    assert "%3|" not in r.stderr and "%4|" not in r.stderr  # no raw librdkafka log lines
    assert took < 60, took  # generous: bounded by --timeout, not librdkafka retrying forever
    p = subprocess.run([sys.executable, "-m", "kafkainsight", "produce", "-b", "127.0.0.1:1", "--timeout", "2",
                        "--env-file", "/dev/null", "-"], input="x\n", capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    # The same words as the producer's error.
    assert r.stderr.strip().splitlines()[-1] == p.stderr.strip().splitlines()[-1]


@pytest.mark.kafka
def test_watch_killed_9_resumes_at_once_with_its_instance_id(kafka_cluster, tmp_path):
    topic, group = unique_name("wrestart"), unique_name("w")
    kafka_cluster.create_topic(topic, partitions=3)
    kafka_cluster.create_topic(topic + ".dlq", partitions=1)
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  heartbeat: {enabled: false}\n")
    cmd = [sys.executable, "-m", "kafkainsight", "watch", topic, "-b", kafka_cluster.bootstrap, "-g", group,
           "--rules", str(rules), "--alerts-topic", "", "--offset-reset", "earliest", "--env-file", "/dev/null"]
    first = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(8)  # joined and assigned (about 3 s here): a member of the group now
    first.send_signal(signal.SIGKILL)
    first.wait()
    # 2,000 lines wait, one of them an emergency.
    lines = [f"<14>1 2024-01-01T12:{i // 60 % 60:02d}:{i % 60:02d}.000Z h app 1 - - ok {i}" for i in range(2000)]
    lines[1500] = lines[1500].replace("<14>", "<8>").replace(" ok ", " FATAL ")
    Producer(kafka_cluster.bootstrap, topic).produce_lines(lines)
    t0 = time.monotonic()
    r = subprocess.run(cmd + ["--stop-at-end"], capture_output=True, text=True, timeout=SESSION_S * 3)
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert "consumed=2000 evaluated=2000" in r.stderr, r.stderr
    alerts = [json.loads(x) for x in r.stdout.splitlines()]
    assert [(a["rule"], a["state"]) for a in alerts][:1] == [("error_levels", "firing")]
    assert took < SESSION_S - 15, (took, r.stderr)  # generous: not the dead member's 45 s session
    print(f"\nwatch restart after kill -9: read to the end and evaluated in {took:.2f} s")
