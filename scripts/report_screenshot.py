#!/usr/bin/env python3
"""Makes docs/report.png: the HTML report of a sample hour of traffic, shot in headless Chromium.

The sample is flog-style lines from our generator (addresses, paths, agents) with statuses
re-drawn so the hour looks like a real incident: mostly 2xx/3xx, a 5xx burst at 12:20-12:26,
one client hammering /login with 401s at 12:40-12:44, an error log and syslog alongside. The
alerts file is a hand-written SAMPLE shaped like `kafkainsight watch` output.
    .venv/bin/python scripts/report_screenshot.py [-o docs/report.png] [--keep-html report.html]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import kafkainsight as ki  # noqa: E402
from kafkainsight.report import summarize_logs, write_report  # noqa: E402
from tests import browser  # noqa: E402

START = 1710072000  # 2024-03-10 12:00:00 UTC
STATUS_RE = re.compile(r'(" )(\d{3})( )')


def sample(workdir: str) -> tuple[list[str], str]:
    rng = random.Random(11)
    access = ki.generate_lines("apache_combined", 12000, seed=7, start=START, sleep=0.3)
    out = []
    for i, line in enumerate(access):
        minute = i * 0.3 / 60
        if 20 <= minute < 26 and rng.random() < 0.35:
            status = rng.choice([500, 502, 503, 503, 504])
        else:
            status = rng.choices([200, 201, 204, 301, 304, 400, 404, 403], [70, 3, 3, 4, 10, 1, 6, 1])[0]
        out.append(STATUS_RE.sub(lambda m: f"{m.group(1)}{status}{m.group(3)}", line, count=1))
    ts = lambda sec: __import__("datetime").datetime.fromtimestamp(START + sec, __import__("datetime").timezone.utc)
    for k in range(600):  # a credential-stuffing client
        sec = 40 * 60 + k * 0.4
        out.append(f'203.0.113.77 - - [{ts(sec).strftime("%d/%b/%Y:%H:%M:%S +0000")}] "POST /login HTTP/1.1" 401 '
                   f'154 "-" "python-requests/2.31.0"')
    for k in range(400):  # the error log: mostly notices, errors during the 5xx burst
        sec = rng.uniform(0, 3600)
        level = "error" if 20 * 60 <= sec < 27 * 60 and rng.random() < 0.7 else rng.choice(["notice", "notice", "warn", "info"])
        out.append(f"[{ts(sec).strftime('%a %b %d %H:%M:%S %Y')}] [proxy:{level}] [pid 4242:tid 17] "
                   f"[client 10.0.0.{rng.randrange(2, 250)}:443] AH01102: error reading status line from remote server")
    for k in range(300):  # syslog from the app hosts
        sec = rng.uniform(0, 3600)
        sev = 3 if 20 * 60 <= sec < 26 * 60 and rng.random() < 0.6 else rng.choice([4, 5, 6, 6, 6])
        out.append(f"<{8 + sev}>1 {ts(sec).strftime('%Y-%m-%dT%H:%M:%SZ')} app0{k % 3} checkout 812 ID1 - request finished")
    log = os.path.join(workdir, "sample-hour.log").removeprefix("./")
    with open(log, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    iso = lambda sec: ts(sec).strftime("%Y-%m-%dT%H:%M:%SZ")
    alerts = [
        {"@timestamp": iso(20 * 60 + 60), "rule": "http_5xx_ratio", "key": "*", "state": "firing", "observed": 0.31,
         "threshold": 0.05, "message": "SAMPLE: 5xx share 31% over 60s"},
        {"@timestamp": iso(21 * 60), "rule": "error_log_level", "key": "proxy", "state": "firing", "observed": 12,
         "threshold": 5, "message": "SAMPLE: 12 error lines in 60s"},
        {"@timestamp": iso(27 * 60), "rule": "http_5xx_ratio", "key": "*", "state": "resolved", "observed": 0.0,
         "threshold": 0.05, "message": "SAMPLE"},
        {"@timestamp": iso(28 * 60), "rule": "error_log_level", "key": "proxy", "state": "resolved", "observed": 0,
         "threshold": 5, "message": "SAMPLE"},
        {"@timestamp": iso(40 * 60 + 30), "rule": "client_auth_failures", "key": "203.0.113.77", "state": "firing",
         "observed": 75, "threshold": 20, "message": "SAMPLE: 75 x 401 from one client in 30s"},
        {"@timestamp": iso(45 * 60), "rule": "client_auth_failures", "key": "203.0.113.77", "state": "resolved",
         "observed": 0, "threshold": 20, "message": "SAMPLE"},
    ]
    return [log], json.dumps(alerts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--output", default=os.path.join(ROOT, "docs", "report.png"))
    ap.add_argument("--keep-html", default=None)
    a = ap.parse_args()
    why = browser.available()
    if why:
        print(f"cannot take the screenshot: {why}", file=sys.stderr)
        return 1
    out = os.path.abspath(a.output)
    keep = os.path.abspath(a.keep_html) if a.keep_html else None
    with tempfile.TemporaryDirectory() as d:
        os.chdir(d)  # the page names the log as given: sample-hour.log
        logs, alerts = sample(".")
        page = keep or os.path.join(d, "report.html")
        write_report(summarize_logs(logs), page, alerts=json.loads(alerts), title="KafkaInsight report: sample hour")
        with browser.offline_chromium(width=1400, height=1000) as drv:
            console = browser.load(drv, page)
            errors = [m for m in console if m["level"] == "SEVERE"]
            if errors:
                print(f"console errors: {errors}", file=sys.stderr)
                return 1
            height = drv.execute_script("return document.documentElement.scrollHeight")
            drv.set_window_size(1400, height + 20)
            browser.load(drv, page)
            drv.save_screenshot(out)
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
