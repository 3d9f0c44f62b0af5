"""Columnar results: to_arrow / to_pandas / to_polars / records / iter_batches hold the same
values as the JSON documents the encoder writes (parse_line), with the types a data person expects."""
import datetime as dt
import gzip
import json

import pytest

import kafkainsight as ki

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

FORMATS = ["apache_common", "apache_combined", "apache_error", "rfc3164", "rfc5424", "json"]
CATEGORIES = {"http.request.method", "http.version", "kafkainsight.format", "kafkainsight.status_class",
              "log.level", "log.syslog.facility.name", "log.syslog.severity.name"}


def flat(doc, prefix=""):
    out = {}
    for k, v in doc.items():
        if isinstance(v, dict) and v:
            out.update(flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def lines_of(fmt, n, seed=4):
    return ki.generate_lines(fmt, n, seed=seed, start=1700000000, sleep="250ms")


def json_path(lines, **kw):
    """What the encoder writes for each line, through json.loads (the old path)."""
    docs = [ki.parse_line(line, **kw) for line in lines if line.strip()]
    return [d for d in docs if "error" not in d]


def assert_table_matches(table, docs):
    assert table.num_rows == len(docs)
    rows = [flat(d) for d in docs]
    names = set().union(*rows)
    assert set(table.column_names) == names  # the union of every document's fields
    for name in table.column_names:
        col = table.column(name).to_pylist()
        for i, (got, row) in enumerate(zip(col, rows)):
            want = row.get(name)
            if name == "@timestamp":
                want = pd.Timestamp(want).tz_convert("UTC").to_pydatetime()
                got = pd.Timestamp(got).to_pydatetime()
            assert got == want, (name, i, got, want)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_column_and_value_equals_the_json_documents(tmp_path, fmt):
    lines = lines_of(fmt, 1500)
    path = tmp_path / f"{fmt}.log"
    path.write_text("\n".join(lines) + "\n")
    res = ki.read_logs(path, year=2023, include_original=True)
    docs = json_path(lines, year=2023, include_original=True)
    assert res.records == docs  # dicts built in C++ == json.loads of the encoder's text
    assert [json.loads(d) for d in res.docs] == docs
    assert_table_matches(res.to_arrow(), docs)


def test_types_a_data_person_expects(tmp_path):
    path = tmp_path / "a.log"
    ki.generate("apache_combined", 2000, output=str(path), seed=11, start=1700000000, sleep="1s")
    t = ki.read_logs(path).to_arrow()
    assert t.schema.field("@timestamp").type == pa.timestamp("ns", tz="UTC")
    assert t.schema.field("http.response.status_code").type == pa.int64()
    assert t.schema.field("http.response.body.bytes").type == pa.int64()
    assert t.schema.field("kafkainsight.anonymous").type == pa.bool_()
    assert pa.types.is_large_string(t.schema.field("url.original").type)
    for name in CATEGORIES & set(t.column_names):
        assert pa.types.is_dictionary(t.schema.field(name).type), name
    assert t.column("@timestamp")[0].as_py() == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.timezone.utc)
    methods = set(t.column("http.request.method").to_pylist())
    assert methods <= {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"} and len(methods) > 3

    df = ki.read_logs(path).to_pandas()
    assert str(df["@timestamp"].dtype) == "datetime64[ns, UTC]"
    assert df["@timestamp"].is_monotonic_increasing
    assert isinstance(df["http.request.method"].dtype, pd.CategoricalDtype)
    assert isinstance(df["kafkainsight.status_class"].dtype, pd.CategoricalDtype)
    assert str(df["http.response.status_code"].dtype) == "Int64"
    assert isinstance(df["url.original"].dtype, pd.StringDtype)  # Arrow-backed: no object per value
    assert df.groupby("kafkainsight.status_class", observed=True).size().sum() == 2000


def test_to_pandas_leaves_numpys_huge_page_setting_as_the_user_had_it(tmp_path):
    # to_pandas turns numpy's huge-page madvise off for its own arrays only (a stall in this VM)
    from numpy._core import multiarray
    path = tmp_path / "a.log"
    ki.generate("apache_combined", 100, output=str(path), seed=3)
    was = multiarray._set_madvise_hugepage(True)
    try:
        for setting in (True, False):
            multiarray._set_madvise_hugepage(setting)
            assert len(ki.read_logs(path).to_pandas()) == 100
            assert multiarray._set_madvise_hugepage(setting) is setting
    finally:
        multiarray._set_madvise_hugepage(was)


def test_mixed_formats_union_nulls_and_failures_counted(tmp_path):
    content = (lines_of("apache_combined", 30) + ["garbage line", ""] + lines_of("rfc5424", 20)
               + ["<999>bad pri"] + lines_of("apache_error", 10))
    path = tmp_path / "mixed.log.gz"
    with gzip.open(path, "wt") as f:
        f.write("\n".join(content) + "\n")
    res = ki.read_logs(path)
    s = res.stats
    assert (s["lines"], s["parsed"], s["failed"], s["empty"]) == (63, 60, 2, 1)
    assert [f["line"] for f in res.failed] == ["garbage line", "<999>bad pri"]
    t = res.to_arrow()
    assert t.num_rows == 60
    assert t.column("kafkainsight.format").to_pylist() == \
        ["apache_combined"] * 30 + ["rfc5424"] * 20 + ["apache_error"] * 10
    status = t.column("http.response.status_code")
    assert status.null_count == 30 and all(v is not None for v in status.to_pylist()[:30])
    assert t.column("log.syslog.priority").null_count == 40
    assert_table_matches(t, json_path(content))
    df = res.to_pandas()
    assert df["http.response.status_code"].isna().sum() == 30


def test_struct_columns_with_flatten_false(tmp_path):
    lines = lines_of("apache_combined", 50) + lines_of("rfc5424", 50)
    res = ki.read_logs(lines)
    t = res.to_arrow(flatten=False)
    assert pa.types.is_struct(t.schema.field("http").type)
    assert t.column("http").null_count == 50  # syslog rows have no http object
    http = t.column("http").to_pylist()
    assert http[0]["response"]["status_code"] == res.records[0]["http"]["response"]["status_code"]
    assert http[60] is None
    flat_t = res.to_arrow()
    assert t.flatten().flatten().flatten().num_rows == flat_t.num_rows


def test_to_polars(tmp_path):
    pl = pytest.importorskip("polars")
    res = ki.read_logs(lines_of("apache_combined", 500))
    df = res.to_polars()
    assert df.height == 500
    assert df.schema["@timestamp"] == pl.Datetime("ns", "UTC")
    assert df.schema["http.response.status_code"] == pl.Int64
    assert df["http.response.status_code"].to_list() == [r["http"]["response"]["status_code"] for r in res.records]


def test_iter_batches_streams_the_same_rows_in_bounded_batches(tmp_path):
    a, b = tmp_path / "a.log", tmp_path / "b.log.gz"
    ki.generate("apache_combined", 2500, output=str(a), seed=1, start=1700000000)
    with gzip.open(b, "wt") as f:
        f.write("\n".join(lines_of("rfc3164", 1200) + ["not a log"]) + "\n")
    whole = ki.read_logs([a, b], year=2023).to_arrow()
    batches = ki.iter_batches([a, b], batch_size=1000, year=2023)
    got = list(batches)
    assert [x.num_rows for x in got] == [1000, 1000, 1000, 700]
    assert all(isinstance(x, pa.RecordBatch) for x in got)
    assert sum(x.num_rows for x in got) == whole.num_rows
    for name in ("@timestamp", "source.ip", "http.response.status_code", "message"):
        joined = [v for x in got for v in (x.column(name).to_pylist() if name in x.schema.names else [None] * x.num_rows)]
        assert joined == whole.column(name).to_pylist(), name
    assert batches.stats["parsed"] == 3700 and batches.stats["failed"] == 1
    assert [f["line"] for f in batches.failed] == ["not a log"]
    frames = list(ki.iter_batches(a, batch_size=1000, output="pandas"))
    assert [len(f) for f in frames] == [1000, 1000, 500]
    assert str(frames[0]["@timestamp"].dtype) == "datetime64[ns, UTC]"
    with pytest.raises(ValueError, match="cannot open"):
        list(ki.iter_batches(tmp_path / "missing.log"))


def test_iter_batches_left_early_stops_its_reader_and_can_start_again(tmp_path):
    # The next batch is read ahead on a thread of its own; leaving the loop drops it.
    a = tmp_path / "a.log"
    ki.generate("apache_combined", 5000, output=str(a), seed=1, start=1700000000)
    for _ in range(5):
        batches = ki.iter_batches(a, batch_size=100)
        first = next(iter(batches))
        assert first.num_rows == 100 and batches.stats["parsed"] == 100  # totals as of the batch taken
        del batches, first
    assert sum(x.num_rows for x in ki.iter_batches(a, batch_size=1234)) == 5000


def test_iter_batches_into_parquet_as_the_notebook_guide_shows(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    a = tmp_path / "access.log"
    ki.generate("apache_combined", 2500, output=str(a), seed=3, start=1700000000)
    writer = None
    for batch in ki.iter_batches([a], batch_size=1000):
        writer = writer or pq.ParquetWriter(tmp_path / "access.parquet", batch.schema)
        writer.write_batch(batch)
    writer.close()
    back = pq.read_table(tmp_path / "access.parquet")
    whole = ki.read_logs(a, threads=1).to_arrow()
    assert back.num_rows == 2500
    for name in whole.column_names:
        assert back.column(name).to_pylist() == whole.column(name).to_pylist(), name


def test_iter_batches_progress_bar_counts_the_bytes(tmp_path, capsys):
    a = tmp_path / "a.log"
    ki.generate("apache_common", 3000, output=str(a), seed=2)
    list(ki.iter_batches(a, batch_size=500, progress=True))
    err = capsys.readouterr().err
    assert "read_logs" in err and "100%" in err


def test_read_topic_gives_the_documents_with_kafka_columns(tmp_path):
    from kafkainsight.kafka import EmbeddedBroker, Producer
    log = tmp_path / "a.log"
    ki.generate("apache_combined", 1200, output=str(log), seed=5, start=1700000000)
    with EmbeddedBroker(topics={"web": 3}) as b:
        st = Producer(b.bootstrap, "web", key="source.ip").produce_file(log)
        assert st.produced == 1200
        res = ki.read_topic(b.bootstrap, "web")
    assert len(res) == 1200 and res.failed == [] and res.stats["parsed"] == 1200
    t = res.to_arrow()
    assert t.schema.field("kafka.partition").type == pa.int64()
    assert t.schema.field("kafka.timestamp").type == pa.timestamp("ns", tz="UTC")
    assert t.schema.field("@timestamp").type == pa.timestamp("ns", tz="UTC")
    assert pa.types.is_dictionary(t.schema.field("http.request.method").type)
    assert set(t.column("kafka.partition").to_pylist()) == {0, 1, 2}
    assert t.column("kafka.key").to_pylist() == t.column("source.ip").to_pylist()
    # The same documents as parsing the file (order within a partition is file order).
    want = {json.dumps(d, sort_keys=True) for d in ki.read_logs(log).records}
    kafka_cols = {"topic", "partition", "offset", "timestamp", "key"}
    got = {json.dumps({k: v for k, v in r.items() if k != "kafka"}, sort_keys=True) for r in res.records}
    assert got == want
    assert set(res.records[0]["kafka"]) == kafka_cols
    df = res.to_pandas()
    offsets = df.groupby("kafka.partition")["kafka.offset"].apply(list)
    assert all(v == sorted(v) for v in offsets)


def test_read_topic_counts_messages_that_are_not_documents():
    from kafkainsight.kafka import EmbeddedBroker
    confluent = pytest.importorskip("confluent_kafka")
    with EmbeddedBroker(topics={"mixed": 1}) as b:
        p = confluent.Producer({"bootstrap.servers": b.bootstrap})
        for v in (b'{"message": "a", "n": 1}', b"not json", b'[1, 2]', b'{"message": "b", "n": 2.5, "tags": ["x"]}',
                  # JSON a double cannot hold: a row, the number exact as text (once "not JSON")
                  b'{"message": "c", "id": 123456789012345678901234, "tags": [1e400]}',
                  b'{"message": "d", "n": 01}'):  # not JSON: no part of it in any column
            p.produce("mixed", v)
        p.flush(10)
        res = ki.read_topic(b.bootstrap, "mixed")
    assert res.stats["lines"] == 6 and res.stats["parsed"] == 3 and res.stats["failed"] == 3
    assert [(f["source"], f["line_no"]) for f in res.failed] == [("mixed/0", 1), ("mixed/0", 2), ("mixed/0", 5)]
    assert "malformed number '01' under 'n'" in res.failed[2]["reason"]
    t = res.to_arrow()
    assert t.column("message").to_pylist() == ["a", "b", "c"]
    assert t.column("n").type == pa.float64() and t.column("n").to_pylist() == [1.0, 2.5, None]
    assert t.column("id").to_pylist() == [None, None, "123456789012345678901234"]
    assert res.records[1]["tags"] == ["x"] and res.records[2]["tags"] == [float("inf")]


def test_application_json_fields_become_typed_columns(tmp_path):
    lines = [
        '{"level":30,"time":1700000000123,"pid":7,"hostname":"web1","msg":"request done","req":{"method":"GET",'
        '"url":"/a"},"responseTime":12.5,"tags":["x","y"],"ok":true}',
        '{"level":50,"time":1700000001000,"pid":7,"hostname":"web1","msg":"boom","req":{"method":"POST",'
        '"url":"/b"},"responseTime":3,"ok":false}',
        "not json at all",
    ]
    path = tmp_path / "app.log"
    path.write_text("\n".join(lines) + "\n")
    res = ki.read_logs(path, format="app_json")
    assert res.stats["parsed"] == 2 and res.stats["failed"] == 1
    docs = json_path(lines, format="app_json")
    assert res.records == docs
    t = res.to_arrow()
    assert t.schema.field("@timestamp").type == pa.timestamp("ns", tz="UTC")
    assert t.column("@timestamp")[0].as_py() == dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=dt.timezone.utc)
    assert t.schema.field("responseTime").type == pa.float64()  # 12.5 then 3: numbers
    assert t.column("responseTime").to_pylist() == [12.5, 3.0]
    assert t.schema.field("ok").type == pa.bool_()
    assert t.column("tags").to_pylist() == ['["x","y"]', None]  # arrays: JSON text
    assert pa.types.is_dictionary(t.schema.field("log.level").type)


def test_iter_batches_takes_the_field_options(tmp_path):
    path = tmp_path / "app.log"
    path.write_text('{"ts":"2024-01-02T03:04:05Z","msg":"a"}\n{"ts":"2024-01-02T03:04:06Z","msg":"b"}\n')
    (batch,) = list(ki.iter_batches(path, format="app_json", json_time_field="ts", add_fields={"env": "prod"}))
    assert batch.column("@timestamp").to_pylist()[1] == dt.datetime(2024, 1, 2, 3, 4, 6, tzinfo=dt.timezone.utc)
    assert batch.column("env").to_pylist() == ["prod", "prod"]


def test_iter_batches_takes_grok_and_multiline_and_gives_read_logs_rows(tmp_path):
    """Batches of 2 events: a stack trace is never cut at a batch's end, grok patterns apply."""
    path = tmp_path / "app.log"
    lines = []
    for i in range(7):
        lines.append(f"2024-01-02 03:04:0{i} ERROR [main] job {i} failed")
        if i % 2:
            lines += ["java.lang.IllegalStateException: boom", "\tat a.B.c(B.java:1)", "\tat a.B.d(B.java:2)"]
    path.write_text("\n".join(lines) + "\n")
    kw = dict(grok="%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:level} \\[%{DATA:thread}\\] %{GREEDYDATA:message}",
              format="grok", multiline="java")
    whole = ki.read_logs(path, **kw)
    assert len(whole) == 7 and whole.stats["joined"] == 9
    batches = list(ki.iter_batches(path, batch_size=2, output="result", **kw))
    assert [len(b) for b in batches] == [2, 2, 2, 1]
    assert [r for b in batches for r in b.records] == whole.records
    assert [n for b in batches for n in b.line_numbers] == whole.line_numbers


def test_arrow_consumers_take_a_log_result_directly():
    res = ki.read_logs(lines_of("apache_combined", 300))
    assert pa.table(res).equals(res.to_arrow())
    pl = pytest.importorskip("polars")
    assert pl.DataFrame(res).height == 300


def test_threads_give_the_table_one_thread_gives(tmp_path):
    """read_logs(threads=N) cuts plain files into parts (4 MiB at least) at line starts, parses
    them at once and puts them in input order: every value, type, line number and failure as
    with one thread. Real logs from public sources are mixed in (tests/data/real)."""
    real = sorted((pytest.importorskip("pathlib").Path(__file__).parent / "data" / "real").glob("*.log"))
    big = tmp_path / "big.log"
    with open(big, "w") as f:
        for i, line in enumerate(ki.generate_lines("apache_combined", 60_000, seed=8)):
            f.write(line + "\n")
            if i % 4999 == 7:
                f.write(f"garbage line {i}\n")  # a failure, with its line number
            if i % 7001 == 3:
                f.write("\n")
    assert big.stat().st_size > 12 << 20  # three parts of 4 MiB
    paths = [big, *real, big]
    one = ki.read_logs(paths, year=2024, threads=1)
    assert one.stats["failed"] >= 24
    def without_read_times(t):
        # A line with no time of its own (a Cisco uptime) is stamped when it was read: not the same
        # instant in two reads.
        import pyarrow as pa
        import pyarrow.compute as pc
        read = pc.is_valid(t["event.ingested"])
        for name in ("@timestamp", "event.ingested"):
            col = t[name]
            t = t.set_column(t.column_names.index(name), name,
                             pc.if_else(read, pa.scalar(None, col.type), col))
        return t

    for n in (2, 3):
        many = ki.read_logs(paths, year=2024, threads=n)
        a, b = without_read_times(one.to_arrow()), without_read_times(many.to_arrow())
        names = sorted(a.column_names)
        assert sorted(b.column_names) == names
        assert a.select(names).equals(b.select(names)), n
        assert many.line_numbers == one.line_numbers
        assert [(x["source"], x["line_no"], x["reason"]) for x in many.failed] == \
            [(x["source"], x["line_no"], x["reason"]) for x in one.failed]
        assert {k: v for k, v in many.stats.items() if k != "seconds"} == \
            {k: v for k, v in one.stats.items() if k != "seconds"}
    # Gzip files (and multi-line joining): each thread reads whole files.
    gz = []
    for k in range(4):
        gz.append(tmp_path / f"day{k}.log.gz")
        with gzip.open(gz[-1], "wt") as f:
            f.write("\n".join(ki.generate_lines("apache_combined", 40_000, seed=20 + k)) + "\nnot a log\n")
    one_gz = ki.read_logs(gz, threads=1)
    # Smaller than read_logs' 4 MiB a part: the core's own threshold lowered to see them split.
    from kafkainsight import _core
    from kafkainsight.logs import LogResult
    many_gz = LogResult(_core.read_files([str(p) for p in gz], threads=2, min_part_bytes=1))
    assert many_gz.to_arrow().equals(one_gz.to_arrow())
    assert many_gz.line_numbers == one_gz.line_numbers
    assert [(x["source"], x["line_no"]) for x in many_gz.failed] == [(str(p), 40_001) for p in gz]
    # The big file alone (one shape): the very same table, columns in the same order. Its parts
    # are not copied into one table: each is a chunk, and they share one dictionary per column.
    one_big, three = ki.read_logs(big, threads=1), ki.read_logs(big, threads=3)
    t1, t3 = one_big.to_arrow(), three.to_arrow()
    assert t3.equals(t1)
    assert three.to_arrow(flatten=False).equals(one_big.to_arrow(flatten=False))  # struct columns too
    method = t3.column("http.request.method")
    assert method.num_chunks == 3
    assert all(c.dictionary.equals(method.chunk(0).dictionary) for c in method.chunks)
    p1, p3 = one_big.to_pandas(), three.to_pandas()
    assert p3.equals(p1)
    assert list(p3["http.request.method"].cat.categories) == list(p1["http.request.method"].cat.categories)
    assert three.records == one_big.records and three.docs == one_big.docs and len(three) == len(one_big)
    with pytest.raises(ValueError, match="threads"):
        ki.read_logs(big, threads=0)


def test_nulls_the_input_wrote_are_none_in_records_and_null_in_arrow(tmp_path):
    """An application's JSON null is kept: records and docs equal json.loads of the document the
    producer sends (parse_line), and the column holds a null there."""
    lines = ['{"@timestamp": "2024-01-01T00:00:00Z", "level": "info", "message": "a", "user": null, '
             '"ctx": {"id": null, "n": 1}}',
             '{"@timestamp": "2024-01-01T00:00:01Z", "level": "warn", "message": "b", "user": "bob", '
             '"ctx": {"id": "x"}}']
    path = tmp_path / "app.log"
    path.write_text("\n".join(lines) + "\n")
    res = ki.read_logs(path)
    want = [ki.parse_line(line) for line in lines]
    assert want[0]["user"] is None and want[0]["ctx"]["id"] is None
    assert res.records == want
    assert [json.loads(d) for d in res.docs] == want
    t = res.to_arrow()
    assert t.column("user").to_pylist() == [None, "bob"]
    assert t.column("ctx.id").to_pylist() == [None, "x"]
    assert t.column("ctx.n").to_pylist() == [1, None]
