"""GENERICLOG, the last recipe: a line that starts with a date and time in ISO 8601 order and that
no layout reads gives the time, a level when one follows it, and the rest as the message.

Checked on lnav's "generic" test files (tests/data/real/generic/PROVENANCE.md): what lnav's own
tests state of them, the time to the nanosecond, the level and the message as written.
"""
from __future__ import annotations

from pathlib import Path

import kafkainsight as ki

DATA = Path(__file__).parent / "data" / "real" / "generic"


def _docs(name, **kw):
    res = ki.read_logs(str(DATA / name), threads=1, **kw)
    return res, res.records


def test_time_level_message():
    res, docs = _docs("lnav_logfile_generic.log")
    assert res.stats["failed"] == 0
    assert [(d["@timestamp"], d["log"]["level"], d["message"]) for d in docs] == [
        ("2012-07-02T10:22:40.672Z", "DEBUG", "foo bar baz"),
        ("2014-10-08T16:56:38.344Z", "WARN", "foo bar baz")]
    assert {d["kafkainsight"]["recipe"] for d in docs} == {"GENERICLOG"}
    # the same lines with CRLF ends read the same
    assert [d["message"] for d in _docs("lnav_logfile_crlf.log")[1]] == ["foo bar baz"] * 2


def test_nanoseconds_and_no_level():
    _, docs = _docs("lnav_logfile_generic_nanos.log")
    assert [d["@timestamp"] for d in docs] == ["2025-01-01T00:00:00.123456789Z", "2025-01-01T01:00:00.987654321Z"]
    assert [d["message"] for d in docs] == ["nano first", "nano second"]
    _, docs = _docs("lnav_logfile_epoch.log")
    assert [d["message"] for d in docs] == ["Hello, World!", "Goodbye, World!"]
    assert all("log" not in d for d in docs)
    assert _docs("lnav_logfile_epoch.log", tz="+02:00")[1][0]["@timestamp"] == "2015-04-09T19:58:07.123000+02:00"


def test_a_line_under_an_event_is_named_and_joins_with_the_advice():
    res, docs = _docs("lnav_logfile_multiline.log")
    assert len(docs) == 2 and len(res.failed) == 1
    reason = res.failed[0]["reason"]
    assert "continuation" in reason
    res, docs = _docs("lnav_logfile_multiline.log", multiline_start=r"^\d{4}-\d\d-\d\d")
    assert res.stats["failed"] == 0 and len(docs) == 2
    assert docs[0]["message"] == "Hello, World!" and docs[0]["error"]["stack_trace"] == "  How are you today?"
    assert docs[1]["log"]["level"] == "ERROR"


def test_mysql_general_log_body_lines():
    # MySQL's general query log: the server's three start-up lines (empty lines, as in its slow
    # query log), then time, thread, command
    lines = (DATA / "lnav_logfile_mysql_gen.log").read_text().splitlines()
    res, docs = _docs("lnav_logfile_mysql_gen.log")
    assert res.stats["empty"] == 3 and not res.failed and len(docs) == len(lines) - 3
    assert docs[0]["@timestamp"] == "2025-08-15T14:03:50.259438Z"
    assert docs[0]["message"] == "9 Query\tset global log_output = 'FILE'"
