"""ki.search against the real search engine (OpenSearch behind nginx TLS + basic auth), compared
with the official client's elasticsearch.helpers.scan."""
import pytest

import kafkainsight as ki
from tests.conftest_search import unique_index

pa = pytest.importorskip("pyarrow")
elasticsearch = pytest.importorskip("elasticsearch")
from elasticsearch import Elasticsearch, helpers  # noqa: E402

pytestmark = pytest.mark.search


def _kw(se):
    return dict(user=se.user, password=se.password, ca_certs=se.ca_path)


def test_search_returns_what_helpers_scan_returns(search_engine):
    se = search_engine
    es = Elasticsearch(**se.client_kwargs())
    index = unique_index("kisearch")
    docs = ki.read_logs(ki.generate_lines("apache_combined", 2300, seed=8, start=1700000000)).records
    helpers.bulk(es, ({"_index": index, "_id": str(i), "_source": d} for i, d in enumerate(docs)), refresh=True)
    try:
        res = ki.search(se.url, index, page_size=500, **_kw(se))
        want = {h["_id"]: h["_source"] for h in helpers.scan(es, index=index, query={"query": {"match_all": {}}})}
        got = {r["_id"]: {k: v for k, v in r.items() if k not in ("_id", "_index")} for r in res.records}
        assert len(res) == 2300 and got == want
        t = res.to_arrow()
        assert t.schema.field("@timestamp").type == pa.timestamp("ns", tz="UTC")
        assert t.schema.field("http.response.status_code").type == pa.int64()
        assert pa.types.is_dictionary(t.schema.field("http.request.method").type)

        q = {"range": {"http.response.status_code": {"gte": 500}}}
        five = ki.search(se.url, index, query=q, fields=["http.response.status_code", "url.original"], **_kw(se))
        n5 = sum(1 for d in docs if d["http"]["response"]["status_code"] >= 500)
        assert len(five) == n5 == es.count(index=index, query=q)["count"]
        assert set(five.to_arrow().column_names) == {"_index", "_id", "http.response.status_code", "url.original"}

        none = ki.search(se.url, index, query={"term": {"url.original": "/no/such/path"}}, **_kw(se))
        assert len(none) == 0 and none.to_pandas().empty

        with pytest.raises(ValueError, match="more than max_rows=100"):
            ki.search(se.url, index, max_rows=100, **_kw(se))
        with pytest.raises(ValueError, match=f"no such index: index 'missing-{index}'"):
            ki.search(se.url, f"missing-{index}", **_kw(se))
        with pytest.raises(ValueError, match=f"index '{index}'.*HTTP 400"):
            ki.search(se.url, index, query={"no_such_query": {}}, **_kw(se))
    finally:
        es.indices.delete(index=index)


def test_search_takes_documents_with_numbers_a_double_cannot_hold(search_engine):
    """A 128-bit id stored as a number (the engine keeps _source as written) once made the whole
    page unreadable; it is a row like the others, the number exact as text."""
    se = search_engine
    es = Elasticsearch(**se.client_kwargs())
    index = unique_index("kinumbers")
    es.indices.create(index=index, mappings={"properties": {"trace": {"type": "keyword"}, "m": {"type": "keyword"}}})
    big = 123456789012345678901234
    docs = [{"trace": big, "n": 1, "m": 1.0}, {"trace": "abc", "n": 2.5, "m": "x"}, {"n": 3, "m": 1000000}]
    helpers.bulk(es, ({"_index": index, "_id": str(i), "_source": d} for i, d in enumerate(docs)), refresh=True)
    try:
        res = ki.search(se.url, index, **_kw(se))
        rows = {r["_id"]: r for r in res.records}
        assert len(res) == 3 and not res.failed
        assert rows["0"]["trace"] == str(big) and rows["1"]["trace"] == "abc" and "trace" not in rows["2"]
        assert [rows[i]["n"] for i in "012"] == [1.0, 2.5, 3.0]  # ints and floats under one name: floats
        assert [rows[i]["m"] for i in "012"] == ["1.0", "x", "1000000"]  # a text column: numbers as written
        assert res.to_arrow().schema.field("n").type == pa.float64()
    finally:
        es.indices.delete(index=index)


def test_sliced_scroll_reads_every_document_once(search_engine):
    se = search_engine
    es = Elasticsearch(**se.client_kwargs())
    index = unique_index("kislices")
    docs = ki.read_logs(ki.generate_lines("apache_combined", 1700, seed=9, start=1700000000)).records
    helpers.bulk(es, ({"_index": index, "_id": f"d{i}", "_source": d} for i, d in enumerate(docs)), refresh=True)
    try:
        want = {h["_id"]: h["_source"] for h in helpers.scan(es, index=index)}
        one = ki.search(se.url, index, page_size=300, **_kw(se))
        three = ki.search(se.url, index, page_size=300, slices=3, compress=True,
                          progress=True, **_kw(se))
        again = ki.search(se.url, index, page_size=300, slices=3, **_kw(se))
        ids3 = [r["_id"] for r in three.records]
        assert len(ids3) == len(set(ids3)) == 1700
        assert {r["_id"]: {k: v for k, v in r.items() if k not in ("_id", "_index")} for r in three.records} == want
        assert set(r["_id"] for r in one.records) == set(ids3)
        assert [r["_id"] for r in again.records] == ids3  # a fixed order, run after run
        q = {"range": {"http.response.status_code": {"gte": 400}}}
        sliced = ki.search(se.url, index, query=q, fields=["url.original"], slices=2, page_size=100, **_kw(se))
        assert len(sliced) == es.count(index=index, query=q)["count"]
        assert set(sliced.to_arrow().column_names) == {"_index", "_id", "url.original"}

        with pytest.raises(ValueError, match="more than max_rows=1000"):
            ki.search(se.url, index, max_rows=1000, slices=2, **_kw(se))
        with pytest.raises(ValueError, match=f"no such index: index 'missing-{index}'"):
            ki.search(se.url, f"missing-{index}", slices=2, **_kw(se))
        with pytest.raises(ValueError, match=f"index '{index}'.*HTTP 400"):
            ki.search(se.url, index, query={"no_such_query": {}}, slices=2, **_kw(se))
        # Every scroll was cleared, the failed ones' too.
        assert es.nodes.stats(metric="indices")["nodes"].popitem()[1]["indices"]["search"]["scroll_current"] == 0
    finally:
        es.indices.delete(index=index)


# ---- a real Elasticsearch 8 (the sandbox's es8 line) ----------------------------------------
# The engine above is OpenSearch behind a front that makes it look like Elasticsearch; this one is
# Elasticsearch 8.19 itself (the same nginx TLS + basic auth front), started for this module only.

@pytest.fixture(scope="module")
def es8_engine():
    import os
    from tests.search_harness import SearchEngine, SearchHarnessError
    from kafkainsight.sandbox._proc import child_pids
    se = SearchEngine(line="es8", verbose=True)
    try:
        se.start(timeout=180)
    except SearchHarnessError as e:
        if os.environ.get("SEARCH_HARNESS_SKIP_IF_UNAVAILABLE") and "--fetch-only" in str(e):
            pytest.skip(f"search harness unavailable: {e}")
        raise
    pids = [se.pid, *child_pids(se.pid)]       # bin/elasticsearch's CLI JVM and the node
    try:
        yield se
    finally:
        se.stop()
        left = [p for p in pids if os.path.exists(f"/proc/{p}")]
        assert not left, f"Elasticsearch processes left after stop(): {left}"


def test_search_reads_a_real_elasticsearch_8(es8_engine):
    import pandas as pd
    se = es8_engine
    es = Elasticsearch(**se.client_kwargs())
    assert es.info()["version"]["number"] == se.engine_version and se.engine_version.startswith("8.")
    index = unique_index("kies8")
    docs = ki.read_logs(ki.generate_lines("apache_combined", 3100, seed=11, start=1700000000)).records
    helpers.bulk(es, ({"_index": index, "_id": str(i), "_source": d} for i, d in enumerate(docs)), refresh=True)
    try:
        assert es.count(index=index)["count"] == 3100
        res = ki.search(se.url, index, page_size=1000, **_kw(se))
        df = res.to_pandas()
        assert len(res) == len(df) == 3100
        assert df["_id"].nunique() == 3100
        assert df["@timestamp"].min() >= pd.Timestamp(1700000000, unit="s", tz="UTC")   # tz-aware times
        assert sorted(df["http.response.status_code"].tolist()) == sorted(
            d["http"]["response"]["status_code"] for d in docs)

        q = {"range": {"http.response.status_code": {"gte": 400}}}
        n4 = sum(1 for d in docs if d["http"]["response"]["status_code"] >= 400)
        bad = ki.search(se.url, index, query=q, fields=["http.response.status_code"], **_kw(se))
        assert 0 < len(bad) == n4 == es.count(index=index, query=q)["count"] < 3100
        assert set(bad.to_arrow().column_names) == {"_index", "_id", "http.response.status_code"}
        sliced = ki.search(se.url, index, query=q, slices=2, page_size=200, **_kw(se))
        assert sorted(r["_id"] for r in sliced.records) == sorted(r["_id"] for r in bad.records)

        with pytest.raises(ValueError, match="more than max_rows=500"):
            ki.search(se.url, index, max_rows=500, **_kw(se))
        with pytest.raises(ValueError, match=f"no such index: index 'missing-{index}'"):
            ki.search(se.url, f"missing-{index}", **_kw(se))
        # Every scroll was cleared, the refused ones' too.
        assert es.nodes.stats(metric="indices")["nodes"].popitem()[1]["indices"]["search"]["scroll_current"] == 0
    finally:
        es.indices.delete(index=index)
