"""What the report counts, from log files or a Kafka topic. The counting runs in C++
(cpp/src/report): files stream through the parser with bounded memory; Kafka documents are
read with count_topic (bounded by max_messages) and counted in chunks."""
from __future__ import annotations

import json
import os
from typing import Any, Iterable, Mapping

from .. import _core
from .._options import grok_config, multiline_config, parse_tz
from ..logs import field_options
from ..config import defaults

_R = defaults("report")  # the settings table (config.py)

_CHUNK = 10_000


def summarize_logs(paths: str | os.PathLike | Iterable[str | os.PathLike], format: str = "auto", *,
                   tz: str | int | None = None, year: int | None = None, max_points: int = _R["max_points"],
                   top_n: int = _R["top"], top_capacity: int = 50_000, grok: str | list[str] | None = None,
                   patterns_dir: str | None = None, time_format: str | None = None,
                   multiline_start: str | None = None, multiline: str | None = None,
                   multiline_max_lines: int | None = None, multiline_max_bytes: int | None = None,
                   json_time_field: str | None = None, json_level_field: str | None = None,
                   json_message_field: str | None = None,
                   add_fields: Iterable[str] | Mapping[str, str] | None = None,
                   encoding: str | None = None) -> dict[str, Any]:
    """Count log files (plain or .gz, '-' = stdin) for the report. The grok, multi-line,
    ``json_*_field``, ``add_fields`` and ``encoding`` keywords are those of ``read_logs``.

    Time buckets widen (1s, 5s, 10s, 30s, 1m, ... 7d) so the charts have at most max_points
    points; top lists are exact up to top_capacity distinct values per list, then approximate
    (Misra-Gries; the summary says so and gives the error bound).
    """
    files = [os.fspath(paths)] if isinstance(paths, (str, os.PathLike)) else [os.fspath(p) for p in paths]
    for f in files:
        if f != "-" and not os.path.exists(f):
            raise FileNotFoundError(f"no such log file: {f}")
        if os.path.isdir(f):
            raise IsADirectoryError(f"{f} is a directory, not a log file")
    fields = field_options(json_time_field, json_level_field, json_message_field, add_fields)  # ValueError: usage
    try:
        raw = _core.summarize_files(files, format, parse_tz(tz), year or 0, _config(max_points, top_n, top_capacity),
                                    fields, grok_config(grok, patterns_dir, time_format),
                                    multiline_config(multiline_start, multiline, multiline_max_lines,
                                                     multiline_max_bytes), encoding or "")
    except ValueError as e:
        if str(e).startswith(("unknown format", "grok pattern", "grok patterns file", "--")):
            raise  # a usage error (exit 2)
        raise OSError(str(e)) from None  # unreadable file, corrupt .gz: an I/O error, not a usage error
    s = json.loads(raw)
    s["source"] = {"kind": "logs", "paths": files}
    return s


def summarize_topic(bootstrap: str, topic: str, config: dict | None = None, *,
                    max_messages: int = _R["max_messages"], timeout: float = _R["timeout"],
                    max_points: int = _R["max_points"], top_n: int = _R["top"],
                    top_capacity: int = 50_000) -> dict[str, Any]:
    """Count the documents of a Kafka topic (ecs or kafkainsight layout) from its start.

    Reads up to the topic's end at the time of the call, keeping at most max_messages
    (0 = all) in memory; the summary records how many the topic held and how many were counted.
    """
    from ..kafka import count_topic
    keep = max_messages if max_messages > 0 else (1 << 62)
    r = count_topic(bootstrap, topic, config, keep=keep, timeout=timeout)
    summary = _core.TrafficSummary(_config(max_points, top_n, top_capacity))
    kept = r["kept"]
    r["kept"] = None
    counted = 0
    for i in range(0, len(kept), _CHUNK):
        counted += summary.add_documents([m["value"] for m in kept[i:i + _CHUNK]])
    s = json.loads(summary.to_json())
    s["source"] = {"kind": "kafka", "bootstrap": bootstrap, "topic": topic, "messages": r["messages"],
                   "read": len(kept), "counted": counted}
    return s


def _config(max_points: int, top_n: int, top_capacity: int) -> _core.SummaryConfig:
    c = _core.SummaryConfig()
    c.max_points, c.top_n, c.top_capacity = max_points, top_n, top_capacity
    return c
