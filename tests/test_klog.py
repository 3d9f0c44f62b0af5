"""Kubernetes' component logs (klog, and glog) read without options: alone, in a container
runtime's CRI wrapper and as syslog messages (kubelet through journald). The lines are public
ones (tests/data/real/PROVENANCE.md); what a person reads off them is in expected.json."""
from __future__ import annotations

import pandas as pd

import kafkainsight as ki
from tests.test_real_logs import REAL

KLOG, KUBELET = REAL / "klog.log", REAL / "kubelet_syslog.log"


def test_component_logs_into_a_dataframe_with_typed_columns():
    r = ki.read_logs([KLOG, KUBELET], year=2024)
    assert (r.stats["parsed"], r.stats["failed"]) == (15, 0)
    assert r.stats["by_format"] == {"klog": 11, "rfc3164": 4}
    df = r.to_pandas()
    assert pd.api.types.is_integer_dtype(df["log.origin.file.line"])
    assert df["log.origin.file.line"].notna().all()  # every line, syslog's too, says where it was logged
    assert df["log.level"].value_counts().to_dict() == {"error": 10, "info": 5}
    # Structured calls: the quoted message and each key a column (two lines carry err=).
    assert df["err"].notna().sum() == 2
    assert set(df.loc[df["pod"].notna(), "message"]) == {"Pod status updated", "Error syncing pod, skipping"}
    # klog's lines have no year: --year; glog's and the CRI wrapper's times keep theirs.
    years = pd.to_datetime(df["@timestamp"], utc=True).dt.year.value_counts().to_dict()
    assert years == {2024: 13, 2021: 1, 2023: 1}


def test_a_forced_klog_format_reports_the_lines_that_are_not(tmp_path):
    # A Go program's own log line among klog's (googlecloudrobotics/core#59 shows both).
    lines = KLOG.read_text().splitlines()[:2] + ["2021/06/24 14:52:43 failed health check: Unauthorized"]
    (tmp_path / "mixed.log").write_text("\n".join(lines) + "\n")
    r = ki.read_logs(tmp_path / "mixed.log", format="klog")
    assert r.stats["parsed"] == 2
    assert [f["line_no"] for f in r.failed] == [3]
    assert "klog: expected a klog header" in r.failed[0]["reason"]
    assert "klog" in ki.FORMATS
