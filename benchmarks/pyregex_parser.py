"""Pure-Python regex log parser: the baseline the C++ core is benchmarked against.

Standard library only (re, json, datetime).  Written the way a competent Python
developer would write a fast line parser: every regex is compiled once at import
time, timestamps are decoded by slicing instead of ``strptime``, attribute and
global look-ups are hoisted out of the hot loop in :func:`run`.

Supported formats (auto-detected per line):

* ``apache_combined`` / ``apache_common`` -- NCSA access logs (Apache, nginx)
* ``apache_error``   -- Apache 2.2 ``[date] [level] [client ip] msg`` and
  Apache 2.4 ``[date] [module:level] [pid N:tid N] [client ip:port] msg``
* ``rfc3164``        -- BSD syslog, with or without ``<PRI>``
* ``rfc5424``        -- IETF syslog, incl. structured data
* ``json``           -- flog's ``-f json`` access-log lines

Output is a nested dict using Elastic Common Schema field names, e.g.
``{"@timestamp": ..., "source": {"ip": ...}, "http": {"request": {...}}}``.
Timestamps are normalised to UTC ISO 8601 with a trailing ``Z``; fractional
seconds are kept with the digits written in the log.  Apache error log and
RFC 3164 times carry no zone and are taken as UTC; RFC 3164 has no year, so
:data:`DEFAULT_YEAR` (the current year at import) is used.
"""

import json
import re
from datetime import datetime, timedelta, timezone

__all__ = ["parse_line", "encode", "run", "DEFAULT_YEAR"]

DEFAULT_YEAR = datetime.now(timezone.utc).year

_MONTHS = {
    "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
    "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}

_SEVERITY = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")

_UTC = timezone.utc

# --------------------------------------------------------------------------- #
# Compiled expressions
# --------------------------------------------------------------------------- #

# A double-quoted Apache field: backslash escapes (\" \\ \xNN) are allowed inside.
_QS = r'"((?:[^"\\]|\\.)*)"'

_RE_COMBINED = re.compile(
    r"^(\S+) (\S+) (\S+) \[([^\]]+)\] " + _QS + r" (\d{3}|-) (\d+|-) " + _QS + " " + _QS + r"\s*$"
)
_RE_COMMON = re.compile(
    r"^(\S+) (\S+) (\S+) \[([^\]]+)\] " + _QS + r" (\d{3}|-) (\d+|-)\s*$"
)
_RE_ESCAPE = re.compile(r'\\(["\\])')

# [Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] rest
_RE_APACHE_ERROR = re.compile(
    r"^\[([A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)? \d{4})\] "
    r"\[(?:([^:\]\s]*):)?([A-Za-z]+\d*)\]"
    r"(?: \[pid (\d+)(?::tid (\d+))?\])?"
    r"(.*)$",
    re.S,
)
# " [client 1.2.3.4:5678] msg", optionally preceded by "file.c(123): " or "(70008)Text: "
_RE_CLIENT = re.compile(
    r"^ (?:([^\[]*?) )?\[client (\[[0-9A-Fa-f:.]+\](?::\d+)?|[^\]\s]+)\] ?(.*)$", re.S
)

# <PRI>Mmm dd hh:mm:ss[.fff] rest
_RE_3164 = re.compile(
    r"^(?:<(\d{1,3})>)?([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)(\.\d+)? (.*)$", re.S
)
# TAG[PID]: MSG -- a tag has no blanks unless it is directly followed by [pid]
_RE_TAG = re.compile(r"^([^\[\]:\s]+|[^\[\]:]{1,48}?(?=\[\d+\]))(?:\[(\d+)\])?: ?(.*)$", re.S)

# <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]
_RE_5424 = re.compile(
    r"^<(\d{1,3})>(\d{1,3}) (\S+) (\S+) (\S+) (\S+) (\S+) "
    r"(-|(?:\[(?:[^\]\"\\]|\\.|\"(?:[^\"\\]|\\.)*\")*\])+)"
    r"(?: (.*))?$",
    re.S,
)
_RE_SD_ELEMENT = re.compile(r"\[([^\s\]=\"]+)((?:\s+[^\s=\]\"]+=\"(?:[^\"\\]|\\.)*\")*)\s*\]")
_RE_SD_PARAM = re.compile(r"([^\s=\]\"]+)=\"((?:[^\"\\]|\\.)*)\"")
_RE_SD_UNESCAPE = re.compile(r'\\(["\\\]])')

# 2003-08-24T05:14:15.000003-07:00
_RE_ISO = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)$"
)


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #

def _unescape(s):
    """Apache quoted field: \\" -> " and \\\\ -> \\ (\\xNN is left as written)."""
    if "\\" in s:
        return _RE_ESCAPE.sub(r"\1", s)
    return s


def _iso(dt, frac=""):
    return "%04d-%02d-%02dT%02d:%02d:%02d%sZ" % (
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, frac)


def _apache_time(s):
    """'26/Dec/2016:16:16:28 +0200' -> '2016-12-26T14:16:28Z'."""
    try:
        dt = datetime(int(s[7:11]), _MONTHS[s[3:6]], int(s[0:2]),
                      int(s[12:14]), int(s[15:17]), int(s[18:20]))
        tz = s[21:]
        if tz and tz != "+0000":
            off = timedelta(hours=int(tz[1:3]), minutes=int(tz[3:5]))
            dt = dt - off if tz[0] == "+" else dt + off
        return _iso(dt)
    except (KeyError, ValueError, IndexError):
        return None


def _iso_time(s):
    """RFC 3339 / RFC 5424 timestamp -> UTC ISO 8601, fraction digits preserved."""
    m = _RE_ISO.match(s)
    if m is None:
        return None
    y, mo, d, h, mi, sec, frac, tz = m.groups()
    sec = int(sec)
    if sec == 60:  # leap second: datetime cannot represent it
        sec = 59
    try:
        dt = datetime(int(y), int(mo), int(d), int(h), int(mi), sec)
    except ValueError:
        return None
    if tz != "Z":
        off = timedelta(hours=int(tz[1:3]), minutes=int(tz[-2:]))
        dt = dt - off if tz[0] == "+" else dt + off
    return _iso(dt, frac or "")


def _split_request(req, http, url_holder):
    """'GET /x HTTP/1.1' -> method/url/version into the http and url dicts."""
    parts = req.split(" ")
    n = len(parts)
    if n >= 3 and parts[-1].startswith("HTTP/"):
        http["request"]["method"] = parts[0]
        url_holder["original"] = " ".join(parts[1:-1])
        http["version"] = parts[-1][5:]
    elif n == 2 and parts[0].isupper():  # HTTP/0.9 style "GET /"
        http["request"]["method"] = parts[0]
        url_holder["original"] = parts[1]


# --------------------------------------------------------------------------- #
# Per-format parsers
# --------------------------------------------------------------------------- #

def _access(m, combined):
    g = m.groups()
    request = {}
    http = {"request": request}
    doc = {"@timestamp": _apache_time(g[3]), "source": {"ip": g[0]}, "http": http}
    if g[2] != "-":
        doc["user"] = {"name": g[2]}
    req = g[4]
    if req and req != "-":
        req = _unescape(req)
        url = {}
        _split_request(req, http, url)
        if url:
            doc["url"] = url
    response = {}
    if g[5] != "-":
        response["status_code"] = int(g[5])
    if g[6] != "-":
        response["body"] = {"bytes": int(g[6])}
    if response:
        http["response"] = response
    if combined:
        request["referrer"] = _unescape(g[7])
        doc["user_agent"] = {"original": _unescape(g[8])}
        doc["event"] = {"dataset": "apache_combined"}
    else:
        doc["event"] = {"dataset": "apache_common"}
    if not request:
        del http["request"]
    return doc


def _split_client(client, is24):
    """Return (ip, port|None) from the text inside [client ...]."""
    if client[0] == "[":  # [v6]:port
        end = client.find("]")
        ip = client[1:end]
        rest = client[end + 1:]
        return ip, (int(rest[1:]) if rest[1:].isdigit() else None)
    colons = client.count(":")
    if colons == 0:
        return client, None
    if colons == 1:
        ip, _, port = client.partition(":")
        return ip, (int(port) if port.isdigit() else None)
    # IPv6 without brackets: Apache 2.4 appends ":port", Apache 2.2 never does
    if is24:
        ip, _, port = client.rpartition(":")
        if ip and port.isdigit() and len(port) <= 5:
            return ip, int(port)
    return client, None


def _apache_error(m):
    ts, module, level, pid, tid, rest = m.groups()
    p = ts.split()
    frac = ""
    hms = p[3]
    if "." in hms:
        hms, _, f = hms.partition(".")
        frac = "." + f
    try:
        dt = datetime(int(p[4]), _MONTHS[p[1]], int(p[2]),
                      int(hms[0:2]), int(hms[3:5]), int(hms[6:8]))
        stamp = _iso(dt, frac)
    except (KeyError, ValueError):
        stamp = None
    doc = {"@timestamp": stamp, "log": {"level": level},
           "event": {"dataset": "apache_error"}}
    if module:
        doc["apache"] = {"error": {"module": module}}
    if pid is not None:
        proc = {"pid": int(pid)}
        if tid is not None:
            proc["thread"] = {"id": int(tid)}
        doc["process"] = proc
    is24 = pid is not None or module is not None or bool(frac)
    cm = _RE_CLIENT.match(rest) if "[client " in rest else None
    if cm is not None:
        ip, port = _split_client(cm.group(2), is24)
        src = {"ip": ip}
        if port is not None:
            src["port"] = port
        doc["source"] = src
        doc["message"] = cm.group(3)
    else:
        doc["message"] = rest[1:] if rest[:1] == " " else rest
    return doc


def _syslog_pri(doc, pri):
    pri = int(pri)
    sev = pri & 7
    doc["log"] = {
        "level": _SEVERITY[sev],
        "syslog": {"priority": pri, "facility": {"code": pri >> 3},
                   "severity": {"code": sev}},
    }


def _rfc3164(m):
    pri, mon, day, hh, mi, ss, frac, rest = m.groups()
    try:
        dt = datetime(DEFAULT_YEAR, _MONTHS[mon], int(day), int(hh), int(mi), int(ss))
        stamp = _iso(dt, frac or "")
    except (KeyError, ValueError):
        stamp = None
    doc = {"@timestamp": stamp, "event": {"dataset": "rfc3164"}}
    if pri is not None:
        _syslog_pri(doc, pri)
    tok, _, after = rest.partition(" ")
    if tok.endswith(":") or not after:
        body = rest            # no HOSTNAME: "Jan 11 22:33:44 su: msg"
    else:
        doc["host"] = {"hostname": tok}
        body = after
    tm = _RE_TAG.match(body)
    if tm is not None:
        tag, pid, msg = tm.groups()
        proc = {"name": tag.strip()}
        if pid is not None:
            proc["pid"] = int(pid)
        doc["process"] = proc
        doc["message"] = msg
    else:
        doc["message"] = body
    return doc


def _rfc5424(m):
    pri, version, ts, host, app, procid, msgid, sd, msg = m.groups()
    doc = {"event": {"dataset": "rfc5424"}}
    if ts != "-":
        doc["@timestamp"] = _iso_time(ts)
    _syslog_pri(doc, pri)
    doc["log"]["syslog"]["version"] = version
    if host != "-":
        doc["host"] = {"hostname": host}
    if app != "-" or procid != "-":
        proc = {}
        if app != "-":
            proc["name"] = app
        if procid != "-":
            if procid.isdigit():
                proc["pid"] = int(procid)
            else:
                doc["log"]["syslog"]["procid"] = procid
        if proc:
            doc["process"] = proc
    if msgid != "-":
        doc["log"]["syslog"]["msgid"] = msgid
    if sd != "-":
        data = {}
        for em in _RE_SD_ELEMENT.finditer(sd):
            params = data.setdefault(em.group(1), {})
            for pm in _RE_SD_PARAM.finditer(em.group(2)):
                v = pm.group(2)
                params[pm.group(1)] = _RE_SD_UNESCAPE.sub(r"\1", v) if "\\" in v else v
        doc["log"]["syslog"]["structured_data"] = data
    if msg:
        if msg[0] == "\ufeff":
            msg = msg[1:]
        doc["message"] = msg
    return doc


def _flog_json(line):
    try:
        o = json.loads(line)
    except ValueError:
        return None
    if not isinstance(o, dict) or "host" not in o:
        return None
    request = {"method": o.get("method")}
    http = {"request": request}
    doc = {"@timestamp": _apache_time(o.get("datetime", "")),
           "source": {"ip": o["host"]}, "http": http,
           "event": {"dataset": "json"}}
    user = o.get("user-identifier")
    if user and user != "-":
        doc["user"] = {"name": user}
    if "request" in o:
        doc["url"] = {"original": o["request"]}
    proto = o.get("protocol")
    if proto:
        http["version"] = proto[5:] if proto.startswith("HTTP/") else proto
    response = {}
    if "status" in o:
        response["status_code"] = o["status"]
    if "bytes" in o:
        response["body"] = {"bytes": o["bytes"]}
    if response:
        http["response"] = response
    if "referer" in o:
        request["referrer"] = o["referer"]
    return doc


# --------------------------------------------------------------------------- #
# Public API
# --------------------------------------------------------------------------- #

def parse_line(line):
    """Detect the format of one log line and return an ECS dict, or None."""
    line = line.rstrip("\r\n")
    if not line:
        return None
    c = line[0]
    if c == "{":
        return _flog_json(line)
    if c == "<":
        m = _RE_5424.match(line)
        if m is not None:
            return _rfc5424(m)
        m = _RE_3164.match(line)
        return _rfc3164(m) if m is not None else None
    if c == "[":
        m = _RE_APACHE_ERROR.match(line)
        return _apache_error(m) if m is not None else None
    if line[:3] in _MONTHS and line[3:4] == " ":
        m = _RE_3164.match(line)
        if m is not None:
            return _rfc3164(m)
    m = _RE_COMBINED.match(line)
    if m is not None:
        return _access(m, True)
    m = _RE_COMMON.match(line)
    if m is not None:
        return _access(m, False)
    return None


def encode(doc):
    """Serialise one ECS document."""
    return json.dumps(doc)


def run(path):
    """Parse every line of ``path`` and encode every parsed document.

    Returns ``(lines, parsed)``: the number of lines read and the number that
    were recognised (and therefore encoded).
    """
    lines = parsed = 0
    parse = parse_line
    dumps = json.dumps
    with open(path, "r", encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            lines += 1
            doc = parse(line)
            if doc is not None:
                dumps(doc)
                parsed += 1
    return lines, parsed


if __name__ == "__main__":  # pragma: no cover - manual use
    import sys
    import time

    for p in sys.argv[1:]:
        t0 = time.perf_counter()
        n, ok = run(p)
        dt = time.perf_counter() - t0
        print("%s: %d lines, %d parsed, %.3f s, %.0f lines/s" % (p, n, ok, dt, n / dt if dt else 0))
