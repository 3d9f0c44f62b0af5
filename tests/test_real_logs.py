"""Real logs written by real servers (tests/data/real, sources in PROVENANCE.md) and the values
a person read off them by hand (expected.json): not our generator, not our own fixtures."""
import csv
import datetime as dt
import json
import pathlib
import re

import pytest

import kafkainsight as ki

REAL = pathlib.Path(__file__).parent / "data" / "real"
EXPECTED = json.loads((REAL / "expected.json").read_text())
# A line that is not valid RFC 5424 (leap second, missing header field): must be reported.
KNOWN_BAD = {("syslog_rfc5424.log", 10),
             # Splunk Connect for Syslog's odd cases: "1 2: %…" and "101 21: %…" are neither a sequence
             # number nor a time.
             ("cisco_ios.log", 11), ("cisco_ios.log", 12)}


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


@pytest.mark.parametrize("name", ["apache_access.log", "apache_error.log", "nginx_error.log", "syslog_rfc3164.log",
                                  "syslog_rfc5424.log", "cisco_ios.log", "apache_ssl_request.log", "klog.log",
                                  "kubelet_syslog.log"])
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


def test_nginx_error_log_needs_no_pattern_and_matches_filebeats_expectation():
    # Filebeat's nginx error module test file; its error.log-expected.json was made with the
    # zone -02:00 and event 3's three lines joined.
    want = [("2016-10-25T14:49:34-02:00", 1, 54053, 0), ("2016-10-25T14:50:44-02:00", 3, 54053, 0),
            ("2019-10-30T23:26:34-02:00", 180289, 205860, 205860), ("2019-11-05T14:50:44-02:00", 3, 54053, 0)]
    raw = (REAL / "nginx_error_multiline.log").read_text().splitlines()
    r = ki.read_logs(REAL / "nginx_error_multiline.log", tz="-02:00",
                     multiline_start=r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ")
    assert r.stats["lines"] == 6 and r.stats["parsed"] == 4 and r.stats["joined"] == 2
    assert r.stats["by_format"] == {"nginx_error": 4}
    for doc, (ts, cid, pid, tid) in zip(r.records, want):
        d = flat(doc)
        assert dt.datetime.fromisoformat(d["@timestamp"]) == dt.datetime.fromisoformat(ts)
        assert (d["log.level"], d["nginx.error.connection_id"], d["process.pid"], d["process.thread.id"]) == \
            ("error", cid, pid, tid)
    assert r.records[2]["message"] == "\n".join([raw[2].split("*180289 ", 1)[1], raw[3], raw[4]])
    # What Filebeat leaves in the message is read out of it too.
    first = flat(r.records[0])
    assert (first["source.ip"], first["url.original"], first["url.domain"], first["url.port"]) == \
        ("127.0.0.1", "/favicon.ico", "localhost", 8080)
    assert first["http.request.referrer"] == "http://localhost:8080/"
    # Event 3 (PHP warnings, cut off by Filebeat's test file) holds no request context: no field is
    # made up from it.
    assert not {"source.ip", "url.original", "destination.domain"} & set(flat(r.records[2]))
    table = r.to_pandas()
    assert str(table["nginx.error.connection_id"].dtype) == "Int64" and list(table["log.level"]) == ["error"] * 4


def test_a_line_unlike_the_lines_before_it_says_how_to_join_it_and_the_advice_works():
    # The same file read with no options: the PHP lines nginx wrote under its event 3 are named as
    # unlike the nginx_error lines before them, with the --multiline-start that joins them;
    # following that advice reads all six lines as the four events above.
    r = ki.read_logs(REAL / "nginx_error_multiline.log", tz="-02:00")
    assert r.stats["parsed"] == 4 and [f["line_no"] for f in r.failed] == [4, 5]
    reason = r.failed[0]["reason"]
    assert "unlike the ones before it in this input (nginx_error)" in reason, reason
    regex = re.search(r"--multiline-start '([^']+)'", reason).group(1)
    joined = ki.read_logs(REAL / "nginx_error_multiline.log", tz="-02:00", multiline_start=regex)
    assert (joined.stats["parsed"], joined.stats["joined"], len(joined.failed)) == (4, 2, 0)
    # A MySQL error log (a recipe's lines, ISO times first) and its "Version: …" line, the same way.
    lines = (REAL / "filebeat" / "mysql-darwin-brew-5.7.10.log").read_text().splitlines()
    assert any(line.startswith("Version: ") for line in lines)
    r = ki.read_logs(REAL / "filebeat" / "mysql-darwin-brew-5.7.10.log")
    version = [f for f in r.failed if f["line"].startswith("Version: ")]
    assert version and "(MYSQLERRORLOG)" in version[0]["reason"], version
    regex = re.search(r"--multiline-start '([^']+)'", version[0]["reason"]).group(1)
    joined = ki.read_logs(REAL / "filebeat" / "mysql-darwin-brew-5.7.10.log", multiline_start=regex)
    assert not joined.failed and joined.stats["parsed"] + joined.stats["joined"] == len([x for x in lines if x.strip()])


def test_lines_in_terminal_colours_read_as_the_same_lines_without_them(tmp_path):
    # lnav's test file: every field of these syslog lines wrapped in ANSI colour codes. Read as is,
    # each gives the document the same line without its codes gives (removed here by a regular
    # expression of the test's own); the codes reach no value.
    raw = (REAL / "syslog_ansi.log").read_bytes()
    assert raw.count(b"\x1b[") > 100
    plain = tmp_path / "plain.log"
    plain.write_bytes(re.sub(rb"\x1b\[[0-?]*[ -/]*[@-~]", b"", raw))
    got, want = ki.read_logs(REAL / "syslog_ansi.log", year=2021), ki.read_logs(plain, year=2021)
    assert (got.stats["parsed"], got.stats["failed"]) == (10, 0)
    assert got.records == want.records
    assert {d["process"]["name"] for d in got.records} == {"AMPDeviceDiscoveryAgent", "MobileDeviceUpdater"}
    assert not any("\x1b" in json.dumps(d, ensure_ascii=False) for d in got.records)
    # A line that reads as written keeps its escapes: one in a user agent is the client's, evidence.
    ua = '1.2.3.4 - - [22/Apr/2018:09:30:00 +0000] "GET / HTTP/1.1" 200 1 "-" "\x1b[31mevil\x1b[0m"'
    (doc,) = ki.read_logs([ua]).records
    assert doc["user_agent"]["original"] == "\x1b[31mevil\x1b[0m"


# loghub's OpenSSH templates -> (outcome, which <*> is the user, which the address, which the port)
SSHD = {
    "Failed password for <*> from <*> port <*> ssh2": ("failure", 0, 1, 2),
    "Failed password for invalid user <*> from <*> port <*> ssh2": ("failure", 0, 1, 2),
    "Accepted password for <*> from <*> port <*> ssh2": ("success", 0, 1, 2),
    "Invalid user <*> from <*>": ("failure", 0, 1, None),
    "pam_unix(sshd:auth): authentication failure; logname= uid=<*> euid=<*> tty=ssh ruser= rhost=<*> user=<*>":
        ("failure", 3, 2, None),
    "pam_unix(sshd:auth): authentication failure; logname= uid=<*> euid=<*> tty=ssh ruser= rhost=<*>":
        ("failure", None, 2, None),
    "Did not receive identification string from <*>": (None, None, 0, None),
    # the client of a disconnect (no outcome: not a refusal), the user of sshd's last word on a brute force
    "Received disconnect from <*>: <*>: Bye Bye [preauth]": (None, None, 0, None),
    "Received disconnect from <*>: <*>: Closed due to user request. [preauth]": (None, None, 0, None),
    "error: Received disconnect from <*>: <*>: No more user authentication methods available. [preauth]":
        (None, None, 0, None),
    "Connection closed by <*> [preauth]": (None, None, 0, None),
    "Disconnecting: Too many authentication failures for root [preauth]": ("failure", "root", None, None),
    "Disconnecting: Too many authentication failures for admin [preauth]": ("failure", "admin", None, None),
}


def test_sshd_logins_match_loghubs_templates():
    # loghub's OpenSSH sample (every 10th line, and its Accepted / "Did not receive" lines) and its
    # structured CSV: the values the template's <*> stand for are the user, address and port.
    r = ki.read_logs(REAL / "loghub" / "OpenSSH.log", year=2016)
    with open(REAL / "loghub" / "OpenSSH_structured.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert r.stats["parsed"] == len(rows) == 208 and not r.failed
    seen = set()
    for doc, row in zip(r.records, rows):
        d = flat(doc)
        # (loghub drops a line's trailing blanks; we keep them)
        assert d["process.name"] == "sshd" and d["message"].rstrip(" ") == row["Content"], row["LineId"]
        want = SSHD.get(row["EventTemplate"])
        if want is None:  # other sshd lines: their message only
            assert "event.outcome" not in d and "user.name" not in d, row["LineId"]
            continue
        seen.add(row["EventTemplate"])
        # (loghub's templates have one blank where PAM writes two: "rhost=…  user=")
        pattern = "^" + re.escape(row["EventTemplate"]).replace(re.escape("<*>"), "(.*?)").replace(r"\ ", " +") + "$"
        params = re.match(pattern, row["Content"]).groups()
        outcome, user, addr, port = want
        assert d.get("event.outcome") == outcome, row["LineId"]
        assert d.get("user.name") == (user if isinstance(user, str) else params[user] if user is not None else None), \
            row["LineId"]
        assert d.get("source.ip", d.get("source.domain")) == (params[addr] if addr is not None else None), row["LineId"]
        assert d.get("source.port") == (int(params[port]) if port is not None else None), row["LineId"]
    assert seen == set(SSHD)
    failed = [d for d in r.records if d.get("event", {}).get("outcome") == "failure"]
    want_failed = sum(1 for row in rows if SSHD.get(row["EventTemplate"], (None,))[0] == "failure")
    assert len(failed) == want_failed == 117 and all(d["event"]["action"] == "ssh_login" for d in failed)


def test_macos_syslog_messages_on_indented_lines_join_with_the_java_preset():
    # Filebeat's darwin-syslog-sample.log: an event over 19 lines (a tab-indented object dump),
    # another on one line, and syslogd's "--- last message repeated 1 time ---" (no host).
    raw = (REAL / "syslog_darwin_multiline.log").read_text().splitlines()
    r = ki.read_logs(REAL / "syslog_darwin_multiline.log", year=2016, multiline="java")
    assert (r.stats["lines"], r.stats["parsed"], r.stats["failed"], r.stats["joined"]) == (21, 3, 0, 18)
    first, second, repeat = r.records
    assert first["message"].split("\n")[0] == raw[0].split("GoogleSoftwareUpdateAgent[21412]: ", 1)[1]
    assert first["message"].split("\n")[1:] == raw[1:19]
    assert first["process"] == {"name": "GoogleSoftwareUpdateAgent", "pid": 21412}
    assert second["host"]["hostname"] == "a-mac-with-esc-key" and "\n" not in second["message"]
    assert repeat["message"] == "--- last message repeated 1 time ---" and "host" not in repeat
    assert r.line_numbers == [1, 20, 21]
