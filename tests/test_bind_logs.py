"""BIND 9's log (recipe BIND9): a real named (Debian's bind9) answers dig's queries at test time and
writes its log with and without category and severity; each query the test made is a document with
the client, the question and the server, as Logstash's BIND9 pattern (ECS) names them; its other
lines give their category, severity and message. Also the lines and the values of Logstash's own
spec (logstash-patterns-core spec/patterns/bind_spec.rb), and named's query lines as syslog
messages (its default logging: the header's time, host and pid stay).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

import kafkainsight as ki

NAMED = shutil.which("named") or shutil.which("named", path="/usr/sbin")
DIG = shutil.which("dig")

ZONE = """$TTL 300
@ IN SOA ns.example.test. admin.example.test. ( 1 3600 600 86400 300 )
@ IN NS ns.example.test.
ns IN A 127.0.0.1
www IN A 192.0.2.10
www IN AAAA 2001:db8::10
@ IN MX 10 ns.example.test.
@ IN TXT "v=spf1 -all"
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def named(tmp_path):
    if not NAMED or not DIG:
        pytest.skip("needs bind9 and bind9-dnsutils (scripts/setup.sh installs them)")
    port = _free_port()
    (tmp_path / "example.test.zone").write_text(ZONE)
    (tmp_path / "named.conf").write_text(f"""
options {{
  directory "{tmp_path}";
  listen-on port {port} {{ 127.0.0.1; }};
  listen-on-v6 {{ none; }};
  pid-file "{tmp_path}/named.pid";
  session-keyfile "{tmp_path}/session.key";
  recursion no;
  dnssec-validation no;
  querylog yes;
}};
logging {{
  channel full {{ file "{tmp_path}/full.log"; print-time yes; print-category yes; print-severity yes; severity info; }};
  channel bare {{ file "{tmp_path}/bare.log"; print-time yes; severity info; }};
  category queries {{ full; bare; }};
  category default {{ full; }};
}};
zone "example.test" {{ type primary; file "{tmp_path}/example.test.zone"; }};
""")
    proc = subprocess.Popen([NAMED, "-f", "-c", str(tmp_path / "named.conf")], env={**os.environ, "TZ": "UTC"},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while "running" not in ((tmp_path / "full.log").read_text() if (tmp_path / "full.log").exists() else ""):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"named did not start: {proc.stdout.read().decode(errors='replace')}")
        time.sleep(0.05)
    yield tmp_path, port
    proc.terminate()
    proc.wait(timeout=10)


def test_queries_of_a_real_named(named):
    logs, port = named
    asked = [("www.example.test", "A"), ("www.example.test", "AAAA"), ("example.test", "MX"),
             ("example.test", "TXT"), ("nowhere.example.org", "A"), ("10.2.0.192.in-addr.arpa", "PTR")]
    for name, qtype in asked:
        subprocess.run([DIG, "-p", str(port), "@127.0.0.1", "+tries=1", "+time=3", name, qtype], check=True,
                       capture_output=True)
    deadline = time.monotonic() + 10
    while (logs / "bare.log").read_text().count("query:") < len(asked) and time.monotonic() < deadline:
        time.sleep(0.05)
    for name in ("full.log", "bare.log"):
        res = ki.read_logs(str(logs / name), threads=1)
        assert res.stats["failed"] == 0, res.failed[:3]
        queries = [d for d in res.records if "dns" in d]
        assert [(d["dns"]["question"]["name"], d["dns"]["question"]["type"]) for d in queries] == asked
        for d in queries:
            assert d["kafkainsight"]["recipe"] == "BIND9"
            assert d["dns"]["question"]["class"] == "IN"
            assert d["client"]["ip"] == "127.0.0.1" and 1024 <= d["client"]["port"] <= 65535
            assert d["server"]["ip"] == "127.0.0.1"
            assert d["bind"]["log"]["question"]["flags"].startswith(("+", "-"))
            assert d["message"].startswith("client @0x")
        lines = [line for line in (logs / name).read_text().splitlines() if "query:" in line]
        for d, line in zip(queries, lines):  # named's local time (TZ=UTC here), to the millisecond
            assert d["@timestamp"][:23] == time.strftime("%Y-%m-%dT%H:%M:%S", time.strptime(line[:20], "%d-%b-%Y %H:%M:%S")) + line[20:24]
        if name == "full.log":
            assert {d["bind"]["log"]["category"] for d in queries} == {"queries"}
            assert {d["log"]["level"] for d in queries} == {"info"}
            others = [d for d in res.records if "dns" not in d]
            assert others and all(d["kafkainsight"]["recipe"] == "BIND9" for d in others)
            running = [d for d in others if d["message"] == "running"]
            assert running and running[0]["bind"]["log"]["category"] == "general" and running[0]["log"]["level"] == "notice"
        else:
            assert all("category" not in d["bind"]["log"] and "log" not in d for d in queries)


def test_logstash_spec_lines():
    # logstash-patterns-core spec/patterns/bind_spec.rb, ECS mode: the values it states
    d = ki.parse_line("17-Feb-2018 23:06:56.326 queries: info: client 172.26.0.1#12345 (test.example.com): "
                      "query: test.example.com IN A +E(0)K (172.26.0.3)")
    assert d["@timestamp"] == "2018-02-17T23:06:56.326Z" and d["log"]["level"] == "info"
    assert d["client"] == {"ip": "172.26.0.1", "port": 12345}
    assert d["dns"] == {"question": {"name": "test.example.com", "type": "A", "class": "IN"}}
    assert d["bind"]["log"]["question"] == {"flags": "+E(0)K", "name": "test.example.com"}
    assert d["server"] == {"ip": "172.26.0.3"}
    d = ki.parse_line("30-Jun-2018 15:50:00.999 queries: info: client @0x7f64500020ef 192.168.10.48#60061 "
                      "(91.2.10.170.in-addr.internal): query: 91.2.10.170.in-addr.internal IN PTR + (192.168.2.2)")
    assert d["client"] == {"ip": "192.168.10.48", "port": 60061} and d["server"] == {"ip": "192.168.2.2"}
    assert d["dns"]["question"] == {"name": "91.2.10.170.in-addr.internal", "type": "PTR", "class": "IN"}
    assert d["bind"]["log"]["question"]["flags"] == "+"
    # a view (BIND's `view "internal"`), and a denied transfer (fail2ban's named-refused test log)
    d = ki.parse_line("30-Jun-2018 15:50:00.999 client @0x7f64500020ef 192.168.10.48#60061 (a.internal): "
                      "view internal: query: a.internal IN A + (192.168.2.2)")
    assert d["bind"]["log"]["view"] == "internal" and d["dns"]["question"]["name"] == "a.internal"
    d = ki.parse_line("11-Aug-2013 03:36:11.372 error: client 1.2.3.4#52115: zone transfer 'domain.com/AXFR/IN' denied")
    assert d["kafkainsight"]["recipe"] == "BIND9" and d["log"]["level"] == "error"
    assert d["client"] == {"ip": "1.2.3.4", "port": 52115}
    assert d["message"] == "client 1.2.3.4#52115: zone transfer 'domain.com/AXFR/IN' denied"


def test_query_lines_through_syslog():
    # named's default logging goes to syslog: the header's time, host and pid stand, the query's fields join
    d = ki.parse_line("Feb 17 23:06:56 ns1 named[812]: client @0x7ff76e0f7098 172.26.0.1#50903 (www.example.test): "
                      "query: www.example.test IN AAAA +E(0)K (172.26.0.3)", year=2018)
    assert d["@timestamp"] == "2018-02-17T23:06:56Z"
    assert d["host"]["hostname"] == "ns1" and d["process"] == {"name": "named", "pid": 812}
    assert d["client"] == {"ip": "172.26.0.1", "port": 50903} and d["dns"]["question"]["type"] == "AAAA"
    assert "event" not in d or "ingested" not in d["event"]
    # another message from named stays a message
    d = ki.parse_line("Feb 17 23:06:56 ns1 named[812]: all zones loaded", year=2018)
    assert d["message"] == "all zones loaded" and "dns" not in d
