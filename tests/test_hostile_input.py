"""Hostile input through the real CLI and Python API: binary garbage, NULs, invalid UTF-8, 10 MB
lines, empty files, directories, missing files, and files truncated or rotated under --follow.
Expected everywhere: no crash, every line accounted for (read = parsed + failed + empty for
`parse`; read = produced + dead_lettered + skipped + empty + failed_delivery for `produce`), a
clear message and a truthful exit code."""
import json
import os
import random
import re
import signal
import subprocess
import sys
import time

import pytest

import kafkainsight as ki
from kafkainsight.kafka import EmbeddedBroker
from tests.kafka_util import consume_all, headers

KI = [sys.executable, "-m", "kafkainsight"]
GOOD = ki.generate_lines("apache_combined", 40, seed=11, start=1700000000, sleep=1)
BIG = 10 * 1024 * 1024
LINE = '1.2.3.4 - - [22/Apr/2018:09:30:00 +0000] "GET {path} HTTP/1.1" 200 5'


def run(*args, input=None, timeout=300):
    return subprocess.run([*KI, *args], capture_output=True, input=input, timeout=timeout)


def counts(stderr: bytes, keys) -> dict:
    text = stderr.decode("utf-8", "replace")
    return {k: int(re.search(rf"\b{k}=(\d+)", text).group(1)) for k in keys}


def line_count(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


def hostile_file() -> tuple[bytes, dict]:
    """Good lines mixed with garbage; returns the bytes and {what: 1-based line number}."""
    rnd = random.Random(6)
    garbage = bytes(rnd.randrange(256) for _ in range(30000))  # ~117 random "lines"
    nul = LINE.format(path="/a\x00b/").encode()
    bad_utf8 = LINE.format(path="/\udcff\udcfe\udcc3(\udced\udca0\udc80/").encode("utf-8", "surrogateescape")
    lines = [GOOD[0].encode(), nul, bad_utf8, b"\x00" * 64, b"\xef\xbb\xbf" + GOOD[3].encode(), b"\r", b"",
             b"\x1b[31mred\x1b[0m \x07\x08", GOOD[4].encode() + b"\r"]
    where = {"nul": 2, "bad_utf8": 3}
    data = b"\n".join(lines) + b"\n" + garbage + b"\n" + "\n".join(GOOD[5:]).encode()  # no final newline
    return data, where


def test_parse_cli_binary_nul_invalid_utf8_every_line_accounted(tmp_path):
    data, where = hostile_file()
    src = tmp_path / "hostile.log"
    src.write_bytes(data)
    out, failed = tmp_path / "out.ndjson", tmp_path / "failed.ndjson"
    r = run("parse", str(src), "-o", str(out), "--failed", str(failed))
    assert r.returncode == 3, r.stderr  # some lines failed, and the exit code says so
    c = counts(r.stderr, ["lines", "parsed", "failed", "empty"])
    assert c["lines"] == line_count(data)
    assert c["lines"] == c["parsed"] + c["failed"] + c["empty"]
    assert b"Traceback" not in r.stderr
    # Every output line is strict UTF-8 JSON; every failure names its line and a reason.
    docs = [json.loads(l.decode("utf-8")) for l in out.read_bytes().splitlines()]
    fails = [json.loads(l.decode("utf-8")) for l in failed.read_bytes().splitlines()]
    assert len(docs) == c["parsed"] and len(fails) == c["failed"]
    assert all(f["reason"] and f["source"] == str(src) and 1 <= f["line_no"] <= c["lines"] for f in fails)
    assert len({f["line_no"] for f in fails}) == len(fails)
    urls = [d.get("url", {}).get("original") for d in docs]
    assert "/a\x00b/" in urls  # a NUL is kept (escaped as \u0000)
    assert "/\ufffd\ufffd\ufffd(\ufffd\ufffd\ufffd/" in urls  # each invalid byte -> U+FFFD
    # The API reads the same file to the same counts.
    res = ki.read_logs(src)
    s = res.stats
    assert (s["lines"], s["parsed"], s["failed"], s["empty"]) == (c["lines"], c["parsed"], c["failed"], c["empty"])
    # stdin too
    r2 = run("parse", "-", input=data)
    assert r2.returncode == 3 and counts(r2.stderr, ["lines", "parsed"]) == {"lines": c["lines"],
                                                                             "parsed": c["parsed"]}


def test_parse_10mb_lines_are_parsed_or_failed_not_lost(tmp_path):
    big_path = LINE.format(path="/" + "p" * BIG)
    src = tmp_path / "big.log"
    with open(src, "wb") as f:
        f.write(("\n".join([GOOD[1], "A" * BIG, big_path, GOOD[2]]) + "\n").encode())
    out, failed = tmp_path / "out.ndjson", tmp_path / "failed.ndjson"
    r = run("parse", str(src), "-o", str(out), "--failed", str(failed))
    assert r.returncode == 3, r.stderr
    assert counts(r.stderr, ["lines", "parsed", "failed", "empty"]) == {"lines": 4, "parsed": 3, "failed": 1,
                                                                          "empty": 0}
    docs = [json.loads(l) for l in out.read_bytes().splitlines()]
    assert docs[1]["url"]["original"] == "/" + "p" * BIG
    (f,) = [json.loads(l) for l in failed.read_bytes().splitlines()]
    assert f["line_no"] == 2 and f["reason"] and len(f["line"]) == BIG


@pytest.mark.parametrize("cmd", ["parse", "produce"])
def test_empty_missing_and_directory_inputs(tmp_path, cmd):
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    with EmbeddedBroker(topics={"t": 1}) as b:
        extra = ["-b", b.bootstrap, "-t", "t", "-q", "--env-file", os.devnull] if cmd == "produce" else []
        r = run(cmd, str(empty), *extra)
        assert r.returncode == 0, r.stderr
        key = "read" if cmd == "produce" else "lines"
        assert counts(r.stderr, [key])[key] == 0
        for bad, why in ((tmp_path / "missing.log", "No such file"), (tmp_path, "is a directory")):
            r = run(cmd, str(bad), *extra)
            err = r.stderr.decode()
            assert r.returncode == 1, err
            assert str(bad) in err and why in err and "Traceback" not in err
        if cmd == "produce":
            assert consume_all(b.bootstrap, "t", timeout=5) == []


def test_produce_hostile_file_every_line_accounted_and_read_back(tmp_path):
    data, where = hostile_file()
    src = tmp_path / "hostile.log"
    src.write_bytes(data)
    with EmbeddedBroker(topics={"t": 2, "t.dlq": 1}) as b:
        r = run("produce", str(src), "-b", b.bootstrap, "-t", "t", "-q", "--env-file", os.devnull)
        assert r.returncode == 0, r.stderr  # every line delivered or dead-lettered: success
        c = counts(r.stderr, ["read", "produced", "dead_lettered", "skipped", "empty", "failed_delivery"])
        assert c["read"] == line_count(data)
        assert c["read"] == c["produced"] + c["dead_lettered"] + c["skipped"] + c["empty"] + c["failed_delivery"]
        assert c["failed_delivery"] == 0 and c["dead_lettered"] > 100
        main, dlq = consume_all(b.bootstrap, "t"), consume_all(b.bootstrap, "t.dlq")
        assert len(main) == c["produced"] and len(dlq) == c["dead_lettered"]
        for m in main:
            json.loads(m.value().decode("utf-8"))  # strict UTF-8 JSON
        lines = data.split(b"\n")
        for m in dlq:  # the raw line, byte for byte, with its line number and a reason
            h = headers(m)
            assert m.value() == lines[int(h["ki.line"]) - 1].rstrip(b"\r").removeprefix(b"\xef\xbb\xbf")
            assert h["ki.error.reason"]


def test_produce_10mb_lines_are_reported_with_a_reason_not_lost(tmp_path):
    """A 10 MB line is read whole (the reader's limit is 64 MB), but it is larger than Kafka's
    message.max.bytes (1 MB by default): the document of a parsed one and the raw line of an
    unparsable one fail delivery, each reported with its line number and the reason; exit 1."""
    src = tmp_path / "big.log"
    big_path = LINE.format(path="/" + "p" * BIG)
    src.write_bytes(("\n".join([GOOD[1], big_path, "A" * BIG, GOOD[2]]) + "\n").encode())
    with EmbeddedBroker(topics={"t": 1, "t.dlq": 1}) as b:
        r = run("produce", str(src), "-b", b.bootstrap, "-t", "t", "-q", "--env-file", os.devnull)
        err = r.stderr.decode()
        assert r.returncode == 1, err
        c = counts(r.stderr, ["read", "produced", "dead_lettered", "empty", "failed_delivery"])
        assert c == {"read": 4, "produced": 2, "dead_lettered": 0, "empty": 0, "failed_delivery": 2}
        assert f"{src}:2: delivery failed" in err and f"{src}:3: delivery failed" in err
        assert "too large" in err.lower() and "2 message(s) were NOT delivered" in err
        assert len(consume_all(b.bootstrap, "t")) == 2
        # Raising the limit on both sides delivers it: nothing about the line itself was lost.
        r = run("produce", str(src), "-b", b.bootstrap, "-t", "t", "-q", "--env-file", os.devnull,
                "-X", "message.max.bytes=20000000")
        c = counts(r.stderr, ["read", "produced", "dead_lettered", "failed_delivery"])
        assert c["read"] == 4 and c["produced"] + c["dead_lettered"] + c["failed_delivery"] == 4


def test_follow_through_truncation_rotation_and_garbage_via_cli(tmp_path):
    log = tmp_path / "live.log"
    gen = iter(ki.generate_lines("apache_common", 500, seed=21, start=1700000000, sleep=1))
    take = lambda n: "\n".join(next(gen) for _ in range(n)) + "\n"
    log.write_text(take(50))
    with EmbeddedBroker(topics={"t": 1, "t.dlq": 1}) as b:
        proc = subprocess.Popen([*KI, "produce", str(log), "-b", b.bootstrap, "-t", "t", "--follow", "-q",
                                 "--env-file", os.devnull], stderr=subprocess.PIPE)

        def wait_for(topic, n):
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                got = len(consume_all(b.bootstrap, topic, timeout=5))
                if got >= n:
                    return got
                time.sleep(0.1)
            raise AssertionError(f"fewer than {n} messages in {topic}")

        try:
            wait_for("t", 50)
            with open(log, "ab") as f:  # garbage, NULs, invalid UTF-8 appended to the live file
                f.write(b"\x00\x01\x02 garbage\n\xff\xfe\xfd\n" + take(30).encode())
            wait_for("t", 80)
            wait_for("t.dlq", 2)
            os.rename(log, tmp_path / "live.log.1")  # rotation
            log.write_text(take(40))
            wait_for("t", 120)
            with open(log, "r+") as f:  # copytruncate
                f.truncate(0)
            time.sleep(0.5)
            with open(log, "a") as f:
                f.write(take(25))
            wait_for("t", 145)
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
        err = err.decode()
        assert proc.returncode == 0, err
        c = counts(err.encode(), ["read", "produced", "dead_lettered", "empty", "failed_delivery"])
        assert c == {"read": 147, "produced": 145, "dead_lettered": 2, "empty": 0, "failed_delivery": 0}, err
        assert len(consume_all(b.bootstrap, "t")) == 145 and len(consume_all(b.bootstrap, "t.dlq")) == 2
