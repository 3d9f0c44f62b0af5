"""Recipe VSFTPDLOG: vsftpd's own log, read without options.

plaso's test file (tests/data/real/apps/PROVENANCE.md) and what plaso's own test states of it:
25 events, the 13th at 2016-06-10 14:24:19 with the text after the time.
"""
from __future__ import annotations

from pathlib import Path

import kafkainsight as ki

LOG = Path(__file__).parent / "data" / "real" / "apps" / "vsftpd.log"


def test_plasos_vsftpd_log():
    res = ki.read_logs(str(LOG), threads=1)
    lines = LOG.read_text().splitlines()
    assert res.stats["failed"] == 0 and len(res.records) == len(lines) == 25
    assert {d["kafkainsight"]["recipe"] for d in res.records} == {"VSFTPDLOG"}
    d = res.records[12]  # plaso's stated event
    assert d["@timestamp"] == "2016-06-10T14:24:19Z"
    assert d["message"].endswith('[pid 3] [jean] OK DOWNLOAD: Client "192.168.1.7", '
                                 '"/home/jean/trains/how-thomas-the-tank-engine-works-1.jpg", '
                                 "49283 bytes, 931.38Kbyte/sec")
    # what the line says, as fields
    assert d["event"] == {"action": "DOWNLOAD", "outcome": "success"}
    assert d["user"]["name"] == "jean" and d["source"]["ip"] == "192.168.1.7" and d["process"]["pid"] == 3
    assert d["file"] == {"path": "/home/jean/trains/how-thomas-the-tank-engine-works-1.jpg", "size": 49283}
    assert d["vsftpd"]["rate_kbyte_s"] == 931.38
    # each line's fields agree with its text
    for line, doc in zip(lines, res.records):
        assert doc["message"] == line
        assert f'[pid {doc["process"]["pid"]}]' in line and f'Client "{doc["source"]["ip"]}"' in line
        assert (" FAIL " in line) == (doc["event"].get("outcome") == "failure")
        if "file" in doc and "size" in doc["file"]:
            assert f'{doc["file"]["size"]} bytes' in line
    connect = res.records[0]
    assert connect["event"] == {"action": "CONNECT"} and "user" not in connect  # before the login: no user, no outcome
    assert sum(d["event"].get("outcome") == "failure" for d in res.records) == 2
    # local time, no zone: --tz
    assert ki.read_logs(str(LOG), tz="+02:00").records[0]["@timestamp"] == "2016-06-06T18:43:28+02:00"
