"""Applications that log JSON through syslog: CPython's SysLogHandler sends JSON messages to a
real syslog-ng, which writes them as BSD syslog and as RFC 5424 lines; reading its files gives the
objects' keys as fields and their level, message and time, the syslog header's host and program
kept."""
from __future__ import annotations

import json
import logging
import logging.handlers
import os
import shutil
import socket
import subprocess
import time

import pytest

import kafkainsight as ki

SYSLOG_NG = shutil.which("syslog-ng") or "/usr/sbin/syslog-ng"
pytestmark = pytest.mark.skipif(not os.path.exists(SYSLOG_NG), reason="syslog-ng not installed (scripts/setup.sh)")


class JsonFormatter(logging.Formatter):
    """What a JSON logging setup writes: one object a record, the program's tag first."""

    converter = time.gmtime  # the "+00:00" written below is true

    def format(self, record):
        obj = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}+00:00",
               "level": record.levelname, "logger": record.name, "msg": record.getMessage()}
        obj.update(getattr(record, "ctx", {}))
        return f"shop[{os.getpid()}]: " + json.dumps(obj)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lines(path, n, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                got = f.read().splitlines()
            if len(got) >= n:
                return got
        time.sleep(0.05)
    raise AssertionError(f"syslog-ng wrote fewer than {n} lines to {path}")


@pytest.fixture
def syslog_ng_files(tmp_path):
    port = _free_udp_port()
    bsd, ietf = tmp_path / "messages", tmp_path / "messages5424"
    conf = tmp_path / "syslog-ng.conf"
    conf.write_text("\n".join([
        "@version: 3.38",
        "options { stats_freq(0); time_zone(\"+00:00\"); };",
        f'source s_net {{ network(transport("udp") ip("127.0.0.1") port({port})); }};',
        f'destination d_bsd {{ file("{bsd}"); }};',
        f'destination d_ietf {{ file("{ietf}" flags(syslog-protocol)); }};',
        "log { source(s_net); destination(d_bsd); destination(d_ietf); };", ""]))
    daemon = subprocess.Popen([SYSLOG_NG, "-F", "-f", str(conf), "-R", str(tmp_path / "persist"),
                               "-p", str(tmp_path / "pid"), "-c", str(tmp_path / "ctl"), "--no-caps"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(0.5)  # the UDP source bound
        assert daemon.poll() is None, daemon.stderr.read().decode()
        yield port, bsd, ietf
    finally:
        daemon.terminate()
        daemon.wait(10)


def test_json_messages_through_a_real_syslog_ng_become_fields(syslog_ng_files):
    port, bsd, ietf = syslog_ng_files
    log = logging.getLogger("shop.payments")
    handler = logging.handlers.SysLogHandler(address=("127.0.0.1", port))
    handler.setFormatter(JsonFormatter())
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        log.info("order paid", extra={"ctx": {"order_id": 7, "amount": 12.5}})
        log.error("card declined", extra={"ctx": {"order_id": 8, "reason": "insufficient funds"}})
    finally:
        log.removeHandler(handler)
        handler.close()
    plain_log = logging.getLogger("shop.plain")
    plain_handler = logging.handlers.SysLogHandler(address=("127.0.0.1", port))
    plain_handler.setFormatter(logging.Formatter("shop[%(process)d]: %(message)s"))
    plain_log.addHandler(plain_handler)
    try:
        plain_log.warning("plain text, {not JSON}")
    finally:
        plain_log.removeHandler(plain_handler)
        plain_handler.close()
    for path, fmt in ((bsd, "rfc3164"), (ietf, "rfc5424")):
        lines = _lines(path, 3)
        r = ki.read_logs(path)
        assert (r.stats["parsed"], r.stats["failed"]) == (3, 0), (r.failed, lines)
        paid, declined, plain = r.records
        for d in r.records:
            assert d["kafkainsight"]["format"] == fmt
            assert d["process"]["name"] == "shop"
            assert d["process"]["pid"] == os.getpid()
        assert paid["message"] == "order paid" and paid["order_id"] == 7 and paid["amount"] == 12.5
        assert paid["log"]["level"] == "INFO" and paid["log"]["logger"] == "shop.payments"
        assert declined["log"]["level"] == "ERROR" and declined["event"]["severity"] == 3
        assert declined["reason"] == "insufficient funds"
        # The object's time, to the millisecond (the syslog header's has whole seconds in BSD syslog).
        assert "." in paid["@timestamp"]
        assert plain["message"] == "plain text, {not JSON}" and "order_id" not in plain
        df = r.to_pandas()
        assert df["order_id"].tolist()[:2] == [7, 8]
