"""MySQL's, MariaDB's and Percona Server's slow query logs read with --multiline mysql: one
document a query, checked on Filebeat's mysql/slowlog test files (tests/data/real/filebeat)
against the fields of their expected JSON."""
from __future__ import annotations

from datetime import datetime

from kafkainsight import read_logs
from tests.test_real_logs import REAL, flat

FB = REAL / "filebeat"
S = "mysql.slowlog."
Q1 = ("SELECT last_name, MAX(salary) AS salary FROM employees INNER JOIN salaries ON employees.emp_no = "
      "salaries.emp_no GROUP BY last_name ORDER BY salary DESC LIMIT 10;")
Q2 = ("SELECT last_name, MAX(salary) AS salary FROM employees\n    INNER JOIN salaries ON employees.emp_no = "
      "salaries.emp_no\n    GROUP BY last_name\n    ORDER BY salary DESC\n    LIMIT 10;")
PERCONA = {S + "filesort": False, S + "filesort_on_disk": False, S + "full_join": False, S + "killed": 0,
           S + "last_errno": 0, S + "log_slow_rate_limit": 100, S + "log_slow_rate_type": "query",
           S + "merge_passes": 0, S + "query_cache_hit": False, S + "rows_affected": 0, S + "tmp_disk_tables": "0"}

# Filebeat's expected documents (…-expected.json of each file), less what Filebeat itself adds
# (event.dataset, event.module, fileset.name, input.type, log.flags, log.offset, service.type).
EXPECTED = {
    "mysql-slowlog-ubuntu-8.0.15.log": [
        {"@timestamp": "2019-03-24T14:01:45.000Z", "event.duration": 2475469000, S + "current_user": "root",
         S + "lock_time.sec": 0.000287, S + "query": Q1, S + "rows_examined": 3145718, S + "rows_sent": 10,
         S + "schema": "employees", "mysql.thread_id": 14, "source.domain": "localhost", "user.name": "root"},
        {"@timestamp": "2019-03-24T14:04:51.000Z", "event.duration": 2631844000,
         "event.end": "2019-03-24T14:04:53.713951Z", "event.start": "2019-03-24T14:04:51.082107Z",
         S + "bytes_received": 0, S + "bytes_sent": 312, S + "current_user": "root", S + "killed": 0,
         S + "last_errno": 0, S + "lock_time.sec": 0.000145, S + "query": Q2, S + "read_first": 1,
         S + "read_key": 3144072, S + "read_last": 0, S + "read_next": 2844047, S + "read_prev": 0, S + "read_rnd": 10,
         S + "read_rnd_next": 301663, S + "rows_examined": 3145718, S + "rows_sent": 10, S + "schema": "employees",
         S + "sort_merge_passes": 0, S + "sort_range_count": 0, S + "sort_rows": 10, S + "sort_scan_count": 1,
         S + "tmp_disk_tables": 0, S + "tmp_tables": 1, "mysql.thread_id": "16", "source.domain": "localhost",
         "user.name": "root"},
    ],
    "mysql-slowlog-mariadb-10.3.13.log": [
        {"@timestamp": "2019-03-24T16:03:00.000Z", "event.duration": 2461578000, S + "bytes_sent": 319,
         S + "current_user": "root", S + "filesort": True, S + "filesort_on_disk": False, S + "full_join": False,
         S + "full_scan": True, S + "lock_time.sec": 0.000196, S + "merge_passes": 0, S + "priority_queue": True,
         S + "query": Q2, S + "query_cache_hit": False, S + "rows_affected": 0, S + "rows_examined": 3145718,
         S + "rows_sent": 10, S + "schema": "employees", S + "tmp_disk_tables": "0", S + "tmp_table": True,
         S + "tmp_table_on_disk": False, S + "tmp_table_sizes": 4026528, S + "tmp_tables": 1,
         "mysql.thread_id": "37", "source.domain": "localhost", "user.name": "root"},
    ],
    "mysql-slowlog-percona-ubuntu-5.7.19.log": [
        {**PERCONA, "@timestamp": "2018-11-16T06:25:56.000Z", "event.duration": 10569000, S + "bytes_sent": 180,
         S + "current_user": "check", S + "full_scan": True, S + "lock_time.sec": 6.7e-05,
         S + "query": "SHOW GLOBAL STATUS LIKE 'wsrep_local_state';", S + "rows_examined": 928, S + "rows_sent": 1,
         S + "tmp_table": True, S + "tmp_table_on_disk": False, S + "tmp_table_sizes": 0, S + "tmp_tables": 1,
         "mysql.thread_id": 1098148226, "source.domain": "localhost", "user.name": "check"},
        {**PERCONA, "@timestamp": "2018-11-16T13:02:59.000Z", "event.duration": 36112000, S + "bytes_sent": 529,
         S + "current_user": "select", S + "full_scan": False, S + "innodb.io_r_bytes": 0, S + "innodb.io_r_ops": 0,
         S + "innodb.io_r_wait.sec": 0.0, S + "innodb.pages_distinct": 3, S + "innodb.queue_wait.sec": 0.0,
         S + "innodb.rec_lock_wait.sec": 0.0, S + "lock_time.sec": 0.000165,
         S + "query": "select config.id as id, config.active as active from config where config.id='123456';",
         S + "rows_examined": 1, S + "rows_sent": 1, S + "schema": "database", S + "tmp_table": False,
         S + "tmp_table_on_disk": False, S + "tmp_table_sizes": 0, S + "tmp_tables": 0, "mysql.thread_id": 1101779094,
         "source.ip": "192.168.123.123", "user.name": "select"},
    ],
}


def _norm(d: dict) -> dict:
    d = dict(d)
    d.pop("kafkainsight.format", None)
    d["@timestamp"] = datetime.fromisoformat(d["@timestamp"].replace("Z", "+00:00"))
    # Filebeat writes some counts as text ("0", thread "16"), this reader every count as a number
    return {k: (str(v) if isinstance(v, (int, str)) and not isinstance(v, bool) else v) for k, v in d.items()}


def test_slow_query_logs_give_the_documents_filebeat_expects():
    for name, expected in EXPECTED.items():
        r = read_logs(FB / name, multiline="mysql")
        assert not r.failed, (name, r.failed[:1])
        got = [flat(d) for d in r.records]
        assert {d["kafkainsight.format"] for d in got} == {"mysql_slow"}
        for g, w in zip(got, expected):
            assert _norm(g) == _norm(w), name


def test_every_line_is_accounted_for():
    # MySQL 5.5: "# Time:" only when the second changes; the server's start-up lines are no events
    path = FB / "mysql-slowlog-ubuntu-5.5.53.log"
    r = read_logs(path, multiline="mysql")
    lines = path.read_text().splitlines()
    assert not r.failed and r.stats["lines"] == len(lines) and r.stats["empty"] == 3
    assert len(r.records) == sum(l.startswith("# User@Host: ") for l in lines) == 14
    first = flat(r.records[0])
    assert first["@timestamp"] == "2016-12-09T14:37:59Z"  # SET timestamp=1481294279
    assert first[S + "query"] == "SELECT count(*) FROM mysql.user WHERE user='root' and password='';"
    assert first["user.name"] == "debian-sys-maint"
    assert r.line_numbers[:2] == [4, 9]  # each event by its first line


def test_without_the_preset_each_line_is_reported_with_the_advice():
    r = read_logs(FB / "mysql-slowlog-ubuntu-8.0.15.log")
    assert not r.records and r.stats["empty"] == 3
    by_line = {f["line"].split(":")[0]: f["reason"] for f in r.failed}
    assert by_line["# Time"].startswith("a line of a MySQL slow query log's event: join each query's lines "
                                        "with --multiline mysql")
