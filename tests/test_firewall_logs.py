"""FortiGate's log (FortiOS key=value pairs) read without options, as syslog sends it (`<PRI>` then
the pairs, no header), as a relay writes it (with a syslog header) and as a file holds it (the
pairs alone), checked against the documents Elastic's Filebeat fortinet module expects for its own
test file (tests/data/real/fortinet, PROVENANCE.md there). Sophos XG's pairs after `<PRI>` (no
vendor mapping here): read as logfmt pairs with the syslog priority and their date= and time=."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import kafkainsight as ki
from tests.test_real_logs import flat

LOG = Path(__file__).parent / "data" / "real" / "fortinet" / "traffic-head.log"
SOPHOS = Path(__file__).parent / "data" / "real" / "sophos" / "xg-firewall-head.log"

# Filebeat's traffic.log-expected.json for these lines (its test reads them in -02:00): the fields
# this reader writes (not Filebeat's GeoIP, community_id, related.*, event.type and event.start).
EXPECTED = [
    {"@timestamp": "2020-04-23T01:16:08.000-02:00", "event.action": "deny", "event.code": "0000000013",
     "log.level": "notice", "source.ip": "10.10.10.10", "source.port": 60899, "destination.ip": "175.16.199.1",
     "destination.port": 161, "network.iana_number": "17", "network.transport": "udp", "network.protocol": "snmp",
     "observer.name": "testswitch1", "observer.serial_number": "somerouterid", "observer.vendor": "Fortinet",
     "observer.product": "Fortigate", "observer.type": "firewall", "observer.ingress.interface.name": "srcintfname",
     "observer.egress.interface.name": "dstintfname", "rule.id": "0", "rule.ruleset": "policy",
     "rule.category": "unscanned", "event.duration": 0, "source.bytes": 0, "destination.bytes": 0, "network.bytes": 0,
     "source.packets": 0,
     "fortinet.firewall.action": "deny", "fortinet.firewall.craction": "131072", "fortinet.firewall.crlevel": "high",
     "fortinet.firewall.crscore": "30", "fortinet.firewall.dstcountry": "Reserved",
     "fortinet.firewall.dstintfrole": "lan", "fortinet.firewall.sessionid": "155313",
     "fortinet.firewall.srccountry": "Reserved", "fortinet.firewall.srcintfrole": "lan",
     "fortinet.firewall.subtype": "forward", "fortinet.firewall.trandisp": "noop", "fortinet.firewall.type": "traffic",
     "fortinet.firewall.vd": "OPERATIONAL"},
    {"@timestamp": "2020-04-23T12:14:09.000-05:00", "event.action": "dns", "event.code": "0000000011",
     "log.level": "warning", "source.ip": "192.168.1.6", "source.port": 53438, "destination.ip": "175.16.199.1",
     "destination.port": 53, "network.iana_number": "17", "network.transport": "udp", "network.protocol": "dns",
     "observer.name": "newfirewall", "rule.id": "26", "rule.name": "elasticnewruleset", "rule.ruleset": "policy",
     "rule.uuid": "2345de-b143-52134d8-6654f-4654sdfg16f431", "rule.category": "unscanned",
     "fortinet.firewall.sessionid": "435234", "fortinet.firewall.dstcountry": "Netherlands"},
    {"@timestamp": "2020-04-23T12:11:51.000-05:00", "event.action": "accept", "event.code": "0000000020",
     "source.ip": "175.16.199.1", "source.port": 6000, "destination.ip": "8.6.4.7", "destination.port": 6000,
     "source.nat.ip": "67.43.156.12", "source.nat.port": 60964, "network.protocol": "portname",
     "rule.category": "unknown", "rule.id": "3426", "event.duration": 5462000000000, "source.bytes": 438650,
     "destination.bytes": 65446, "network.bytes": 504096, "source.packets": 723417, "destination.packets": 1045601,
     "network.packets": 1769018, "fortinet.firewall.applist": "policylist", "fortinet.firewall.vwlid": "0",
     "fortinet.firewall.sentdelta": "576", "fortinet.firewall.rcvddelta": "728"},
    {"@timestamp": "2020-04-23T12:11:48.000-05:00", "event.code": "0001000014", "source.ip": "81.2.69.144",
     "destination.ip": "81.2.69.144", "network.iana_number": "58", "network.transport": "ipv6-icmp",
     "network.protocol": "icmp6/1/0", "network.application": "icmp6/25/0", "rule.ruleset": "someotherpolicy",
     "event.duration": 42000000000, "source.bytes": 3014, "destination.bytes": 20, "network.bytes": 3034,
     "source.packets": 4, "destination.packets": 0, "network.packets": 4, "fortinet.firewall.identifier": "0",
     "observer.egress.interface.name": "unknown0"},
    {"@timestamp": "2020-04-23T13:10:57.000-04:00", "network.iana_number": "1", "network.transport": "icmp",
     "network.protocol": "ping", "network.application": "PING", "rule.ruleset": "rulepolicy",
     "event.duration": 20000000000, "source.bytes": 0, "destination.bytes": 10, "network.bytes": 10,
     "source.packets": 0, "destination.packets": 40, "network.packets": 40, "fortinet.firewall.identifier": "61",
     "fortinet.firewall.dstcountry": "Norway", "fortinet.firewall.srccountry": "Netherlands"},
    {"@timestamp": "2020-04-23T12:14:39.000-05:00", "event.action": "ip-conn", "source.ip": "192.168.1.1",
     "source.port": 62493, "destination.ip": "192.168.100.100", "destination.port": 1235,
     "network.protocol": "udp/12302", "observer.name": "firewall3", "observer.serial_number": "oldfwid",
     "observer.egress.interface.name": "newinterface", "rule.id": "49", "rule.name": "oldpolicyname",
     "rule.uuid": "654cc-b6542-53467u8-e45234-1566casd35f7836", "source.user.name": "elasticsuper",
     "fortinet.firewall.authserver": "FSSO_newfsso", "fortinet.firewall.craction": "63332144"},
]


def same_instant(a: str, b: str) -> bool:
    return datetime.fromisoformat(a.replace("Z", "+00:00")) == datetime.fromisoformat(b.replace("Z", "+00:00"))


def check(doc: dict, want: dict):
    for k, v in want.items():
        if k == "@timestamp":
            assert same_instant(doc[k], v), (doc[k], v)
        else:
            assert doc.get(k) == v, (k, doc.get(k), v)


def test_fortigate_over_syslog_without_a_header_as_filebeat_reads_it():
    lines = LOG.read_text().splitlines()
    r = ki.read_logs(LOG, tz="-02:00")
    assert r.failed == [] and len(r.records) == len(lines) == len(EXPECTED) == 6
    for doc, want in zip(r.records, EXPECTED):
        d = flat(doc)
        check(d, want)
        assert d["kafkainsight.format"] == "rfc3164" and "event.ingested" not in d
    first = flat(r.records[0])
    # Every pair of the first line is somewhere: an ECS field or fortinet.firewall.<key>.
    assert sorted(k for k in first if k.startswith("fortinet.firewall.")) == \
        sorted(k for k in EXPECTED[0] if k.startswith("fortinet.firewall."))


def test_fortigate_behind_a_relay_and_in_a_file_gives_the_same_fields():
    line = LOG.read_text().splitlines()[2]
    pairs = line[line.index(">") + 1:]
    relayed = flat(ki.parse_line("Apr 23 12:11:52 fw-relay " + pairs, tz="-02:00"))
    alone = flat(ki.parse_line(pairs, tz="-02:00"))
    for d in (relayed, alone):
        check(d, EXPECTED[2])
    assert relayed["host.hostname"] == "fw-relay" and relayed["kafkainsight.format"] == "rfc3164"
    assert alone["kafkainsight.format"] == "logfmt"


def test_fortigate_event_message_and_time_without_a_zone():
    # An event log line (msg=) with no tz=: read in --tz; a line whose pairs break stays a message.
    d = flat(ki.parse_line('<190>date=2019-05-15 time=18:03:36 logid="0100032002" type="event" subtype="system" '
                           'level="alert" vd="root" logdesc="Admin login failed" sn="0" user="admin" ui="https(10.1.1.1)" '
                           'method="https" srcip=10.1.1.1 dstip=10.1.1.2 action="login" status="failed" '
                           'reason="passwd_invalid" msg="Administrator admin login failed from https(10.1.1.1) because '
                           'of invalid password"', tz="+02:00"))
    assert d["@timestamp"] == "2019-05-15T18:03:36+02:00" and d["log.level"] == "alert" and d["event.severity"] == 1
    assert d["message"].startswith("Administrator admin login failed") and d["source.ip"] == "10.1.1.1"
    assert (d["event.action"], d["fortinet.firewall.status"], d["source.user.name"]) == ("login", "failed", "admin")
    broken = ki.parse_line('<190>date=2019-05-15 time=18:03:36 logid="0100032002" type="event msg=x')
    assert broken["error"]["message"].startswith("rfc3164: FortiGate's key=value pairs after <PRI> that do not read")
    # A duration beyond what nanoseconds hold in 64 bits stays as written.
    huge = flat(ki.parse_line('<189>date=2019-05-15 time=18:03:36 logid="0000000013" type="traffic" duration=99999999999'))
    assert huge["fortinet.firewall.duration"] == "99999999999" and "event.duration" not in huge
    # A date and time that do not read: the read time, and both kept as written.
    odd = flat(ki.parse_line('date=2019/05/15 time=6pm logid="0000000013" type="traffic" devid="FG1"'))
    assert (odd["fortinet.firewall.date"], odd["fortinet.firewall.time"]) == ("2019/05/15", "6pm") and "event.ingested" in odd


def test_sophos_xg_pairs_after_pri_are_read_with_their_own_date_and_time():
    # Filebeat's firewall.log-expected.json for these lines, read in -02:00 as its test reads them.
    want_times = ["2020-05-18T14:38:37-02:00", "2020-05-18T14:38:38-02:00", "2020-05-18T14:38:40-02:00",
                  "2020-05-18T14:38:43-02:00", "2020-06-05T12:38:53-02:00", "2018-05-30T13:26:37-02:00"]
    lines = SOPHOS.read_text().splitlines()
    r = ki.read_logs(SOPHOS, tz="-02:00")
    assert r.failed == [] and len(r.records) == len(lines) == 6
    for line, doc, when in zip(lines, r.records, want_times):
        d = flat(doc)
        assert datetime.fromisoformat(d["@timestamp"]) == datetime.fromisoformat(when), line
        assert "event.ingested" not in d and "date" not in d and "time" not in d
        assert d["kafkainsight.format"] == "rfc3164" and d["log.syslog.priority"] == 30
        assert d["log.syslog.severity.code"] == 6 and d["event.severity"] == 6
        assert d["device"] == "SFW" and d["timezone"] in ("CEST", "IST")  # a zone's name is not guessed
        # Every pair is a field, as written (the appliance's own message= the message).
        assert d["log_type"] == "Firewall" and d["src_ip"] == line.split(" src_ip=")[1].split(" ")[0]
    first = flat(r.records[0])
    assert (first["src_port"], first["dst_port"], first["sent_bytes"], first["connid"]) == (62841, 80, 459, "1617925280")
    assert first["message"] == "" and "kafkainsight.renamed.message" not in first
    assert flat(r.records[5])["message"] == "Invalid UDP destination."
    # Without --tz the wall clock is read as UTC (the default), not as the named zone.
    assert ki.parse_line(lines[0])["@timestamp"] == "2020-05-18T14:38:37Z"
    broken = ki.parse_line('<30>device="SFW date=2020-05-18 time=14:38:37')
    assert broken["error"]["message"] == "rfc3164: unterminated quoted value at column 46"  # its end


def test_date_and_time_pairs_give_the_time_in_logfmt_and_json():
    d = flat(ki.parse_line('date=2024-02-03 time=04:05:06.250 tz="+0100" msg="job done"'))
    assert d["@timestamp"] == "2024-02-03T04:05:06.250+01:00" and "tz" not in d and "date" not in d
    j = flat(ki.parse_line('{"date": "2024-02-03", "time": "04:05:06", "msg": "x"}', tz="+02:00"))
    assert j["@timestamp"] == "2024-02-03T04:05:06+02:00" and "time" not in j
    # A date that is not a day, or a time of day that is not one: both kept, the read time.
    odd = flat(ki.parse_line('date=03/02/2024 time=04:05:06 msg=x'))
    assert (odd["date"], odd["time"]) == ("03/02/2024", "04:05:06") and "event.ingested" in odd
