"""Following many files (docs/PRODUCE.md "Following many files"): `produce --follow` with a quoted
glob, as the Kubernetes DaemonSet runs it on /var/log/containers/*.log. Files created after the
start, appends to several, a rotation; every line reaches Kafka exactly once (read back with
confluent-kafka), and a --resume restart sends nothing twice."""
import collections
import json
import signal
import subprocess
import sys
import time

from kafkainsight.kafka import EmbeddedBroker
from tests.kafka_util import consume_all, headers, kcat_count


def line(name: str, i: int) -> str:
    return f"<34>1 2024-01-01T00:00:00Z host app 1 ID47 - {name} {i}"


def write(path, name, numbers):
    with open(path, "a") as f:
        f.write("".join(line(name, i) + "\n" for i in numbers))


def messages(b):
    return consume_all(b.bootstrap, "data_log", timeout=10)


def wait_for(b, n, proc):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = len(messages(b))
        if got >= n:
            return got
        assert proc.poll() is None, proc.communicate()[1]
        time.sleep(0.2)
    raise AssertionError(f"only {len(messages(b))} of {n} lines in Kafka after 60 s")


def start(b, pattern, ck):
    return subprocess.Popen([sys.executable, "-m", "kafkainsight", "produce", "--follow", "--format", "auto",
                             "--resume", str(ck), str(pattern), "-b", b.bootstrap, "-q", "--headers", "all",
                             "--rescan-interval", "1"], stderr=subprocess.PIPE, text=True)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return err


def test_follow_a_glob_new_files_appends_rotation_then_resume(tmp_path):
    d, ck = tmp_path / "logs", tmp_path / "ck.json"
    d.mkdir()
    write(d / "a.log", "a", range(1, 51))
    write(d / "other.txt", "x", range(1, 10))  # does not match: never sent
    expected = [line("a", i) for i in range(1, 51)]
    with EmbeddedBroker(topics={"data_log": 3, "data_log.dlq": 1}) as b:
        p = start(b, d / "*.log", ck)
        try:
            wait_for(b, 50, p)
            # Files that appear after the start, appends to several at once.
            write(d / "b.log", "b", range(1, 31))
            write(d / "c.log", "c", range(1, 21))
            write(d / "a.log", "a", range(51, 61))
            expected += [line("b", i) for i in range(1, 31)] + [line("c", i) for i in range(1, 21)]
            expected += [line("a", i) for i in range(51, 61)]
            wait_for(b, len(expected), p)
            # Rotation: a.log renamed to a name the pattern does not match, a new a.log.
            write(d / "a.log", "a", range(61, 66))
            (d / "a.log").rename(d / "a.log.1")
            write(d / "a.log", "a", range(66, 81))
            write(d / "c.log", "c", range(21, 26))
            expected += [line("a", i) for i in range(61, 81)] + [line("c", i) for i in range(21, 26)]
            wait_for(b, len(expected), p)
        finally:
            err = stop(p)
        assert f"read={len(expected)} produced={len(expected)}" in err, err
        assert "(followed: 3 file(s) open, 3 opened, 0 closed, 1 rotated, 0 truncated)" in err, err
        saved = json.loads(ck.read_text())["files"]
        assert sorted(saved) == sorted(str(d / n) for n in ("a.log", "b.log", "c.log"))
        assert saved[str(d / "a.log")]["line"] == 15  # the new a.log, its own line numbers

        # Restart with --resume while files keep growing: only what is new is sent.
        write(d / "b.log", "b", range(31, 41))
        p = start(b, d / "*.log", ck)
        try:
            write(d / "d.log", "d", range(1, 6))
            expected += [line("b", i) for i in range(31, 41)] + [line("d", i) for i in range(1, 6)]
            wait_for(b, len(expected), p)
            # c.log goes away: closed once drained, and its entry leaves the checkpoint.
            (d / "c.log").unlink()
            deadline = time.monotonic() + 30
            while str(d / "c.log") in json.loads(ck.read_text())["files"] and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1)  # anything sent twice would arrive in this time too
        finally:
            err = stop(p)
        assert "read=15 produced=15" in err and "resumed: 70" in err, err
        assert "(followed: 3 file(s) open, 4 opened, 1 closed" in err, err
        assert sorted(json.loads(ck.read_text())["files"]) == sorted(str(d / n) for n in ("a.log", "b.log", "d.log"))

        msgs = messages(b)
        got = collections.Counter(json.loads(m.value())["message"] for m in msgs)
        want = collections.Counter(e.split(" - ", 1)[1] for e in expected)
        assert got == want  # every line exactly once, nothing from other.txt or the rotated a.log.1 again
        assert kcat_count(b.bootstrap, "data_log") in (None, len(expected))  # another client agrees
        # Each line's event id and source name its own file.
        assert len({headers(m)["ki.id"] for m in msgs}) == len(msgs)
        for m in msgs:
            name = json.loads(m.value())["message"].split()[0]
            assert headers(m)["ki.source"] == str(d / f"{name}.log")


def test_glob_without_follow_and_a_pattern_matching_nothing(tmp_path):
    for n in ("a", "b"):
        write(tmp_path / f"{n}.log", n, range(1, 4))
    with EmbeddedBroker(topics={"data_log": 1, "data_log.dlq": 1}) as b:
        r = subprocess.run([sys.executable, "-m", "kafkainsight", "produce", str(tmp_path / "*.log"), "-b",
                            b.bootstrap, "-q"], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0 and "read=6 produced=6" in r.stderr, r.stderr
        r = subprocess.run([sys.executable, "-m", "kafkainsight", "produce", str(tmp_path / "*.nothing"), "-b",
                            b.bootstrap, "-q"], capture_output=True, text=True, timeout=120)
        assert r.returncode != 0 and "no file matches" in r.stderr and "*.nothing" in r.stderr, r.stderr
        assert sorted(json.loads(m.value())["message"] for m in consume_all(b.bootstrap, "data_log")) == \
            sorted(f"{n} {i}" for n in ("a", "b") for i in range(1, 4))


def test_files_come_and_go_one_after_another(tmp_path):
    """Container logs come and go: each file is read whole, closed when it goes away, and the
    next one's messages name their own file and line (source slots of closed files are reused)."""
    d, ck = tmp_path / "logs", tmp_path / "ck.json"
    d.mkdir()
    with EmbeddedBroker(topics={"data_log": 2, "data_log.dlq": 1}) as b:
        p = start(b, d / "*.log", ck)
        try:
            for k in range(5):
                write(d / f"pod{k}.log", f"pod{k}", range(1, 11))
                wait_for(b, 10 * (k + 1), p)
                (d / f"pod{k}.log").unlink()
                deadline = time.monotonic() + 30
                while str(d / f"pod{k}.log") in json.loads(ck.read_text())["files"] and time.monotonic() < deadline:
                    time.sleep(0.1)
        finally:
            err = stop(p)
        assert "read=50 produced=50" in err and "(followed: 0 file(s) open, 5 opened, 5 closed" in err, err
        msgs = messages(b)
        assert len(msgs) == 50
        seen = set()
        for m in msgs:
            name, i = json.loads(m.value())["message"].split()
            h = headers(m)
            assert (h["ki.source"], h["ki.line"]) == (str(d / f"{name}.log"), i)
            seen.add((name, int(i)))
        assert seen == {(f"pod{k}", i) for k in range(5) for i in range(1, 11)}
        assert json.loads(ck.read_text())["files"] == {}


def test_bad_follow_settings_are_usage_errors(tmp_path):
    (tmp_path / "a.log").write_text(line("a", 1) + "\n")
    with EmbeddedBroker(topics={"data_log": 1, "data_log.dlq": 1}) as b:
        for flag, value in (("--rescan-interval", "0"), ("--max-open-files", "0")):
            r = subprocess.run([sys.executable, "-m", "kafkainsight", "produce", "--follow", str(tmp_path / "*.log"),
                                "-b", b.bootstrap, "-q", flag, value], capture_output=True, text=True, timeout=60)
            assert r.returncode == 2 and "--rescan-interval must be at least 0.1 s" in r.stderr, r.stderr
