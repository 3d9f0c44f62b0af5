"""Go services' zap logs, written at test time by the real go.uber.org/zap (tests/go_logs): each
call goes through zap's console encoder and its JSON encoder at once; the console lines, read
without options (recipe ZAPLOG), must give what the JSON lines say."""
import json
import subprocess
from datetime import datetime, timezone
from decimal import Decimal

import pytest

import kafkainsight as ki
from tests.harness_util import build_go_tool


@pytest.fixture(scope="module")
def zap_writer():
    return build_go_tool("go_logs")


def run(writer, *args):
    r = subprocess.run([str(writer), *args], capture_output=True, text=True, timeout=60, check=True)
    return r.stdout.splitlines(), [json.loads(x, parse_float=Decimal) for x in r.stderr.splitlines()]


def seconds(ts: str) -> Decimal:
    """An ISO 8601 time (ours or zap's) as Unix seconds, every fraction digit kept."""
    whole, _, rest = ts.partition(".")
    frac = rest[:len(rest) - len(rest.lstrip("0123456789"))]
    zone = ts[len(whole) + 1 + len(frac):] if rest else ""
    dt = datetime.fromisoformat((whole + zone).replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return Decimal(int(dt.timestamp())) + (Decimal("0." + frac) if frac else 0)


def test_zap_console_lines_read_without_options_say_what_its_json_lines_say(zap_writer):
    console, js = run(zap_writer)
    assert len(console) == len(js) == 21
    # One read per configuration: a name typed two ways in one table ("took": "1.5s" under the
    # development config, 1.5 under the production one) would be text in both.
    docs = []
    for part in (console[:7], console[7:14], console[14:]):
        res = ki.read_logs(part)
        assert res.stats["parsed"] == 7 and not res.failed, res.failed[:2]
        docs += res.records
    for line, doc, want in zip(console, docs, js):
        want = dict(want)
        assert doc["kafkainsight"]["recipe"] == "ZAPLOG", line
        t = want.pop("T", None) or want.pop("ts")
        assert seconds(doc["@timestamp"]) == (t if isinstance(t, Decimal) else seconds(t)), line
        level = want.pop("L", None) or want.pop("level")
        assert doc["log"]["level"] == level.upper()
        assert doc["event"]["severity"] == {"debug": 7, "info": 6, "warn": 4, "error": 3}[level]
        assert doc["log"].get("logger") == (want.pop("N", None) or want.pop("logger", None)), line
        caller = want.pop("C", None) or want.pop("caller", None)
        origin = doc["log"].get("origin", {}).get("file")
        assert (f"{origin['name']}:{origin['line']}" if origin else None) == caller, line
        assert doc["message"] == (want.pop("M", None) or want.pop("msg")), line
        # The call's fields: what the JSON encoder wrote beside the message, typed alike.
        got = {k: v for k, v in doc.items() if k not in ("@timestamp", "log", "event", "kafkainsight", "message")}
        if "error" in want:  # zap.Error's field: ECS's error.message (as its JSON line reads too)
            want["error"] = {"message": want["error"]}
        assert got == json.loads(json.dumps(want, default=float)), line


def test_a_zap_line_whose_fields_are_no_json_keeps_them_as_text():
    res = ki.read_logs(["2023-10-06T06:57:46Z\tINFO\tsetup\tstarting manager\t{not json}"])
    d = res.records[0]
    assert res.stats["parsed"] == 1 and d["kafkainsight"]["recipe"] == "ZAPLOG"
    assert d["message"] == "starting manager" and d["zap"] == {"fields": "{not json}"}


def test_zap_stack_traces_join_their_event_with_multiline_go(zap_writer):
    # zap.NewDevelopment's settings: Warn and Error lines carry the stack trace on the lines under
    # them (function, then its file indented), which the JSON encoder writes as "S".
    console, js = run(zap_writer, "stack")
    traced = [j for j in js if "S" in j]
    assert len(js) == 8 and len(traced) == 3 and len(console) > 8
    plain = ki.read_logs(console)  # without the preset: the trace's lines say how to join them
    assert plain.stats["parsed"] == 8 and len(plain.failed) == len(console) - 8
    assert any("--multiline go" in f["reason"] for f in plain.failed)
    res = ki.read_logs(console, multiline="go")
    assert res.stats["parsed"] == 8 and not res.failed and res.stats["lines"] == len(console)
    for doc, want in zip(res.records, js):
        assert doc["kafkainsight"]["recipe"] == "ZAPLOG"
        assert doc["message"] == want["M"]
        err = doc.get("error", {})
        assert err.get("stack_trace") == want.get("S")
        if "S" in want and "error" in want:  # zap.Error's field beside the trace: ECS's error.message
            assert err["message"] == want["error"]
    assert res.records[-1]["depth"] == 2 and "main.main.func1" in res.records[-1]["error"]["stack_trace"]
    assert res.stats["renamed_fields"] == 0


def test_hclog_text_lines_read_without_options_say_what_its_json_lines_say():
    # go-hclog (Vault, Consul, Nomad, Terraform): the same calls in its text format (stdout) and
    # its JSON format (stderr), written at test time by the real module (tests/hclog_logs).
    writer = build_go_tool("hclog_logs")
    text, js = run(writer)
    assert len(text) == len(js) == 6
    res = ki.read_logs(text)
    assert res.failed == [] and len(res.records) == 6
    for line, doc, want in zip(text, res.records, js):
        want = dict(want)
        assert doc["kafkainsight"]["recipe"] == "HCLOG", line
        assert seconds(doc["@timestamp"]) == seconds(want.pop("@timestamp")), line
        assert doc["log"]["level"].lower() == want.pop("@level"), line
        assert doc["log"].get("logger") == want.pop("@module", None), line
        assert doc["message"] == want.pop("@message"), line
        # The call's pairs: what the JSON format wrote beside the message, typed alike.
        got = {k: v for k, v in doc.items() if k not in ("@timestamp", "log", "event", "kafkainsight", "message")}
        assert got == want, line


def test_go_time_strings_are_times(zap_writer):
    # fmt.Sprint(time.Now()) writes "2006-01-02 15:04:05.999999999 -0700 MST m=+0.000012345"
    # (logrus' README shows it as a JSON line's time): the offset gives the instant, the zone's name
    # and the clock reading are Go's extras. Written by the real Go runtime at test time.
    lines = subprocess.run([str(zap_writer), "times"], capture_output=True, text=True, timeout=60,
                           check=True).stdout.splitlines()
    assert len(lines) == 6 and " m=+" in json.loads(lines[0])["time"]
    res = ki.read_logs(lines)
    assert res.failed == [] and len(res.records) == 6
    for line, doc in zip(lines, res.records):
        want = json.loads(line)
        assert "time" not in doc and "ingested" not in doc.get("event", {}), line
        assert seconds(doc["@timestamp"]) == Decimal(want["ns"]) / Decimal(10**9), line
        assert doc["ns"] == want["ns"] and doc["message"] == "tick"


def test_slog_text_lines_in_syslog_say_what_its_json_lines_say(zap_writer):
    # Go's log/slog: the same records through its TextHandler (logfmt) and JSONHandler, written by
    # the real Go runtime. A service under systemd has its text lines in syslog ("… shop[42]: time=…
    # level=INFO msg=…"): the pairs are read as fields, their own time, level and message winning.
    text, js = run(zap_writer, "slog")
    assert len(text) == len(js) == 4
    wrapped = [f"Dec  7 10:00:00 web1 shop[42]: {line}" for line in text]
    res = ki.read_logs(wrapped)
    assert res.failed == [] and len(res.records) == 4
    for line, doc, want in zip(text, res.records, js):
        want = dict(want)
        assert doc["kafkainsight"]["format"] == "rfc3164" and doc["process"] == {"name": "shop", "pid": 42}
        # The text's own time (ms; the JSON line's, written a moment later, has ns)
        assert seconds(doc["@timestamp"]) == seconds(line.split(" ", 1)[0].removeprefix("time="))
        assert abs(seconds(doc["@timestamp"]) - seconds(want.pop("time"))) < 1
        assert doc["log"]["level"] == want.pop("level") and doc["message"] == want.pop("msg"), line
        got = {k: v for k, v in doc.items() if k not in ("@timestamp", "log", "event", "kafkainsight", "message",
                                                         "host", "process")}
        if "took" in want:  # a Duration: "1.5s" in text, nanoseconds in JSON
            assert got.pop("took") == "1.5s" and want.pop("took") == 1_500_000_000
        assert got == json.loads(json.dumps(want, default=float)), line
    # One pair alone is no evidence of logfmt: such a message stays text.
    one = ki.read_logs(["Dec  7 10:00:00 web1 app[1]: retries=3"]).records[0]
    assert one["message"] == "retries=3" and "retries" not in one
