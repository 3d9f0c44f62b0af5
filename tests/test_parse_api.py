"""The Python API: parse_line, read_logs, generate — what a notebook user calls."""
import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import kafkainsight as ki

COMBINED = ('222.83.191.222 - - [22/Apr/2018:09:30:00 +0000] "DELETE /innovate/next-generation HTTP/1.1" 406 97484 '
            '"https://www.humanscalable.io/synergize/morph/sticky" "Mozilla/5.0 (Windows NT 5.01) AppleWebKit/5320 '
            '(KHTML, like Gecko) Chrome/40.0.875.0 Mobile Safari/5320"')


def test_parse_line_ecs_field_by_field():
    d = ki.parse_line(COMBINED)
    assert d == {
        "@timestamp": "2018-04-22T09:30:00Z",
        "source": {"ip": "222.83.191.222"},
        "http": {"request": {"method": "DELETE", "referrer": "https://www.humanscalable.io/synergize/morph/sticky"},
                 "version": "1.1", "response": {"status_code": 406, "body": {"bytes": 97484}}},
        "url": {"original": "/innovate/next-generation"},
        "user_agent": {"original": "Mozilla/5.0 (Windows NT 5.01) AppleWebKit/5320 (KHTML, like Gecko) "
                                   "Chrome/40.0.875.0 Mobile Safari/5320"},
        "kafkainsight": {"format": "apache_combined", "status_class": "Client Error", "anonymous": True},
    }


def test_parse_line_kafkainsight_layout_matches_original_producer():
    line = ('185.173.32.252 - thompson1003 [24/Jan/2024:12:39:13 +0800] '
            '"HEAD /revolutionize/drive/synergistic HTTP/1.1" 304 6668')
    d = ki.parse_line(line, schema="kafkainsight")
    # The original's documents, field for field (+ @timestamp, bytes, format).
    original = {"ip_address": "185.173.32.252", "username": "thompson1003", "is_user": "User Exists",
                "timestamp": "2024-1-24 12:39:13", "timezone": "GMT+8.0", "operation": "HEAD",
                "source": "/revolutionize/drive/synergistic", "network_protocol": "HTTP/1.1",
                "status_code": "304", "status": "Redirection"}
    assert {k: d[k] for k in original} == original
    assert d["@timestamp"] == "2024-01-24T12:39:13+08:00"


def test_parse_line_failure_carries_line_and_reason():
    d = ki.parse_line("this is not a log line")
    assert d["event"]["original"] == "this is not a log line"
    assert "apache_common" in d["error"]["message"]
    with pytest.raises(ki.ParseError) as e:
        ki.parse_line("<999>nope", strict=True)
    assert "PRI" in e.value.reason


def test_parse_line_takes_bytes_that_are_not_utf8():
    # a line as read from a file in binary: invalid bytes become U+FFFD in the document, as in a
    # file's; the same text as a str (surrogateescape, how Python keeps such bytes) reads the same
    doc = ki.parse_line(b"<13>Jan  5 10:00:00 host app: caf\xe9 \xff")
    assert doc["message"] == "caf\ufffd \ufffd"
    assert ki.parse_line("<13>Jan  5 10:00:00 host app: caf\udce9 \udcff") == doc
    bad = ki.parse_line(b"\xff\xfe not a log line", format="rfc5424")
    assert bad["error"]["message"] and bad["event"]["original"] == "\udcff\udcfe not a log line"


def test_parse_line_options():
    d = ki.parse_line("[Sun Dec 04 04:47:44 2005] [error] boom", tz="+08:00", include_original=True)
    assert d["@timestamp"] == "2005-12-04T04:47:44+08:00"
    assert d["event"]["original"] == "[Sun Dec 04 04:47:44 2005] [error] boom"
    assert ki.parse_line("Jan  2 03:04:05 h app: x", year=2020)["@timestamp"] == "2020-01-02T03:04:05Z"
    with pytest.raises(ValueError, match="unknown format"):
        ki.parse_line("x", format="nginx")
    with pytest.raises(ValueError, match="unknown schema"):
        ki.parse_line("x", schema="gelf")
    with pytest.raises(ValueError, match="time zone"):
        ki.parse_line("x", tz="Mars/Olympus")


@pytest.mark.parametrize("fmt", ["apache_common", "common_log", "apache_combined", "apache_error",
                                 "rfc3164", "rfc5424", "json"])
def test_read_logs_generated_file_every_format(tmp_path, fmt):
    path = tmp_path / f"{fmt}.log"
    st = ki.generate(fmt, 5000, output=str(path), seed=7, start=1700000000, sleep="1s")
    assert st["lines"] == 5000
    res = ki.read_logs(path, year=2023)  # year: BSD syslog lines carry none
    want = "apache_common" if fmt == "common_log" else fmt
    assert res.stats["lines"] == 5000 and res.stats["parsed"] == 5000 and res.failed == []
    assert res.stats["by_format"] == {want: 5000}
    assert len(res) == 5000 and res.line_numbers[:3] == [1, 2, 3]
    recs = res.records
    assert recs[0]["@timestamp"].startswith("2023-11-14T22:13:20")
    assert recs[1]["kafkainsight"]["format"] == want


def test_read_logs_gz_iterable_and_failures(tmp_path):
    lines = ki.generate_lines("apache_combined", 100, seed=3)
    bad = ["garbage one", "", "<999>x", "[Sun Dec 04 04:47:44 2005] [error] fine"]
    content = lines[:50] + bad + lines[50:]
    gz = tmp_path / "mixed.log.gz"
    with gzip.open(gz, "wt") as f:
        f.write("\r\n".join(content) + "\r\n")
    for res in (ki.read_logs(gz), ki.read_logs(content), ki.read_logs(iter(content)),
                ki.read_logs([line + "\r\n" for line in content])):
        s = res.stats
        assert (s["lines"], s["parsed"], s["failed"], s["empty"]) == (104, 101, 2, 1)
        assert s["lines"] == s["parsed"] + s["failed"] + s["empty"]
        assert [f["line_no"] for f in res.failed] == [51, 53]
        assert [f["line"] for f in res.failed] == ["garbage one", "<999>x"]
        assert all(f["reason"] for f in res.failed)
        assert res.line_numbers[50] == 54  # the error-log line after the bad ones


def test_read_logs_missing_and_directory(tmp_path):
    with pytest.raises(ValueError, match="cannot open .*nope.log.*No such file"):
        ki.read_logs(tmp_path / "nope.log")
    with pytest.raises(ValueError, match="is a directory"):
        ki.read_logs(tmp_path)


def test_to_pandas(tmp_path):
    pd = pytest.importorskip("pandas")
    path = tmp_path / "a.log"
    ki.generate("apache_combined", 1000, output=str(path), seed=11, start=1700000000, sleep="1s")
    df = ki.read_logs(path).to_pandas()
    assert len(df) == 1000
    assert {"@timestamp", "source.ip", "http.response.status_code", "url.original"} <= set(df.columns)
    assert str(df["@timestamp"].dtype).startswith("datetime64")
    assert df["@timestamp"].is_monotonic_increasing
    assert df["http.response.status_code"].between(100, 599).all()


def test_generate_is_reproducible_and_flog_shaped(tmp_path):
    a = ki.generate_lines("rfc5424", 50, seed=5, start=1524389400)
    assert a == ki.generate_lines("rfc5424", 50, seed=5, start=1524389400)
    assert a != ki.generate_lines("rfc5424", 50, seed=6, start=1524389400)
    assert all(line.startswith("<") and " 2018-04-22T09:30:00.000Z " in line for line in a)
    gz = tmp_path / "x.gz"
    ki.generate("json", 100, output=str(gz), seed=1)
    with gzip.open(gz, "rt") as f:
        docs = [json.loads(l) for l in f]
    assert len(docs) == 100 and set(docs[0]) == {"host", "user-identifier", "datetime", "method", "request",
                                                 "protocol", "status", "bytes", "referer"}
    st = ki.generate("apache_common", bytes=10000, output=str(tmp_path / "b.log"), seed=1)
    assert st["bytes"] >= 10000 and os.path.getsize(tmp_path / "b.log") == st["bytes"]


def test_read_logs_releases_gil_and_honours_ctrl_c(tmp_path):
    big = tmp_path / "big.log"
    ki.generate("apache_combined", 300_000, output=str(big), seed=1)
    script = textwrap.dedent(f"""
        import sys, threading, time, kafkainsight as ki
        ticks = []
        t = threading.Thread(target=lambda: [ticks.append(time.sleep(0.01)) for _ in range(30)])
        t.start()
        ki.read_logs({str(big)!r}); t.join()
        print("ticks", len(ticks), flush=True)
        print("ready", flush=True)
        while True:
            ki.read_logs({str(big)!r})
    """)
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ticks 30"  # another thread ran during the C++ call
    assert p.stdout.readline().strip() == "ready"
    time.sleep(0.3)
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert "KeyboardInterrupt" in err
    assert time.monotonic() - t0 < 10
