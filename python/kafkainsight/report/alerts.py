"""The report's alert timeline: the hook that takes alert dicts (one JSON line each, as
`kafkainsight watch` writes them) and turns them into rows and points for the page.

Field names are read tolerantly so the watcher's format can evolve: time from ``@timestamp``,
``time``, ``timestamp``, ``ts``, ``fired_at`` or ``window.end`` (ISO 8601 or epoch s / ms);
``rule`` (or ``name``), ``key``, ``observed`` (or ``value``), ``threshold``, ``message``;
the state from ``state`` / ``status`` / ``event`` / ``type`` (anything with "resolve" in it is
a resolve, otherwise the alert fired).
"""
from __future__ import annotations

import datetime as _dt
import json
import os
from typing import Any, Iterable


def _epoch(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return v / 1000.0 if v > 1e11 else float(v)  # epoch ms or s
    if isinstance(v, str):
        try:
            return _dt.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def _first(d: dict, *names: str) -> Any:
    for n in names:
        if n in d and d[n] is not None:
            return d[n]
    return None


def alert_timeline(alerts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Normalise alert dicts into timeline rows sorted by time:
    ``{"t": epoch_s, "rule", "key", "state": "firing"|"resolved", "observed", "threshold", "message"}``.
    Alerts without a usable time are kept at the end with ``t = None``.
    """
    rows = []
    for a in alerts:
        if not isinstance(a, dict):
            continue
        window = a.get("window") if isinstance(a.get("window"), dict) else {}
        t = _epoch(_first(a, "@timestamp", "time", "timestamp", "ts", "fired_at")) or _epoch(window.get("end"))
        state = str(_first(a, "state", "status", "event", "type") or "firing")
        rows.append({
            "t": t,
            "rule": str(_first(a, "rule", "name") or "alert"),
            "key": "" if a.get("key") is None else str(a.get("key")),
            "state": "resolved" if "resolve" in state.lower() else "firing",
            "observed": _first(a, "observed", "value"),
            "threshold": a.get("threshold"),
            "message": str(_first(a, "message", "summary") or ""),
        })
    rows.sort(key=lambda r: (r["t"] is None, r["t"] or 0))
    return rows


def load_alerts(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Read a JSONL file of alerts; a line that is not a JSON object is an error naming the line."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{os.fspath(path)}:{n}: not a JSON line ({e.msg})") from None
            if not isinstance(obj, dict):
                raise ValueError(f"{os.fspath(path)}:{n}: expected a JSON object per line")
            out.append(obj)
    return out
