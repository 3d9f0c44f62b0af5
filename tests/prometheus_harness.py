"""A real Prometheus (Debian's `prometheus` package) for the tests: a generated config scraping
the given targets every second, the alerting rules of deploy/prometheus, a temp TSDB, a free
127.0.0.1 port; stopped (and its data removed) at the end.

    with Prometheus({"consumer": ["127.0.0.1:9464"]}, rule_files=[RULES]) as prom:
        prom.wait_targets_up()                 # fails naming every target that is not scraped
        prom.query('sum(kafkainsight_lines_out_total)')
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Optional, Sequence

from tests.harness_util import ProcessHarness, Reaper, finish_process, pick_free_ports, tail_file

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"


class PrometheusError(RuntimeError):
    pass


def config_yaml(targets: dict[str, Sequence[str]], rule_files: Sequence[str] = (), interval: str = "1s") -> str:
    """prometheus.yml as JSON (a YAML subset): one job per component, static targets."""
    return json.dumps({
        "global": {"scrape_interval": interval, "evaluation_interval": interval, "scrape_timeout": interval},
        "rule_files": [str(f) for f in rule_files],
        "scrape_configs": [{"job_name": job, "static_configs": [{"targets": list(t)}]} for job, t in targets.items()],
    }, indent=1)


class Prometheus(ProcessHarness):
    KEEP_ENV = "PROMETHEUS_HARNESS_KEEP"

    def __init__(self, targets: dict[str, Sequence[str]], rule_files: Sequence[str] = (), interval: str = "1s",
                 workdir: Optional[str] = None):
        self.targets, self.rule_files, self.interval = targets, list(rule_files), interval
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="ki-prometheus-"))
        self.proc: Optional[subprocess.Popen] = None
        self._reaper: Optional[Reaper] = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "prometheus.log"

    def _started(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 60) -> "Prometheus":
        if not os.access(PROMETHEUS, os.X_OK):
            raise PrometheusError("prometheus is not installed (apt-get install prometheus; scripts/setup.sh)")
        (self.port,) = pick_free_ports(1, PrometheusError)
        cfg = self.workdir / "prometheus.yml"
        cfg.write_text(config_yaml(self.targets, self.rule_files, self.interval))
        self._start_reaper(quiet=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [PROMETHEUS, f"--config.file={cfg}", f"--storage.tsdb.path={self.workdir / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=1h",
                 "--web.enable-lifecycle", "--log.level=warn"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._reaper.add(self.proc.pid)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise PrometheusError(f"prometheus exited {self.proc.returncode}:\n{tail_file(self.log_path)}")
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise PrometheusError(f"prometheus not ready after {timeout}s:\n{tail_file(self.log_path)}")
            time.sleep(0.2)

    def stop(self, timeout: float = 20) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
            finish_process(self.proc, timeout, self._reaper)
            self.proc = None
        self._release()

    # ---- HTTP API ----------------------------------------------------------------------------

    def api(self, path: str, **params: str) -> dict:
        url = f"{self.url}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                body = json.load(r)
        except urllib.error.HTTPError as e:
            body = json.load(e)
        if body.get("status") != "success":
            raise PrometheusError(f"{path} {params}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str) -> list[dict]:
        """Instant query: [{'metric': {...}, 'value': [t, 'v']}, ...]."""
        data = self.api("query", query=expr)
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": data["result"]}]
        return data["result"]

    def value(self, expr: str) -> Optional[float]:
        """The one value of an expression (None when it has no series)."""
        r = self.query(expr)
        if not r:
            return None
        assert len(r) == 1, f"{expr}: {len(r)} series"
        return float(r[0]["value"][1])

    def targets_health(self) -> list[dict]:
        return self.api("targets")["activeTargets"]

    def wait_targets_up(self, timeout: float = 60) -> None:
        """Every configured target scraped successfully at least once; else a failure naming each
        target that is not (job, URL, Prometheus' last error)."""
        deadline = time.monotonic() + timeout
        while True:
            act = self.targets_health()
            down = [t for t in act if t["health"] != "up"]
            if len(act) == sum(len(v) for v in self.targets.values()) and not down:
                return
            if time.monotonic() > deadline:
                raise PrometheusError("Prometheus cannot scrape: " + "; ".join(
                    f"job {t['labels']['job']} at {t['scrapeUrl']}: {t['health']} ({t['lastError'] or 'not yet scraped'})"
                    for t in down))
            time.sleep(0.3)

    def rules(self) -> list[dict]:
        return [r for g in self.api("rules")["groups"] for r in g["rules"]]


def promtool(*args: str, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=120, cwd=cwd)
