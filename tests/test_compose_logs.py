"""`docker compose logs` output: the container's name before ` | `, then its line.

Read against lines nobody here wrote: lnav's test fixtures of real Compose output (plain,
with --timestamps and the terminal's line-clear codes, with lines of another program
mixed in, a Caddy container's JSON) and lines quoted in public READMEs (Compose 2's
`nginx-1  | …`, docker-compose 1.x's `db_1     | …`). tests/data/real/compose/PROVENANCE.md.
"""
from __future__ import annotations

import re
from pathlib import Path

import kafkainsight as ki

DATA = Path(__file__).parent / "data" / "real" / "compose"
# What a reader of the file sees at the start of each line: the name, blanks, the bar.
PREFIX = re.compile(r"^(?:\x1b\[2K)?([A-Za-z0-9][\w.-]*) +\| ?(.*)$")


def _read(name, **kw):
    lines = (DATA / name).read_text().splitlines()
    res = ki.read_logs(str(DATA / name), threads=1, **kw)
    return lines, res


def test_every_line_keeps_its_container_and_its_own_reading():
    lines, res = _read("lnav_logfile_docker_compose.log")
    assert res.stats["failed"] == 0 and len(res.records) == len(lines) == 22
    for line, doc in zip(lines, res.records):
        name, _ = PREFIX.match(line).groups()
        assert doc["container"]["name"] == name
        assert doc["kafkainsight"]["wrapper"] == "compose"
    redis = [d for d in res.records if d["container"]["name"] == "redis-1"]
    # Redis's own lines: read by the Redis recipe, its level and pid, not kept whole as text
    assert {d["kafkainsight"].get("recipe") for d in redis} == {"REDISLOG"}
    assert redis[0]["message"] == "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"
    assert redis[0]["process"]["pid"] == 1 and redis[0]["log"]["level"] == "notice"
    flask = [d for d in res.records if d["container"]["name"] == "web-1"]
    assert flask[0]["message"] == " * Serving Flask app 'app.py'"
    assert flask[0]["kafkainsight"]["format"] == "compose"
    # colour codes of the terminal are gone from what is read
    assert not any("\x1b" in d.get("message", "") for d in res.records)


def test_compose_timestamps_give_the_time_of_lines_without_one():
    lines, res = _read("lnav_logfile_docker_compose_with_ts.log")
    assert res.stats["failed"] == 0 and len(res.records) == 22
    for line, doc in zip(lines, res.records):
        stamp = PREFIX.match(line).group(2).split(" ", 1)[0]
        assert doc["@timestamp"] == stamp, line
        assert "ingested" not in doc.get("event", {})


def test_lines_of_another_program_are_reported_not_taken_for_a_container():
    lines, res = _read("lnav_logfile_docker_compose_with_noise.log")
    assert len(res.records) == sum(1 for l in lines if PREFIX.match(l))
    assert [f["line"] for f in res.failed] == [l for l in lines if not PREFIX.match(l)]
    assert res.stats["parsed"] + res.stats["failed"] == len(lines)


def test_a_containers_json_log_is_read_as_json():
    lines, res = _read("lnav_logfile_caddy_log.log")
    assert res.stats["failed"] == 0 and len(res.records) == len(lines)
    first = res.records[0]
    assert first["container"]["name"] == "caddy"
    assert first["kafkainsight"]["format"] == "app_json"
    assert first["message"] == "maxprocs: Leaving GOMAXPROCS=12: CPU quota undefined"
    assert first["log"]["level"] == "info"
    assert first["@timestamp"].startswith("2025-10-21T04:10:22.315")  # Caddy's "ts": 1761019822.3152757


def test_compose_2_and_docker_compose_1_lines_from_public_readmes():
    lines, res = _read("compose_v2.log")
    assert res.stats["failed"] == 0 and len(res.records) == len(lines)
    by_format = {}
    for line, doc in zip(lines, res.records):
        assert doc["container"]["name"] == PREFIX.match(line).group(1)
        by_format.setdefault(doc["kafkainsight"]["format"], []).append(doc)
    access = by_format["apache_combined"]
    assert [d["http"]["response"]["status_code"] for d in access] == [200, 200, 401, 502, 404]
    assert access[3]["url"]["original"] == "/api/doc-manager/v1/uploadnameandpurpose"
    assert [d["log"]["level"] for d in by_format["nginx_error"]] == ["debug"] * 3
    plain = by_format["compose"]
    assert plain[0]["message"] == "Error: ENOENT: no such file or directory, stat '/usr/src/app/src/adminpanel.html'"
    assert all(d["@timestamp"] == d["event"]["ingested"] for d in plain)  # no time written: the read time
    lines, res = _read("compose_v1.log")
    assert res.stats["failed"] == 0
    assert [d["container"]["name"] for d in res.records[:4]] == ["db_1", "db_1", "db_1", "store_1"]


def test_forced_format_and_columns():
    res = ki.read_logs(str(DATA / "compose_v2.log"), format="compose")
    assert res.stats["failed"] == 0
    table = res.to_arrow()
    assert "container.name" in table.column_names
    assert table.column("container.name").to_pylist()[0] == "nginx-1"
    bad = ki.parse_line("plain text, no container", format="compose")
    assert "docker compose logs" in bad["error"]["message"]
