"""Grok patterns (--grok, grok=): real logs nobody here wrote, parsed with the built-in cookbook
patterns and checked against the fields their publishers expect (Filebeat's module tests,
loghub's structured CSV, expected.json); user pattern files; errors with exit 2; a
pathological line that is dead-lettered with its reason instead of hanging the run."""
import csv
import json
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

import kafkainsight as ki
from kafkainsight.logs import parse_line, read_logs
from tests.test_real_logs import flat

REAL = Path(__file__).parent / "data" / "real"


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "kafkainsight", *args], input=stdin, capture_output=True,
                          text=True, timeout=120)


def instant(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def test_openstack_nova_lines_match_loghubs_structured_fields():
    r = read_logs(REAL / "openstack_nova.log", grok=r"^%{NOTSPACE:loghub.file} %{OPENSTACK}")
    with open(REAL / "openstack_nova_structured.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert r.stats["parsed"] == len(rows) == 60 and not r.failed
    for doc, row in zip(r.records, rows):
        d = flat(doc)
        assert d["kafkainsight.format"] == "grok"
        assert d["loghub.file"] == row["Logrecord"]
        assert d["@timestamp"] == f"{row['Date']}T{row['Time']}Z"  # no zone in the line: --tz (UTC)
        assert d["process.pid"] == int(row["Pid"])
        assert d["log.level"] == row["Level"]
        assert d["log.logger"] == row["Component"]
        assert d["openstack.context"] == row["ADDR"]
        assert d["message"] == row["Content"]
        assert d["event.severity"] == {"INFO": 6, "WARNING": 4, "ERROR": 3}[row["Level"]]


LOGHUB = REAL / "loghub"


def _loghub_time(row, date_format, time_format):
    date = row["Date"] if len(row["Date"]) != 5 else "2017-" + row["Date"]  # logcat's MM-dd
    return datetime.strptime(f"{date} {row['Time']}", f"{date_format} {time_format}")


@pytest.mark.parametrize("name,grok,time_format,date_format,clock", [
    ("Zookeeper", "%{ZOOKEEPERLOG}", "", "%Y-%m-%d", "%H:%M:%S,%f"),
    ("Hadoop", "%{JAVALOG}", "", "%Y-%m-%d", "%H:%M:%S,%f"),
    ("Spark", "%{SPARKLOG}", "%y/%m/%d %H:%M:%S", "%y/%m/%d", "%H:%M:%S"),
    ("HDFS", "%{HDFSLOG}", "%y%m%d %H%M%S", "%y%m%d", "%H%M%S"),
    ("Android", "%{ANDROIDLOG}", "%m-%d %H:%M:%S.%f", "%Y-%m-%d", "%H:%M:%S.%f"),
    ("Windows", "%{WINDOWSCBSLOG}", "", "%Y-%m-%d", "%H:%M:%S"),
])
def test_hadoop_family_logs_match_loghubs_structured_fields(name, grok, time_format, date_format, clock):
    # 200 lines of each of loghub's 2k samples (every 10th) and its structured CSV for them.
    kw = {"time_format": time_format} if time_format else {}
    if name == "Android":  # logcat writes no year; loghub's sample is from 2017
        kw["year"] = 2017
    r = read_logs(LOGHUB / f"{name}.log", grok=grok, format="grok", **kw)
    with open(LOGHUB / f"{name}_structured.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert r.stats["parsed"] == len(rows) == 200 and not r.failed
    for doc, row in zip(r.records, rows):
        d = flat(doc)
        assert instant(d["@timestamp"]).replace(tzinfo=None) == _loghub_time(row, date_format, clock), row["LineId"]
        assert d["log.level"] == row["Level"]
        assert d["message"].rstrip(" ") == row["Content"], row["LineId"]  # loghub drops trailing blanks; we keep them
        if name == "Zookeeper":  # loghub cut "[thread:Class@line]" at its first ':' (Node, Component)
            assert f"{d['process.thread.name']}:{d['log.logger']}" == f"{row['Node']}:{row['Component']}"
            assert d["log.origin.file.line"] == int(row["Id"])
        else:
            assert d["log.logger"] == row["Component"]
        if name == "Hadoop":
            assert d["process.thread.name"] == row["Process"]
        if name == "HDFS":
            assert d["process.thread.id"] == int(row["Pid"])
        if name == "Android":
            assert (d["process.pid"], d["process.thread.id"]) == (int(row["Pid"]), int(row["Tid"]))
        assert d["event.severity"] == {"INFO": 6, "WARN": 4, "ERROR": 3, "I": 6, "D": 7, "V": 7, "W": 4, "Info": 6}[row["Level"]]


def _advice(reason: str) -> dict:
    """The options a failure's reason advises (--grok '…', --time-format '…', --multiline …)."""
    kw = {}
    for flag, key in (("--grok", "grok"), ("--time-format", "time_format")):
        m = re.search(flag + r" '([^']+)'", reason)
        if m:
            kw[key] = m.group(1)
    m = re.search(r"--multiline (java|python)", reason)
    if m:
        kw["multiline"] = m.group(1)
    return kw


def without_recipe(doc: dict) -> dict:
    """A document read without options, as --grok '%{RECIPE}' gives it: kafkainsight.recipe out."""
    doc = json.loads(json.dumps(doc))
    doc["kafkainsight"].pop("recipe")
    return doc


@pytest.mark.parametrize("name,recipe,time_format", [
    ("Zookeeper", "ZOOKEEPERLOG", ""), ("Spark", "SPARKLOG", "%y/%m/%d %H:%M:%S"),
    ("HDFS", "HDFSLOG", "%y%m%d %H%M%S"), ("Android", "ANDROIDLOG", "%m-%d %H:%M:%S.%f"),
    ("Hadoop", "JAVALOG", ""), ("Windows", "WINDOWSCBSLOG", "")])
def test_without_options_each_layout_is_read_by_its_recipe(name, recipe, time_format):
    # The documents are those the recipe gives when named, with the time layout it needs
    # (checked against loghub's structured CSV above), and say which recipe read them.
    kw = {"year": 2017} if name == "Android" else {}  # logcat writes no year
    plain = read_logs(LOGHUB / f"{name}.log", **kw)
    assert plain.stats["parsed"] == 200 and not plain.failed
    assert plain.stats["by_format"] == {"grok": 200}
    assert {d["kafkainsight"]["recipe"] for d in plain.records} == {recipe}
    named = read_logs(LOGHUB / f"{name}.log", grok=f"%{{{recipe}}}", time_format=time_format, **kw)
    assert [without_recipe(d) for d in plain.records] == named.records
    if name == "Android":  # no --year: this year (or the last, were a line more than a week ahead)
        now = datetime.now().astimezone()
        years = {instant(d["@timestamp"]).year for d in read_logs(LOGHUB / f"{name}.log").records}
        assert years <= {now.year, now.year - 1}


def _epoch(s: str) -> datetime:
    return datetime.fromtimestamp(int(s), timezone.utc)


def _bgl(d, row):
    assert instant(d["@timestamp"]) == _epoch(row["Timestamp"])  # the Unix time; the written one is local
    assert d.get("bgl", {}).get("alert", "-") == row["Label"]
    assert (d["host"]["name"], d["bgl"]["location"], d["bgl"]["type"]) == (row["Node"], row["NodeRepeat"], row["Type"])
    assert (d["log"]["logger"], d["log"]["level"]) == (row["Component"], row["Level"])


def _thunderbird(d, row):
    assert instant(d["@timestamp"]) == _epoch(row["Timestamp"])
    assert d.get("thunderbird", {}).get("alert", "-") == row["Label"]
    assert (d["host"]["name"], d["log"]["syslog"]["hostname"]) == (row["User"], row["Location"])
    assert (d["process"]["name"], str(d["process"].get("pid", ""))) == (row["Component"], row["PID"])


def _hpc(d, row):
    assert instant(d["@timestamp"]) == _epoch(row["Time"])
    assert (d["event"]["sequence"], d["host"]["name"], d["log"]["logger"]) == (int(row["LogId"]), row["Node"], row["Component"])
    assert (d["hpc"]["state"], d["hpc"]["flag"]) == (row["State"], int(row["Flag"]))


def _healthapp(d, row):
    # yyyyMMdd-H:m:s:S, unpadded; S counts milliseconds ("41:3" is 3 ms). No zone: --tz (UTC).
    date, h, m, s, ms = row["Time"].replace("-", ":", 1).split(":")
    want = datetime(int(date[:4]), int(date[4:6]), int(date[6:]), int(h), int(m), int(s), int(ms) * 1000, timezone.utc)
    assert instant(d["@timestamp"]) == want, row["Time"]
    assert (d["log"]["logger"], d["process"]["pid"]) == (row["Component"], int(row["Pid"]))


def _proxifier(d, row):
    month_day, clock = row["Time"].split(" ")  # no year written: --year
    assert d["@timestamp"] == f"2017-{month_day.replace('.', '-')}T{clock}Z"
    assert d["process"]["name"] == row["Program"]


@pytest.mark.parametrize("name,recipe,check,kw", [
    ("BGL", "BGLLOG", _bgl, {}), ("Thunderbird", "THUNDERBIRDLOG", _thunderbird, {}), ("HPC", "HPCLOG", _hpc, {}),
    ("HealthApp", "HEALTHAPPLOG", _healthapp, {}), ("Proxifier", "PROXIFIERLOG", _proxifier, {"year": 2017})])
def test_loghubs_other_samples_are_read_without_options_as_its_structured_fields_say(name, recipe, check, kw):
    # Supercomputers' logs as the USENIX CFDR published them (Blue Gene/L, Thunderbird, Los Alamos'
    # HPC), an Android app's, Proxifier's: 200 lines of each of loghub's 2k samples (every 10th)
    # against its structured CSV, read without options by the recipe that fits.
    r = read_logs(LOGHUB / f"{name}.log", **kw)
    with open(LOGHUB / f"{name}_structured.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert r.stats["parsed"] == len(rows) == 200 and not r.failed
    for d, row in zip(r.records, rows):
        assert d["kafkainsight"]["recipe"] == recipe
        check(d, row)
        assert d["message"].strip() == row["Content"].strip(), row["LineId"]  # loghub trims Content
    if name == "BGL":  # alerts are tagged ('-' for none); the sample's 14 of 200 keep their tag
        assert sum("alert" in d.get("bgl", {}) for d in r.records) == 14
        assert {d["event"]["severity"] for d in r.records} == {2, 3, 4, 6}  # FATAL/FAILURE, ERROR/SEVERE, WARNING, INFO


def test_openstack_lines_with_loghubs_file_names_are_read_without_options():
    r = read_logs(REAL / "openstack_nova.log")
    with open(REAL / "openstack_nova_structured.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert r.stats["parsed"] == len(rows) == 60 and not r.failed
    for doc, row in zip(r.records, rows):
        d = flat(doc)
        assert (d["kafkainsight.recipe"], d["log.file.path"]) == ("OPENSTACK", row["Logrecord"])
        assert (d["@timestamp"], d["message"]) == (f"{row['Date']}T{row['Time']}Z", row["Content"])


@pytest.mark.parametrize("name,recipe,lines,by_recipe", [("iis_w3c", "IISLOG", 5, 2), ("squid_access", "SQUIDLOG", 4, 4),
                                                         ("envoy_access", "ENVOYACCESS", 3, 3), ("go_log", "GOLOG", 6, 6)])
def test_access_lines_of_other_servers_are_read_by_their_recipe(name, recipe, lines, by_recipe):
    # Public lines (tests/data/real): without options every line is read, those of no built-in
    # format by the recipe (IIS's "#" headers stay headers, and the three IIS lines under a
    # #Fields: directive that fits them are read by it), as the recipe named reads them.
    r = read_logs(REAL / f"{name}.log")
    assert r.stats["parsed"] == lines and not r.failed
    docs = [d for d in r.records if d["kafkainsight"].get("recipe")]
    assert len(docs) == by_recipe and {d["kafkainsight"]["recipe"] for d in docs} == {recipe}
    named = read_logs(REAL / f"{name}.log", grok=f"%{{{recipe}}}", format="grok")
    assert [without_recipe(d) for d in docs] == named.records[lines - by_recipe:]


def test_go_log_lines_by_golog(tmp_path):
    # Go's log package (its own doc comment's examples) and HashiCorp's bracketed levels (Consul).
    r = read_logs(REAL / "go_log.log", grok="%{GOLOG}", tz="+01:00")
    d = r.records
    assert [x["@timestamp"] for x in d[:2]] == ["2009-01-23T01:23:23+01:00", "2009-01-23T01:23:23.123123+01:00"]
    assert d[1]["log"]["origin"]["file"] == {"name": "/a/b/c/d.go", "line": 23} and d[1]["message"] == "message"
    assert d[2]["message"] == "failed health check: Unauthorized" and "log" not in d[2]
    assert [x["log"]["level"] for x in d[3:]] == ["ERR", "INFO", "WARN"]
    assert [x["event"]["severity"] for x in d[3:]] == [3, 6, 4]
    assert d[3]["message"] == "agent: failed to sync remote state: No known Consul servers"
    # An nginx error line with a broken tail is not called a Go line: its own reason stands.
    (tmp_path / "e.log").write_text("2016/10/25 14:49:34 [error] no pid#tid here\n")
    assert read_logs(tmp_path / "e.log").failed[0]["reason"].startswith("nginx_error: expected pid#tid")


# A stack trace under a Kafka broker's log line, as KAFKA-3123 (Apache JIRA) quotes it.
KAFKA_TRACE = """\
[2016-01-19 13:57:28,809] WARN [ReplicaFetcherThread-1-169595708], Replica 177775588 for partition [EventLogs4,1] reset its fetch offset from 0 to current leader 169595708's start offset 334086 (kafka.server.ReplicaFetcherThread)
[2016-01-19 13:57:28,809] ERROR [ReplicaFetcherThread-1-169595708], Error getting offset for partition [EventLogs4,1] to broker 169595708 (kafka.server.ReplicaFetcherThread)
java.lang.IllegalStateException: Compaction for partition [EXO_EventLogs4,1] cannot be aborted and paused since it is in LogCleaningPaused state.
\tat kafka.log.LogCleanerManager$$anonfun$abortAndPauseCleaning$1.apply$mcV$sp(LogCleanerManager.scala:149)
\tat kafka.log.LogCleanerManager$$anonfun$abortAndPauseCleaning$1.apply(LogCleanerManager.scala:140)
"""


def test_kafka_log_with_a_stack_trace_by_kafkalog(tmp_path):
    p = tmp_path / "server.log"
    p.write_text(KAFKA_TRACE)
    plain = read_logs(p)  # the log lines read by KAFKALOG; the trace's lines say how to join them
    assert plain.line_numbers == [1, 2] and [f["line_no"] for f in plain.failed] == [3, 4, 5]
    assert {d["kafkainsight"]["recipe"] for d in plain.records} == {"KAFKALOG"}
    assert {json.dumps(_advice(f["reason"])) for f in plain.failed} == {json.dumps({"multiline": "java"})}
    docs = [flat(d) for d in read_logs(p, multiline="java").records]
    assert docs == [flat(d) | {"kafkainsight.recipe": "KAFKALOG"}
                    for d in read_logs(p, grok="%{KAFKALOG}", multiline="java").records]
    assert [d["log.level"] for d in docs] == ["WARN", "ERROR"]
    assert {d["log.logger"] for d in docs} == {"kafka.server.ReplicaFetcherThread"}
    assert docs[0]["@timestamp"] == "2016-01-19T13:57:28.809Z"
    assert docs[1]["message"] == ("[ReplicaFetcherThread-1-169595708], Error getting offset for partition "
                                  "[EventLogs4,1] to broker 169595708")
    assert docs[1]["error.stack_trace"].startswith("java.lang.IllegalStateException: Compaction for partition")
    assert docs[1]["error.stack_trace"].endswith("(LogCleanerManager.scala:140)")


@pytest.mark.kafka
def test_a_real_kafka_brokers_own_log_by_kafkalog(kafka_cluster, tmp_path):
    # server.log of the broker the tests run (Kafka 3.9, its default "[%d] %p %m (%c)" layout),
    # written by a real JVM: every event read, a config dump's indented lines joined to it.
    kafka_cluster.create_topic("kafkalog-test", partitions=2, replication=1)  # more for it to log
    path = tmp_path / "server.log"  # a copy: the broker goes on writing (other tests use it)
    text = kafka_cluster.log_path(1).read_text()
    path.write_text(text[:text.rfind("\n") + 1])  # whole lines only
    lines = path.read_text().splitlines()
    ours = [i + 1 for i, ln in enumerate(lines) if ln.startswith("===== kafka_harness")]  # the harness's markers
    plain = read_logs(path)  # every log line read by KAFKALOG; a config dump's lines say how to join them
    events = sum(1 for ln in lines if ln.startswith("["))
    assert plain.stats["parsed"] == events > 50
    assert {d["kafkainsight"]["recipe"] for d in plain.records} == {"KAFKALOG"}
    assert {_advice(f["reason"]).get("multiline") for f in plain.failed if f["line_no"] not in ours} == {"java"}
    kw = {"multiline": "java"}
    r = read_logs(path, **kw)
    assert [f["line_no"] for f in r.failed] == ours
    assert r.stats["parsed"] == events
    docs = [flat(d) for d in r.records]
    assert all(re.fullmatch(r"[\w$.]+", d["log.logger"]) for d in docs)
    assert {d["log.level"] for d in docs} <= {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}
    dump = next(d for d in docs if d["message"].startswith("KafkaConfig values:"))
    assert dump["log.logger"] == "kafka.server.KafkaConfig"
    assert "\n\tadvertised.listeners = PLAINTEXT://127.0.0.1:" in dump["message"]


@pytest.mark.parametrize("options", [{"grok": "%{HAPROXYHTTP}"}, {}])
def test_haproxy_http_line_matches_filebeats_expectation(options):
    # filebeat/module/haproxy/log/test/haproxy.log-expected.json (Elastic), its names -> ours.
    # Without options the line is syslog (host, program, pid from its header) whose message
    # HAProxy's request line is: the same fields.
    doc = flat(read_logs(REAL / "haproxy_http.log", **options).records[0])
    assert doc["kafkainsight.format"] == ("grok" if options else "rfc3164")
    assert doc["@timestamp"] == "2018-07-30T09:03:52.726Z"
    expected = {
        "haproxy.backend_name": "docs_microservice", "haproxy.backend_queue": 0, "haproxy.bytes_read": 168,
        "haproxy.connection_wait_time_ms": 1, "haproxy.connections.active": 6, "haproxy.connections.backend": 0,
        "haproxy.connections.frontend": 6, "haproxy.connections.retries": 0, "haproxy.connections.server": 0,
        "haproxy.frontend_name": "incoming~", "haproxy.http.request.time_active_ms": 2,
        "haproxy.http.request.time_wait_ms": 0, "haproxy.http.request.time_wait_without_data_ms": 0,
        "haproxy.server_name": "docs", "haproxy.server_queue": 0, "haproxy.termination_state": "----",
        "haproxy.total_waiting_time_ms": 0, "process.pid": 32450, "process.name": "haproxy",
    }
    for k, v in expected.items():
        assert doc[k] == v, k
    assert doc["source.ip"] == "1.2.3.4" and doc["source.port"] == 38862  # haproxy.client.ip / .port
    assert doc["http.response.status_code"] == 304  # haproxy.http.response.status_code
    assert doc["haproxy.http.request.captured_headers"].split("|")[0] == "docs.example.internal"
    assert f'{doc["http.request.method"]} {doc["url.original"]} HTTP/{doc["http.version"]}' == \
        "GET /component---src-pages-index-js-4b15624544f97cf0bb8f.js HTTP/1.1"  # raw_request_line


def test_nginx_error_log_with_a_multiline_event_matches_filebeats_expectation():
    # error.log-expected.json: Filebeat read it with the zone -02:00 and joined event 3's lines.
    want = json.loads("""[
      {"@timestamp": "2016-10-25T14:49:34.000-02:00", "log.level": "error", "nginx.error.connection_id": 1,
       "process.pid": 54053, "process.thread.id": 0},
      {"@timestamp": "2016-10-25T14:50:44.000-02:00", "log.level": "error", "nginx.error.connection_id": 3,
       "process.pid": 54053, "process.thread.id": 0},
      {"@timestamp": "2019-10-30T23:26:34.000-02:00", "log.level": "error", "nginx.error.connection_id": 180289,
       "process.pid": 205860, "process.thread.id": 205860},
      {"@timestamp": "2019-11-05T14:50:44.000-02:00", "log.level": "error", "nginx.error.connection_id": 3,
       "process.pid": 54053, "process.thread.id": 0}]""")
    raw = (REAL / "nginx_error_multiline.log").read_text().splitlines()
    r = read_logs(REAL / "nginx_error_multiline.log", grok="(?m)%{NGINXERROR}", tz="-02:00",
                  multiline_start=r"^%{YEAR}/%{MONTHNUM2}/%{MONTHDAY} %{TIME} ")
    assert r.stats["lines"] == 6 and r.stats["parsed"] == 4 and r.stats["joined"] == 2
    assert r.line_numbers == [1, 2, 3, 6]
    for doc, w in zip(r.records, want):
        d = flat(doc)
        assert instant(d["@timestamp"]) == instant(w["@timestamp"])
        for k in ("log.level", "nginx.error.connection_id", "process.pid", "process.thread.id"):
            assert d[k] == w[k], k
    # The multi-line message is whole, as Filebeat has it (after "*180289 ").
    assert r.records[2]["message"] == "\n".join([raw[2].split("*180289 ", 1)[1], raw[3], raw[4]])
    assert r.records[0]["message"].startswith('open() "/usr/local/Cellar/nginx/1.10.2_1/html/favicon.ico" failed')


def test_envoy_and_istio_access_lines_by_the_formats_their_documentation_defines():
    # Envoy's default format (its docs' example) and Istio's sidecar format (istio.io's access-log
    # task: the same request seen by the client's and the server's sidecar). Values read off the
    # lines by the format strings both documents give.
    r = read_logs(REAL / "envoy_access.log", grok="%{ENVOYACCESS}", format="grok")
    assert r.stats["parsed"] == 3 and not r.failed
    envoy, client, server = (flat(d) for d in r.records)
    assert instant(envoy["@timestamp"]) == instant("2016-04-15T20:17:00.310+00:00")
    assert (envoy["http.request.method"], envoy["url.original"], envoy["http.version"]) == ("POST", "/api/v1/locations", "2")
    assert envoy["http.response.status_code"] == 204 and "envoy.response_flags" not in envoy  # "-": none
    assert (envoy["http.request.body.bytes"], envoy["http.response.body.bytes"]) == (154, 0)
    assert (envoy["envoy.duration_ms"], envoy["envoy.upstream_service_time_ms"]) == (226, 100)
    assert (envoy["envoy.x_forwarded_for"], envoy["user_agent.original"]) == ("10.0.35.28", "nsq2http")
    assert envoy["http.request.id"] == "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2"
    assert (envoy["url.domain"], envoy["envoy.upstream_host"]) == ("locations", "tcp://10.0.2.1:80")
    assert "source.ip" not in envoy and "envoy.upstream_cluster" not in envoy
    for d in (client, server):
        assert d["http.response.status_code"] == 418 and d["envoy.response_code_details"] == "via_upstream"
        assert "envoy.connection_termination_details" not in d and "envoy.upstream_transport_failure_reason" not in d
        assert d["user_agent.original"] == "curl/7.73.0-DEV" and d["url.domain"] == "httpbin:8000"
        assert "envoy.x_forwarded_for" not in d and d["envoy.route_name"] == "default"
    assert (client["envoy.upstream_cluster"], client["envoy.upstream_host"]) == \
        ("outbound|8000||httpbin.foo.svc.cluster.local", "10.44.1.27:80")
    assert (client["source.ip"], client["source.port"]) == ("10.44.1.23", 46520)  # DOWNSTREAM_REMOTE_ADDRESS
    assert "tls.client.server_name" not in client
    assert (server["source.ip"], server["source.port"]) == ("10.44.1.23", 37652)
    assert server["tls.client.server_name"] == "outbound_.8000_._.httpbin.foo.svc.cluster.local"
    assert (server["envoy.duration_ms"], server["envoy.upstream_service_time_ms"]) == (3, 1)
    # A TCP proxy's line (no HTTP request: "- - -") and a line with no route (NR, no upstream time).
    tcp = flat(parse_line('[2019-01-31T13:40:11.076Z] "- - -" 0 - 589 17798 1644 - "-" "-" "-" "-" '
                          '"172.217.31.132:443" outbound|443||edition.cnn.com 172.30.230.33:54508 '
                          '172.30.230.33:443 10.127.220.75:49467 edition.cnn.com', grok="%{ENVOYACCESS}", strict=True))
    assert (tcp["http.response.status_code"], tcp["http.response.body.bytes"], tcp["source.port"]) == (0, 17798, 49467)
    assert "http.request.method" not in tcp and tcp["tls.client.server_name"] == "edition.cnn.com"
    nr = flat(parse_line('[2024-08-21T01:14:56.707Z] "HEAD / HTTP/1.1" 404 NR route_not_found - "-" 0 0 0 - '
                         '"10.0.0.15" "curl/8.5.0" "3f1c" "example.com" "-"', grok="%{ENVOYACCESS}", strict=True))
    assert (nr["envoy.response_flags"], nr["envoy.response_code_details"]) == ("NR", "route_not_found")
    assert "envoy.upstream_service_time_ms" not in nr and "envoy.upstream_host" not in nr


def test_iis_w3c_logs_match_filebeats_expectation_and_their_headers_are_no_events():
    # Filebeat's iis module test file: three field sets, each under its own "#Fields:" header.
    # Values as its test.log-expected.json gives them (iis.access.remote_ip aside: that file was
    # made when the lines' client addresses were others).
    r = read_logs(REAL / "iis_w3c.log", grok="%{IISLOG}", format="grok")
    assert (r.stats["lines"], r.stats["parsed"], r.stats["empty"], r.failed) == (17, 5, 12, [])
    assert r.line_numbers == [5, 10, 15, 16, 17]  # the 12 directive lines are headers, not failures
    default, site, every = (flat(d) for d in r.records[:3])
    for d, ts in ((default, "2018-01-01T08:09:10"), (site, "2018-01-01T09:10:11"), (every, "2018-01-01T10:11:12")):
        assert instant(d["@timestamp"]) == instant(ts + "+00:00")  # W3C times are UTC
        assert (d["http.request.method"], d["url.path"], d["destination.port"]) == ("GET", "/", 80)
        assert (d["http.response.status_code"], d["iis.access.sub_status"], d["iis.access.win32_status"]) == (200, 0, 0)
        assert "user.name" not in d and "http.request.referrer" not in d  # "-"
    assert default["url.query"] == "q=100" and default["iis.access.time_taken_ms"] == 123
    assert default["destination.address"] == "127.0.0.1" and default["source.ip"] == "81.2.69.143"
    assert default["user_agent.original"] == "Mozilla/5.0+(Windows+NT+6.1;+Win64;+x64;+rv:57.0)+Gecko/20100101+Firefox/57.0"
    for d in (site, every):
        assert (d["iis.access.site_name"], d["destination.domain"]) == ("W3SVC1", "example.com")
        assert (d["http.response.body.bytes"], d["http.request.body.bytes"], d["iis.access.time_taken_ms"]) == (123, 456, 789)
        assert "url.query" not in d and "iis.access.cookie" not in d
    assert site["source.ip"] == "127.0.0.1"
    assert (every["iis.access.server_name"], every["destination.address"], every["http.version"]) == \
        ("MACHINE-NAME", "127.0.0.1", "1.1")
    # Struts exploit probes in the query and the path stay whole.
    probe = flat(r.records[4])
    assert probe["url.path"].startswith("/${#context[") and probe["http.response.status_code"] == 404
    assert probe["iis.access.win32_status"] == 2


def test_squid_access_lines_match_fail2bans_expectation():
    # fail2ban's squid test log; its failJSON gives each line's time (in fail2ban's test zone,
    # CET) and client.
    want = [("2013-12-08T23:55:23", "91.188.124.227"), ("2013-12-08T23:58:20", "175.44.0.184"),
            ("2013-12-09T00:08:04", "198.74.125.200"), ("2013-12-09T00:09:06", "175.42.91.151")]
    r = read_logs(REAL / "squid_access.log", grok="%{SQUIDLOG}", format="grok")
    assert r.stats["parsed"] == 4 and not r.failed
    for doc, (ts, host) in zip(r.records, want):
        d = flat(doc)
        assert instant(d["@timestamp"]) == instant(ts + "+01:00") and d["source.ip"] == host
        assert d["squid.hierarchy_code"] == "HIER_NONE" and d["http.response.mime_type"] == "text/html"
        assert "user.name" not in d and "destination.address" not in d  # "-"
    first, connect = flat(r.records[0]), flat(r.records[1])
    assert (first["squid.cache_result"], first["http.response.status_code"], first["http.response.bytes"]) == \
        ("TCP_DENIED", 403, 4099)
    assert (first["squid.elapsed_ms"], first["url.original"]) == (4, "http://www.proxy-listen.de/azenv.php")
    assert (connect["http.request.method"], connect["url.original"], connect["squid.cache_result"]) == \
        ("CONNECT", "error:method-not-allowed", "NONE")


def test_nginx_and_apache_access_lines_match_expected_json():
    lines = (REAL / "apache_access.log").read_text().splitlines()
    checked = 0
    for e in json.loads((REAL / "expected.json").read_text()):
        if (e["file"] != "apache_access.log" or "destination.domain" in e["fields"] or "related.ip" in e["fields"]
                or "trailing" in e):
            continue  # vhost lines ("%v:%p %h ..."), address lists, trailing fields: no pattern of the cookbook describes them
        d = flat(parse_line(lines[e["line_no"] - 1], grok=["^%{NGINXACCESS}$", "^%{COMMONAPACHELOG}$"], strict=True))
        assert d["kafkainsight.format"] == "grok"
        for k, v in e["fields"].items():
            if k == "@timestamp_utc":
                assert instant(d["@timestamp"]).astimezone().utctimetuple()[:6] == \
                    datetime.fromisoformat(v).timetuple()[:6]
            elif v not in ("-", ""):  # grok leaves "-" and empty captures out, as Logstash does
                got = d[k].replace('\\"', '"') if isinstance(v, str) else d[k]  # grok keeps Apache's \" escape
                assert got == v, (e["line_no"], k)
        checked += 1
    assert checked >= 10


def test_first_match_wins_and_unmatched_lines_fall_back_or_fail(tmp_path):
    log = tmp_path / "mixed.log"
    log.write_text("user=alice action=login\n"
                   "10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326\n"
                   "nothing matches here\n")
    r = read_logs(log, grok=["^%{INT:n:int}$", r"user=%{USERNAME:user.name} action=%{WORD:event.action}"])
    assert [x["kafkainsight"]["format"] for x in r.records] == ["grok", "apache_common"]
    assert r.records[0]["user"]["name"] == "alice" and r.records[0]["event"]["action"] == "login"
    assert r.failed[0]["line_no"] == 3
    assert r.failed[0]["reason"].startswith("grok: none of the 2 patterns matched; nor is it a built-in format")
    only = read_logs(log, format="grok", grok=r"user=%{USERNAME:user.name}")
    assert len(only.records) == 1 and [f["line_no"] for f in only.failed] == [2, 3]


def test_typed_captures_and_time_format():
    d = parse_line("ts=04.12.2026 10:11:12,345 took=0.25 code=503 size=-",
                   grok=r"ts=%{DATA:timestamp} took=%{NUMBER:took:float} code=%{INT:http.response.status_code:int} "
                        r"size=%{NOTSPACE:size:int}",
                   time_format="%d.%m.%Y %H:%M:%S,SSS", tz="+01:00")
    assert d["@timestamp"].startswith("2026-12-04T10:11:12.345+01:00")
    assert d["took"] == 0.25 and d["http"]["response"]["status_code"] == 503
    assert d["size"] == "-"  # not a number: kept as text, nothing lost
    bad = parse_line("ts=yesterday x", grok=r"ts=%{WORD:timestamp}")
    assert "no layout we know" in bad["error"]["message"] and "--time-format" in bad["error"]["message"]
    nots = parse_line("hello world", grok=r"%{WORD:greeting}")
    assert "ingested" in nots["event"] and nots["message"] == "hello world"


def test_user_pattern_files(tmp_path):
    pats = tmp_path / "patterns"
    pats.mkdir()
    (pats / "shop").write_text("# ours\nORDERID ORD-[0-9]{6}\nSHOPLINE %{TIMESTAMP_ISO8601:timestamp} order %{ORDERID:order.id} "
                               "%{WORD:order.state}\n")
    line = "2026-12-04T10:00:00Z order ORD-123456 shipped"
    d = parse_line(line, grok="%{SHOPLINE}", patterns_dir=pats)
    assert d["order"] == {"id": "ORD-123456", "state": "shipped"} and d["@timestamp"] == "2026-12-04T10:00:00Z"
    r = run("parse", "--grok", "%{SHOPLINE}", "--patterns-dir", str(pats), stdin=line + "\n")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["order"]["id"] == "ORD-123456"


@pytest.mark.parametrize("pattern,expect", [
    ("%{IPV5:ip} %{WORD}", ["unknown pattern name 'IPV5'", "closest: IPV4, IPV6", "column 1"]),
    ("%{WORD:w} (unclosed", ["grok pattern '%{WORD:w} (unclosed'", "column 19", "missing closing parenthesis"]),
    ("%{INT:n:number}", ["type 'number' is not int or float"]),
])
def test_bad_patterns_exit_2_naming_pattern_and_position(pattern, expect):
    for cmd in (["parse"], ["report", "-o", "/dev/null", "-"], ["watch", "--logs", "/dev/null"],
                ["produce", "-", "-b", "127.0.0.1:9", "--timeout", "1"]):
        r = run(*cmd, "--grok", pattern, stdin="x\n")
        assert r.returncode == 2, (cmd, r.stderr)
        for e in expect:
            assert e in r.stderr, (cmd, r.stderr)
    with pytest.raises(ValueError, match="grok pattern"):
        read_logs(["x"], grok=pattern)


def test_pathological_line_is_dead_lettered_not_hung(tmp_path):
    log, failed = tmp_path / "a.log", tmp_path / "failed.jsonl"
    log.write_text("ok ok\n" + "a" * 40 + " a a a a a a a a a a a a a a a a a a a a!\n" + "fine line\n")
    r = run("parse", str(log), "--grok", r"^(\w+\s?)+$", "--failed", str(failed))
    assert r.returncode == 3, r.stderr  # some lines failed
    docs = [json.loads(x) for x in r.stdout.splitlines()]
    assert [d["message"] for d in docs] == ["ok ok", "fine line"]
    bad = [json.loads(x) for x in failed.read_text().splitlines()]
    assert len(bad) == 1 and bad[0]["line_no"] == 2
    assert "gave up on this line" in bad[0]["reason"] and "match limit" in bad[0]["reason"]


def test_grok_lines_through_produce(tmp_path):
    from kafkainsight.kafka import EmbeddedBroker
    from tests.kafka_util import consume_all
    with EmbeddedBroker(topics={"data_log": 2, "data_log.dlq": 1}) as b:
        r = run("produce", str(REAL / "openstack_nova.log"), "-b", b.bootstrap, "-q",
                "--grok", r"^%{NOTSPACE:loghub.file} %{OPENSTACK}")
        assert r.returncode == 0 and "read=60 produced=60" in r.stderr, r.stderr
        docs = [json.loads(m.value()) for m in consume_all(b.bootstrap, "data_log")]
        assert len(docs) == 60 and {d["kafkainsight"]["format"] for d in docs} == {"grok"}
        assert sum(d["log"]["level"] == "WARNING" for d in docs) == 1


def test_builtin_library_is_shipped_with_the_package():
    import kafkainsight
    shipped = (Path(kafkainsight.__file__).parent / "patterns" / "grok-patterns").read_text()
    assert shipped == ki._core.grok_builtin_patterns()
    assert "\nHTTPDATE " in shipped and "\nCOMBINEDAPACHELOG " in shipped


def test_format_grok_on_the_command_line(tmp_path):
    log = tmp_path / "a.log"
    log.write_text("user=alice\n10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326\n")
    r = run("parse", str(log), "--format", "grok", "--grok", r"user=%{USERNAME:user.name}")
    assert r.returncode == 3 and len(r.stdout.splitlines()) == 1, r.stderr  # the access line is not grok's
    r = run("parse", str(log), "--format", "grok")
    assert r.returncode == 3 and "format grok needs grok patterns" not in r.stdout
    assert run("generate", "-f", "grok", "-n", "1").returncode == 2  # nothing to generate


def test_recipe_lines_inside_container_wrappers():
    # Kubernetes' CRI files and Docker's json-file wrap an application's text lines: the recipe
    # reads the inner line, and the runtime's time (with its zone and year) stands.
    hadoop = (LOGHUB / "Hadoop.log").read_text().splitlines()[:3]
    cri = [f"2026-12-06T04:00:0{i}.123456789Z stdout F {ln}" for i, ln in enumerate(hadoop)]
    docker = [json.dumps({"log": ln + "\n", "stream": "stderr", "time": f"2026-12-06T04:00:0{i}.5Z"})
              for i, ln in enumerate(hadoop)]
    plain = read_logs(hadoop).records
    for lines, wrapper in ((cri, "cri"), (docker, "docker")):
        r = read_logs(lines)
        assert r.stats["parsed"] == 3 and not r.failed
        for i, (d, p) in enumerate(zip(r.records, plain)):
            assert d["kafkainsight"] == {"format": "grok", "recipe": "JAVALOG", "wrapper": wrapper}
            assert d["@timestamp"].startswith(f"2026-12-06T04:00:0{i}.")
            assert (d["message"], d["log"]) == (p["message"], p["log"])
