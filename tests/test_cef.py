"""ArcSight's Common Event Format read without options, on its own and as a syslog message:
checked on Filebeat's CEF module test files (tests/data/real/filebeat) against the fields its
expected JSON gives for them (Filebeat's decode_cef processor: the header under cef.*, each
extension under cef.extensions.<full name>, the ECS fields it copies them to)."""
from __future__ import annotations

from datetime import datetime

from kafkainsight import parse_line, read_logs
from tests.test_real_logs import REAL, flat

FB = REAL / "filebeat"

HEAD = {"cef.version": "0", "cef.device.vendor": "Elastic", "cef.device.product": "Vaporware",
        "cef.device.version": "1.0.0-alpha", "cef.device.event_class_id": "18", "cef.severity": "low",
        "observer.vendor": "Elastic", "observer.product": "Vaporware", "observer.version": "1.0.0-alpha",
        "event.code": "18"}
CP = {"cef.version": "0", "cef.device.vendor": "Check Point", "cef.device.product": "VPN-1 & FireWall-1",
      "cef.device.version": "Check Point", "cef.device.event_class_id": "Log", "cef.name": "https",
      "cef.severity": "Unknown", "observer.vendor": "Check Point", "observer.product": "VPN-1 & FireWall-1",
      "observer.version": "Check Point", "event.code": "Log"}
X = "cef.extensions."

# Filebeat's expected documents (cef.log-expected.json, checkpoint.log-expected.json), the
# fields the processor writes; what only the module's ingest pipeline adds (GeoIP, related.*,
# community_id, Check Point's own renames, event.category) is left out.
EXPECTED = {
    "cef.log": [
        {**HEAD, "cef.name": "Web request", X + "destinationAddress": "192.168.10.1", X + "destinationPort": 443,
         X + "eventId": 3457, X + "requestContext": "https://www.google.com", X + "requestMethod": "POST",
         X + "requestUrl": "https://www.example.com/cart", X + "sourceAddress": "1.128.3.4",
         X + "sourceGeoLatitude": 38.915, X + "sourceGeoLongitude": -77.511, X + "sourcePort": 33876,
         X + "sourceServiceName": "httpd", X + "transportProtocol": "TCP", "destination.ip": "192.168.10.1",
         "destination.port": 443, "event.id": 3457, "http.request.method": "POST",
         "http.request.referrer": "https://www.google.com", "message": "Web request", "network.transport": "tcp",
         "source.geo.location.lat": 38.915, "source.geo.location.lon": -77.511, "source.ip": "1.128.3.4",
         "source.port": 33876, "source.service.name": "httpd", "url.original": "https://www.example.com/cart"},
        {**HEAD, "cef.name": "Authentication", X + "destinationAddress": "81.2.69.143", X + "destinationPort": 443,
         X + "destinationTranslatedAddress": "10.10.10.10", X + "destinationUserName": "alice", X + "eventId": 123,
         X + "fileHash": "bc8bbe52f041fd17318f08a0f73762ce", X + "oldFileHash": "a9796280592f86b74b27e370662d41eb",
         X + "sourceAddress": "1.128.3.4", X + "sourcePort": 33876, X + "sourceUserName": "bob",
         "destination.ip": "81.2.69.143", "destination.nat.ip": "10.10.10.10", "destination.port": 443,
         "destination.user.name": "alice", "event.id": 123, "message": "Authentication", "source.ip": "1.128.3.4",
         "source.port": 33876, "source.user.name": "bob"},
        {**HEAD, "cef.name": "Authentication", X + "destinationUserPrivileges": "root",
         X + "sourceUserPrivileges": "user", "destination.user.group.name": "root", "message": "Authentication",
         "source.user.group.name": "user"},
        {**HEAD, "cef.name": "Authentication", X + "destinationAddress": "192.168.1.2",
         X + "message": "This event is padded with whitespace", X + "sourceAddress": "192.168.3.4",
         "destination.ip": "192.168.1.2", "message": "This event is padded with whitespace",
         "source.ip": "192.168.3.4"},
    ],
    "cef-checkpoint.log": [
        {**CP, X + "destinationAddress": "52.173.84.157", X + "destinationPort": 443,
         X + "destinationTranslatedAddress": "0.0.0.0", X + "destinationTranslatedPort": 0,
         X + "deviceAction": "Accept", X + "deviceCustomDate2": "2017-10-16T10:42:13.713Z",
         X + "deviceCustomDate2Label": "This field is made up", X + "deviceCustomString2Label": "Rule Name",
         X + "deviceCustomString5": "Business / Economy", X + "deviceCustomString5Label": "Matched Category",
         X + "deviceDirection": 0, X + "deviceReceiptTime": "2018-11-26T22:17:32.000Z", X + "ifname": "eth0",
         X + "inzone": "Internal", X + "layer_name": "Network", X + "layer_uuid": "b406b732-2437-4848-9741-6eae1f5bf112",
         X + "logid": "0", X + "loguid": "{0x5bfc70fc,0x1,0xfe65a8c0,0xc0000001}", X + "match_id": "4",
         X + "nat_addtnl_rulenum": "1", X + "nat_rulenum": "4", X + "origin": "192.168.101.254",
         X + "originsicname": "CN=R80,O=R80_M..6u6bdo", X + "outzone": "External", X + "parent_rule": "0",
         X + "product": "VPN-1 & FireWall-1", X + "rule_action": "Accept",
         X + "rule_uid": "9e5e6e74-aa9a-4693-b9fe-53712dd27bea", X + "sequencenum": "1", X + "service_id": "https",
         X + "sourceAddress": "192.168.101.100", X + "sourcePort": 49363,
         X + "sourceTranslatedAddress": "192.168.103.254", X + "sourceTranslatedPort": 35398,
         X + "transportProtocol": "6", X + "version": "5", "destination.ip": "52.173.84.157",
         "destination.nat.ip": "0.0.0.0", "destination.nat.port": 0, "destination.port": 443,
         "event.action": "Accept", "message": "https", "network.direction": "inbound", "network.transport": "6",
         "source.ip": "192.168.101.100", "source.nat.ip": "192.168.103.254", "source.nat.port": 35398,
         "source.port": 49363},
        {**CP, X + "destinationPort": 25, X + "deviceAction": "Bypass", X + "deviceCustomDate2": "2020-04-11T10:42:13.000Z",
         X + "deviceCustomDate2Label": "Subscription expiration", X + "deviceCustomNumber1Label": "Email Recipients Number",
         X + "deviceCustomString1Label": "Email ID", X + "deviceCustomString4": "SMTP Policy Restrictions",
         X + "deviceCustomString4Label": "Email Control", X + "deviceCustomString5Label": "Email Session ID",
         X + "deviceDirection": 0, X + "deviceReceiptTime": "2018-12-19T09:22:10.000Z",
         X + "fileHash": "55f4a511e6f630a6b1319505414f114e7bcaf13d", X + "message": "Encrypted session",
         X + "sourcePort": 4001, "destination.port": 25, "event.action": "Bypass", "message": "Encrypted session",
         "network.direction": "inbound", "source.port": 4001},
        {**CP, X + "baseEventCount": "12", X + "cp_app_risk": "High", X + "cp_severity": "Very-High",
         X + "deviceAction": "Drop", X + "deviceCustomIPv6Address2": "fd00::555",
         X + "deviceCustomIPv6Address2Label": "Source IPv6 Address", X + "deviceCustomIPv6Address3": "::1",
         X + "deviceCustomIPv6Address3Label": "Destination IPv6 Address", X + "deviceCustomNumber2": 5,
         X + "deviceCustomNumber2Label": "Duration in Seconds", X + "deviceFacility": "4",
         X + "fileHash": "580a783c1cb2b20613323f715d231a69", "event.action": "Drop", "message": "https"},
    ],
}
TIMES = {X + "deviceCustomDate2", X + "deviceReceiptTime"}


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _ours(doc: dict) -> dict:
    d = flat(doc)
    for k in ("@timestamp", "event.ingested", "event.severity", "kafkainsight.format"):
        d.pop(k, None)
    return d


def test_filebeats_cef_test_files_give_the_fields_its_expected_json_gives():
    for name, expected in EXPECTED.items():
        r = read_logs(FB / name)
        assert not r.failed and r.stats["by_format"] == {"cef": len(expected)}
        for got, want in zip(r.records, expected):
            got = _ours(got)
            for k in TIMES & set(want):  # one instant ("…13Z" here, "…13.000Z" there)
                assert _instant(got.pop(k)) == _instant(want[k]), (name, k)
            want = {k: v for k, v in want.items() if k not in TIMES}
            # baseEventCount: an Integer in the CEF spec (Filebeat keeps it as the text "12")
            assert {k: str(v) for k, v in got.items()} == {k: str(v) for k, v in want.items()}, name


def test_cef_times_and_severity():
    r = read_logs(FB / "cef-checkpoint.log")
    # rt (deviceReceiptTime): the event's time; a line without one has the time it was read
    assert [flat(d)["@timestamp"] for d in r.records[:2]] == ["2018-11-26T22:17:32.000Z", "2018-12-19T09:22:10.000Z"]
    assert "event.ingested" in flat(r.records[2])
    # event.severity is this product's one scale (syslog's 0-7): Low 6, Medium 4, High 3, Very-High 2
    sev = {s: flat(parse_line(f"CEF:0|V|P|1|1|n|{s}|src=10.0.0.1"))["event.severity"]
           for s in ("Low", "3", "Medium", "6", "High", "8", "Very-High", "10")}
    assert sev == {"Low": 6, "3": 6, "Medium": 4, "6": 4, "High": 3, "8": 3, "Very-High": 2, "10": 2}


def test_cef_as_a_syslog_message_keeps_the_headers_host_and_takes_its_own_time():
    bsd = flat(parse_line("<134>Feb 19 10:01:17 fw01 CEF:0|Check Point|VPN-1 & FireWall-1|Check Point|Log|https|"
                          "Unknown|act=Accept src=10.0.0.1 dst=10.0.0.2 spt=1234 dpt=443"))
    assert bsd["kafkainsight.format"] == "rfc3164" and bsd["host.hostname"] == "fw01"
    assert "process.name" not in bsd  # "CEF:" is no program
    assert (bsd["source.ip"], bsd["destination.port"], bsd["event.action"]) == ("10.0.0.1", 443, "Accept")
    ietf = flat(parse_line("<134>1 2020-02-19T10:01:17Z fw01 - - - - CEF:0|Vendor|Prod|1.0|100|Blocked|High|"
                           "src=10.0.0.1 rt=Feb 19 2020 10:01:16.500 UTC msg=a\\=b c\\\\d"))
    assert ietf["@timestamp"] == "2020-02-19T10:01:16.500Z" and ietf["host.hostname"] == "fw01"
    assert ietf["message"] == "a=b c\\d" and ietf["cef.name"] == "Blocked"


def test_a_cef_line_that_is_cut_short_is_reported():
    r = read_logs(FB / "cef.log")
    assert not r.failed
    bad = parse_line("CEF:0|Elastic|Vaporware|1.0.0-alpha|18")
    assert bad["error"]["message"].startswith("cef: expected seven '|'-separated CEF header fields")
    # a value that is not of its key's type stays as written, and is not copied to ECS
    d = flat(parse_line("CEF:0|V|P|1|1|n|Low|dpt=any src=not-an-address spt=80"))
    assert (d[X + "destinationPort"], d[X + "sourceAddress"], d["source.port"]) == ("any", "not-an-address", 80)
    assert "destination.port" not in d and "source.ip" not in d
