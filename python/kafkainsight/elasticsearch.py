"""Kafka -> Elasticsearch: a consumer group member that bulk-indexes every message exactly once
(C++: librdkafka + libcurl). Python holds the options; the work runs with the GIL released."""
from __future__ import annotations

import json
import os
import sys
from importlib import resources
from typing import Any, Callable, Sequence
from urllib.parse import unquote, urlsplit, urlunsplit

from . import _core
from ._group import GroupMember
from ._paths import CAFileNotFoundError, find_file
from ._typed import RunSummary, lag_text, stats_of
from .config import defaults

_C = defaults("consume")  # the settings table (config.py): the CLI's defaults are the API's


@stats_of(_core.ConsumeStats)
class ConsumeStats(RunSummary):
    """What a consume run did: the fields of ``_core.ConsumeStats`` (documented there), as a dataclass."""

    @property
    def ok(self) -> bool:
        return not self.fatal

    def _line(self) -> str:
        rate = self.consumed / self.seconds if self.seconds > 0 else 0.0
        s = (f"consumed={self.consumed} indexed={self.indexed} duplicates={self.duplicates} "
             f"dead_lettered={self.dead_lettered} retried={self.item_retries + self.request_retries} "
             f"bulks={self.bulk_requests} in {self.seconds:.2f}s ({rate:,.0f} docs/s); "
             f"latency p50={self.latency_p50_ms:.0f}ms p99={self.latency_p99_ms:.0f}ms; "
             + lag_text(self.lag, self.lag_unknown))
        if self.id_conflicts:
            s += f"; id_conflicts={self.id_conflicts}"
        if self.rejoins:
            s += f"; rejoins={self.rejoins} (fenced by its own group.instance.id)"
        if self.bad_event_ids:
            s += f"; bad_event_ids={self.bad_event_ids} (_id topic-partition-offset)"
        return s


def index_template(schema: str, pattern: str, *, settings: dict | None = None, priority: int | None = None,
                   meta: dict | None = None) -> dict:
    """The index template for ``pattern``: the mappings of ``templates/<schema>.json`` plus
    ``settings``. The one builder: the consumer's --install-template and deploy-assets both use it."""
    body = json.loads(resources.files("kafkainsight").joinpath(f"templates/{schema}.json").read_text(encoding="utf-8"))
    body.pop("_comment", None)
    body["index_patterns"] = [pattern]
    body["template"].setdefault("settings", {}).update(settings or {})
    if priority is not None:
        body["priority"] = priority
    if meta:
        body["_meta"] = meta
    return body


def _credentials_out_of_url(url: str, user: str, password: str | None) -> tuple[str, str, str | None]:
    """https://user:pw@host -> (https://host, user, pw): the URL is shown in errors and reprs,
    the password must not be."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, user, password
    userinfo, _, hostport = parts.netloc.rpartition("@")
    name, sep, pw = userinfo.partition(":")
    return (urlunsplit(parts._replace(netloc=hostport)), unquote(name) or user,
            password if password else (unquote(pw) if sep else password))


def client_config(url: str, *, ca_path: str | None = "", ca_fingerprint: str | None = None, insecure: bool = False,
                  allow_http_credentials: bool = False, user: str = _C["user"], password: str | None = None,
                  api_key: str | None = None, timeout: float = 30.0) -> _core.ClientConfig:
    """The typed connection settings (URL, TLS, credentials) the consumer's sink and deploy-assets
    both hand to the C++ client."""
    c = _core.ClientConfig()
    c.url, c.ca_path, c.ca_fingerprint, c.insecure = url, ca_path or "", ca_fingerprint or "", bool(insecure)
    c.allow_http_credentials = bool(allow_http_credentials)
    c.user, c.password, c.api_key = user, password or "", api_key or ""
    c.timeout_ms = int(float(timeout) * 1000)
    return c


class ElasticsearchSink:
    """Where documents go: URL, TLS, credentials, index and batching.

    TLS is verified against ``ca_certs`` (Elasticsearch 8's ``http_ca.crt``) or pinned with
    ``ca_fingerprint`` (the server must send that CA and its certificate must be issued by it, or
    the pin is the server's own certificate); host names are checked either way. ``insecure=True``
    turns verification off (with a warning). Credentials: ``password`` for ``user`` (default
    ``elastic``) or ``api_key``. They never appear in reprs, errors or stats, and are refused over
    plain ``http://`` unless ``allow_http_credentials=True`` (with a warning). ``index`` is a name
    or a pattern of the event date (``logs-%Y.%m.%d``). A relative ``ca_certs`` is looked for in
    the working directory, then in the project root (the repository checkout, if the package runs
    from one); a missing one raises ``FileNotFoundError`` from ``Consumer.run`` naming every
    absolute path tried.
    """

    def __init__(self, url: str = _C["url"], *, ca_certs: str = _C["ca_certs"],
                 ca_fingerprint: str | None = _C["ca_fingerprint"], insecure: bool = _C["insecure"],
                 allow_http_credentials: bool = _C["allow_http_credentials"], user: str = _C["user"],
                 password: str | None = None, api_key: str | None = None, index: str = _C["index"],
                 op: str = "create", bulk_max_docs: int = _C["bulk_max_docs"],
                 bulk_max_bytes: int = _C["bulk_max_bytes"], linger: float = _C["linger"],
                 fixed_linger: bool = _C["fixed_linger"], gzip: bool = _C["gzip"],
                 max_in_flight: int = _C["max_in_flight"], timeout: float = 30.0,
                 dlq_topic: str | None = _C["dlq_topic"], shards: int | None = _C["shards"],
                 replicas: int | None = _C["replicas"], install_template: bool = _C["install_template"],
                 schema: str = _C["schema"], recreate_index: bool = _C["recreate_index"],
                 startup_timeout: float = _C["startup_timeout"], backoff_initial_ms: int = 200,
                 backoff_max_ms: int = 30000, max_buffered_bytes: int = _C["max_buffered_bytes"],
                 kafka_metadata: bool = _C["kafka_metadata"]):
        url, user, password = _credentials_out_of_url(url, user, password)
        # A relative CA path: the working directory, then the project root (see _paths); the C++
        # core gets the absolute path. A missing file matters only when it is used (https,
        # verified, no pin): run() then names every absolute path tried.
        found, tried = find_file(ca_certs) if ca_certs else (None, [])
        self._ca_missing = None
        if found is not None:
            ca_certs = found
        elif ca_certs and not insecure and not ca_fingerprint and url.lower().startswith("https://"):
            self._ca_missing = (ca_certs, tried)
        if insecure:
            print("WARNING: TLS certificate verification is OFF (--insecure): anyone on the path can read "
                  "and change what is sent, including the password", file=sys.stderr)
        if allow_http_credentials and (password or api_key) and not url.lower().startswith("https://"):
            print(f"WARNING: the {'API key' if api_key else 'password'} goes to {url} in clear text "
                  "(--allow-http-credentials): anyone on the network path can read it", file=sys.stderr)
        settings = {}
        if shards is not None:
            settings["number_of_shards"] = shards
        if replicas is not None:
            settings["number_of_replicas"] = replicas
        template_name = template_body = ""
        if install_template:
            pattern = index.split("%", 1)[0] + "*" if "%" in index else index
            template_name = f"kafkainsight-{schema}"
            template_body = json.dumps(index_template(schema, pattern, settings=settings))
        cfg = _core.EsSinkConfig()
        cfg.client = client_config(url, ca_path=ca_certs, ca_fingerprint=ca_fingerprint, insecure=insecure,
                                   allow_http_credentials=allow_http_credentials, user=user, password=password,
                                   api_key=api_key, timeout=timeout)
        cfg.client.gzip, cfg.client.max_in_flight = bool(gzip), int(max_in_flight)
        cfg.index, cfg.op, cfg.dlq_topic = index, op, dlq_topic or ""
        cfg.bulk_max_docs, cfg.bulk_max_bytes = int(bulk_max_docs), int(bulk_max_bytes)
        cfg.linger_ms, cfg.fixed_linger = int(float(linger) * 1000), bool(fixed_linger)
        cfg.index_settings = json.dumps({"settings": settings}) if settings else ""
        cfg.template_name, cfg.template_body = template_name, template_body
        cfg.recreate_index = bool(recreate_index)
        cfg.kafka_metadata = bool(kafka_metadata)
        cfg.startup_timeout_ms = int(float(startup_timeout) * 1000)
        cfg.backoff_initial_ms, cfg.backoff_max_ms = int(backoff_initial_ms), int(backoff_max_ms)
        cfg.max_buffered_bytes = int(max_buffered_bytes)
        self._cfg = cfg

    def __repr__(self) -> str:
        c = self._cfg.client
        auth = "api_key=***" if c.api_key else (f"user={c.user} password=***" if c.password else "no auth")
        tls = "INSECURE" if c.insecure else "fingerprint" if c.ca_fingerprint else f"ca={c.ca_path}"
        return f"<ElasticsearchSink {c.url} index={self._cfg.index} {auth} tls={tls}>"


class Consumer(GroupMember):
    """A Kafka consumer group member (librdkafka): ``run(sink)`` moves messages into Elasticsearch.

    topics: names, or a regex starting with ``^``. Starts at the earliest offset for a new group.
    ``config`` passes librdkafka properties through (TLS/SASL to Kafka).
    """

    def __init__(self, bootstrap: str = _C["bootstrap"], topics: str | Sequence[str] = tuple(_C["topics"]),
                 group: str = _C["group"], config: dict | None = None,
                 auto_offset_reset: str = _C["auto_offset_reset"], instance_id: str | None = _C["instance_id"],
                 kafka_timeout: float = _C["kafka_timeout"]):
        cfg = _core.ConsumerConfig()
        cfg.bootstrap, cfg.group, cfg.auto_offset_reset = bootstrap, group, auto_offset_reset
        cfg.instance_id, cfg.connect_timeout_ms = instance_id or "", int(float(kafka_timeout) * 1000)
        cfg.topics = [topics] if isinstance(topics, str) else list(topics)
        cfg.properties = dict(config or {})
        self._cfg = cfg
        self._running: Any = None
        self.last_stats: ConsumeStats | None = None

    def run(self, sink: ElasticsearchSink, *, max_messages: int = 0, idle_timeout: float = 0.0,
            stop_at_end: bool = False, progress: Callable[[dict], Any] | None = None) -> ConsumeStats:
        """Consume until stopped (Ctrl-C, ``stop()``), ``max_messages``, ``idle_timeout`` seconds
        with partitions assigned, read to their end and nothing in flight (a run that got no
        partition within ``idle_timeout`` + the join grace ends with ``fatal`` saying so), or
        (``stop_at_end``) once every assigned partition is read to its end.
        In-flight bulks finish and offsets are committed before it returns."""
        if sink._ca_missing:
            raise CAFileNotFoundError(*sink._ca_missing)
        return self._run(_core.ConsumePipeline(self._cfg, sink._cfg), ConsumeStats, max_messages, idle_timeout,
                         stop_at_end, progress)
