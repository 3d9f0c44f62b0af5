"""/metrics (Prometheus text format) and /healthz for the long-running commands.

Why Python here and not an HTTP server in C++: the C++ pipelines already hand a full stats
snapshot to a progress hook about every 200 ms (producer, consumer, watcher), so serving it
needs no new code on the hot path; prometheus_client is the reference implementation of the
exposition format (escaping, histogram layout, content type), and a scrape every few seconds
takes the GIL for microseconds. Counters and histograms are computed in C++ (util/histogram.h);
this module only renames them.

Metric names (every one has the label ``command``: produce, consume or watch):

==========================================  =========  ===========================================
kafkainsight_lines_in_total                 counter    lines read (produce) / messages consumed
kafkainsight_lines_out_total                counter    produced / indexed / evaluated by the rules
kafkainsight_parse_errors_total             counter    lines that did not parse / undecodable messages
kafkainsight_dead_lettered_total            counter    to the dead-letter topic
kafkainsight_failed_total                   counter    not delivered (produce: failed_delivery)
kafkainsight_retries_total{kind}            counter    consume: item / request; watch: webhook
kafkainsight_bulk_requests_total            counter    consume: _bulk requests sent
kafkainsight_consumer_rejoins_total         counter    consume: joined again with a new client after
                                                       being fenced by its own group.instance.id
kafkainsight_bulk_latency_seconds           histogram  consume: _bulk request -> response
kafkainsight_end_to_end_latency_seconds     histogram  now - when the producer read the line (ki.ts
                                                       header), else the message timestamp
kafkainsight_consumer_lag{topic,partition}  gauge      high watermark - committed / position
kafkainsight_late_events_total              counter    watch: older than the watermark, dropped
kafkainsight_alerts_total{rule,state}       counter    watch: alerts sent (firing / resolved)
kafkainsight_alerts_active{rule}            gauge      watch: conditions firing now
kafkainsight_alert_deliveries_total{sink,outcome} counter  watch: kafka / webhook, sent / failed
kafkainsight_watermark_seconds              gauge      watch: event-time watermark
kafkainsight_last_update_timestamp_seconds  gauge      when the last stats snapshot arrived
kafkainsight_files_followed                 gauge      produce --follow: files open now
kafkainsight_files_{opened,closed}_total    counter    produce --follow: files opened / closed when gone
==========================================  =========  ===========================================
"""
from __future__ import annotations

import json
import os
import threading
import time
from typing import Any, Iterable
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from socketserver import ThreadingMixIn

from ._closing import Closing

RULES = ("error_levels", "http_5xx_share", "http_4xx_spike", "auth_failures", "heartbeat")
STALE_AFTER_S = 15.0  # /healthz fails when no stats snapshot arrived for this long


def metrics_port(flag: int | None) -> int | None:
    """--metrics-port, else $KI_METRICS_PORT, else None (off)."""
    if flag is not None:
        return flag
    env = os.environ.get("KI_METRICS_PORT", "").strip()
    if not env:
        return None
    try:
        return int(env)
    except ValueError:
        raise ValueError(f"KI_METRICS_PORT must be a port number, got {env!r}") from None


class _Collector:
    """Turns the latest stats snapshot of one command into metric families at scrape time."""

    def __init__(self, owner: "Metrics"):
        self.owner = owner

    def collect(self) -> Iterable[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
        cmd = self.owner.command
        snap, updated = self.owner.snapshot()

        def counter(name: str, doc: str, value: float) -> Any:
            c = CounterMetricFamily(name, doc, labels=["command"])
            c.add_metric([cmd], value)
            return c

        def histogram(name: str, doc: str, h: dict | None) -> Any:
            m = HistogramMetricFamily(name, doc, labels=["command"])
            h = h or {"buckets": [], "sum": 0.0, "count": 0}
            buckets = [(repr(float(le)), n) for le, n in h["buckets"]] + [("+Inf", h["count"])]
            m.add_metric([cmd], buckets, h["sum"])
            return m

        def lag(d: dict) -> Any:
            g = GaugeMetricFamily("kafkainsight_consumer_lag", "messages behind the high watermark",
                                  labels=["command", "topic", "partition"])
            for tp, v in sorted((d or {}).items()):
                topic, _, part = tp.rpartition("[")
                g.add_metric([cmd, topic, part.rstrip("]")], v)
            return g

        def gauge(name: str, doc: str, value: float) -> Any:
            g = GaugeMetricFamily(name, doc, labels=["command"])
            g.add_metric([cmd], value)
            return g

        yield gauge("kafkainsight_last_update_timestamp_seconds", "when the last stats snapshot arrived", updated)
        if cmd == "produce":
            yield counter("kafkainsight_lines_in", "lines read", snap.get("read", 0))
            yield counter("kafkainsight_lines_out", "documents acknowledged by Kafka", snap.get("produced", 0))
            yield counter("kafkainsight_parse_errors", "lines that did not parse", snap.get("parse_errors", 0))
            yield counter("kafkainsight_dead_lettered", "lines on the dead-letter topic", snap.get("dead_lettered", 0))
            yield counter("kafkainsight_failed", "messages not delivered", snap.get("failed_delivery", 0))
            yield counter("kafkainsight_input_bytes", "bytes read", snap.get("bytes", 0))
            if snap.get("files_opened"):  # following
                yield gauge("kafkainsight_files_followed", "files followed now", snap.get("files_followed", 0))
                yield counter("kafkainsight_files_opened", "files opened", snap["files_opened"])
                yield counter("kafkainsight_files_closed", "files closed after they went away",
                              snap.get("files_closed", 0))
        elif cmd == "consume":
            yield counter("kafkainsight_lines_in", "messages consumed", snap.get("consumed", 0))
            yield counter("kafkainsight_lines_out", "documents indexed", snap.get("indexed", 0))
            yield counter("kafkainsight_duplicates", "redelivered documents already indexed (409)",
                          snap.get("duplicates", 0))
            yield counter("kafkainsight_dead_lettered", "documents on the dead-letter topic",
                          snap.get("dead_lettered", 0))
            r = CounterMetricFamily("kafkainsight_retries", "retries", labels=["command", "kind"])
            r.add_metric([cmd, "item"], snap.get("item_retries", 0))
            r.add_metric([cmd, "request"], snap.get("request_retries", 0))
            yield r
            yield counter("kafkainsight_bulk_requests", "_bulk requests sent", snap.get("bulk_requests", 0))
            yield counter("kafkainsight_consumer_rejoins",
                          "new clients after being fenced by its own group.instance.id", snap.get("rejoins", 0))
            yield histogram("kafkainsight_bulk_latency_seconds", "_bulk request to response",
                            snap.get("bulk_latency"))
            yield histogram("kafkainsight_end_to_end_latency_seconds",
                            "producer read the line -> Elasticsearch acknowledged it", snap.get("e2e_latency"))
            yield lag(snap.get("lag", {}))
        else:  # watch
            eng = snap.get("engine", {})
            yield counter("kafkainsight_lines_in", "messages consumed", snap.get("consumed", 0))
            yield counter("kafkainsight_lines_out", "events evaluated by the rules", eng.get("events", 0))
            yield counter("kafkainsight_parse_errors", "messages that are not JSON documents",
                          snap.get("undecodable", 0))
            yield counter("kafkainsight_late_events", "events older than the watermark (dropped)", eng.get("late", 0))
            r = CounterMetricFamily("kafkainsight_retries", "retries", labels=["command", "kind"])
            r.add_metric([cmd, "webhook"], snap.get("webhook_sink", {}).get("retries", 0))
            yield r
            a = CounterMetricFamily("kafkainsight_alerts", "alerts sent", labels=["command", "rule", "state"])
            act = GaugeMetricFamily("kafkainsight_alerts_active", "conditions firing now", labels=["command", "rule"])
            for rule in RULES:
                a.add_metric([cmd, rule, "firing"], eng.get("fired_by_rule", {}).get(rule, 0))
                a.add_metric([cmd, rule, "resolved"], eng.get("resolved_by_rule", {}).get(rule, 0))
                act.add_metric([cmd, rule], eng.get("active_by_rule", {}).get(rule, 0))
            yield a
            yield act
            d = CounterMetricFamily("kafkainsight_alert_deliveries", "alert deliveries",
                                    labels=["command", "sink", "outcome"])
            for sink in ("kafka", "webhook"):
                s = snap.get(f"{sink}_sink", {})
                d.add_metric([cmd, sink, "sent"], s.get("sent", 0))
                d.add_metric([cmd, sink, "failed"], s.get("failed", 0))
            yield d
            yield gauge("kafkainsight_watermark_seconds", "event-time watermark", eng.get("watermark_ms", 0) / 1000.0)
            yield histogram("kafkainsight_end_to_end_latency_seconds",
                            "producer read the line -> the watcher evaluated it", snap.get("e2e_latency"))
            yield lag(snap.get("lag", {}))


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:  # no access log on stderr
        pass


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class Metrics(Closing):
    """The stats of one command, served on ``port`` (0 = any free port) in a daemon thread.

    ``update(snapshot)`` is the progress hook; ``/healthz`` answers 200 while snapshots keep
    coming (and no fatal error), 503 before the first one or when they stop.
    """

    def __init__(self, command: str, port: int, host: str = "0.0.0.0"):
        try:
            from prometheus_client import CollectorRegistry, make_wsgi_app
        except ImportError:  # pragma: no cover - a dependency of the package
            raise RuntimeError("--metrics-port needs prometheus-client: pip install prometheus-client") from None
        self.command = command
        self._state: tuple[dict, float, str] = ({}, 0.0, "")  # snapshot, when, fatal error
        self._finished = False
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_Collector(self))
        metrics_app = make_wsgi_app(self.registry)

        def app(environ: dict, start_response: Any) -> list[bytes]:
            if environ.get("PATH_INFO") == "/healthz":
                ok, body = self.health()
                start_response("200 OK" if ok else "503 Service Unavailable",
                               [("Content-Type", "application/json")])
                return [json.dumps(body).encode()]
            if environ.get("PATH_INFO") == "/metrics":
                return metrics_app(environ, start_response)
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"try /metrics or /healthz\n"]

        try:
            self._httpd = make_server(host, port, app, server_class=_Server, handler_class=_QuietHandler)
        except OSError as e:
            raise OSError(f"cannot serve /metrics on {host}:{port}: {e.strerror or e}") from None
        self.port = self._httpd.server_port
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="ki-metrics", daemon=True)
        self._thread.start()

    # No lock: one tuple assignment is atomic under the GIL, and a lock taken in a progress hook
    # could be left held by a KeyboardInterrupt (Ctrl-C / SIGTERM) raised inside it.
    def update(self, snapshot: dict) -> None:
        self._state = (dict(snapshot), time.time(), snapshot.get("fatal", "") or "")

    def snapshot(self) -> tuple[dict, float]:
        snap, updated, _ = self._state
        return snap, updated

    def health(self) -> tuple[bool, dict]:
        snap, updated, fatal = self._state
        age = time.time() - updated if updated else None
        if fatal:
            return False, {"status": "failed", "command": self.command, "error": fatal}
        if self._finished:
            return True, {"status": "finished", "command": self.command}
        if age is None:
            return False, {"status": "starting", "command": self.command}
        if age > STALE_AFTER_S:
            return False, {"status": "stalled", "command": self.command, "seconds_since_update": round(age, 1)}
        return True, {"status": "ok", "command": self.command, "seconds_since_update": round(age, 3)}

    def mark_finished(self) -> None:
        """The command is done: its final stats stay served (no 'stalled' health)."""
        self._finished = True

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

