"""Application JSON, logfmt and container wrappers (issue 13), with logs written at test time by
real libraries nobody here wrote (CPython's logging + python-json-logger, structlog) and public
samples (tests/data/real/app_json.log, PROVENANCE.md)."""
from __future__ import annotations

import io
import json
import logging
import os
import shutil
import struct
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest

import kafkainsight as ki

REAL = os.path.join(os.path.dirname(__file__), "data", "real", "app_json.log")


def _ts(doc: dict) -> float:
    return datetime.fromisoformat(doc["@timestamp"].replace("Z", "+00:00")).timestamp()


def test_python_json_logger_lines_written_by_cpython_logging(tmp_path):
    jsonlogger = pytest.importorskip("pythonjsonlogger.json")
    path = tmp_path / "app.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(jsonlogger.JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    log = logging.getLogger("shop.checkout")
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG)
    log.propagate = False
    before = time.time()
    log.info("order placed", extra={"order_id": 42, "total": 19.5})
    log.warning("payment slow")
    try:
        1 / 0
    except ZeroDivisionError:
        log.exception("payment failed")
    handler.close()
    after = time.time()

    res = ki.read_logs(path)
    assert res.failed == [] and len(res.records) == 3
    info, warn, err = res.records
    assert info["message"] == "order placed"
    assert info["log"] == {"level": "INFO", "logger": "shop.checkout"}
    assert info["event"]["severity"] == 6 and "ingested" not in info["event"]
    assert (info["order_id"], info["total"]) == (42, 19.5)
    # asctime has no zone and ",123" milliseconds: read at --tz (UTC here), as the local clock wrote it
    local = datetime.fromtimestamp(before).replace(tzinfo=timezone.utc).timestamp()
    assert abs(_ts(info) - local) < 5 + (after - before)
    assert warn["log"]["level"] == "WARNING" and warn["event"]["severity"] == 4
    assert err["event"]["severity"] == 3
    # the traceback, kept whole, as ECS's error.stack_trace; its exception as error.type and .message
    assert "ZeroDivisionError" in err["error"]["stack_trace"] and "exc_info" not in err
    assert err["error"]["type"] == "ZeroDivisionError" and err["error"]["message"] == "division by zero"
    assert {d["kafkainsight"]["format"] for d in res.records} == {"app_json"}


JOURNAL_REMOTE = "/usr/lib/systemd/systemd-journal-remote"  # Debian's systemd-journal-remote


def _export(fields: dict) -> bytes:
    """One entry in the Journal Export Format; a value with a newline in its binary form."""
    out = b""
    for k, v in fields.items():
        v = v.encode() if isinstance(v, str) else v
        out += k.encode() + (b"\n" + struct.pack("<Q", len(v)) + v if b"\n" in v else b"=" + v) + b"\n"
    return out + b"\n"


def _journalctl(tmp_path, entries: list[dict], output: str, tz: str = "UTC") -> bytes:
    """The entries written into a journal file by systemd-journal-remote, printed by the real
    journalctl -o `output` in the zone `tz`."""
    if not os.path.exists(JOURNAL_REMOTE) or not shutil.which("journalctl"):
        pytest.skip("systemd-journal-remote and journalctl are installed by scripts/setup.sh")
    journal = tmp_path / "t.journal"
    subprocess.run([JOURNAL_REMOTE, "-o", str(journal), "-"], input=b"".join(map(_export, entries)),
                   check=True, capture_output=True)
    return subprocess.run(["journalctl", "--file", str(journal), "-o", output, "-q"], check=True, capture_output=True,
                          env={**os.environ, "TZ": tz}).stdout


BOOT = "6057b14370764ba893825ba704227696"


def test_journalctl_json_lines_written_by_journalctl(tmp_path):
    # A journal file made by systemd-journal-remote, printed by the real journalctl -o json.
    boot = BOOT
    entries = [
        {"__REALTIME_TIMESTAMP": "1733400000123456", "__MONOTONIC_TIMESTAMP": "1000", "_BOOT_ID": boot,
         "MESSAGE": "Accepted publickey for root from 203.0.113.9", "PRIORITY": "6", "SYSLOG_IDENTIFIER": "sshd",
         "_PID": "4242", "_HOSTNAME": "web1", "SYSLOG_FACILITY": "4", "_SYSTEMD_UNIT": "ssh.service"},
        {"__REALTIME_TIMESTAMP": "1733400001000000", "__MONOTONIC_TIMESTAMP": "2000", "_BOOT_ID": boot,
         "_SOURCE_REALTIME_TIMESTAMP": "1733400000999001", "MESSAGE": "payment failed\nTraceback: KeyError 'card'",
         "PRIORITY": "3", "_COMM": "python3", "_PID": "77", "_HOSTNAME": "web1"},
        {"__REALTIME_TIMESTAMP": "1733400002000000", "__MONOTONIC_TIMESTAMP": "3000", "_BOOT_ID": boot,
         "MESSAGE": "no priority, no process", "_HOSTNAME": "web2"},
        # Not UTF-8 (a Latin-1 byte): journalctl prints MESSAGE as an array of numbers.
        {"__REALTIME_TIMESTAMP": "1733400003000000", "__MONOTONIC_TIMESTAMP": "4000", "_BOOT_ID": boot,
         "MESSAGE": b"caf\xe9 closed", "PRIORITY": "4", "SYSLOG_IDENTIFIER": "pos"},
    ]
    out = _journalctl(tmp_path, entries, "json")
    path = tmp_path / "journal.json"
    path.write_bytes(out)
    res = ki.read_logs(path)
    assert res.failed == [] and len(res.records) == 4, res.failed
    ssh, err, plain, latin = res.records
    assert ssh["@timestamp"] == "2024-12-05T12:00:00.123456Z"
    assert ssh["message"] == "Accepted publickey for root from 203.0.113.9"
    assert ssh["log"]["level"] == "info" and ssh["event"]["severity"] == 6
    assert ssh["host"]["hostname"] == "web1" and ssh["process"] == {"name": "sshd", "pid": 4242}
    assert ssh["_SYSTEMD_UNIT"] == "ssh.service" and ssh["__CURSOR"].startswith("s=")  # the rest kept
    assert err["@timestamp"] == "2024-12-05T12:00:00.999001Z"  # when the program logged it
    assert err["message"] == "payment failed\nTraceback: KeyError 'card'"
    assert err["log"]["level"] == "err" and err["process"] == {"name": "python3", "pid": 77}
    assert plain["@timestamp"] == "2024-12-05T12:00:02.000000Z"  # µs, as the journal keeps it
    assert plain["host"]["hostname"] == "web2"
    assert "log" not in plain and "process" not in plain
    assert b'"MESSAGE":[99,97,102,233,' in out  # as journalctl printed it
    assert latin["message"] == "caf\ufffd closed" and "MESSAGE" not in latin  # the invalid byte as U+FFFD
    assert latin["log"]["level"] == "warning" and latin["process"]["name"] == "pos"
    assert {d["kafkainsight"]["format"] for d in res.records} == {"app_json"}


@pytest.mark.parametrize("output", ["short", "short-precise", "short-iso", "short-iso-precise", "short-full",
                                    "short-unix"])
def test_journalctl_short_outputs_written_by_journalctl(tmp_path, output):
    # The same journal printed by the real journalctl in each of its syslog-like outputs, in a zone
    # of +05:30 (short-full names it IST, which several zones share: read in --tz).
    boot = BOOT
    entries = [
        {"__REALTIME_TIMESTAMP": "1733400000123456", "__MONOTONIC_TIMESTAMP": "1000", "_BOOT_ID": boot,
         "MESSAGE": "Accepted publickey for root from 203.0.113.9", "PRIORITY": "6", "SYSLOG_IDENTIFIER": "sshd",
         "_PID": "4242", "_HOSTNAME": "web1"},
        {"__REALTIME_TIMESTAMP": "1733400061500000", "__MONOTONIC_TIMESTAMP": "2000", "_BOOT_ID": boot,
         "MESSAGE": "Started Daily apt upgrade and clean activities.", "SYSLOG_IDENTIFIER": "systemd", "_PID": "1",
         "_HOSTNAME": "web1"},
    ]
    out = _journalctl(tmp_path, entries, output, tz="Asia/Kolkata").decode()
    lines = out.splitlines()
    assert len(lines) == 2, out
    res = ki.read_logs(lines, tz="+05:30", year=2024)
    assert res.failed == [] and res.stats["by_format"] == {"rfc3164": 2}, (res.failed, lines)
    precise = output in ("short-precise", "short-iso-precise", "short-unix")  # µs; the rest seconds
    for e, d, line in zip(entries, res.records, lines):
        t = datetime.fromisoformat(d["@timestamp"].replace("Z", "+00:00")).timestamp()
        us = int(e["__REALTIME_TIMESTAMP"])
        assert abs(t - us / 1e6) < (1e-6 if precise else 1), line  # to what journalctl printed
        assert d["message"] == e["MESSAGE"] and d["host"]["hostname"] == e["_HOSTNAME"], line
        assert d["process"] == {"name": e["SYSLOG_IDENTIFIER"], "pid": int(e["_PID"])}, line


def test_numbers_of_any_size_inside_arrays_written_by_cpython_json(tmp_path):
    # CPython's json writes ints of any size exactly; inside an array (kept as JSON text) the line
    # was refused while the same number beside it was taken.
    big = 2**70
    lines = [json.dumps({"message": "batch", "ids": [big, -big, 1.5e300], "n": big}),
             json.dumps({"message": "deep", "a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": {"x": big}}}}}}}}}}),
             '{"message": "bad", "ids": [1, 01]}']
    path = tmp_path / "big.log"
    path.write_text("\n".join(lines) + "\n")
    res = ki.read_logs(path)
    assert [(f["line_no"], f["reason"]) for f in res.failed] == [
        (3, "app_json: malformed number '01' at column 27")]
    batch, deep = res.records
    assert batch["ids"] == [big, -big, 1.5e300]
    assert batch["n"] == str(big)  # a leaf past int64 stays exact as text
    assert deep["a"]["b"]["c"]["d"]["e"]["f"]["g"]["h"]["i"] == {"x": big}
    # The documents as they go to Kafka: the array as CPython wrote it.
    assert '"ids":' + json.dumps([big, -big, 1.5e300]) in list(ki.read_logs(path).docs)[0]


def test_structlog_lines():
    structlog = pytest.importorskip("structlog")
    out = io.StringIO()
    structlog.configure(
        processors=[structlog.processors.add_log_level, structlog.processors.TimeStamper(fmt="iso", utc=True),
                    structlog.processors.JSONRenderer()],
        logger_factory=structlog.PrintLoggerFactory(file=out), cache_logger_on_first_use=False)
    try:
        t0 = time.time()
        structlog.get_logger().error("card declined", user="alice", attempt=3)
        structlog.get_logger().info("user logged in", user="bob")
    finally:
        structlog.reset_defaults()
    lines = out.getvalue().splitlines()
    docs = [ki.parse_line(line, strict=True) for line in lines]
    assert docs[0]["message"] == "card declined"  # structlog's "event"
    assert docs[0]["log"]["level"] == "error" and docs[0]["event"]["severity"] == 3
    assert docs[0]["user"] == "alice" and docs[0]["attempt"] == 3
    assert abs(_ts(docs[0]) - t0) < 5
    assert docs[1]["event"]["severity"] == 6


def test_public_samples_with_fields_as_their_docs_describe():
    res = ki.read_logs(REAL)
    assert res.failed == [] and len(res.records) == 5
    pino, child, clef, es1, es2 = res.records
    # pino README: level 30 = info, time in epoch ms, msg
    assert pino["@timestamp"] == "2018-07-09T21:17:54.631Z"
    assert pino["log"]["level"] == "info" and pino["event"]["severity"] == 6
    assert pino["message"] == "hello world" and pino["process"]["pid"] == 657
    assert pino["host"]["hostname"] == "Davids-MBP-3.fritz.box"
    assert child["a"] == "property" and child["v"] == 1
    # CLEF: @t, @mt; @l omitted means Information
    assert clef["@timestamp"] == "2016-06-07T03:44:57.8532799Z"
    assert clef["message"] == "Hello, {User}" and clef["User"] == "nblumhardt"
    assert clef["log"]["level"] == "Information"
    # Elasticsearch 7 JSON logs: "," before the millis, component = the logger, dotted names nest
    assert es1["@timestamp"] == "2019-11-27T09:34:44.928Z"
    assert es1["log"] == {"level": "INFO", "logger": "o.e.e.NodeEnvironment"}
    assert es1["cluster"]["name"] == "elasticsearch" and es1["node"]["name"] == "elasticsearch-es-default-0"
    assert es2["message"] == "stopping ..."


def test_logfmt_docker_and_cri_lines_are_detected():
    docs = ki.read_logs([
        'ts=2024-01-24T12:39:13Z level=error msg="db down" service=orders latency=1.5',
        '{"log":"10.0.0.1 - - [24/Jan/2024:12:39:13 +0000] \\"GET / HTTP/1.1\\" 200 5\\n","stream":"stdout",'
        '"time":"2024-01-24T12:39:13.5Z"}',
        '2024-01-24T12:39:13.123456789Z stderr P {"level":"warn",',
        '2024-01-24T12:39:13.123456789Z stderr F "msg":"joined"}',
    ])
    assert docs.failed == []
    lf, docker, cri = docs.records
    assert lf["kafkainsight"]["format"] == "logfmt" and lf["service"]["name"] == "orders"
    assert lf["event"]["severity"] == 3 and lf["latency"] == 1.5
    assert docker["kafkainsight"] == {"format": "apache_common", "wrapper": "docker", "status_class": "Successful",
                                      "anonymous": True}
    assert cri["message"] == "joined" and cri["log"]["level"] == "warn"
    assert cri["kafkainsight"]["wrapper"] == "cri"
    assert docs.stats["empty"] == 1  # the P line: its text went into the next line's document


def test_overrides_and_added_fields_in_python():
    d = ki.parse_line('{"when":"2024-01-24T12:39:13Z","sev":"fatal","text":"hi","service":{"name":"x"}}',
                      json_time_field="when", json_level_field="sev", json_message_field="text",
                      add_fields={"service.name": "checkout", "deployment.env": "prod"})
    assert d["@timestamp"] == "2024-01-24T12:39:13Z" and d["message"] == "hi"
    assert d["event"]["severity"] == 2
    assert d["service"]["name"] == "x"  # the line's own value wins over --add-field
    assert d["deployment"]["env"] == "prod"
    with pytest.raises(ValueError, match="name=value"):
        ki.parse_line("{}", add_fields=["novalue"])


def test_no_time_means_read_time_and_event_ingested():
    t0 = time.time()
    d = ki.parse_line('{"msg":"no time"}')
    assert d["@timestamp"] == d["event"]["ingested"]
    assert abs(_ts(d) - t0) < 5


def test_cli_parse_flags(tmp_path):
    log = tmp_path / "a.log"
    log.write_text('{"t":"2024-01-24T12:39:13Z","lvl":"ERROR","text":"boom"}\n{"broken": \n', encoding="utf-8")
    failed = tmp_path / "failed.jsonl"
    p = subprocess.run([sys.executable, "-m", "kafkainsight", "parse", str(log), "--json-time-field", "t",
                        "--json-message-field", "text", "--add-field", "service.name=checkout",
                        "--add-field", "labels.team=payments", "--failed", str(failed)],
                       capture_output=True, text=True, timeout=60)
    docs = [json.loads(x) for x in p.stdout.splitlines()]
    assert len(docs) == 1, p.stderr
    assert docs[0]["@timestamp"] == "2024-01-24T12:39:13Z" and docs[0]["message"] == "boom"
    assert docs[0]["service"]["name"] == "checkout" and docs[0]["labels"]["team"] == "payments"
    assert docs[0]["event"]["severity"] == 3  # "lvl" is recognised by name
    bad = [json.loads(x) for x in failed.read_text().splitlines()]
    assert len(bad) == 1 and bad[0]["reason"].startswith("app_json:")
    p = subprocess.run([sys.executable, "-m", "kafkainsight", "parse", str(log), "--add-field", "=x"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "name=value" in p.stderr


def test_error_levels_fires_on_application_json():
    t0 = 1706099953
    lines = []
    for t in range(200):
        lines.append(json.dumps({"time": (t0 + t) * 1000, "level": 30, "msg": "ok", "name": "api"}))
        if 100 <= t < 103:
            # pino 50 (error), Serilog Fatal, python "ERROR": every library's way of saying it
            lines.append(json.dumps({"time": (t0 + t) * 1000, "level": 50, "msg": "db down", "name": "api"}))
            iso = datetime.fromtimestamp(t0 + t, timezone.utc)
            lines.append(json.dumps({"@t": iso.strftime("%Y-%m-%dT%H:%M:%SZ"), "@l": "Fatal", "@m": "crash"}))
            lines.append(json.dumps({"asctime": iso.strftime("%Y-%m-%d %H:%M:%S,001"), "levelname": "ERROR",
                                     "message": "x"}))
    alerts = ki.evaluate_logs(lines, name="app", rules_text="rules: {error_levels: {threshold: 5}}")
    firing = [a for a in alerts if a["state"] == "firing"]
    assert [a["rule"] for a in firing] == ["error_levels"], alerts
    assert firing[0]["observed"] >= 5


def test_produce_with_added_fields_to_the_embedded_broker(tmp_path):
    from kafkainsight.kafka import EmbeddedBroker, Producer
    log = tmp_path / "app.log"
    log.write_text('{"level":50,"time":1706099953123,"msg":"db down"}\n'
                   'ts=2024-01-24T12:39:14Z level=info msg=ok\n', encoding="utf-8")
    with EmbeddedBroker(topics={"data_log": 1, "data_log.dlq": 1}) as b:
        p = Producer(b.bootstrap, "data_log", add_fields=["service.name=checkout", "deployment.environment=prod"])
        st = p.produce_file(log)
        assert (st.read, st.produced, st.dead_lettered) == (2, 2, 0)
        from kafkainsight.kafka import count_topic  # read_topic returns a table now (issue 14)
        docs = [json.loads(m["value"]) for m in count_topic(b.bootstrap, "data_log")["kept"]]
    assert len(docs) == 2
    assert {d["service"]["name"] for d in docs} == {"checkout"}
    assert {d["deployment"]["environment"] for d in docs} == {"prod"}
    assert sorted(d["event"]["severity"] for d in docs) == [3, 6]


def _otel_like_log(tmp_path):
    """Application JSON whose level sits in a field nobody recognises by name (severity_text)."""
    t0 = 1706099953
    lines = [json.dumps({"time": (t0 + t) * 1000, "severity_text": "ERROR" if 10 <= t < 13 else "INFO",
                         "msg": "db down" if 10 <= t < 13 else "ok"}) for t in range(30)]
    log = tmp_path / "otel.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: {error_levels: {threshold: 3, group_by: app}, heartbeat: {enabled: false}}\n")
    return log, rules


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "kafkainsight", *args],
                          capture_output=True, text=True, timeout=120)


def test_watch_logs_takes_the_field_overrides_and_added_fields(tmp_path):
    log, rules = _otel_like_log(tmp_path)
    # Without the override the level is just another key: nothing to alert on.
    p = _cli("watch", "--logs", str(log), "--rules", str(rules))
    assert p.returncode == 0 and p.stdout == "", p.stderr
    p = _cli("watch", "--logs", str(log), "--rules", str(rules), "--json-level-field", "severity_text",
             "--add-field", "service.name=checkout")
    assert p.returncode == 0, p.stderr
    alerts = [json.loads(x) for x in p.stdout.splitlines()]
    firing = [a for a in alerts if a["state"] == "firing"]
    assert [a["rule"] for a in firing] == ["error_levels"], alerts
    assert firing[0]["key"] == "checkout"  # group_by: app is the service of app-JSON events
    assert firing[0]["observed"] == 3
    # The Python API takes the same keywords, for files and for lines.
    kw = dict(rules=rules, json_level_field="severity_text", add_fields={"service.name": "checkout"})
    assert [a["key"] for a in ki.evaluate_files([log], **kw) if a["state"] == "firing"] == ["checkout"]
    assert [a["key"] for a in ki.evaluate_logs(log.read_text().splitlines(), **kw)
            if a["state"] == "firing"] == ["checkout"]
    # Documents (as a topic holds them) are keyed the same way.
    docs = [ki.parse_line(x, json_level_field="severity_text", add_fields=["service.name=checkout"])
            for x in log.read_text().splitlines()]
    assert [a["key"] for a in ki.evaluate_logs(docs, rules=rules) if a["state"] == "firing"] == ["checkout"]
    p = _cli("watch", "--logs", str(log), "--add-field", "novalue")
    assert p.returncode == 2 and "name=value" in p.stderr


def test_report_takes_the_field_overrides_and_added_fields(tmp_path):
    import re
    from kafkainsight.report import summarize_logs
    log, rules = _otel_like_log(tmp_path)
    assert summarize_logs(log)["totals"]["levels"] == {}  # severity_text is not a level by name
    s = summarize_logs(log, json_level_field="severity_text")
    assert s["totals"]["levels"] == {"ERROR": 3, "INFO": 27}
    out = tmp_path / "r.html"
    p = _cli("report", str(log), "-o", str(out), "--rules", str(rules), "--json-level-field", "severity_text",
             "--add-field", "service.name=checkout")
    assert p.returncode == 0, p.stderr
    m = re.search(r'<script type="application/json" id="ki-data">(.*?)</script>', out.read_text(), re.S)
    data = json.loads(m.group(1))
    assert data["summary"]["totals"]["levels"] == {"ERROR": 3, "INFO": 27}
    assert "error_levels" in json.dumps(data["alerts"]) and "checkout" in json.dumps(data["alerts"])


def test_renamed_fields_are_counted_in_parse_and_produce_stats(tmp_path):
    from kafkainsight.kafka import EmbeddedBroker, Producer
    lines = ['{"time":1706099953123,"level":"info","msg":"hi","log":"x","a":1,"a":2}',  # 2: a log string, a twice
             '{"time":1706099954123,"level":"warn","msg":"fine"}',
             '{"time":1706099955123,"level":"error","msg":"m","log":"y"}']  # 1
    log = tmp_path / "app.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    clean = tmp_path / "clean.log"
    clean.write_text(lines[1] + "\n", encoding="utf-8")
    p = _cli("parse", str(log))
    assert p.returncode == 0 and "renamed_fields=3" in p.stderr, p.stderr
    assert sum(json.dumps(json.loads(d)["kafkainsight"].get("renamed", {})).count(":") for d in p.stdout.splitlines()) == 3
    p = _cli("parse", str(clean))
    assert p.returncode == 0 and "renamed" not in p.stderr, p.stderr  # printed only when not zero
    assert ki.read_logs(log).stats["renamed_fields"] == 3
    with EmbeddedBroker(topics={"data_log": 1, "data_log.dlq": 1}) as b:
        pr = Producer(b.bootstrap, "data_log")
        st = pr.produce_file(log)
        assert (st.produced, st.renamed_fields) == (3, 3)
        assert "renamed: 3 field(s)" in st.summary()
        st = pr.produce_lines(lines)  # the line-at-a-time path
        assert (st.produced, st.renamed_fields) == (3, 3)
        st = pr.produce_file(clean)
        assert st.renamed_fields == 0 and "renamed" not in st.summary()
