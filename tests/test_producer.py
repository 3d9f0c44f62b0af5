"""The producer against the embedded broker (librdkafka's mock cluster) over TCP, read back with
an independent client (confluent-kafka; kcat where installed)."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import kafkainsight as ki
from kafkainsight.kafka import EmbeddedBroker, Producer, ProduceStats
from tests.kafka_util import consume_all, headers, kcat_count

BAD = ["this is not a log line", "<999>bad priority", '{"json": "truncated"']


def write_log(path, n=3000, fmt="apache_combined", bad=True, seed=1):
    lines = ki.generate_lines(fmt, n, seed=seed, start=1700000000, sleep=1)
    if bad:
        lines = lines[:100] + [BAD[0], ""] + lines[100:200] + BAD[1:] + lines[200:]
    path.write_text("\n".join(lines) + "\n")
    return lines


def test_every_message_equals_the_parse_of_its_line(tmp_path):
    log = tmp_path / "access.log"
    lines = write_log(log)
    with EmbeddedBroker(topics={"data_log": 4, "data_log.dlq": 1}) as b:
        st = Producer(b.bootstrap, "data_log", headers="all").produce_file(log)
        assert (st.read, st.produced, st.dead_lettered, st.empty, st.failed_delivery) == (3004, 3000, 3, 1, 0)
        assert st.balanced and st.ok
        msgs = consume_all(b.bootstrap, "data_log")
        assert len(msgs) == 3000
        assert kcat_count(b.bootstrap, "data_log") in (None, 3000)
        by_line = {}
        for m in msgs:
            h = headers(m)
            assert h["ki.source"] == str(log) and h["ki.format"] == "apache_combined"
            by_line[int(h["ki.line"])] = m
        assert len(by_line) == 3000  # no duplicates
        file_lines = log.read_text().split("\n")
        for no, m in by_line.items():
            doc = json.loads(m.value())
            assert doc == ki.parse_line(file_lines[no - 1])
            ts = ki.parse_line(file_lines[no - 1])["@timestamp"]
            import datetime as dt
            assert m.timestamp()[1] == int(dt.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000)
        dlq = consume_all(b.bootstrap, "data_log.dlq")
        assert sorted(m.value().decode() for m in dlq) == sorted(BAD)
        for m in dlq:
            h = headers(m)
            assert file_lines[int(h["ki.line"]) - 1] == m.value().decode()
            assert h["ki.error.stage"] == "parse" and h["ki.error.reason"]


def test_key_field_keeps_a_client_on_one_partition(tmp_path):
    log = tmp_path / "a.log"
    write_log(log, 2000, bad=False)
    with EmbeddedBroker(topics={"t": 6}) as b:
        st = Producer(b.bootstrap, "t", key="source.ip", schema="kafkainsight").produce_file(log)
        assert st.produced == 2000
        parts = {}
        for m in consume_all(b.bootstrap, "t"):
            ip = json.loads(m.value())["ip_address"]
            assert m.key().decode() == ip
            parts.setdefault(ip, set()).add(m.partition())
        assert all(len(p) == 1 for p in parts.values())
        assert len({p for s in parts.values() for p in s}) > 1
    with pytest.raises(ki.kafka.KafkaConfigError, match="not a field we can key by"):
        with EmbeddedBroker() as b:
            Producer(b.bootstrap, "t", key="no.such.field")


def test_on_parse_error_skip_and_fail(tmp_path):
    log = tmp_path / "a.log"
    write_log(log, 500)
    with EmbeddedBroker(topics={"t": 2}) as b:
        st = Producer(b.bootstrap, "t", on_parse_error="skip").produce_file(log)
        assert (st.produced, st.skipped, st.dead_lettered, st.empty) == (500, 3, 0, 1) and st.balanced
        st = Producer(b.bootstrap, "t2", on_parse_error="fail").produce_file(log)
        assert st.stopped_reason.startswith(f"{log}:101: ") and st.produced == 100 and st.balanced


def test_unreachable_broker_fails_fast_with_advice():
    t0 = time.monotonic()
    with pytest.raises(ki.kafka.KafkaUnreachableError) as e:
        Producer("127.0.0.1:9", "t", timeout=2)
    assert time.monotonic() - t0 < 8
    assert "127.0.0.1:9" in str(e.value) and "kafkainsight broker" in str(e.value)


def test_x_properties_reach_librdkafka(tmp_path):
    with pytest.raises(ki.kafka.KafkaConfigError, match="no.such.property"):
        Producer("127.0.0.1:9", "t", {"no.such.property": "1"})
    log = tmp_path / "a.log"
    lines = ki.generate_lines("apache_common", 20, seed=2)
    lines[5] = lines[5].replace(" HTTP/", "x" * 3000 + " HTTP/", 1)  # one document over 2 KB
    log.write_text("\n".join(lines) + "\n")
    with EmbeddedBroker(topics={"t": 1}) as b:
        st = Producer(b.bootstrap, "t", {"message.max.bytes": "2000"}).produce_file(log)
    assert st.failed_delivery == 1 and st.produced == 19 and not st.ok
    assert any(":6: " in e and "too large" in e.lower() for e in st.errors), st.errors


def test_spdlog_level_debug_shows_librdkafkas_debug_output(tmp_path):
    log = tmp_path / "a.log"
    log.write_text("\n".join(ki.generate_lines("apache_common", 10, seed=3)) + "\n")
    with EmbeddedBroker(topics={"t": 1}) as b:
        cmd = [sys.executable, "-m", "kafkainsight", "produce", str(log), "-b", b.bootstrap, "-t", "t", "-q",
               "-X", "debug=eos"]
        quiet = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        loud = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env={**os.environ, "SPDLOG_LEVEL": "debug"})
    assert quiet.returncode == loud.returncode == 0, (quiet.stderr, loud.stderr)
    assert "IDEMPSTATE" not in quiet.stderr  # debug output stays off unless asked for
    assert "[debug] kafka IDEMPSTATE" in loud.stderr and "produced=10" in loud.stderr


def test_broker_down_and_back_loses_and_duplicates_nothing(tmp_path):
    log = tmp_path / "a.log"
    write_log(log, 20000, bad=False)
    with EmbeddedBroker(brokers=1, topics={"t": 4}) as b:
        p = Producer(b.bootstrap, "t", rate=20000, headers="all")  # ~1 s of traffic so the outage lands mid-run

        def outage():
            time.sleep(0.3)
            b.cluster.broker_down(1)
            time.sleep(1.5)
            b.cluster.broker_up(1)
        t = threading.Thread(target=outage)
        t.start()
        st = p.produce_file(log)
        t.join()
        assert st.produced == 20000 and st.failed_delivery == 0
        msgs = consume_all(b.bootstrap, "t")
        lines = [int(headers(m)["ki.line"]) for m in msgs]
        assert len(lines) == 20000 and len(set(lines)) == 20000


def test_injected_produce_errors_are_retried_exactly_once(tmp_path):
    log = tmp_path / "a.log"
    write_log(log, 5000, bad=False)
    with EmbeddedBroker(topics={"t": 2}) as b:
        # ProduceRequest (api key 0): NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS
        b.cluster.push_request_errors(0, [6, 7, 19, 6, 7])
        st = Producer(b.bootstrap, "t", headers="all").produce_file(log)
        assert st.produced == 5000 and st.failed_delivery == 0
        lines = [int(headers(m)["ki.line"]) for m in consume_all(b.bootstrap, "t")]
        assert sorted(lines) == list(range(1, 5001))


def test_follow_picks_up_appends_rotation_and_truncation(tmp_path):
    log = tmp_path / "live.log"
    gen = iter(ki.generate_lines("apache_common", 400, seed=4))
    take = lambda n: [next(gen) for _ in range(n)]
    log.write_text("\n".join(take(100)) + "\n")
    with EmbeddedBroker(topics={"t": 1}) as b:
        p = Producer(b.bootstrap, "t", follow=True, poll_interval=0.05)
        result = {}
        th = threading.Thread(target=lambda: result.setdefault("st", p.produce_file(log)), daemon=True)
        th.start()

        def wait_for(n):
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if len(consume_all(b.bootstrap, "t", timeout=5)) >= n:
                    return
                time.sleep(0.1)
            raise AssertionError(f"fewer than {n} messages")
        try:
            wait_for(100)
            with open(log, "a") as f:                     # append, the last line only half written
                f.write("\n".join(take(49)) + "\n" + next(gen)[:20])
            wait_for(149)
            os.rename(log, tmp_path / "live.log.1")       # rotate (logrotate's create mode)
            log.write_text("\n".join(take(100)) + "\n")
            wait_for(249)
            with open(log, "r+") as f:                    # copytruncate
                f.truncate(0)
            time.sleep(0.3)
            with open(log, "a") as f:
                f.write("\n".join(take(50)) + "\n")
            wait_for(299)
        finally:
            p.stop()
            th.join(timeout=30)
        st = result["st"]
        assert st.rotations == 1 and st.truncations == 1
        # 299 whole lines + the half line cut off by the rotation: reported, dead-lettered
        assert st.read == 300 and st.produced == 299 and st.dead_lettered == 1 and st.balanced
        msgs = consume_all(b.bootstrap, "t")
        assert len(msgs) == 299
        # following: ki.ts says when each line was read (for end-to-end latency), a wall-clock ms
        assert all(abs(int(headers(m)["ki.ts"]) - time.time() * 1000) < 600_000 for m in msgs)


def test_header_modes(tmp_path):
    log = tmp_path / "a.log"
    write_log(log, 500, bad=False)
    lines = log.read_text().splitlines()
    with EmbeddedBroker(topics={"t": 2, "all": 2, "live": 1, "live_all": 1, "plain": 2}) as b:
        # default ("ts"): a whole file carries no headers, its messages are the documents alone
        st = Producer(b.bootstrap, "t").produce_file(log)
        assert st.produced == 500 and st.balanced
        msgs = consume_all(b.bootstrap, "t")
        assert len(msgs) == 500 and all(not m.headers() for m in msgs)
        # "all": where each message came from
        Producer(b.bootstrap, "all", headers="all").produce_file(log)
        msgs = consume_all(b.bootstrap, "all")
        assert {tuple(sorted(headers(m))) for m in msgs} == {("ki.format", "ki.line", "ki.source")}
        assert sorted(int(headers(m)["ki.line"]) for m in msgs) == list(range(1, 501))
        # lines handed over by the caller are a live source: they carry their read time (only that by default)
        Producer(b.bootstrap, "live").produce_lines(lines[:10])
        msgs = consume_all(b.bootstrap, "live")
        assert [sorted(headers(m)) for m in msgs] == [["ki.ts"]] * 10
        assert all(abs(int(headers(m)["ki.ts"]) - time.time() * 1000) < 600_000 for m in msgs)
        Producer(b.bootstrap, "live_all", headers=True).produce_lines(lines[:10])
        assert {tuple(sorted(headers(m))) for m in consume_all(b.bootstrap, "live_all")} == {
            ("ki.format", "ki.line", "ki.source", "ki.ts")}
        st = Producer(b.bootstrap, "plain", headers="none").produce_lines(lines)
        assert st.produced == 500 and st.balanced
        msgs = consume_all(b.bootstrap, "plain")
        assert len(msgs) == 500 and all(not m.headers() for m in msgs)
        with pytest.raises(ValueError, match="headers must be ts, all or none; got 'some'"):
            Producer(b.bootstrap, "t", headers="some")


def test_cli_sigterm_flushes_and_reports(tmp_path):
    log = tmp_path / "live.log"
    write_log(log, 1000, bad=False)
    with EmbeddedBroker(topics={"t": 2}) as b:
        proc = subprocess.Popen([sys.executable, "scripts/kafka_producer.py", str(log), "-b", b.bootstrap,
                                 "-t", "t", "--follow"], stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while len(consume_all(b.bootstrap, "t", timeout=5)) < 1000 and time.monotonic() < deadline:
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "stopped: read=1000 produced=1000" in err


def test_rate_limits_lines_per_second(tmp_path):
    log = tmp_path / "a.log"
    write_log(log, 60, bad=False)
    with EmbeddedBroker(topics={"t": 1}) as b:
        t0 = time.monotonic()
        st = Producer(b.bootstrap, "t", rate=100).produce_file(log)
        assert st.produced == 60
        assert time.monotonic() - t0 >= 0.55  # 60 lines at 100/s cannot finish sooner


def test_produce_lines_and_stats_repr():
    with EmbeddedBroker(topics={"t": 1, "t.dlq": 1}) as b:
        p = Producer(b.bootstrap, "t")
        st = p.produce_lines(ki.generate_lines("rfc5424", 50, seed=1) + ["junk"])
        assert (st.read, st.produced, st.dead_lettered) == (51, 50, 1)
        st2 = p.produce_lines(iter(ki.generate_lines("json", 10, seed=1)))
        assert st2.produced == 10 and p.stats.produced == 60
        assert "produced=60" in repr(p) and "<table>" in st._repr_html_()


def test_cli_several_files_gz_and_stdin(tmp_path):
    import gzip
    a, b = tmp_path / "a.log", tmp_path / "b.log.gz"
    write_log(a, 300, bad=False)
    with gzip.open(b, "wt") as f:
        f.write("\n".join(ki.generate_lines("rfc3164", 200, seed=5)) + "\n")
    stdin_lines = ki.generate_lines("json", 100, seed=6)
    with EmbeddedBroker(topics={"t": 2}) as br:
        r = subprocess.run([sys.executable, "scripts/kafka_producer.py", str(a), str(b), "-b", br.bootstrap, "-t", "t",
                            "--headers", "all"], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0 and "read=500 produced=500" in r.stderr, r.stderr
        r = subprocess.run([sys.executable, "scripts/kafka_producer.py", "-", "-b", br.bootstrap, "-t", "t"],
                           env={**os.environ, "KAFKA_HEADERS": "all"},  # the setting from the environment
                           input="\n".join(stdin_lines) + "\n", capture_output=True, text=True, timeout=120)
        assert r.returncode == 0 and "read=100 produced=100" in r.stderr, r.stderr
        msgs = consume_all(br.bootstrap, "t")
        sources = {}
        for m in msgs:
            sources[headers(m)["ki.source"]] = sources.get(headers(m)["ki.source"], 0) + 1
        assert sources == {str(a): 300, str(b): 200, "-": 100}
        r = subprocess.run([sys.executable, "scripts/kafka_producer.py", str(tmp_path / "nope.log"), "-b", br.bootstrap,
                            "-t", "t"], capture_output=True, text=True, timeout=60)
        assert r.returncode == 1 and "cannot open" in r.stderr and "nope.log" in r.stderr


def test_close_lets_go_of_the_client_before_the_broker_goes(capfd):
    # A producer left alive after its (embedded) broker is gone keeps reconnecting and logs
    # "Connection refused"; close() (or the with-block) flushes and releases it first.
    lines = ki.generate_lines("apache_common", 500, seed=3)
    with EmbeddedBroker(topics={"t": 2}) as b:
        with Producer(b.bootstrap, "t") as p:
            st = p.produce_lines(lines)
        assert st.produced == 500 and p.flush() == 0 and p.close() == 0
        assert len(consume_all(b.bootstrap, "t")) == 500
    time.sleep(1.5)  # librdkafka would notice the closed port within this
    assert "Connection refused" not in capfd.readouterr().err
