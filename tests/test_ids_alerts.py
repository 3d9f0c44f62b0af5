"""Snort's and Suricata's fast alert logs (alert_fast, fast.log), read without options by recipe
IDSFASTLOG: plaso's test files, checked against the values plaso's own test states for them and
against the lines themselves; and the lines Suricata writes today (four-digit year, a pfSense
block action, IPv6 with its port, "(null)" classification) as users pasted them."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import kafkainsight as ki

IDS = Path(__file__).parent / "data" / "real" / "ids"
LINE = re.compile(r"^(?P<time>\S+) +(?:\[[^\]]+\] )?\[\*\*\] \[(?P<gid>\d+):(?P<sid>\d+):(?P<rev>\d+)\] \"?(?P<msg>.*?)\"? \[\*\*\]"
                  r"(?: \[Classification: (?P<cls>[^\]]*)\])?(?: \[Priority: (?P<prio>\d+)\])? \{(?P<proto>[^}]+)\} "
                  r"(?P<src>\S+) -> (?P<dst>\S+)$")


def test_plaso_values_for_the_first_alert_of_each_file():
    first = ki.read_logs(IDS / "suricata_alert_fast.log").records[0]
    # plaso: 2010-05-10T10:08:59.667372, 11.11.232.144:80 -> 192.168.1.4:56068, TCP, priority 3
    assert datetime.fromisoformat(first["@timestamp"]).replace(tzinfo=None) == datetime(2010, 5, 10, 10, 8, 59, 667372)
    assert (first["source"]["ip"], first["source"]["port"]) == ("11.11.232.144", 80)
    assert (first["destination"]["ip"], first["destination"]["port"]) == ("192.168.1.4", 56068)
    assert first["rule"] == {"id": "2009187", "version": "4", "category": "Web Application Attack",
                             "description": "ET WEB_CLIENT ACTIVEX iDefense COMRaider ActiveX Control Arbitrary File Deletion"}
    assert (first["ids"]["priority"], first["network"]["transport"]) == (3, "tcp")
    snort = ki.read_logs(IDS / "snort3_alert_fast.log", year=2021).records[0]
    # plaso: 12-28 12:55:38.765402 (no year), ICMP, 2001:df1:c200:c:0:0:0:35 -> 2001:4860:4860:0:0:0:0:8888
    assert snort["@timestamp"].startswith("2021-12-28T12:55:38.765402")
    assert snort["rule"]["description"] == "PROTOCOL-ICMP PING Unix" and snort["ids"]["priority"] == 3
    assert (snort["source"]["ip"], snort["destination"]["ip"]) == ("2001:df1:c200:c:0:0:0:35", "2001:4860:4860:0:0:0:0:8888")
    assert "port" not in snort["source"] and "category" not in snort["rule"]


def _check(lines, docs):
    for line, d in zip(lines, docs):
        m = LINE.match(line).groupdict()
        assert d["kafkainsight"]["recipe"] == "IDSFASTLOG"
        assert (d["rule"]["id"], d["rule"]["version"], d["rule"]["description"]) == (m["sid"], m["rev"], m["msg"])
        assert d["rule"].get("category") == (None if m["cls"] in (None, "(null)") else m["cls"])
        assert d.get("ids", {}).get("priority") == (int(m["prio"]) if m["prio"] else None)
        assert d["network"]["transport"] == m["proto"].lower()
        for side, text in (("source", m["src"]), ("destination", m["dst"])):
            ip, port = d[side]["ip"], d[side].get("port")
            assert text == (ip if port is None else f"{ip}:{port}"), (side, text, d[side])


def test_every_alert_of_the_files():
    for name in ("suricata_alert_fast.log", "snort3_alert_fast.log"):
        lines = [x for x in (IDS / name).read_text().splitlines() if x]
        r = ki.read_logs(IDS / name)
        assert (r.stats["parsed"], r.stats["failed"]) == (len(lines), 0)
        _check(lines, r.records)


PASTED = [  # Suricata 6/7 fast.log lines from public READMEs and lab notes (GitHub)
    "02/05/2025-19:54:18.380567  [**] [1:2100498:7] GPL ATTACK_RESPONSE id check returned root [**] [Classification: "
    "Potentially Bad Traffic] [Priority: 2] {TCP} 2001:08d8:100f:f000:0000:0000:0000:0208:80 -> "
    "2a02:6b67:e078:9300:be56:c046:e5b1:a146:57262",
    "02/10/2025-15:16:07.411949  [**] [1:1000002:1] ICMP Echo Reply detected [**] [Classification: (null)] [Priority: 3] "
    "{ICMP} 23.192.228.84:0 -> 192.168.29.79:0",
    "05/17/2022-04:36:46.706373  [**] [1:2013028:6] ET POLICY curl User-Agent Outbound [**] [Classification: Attempted "
    "Information Leak] [Priority: 2] {TCP} 10.10.2.3:55132 -> 65.8.161.92:80",
]


def test_suricatas_own_layout_and_a_block_action(tmp_path):
    r = ki.read_logs(PASTED, tz="+01:00")
    assert (r.stats["parsed"], r.stats["failed"]) == (3, 0)
    _check(PASTED, r.records)
    assert r.records[2]["@timestamp"] == "2022-05-17T04:36:46.706373+01:00"  # the sensor's zone: --tz
    (blocked,) = ki.read_logs(["04/18/2026-10:24:31.365412  [Block Src] [**] [1:2021076:3] ET HUNTING SUSPICIOUS "
                               "[**] [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} 172.189.127.19:80 -> "
                               "10.0.0.1:5555"]).records
    assert blocked["event"]["action"] == "Block Src"
