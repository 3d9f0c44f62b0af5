"""Alerts and heartbeats: a rule engine over event time (C++), on a Kafka topic or offline.

>>> import kafkainsight as ki
>>> alerts = ki.evaluate_logs("sample_logs/apache.log")            # offline: a list of dicts
>>> w = ki.Watcher("localhost:9093", "data_log", alerts_topic="alerts")
>>> w.run(stop_at_end=True, on_alert=print)                           # live: GIL released

Each alert is one JSON object (see docs/ALERTS.md): rule, key,
state (firing / resolved), observed, threshold, count, window, fired_at, resolved_at,
emitted_at, message and a few sample events.
"""
from __future__ import annotations

import dataclasses
import json
import os
from typing import Any, Callable, Iterable, Mapping, Sequence

from . import _core
from ._group import GroupMember
from ._options import grok_config, multiline_config, parse_tz
from .logs import field_options
from ._typed import RunSummary, lag_text, stats_of
from .config import defaults

_W = defaults("watch")  # the settings table (config.py): the CLI's defaults are the API's

_CHUNK = 10_000


def default_rules() -> str:
    """The built-in rules as YAML (a starting point for a rules file)."""
    return _core.watch_default_rules()


def check_rules(path: str | os.PathLike | None = None, text: str | None = None) -> dict:
    """Loads a rules file (or YAML text) and returns which rules run; ValueError names file, key, line."""
    return _core.watch_check_rules(os.fspath(path) if path else "", text or "")


@stats_of(_core.WatchStats)
class WatchStats(RunSummary):
    """What a watch run did: the fields of ``_core.WatchStats`` (documented there), as a dataclass;
    ``engine``, ``kafka_sink`` and ``webhook_sink`` are dicts, and the engine's counters read as
    attributes too (``st.events``, ``st.fired``, ``st.active_by_rule``, ...)."""

    def __getattr__(self, name: str) -> Any:  # only for names that are not fields
        engine = self.__dict__.get("engine") or {}
        if name in engine:
            return engine[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def raw(self) -> dict:
        """The stats as the C++ snapshot has them (for /metrics)."""
        return dataclasses.asdict(self)

    @property
    def ok(self) -> bool:
        return not self.fatal and not self.kafka_sink.get("failed") and not self.webhook_sink.get("failed")

    def _line(self) -> str:
        s = (f"consumed={self.consumed} evaluated={self.events} late={self.late} undecodable={self.undecodable} "
             f"alerts fired={self.fired} resolved={self.resolved} active={sum(self.active_by_rule.values())} "
             f"in {self.seconds:.2f}s; " + lag_text(self.lag, self.lag_unknown))
        if self.kafka_sink.get("sent") or self.kafka_sink.get("failed"):
            s += f"; alerts topic sent={self.kafka_sink['sent']} failed={self.kafka_sink['failed']}"
        if self.webhook_sink.get("sent") or self.webhook_sink.get("failed"):
            s += f"; webhook sent={self.webhook_sink['sent']} failed={self.webhook_sink['failed']}"
        return s


def _rules_args(rules: str | os.PathLike | None, rules_text: str | None) -> tuple[str, str]:
    return (os.fspath(rules) if rules else "", rules_text or "")


def evaluate_logs(source: str | os.PathLike | Sequence[str | os.PathLike] | Iterable[str | bytes | dict], *,
                  rules: str | os.PathLike | None = None, rules_text: str | None = None, format: str = "auto",
                  tz: str | int | None = None, year: int | None = None, name: str = "lines",
                  json_time_field: str | None = None, json_level_field: str | None = None,
                  json_message_field: str | None = None,
                  add_fields: Iterable[str] | Mapping[str, str] | None = None) -> list[dict]:
    """Evaluates the rules offline and returns the alerts (dicts) in the order they were raised.

    ``source``: a log file path (str or PathLike, plain or .gz), a list of ``pathlib.Path``, or
    an iterable of log lines (str/bytes) or documents (dicts as ``parse_line`` / the producer
    make them). A list of str is taken as lines; use ``evaluate_files`` for several paths. Paths are
    parsed in C++; the event "source" (heartbeat / error key) is the path, or ``name``.
    The windows are flushed at the end: conditions still true then are reported firing.
    ``json_*_field`` and ``add_fields``: as in ``parse_line`` (for lines, not for dicts).
    """
    rp, rt = _rules_args(rules, rules_text)
    fields = dict(json_time_field=json_time_field, json_level_field=json_level_field,
                  json_message_field=json_message_field, add_fields=add_fields)
    if isinstance(source, (str, os.PathLike)) or (
            isinstance(source, (list, tuple)) and source and all(isinstance(p, os.PathLike) for p in source)):
        paths = [os.fspath(source)] if isinstance(source, (str, os.PathLike)) else [os.fspath(p) for p in source]
        return evaluate_files(paths, rules=rules, rules_text=rules_text, format=format, tz=tz, year=year, **fields)
    ev = _core.LineEvaluator(rp, rt, format, parse_tz(tz), year or 0, name, field_options(**fields))
    out: list[str] = []
    lines: list[str] = []
    docs: list[str] = []

    def flush() -> None:
        if lines:
            out.extend(ev.add_lines(lines))
            lines.clear()
        if docs:
            out.extend(ev.add_documents(docs))
            docs.clear()

    for item in source:
        if isinstance(item, dict):
            if lines:
                flush()
            docs.append(json.dumps(item))
        else:
            if docs:
                flush()
            lines.append(item.decode("utf-8", "surrogateescape") if isinstance(item, bytes) else item)
        if len(lines) + len(docs) >= _CHUNK:
            flush()
    flush()
    out.extend(ev.finish())
    return [json.loads(a) for a in out]


def evaluate_files(paths: Sequence[str | os.PathLike], *, rules: str | os.PathLike | None = None,
                   rules_text: str | None = None, format: str = "auto", tz: str | int | None = None,
                   year: int | None = None, grok: str | Sequence[str] | None = None,
                   patterns_dir: str | os.PathLike | None = None, time_format: str | None = None,
                   multiline_start: str | None = None, multiline: str | None = None,
                   multiline_max_lines: int | None = None, multiline_max_bytes: int | None = None,
                   json_time_field: str | None = None, json_level_field: str | None = None,
                   json_message_field: str | None = None,
                   add_fields: Iterable[str] | Mapping[str, str] | None = None,
                   encoding: str | None = None) -> list[dict]:
    """Evaluates log files (parsed in C++) and returns the alerts. The files are merged by event
    time (each is read in order), so logs written side by side share one timeline. ``grok``: one
    pattern or a list (first match wins), the multi-line keywords, ``json_*_field``,
    ``add_fields`` and ``encoding``, as for ``read_logs``."""
    rp, rt = _rules_args(rules, rules_text)
    r = _core.watch_evaluate_files([os.fspath(p) for p in paths], rp, rt, format, parse_tz(tz), year or 0,
                                   field_options(json_time_field, json_level_field, json_message_field, add_fields),
                                   grok_config(grok, patterns_dir, time_format),
                                   multiline_config(multiline_start, multiline, multiline_max_lines, multiline_max_bytes),
                                   encoding or "")
    return [json.loads(a) for a in r["alerts"]]


class Watcher(GroupMember):
    """Evaluates alert rules on a Kafka topic, in its own consumer group (C++, GIL released).

    Alerts go to ``on_alert`` (one JSON line each), to ``alerts_topic`` (``None`` = not to
    Kafka) and, if given, to ``webhook`` (HTTP POST, retried a bounded number of times).
    ``rules`` is a YAML file (``None`` = the built-in defaults, see ``default_rules()``).
    ``auto_offset_reset="latest"`` watches what arrives from now on; ``"earliest"`` replays.
    """

    def __init__(self, bootstrap: str = _W["bootstrap"], topics: str | Sequence[str] = tuple(_W["topics"]), *,
                 group: str = _W["group"], config: dict | None = None,
                 auto_offset_reset: str = _W["auto_offset_reset"], rules: str | os.PathLike | None = None,
                 rules_text: str | None = None, lateness: float | None = _W["lateness"],
                 alerts_topic: str | None = _W["alerts_topic"], webhook: str | None = None,
                 webhook_ca: str | None = _W["webhook_ca"], webhook_insecure: bool = _W["webhook_insecure"],
                 webhook_timeout: float = _W["webhook_timeout"], webhook_attempts: int = 4,
                 instance_id: str | None = _W["instance_id"], kafka_timeout: float = _W["kafka_timeout"]):
        if auto_offset_reset not in ("earliest", "latest"):
            raise ValueError("auto_offset_reset must be earliest or latest")
        rp, rt = _rules_args(rules, rules_text)
        check_rules(rp or None, rt or None)  # bad rules fail here, before any connection
        self.rules, self.rules_text = rp, rt
        cfg = _core.WatchConfig()
        cfg.bootstrap, cfg.group, cfg.auto_offset_reset = bootstrap, group, auto_offset_reset
        cfg.instance_id, cfg.connect_timeout_ms = instance_id or "", int(float(kafka_timeout) * 1000)
        cfg.topics = [topics] if isinstance(topics, str) else list(topics)
        cfg.properties = dict(config or {})
        cfg.alerts_topic = alerts_topic or ""
        if webhook:
            wh = _core.WebhookConfig()
            wh.url = webhook
            if webhook_ca:
                wh.ca_path = webhook_ca
            wh.insecure, wh.max_attempts = bool(webhook_insecure), int(webhook_attempts)
            wh.timeout_ms = int(float(webhook_timeout) * 1000)
            cfg.webhook = wh
        cfg.load_rules(rp, rt)
        if lateness is not None:
            cfg.lateness_ms = int(float(lateness) * 1000)
        self._cfg = cfg
        self._running: Any = None
        self.last_stats: WatchStats | None = None
        self.alerts: list[dict] = []  # alerts of the last run()

    def run(self, *, max_messages: int = 0, idle_timeout: float = 0.0, stop_at_end: bool = False,
            on_alert: Callable[[str], Any] | None = None,
            progress: Callable[[dict], Any] | None = None) -> WatchStats:
        """Watch until stopped (Ctrl-C, ``stop()``), ``max_messages``, ``idle_timeout`` seconds with
        partitions assigned and read to their end and no message, or (``stop_at_end``) every partition
        read to its end — then the last windows close. A run that got no partition within
        ``idle_timeout`` + the join grace ends with ``fatal`` saying so."""
        self.alerts = []

        def alert(line: str) -> None:
            self.alerts.append(json.loads(line))
            if on_alert is not None:
                on_alert(line)

        return self._run(_core.WatchPipeline(self._cfg), WatchStats, max_messages, idle_timeout, stop_at_end, alert,
                         progress)

    def evaluate(self, source: Any, **kw: Any) -> list[dict]:
        """Offline with this watcher's rules: see ``evaluate_logs``."""
        return evaluate_logs(source, rules=self.rules or None, rules_text=self.rules_text or None, **kw)

    def __repr__(self) -> str:
        return f"<Watcher {self._cfg.bootstrap} topics={self._cfg.topics} group={self._cfg.group!r}>"
