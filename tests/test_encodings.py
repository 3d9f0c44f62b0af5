"""Log files in legacy character sets (--encoding, as Filebeat's `encoding`): Latin-1,
Windows-1252, Shift_JIS, GBK, EUC-KR, KOI8-R, ... decoded to UTF-8 as they are read; the documents
are those of the same text written in UTF-8.

Written at test time by others: CPython's logging (a FileHandler with encoding=...) and a JVM's
java.util.logging (FileHandler.setEncoding), each writing every record to a UTF-8 file too.
"""
from __future__ import annotations

import gzip
import json
import logging
import shutil
import subprocess
import sys

import pytest

import kafkainsight as ki
from kafkainsight.kafka import KafkaConfigError

# Each charset with text it has (and ASCII cannot say).
TEXTS = [
    ("latin1", "Zoë paid 5 £ in Köln, ½ off"),
    ("windows-1252", "Zoë paid 5 € – “thanks”"),
    ("iso-8859-15", "Œuvre à 5 €"),
    ("shift_jis", "東京の注文 5 円 ｱｲｳ"),
    ("gbk", "北京的订单 已付款"),
    ("euc-kr", "서울 주문 결제됨"),
    ("koi8-r", "Москва: заказ оплачен"),
]


def _docs(path, **kw):
    res = ki.read_logs(str(path), **kw)
    docs = [{k: v for k, v in d.items() if k != "event" or "ingested" not in v} for d in res.records]
    return res, docs


def _python_log(utf8, other, encoding: str, text: str) -> None:
    """One logger, two files: each record written to both, in UTF-8 and in `encoding`."""
    log = logging.getLogger(f"shop.{encoding}")
    log.propagate = False
    log.setLevel(logging.INFO)
    handlers = [logging.FileHandler(utf8, encoding="utf-8"), logging.FileHandler(other, encoding=encoding)]
    for h in handlers:
        h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(h)
    try:
        for i in range(100):
            log.info("order %d: %s", i, text)
            if i % 25 == 0:
                log.error("card declined for order %d (%s)", i, text)
    finally:
        for h in handlers:
            h.close()
            log.removeHandler(h)


@pytest.mark.parametrize("encoding,text", TEXTS, ids=[t[0] for t in TEXTS])
def test_cpython_logging_in_a_legacy_charset_reads_as_in_utf8(tmp_path, encoding, text):
    _python_log(tmp_path / "utf8.log", tmp_path / "other.log", encoding, text)
    raw = (tmp_path / "other.log").read_bytes()
    assert text.encode("utf-8") not in raw  # really another charset
    a, docs8 = _docs(tmp_path / "utf8.log", threads=1)
    b, docs = _docs(tmp_path / "other.log", threads=1, encoding=encoding)
    assert a.stats["failed"] == b.stats["failed"] == 0 and len(docs) == 104
    assert docs == docs8
    assert a.stats["not_utf8"] == b.stats["not_utf8"] == 0
    assert docs[0]["message"] == f"order 0: {text}"
    assert docs[1]["log"]["level"] == "ERROR"
    # Without the option the bytes are not UTF-8: the same lines parse, the text shows U+FFFD.
    res, plain = _docs(tmp_path / "other.log", threads=1)
    assert len(plain) == 104 and "\ufffd" in plain[0]["message"]
    assert res.stats["not_utf8"] == 104 and res.counts["not_utf8"] == 104  # and the count says so


JUL = """
import java.util.logging.*;

public class Enc {
    public static void main(String[] args) throws Exception {
        Logger log = Logger.getLogger("com.example.shop.Checkout");
        log.setUseParentHandlers(false);
        for (int i = 0; i < args.length; i += 2) {
            FileHandler h = new FileHandler(args[i + 1]);
            h.setEncoding(args[i]);
            h.setFormatter(new SimpleFormatter());
            log.addHandler(h);
        }
        log.info("Zahlung von Zoë über 5 € erhalten");
        log.warning("東京の注文: 支払い済み");
        log.severe("Ошибка: заказ не найден");
        for (Handler h : log.getHandlers()) h.close();
    }
}
"""


def test_jvm_file_handlers_in_shift_jis_and_windows_1252_read_as_in_utf8(tmp_path):
    """java.util.logging writing one record to three files, each in its own charset (Java's own
    encoders): the Windows-1252 file cannot hold the Japanese or Russian text (Java writes '?'),
    Shift_JIS holds Japanese and Russian (JIS X 0208 has Cyrillic), not '€' or 'ë'."""
    if not shutil.which("java"):
        pytest.skip("no JVM")
    (tmp_path / "Enc.java").write_text(JUL)
    fmt = "-Djava.util.logging.SimpleFormatter.format=%1$tY-%1$tm-%1$tdT%1$tH:%1$tM:%1$tS.%1$tLZ %4$s %3$s: %5$s%n"
    r = subprocess.run(["java", "-Duser.timezone=UTC", fmt, "Enc.java", "UTF-8", "utf8.log", "Shift_JIS", "sjis.log",
                        "windows-1252", "cp1252.log"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    _, docs8 = _docs(tmp_path / "utf8.log", threads=1)
    assert [d["message"] for d in docs8] == ["Zahlung von Zoë über 5 € erhalten", "東京の注文: 支払い済み",
                                            "Ошибка: заказ не найден"]
    for name, charset in (("sjis.log", "Shift_JIS"), ("cp1252.log", "windows-1252")):
        java_wrote = (tmp_path / name).read_bytes().decode(charset.replace("Shift_JIS", "shift_jis"))
        res, docs = _docs(tmp_path / name, threads=1, encoding=charset)
        assert res.failed == [] and len(docs) == 3
        assert [d["message"] for d in docs] == [ln.split(": ", 1)[1] for ln in java_wrote.splitlines()]
        assert [d["log"]["level"] for d in docs] == ["INFO", "WARNING", "SEVERE"]
        assert [d["@timestamp"] for d in docs] == [d["@timestamp"] for d in docs8]
    _, sjis = _docs(tmp_path / "sjis.log", threads=1, encoding="shift_jis")
    assert sjis[1]["message"] == "東京の注文: 支払い済み" and sjis[2]["message"] == "Ошибка: заказ не найден"
    _, cp = _docs(tmp_path / "cp1252.log", threads=1, encoding="windows-1252")
    assert cp[0]["message"] == "Zahlung von Zoë über 5 € erhalten"


def _access_lines(n: int) -> str:
    return "".join(f'10.0.{i % 250}.{i % 200 + 1} - - [07/Dec/2026:10:{i // 600 % 60:02d}:{i // 10 % 60:02d} +0100] '
                   f'"GET /caf\u00e9/{i}?q=na\u00efve HTTP/1.1" 200 {i} "-" "M\u00fcller-Bot/{i % 7}"\n' for i in range(n))


def test_parts_read_at_once_and_batches_give_the_same_documents(tmp_path):
    """A 9 MB Latin-1 access log: two threads (parts cut at a line start), gzip, and iter_batches
    read it as one thread does, and as its UTF-8 copy reads."""
    text = _access_lines(45_000)
    (tmp_path / "a.log").write_bytes(text.encode("latin1"))
    (tmp_path / "u.log").write_text(text, encoding="utf-8")
    with gzip.open(tmp_path / "a.log.gz", "wb") as f:
        f.write(text.encode("latin1"))
    one = ki.read_logs(str(tmp_path / "a.log"), encoding="latin1", threads=1).to_arrow()
    two = ki.read_logs(str(tmp_path / "a.log"), encoding="latin1", threads=2).to_arrow()
    utf8 = ki.read_logs(str(tmp_path / "u.log"), threads=1).to_arrow()
    gz = ki.read_logs(str(tmp_path / "a.log.gz"), encoding="latin1", threads=1).to_arrow()
    assert one.num_rows == 45_000
    for t in (two, utf8, gz):
        assert t.equals(one)
    assert one.column("url.original")[1].as_py() == "/caf\u00e9/1?q=na\u00efve"
    assert one.column("user_agent.original")[3].as_py() == "M\u00fcller-Bot/3"
    urls = []
    for b in ki.iter_batches(str(tmp_path / "a.log"), batch_size=10_000, encoding="latin1", progress=False):
        urls.extend(b.column(b.schema.get_field_index("url.original")).to_pylist())
    assert urls == one.column("url.original").to_pylist()


def _cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "kafkainsight", *args], capture_output=True, text=True,
                          input=stdin, timeout=120)


def test_cli_parse_with_encoding_and_a_name_that_is_not_one(tmp_path):
    p = tmp_path / "cp1252.log"
    p.write_bytes('2026-12-07 10:00:00,123 INFO billing: invoice 7 \u2013 5 \u20ac paid\n'.encode("cp1252"))
    r = _cli("parse", "--encoding", "windows-1252", str(p))
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["message"] == "invoice 7 \u2013 5 \u20ac paid" and doc["log"]["logger"] == "billing"
    assert "not UTF-8" not in r.stderr
    r = _cli("parse", str(p))  # without it: parsed, and the summary says what to do
    assert r.returncode == 0 and "\ufffd" in json.loads(r.stdout)["message"]
    assert "1 line(s) are not UTF-8" in r.stderr and "--encoding" in r.stderr
    r = _cli("parse", "--encoding", "klingon-8", str(p))
    assert r.returncode == 2 and "unknown encoding 'klingon-8'" in r.stderr and "iconv -l" in r.stderr
    r = _cli("parse", "--encoding", "utf-32", str(p))
    assert r.returncode == 2 and "cannot be read line by line" in r.stderr
    # stdin too
    r = subprocess.run([sys.executable, "-m", "kafkainsight", "parse", "--encoding", "cp1252", "-"],
                       input=p.read_bytes(), capture_output=True, timeout=120)
    assert r.returncode == 0 and json.loads(r.stdout)["message"].endswith("5 \u20ac paid")


def test_utf16_by_name_reads_a_file_the_guess_does_not_take(tmp_path):
    """UTF-16LE without a byte-order mark whose first characters are not ASCII: not recognised by
    its look, read when named; following such a file is refused before any broker is asked."""
    p = tmp_path / "w.log"
    p.write_bytes('{"msg":"東京: disk full","level":"error"}\r\n'.encode("utf-16-le"))
    assert ki.read_logs(str(p), threads=1).stats["parsed"] == 0
    res = ki.read_logs(str(p), threads=1, encoding="utf-16le")
    assert res.failed == [] and res.records[0]["message"] == "東京: disk full"
    assert res.records[0]["log"]["level"] == "error"
    with pytest.raises(KafkaConfigError, match="UTF-16 files are read whole"):
        ki.Producer("127.0.0.1:1", "t", follow=True, encoding="utf-16le")
    with pytest.raises(ValueError, match="unknown encoding"):
        ki.Producer("127.0.0.1:1", "t", encoding="klingon-8")


def test_report_reads_the_files_in_their_charset(tmp_path):
    p = tmp_path / "a.log"
    p.write_bytes(_access_lines(50).encode("latin1"))
    from kafkainsight.report import summarize_logs
    s = summarize_logs([str(p)], encoding="latin1")
    assert "M\u00fcller-Bot/3" in json.dumps(s, ensure_ascii=False)
    assert "\ufffd" not in json.dumps(s, ensure_ascii=False)


def test_produce_follow_sends_what_a_cp1252_logger_writes_as_utf8(tmp_path):
    """`produce --follow --encoding windows-1252` tails a file CPython's logging appends to in
    Windows-1252; every record reaches Kafka (read back with confluent-kafka) in its own text."""
    import signal
    import time

    from kafkainsight.kafka import EmbeddedBroker
    from tests.kafka_util import consume_all

    path = tmp_path / "app.log"
    log = logging.getLogger("shop.follow1252")
    log.propagate = False
    log.setLevel(logging.INFO)
    h = logging.FileHandler(path, encoding="windows-1252")
    h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(h)
    try:
        log.info("invoice %d – %d € paid by Zoë", 0, 0)
        with EmbeddedBroker(topics={"data_log": 1, "data_log.dlq": 1}) as b:
            p = subprocess.Popen([sys.executable, "-m", "kafkainsight", "produce", "--follow", "--encoding",
                                  "windows-1252", str(path), "-b", b.bootstrap, "-q"], stderr=subprocess.PIPE, text=True)
            try:
                for i in range(1, 20):
                    log.info("invoice %d – %d € paid by Zoë", i, 5 * i)
                    h.flush()
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and len(consume_all(b.bootstrap, "data_log", timeout=5)) < 20:
                    assert p.poll() is None, p.communicate()[1]
                    time.sleep(0.2)
            finally:
                p.send_signal(signal.SIGTERM)
                _, err = p.communicate(timeout=60)
            assert p.returncode == 0, err
            docs = [json.loads(m.value()) for m in consume_all(b.bootstrap, "data_log", timeout=10)]
            assert consume_all(b.bootstrap, "data_log.dlq", timeout=2) == []
    finally:
        h.close()
        log.removeHandler(h)
    assert [d["message"] for d in docs] == [f"invoice {i} – {5 * i} € paid by Zoë" for i in range(20)]


def test_producer_counts_lines_that_are_not_utf8_and_sends_them_decoded_when_named(tmp_path):
    from kafkainsight.kafka import EmbeddedBroker, Producer
    from tests.kafka_util import consume_all

    p = tmp_path / "a.log"
    p.write_bytes(_access_lines(30).encode("latin1"))
    assert ki.read_logs(str(p), threads=1).stats["not_utf8"] == 30  # (access lines straight into columns)
    assert ki.read_logs(str(p), threads=1, encoding="latin1").stats["not_utf8"] == 0
    with EmbeddedBroker(topics={"plain": 1, "named": 1}) as b:
        with Producer(b.bootstrap, "plain") as prod:
            st = prod.produce_file(p)
        assert st.produced == 30 and st.not_utf8 == 30 and "not UTF-8: 30 line(s)" in str(st)
        with Producer(b.bootstrap, "named", encoding="latin1") as prod:
            st = prod.produce_file(p)
        assert st.produced == 30 and st.not_utf8 == 0
        docs = [json.loads(m.value()) for m in consume_all(b.bootstrap, "named", timeout=10)]
        plain = [json.loads(m.value()) for m in consume_all(b.bootstrap, "plain", timeout=10)]
    assert [d["user_agent"]["original"] for d in docs] == [f"M\u00fcller-Bot/{i % 7}" for i in range(30)]
    assert plain[0]["user_agent"]["original"] == "M\ufffdller-Bot/0"
