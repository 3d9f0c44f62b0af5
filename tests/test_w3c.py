"""W3C extended logs (IIS) read without options: each line by its file's #Fields: directive.
Checked against the IISLOG grok recipe (written from Filebeat's iis module, tested on its
expected JSON) on Filebeat's own IIS test file, and on files cut into parts for threads."""
from __future__ import annotations

from kafkainsight import read_logs
from tests.test_real_logs import REAL, flat

IIS = REAL / "iis_w3c.log"


def _same(a: dict, b: dict) -> dict:
    """The fields where two documents differ (message and format aside: the recipe's are its own)."""
    a, b = flat(a), flat(b)
    for k in ("message", "kafkainsight.format", "kafkainsight.recipe"):
        a.pop(k, None), b.pop(k, None)
    return {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}


def test_iis_lines_read_by_their_directive_match_the_iislog_recipe():
    auto = read_logs(IIS)
    recipe = read_logs(IIS, grok="%{IISLOG}", format="grok")
    # Three field sets, each under its own directive: read by it; the two lines appended after
    # the third directive have the first set's 15 values, not its 22: read by the IISLOG recipe
    # (one of the field sets IIS writes by default), the same documents as --grok gives.
    assert auto.line_numbers == [5, 10, 15, 16, 17] and not auto.failed
    assert auto.stats["by_format"] == {"w3c": 3, "grok": 2}
    assert [flat(d).get("kafkainsight.recipe") for d in auto.records] == [None] * 3 + ["IISLOG"] * 2
    for a, b in zip(auto.records, recipe.records):
        assert _same(a, b) == {}

def test_a_w3c_file_is_never_cut_between_its_directive_and_its_lines(tmp_path):
    # Large enough for read_logs to cut it into parts for two threads, were it not W3C.
    lines = IIS.read_text().splitlines()
    head, data = lines[:4], lines[4]
    big = tmp_path / "u_ex240101.log"
    big.write_text("\n".join(head + [data] * 60000) + "\n")
    one = read_logs(big, threads=1)
    two = read_logs(big, threads=2)
    assert one.stats["parsed"] == two.stats["parsed"] == 60000 and not two.failed
    assert one.to_arrow().equals(two.to_arrow())


def test_a_directive_holds_for_its_own_file_only(tmp_path):
    # The second file has no directive: its line must not be read by the first file's fields
    # (it would give status 10.0.0.2 and client 404), in read_logs and in the report alike; with
    # no header it is a line that starts with a date (GENERICLOG: the time, the rest the message).
    from kafkainsight.report import summarize_logs
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_text("#Fields: date time sc-status c-ip\n2020-01-01 00:00:00 500 10.0.0.1\n")
    b.write_text("2020-01-01 00:00:00 10.0.0.2 404\n")
    r = read_logs([a, b])
    assert (r.stats["parsed"], r.stats["failed"], r.stats["by_format"]) == (2, 0, {"w3c": 1, "grok": 1})
    second = r.records[1]
    assert second["kafkainsight"]["recipe"] == "GENERICLOG" and second["message"] == "10.0.0.2 404"
    assert "http" not in second and "source" not in second
    totals = summarize_logs([a, b])["totals"]
    assert (totals["parsed"], totals["failed"], totals["formats"]) == (2, 0, {"w3c": 1, "grok": 1})
