"""Netfilter's packet log lines (iptables' and nftables' LOG target, ufw, firewalld, Ubiquiti) in
kernel syslog messages: read as Filebeat's iptables module reads them, checked on its test files
(tests/data/real/filebeat/iptables-*.log) against the values its expected output states for
iptables.log (transcribed below) and against what its pipeline's patterns define for the others.
"""
from __future__ import annotations

from pathlib import Path

import kafkainsight as ki

FB = Path(__file__).parent / "data" / "real" / "filebeat"

# Filebeat's iptables.log-expected.json (x-pack/filebeat/module/iptables/log/test, beats 02b932d):
# time, source ip/mac/port, destination port, fragment flag, IP id, length, TCP window, TTL.
STATED = [
    ("03:37:09", "203.0.113.36", "90:10:9e:ec:2c:71", 17805, 445, True, 15743, 52, 8192, 115),
    ("03:37:57", "198.51.100.198", "90:10:76:e0:e2:d5", 47091, 1433, False, 17703, 40, 1024, 243),
    ("03:38:45", "203.0.113.201", "90:10:9e:ec:2c:71", 59319, 445, True, 19619, 52, 8192, 115),
    ("03:39:25", "203.0.113.246", "90:10:9e:ec:2c:71", 44181, 80, True, 4255, 40, 14600, 240),
    ("03:40:21", "203.0.113.208", "90:10:76:e0:e2:d5", 64358, 445, True, 27150, 52, 8192, 110),
    ("03:40:25", "198.51.100.160", "90:10:9e:ec:2c:71", 58830, 445, False, 7264, 40, 1024, 242),
    ("03:41:17", "198.51.100.115", "90:10:76:e0:e2:d5", 51985, 445, True, 6101, 52, 8192, 117),
    ("03:41:23", "198.51.100.167", "90:10:76:e0:e2:d5", 4099, 445, True, 6319, 52, 8192, 45),
    ("03:43:18", "198.51.100.19", "90:10:9e:ec:2c:71", 59287, 139, False, 48624, 40, 1024, 245),
    ("03:43:42", "198.51.100.68", "90:10:76:e0:e2:d5", 53296, 8088, False, 54321, 40, 65535, 250),
]


def test_iptables_log_as_filebeat_states_it():
    res = ki.read_logs(str(FB / "iptables-iptables.log"), threads=1, year=2019)
    assert res.stats["failed"] == 0 and len(res.records) == len(STATED)
    for d, (t, sip, smac, sport, dport, df, ipid, length, window, ttl) in zip(res.records, STATED):
        assert d["@timestamp"] == f"2019-01-08T{t}Z"
        assert d["source"] == {"ip": sip, "mac": smac, "port": sport}
        assert d["destination"] == {"ip": "172.16.54.114", "mac": "90:10:35:5a:1e:3a", "port": dport}
        ipt = d["iptables"]
        assert (ipt["id"], ipt["length"], ipt["tcp"]["window"], ipt["ttl"]) == (ipid, length, window, ttl)
        assert ipt.get("fragment_flags") == (["DF"] if df else None)
        assert ipt["input_device"] == "eth0" and ipt["output_device"] == ""
        assert (ipt["ether_type"], ipt["tos"], ipt["precedence_bits"], ipt["tcp"]["reserved_bits"]) == (2048, 0, 0, 0)
        assert ipt["tcp"]["flags"] == ["SYN"]
        assert d["network"] == {"transport": "tcp", "type": "ipv4"}
        assert d["related"]["ip"] == [sip, "172.16.54.114"]
        assert d["host"]["hostname"] == "example-host" and d["process"]["name"] == "kernel"
        assert d["message"].startswith("iptables DROP_INPUT: IN=eth0")  # the message stays whole


def test_ipv6_icmp_and_ubiquiti_lines():
    res = ki.read_logs(str(FB / "iptables-ipv6.log"), threads=1, year=2019)
    assert res.stats["failed"] == 0 and len(res.records) == 11
    first = res.records[0]
    assert first["source"]["ip"] == "2001:0db8:0000:0000:0000:0000:0000:0001"
    assert first["network"]["transport"] == "ipv6-icmp"  # the module maps icmpv6 so
    ipt = first["iptables"]
    assert (ipt["ttl"], ipt["tos"], ipt["flow_label"], ipt["length"]) == (64, 0, 868225, 104)
    assert ipt["icmp"] == {"type": 128, "code": 0, "id": 3427, "seq": 1}
    assert ipt["input_device"] == "" and ipt["output_device"] == "lo" and "mac" not in first["source"]
    last = res.records[-1]
    assert last["iptables"]["ether_type"] == 0x86DD and last["network"]["type"] == "ipv6"
    assert last["source"]["mac"] == "90:10:aa:bb:cc:dd" and last["destination"]["mac"] == "90:10:12:34:56:78"
    # an ICMP error quotes the packet it answers in brackets: that packet's addresses are not this one's
    d = ki.read_logs(str(FB / "iptables-icmp.log"), threads=1, year=2019).records[0]
    assert d["source"]["ip"] == "192.0.2.71" and d["destination"]["ip"] == "192.0.2.83"
    assert "port" not in d["source"] and d["iptables"]["icmp"] == {"type": 3, "code": 3}
    assert d["process"]["name"] == "DENY"  # the log prefix, read as the tag
    # Ubiquiti EdgeOS: [rule set-rule number-action] right before IN=
    d = ki.read_logs(str(FB / "iptables-geo.log"), threads=1, year=2019).records[0]
    assert d["event"]["action"] == "drop" and d["event"]["outcome"] == "failure"
    assert d["event"]["type"] == ["connection", "denied"]
    assert d["rule"] == {"id": "default", "name": "wan-lan"}
    assert d["observer"] == {"ingress": {"zone": "wan"}, "egress": {"zone": "lan"}}
    assert d["iptables"]["tcp"]["flags"] == ["ACK"]


def test_ufw_and_lines_that_are_not_packets():
    d = ki.parse_line("Dec  7 10:00:00 fw1 kernel: [12345.678901] [UFW BLOCK] IN=eth0 OUT= MAC=00:16:3e:12:34:56:"
                      "00:16:3e:65:43:21:08:00 SRC=203.0.113.9 DST=198.51.100.2 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=54321 "
                      "DF PROTO=TCP SPT=51234 DPT=22 WINDOW=29200 RES=0x00 SYN URGP=0")
    assert d["source"]["port"] == 51234 and d["destination"]["port"] == 22
    assert d["message"].startswith("[12345.678901] [UFW BLOCK] IN=")
    # a kernel message that only mentions such words stays a message
    for m in ("kernel: usb 1-1: new device IN=1 found", "kernel: IN=eth0 OUT= SRC=not-an-address DST=10.0.0.1 LEN=1"):
        d = ki.parse_line("Dec  7 10:00:00 fw1 " + m)
        assert "iptables" not in d and "source" not in d, d
