"""UTF-16 log files (SQL Server's ERRORLOG, Windows PowerShell's `>` and Out-File, .NET's
Encoding.Unicode): decoded to UTF-8 as they are read, with or without a byte-order mark, either
byte order; the documents are those of the same text in UTF-8.

Written at test time by others: CPython's logging (a FileHandler with encoding="utf-16") and
glibc's iconv converting a committed real log.
"""
from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest

import kafkainsight as ki

REAL = Path(__file__).parent / "data" / "real"


def _docs(path, **kw):
    res = ki.read_logs(str(path), **kw)
    docs = [{k: v for k, v in d.items() if k != "event" or "ingested" not in v} for d in res.records]
    return res, docs


def _python_log(utf8: Path, utf16: Path) -> None:
    """One logger, two files: each record written to both, in UTF-8 and in UTF-16 (CPython's
    "utf-16" codec: a byte-order mark, then little-endian)."""
    log = logging.getLogger("shop.payments")
    log.propagate = False
    log.setLevel(logging.INFO)
    handlers = [logging.FileHandler(utf8, encoding="utf-8"), logging.FileHandler(utf16, encoding="utf-16")]
    for h in handlers:
        h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(h)
    try:
        for i in range(200):
            log.info("order %d paid by Zoë in 東京 🎉", i)
            if i % 50 == 0:
                log.error("card declined for order %d", i)
    finally:
        for h in handlers:
            h.close()
            log.removeHandler(h)


def test_cpython_logging_in_utf16_reads_as_in_utf8(tmp_path):
    _python_log(tmp_path / "utf8.log", tmp_path / "utf16.log")
    assert (tmp_path / "utf16.log").read_bytes()[:2] == b"\xff\xfe"
    a, docs8 = _docs(tmp_path / "utf8.log", threads=1)
    b, docs16 = _docs(tmp_path / "utf16.log", threads=1)
    assert a.stats["failed"] == b.stats["failed"] == 0 and len(docs16) == 204
    assert docs16 == docs8
    assert docs16[0]["message"] == "order 0 paid by Zoë in 東京 🎉"
    assert docs16[0]["log"] == {"level": "INFO", "logger": "shop.payments"}
    assert docs16[1]["log"]["level"] == "ERROR"


@pytest.mark.parametrize("encoding", ["UTF-16LE", "UTF-16BE", "UTF-16"])
def test_iconv_converted_real_log_gives_the_same_documents(tmp_path, encoding):
    src = REAL / "apache_access.log"
    converted = tmp_path / f"access.{encoding}.log"
    # iconv's UTF-16LE / UTF-16BE write no byte-order mark; its UTF-16 writes one
    converted.write_bytes(subprocess.run(["iconv", "-f", "UTF-8", "-t", encoding, str(src)], capture_output=True,
                                         check=True).stdout)
    a, want = _docs(src, threads=1)
    b, got = _docs(converted, threads=1)
    assert got == want and b.stats["failed"] == a.stats["failed"]
    assert [f["line"] for f in b.failed] == [f["line"] for f in a.failed]
    # two threads: a UTF-16 file is read whole by one of them (its parts cannot start mid-character)
    big = tmp_path / "big.log"
    big.write_bytes(converted.read_bytes() * 400)
    one = ki.read_logs(str(big), threads=1)
    two = ki.read_logs(str(big), threads=2)
    assert two.stats["parsed"] == one.stats["parsed"] == 400 * a.stats["parsed"]
    assert two.to_arrow().equals(one.to_arrow())


def test_undecoded_utf16_line_says_what_it_is():
    # a line that reached the parser as UTF-16 (a followed file, a stream that did not start with it)
    doc = ki.parse_line("2024-01-01 00:00:00 INFO shop: paid".encode("utf-16-le"))
    assert "UTF-16" in doc["error"]["message"] and "iconv" in doc["error"]["message"]
