"""Real logs written by real servers (tests/data/real, sources in PROVENANCE.md) and the values
a person read off them by hand (expected.json): not our generator, not our own fixtures."""
import datetime as dt
import json
import pathlib

import pytest

import kafkainsight as ki

REAL = pathlib.Path(__file__).parent / "data" / "real"
EXPECTED = json.loads((REAL / "expected.json").read_text())
# A line that is not valid RFC 5424 (leap second, missing header field): must be reported.
KNOWN_BAD = {("syslog_rfc5424.log", 10)}


def flat(d, prefix=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def utc(ts: str, no_year: bool) -> str:
    t = dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    frac = ts.split(".")[1].rstrip("Z").split("+")[0].split("-")[0] if "." in ts.split("T")[1] else ""
    u = t.astimezone(dt.timezone.utc)
    s = u.strftime("--%m-%dT%H:%M:%S" if no_year else "%Y-%m-%dT%H:%M:%S")
    return s + (f".{frac}" if frac else "")


@pytest.mark.parametrize("name", ["apache_access.log", "apache_error.log", "syslog_rfc3164.log", "syslog_rfc5424.log"])
def test_every_real_line_is_accounted_for(name):
    res = ki.read_logs(REAL / name, year=2020)
    s = res.stats
    assert s["lines"] == s["parsed"] + s["failed"] + s["empty"]
    failed = {(name, f["line_no"]) for f in res.failed}
    assert failed == {k for k in KNOWN_BAD if k[0] == name}, [f["reason"] + ": " + f["line"] for f in res.failed]
    for f in res.failed:
        assert f["reason"]


@pytest.mark.parametrize("case", EXPECTED, ids=[f"{c['file']}:{c['line_no']}" for c in EXPECTED])
def test_fields_match_what_a_person_reads(case):
    line = (REAL / case["file"]).read_bytes().split(b"\n")[case["line_no"] - 1].decode("utf-8", "surrogateescape")
    doc = ki.parse_line(line, year=2020, strict=True)
    got = flat(doc)
    fmt = got["kafkainsight.format"]
    want_fmt = case["format"]
    assert fmt == want_fmt or {fmt, want_fmt} == {"apache_common", "apache_combined"} and False, (fmt, want_fmt)
    for key, want in case["fields"].items():
        if key == "@timestamp_utc":
            assert utc(got["@timestamp"], want.startswith("--")) == want, (got["@timestamp"], want)
        else:
            assert got.get(key) == want, (key, got.get(key), want, line)
