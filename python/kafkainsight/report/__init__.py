"""The HTML report: one self-contained page (charts inlined, no network needed to view it).

>>> import kafkainsight.report as kr
>>> s = kr.summarize_logs(["access.log"])            # counted in C++, streaming, bounded memory
>>> kr.write_report(s, "report.html", alerts=kr.load_alerts("alerts.jsonl"))
"""
from __future__ import annotations

from .alerts import alert_timeline, load_alerts
from .html import render_report, write_report
from .summary import summarize_logs, summarize_topic

__all__ = ["alert_timeline", "load_alerts", "render_report", "summarize_logs", "summarize_topic", "write_report"]
