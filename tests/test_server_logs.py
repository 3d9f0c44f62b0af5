"""Servers' logs read without options (the grok recipes of docs/GROK.md: PostgreSQL, MySQL and
MariaDB, MongoDB, Redis, Elasticsearch, Logstash, RabbitMQ, AWS; ingress-nginx's access lines), checked against the documents Elastic's Filebeat modules
expect for the same public test files (tests/data/real/filebeat, PROVENANCE.md there)."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kafkainsight import read_logs
from tests.test_real_logs import flat

FB = Path(__file__).parent / "data" / "real" / "filebeat"


def expected(name: str) -> list[dict]:
    return json.loads((FB / f"{name}-expected.json").read_text())


def instant(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(timezone.utc)


def docs(name: str, **kw) -> list[dict]:
    r = read_logs(FB / name, **kw)
    assert not r.failed, r.failed[:2]
    return [flat(d) for d in r.records]


def test_postgresql_13_default_prefix_as_filebeat_reads_it():
    want = expected("postgresql-13-default.log")
    got = docs("postgresql-13-default.log")
    assert len(got) == len(want) == 3
    for g, w in zip(got, want):
        assert g["kafkainsight.recipe"] == "POSTGRESQLLOG"
        assert instant(g["@timestamp"]) == instant(w["@timestamp"])
        for k in ("log.level", "message", "process.pid", "user.name", "postgresql.log.database"):
            assert g[k] == w[k], k
        assert g.get("postgresql.log.session_line_number") == w.get("postgresql.log.session_line_number")


def test_postgresql_slow_statements_spanning_lines_in_cest():
    # Debian's prefix '%m [%p] %q%u@%d ', log_min_duration_statement: each statement's indented
    # lines joined by --multiline java; the zone name CEST read as +02:00.
    lines = (FB / "postgresql-9.6-debian-with-slowlog.log").read_text().splitlines()
    got = docs("postgresql-9.6-debian-with-slowlog.log", multiline="java")
    assert len(got) == sum(1 for ln in lines if ln[:2] == "20") == 18
    assert got[0]["@timestamp"] == "2017-07-31T13:36:42.585+02:00" and got[0]["log.level"] == "LOG"
    assert got[0]["message"] == "database system was shut down at 2017-06-17 16:58:04 CEST"
    assert "user.name" not in got[4]  # [unknown]@[unknown]: no user, no database
    slow = got[5]
    assert (slow["user.name"], slow["postgresql.log.database"], slow["postgresql.log.duration_ms"]) == \
        ("postgres", "postgres", 37.118)
    assert slow["postgresql.log.query"].startswith('SELECT d.datname as "Name",\n\t       pg_catalog')
    assert slow["postgresql.log.query"].endswith("ORDER BY 1;") and "error.stack_trace" not in slow
    assert [d["log.level"] for d in got if d["log.level"] != "LOG"] == ["FATAL", "FATAL"]
    assert {d["event.severity"] for d in got} == {6, 2}


def test_mysql_8_error_log_as_filebeat_reads_it():
    want = expected("mysql-ubuntu-8.0.15.log")
    got = docs("mysql-ubuntu-8.0.15.log", tz="-02:00")  # Filebeat's test ran in -02:00; the times say Z
    assert len(got) == len(want) == 14
    for g, w in zip(got, want):
        assert g["kafkainsight.recipe"] == "MYSQLERRORLOG" and "host.hostname" not in g  # not syslog
        assert instant(g["@timestamp"]).replace(microsecond=0) == instant(w["@timestamp"]).replace(microsecond=0)
        assert g["@timestamp"][:23] == w["@timestamp"][:23]  # Filebeat keeps milliseconds, we the µs written
        for k in ("log.level", "mysql.thread_id", "event.code", "event.provider"):
            assert g.get(k) == w.get(k), k
        assert w["message"].endswith(g["message"])  # Filebeat keeps "[MY-…] [Server] " in it


@pytest.mark.parametrize("name,events", [("mysql-darwin-brew-5.7.10.log", 185), ("mariadb-10.4.8.log", 27)])
def test_mysql_57_and_mariadb_error_logs(name, events):
    # The lines mysqld_safe writes ("161209 13:08:33 mysqld_safe Starting mysqld daemon …") are
    # events of process mysqld_safe; the "Version: …" banner (no time) and a general-log line in
    # MariaDB's file are reported, as every line no format reads.
    r = read_logs(FB / name)
    assert r.stats["parsed"] == events
    assert {d["kafkainsight"]["recipe"] for d in r.records} == {"MYSQLERRORLOG"}
    assert all(not f["line"][:4].isdigit() or f["line"][:6].isdigit() for f in r.failed)
    assert {flat(d).get("log.level") for d in r.records} <= {"Note", "Warning", "ERROR", "Error", "System", None}
    safe = [flat(d) for d in r.records if flat(d).get("process.name") == "mysqld_safe"]
    assert len(safe) == (2 if name.startswith("mysql-darwin") else 0)
    for d in safe:
        assert d["message"] == "Starting mysqld daemon with databases from /usr/local/var/mysql"
        assert d["@timestamp"] in ("2016-12-09T13:08:33Z", "2016-12-12T12:40:38Z")


def test_mongodb_32_text_log_as_filebeat_reads_it():
    want = expected("mongodb-debian-3.2.11.log")
    got = docs("mongodb-debian-3.2.11.log")
    assert len(got) == 37  # Filebeat's expected file predates the log's last 3 lines
    for g, w in zip(got, want):
        assert g["kafkainsight.recipe"] == "MONGODBLOG"
        # The lines say +0100; that Filebeat version dropped the offset (wall clock as UTC).
        assert g["@timestamp"] == w["@timestamp"][:-1] + "+01:00"
        for k in ("log.level", "message", "mongodb.log.component", "mongodb.log.context"):
            assert g[k] == w[k], k


def test_mongodb_44_json_log_as_filebeat_reads_it():
    want = expected("mongodb-ubuntu-4.4.4-json.log")
    got = docs("mongodb-ubuntu-4.4.4-json.log")
    assert len(got) == len(want) == 10
    for g, w in zip(got, want):
        assert g["kafkainsight.format"] == "app_json"
        assert instant(g["@timestamp"]) == instant(w["@timestamp"])
        assert (g["log.level"], g["message"], g["c"], g["ctx"], g["id"]) == \
            (w["log.level"], w["message"], w["mongodb.log.component"], w["mongodb.log.context"], w["mongodb.log.id"])


def test_redis_log_as_filebeat_reads_it():
    w = expected("redis-5.0.3.log")[0]
    (g,) = docs("redis-5.0.3.log")
    assert g["kafkainsight.recipe"] == "REDISLOG"
    assert (g["log.level"], g["redis.log.role"], g["process.pid"], g["message"]) == \
        (w["redis.log.level"], w["redis.log.role"], w["redis.log.pid"], w["redis.log.message"])
    assert g["@timestamp"] == "2018-12-27T11:19:18.874Z" and g["event.severity"] == 5


def test_elasticsearch_62_text_log_as_filebeat_reads_it():
    # Filebeat read it in -02:00 (the lines carry no zone): so do we.
    want = expected("elasticsearch.624.log")
    got = docs("elasticsearch.624.log", tz="-02:00", multiline="java")
    assert len(got) == len(want) == 59
    for g, w in zip(got, want):
        assert g["kafkainsight.recipe"] == "ELASTICSEARCHLOG"
        assert g["@timestamp"] == w["@timestamp"]
        assert (g["log.level"], g["log.logger"]) == (w["log.level"], w["elasticsearch.component"])
        assert g["message"] == w["message"]
        for k in ("elasticsearch.node.name", "elasticsearch.index.name", "elasticsearch.index.id"):
            assert (g.get(k) or None) == (w.get(k) or None), k


def test_logstash_log_as_filebeat_reads_it():
    # Logstash 7.4+'s plain layout with the pipeline id after the logger (Filebeat read it in -02:00),
    # and an older line without one: not Elasticsearch's lines, whose layout they share.
    want = expected("logstash-plain-7.4.log")
    got = docs("logstash-plain-7.4.log", tz="-02:00")
    assert len(got) == len(want) == 2
    for g, w in zip(got, want):
        assert g["kafkainsight.recipe"] == "LOGSTASHLOG" and g["@timestamp"] == w["@timestamp"]
        assert (g["log.level"], g["log.logger"], g["logstash.log.pipeline_id"], g["message"]) == \
            (w["log.level"], w["logstash.log.module"], w["logstash.log.pipeline_id"], w["message"])
        assert "elasticsearch.node.name" not in g
    old, = docs("logstash-plain.log")
    assert (old["kafkainsight.recipe"], old["log.logger"], old["@timestamp"]) == \
        ("LOGSTASHLOG", "logstash.modules.scaffold", "2017-10-23T14:20:12.046Z")
    assert old["message"].startswith("Initializing module {:module_name=>") and "logstash.log.pipeline_id" not in old


def test_rabbitmq_log_lines():
    # RabbitMQ 3.11's own lines (Filebeat's test file; its expected documents are of an older log).
    lines = (FB / "rabbitmq-test.log").read_text().splitlines()
    got = docs("rabbitmq-test.log")
    assert len(got) == len(lines) == 26
    assert {d["kafkainsight.recipe"] for d in got} == {"RABBITMQLOG"}
    assert got[0]["@timestamp"] == "2023-01-03T07:20:19.811276Z" and got[0]["rabbitmq.log.pid"] == "0.229.0"
    assert got[0]["message"] == "Created user 'guest'" and got[0]["log.level"] == "info"
    assert got[-1]["message"] == "started TCP listener on [::]:5672"


def _same(got: dict, want: dict, pairs: dict[str, str]) -> dict:
    """{ours: (ours, Filebeat's)} where they differ, for the Filebeat fields the expected document has
    (Filebeat writes some numbers as strings: compared as text; where it keeps "-", we write none)."""
    out = {}
    for ours, theirs in pairs.items():
        if theirs in want and str(got.get(ours, "-")) != str(want[theirs]):
            out[ours] = (got.get(ours), want[theirs])
    return out


ELB = {"source.ip": "source.ip", "source.port": "source.port", "aws.elb.backend.ip": "aws.elb.backend.ip",
       "aws.elb.backend.port": "aws.elb.backend.port", "aws.elb.name": "aws.elb.name",
       "http.response.status_code": "http.response.status_code",
       "aws.elb.backend.http.response.status_code": "aws.elb.backend.http.response.status_code",
       "http.request.body.bytes": "http.request.body.bytes", "http.response.body.bytes": "http.response.body.bytes",
       "user_agent.original": "user_agent.original", "http.version": "http.version",
       "aws.elb.request_processing_time.sec": "aws.elb.request_processing_time.sec",
       "aws.elb.backend_processing_time.sec": "aws.elb.backend_processing_time.sec",
       "aws.elb.response_processing_time.sec": "aws.elb.response_processing_time.sec",
       "aws.elb.ssl_protocol": "aws.elb.ssl_protocol", "aws.elb.target_group.arn": "aws.elb.target_group.arn",
       "aws.elb.trace_id": "aws.elb.trace_id", "aws.elb.chosen_cert.arn": "aws.elb.chosen_cert.arn",
       "aws.elb.redirect_url": "aws.elb.redirect_url", "aws.elb.error.reason": "aws.elb.error.reason",
       "tls.cipher": "aws.elb.ssl_cipher", "aws.elb.listener": "aws.elb.listener",
       "aws.elb.connection_time.ms": "aws.elb.connection_time.ms",
       "aws.elb.tls_handshake_time.ms": "aws.elb.tls_handshake_time.ms", "source.bytes": "source.bytes",
       "destination.bytes": "destination.bytes", "destination.domain": "destination.domain"}


@pytest.mark.parametrize("name,events", [("aws-elb-example-alb-http.log", 9), ("aws-elb-example-http.log", 3),
                                         ("aws-elb-example-nlb-tcp.log", 1)])
def test_aws_load_balancer_access_logs_as_filebeat_reads_them(name, events):
    # Application Load Balancer (http, https, h2, ws, wss), Classic and Network Load Balancer (tls)
    # lines. The Classic line starts with a time and was read as syslog with a host "my-loadbalancer".
    want = expected(name)
    got = docs(name)
    assert len(got) == len(want) == events
    for g, w in zip(got, want):
        assert g["kafkainsight.recipe"] == "AWSELBLOG" and "host.hostname" not in g
        t = instant(g["@timestamp"])
        assert t.replace(microsecond=t.microsecond // 1000 * 1000) == instant(w["@timestamp"])  # Filebeat: ms
        assert _same(g, w, ELB) == {}
        if "http.request.method" in w:  # Filebeat lowercases it and puts the URL in the referrer
            assert (g["http.request.method"].lower(), g["url.original"]) == \
                (w["http.request.method"], w["http.request.referrer"])
        if "aws.elb.type" in w:  # (the wss line lacks a blank before its priority: Filebeat gives it none)
            assert g["aws.elb.type"] == w["aws.elb.type"]


def test_aws_s3_server_access_log_as_filebeat_reads_it():
    pairs = {f"aws.s3access.{k}": f"aws.s3access.{k}" for k in (
        "bucket_owner", "bucket", "requester", "request_id", "operation", "key", "object_size", "total_time",
        "turn_around_time", "error_code", "version_id", "host_id", "signature_version", "authentication_type",
        "host_header", "tls_version")}
    pairs |= {"http.response.status_code": "aws.s3access.http_status", "source.ip": "aws.s3access.remote_ip",
              "http.response.body.bytes": "aws.s3access.bytes_sent", "user_agent.original": "aws.s3access.user_agent",
              "http.request.method": "http.request.method", "url.original": "url.original"}
    want = expected("aws-s3access-s3_server_access.log")
    got = docs("aws-s3access-s3_server_access.log")
    assert len(got) == len(want) == 7
    for g, w in zip(got, want):
        assert g["kafkainsight.recipe"] == "S3ACCESSLOG"
        assert instant(g["@timestamp"]) == instant(w["@timestamp"])
        assert _same(g, w, pairs) == {}


def test_aws_vpc_flow_log_as_filebeat_reads_it():
    pairs = {"source.address": "source.address", "destination.address": "destination.address",
             "source.port": "source.port", "destination.port": "destination.port",
             "network.iana_number": "network.iana_number", "network.packets": "network.packets",
             "network.bytes": "network.bytes"}
    pairs |= {f"aws.vpcflow.{k}": f"aws.vpcflow.{k}" for k in (
        "version", "account_id", "interface_id", "action", "log_status")}
    want = expected("aws-vpcflow-accept-reject-traffic.log")
    r = read_logs(FB / "aws-vpcflow-accept-reject-traffic.log")
    assert r.stats["empty"] == 1 and not r.failed  # the file's header of field names
    got = [flat(d) for d in r.records]
    assert len(got) == len(want) == 4
    for g, w in zip(got, want):
        assert g["kafkainsight.recipe"] == "VPCFLOWLOG"
        assert instant(g["@timestamp"]) == instant(w["@timestamp"]) == instant(w["event.end"])
        assert datetime.fromtimestamp(g["aws.vpcflow.start"], timezone.utc) == instant(w["event.start"])
        assert _same(g, w, pairs) == {}


def test_a_custom_vpc_flow_log_format_is_read_by_its_files_header():
    # AWS writes the field names first in each file; a custom format's header names its own
    # fields in its own order (here a NAT gateway's: no version, no time): the lines under it are
    # read by that layout, as Filebeat reads them when told the format.
    pairs = {k: k for k in ("source.address", "source.ip", "destination.address", "destination.ip",
                            "aws.vpcflow.interface_id", "aws.vpcflow.instance_id", "aws.vpcflow.pkt_srcaddr",
                            "aws.vpcflow.pkt_dstaddr")}
    want = expected("aws-vpcflow-custom-nat-gateway.log")
    r = read_logs(FB / "aws-vpcflow-custom-nat-gateway.log")
    assert r.stats["empty"] == 1 and not r.failed
    got = [flat(d) for d in r.records]
    assert len(got) == len(want) == 2
    for g, w in zip(got, want):
        assert g["kafkainsight.recipe"] == "VPCFLOWLOG" and "event.ingested" in g  # no time in this format
        assert _same(g, w, pairs) == {}
    # Without the header the same lines are no VPC flow log: nothing reads them.
    lines = (FB / "aws-vpcflow-custom-nat-gateway.log").read_text().splitlines()
    assert len(read_logs(lines[1:]).failed) == 2


def test_a_vpc_flow_header_holds_for_its_own_file_and_until_the_next(tmp_path):
    v5 = tmp_path / "v5.log"
    v5.write_text("version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport "
                  "pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status "
                  "flow-direction traffic-path\n"
                  "5 vpc-0a1b2c3d subnet-0a1b2c3d i-0a1b2c3d4e5f67890 eni-0a1b2c3d4e5f67890 123456789010 IPv4 "
                  "10.0.0.71 52.95.128.179 34210 443 10.0.0.71 52.95.128.179 6 5060 20 1620140661 1620140721 ACCEPT "
                  "3 OK egress 8\n"
                  "version srcaddr dstaddr end\n"
                  "2 10.0.0.1 10.0.0.2 1620140721\n")
    other = tmp_path / "other.log"
    other.write_text("5 vpc-0a1b2c3d subnet-0a1b2c3d\n")
    r = read_logs([v5, other], threads=1)
    assert r.stats["empty"] == 2 and r.stats["parsed"] == 2 and len(r.failed) == 1  # other.log has no header
    a, b = (flat(d) for d in r.records)
    assert (a["aws.vpcflow.vpc_id"], a["aws.vpcflow.type"], a["aws.vpcflow.tcp_flags"]) == ("vpc-0a1b2c3d", "IPv4", 3)
    assert (a["aws.vpcflow.flow_direction"], a["aws.vpcflow.traffic_path"]) == ("egress", "8")
    assert (a["source.port"], a["destination.port"], a["network.bytes"], a["network.packets"]) == (34210, 443, 5060, 20)
    assert a["@timestamp"] == "2021-05-04T15:05:21Z" and a["destination.ip"] == "52.95.128.179"
    assert (b["source.ip"], b["destination.ip"], b["@timestamp"]) == ("10.0.0.1", "10.0.0.2", "2021-05-04T15:05:21Z")


def test_a_custom_vpc_flow_log_is_never_cut_from_its_header(tmp_path):
    # Large enough for read_logs to cut it into parts for two threads, were it not headed.
    big = tmp_path / "flows.log"
    big.write_text("interface-id srcaddr dstaddr end\n" + "eni-1 10.0.0.1 10.0.0.2 1620140721\n" * 400000)
    one, two = read_logs(big, threads=1), read_logs(big, threads=2)
    assert one.stats["parsed"] == two.stats["parsed"] == 400000 and not two.failed
    assert one.to_arrow().equals(two.to_arrow())


def test_ingress_nginx_access_log_as_filebeat_reads_it():
    # Kubernetes' NGINX Ingress Controller: the combined line plus request time, upstream names and
    # the lists of the servers tried. Filebeat's expected documents (the stored version) cover the
    # first 23 of its 29 lines; the other six (IPv6 servers in brackets, an address that is none,
    # a unix socket, "-" where nothing came back) are checked by what their lines say.
    name = "nginx-ingress_controller.log"
    want = expected(name)
    got = docs(name)
    lines = (FB / name).read_text().splitlines()
    assert len(got) == len(lines) == 29 and len(want) == 23
    fields = [k for w in want for k in w if k.startswith("nginx.ingress_controller.") and not k.endswith("remote_ip_list")]
    for g, w, line in zip(got, want, lines):
        assert g["kafkainsight.format"] == "apache_combined", line
        assert instant(g["@timestamp"]) == instant(w["@timestamp"]), line
        for k in ("source.ip", "http.request.method", "http.response.status_code", "http.response.body.bytes",
                  "url.original", "http.version", "user.name", "user_agent.original"):
            if k == "user_agent.original" and k not in w:  # "-": Filebeat writes none, we keep it as written
                assert g[k] == "-", line
            else:
                assert g.get(k) == w.get(k), (k, line)
        for k in dict.fromkeys(fields):
            if w.get(k, "") == "":  # Filebeat writes "" for "[]": we write none
                assert k not in g, (k, line)
            else:
                assert g.get(k) == w[k], (k, line)
    ic = "nginx.ingress_controller."
    ipv6, pair, bad, sock, dash = got[24], got[25], got[26], got[27], got[28]
    assert (ipv6["source.ip"], ipv6["user.name"], ipv6[ic + "upstream.ip"], ipv6[ic + "upstream.port"]) == \
        ("2a02:cf40::", "remote_monitoring_user", "2a02:cf40::", 9200)
    assert (pair[ic + "upstream.ip"], pair[ic + "upstream_address_list"]) == \
        ("2a02:cf40::4e36", ["[2a02:cf40::7]:5000", "[2a02:cf40::4e36]:5000"])
    assert ic + "upstream.ip" not in bad and bad[ic + "upstream_address_list"][1] == "[2a02:cf40::::::::4e36]:500000000"
    assert ic + "upstream.ip" not in sock and sock[ic + "upstream_address_list"] == ["unix:/var/run/php-fpm.sock"]
    assert (dash[ic + "upstream.response.time"], dash[ic + "upstream.response.status_code_list"]) == (0.1, ["200", "-"])
    assert ic + "upstream.response.length" not in dash and ic + "upstream.response.status_code" not in dash


def test_a_postgresql_csv_record_cut_by_a_newline_says_how_to_join_it():
    # A statement with a newline in it: PostgreSQL's csvlog writes the quoted value across two lines.
    # Read as lines, the first says it is a cut CSV record and which --multiline-start joins it;
    # joined, the record is Filebeat's (its module joins such lines the same way).
    r = read_logs(FB / "postgresql-11-multi-line.csv.log")
    assert (r.stats["parsed"], r.stats["failed"]) == (0, 2)
    reason = r.failed[0]["reason"]
    assert "a CSV record" in reason, reason
    regex = re.search(r"--multiline-start '([^']+)'", reason).group(1)
    (got,) = docs("postgresql-11-multi-line.csv.log", multiline_start=regex)
    (want,) = expected("postgresql-11-multi-line.csv.log")
    assert instant(got["@timestamp"]) == instant(want["@timestamp"])
    assert got["kafkainsight.recipe"] == "POSTGRESQLCSVLOG"
    assert got["message"] == "duration: 0.658 ms  statement: " + want["message"]
    for k in ("log.level", "user.name", "postgresql.log.database", "postgresql.log.client_addr",
              "postgresql.log.client_port", "postgresql.log.session_id", "postgresql.log.command_tag",
              "postgresql.log.application_name", "postgresql.log.virtual_transaction_id"):
        assert got.get(k) == want.get(k), k


def test_postgresql_csvlog_as_filebeat_reads_it():
    # log_destination = 'csvlog' (PostgreSQL 13: 24 columns): the columns Filebeat's module names;
    # the message as PostgreSQL wrote it (Filebeat moves a "statement: " prefix to query_step).
    want = expected("postgresql-13-error-code.csv.log")
    got = docs("postgresql-13-error-code.csv.log")
    assert len(got) == len(want) == 4
    assert {g["kafkainsight.recipe"] for g in got} == {"POSTGRESQLCSVLOG"}
    for g, w in zip(got, want):
        assert instant(g["@timestamp"]) == instant(w["@timestamp"])
        assert g["message"].endswith(w["message"]) and g["message"].startswith(w.get("postgresql.log.query_step", ""))
        assert g["process.pid"] == int(w["process.pid"])
        for k in ("log.level", "user.name", "postgresql.log.database", "postgresql.log.client_addr",
                  "postgresql.log.client_port", "postgresql.log.command_tag", "postgresql.log.session_id",
                  "postgresql.log.sql_state_code", "postgresql.log.transaction_id",
                  "postgresql.log.virtual_transaction_id", "postgresql.log.application_name",
                  "postgresql.log.backend_type"):
            assert g.get(k) == w.get(k), k
        assert instant(g["postgresql.log.session_start_time"].replace(" UTC", "Z").replace(" ", "T")) == \
            instant(w["postgresql.log.session_start_time"])
