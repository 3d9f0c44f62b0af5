"""Microsoft DHCP Server's audit logs (recipes MSDHCPLOG and MSDHCPV6LOG): Elastic's microsoft_dhcp
integration's sample files, IPv4 and IPv6, header and all, read without options; each document has
the fields the integration's own expected output states for the same line
(tests/data/real/windows/PROVENANCE.md).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import kafkainsight as ki

WIN = Path(__file__).parent / "data" / "real" / "windows"


@pytest.mark.parametrize("log,expected,header,n,recipe", [
    ("DhcpSrvLog-Thu.log", "msdhcp-test-log-expected.json", 34, 17, "MSDHCPLOG"),
    ("DhcpV6SrvLog-Thu.log", "msdhcpv6-test-log-expected.json", 36, 14, "MSDHCPV6LOG"),
])
def test_every_line_as_elastics_integration_reads_it(log, expected, header, n, recipe):
    expected = json.loads((WIN / expected).read_text())
    res = ki.read_logs(str(WIN / log), threads=1, include_original=True)
    # the header Windows writes (title, event ID table, legend, column names) is no event
    assert res.stats["failed"] == 0 and res.stats["empty"] == header and len(res.records) == len(expected) == n
    for doc, want in zip(res.records, expected):
        line = want["event"]["original"]
        assert doc["event"]["original"] == line
        assert doc["kafkainsight"]["recipe"] == recipe, line
        # the integration reads the times in America/New_York: the same wall clock in its offset
        again = ki.parse_line(line, tz=want["@timestamp"][-6:])
        assert again["@timestamp"] == want["@timestamp"].replace(".000", ""), line
        assert doc["message"] == want["message"]
        got_event = {k: v for k, v in doc["event"].items() if k != "original"}
        assert got_event == {k: v for k, v in want["event"].items() if k != "original"}, line
        for key in ("host", "microsoft", "user"):
            assert doc.get(key) == want.get(key), (line, key)


def test_a_file_without_its_header_and_a_line_cut_short():
    lines = (WIN / "DhcpSrvLog-Thu.log").read_text().splitlines()
    data = [line for line in lines if line[:2].isdigit() and line[2:3] == ","]
    res = ki.read_logs(data, threads=1)
    assert res.stats["failed"] == 0 and len(res.records) == 17
    # the header's lines are known by their text (no state: a header cut off or repeated reads the same);
    # a tab-separated line that only starts as its ID table does is no header line
    res = ki.read_logs(["ID,Date,Time,Description,IP Address,Host Name", "00\tThe log was started.",
                        "00\tsome other data", "12\t34"], threads=1)
    assert res.stats["empty"] == 2 and [f["line_no"] for f in res.failed] == [3, 4]
    res = ki.read_logs(["11000\tDHCPv6 Solicit.", "11000\tDHCPv6 something else", "11032\t"], threads=1)
    assert res.stats["empty"] == 1 and [f["line_no"] for f in res.failed] == [2, 3]
    doc = ki.parse_line("10,12/07/26,09:30:00,Assign,10.0.0.5,LAPTOP-7.corp.example,00155D0A1B2C")
    assert doc["host"] == {"ip": "10.0.0.5", "domain": "laptop-7.corp.example", "mac": ["00-15-5D-0A-1B-2C"]}
    assert doc["event"]["action"] == "dhcp-new" and doc["@timestamp"] == "2026-12-07T09:30:00Z"
