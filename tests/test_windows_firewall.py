"""Windows Firewall's log (pfirewall.log), read without options: a W3C-style file whose header
says its times are local ("#Time Format: Local": read in --tz) and whose fields get ECS's names.
The file is plaso's test file; every value is checked against the line it came from."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import kafkainsight as ki

LOG = Path(__file__).parent / "data" / "real" / "windows" / "pfirewall.log"
FIELDS = ("date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin "
          "icmptype icmpcode info path").split()


def test_pfirewall_log_in_ecs_names_and_local_time():
    lines = LOG.read_text().splitlines()
    data = [dict(zip(FIELDS, line.split(" "))) for line in lines if not line.startswith("#")]
    r = ki.read_logs(LOG, tz="-05:00")
    assert (r.stats["parsed"], r.stats["failed"], r.stats["empty"]) == (len(data), 0, 4)
    for d, want in zip(r.records, data):
        assert d["kafkainsight"]["format"] == "w3c"
        local = datetime.fromisoformat(f"{want['date']}T{want['time']}").replace(tzinfo=timezone(timedelta(hours=-5)))
        assert datetime.fromisoformat(d["@timestamp"]) == local
        assert d["event"]["action"] == want["action"].lower()
        ints = {"src-port": ("source", "port"), "dst-port": ("destination", "port"), "size": ("network", "bytes"),
                "tcpsyn": ("windows", "firewall", "tcp_syn"), "icmptype": ("windows", "firewall", "icmp_type"),
                "info": ("windows", "firewall", "info")}
        for k, path in ints.items():
            got = d
            for p in path:
                got = got.get(p, {}) if isinstance(got, dict) else {}
            assert got == ({} if want[k] == "-" else int(want[k]) if k != "info" else want[k]), (k, want, d)
        if want["src-ip"] != "-":
            assert d["source"]["ip"] == want["src-ip"] and d["destination"]["ip"] == want["dst-ip"]
            assert d["network"]["transport"] == want["protocol"].lower()
        assert d.get("network", {}).get("direction") == {"RECEIVE": "ingress", "SEND": "egress", "-": None}[want["path"]]
    # Without #Time Format: Local (IIS, the W3C default), the same times are UTC whatever --tz says.
    utc = [line for line in lines if not line.startswith("#Time Format")]
    (first, *_) = ki.read_logs(utc, tz="-05:00").records
    assert first["@timestamp"] == "2005-04-11T08:05:57Z"
