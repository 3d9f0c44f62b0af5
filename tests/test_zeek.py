"""Zeek's TSV logs (LogAscii's default output) read without options: each data line by its
file's #fields and #types directives, as the JSON line Zeek writes for the same record with
LogAscii::use_json=T. Checked on real Zeek logs (tests/data/real/zeek, from SuperCowPowers/zat)
against parsezeeklogs (PyPI), a reader nobody here wrote: its records, written as Zeek's JSON
writer writes them, read back by our app_json, give the documents our TSV reading gives."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from kafkainsight import read_logs
from tests.test_real_logs import REAL, flat

ZEEK = REAL / "zeek"
TSV = sorted(p for p in ZEEK.glob("*.log") if not p.name.endswith("-json.log"))


def _data_lines(path) -> list[str]:
    return [l for l in path.read_text().splitlines() if l.strip() and not l.startswith("#")]


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _path_directive(path) -> str:
    return next(l.split("\t", 1)[1] for l in path.read_text().splitlines() if l.startswith("#path\t"))


@pytest.mark.parametrize("path", TSV, ids=lambda p: p.name)
def test_every_data_line_of_a_real_zeek_log_is_a_document_of_its_dataset(path):
    r = read_logs(path, threads=1)
    n = len(_data_lines(path))
    assert not r.failed
    assert len(r.records) == n and r.stats["by_format"] == ({"zeek": n} if n else {})
    # the header lines are no events, and no line is lost
    assert r.stats["lines"] == len(path.read_text().splitlines())
    dataset = "zeek." + _path_directive(path)
    assert {flat(d)["event.dataset"] for d in r.records} <= {dataset}


@pytest.mark.parametrize("path", TSV, ids=lambda p: p.name)
def test_zeek_tsv_lines_give_the_documents_of_their_json_form_per_parsezeeklogs(path, tmp_path):
    pz = pytest.importorskip("parsezeeklogs")
    records = list(pz.read_zeek(str(path)))  # ts as epoch seconds, as Zeek's JSON writer writes it
    as_json = tmp_path / (path.stem + ".json.log")
    # Zeek's JSON writer leaves unset fields out.
    as_json.write_text("".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n" for r in records))
    ours = read_logs(path, threads=1).records
    theirs = read_logs(as_json, threads=1, format="app_json").records
    assert len(ours) == len(theirs) == len(_data_lines(path))
    for a, b in zip(ours, theirs):
        a, b = flat(a), flat(b)
        assert a.pop("kafkainsight.format") == "zeek" and b.pop("kafkainsight.format") == "app_json"
        a.pop("event.dataset")
        # one instant; the TSV's time keeps the six digits Zeek wrote (093470), JSON's number the
        # shortest form (.09347)
        assert _instant(a.pop("@timestamp")) == _instant(b.pop("@timestamp"))
        assert a == b


def test_a_conn_log_becomes_a_typed_table():
    df = read_logs(ZEEK / "conn.log").to_pandas()
    assert len(df) == 360
    assert str(df["@timestamp"].dtype) == "datetime64[ns, UTC]"
    assert df["@timestamp"].iloc[0].isoformat() == "2013-09-15T23:44:27.706265+00:00"
    assert str(df["id.resp_p"].dtype) == "Int64" and df["id.resp_p"].iloc[0] == 80
    assert str(df["duration"].dtype) == "float64"
    # '-' (unset) is a null: the connections with no payload count
    assert df["orig_bytes"].isna().sum() == sum(1 for l in _data_lines(ZEEK / "conn.log") if l.split("\t")[9] == "-")


def test_a_zeek_file_is_never_cut_between_its_header_and_its_lines(tmp_path):
    lines = (ZEEK / "conn.log").read_text().splitlines()
    head = [l for l in lines if l.startswith("#") and not l.startswith("#close")]
    data = _data_lines(ZEEK / "conn.log")
    big = tmp_path / "conn.log"
    big.write_text("\n".join(head + data * 170) + "\n")  # ~7.6 MB: two parts, were it not Zeek's
    one = read_logs(big, threads=1)
    two = read_logs(big, threads=2)
    assert one.stats["parsed"] == two.stats["parsed"] == 360 * 170 and not two.failed


def test_bad_zeek_lines_are_reported_with_the_field_that_is_wrong(tmp_path):
    head = (ZEEK / "dns.log").read_text().splitlines()[:8]
    good = _data_lines(ZEEK / "dns.log")[0]
    cells = good.split("\t")
    bad_port = "\t".join(cells[:3] + ["http"] + cells[4:])
    short = "\t".join(cells[:-1])
    p = tmp_path / "dns.log"
    p.write_text("\n".join(head + [good, bad_port, short]) + "\n")
    r = read_logs(p, threads=1)
    assert len(r.records) == 1
    reasons = [f["reason"] for f in r.failed]
    assert reasons[0].startswith("zeek: 'http' is not a Zeek port (field id.orig_p)"), reasons
    assert reasons[1].startswith(f"zeek: {len(cells) - 1} values for the {len(cells)} fields"), reasons


@pytest.mark.parametrize("kind", ["conn", "http"])
def test_zeeks_own_json_output_and_its_tsv_output_give_columns_of_one_type(kind):
    # conn-json.log / http-json.log: written by Zeek itself with LogAscii::use_json=T (another
    # capture than the TSV files): every column the two forms share has one type.
    tsv = read_logs(ZEEK / f"{kind}.log").to_pandas()
    js = read_logs(ZEEK / f"{kind}-json.log").to_pandas()
    shared = (set(tsv.columns) & set(js.columns)) - {"kafkainsight.format"}
    assert {"@timestamp", "uid", "id.orig_h", "id.orig_p", "id.resp_p"} <= shared
    assert {c: str(tsv[c].dtype) for c in shared} == {c: str(js[c].dtype) for c in shared}
