"""Traefik's access log, written at test time by Traefik's own access log middleware
(github.com/traefik/traefik/v3 pkg/middlewares/accesslog, built from the Go module proxy:
tests/traefik_logs) in front of a real HTTP server. Its common format is the combined line plus
` <requests> "<router>" "<service URL>" <duration>ms`, values quoted but not escaped. Read without
options, every line must say what was asked and answered (the writer's own account on stdout)."""
import json
import re
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

import kafkainsight as ki
from tests.harness_util import build_go_tool
from tests.test_real_logs import flat

DURATION = re.compile(r" (\d+)ms$")


@pytest.fixture(scope="module")
def traefik_log(tmp_path_factory):
    writer = build_go_tool("traefik_logs")
    tmp = tmp_path_factory.mktemp("traefik")
    start = datetime.now(timezone.utc).replace(microsecond=0)
    r = subprocess.run([str(writer), str(tmp / "access.log")], capture_output=True, text=True,
                       timeout=120, check=True)
    end = datetime.now(timezone.utc)
    calls = [json.loads(x) for x in r.stdout.splitlines()]
    return tmp / "access.log", calls, start, end


def test_traefik_lines_read_without_options_say_what_was_asked_and_answered(traefik_log):
    path, calls, start, end = traefik_log
    lines = path.read_text().splitlines()
    assert len(lines) == len(calls) == 7
    res = ki.read_logs(str(path))
    assert res.stats["parsed"] == 7 and not res.failed, res.failed
    assert res.stats["by_format"] == {"apache_combined": 7}
    counts = []
    for line, doc, c in zip(lines, (flat(d) for d in res.records), calls):
        want = {"source.ip": "127.0.0.1", "user.name": c["user"] or None, "http.request.method": c["method"],
                "url.original": c["path"], "http.version": "1.1", "http.response.status_code": c["status"],
                "http.response.body.bytes": len(c["body"].encode()),
                # Traefik writes "-" for a header not sent; kept as written, as for any combined line
                "http.request.referrer": c["referer"] or "-", "user_agent.original": c["agent"] or "-",
                "traefik.access.frontend_name": c["router"] or None,
                "traefik.access.backend_url": c["service"] or None}
        for name, value in want.items():
            assert doc.get(name) == value, (name, line)
        ts = datetime.fromisoformat(doc["@timestamp"].replace("Z", "+00:00"))
        assert start <= ts <= end, line
        # the duration as Traefik wrote it (whole ms), as ECS's nanoseconds; at least the app's sleep
        ms = int(DURATION.search(line).group(1))
        assert doc.get("event.duration") == ms * 1_000_000 and ms >= c["sleep_ms"], line
        counts.append(doc.get("traefik.access.request_count"))
    assert counts == list(range(counts[0], counts[0] + 7))  # requests since start, one a request


def test_traefik_lines_in_a_dataframe(traefik_log):
    path, calls, _, _ = traefik_log
    df = ki.read_logs(str(path)).to_pandas()
    assert list(df["traefik.access.frontend_name"].fillna("")) == [c["router"] for c in calls]
    assert list(df["user_agent.original"]) == [c["agent"] or "-" for c in calls]
    assert (df["event.duration"] >= [c["sleep_ms"] * 1_000_000 for c in calls]).all()
    assert df["@timestamp"].dt.tz is not None and df["@timestamp"].dt.tz.utcoffset(None) == timedelta(0)


def test_traefik_json_lines_read_without_options_say_what_was_asked_and_answered(tmp_path):
    # The same requests through Traefik's JSON format (its headers kept): the same ECS fields as
    # the common format gives, the time to the nanosecond (StartUTC), the duration as written (ns).
    writer = build_go_tool("traefik_logs")
    start = datetime.now(timezone.utc).replace(microsecond=0)
    r = subprocess.run([str(writer), str(tmp_path / "access.json"), "json"], capture_output=True, text=True,
                       timeout=120, check=True)
    end = datetime.now(timezone.utc)
    calls = [json.loads(x) for x in r.stdout.splitlines()]
    lines = (tmp_path / "access.json").read_text().splitlines()
    res = ki.read_logs(str(tmp_path / "access.json"))
    assert res.failed == [] and len(res.records) == len(lines) == len(calls) == 7
    for line, doc, c in zip(lines, (flat(d) for d in res.records), calls):
        raw = json.loads(line)
        want = {"source.ip": "127.0.0.1", "source.port": int(raw["ClientPort"]), "user.name": c["user"] or None,
                "http.request.method": c["method"], "url.original": c["path"], "http.version": "1.1",
                "http.response.status_code": c["status"], "http.response.body.bytes": len(c["body"].encode()),
                "http.request.referrer": c["referer"] or None, "user_agent.original": c["agent"] or None,
                "event.duration": raw["Duration"], "RouterName": c["router"] or None}
        for name, value in want.items():
            assert doc.get(name) == value, (name, line)
        for gone in ("ClientHost", "ClientPort", "ClientUsername", "DownstreamStatus", "RequestMethod", "RequestPath",
                     "StartUTC", "request_User-Agent", "Duration"):
            assert gone not in doc, (gone, line)
        assert doc["@timestamp"] == raw["StartUTC"] and start <= datetime.fromisoformat(doc["@timestamp"]) <= end
    # In a table: the status an integer column, as for access lines.
    df = res.to_pandas()
    assert df["http.response.status_code"].tolist() == [c["status"] for c in calls]
