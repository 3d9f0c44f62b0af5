"""kafkainsight report: the numbers in the page's charts equal counts made here, independently,
from the fixture's own table (never by our parser); the page loads in headless Chromium with
the network off and no console errors; hostile log text stays data."""
from __future__ import annotations

import collections
import datetime as dt
import hashlib
import json
import random
import re

import pytest

import kafkainsight as ki
from kafkainsight.cli import main
from kafkainsight.report import render_report, summarize_logs, summarize_topic, write_report
from tests import browser

T0 = 1710072000  # 2024-03-10 12:00:00 UTC
HOSTILE_PATH = "/q</script><script>window.pwned=1</script>"
HOSTILE_UA = "<img src=x onerror=window.pwned=2> </script><!--"
SEVERITY = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]  # RFC 5424 keywords


def _fixture():
    """Log lines and the table they were written from: (second, kind, fields)."""
    rng = random.Random(5)
    ips = ["10.0.0.1"] * 5 + ["10.0.0.2"] * 3 + ["192.168.1.7", "172.16.0.9", "2001:db8::1", "10.0.0.3"]
    paths = ["/", "/login", "/api/items", "/api/items/7", "/static/app.js", "/admin", "/search?q=x", "/health"]
    statuses = [200] * 6 + [301, 304, 404, 404, 401, 403, 500, 503, 101]
    uas = ["Mozilla/5.0 (X11; Linux x86_64)", "curl/8.4.0", "python-requests/2.31", "Googlebot/2.1"]
    access = [(rng.randrange(0, 240), rng.choice(ips), rng.choice(paths), rng.choice(statuses), rng.choice(uas))
              for _ in range(400)]
    access.append((17, "10.0.0.66", HOSTILE_PATH, 200, HOSTILE_UA))
    errors = [(rng.randrange(0, 240), rng.choice(["error", "warn", "notice", "crit", "info"])) for _ in range(60)]
    syslog = [(rng.randrange(5, 200), rng.randrange(0, 8)) for _ in range(40)]
    lines = []
    for sec, ip, path, status, ua in access:
        t = dt.datetime.fromtimestamp(T0 + sec, dt.timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")
        lines.append(f'{ip} - - [{t}] "GET {path} HTTP/1.1" {status} 512 "-" "{ua}"')
    for sec, level in errors:
        t = dt.datetime.fromtimestamp(T0 + sec, dt.timezone.utc).strftime("%a %b %d %H:%M:%S %Y")
        lines.append(f"[{t}] [core:{level}] [pid 12:tid 34] [client 10.9.9.9:5555] something happened")
    for sec, sev in syslog:
        t = dt.datetime.fromtimestamp(T0 + sec, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(f"<{3 * 8 + sev}>1 {t} web01 nginx 99 ID47 - upstream status")
    rng.shuffle(lines)
    lines.insert(100, "this is not a log line")
    return lines, access, errors, syslog


def _expected(access, errors, syslog):
    """The numbers the page must show, counted from the table: 1-second buckets (the span is
    under the chart's 360 points)."""
    secs = [a[0] for a in access] + [e[0] for e in errors] + [s[0] for s in syslog]
    lo, hi = min(secs), max(secs)
    n = hi - lo + 1
    by_class: dict[str, list[int]] = {}
    for sec, _ip, _p, status, _ua in access:
        by_class.setdefault(f"{status // 100}xx", [0] * n)[sec - lo] += 1
    levels: dict[str, list[int]] = {}
    for sec, level in errors:
        levels.setdefault(level, [0] * n)[sec - lo] += 1
    for sec, sev in syslog:
        levels.setdefault(SEVERITY[sev], [0] * n)[sec - lo] += 1
    return {
        "lo": lo, "n": n, "status": by_class, "levels": levels,
        "paths": collections.Counter(a[2] for a in access),
        "clients": collections.Counter(a[1] for a in access),
        "agents": collections.Counter(a[4] for a in access),
    }


ALERTS = [
    {"@timestamp": "2024-03-10T12:00:30Z", "rule": "http_5xx_ratio", "key": "*", "state": "firing",
     "observed": 0.21, "threshold": 0.05, "message": "5xx share 21% over 60s"},
    {"@timestamp": "2024-03-10T12:01:30Z", "rule": "http_5xx_ratio", "key": "*", "state": "resolved",
     "observed": 0.01, "threshold": 0.05},
    {"time": (T0 + 120) * 1000, "rule": "client_auth_failures", "key": "10.0.0.9", "status": "firing",
     "observed": 40, "threshold": 20, "message": "<script>alert(1)</script>"},
]


@pytest.fixture(scope="module")
def fixture_log(tmp_path_factory):
    lines, access, errors, syslog = _fixture()
    d = tmp_path_factory.mktemp("report")
    log = d / "mixed.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    alerts = d / "alerts.jsonl"
    alerts.write_text("".join(json.dumps(a) + "\n" for a in ALERTS), encoding="utf-8")
    return log, alerts, _expected(access, errors, syslog), len(lines)


def _page_data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="ki-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def test_vendored_chartjs_is_the_npm_file():
    from importlib import resources
    vendor = resources.files("kafkainsight.vendor")
    js = vendor.joinpath("chart.umd.min.js").read_bytes()
    # npm pack chart.js@4.6.1 -> package/dist/chart.umd.min.js (PROVENANCE.md)
    assert hashlib.sha256(js).hexdigest() == "87364cc2b2a76a6684929e7d6b80b18a897794db38400caff1fcf1791c6925d2"
    assert js.startswith(b"/*!\n * Chart.js v4.6.1")
    assert "MIT" in vendor.joinpath("chart.js.LICENSE.md").read_text()


def test_summary_counts_match_the_table(fixture_log):
    log, _alerts, exp, nlines = fixture_log
    s = summarize_logs([log])
    assert s["totals"]["lines"] == nlines and s["totals"]["failed"] == 1 and s["totals"]["parsed"] == nlines - 1
    assert s["step_seconds"] == 1 and s["buckets"] == list(range(T0 + exp["lo"], T0 + exp["lo"] + exp["n"]))
    assert {k: v for k, v in s["status"].items() if any(v)} == exp["status"]
    assert s["levels"] == exp["levels"]
    assert dict(s["top"]["paths"]["rows"]) == exp["paths"] and s["top"]["paths"]["exact"]
    assert dict(s["top"]["clients"]["rows"]) == exp["clients"]
    assert dict(s["top"]["agents"]["rows"]) == exp["agents"]


def test_hostile_text_cannot_leave_the_data_block(fixture_log):
    log, _alerts, _exp, _n = fixture_log
    page = render_report(summarize_logs([log]), alerts=ALERTS, title="<b>t</b></title>")
    # Exactly our three <script> elements; the log's "</script>" is only ever escaped data.
    assert page.count("<script") == 3 and page.count("</script>") == 3
    assert "window.pwned" in page and "<script>window.pwned" not in page
    assert HOSTILE_PATH in [r[0] for r in _page_data(page)["summary"]["top"]["paths"]["rows"]]
    assert "&lt;b&gt;t&lt;/b&gt;&lt;/title&gt;" in page


@pytest.mark.skipif(browser.available() is not None, reason=str(browser.available()))
def test_report_in_headless_chromium(fixture_log, tmp_path):
    log, alerts, exp, _n = fixture_log
    out = tmp_path / "report.html"
    assert main(["report", str(log), "-o", str(out), "--alerts", str(alerts), "--title", "<i>fixture</i>"]) == 0
    with browser.offline_chromium() as drv:
        console = browser.load(drv, out)
        charts = drv.execute_script("""
            const out = {};
            for (const [name, c] of Object.entries(window.kiCharts))
              out[name] = {type: c.config.type, labels: c.data.labels,
                           datasets: c.data.datasets.map(d => ({label: d.label, data: d.data}))};
            return out;""")
        pwned = drv.execute_script("return typeof window.pwned")
        scripts = drv.execute_script("return document.scripts.length")
        title = drv.title
    assert [m for m in console if m["level"] == "SEVERE"] == [], console
    assert pwned == "undefined" and scripts == 3 and title == "<i>fixture</i>"

    def series(name):
        return {d["label"]: d["data"] for d in charts[name]["datasets"]}

    assert len(charts["status"]["labels"]) == exp["n"]
    assert charts["status"]["labels"][0] == dt.datetime.fromtimestamp(T0 + exp["lo"], dt.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S")
    assert series("status") == exp["status"]
    assert series("errors") == {"4xx": exp["status"]["4xx"], "5xx": exp["status"]["5xx"]}
    assert series("levels") == exp["levels"]
    for name in ("paths", "clients", "agents"):
        assert dict(zip(charts[name]["labels"], charts[name]["datasets"][0]["data"])) == exp[name], name
    assert HOSTILE_PATH in charts["paths"]["labels"] and HOSTILE_UA in charts["agents"]["labels"]
    fired = {(p["x"], p["y"]) for p in series("alerts")["fired"]}
    resolved = {(p["x"], p["y"]) for p in series("alerts")["resolved"]}
    assert fired == {((T0 + 30) * 1000, 0), ((T0 + 120) * 1000, 1)} and resolved == {((T0 + 90) * 1000, 0)}


@pytest.mark.skipif(browser.available() is not None, reason=str(browser.available()))
def test_browser_check_catches_a_page_that_needs_the_network(fixture_log, tmp_path):
    """The console check above can fail: an image from the network is blocked and reported."""
    log, _alerts, _exp, _n = fixture_log
    page = render_report(summarize_logs([log])).replace("</header>", '<img src="http://example.com/x.png"></header>')
    out = tmp_path / "net.html"
    out.write_text(page, encoding="utf-8")
    with browser.offline_chromium() as drv:
        console = browser.load(drv, out)
    assert any(m["level"] == "SEVERE" for m in console), console


def test_report_from_a_topic_equals_the_report_from_the_file(fixture_log, tmp_path):
    log, _alerts, exp, nlines = fixture_log
    with ki.EmbeddedBroker(topics={"weblogs": 2}) as broker:
        st = ki.Producer(broker.bootstrap, "weblogs").produce_file(str(log))
        assert st.produced == nlines - 1 and st.dead_lettered == 1
        s = summarize_topic(broker.bootstrap, "weblogs", timeout=20)
        out = tmp_path / "topic.html"
        assert main(["report", "weblogs", "-b", broker.bootstrap, "-o", str(out), "--max-messages", "50"]) == 0
        bounded = _page_data(out.read_text())["summary"]
    assert s["source"]["messages"] == s["source"]["counted"] == nlines - 1
    assert {k: v for k, v in s["status"].items() if any(v)} == exp["status"]
    assert s["levels"] == exp["levels"]
    assert dict(s["top"]["clients"]["rows"]) == exp["clients"]
    assert bounded["source"]["read"] == 50 and bounded["totals"]["events"] == 50


def test_report_cli_errors(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing.log"), "-o", str(tmp_path / "r.html")]) == 1
    assert "no such log file" in capsys.readouterr().err
    bad = tmp_path / "alerts.jsonl"
    bad.write_text('{"rule": "x"}\nnot json\n')
    log = tmp_path / "a.log"
    log.write_text('1.2.3.4 - - [22/Apr/2018:09:30:00 +0000] "GET / HTTP/1.1" 200 5\n')
    assert main(["report", str(log), "--alerts", str(bad), "-o", str(tmp_path / "r.html")]) == 2
    assert "alerts.jsonl:2: not a JSON line" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()
    gz = tmp_path / "broken.log.gz"
    gz.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 6 + b"not deflate data at all" * 10)
    assert main(["report", str(gz), "-o", str(tmp_path / "r.html")]) == 1
    assert "broken.log.gz" in capsys.readouterr().err


def test_empty_input_still_makes_a_page(tmp_path):
    log = tmp_path / "empty.log"
    log.write_text("\n\n")
    out = write_report(summarize_logs([log]), tmp_path / "e.html")
    d = _page_data(open(out).read())
    assert d["summary"]["totals"]["empty"] == 2 and d["summary"]["buckets"] == [] and d["alerts"] is None


def test_log_files_get_the_watch_rules_as_their_alert_timeline(tmp_path):
    # 40 requests in 40 s, every other one a 500: the built-in 5xx-share rule must fire
    t0 = dt.datetime(2024, 1, 24, 12, 0, 0, tzinfo=dt.timezone.utc)
    lines = [f'10.0.0.{i % 7} - - [{(t0 + dt.timedelta(seconds=i)).strftime("%d/%b/%Y:%H:%M:%S +0000")}] '
             f'"GET /p{i} HTTP/1.1" {500 if i % 2 else 200} 10' for i in range(40)]
    log = tmp_path / "burst.log"
    log.write_text("\n".join(lines) + "\n")
    out = tmp_path / "r.html"
    assert main(["report", str(log), "-o", str(out)]) == 0
    alerts = _page_data(out.read_text())["alerts"]
    assert "http_5xx_share" in json.dumps(alerts)
    assert main(["report", str(log), "-o", str(out), "--no-alerts"]) == 0
    assert _page_data(out.read_text())["alerts"] is None
