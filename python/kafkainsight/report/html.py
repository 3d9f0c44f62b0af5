"""Renders a summary (and optional alerts) into one self-contained HTML page.

Everything is inline: Chart.js (vendored from npm, see ../vendor/PROVENANCE.md), our script,
the CSS and the data. The data sits in a <script type="application/json"> block with <, > and
& escaped, so a log line holding ``</script>`` cannot end the block; a Content-Security-Policy
allows only the two scripts by hash and no network access at all.
"""
from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import html
import json
import os
from importlib import resources
from typing import Any, Iterable

from .._version import __version__
from .alerts import alert_timeline


def _asset(package: str, name: str) -> str:
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def json_for_script(obj: Any) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' (escaped as \\u003c ...), ASCII only."""
    s = json.dumps(obj, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _inline_script(code: str) -> str:
    if "</script" in code.lower() or "<!--" in code:
        raise ValueError("script text would end its <script> element early")
    return code


def _sha256(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode() + "'"


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _step(seconds: int) -> str:
    for unit, n in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= n and seconds % n == 0:
            return f"{seconds // n} {unit}"
    return f"{seconds} s"


def _source_text(src: dict) -> str:
    if src.get("kind") == "kafka":
        text = f"Kafka topic {src['topic']} at {src['bootstrap']}: {src['read']:,} of {src['messages']:,} messages read"
        if src["read"] < src["messages"]:
            text += " (bounded by --max-messages)"
        return text
    paths = src.get("paths", [])
    return "log files: " + ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")


def _tiles(s: dict, alerts: list | None) -> str:
    t = s["totals"]
    tiles = []
    if "lines" in t:
        tiles.append(("lines", t["lines"], ""))
        tiles.append(("did not parse", t["failed"], "warn" if t["failed"] else ""))
    tiles += [("events", t["events"], ""), ("HTTP requests", t["requests"], ""),
              ("4xx", t["status"]["4xx"], "warn" if t["status"]["4xx"] else ""),
              ("5xx", t["status"]["5xx"], "bad" if t["status"]["5xx"] else "")]
    errors = sum(v for k, v in t["levels"].items() if k in ("emerg", "alert", "crit", "err", "error", "critical"))
    if t["levels"]:
        tiles.append(("error-level log lines", errors, "bad" if errors else ""))
    if alerts is not None:
        fired = sum(1 for a in alerts if a["state"] == "firing")
        tiles.append(("alerts fired", fired, "bad" if fired else ""))
    return "".join(f'<div class="tile {cls}"><b>{n:,}</b><span>{html.escape(label)}</span></div>'
                   for label, n, cls in tiles)


def _top_note(top: dict) -> str:
    if top["exact"]:
        return ""
    return (f'<p class="note">Approximate: more distinct values than counted exactly; each count may be low '
            f"by up to {top['error_bound']:,} (Misra-Gries).</p>")


def _alert_table(alerts: list | None) -> str:
    if not alerts:
        return ""
    rows = "".join(
        f"<tr><td>{html.escape(_when(a['t']))}</td><td class=\"{a['state']}\">{a['state']}</td>"
        f"<td>{html.escape(a['rule'])}</td><td>{html.escape(a['key'])}</td>"
        f"<td>{html.escape(str(a['observed']))}</td><td>{html.escape(str(a['threshold']))}</td>"
        f"<td>{html.escape(a['message'][:300])}</td></tr>" for a in alerts[:500])
    more = f'<p class="note">{len(alerts) - 500:,} more not listed.</p>' if len(alerts) > 500 else ""
    return ("<table><thead><tr><th>time</th><th>state</th><th>rule</th><th>key</th><th>observed</th>"
            f"<th>threshold</th><th>message</th></tr></thead><tbody>{rows}</tbody></table>{more}")


def render_report(summary: dict, alerts: Iterable[dict] | None = None, title: str | None = None) -> str:
    """The page as a string. ``alerts``: alert dicts (see alerts.alert_timeline), or None when no
    alerts file was given (the page says so)."""
    rows = None if alerts is None else alert_timeline(alerts)
    s = summary
    t = s["totals"]
    title = title or "KafkaInsight report"
    chartjs = _inline_script(_asset("kafkainsight.vendor", "chart.umd.min.js"))
    app = _inline_script(_asset("kafkainsight.report", "report.js"))
    css = _asset("kafkainsight.report", "report.css")
    csp = (f"default-src 'none'; script-src {_sha256(chartjs)} {_sha256(app)}; style-src 'unsafe-inline'; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    span = (f"{_when(s.get('first'))} to {_when(s.get('last'))}, {_step(s['step_seconds'])} buckets"
            if "first" in s else "no timestamps")
    skipped = ""
    if t.get("rejected"):
        skipped = f"; {t['rejected']:,} message(s) were not KafkaInsight documents and were skipped"
    data = json_for_script({"summary": s, "alerts": rows})
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{css}</style>
</head>
<body>
<header>
<h1>{html.escape(title)}</h1>
<p>{html.escape(_source_text(s.get("source", {})))}{html.escape(skipped)}</p>
<p>{html.escape(span)} &middot; generated {html.escape(_when(_dt.datetime.now(_dt.timezone.utc).timestamp()))} by KafkaInsight {html.escape(__version__)}</p>
</header>
<div class="tiles">{_tiles(s, rows)}</div>
<main>
<section class="wide"><h2>Requests over time by status class</h2><div class="box"><canvas id="chart-status"></canvas></div></section>
<section><h2>4xx and 5xx over time</h2><div class="box"><canvas id="chart-errors"></canvas></div></section>
<section><h2>Error-log levels over time (Apache error log, syslog severity)</h2><div class="box"><canvas id="chart-levels"></canvas></div></section>
<section><h2>Top paths</h2><div class="box tall"><canvas id="chart-paths"></canvas></div>{_top_note(s["top"]["paths"])}</section>
<section><h2>Top client IPs</h2><div class="box tall"><canvas id="chart-clients"></canvas></div>{_top_note(s["top"]["clients"])}</section>
<section class="wide"><h2>Top user agents</h2><div class="box tall"><canvas id="chart-agents"></canvas></div>{_top_note(s["top"]["agents"])}</section>
<section class="wide"><h2>Alert timeline</h2><div class="box"><canvas id="chart-alerts"></canvas></div>{_alert_table(rows)}</section>
</main>
<script type="application/json" id="ki-data">{data}</script>
<script>{chartjs}</script>
<script>{app}</script>
</body>
</html>
"""


def write_report(summary: dict, path: str | os.PathLike, alerts: Iterable[dict] | None = None,
                 title: str | None = None) -> str:
    """Write the page to ``path`` (atomically: a temporary file renamed into place)."""
    page = render_report(summary, alerts, title)
    path = os.fspath(path)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(page)
    os.replace(tmp, path)
    return path
