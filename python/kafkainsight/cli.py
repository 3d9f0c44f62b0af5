"""The `kafkainsight` command: generate, parse, produce, consume, broker, demo (the main job), watch,
report, deploy-assets."""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import sys
import tempfile
import time

from . import _core
from ._options import parse_duration, parse_tz
from ._version import __version__

EXIT_OK, EXIT_FAILED_LINES, EXIT_USAGE, EXIT_IO = 0, 3, 2, 1
ENV_FILE_HELP = "settings file (default .env, read if present; a file named here must exist)"


def _cmd_generate(a: argparse.Namespace) -> int:
    from .generate import generate
    number = a.number if a.number is not None else (0 if a.bytes else 1000)
    out = a.output
    if a.type != "stdout" and not out:
        out = "generated.log"
    st = generate(a.format, number, bytes=a.bytes, output=out if a.type != "stdout" else None, type=a.type,
                  sleep=a.sleep, delay=a.delay, loop=a.loop, seed=a.seed, start=a.start, tz=a.tz)
    if a.type != "stdout":
        print(f"{out} is created. ({st['lines']} lines, {st['bytes']} bytes)", file=sys.stderr)
    return EXIT_OK


def _print_stats(stats: dict, file=sys.stderr) -> None:
    rate = stats["lines"] / stats["seconds"] if stats["seconds"] > 0 else 0.0
    print(f"lines={stats['lines']} parsed={stats['parsed']} failed={stats['failed']} empty={stats['empty']} "
          f"in {stats['seconds']:.3f}s ({rate:,.0f} lines/s, {stats['bytes'] / max(stats['seconds'], 1e-9) / 1e6:.1f} MB/s)",
          file=file)
    for fmt, n in stats["by_format"].items():
        print(f"  {fmt:16s} {n}", file=file)


def _cmd_parse(a: argparse.Namespace) -> int:
    _sigterm_as_interrupt()
    # Ctrl-C / SIGTERM and damaged input end the run with the documents so far written.
    stats = _core.convert(a.files or ["-"], a.output, a.failed or "", a.format, a.schema, a.original,
                          parse_tz(a.tz), a.year or 0)
    if stats["interrupted"]:
        print("stopped: ", end="", file=sys.stderr)
    _print_stats(stats)
    if stats["failed"]:
        where = f" (see {a.failed})" if a.failed else " (use --failed FILE to keep them with reasons)"
        print(f"{stats['failed']} line(s) did not parse{where}", file=sys.stderr)
    if stats["error"]:
        print(f"kafkainsight: error: {stats['error']} (the run stopped there; the lines before it are counted "
              f"above)", file=sys.stderr)
        return EXIT_IO
    return EXIT_FAILED_LINES if stats["failed"] else EXIT_OK


def _sigterm_as_interrupt() -> None:
    """SIGTERM stops like Ctrl-C: stop reading, flush what is in flight, print stats."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)


def _ensure_default_log(path: str) -> None:
    if not os.path.exists(path):
        from .generate import generate
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        generate("apache_common", 1000, output=path, seed=1, sleep="1s")
        print(f"{path} did not exist: generated 1000 apache_common lines into it", file=sys.stderr)


class _Progress:
    """A tqdm bar on a terminal (bytes, lines/s, ETA); nothing when not a TTY."""

    def __init__(self, paths: list[str], enabled: bool):
        self.bar = None
        if not enabled:
            return
        from tqdm import tqdm
        total = None
        if all(p != "-" and not p.endswith(".gz") and os.path.isfile(p) for p in paths):
            total = sum(os.path.getsize(p) for p in paths)
        self.bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, dynamic_ncols=True,
                        desc="producing", file=sys.stderr)
        self.last = 0

    def __call__(self, lines: int, nbytes: int, queued: int) -> None:
        if self.bar is not None:
            self.bar.update(nbytes - self.last)
            self.last = nbytes
            self.bar.set_postfix(lines=lines, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _add_metrics_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--metrics-port", type=int, default=None,
                   help="serve /metrics (Prometheus) and /healthz on this port (default $KI_METRICS_PORT; off)")
    p.add_argument("--metrics-host", default="0.0.0.0", help="address for --metrics-port (default 0.0.0.0)")
    p.add_argument("--metrics-linger", type=float, default=0.0,
                   help="keep serving the final /metrics this many seconds after finishing (batch runs)")


def _start_metrics(a: argparse.Namespace, command: str):
    from .metrics import Metrics, metrics_port
    port = metrics_port(getattr(a, "metrics_port", None))
    if port is None:
        return None
    m = Metrics(command, port, a.metrics_host)
    print(f"metrics: http://{a.metrics_host}:{m.port}/metrics and /healthz", file=sys.stderr, flush=True)
    return m


_served: list = []  # Metrics servers of this command, lingered over and closed by main()


def _finish_metrics(metrics, a: argparse.Namespace, final: dict | None) -> None:
    """The command is done: /metrics shows its final stats; main() keeps them up for --metrics-linger."""
    if metrics is None:
        return
    if final is not None:
        metrics.update(final)
    metrics.mark_finished()
    _served.append((metrics, a.metrics_linger))


def _close_metrics() -> None:
    """After the summary is printed: serve the final values --metrics-linger seconds (Ctrl-C / SIGTERM end it)."""
    while _served:
        metrics, linger = _served.pop()
        try:
            if linger > 0:
                print(f"metrics: final values served for {linger:g}s", file=sys.stderr, flush=True)
                time.sleep(linger)
        except KeyboardInterrupt:
            pass
        finally:
            metrics.close()


def _cmd_produce(a: argparse.Namespace) -> int:
    from .kafka import EmbeddedBroker, InputError, Producer, ProduceStats
    from .settings import Settings, is_tty, parse_properties
    cfg = Settings(a.env_file or ".env")
    props = parse_properties(a.property)
    topic = cfg.get("KAFKA_TOPIC", a.topic)
    broker = None
    if a.embedded:
        broker = EmbeddedBroker(topics={topic: a.partitions})
        bootstrap = broker.bootstrap
        print(f"{EmbeddedBroker.NOTE}; bootstrap {bootstrap}", file=sys.stderr)
    else:
        bootstrap = cfg.get("KAFKA_BOOTSTRAP_SERVERS", a.bootstrap_servers)
    files = a.files or [cfg.get("LOG_FILE")]
    if not a.files:
        _ensure_default_log(files[0])
    if a.resume and ("-" in files or a.from_end):
        raise ValueError("--resume needs files (stdin has no position) and does not go with --from-end")
    _sigterm_as_interrupt()
    producer = Producer(bootstrap, topic, props, dlq_topic=cfg.get("KAFKA_DLQ_TOPIC", a.dlq_topic) or None,
                        format=a.format, schema=a.schema, include_original=a.original, tz=a.tz, year=a.year,
                        key=a.key, on_parse_error=a.on_parse_error, rate=a.rate, timeout=a.timeout,
                        follow=a.follow, from_end=a.from_end,
                        headers="none" if a.no_headers else cfg.get("KAFKA_HEADERS", a.headers), resume=a.resume)
    progress = _Progress(files, enabled=is_tty() and not a.quiet)
    metrics = _start_metrics(a, "produce")
    interrupted, input_error = False, ""
    try:
        st = producer.produce_file(files, progress=progress, on_stats=metrics.update if metrics else None)
    except KeyboardInterrupt:  # also before the C++ call began: then nothing was read
        interrupted = True
        st = producer.last_stats or ProduceStats(interrupted=True)
    except InputError as e:  # damaged or unreadable input: the lines before it were sent and flushed
        st, input_error = e.stats, str(e)
    finally:
        progress.close()
    _finish_metrics(metrics, a, dataclasses.asdict(st) if st else None)
    print(("stopped: " if interrupted else "") + st.summary(), file=sys.stderr)
    if st.dead_lettered:
        print(f"{st.dead_lettered} line(s) that did not parse went to {producer.dlq_topic} "
              f"(raw line + reason in headers)", file=sys.stderr)
    if st.skipped:
        print(f"{st.skipped} line(s) that did not parse were skipped", file=sys.stderr)
    for e in st.errors[:10]:
        print(f"  {e}", file=sys.stderr)
    producer.close()  # before an embedded broker goes, so its connections do not complain
    if a.embedded and broker is not None:
        from .kafka import read_topic
        r = read_topic(bootstrap, topic, keep=0)
        print(f"read back from the embedded broker: {r['messages']} message(s) in {topic} "
              f"(per partition {r['per_partition']})", file=sys.stderr)
    if input_error:
        print(f"kafkainsight: error: {input_error} (the run stopped there; the lines before it are counted "
              f"above)", file=sys.stderr)
        return EXIT_IO
    if st.stopped_reason:
        print(f"stopped at the first line that did not parse: {st.stopped_reason}", file=sys.stderr)
        return EXIT_FAILED_LINES
    if st.failed_delivery or not st.balanced:
        print(f"{st.failed_delivery} message(s) were NOT delivered", file=sys.stderr)
        return EXIT_IO
    return EXIT_OK


def _warn_password_in_url(url: str | None, flag: str) -> None:
    """A command line is readable by every user of the machine (ps, /proc/PID/cmdline)."""
    from urllib.parse import urlsplit
    if url and ":" in urlsplit(url).netloc.rpartition("@")[0]:
        print(f"kafkainsight: warning: the password in {flag} is visible to other users of this machine (ps): "
              "set ELASTIC_PASSWORD in the environment or a chmod-600 .env instead", file=sys.stderr)


def _cmd_consume(a: argparse.Namespace) -> int:
    from .elasticsearch import Consumer, ConsumeStats, ElasticsearchSink
    from .settings import Settings, parse_properties
    cfg = Settings(a.env_file or ".env")
    topics = a.topics or [cfg.get("KAFKA_TOPIC")]
    consumer = Consumer(cfg.get("KAFKA_BOOTSTRAP_SERVERS", a.bootstrap_servers), topics,
                        cfg.get("KAFKA_GROUP_ID", a.group), parse_properties(a.property),
                        auto_offset_reset=a.offset_reset)
    _warn_password_in_url(a.url, "--url")
    sink = ElasticsearchSink(
        cfg.get("ELASTICSEARCH_URL", a.url, "https://localhost:9200"),
        ca_certs=cfg.get("ELASTIC_CA_CERTS", a.ca_certs, "certificates/http_ca.crt"),
        ca_fingerprint=cfg.get("ELASTIC_CA_FINGERPRINT", a.ca_fingerprint, ""), insecure=a.insecure,
        allow_http_credentials=a.allow_http_credentials,
        user=cfg.get("ELASTIC_USER", a.user, "elastic"), password=cfg.get("ELASTIC_PASSWORD", None, ""),
        api_key=cfg.get("ELASTIC_API_KEY", None, ""), index=cfg.get("ES_INDEX", a.index, "test-log"),
        bulk_max_docs=a.bulk_max_docs, bulk_max_bytes=a.bulk_max_bytes, linger=a.linger, gzip=a.gzip,
        max_in_flight=a.max_in_flight, dlq_topic=a.dlq_topic, shards=a.shards, replicas=a.replicas,
        install_template=a.install_template, schema=a.schema, recreate_index=a.recreate_index,
        startup_timeout=a.startup_timeout, max_buffered_bytes=a.max_buffered_bytes)
    _sigterm_as_interrupt()
    metrics = _start_metrics(a, "consume")
    interrupted = False
    try:
        st = consumer.run(sink, max_messages=a.max_messages, idle_timeout=a.idle_timeout, stop_at_end=a.stop_at_end,
                          progress=metrics.update if metrics else None)
    except KeyboardInterrupt:  # also before the C++ call began: then nothing was consumed
        interrupted, st = True, consumer.last_stats or ConsumeStats(interrupted=True)
    except _core.KafkaError as e:  # start-up: credentials, TLS, unreachable Elasticsearch or Kafka
        print(f"kafkainsight: error: {e}", file=sys.stderr)
        return EXIT_IO
    _finish_metrics(metrics, a, dataclasses.asdict(st) if st else None)
    print(("stopped: " if interrupted else "") + st.summary(), file=sys.stderr)
    for e in st.errors[:10]:
        print(f"  {e}", file=sys.stderr)
    if st.lag or st.lag_unknown:
        print("  lag per partition: " + ", ".join([f"{k}={v}" for k, v in sorted(st.lag.items())] +
                                                  [f"{k}=unknown" for k in st.lag_unknown]), file=sys.stderr)
    if st.fatal:
        print(f"kafkainsight: error: {st.fatal} (offsets committed only up to what was indexed)", file=sys.stderr)
        return EXIT_IO
    return EXIT_OK


def _cmd_broker(a: argparse.Namespace) -> int:
    from .kafka import EmbeddedBroker
    topics = {}
    for t in a.topic or ["data_log"]:
        name, _, parts = t.partition(":")
        topics[name] = int(parts or a.partitions)
    broker = EmbeddedBroker(brokers=a.brokers, topics=topics)
    print(f"KafkaInsight embedded broker: {a.brokers} broker(s), topics "
          + ", ".join(f"{k} ({v} partitions)" for k, v in topics.items()))
    print(f"  {EmbeddedBroker.NOTE}; other topics are created on first use with 4 partitions.")
    print(f"bootstrap: {broker.bootstrap}")
    print(f"export KAFKA_BOOTSTRAP_SERVERS={broker.bootstrap}", flush=True)
    _sigterm_as_interrupt()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("embedded broker stopped (its data is gone)", file=sys.stderr)
    return EXIT_OK


def _cmd_demo(a: argparse.Namespace) -> int:
    """The main job on embedded defaults: generate -> produce to an embedded broker -> read back -> summary."""
    from .generate import generate
    from .kafka import EmbeddedBroker, Producer, read_topic
    workdir = a.workdir or tempfile.mkdtemp(prefix="kafkainsight-demo-")
    os.makedirs(workdir, exist_ok=True)
    print(f"KafkaInsight {__version__} demo (work dir {workdir})")
    files = []
    t0 = time.perf_counter()
    for fmt in ("apache_common", "apache_combined", "apache_error", "rfc3164", "rfc5424", "json"):
        path = os.path.join(workdir, f"{fmt}.log")
        generate(fmt, a.lines, output=path, type="log", seed=a.seed, sleep="1s", start=1700000000)
        files.append(path)
    # Three lines no parser accepts: they must reach the dead-letter topic, not vanish.
    with open(files[0], "a", encoding="utf-8") as f:
        f.write("this is not a log line\n<999>bad priority\n{\"json\": \"but not a log\"}\n")
    total = a.lines * len(files) + 3
    print(f"1. generated {a.lines:,} lines in each of {len(files)} formats (+3 bad lines) "
          f"in {time.perf_counter() - t0:.2f}s")
    with EmbeddedBroker(topics={a.topic: a.partitions, f"{a.topic}.dlq": 1}) as broker:
        print(f"2. embedded broker at {broker.bootstrap} ({EmbeddedBroker.NOTE})")
        # Spread lines evenly: each embedded partition keeps only ~5 MB, and librdkafka's sticky
        # partitioner would pile a burst like this onto a few partitions.
        with Producer(broker.bootstrap, a.topic, {"sticky.partitioning.linger.ms": "0"}, schema=a.schema,
                      year=2023) as producer:  # closed before the broker goes
            st = producer.produce_file(files)
        print(f"3. produced (parse + encode + acks=all, in C++): {st.summary()}")
        for fmt, n in sorted(st.by_format.items()):
            print(f"     {fmt:16s} {n:>9,}")
        main = read_topic(broker.bootstrap, a.topic, keep=1)
        dlq = read_topic(broker.bootstrap, f"{a.topic}.dlq", keep=3)
        print(f"4. read back: {main['messages']:,} documents in {a.topic} "
              f"(partitions {dict(main['per_partition'])}), {dlq['messages']} in {a.topic}.dlq")
        if main["kept"]:
            print("   first document: " + main["kept"][0]["value"].decode())
        for m in dlq["kept"]:
            print(f"   dead-lettered line {m['headers']['ki.line'].decode()}: {m['value'].decode()!r} "
                  f"<- {m['headers']['ki.error.reason'].decode()}")
    ok = (st.read == total and st.balanced and st.failed_delivery == 0 and main["messages"] == st.produced
          and dlq["messages"] == st.dead_lettered == 3)
    print("result:", f"OK, all {total:,} lines accounted for" if ok else "MISMATCH (see above)")
    return EXIT_OK if ok else EXIT_IO


def _cmd_report(a: argparse.Namespace) -> int:
    """One self-contained HTML page from log files or a Kafka topic."""
    from .report import load_alerts, summarize_logs, summarize_topic, write_report
    from .settings import Settings, parse_properties
    alerts = load_alerts(a.alerts) if a.alerts else None
    if a.bootstrap_servers or a.source[0].startswith("kafka:"):
        if len(a.source) != 1:
            print("kafkainsight: error: give one topic to read from Kafka", file=sys.stderr)
            return EXIT_USAGE
        cfg = Settings(a.env_file or ".env")
        topic = a.source[0].removeprefix("kafka:")
        bootstrap = cfg.get("KAFKA_BOOTSTRAP_SERVERS", a.bootstrap_servers)
        s = summarize_topic(bootstrap, topic, parse_properties(a.property), max_messages=a.max_messages,
                            timeout=a.timeout, max_points=a.max_points, top_n=a.top)
        src = s["source"]
        print(f"read {src['read']:,} of {src['messages']:,} message(s) from {topic}; counted {src['counted']:,}",
              file=sys.stderr)
    else:
        s = summarize_logs(a.source, a.format, tz=a.tz, year=a.year, max_points=a.max_points, top_n=a.top)
        t = s["totals"]
        print(f"lines={t['lines']:,} parsed={t['parsed']:,} failed={t['failed']:,} empty={t['empty']:,}", file=sys.stderr)
    from_topic = a.bootstrap_servers or a.source[0].startswith("kafka:")
    if alerts is None and not a.no_alerts and not from_topic and "-" not in a.source:
        # The timeline of log files: the watcher's rules evaluated offline over the same files.
        from .watch import evaluate_files
        alerts = evaluate_files(a.source, rules=a.rules, format=a.format, tz=a.tz, year=a.year)
    write_report(s, a.output, alerts=alerts, title=a.title)
    print(f"wrote {a.output} ({os.path.getsize(a.output):,} bytes; open it in any browser, no network needed)",
          file=sys.stderr)
    return EXIT_OK


def _cmd_deploy_assets(a: argparse.Namespace) -> int:
    """ILM policy + index template into Elasticsearch, saved objects into Kibana."""
    from .deploy_assets import AssetInstallError, install_assets
    from .settings import Settings
    cfg = Settings(a.env_file or ".env")
    try:
        install_assets(cfg.get("ELASTICSEARCH_URL", a.es_url, "") or None, a.kibana_url,
                       user=cfg.get("ELASTIC_USER", a.user, "elastic"), password=cfg.get("ELASTIC_PASSWORD", None, ""),
                       api_key=cfg.get("ELASTIC_API_KEY", None, ""),
                       ca_certs=cfg.get("ELASTIC_CA_CERTS", a.ca_certs, "certificates/http_ca.crt"),
                       insecure=a.insecure, allow_http_credentials=a.allow_http_credentials, retention=a.retention, pattern=a.pattern, ilm=not a.no_ilm,
                       replicas=a.replicas, dry_run=a.dry_run)
    except AssetInstallError as e:
        print(f"kafkainsight: error: {e}", file=sys.stderr)
        return EXIT_IO
    return EXIT_OK


def _cmd_watch(a: argparse.Namespace) -> int:
    """Alert rules over event time, on a topic (own consumer group) or offline on log files."""
    from .settings import Settings, parse_properties
    from .watch import Watcher, check_rules, default_rules, evaluate_files
    if a.print_rules:
        sys.stdout.write(default_rules())
        return EXIT_OK
    cfg = Settings(a.env_file or ".env")
    rules = cfg.get("KI_WATCH_RULES", a.rules, "") or None
    info = check_rules(rules)  # ValueError (exit 2) names the file, the key and the line
    print(f"watch: rules {', '.join(info['rules']) or '(none)'} from {rules or 'built-in defaults'}; "
          f"lateness {a.lateness if a.lateness is not None else info['lateness_s']:g}s", file=sys.stderr)

    def emit(line: str) -> None:
        if not a.quiet:
            print(line, flush=True)

    if a.logs:
        alerts = evaluate_files(a.logs, rules=rules, format=a.format, tz=a.tz, year=a.year)
        for al in alerts:
            emit(json.dumps(al, separators=(",", ":")))
        print(f"watch: {len(alerts)} alert(s) from {len(a.logs)} file(s)", file=sys.stderr)
        return EXIT_OK
    topics = a.topics or [cfg.get("KAFKA_TOPIC")]
    webhook = cfg.get("KI_WEBHOOK_URL", a.webhook, "") or None
    w = Watcher(cfg.get("KAFKA_BOOTSTRAP_SERVERS", a.bootstrap_servers), topics, group=a.group,
                config=parse_properties(a.property), auto_offset_reset=a.offset_reset, rules=rules,
                lateness=a.lateness, alerts_topic=a.alerts_topic or None, webhook=webhook, webhook_ca=a.webhook_ca,
                webhook_insecure=a.webhook_insecure, webhook_timeout=a.webhook_timeout)
    _sigterm_as_interrupt()
    metrics = _start_metrics(a, "watch")
    interrupted = False
    try:
        st = w.run(max_messages=a.max_messages, idle_timeout=a.idle_timeout, stop_at_end=a.stop_at_end,
                   on_alert=emit, progress=metrics.update if metrics else None)
    except KeyboardInterrupt:
        interrupted, st = True, w.last_stats
    except _core.KafkaError as e:
        print(f"kafkainsight: error: {e}", file=sys.stderr)
        return EXIT_IO
    _finish_metrics(metrics, a, st.raw if st else None)
    if st is None:
        return 130
    print(("stopped: " if interrupted else "") + "watch: " + st.summary(), file=sys.stderr)
    for e in st.errors[:10]:
        print(f"  {e}", file=sys.stderr)
    if not st.ok:
        print("kafkainsight: error: " + (st.fatal or "some alerts were not delivered (see above)"), file=sys.stderr)
        return EXIT_IO
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kafkainsight", description="Real-time log pipeline with a fast C++ core.")
    p.add_argument("--version", action="version", version=f"kafkainsight {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="write flog-compatible fake logs",
                       description="flog-compatible fake log generator (same flags as flog 0.4.4, plus --seed).")
    g.add_argument("-f", "--format", default="apache_common", choices=[f for f in _core.FORMATS])
    g.add_argument("-o", "--output", default=None, help='output file (default "generated.log" for -t log|gz)')
    g.add_argument("-t", "--type", default="stdout", choices=["stdout", "log", "gz"])
    g.add_argument("-n", "--number", type=int, default=None, help="number of lines (default 1000)")
    g.add_argument("-b", "--bytes", type=int, default=0, help="size to generate in bytes (ignored when -n is set)")
    g.add_argument("-s", "--sleep", default="0", help="event-time interval per line, e.g. 1, 20ms, 5s (no real sleep)")
    g.add_argument("-d", "--delay", default="0", help="real delay between lines, e.g. 0.1, 20ms")
    g.add_argument("-l", "--loop", action="store_true", help="loop forever until killed")
    g.add_argument("--seed", type=int, default=0, help="random seed (0 = random); same seed, same lines")
    g.add_argument("--start", type=int, default=-1, help="epoch seconds of the first event (default now)")
    g.add_argument("--tz", default=None, help="offset written in timestamps, e.g. +08:00 (default UTC)")
    g.set_defaults(func=_cmd_generate)

    pa = sub.add_parser("parse", help="parse log files into JSON documents (NDJSON)")
    pa.add_argument("files", nargs="*", help="log files (plain or .gz); - or none for stdin")
    pa.add_argument("-f", "--format", default="auto", choices=["auto", *_core.FORMATS])
    pa.add_argument("--schema", default="ecs", choices=list(_core.SCHEMAS))
    pa.add_argument("-o", "--output", default="-", help="where documents go (default stdout)")
    pa.add_argument("--failed", default=None, help="write lines that did not parse (with reasons) here")
    pa.add_argument("--original", action="store_true", help="keep the raw line in event.original")
    pa.add_argument("--tz", default=None, help="zone of timestamps that carry none (default UTC)")
    pa.add_argument("--year", type=int, default=None, help="year for BSD syslog timestamps (default: inferred)")
    pa.set_defaults(func=_cmd_parse)

    pr = sub.add_parser("produce", help="stream log files into Kafka (parse + encode in C++)",
                        description="Stream log files into Kafka: one message per line, parsed and encoded in C++. "
                                    "Settings: flag, then environment variable, then .env, then default.")
    pr.add_argument("files", nargs="*", help="log files (plain or .gz), - for stdin (default $LOG_FILE or "
                                             "sample_logs/apache.log, generated if missing)")
    pr.add_argument("-b", "--bootstrap-servers", default=None, help="default $KAFKA_BOOTSTRAP_SERVERS or localhost:9093")
    pr.add_argument("-t", "--topic", default=None, help="default $KAFKA_TOPIC or data_log")
    pr.add_argument("--dlq-topic", default=None, help="dead-letter topic (default <topic>.dlq)")
    pr.add_argument("-X", dest="property", action="append", metavar="KEY=VALUE",
                    help="librdkafka property, repeatable (e.g. -X security.protocol=SSL -X ssl.ca.location=ca.pem)")
    pr.add_argument("-f", "--format", default="auto", choices=["auto", *_core.FORMATS])
    pr.add_argument("--schema", default="ecs", choices=list(_core.SCHEMAS))
    pr.add_argument("--original", action="store_true", help="keep the raw line in event.original")
    pr.add_argument("--tz", default=None, help="zone of timestamps that carry none (default UTC)")
    pr.add_argument("--year", type=int, default=None, help="year for BSD syslog timestamps")
    pr.add_argument("--key", default=None, help="message key from this field, e.g. source.ip (per-key ordering)")
    pr.add_argument("--on-parse-error", default="dlq", choices=["dlq", "skip", "fail"])
    pr.add_argument("--rate", type=float, default=None, help="lines per second (replay logs as live traffic)")
    pr.add_argument("--follow", action="store_true", help="tail the file like tail -F until stopped")
    pr.add_argument("--from-end", action="store_true", help="with --follow: start at the end of the file")
    pr.add_argument("--headers", default=None, choices=["ts", "all", "none"],
                    help="ts (default $KAFKA_HEADERS or ts): ki.ts, the read time, on followed/stdin lines only; "
                         "all: also ki.source, ki.line, ki.format on every message (~25%% more producer CPU); "
                         "none")
    pr.add_argument("--no-headers", action="store_true", help="the same as --headers none")
    pr.add_argument("--timeout", type=float, default=10.0, help="seconds to reach the cluster (default 10)")
    pr.add_argument("--resume", metavar="CHECKPOINT_FILE", default=None,
                    help="skip the lines of each file that an earlier run got acknowledged (recorded in this "
                         "file, created if missing) and keep recording; without it a re-run sends every line again")
    pr.add_argument("--embedded", action="store_true", help="produce into a fresh embedded broker (demo)")
    pr.add_argument("--partitions", type=int, default=4, help="partitions of the topic with --embedded")
    pr.add_argument("--env-file", default=None, help=ENV_FILE_HELP)
    pr.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    _add_metrics_options(pr)
    pr.set_defaults(func=_cmd_produce)

    co = sub.add_parser("consume", help="move Kafka messages into Elasticsearch (exactly once, TLS)",
                        description="Consume Kafka topics into Elasticsearch with bulk requests. Settings: flag, "
                                    "then environment (ELASTIC_PASSWORD, ELASTIC_API_KEY, ELASTICSEARCH_URL, "
                                    "KAFKA_BOOTSTRAP_SERVERS, ...), then .env, then default.")
    co.add_argument("topics", nargs="*", help="topics (default $KAFKA_TOPIC or data_log); ^regex allowed")
    co.add_argument("-b", "--bootstrap-servers", default=None)
    co.add_argument("-g", "--group", default=None, help="consumer group (default $KAFKA_GROUP_ID or my-group)")
    co.add_argument("--offset-reset", default="earliest", choices=["earliest", "latest"])
    co.add_argument("-X", dest="property", action="append", metavar="KEY=VALUE", help="librdkafka property")
    co.add_argument("--url", default=None, help="Elasticsearch URL (default https://localhost:9200)")
    co.add_argument("--ca-certs", default=None, help="CA file (default certificates/http_ca.crt)")
    co.add_argument("--ca-fingerprint", default=None,
                    help="SHA-256 fingerprint of the CA instead of a file (the server must send that CA, as "
                         "Elasticsearch 8 does)")
    co.add_argument("--insecure", action="store_true", help="do NOT verify TLS (prints a warning)")
    co.add_argument("--allow-http-credentials", action="store_true",
                    help="send the password or API key even over a plain http:// URL (readable on the network; "
                         "refused without this flag)")
    co.add_argument("--user", default=None, help="user for ELASTIC_PASSWORD (default elastic)")
    co.add_argument("--index", default=None, help="index name or date pattern, e.g. logs-%%Y.%%m.%%d (default test-log)")
    co.add_argument("--schema", default="ecs", choices=list(_core.SCHEMAS), help="layout for --install-template")
    co.add_argument("--install-template", action="store_true", help="install an index template with mappings")
    co.add_argument("--shards", type=int, default=None)
    co.add_argument("--replicas", type=int, default=None)
    co.add_argument("--recreate-index", action="store_true", help="DELETE the index first (destroys its data)")
    co.add_argument("--bulk-max-docs", type=int, default=1000)
    co.add_argument("--bulk-max-bytes", type=int, default=5 << 20)
    co.add_argument("--linger", type=float, default=1.0, help="seconds a partial bulk may wait")
    co.add_argument("--gzip", action="store_true", help="gzip request bodies")
    co.add_argument("--max-in-flight", type=int, default=2)
    co.add_argument("--max-buffered-bytes", type=int, default=64 << 20,
                    help="pause fetching while this many bytes of messages wait for Elasticsearch (default 64 MiB)")
    co.add_argument("--dlq-topic", default=None, help="dead-letter topic (default <topic>.dlq)")
    co.add_argument("--max-messages", type=int, default=0, help="stop after this many messages")
    co.add_argument("--idle-timeout", type=float, default=0.0, help="stop after this many idle seconds")
    co.add_argument("--stop-at-end", action="store_true",
                    help="stop once every assigned partition is read to its end (a batch run)")
    co.add_argument("--startup-timeout", type=float, default=30.0, help="seconds to wait for Elasticsearch")
    co.add_argument("--env-file", default=None, help=ENV_FILE_HELP)
    _add_metrics_options(co)
    co.set_defaults(func=_cmd_consume)

    br = sub.add_parser("broker", help="run the embedded Kafka broker (in memory) until stopped")
    br.add_argument("--brokers", type=int, default=1)
    br.add_argument("--topic", action="append", help="topic to create, NAME or NAME:PARTITIONS (repeatable)")
    br.add_argument("--partitions", type=int, default=4)
    br.set_defaults(func=_cmd_broker)

    d = sub.add_parser("demo", help="the main job on embedded defaults: generate -> Kafka -> read back -> summary")
    d.add_argument("--lines", type=int, default=20_000, help="lines per format (default 20000)")
    d.add_argument("--topic", default="data_log")
    d.add_argument("--partitions", type=int, default=8)
    d.add_argument("--schema", default="ecs", choices=list(_core.SCHEMAS))
    d.add_argument("--seed", type=int, default=42)
    d.add_argument("--workdir", default=None)
    d.set_defaults(func=_cmd_demo)

    rp = sub.add_parser("report", help="write one self-contained HTML report (charts, no network needed)",
                        description="Charts of log files or a Kafka topic in one HTML page: requests by status class, "
                                    "4xx/5xx, error-log levels over time, top paths / client IPs / user agents, alerts.")
    rp.add_argument("source", nargs="+", help="log files (plain or .gz, - for stdin), or one topic with -b "
                                              "(or kafka:TOPIC with $KAFKA_BOOTSTRAP_SERVERS)")
    rp.add_argument("-o", "--output", default="report.html")
    rp.add_argument("--alerts", default=None,
                    help="alerts as JSON lines (kafkainsight watch output) for the timeline (default for log files: "
                         "the watch rules evaluated over them)")
    rp.add_argument("--rules", default=None, help="watch rules YAML for the default timeline (default built-in)")
    rp.add_argument("--no-alerts", action="store_true", help="no alert timeline")
    rp.add_argument("--title", default=None)
    rp.add_argument("-f", "--format", default="auto", choices=["auto", *_core.FORMATS])
    rp.add_argument("--tz", default=None, help="zone of timestamps that carry none (default UTC)")
    rp.add_argument("--year", type=int, default=None, help="year for BSD syslog timestamps")
    rp.add_argument("-b", "--bootstrap-servers", default=None, help="read SOURCE as a Kafka topic from this cluster")
    rp.add_argument("-X", dest="property", action="append", metavar="KEY=VALUE", help="librdkafka property")
    rp.add_argument("--max-messages", type=int, default=100_000,
                    help="read at most this many messages of the topic (default 100000; 0 = all, held in memory)")
    rp.add_argument("--timeout", type=float, default=30.0, help="seconds to read the topic")
    rp.add_argument("--max-points", type=int, default=360, help="time buckets per chart (buckets widen to fit)")
    rp.add_argument("--top", type=int, default=15, help="rows in each top list")
    rp.add_argument("--env-file", default=None, help=ENV_FILE_HELP)
    rp.set_defaults(func=_cmd_report)

    da = sub.add_parser("deploy-assets", help="install the ILM policy, index template and Kibana dashboard",
                        description="PUT the retention policy (ILM) and the index template into Elasticsearch and "
                                    "import the data view + 'HTTP errors' dashboard into Kibana. Credentials as for "
                                    "consume (ELASTIC_PASSWORD / ELASTIC_API_KEY, .env).")
    da.add_argument("--es-url", default=None, help="Elasticsearch URL (default $ELASTICSEARCH_URL)")
    da.add_argument("--kibana-url", default=None, help="Kibana URL, e.g. http://localhost:5601")
    da.add_argument("--ca-certs", default=None, help="CA file (default certificates/http_ca.crt)")
    da.add_argument("--insecure", action="store_true", help="do NOT verify TLS")
    da.add_argument("--allow-http-credentials", action="store_true",
                    help="send the password or API key even over a plain http:// URL (readable on the network; "
                         "refused without this flag)")
    da.add_argument("--user", default=None, help="user for ELASTIC_PASSWORD (default elastic)")
    da.add_argument("--retention", default="30d", help="delete indices this old (ILM delete phase, default 30d)")
    da.add_argument("--pattern", default="kafkainsight-*", help="index pattern of the template and the data view")
    da.add_argument("--no-ilm", action="store_true", help="no ILM policy (OpenSearch has ISM instead)")
    da.add_argument("--replicas", type=int, default=None, help="number_of_replicas in the template")
    da.add_argument("--dry-run", action="store_true", help="print the requests instead of sending them")
    da.add_argument("--env-file", default=None, help=ENV_FILE_HELP)
    da.set_defaults(func=_cmd_deploy_assets)

    w = sub.add_parser("watch", help="alert rules over event time: errors, 5xx share, 4xx spikes, 401/403, heartbeats",
                       description="Evaluate alert rules over sliding event-time windows on a topic (own consumer "
                                   "group) or offline on log files (--logs). Each alert is one JSON line on stdout, "
                                   "on the alerts topic and optionally POSTed to a webhook. Settings: flag, then "
                                   "environment (KAFKA_BOOTSTRAP_SERVERS, KI_WATCH_RULES, KI_WEBHOOK_URL, "
                                   "KI_METRICS_PORT), then .env, then default.")
    w.add_argument("topics", nargs="*", help="topics (default $KAFKA_TOPIC or data_log); ^regex allowed")
    w.add_argument("-b", "--bootstrap-servers", default=None)
    w.add_argument("-g", "--group", default="kafkainsight-watch", help="consumer group (default kafkainsight-watch)")
    w.add_argument("--offset-reset", default="latest", choices=["earliest", "latest"],
                   help="where a new group starts (default latest: alerts are about now)")
    w.add_argument("-X", dest="property", action="append", metavar="KEY=VALUE", help="librdkafka property")
    w.add_argument("--rules", default=None, help="rules YAML file (default $KI_WATCH_RULES or built-in rules)")
    w.add_argument("--print-rules", action="store_true", help="print the built-in rules as YAML and exit")
    w.add_argument("--lateness", type=float, default=None, help="allowed event-time lateness in seconds (overrides rules)")
    w.add_argument("--alerts-topic", default="alerts", help="topic for alert lines (default alerts; '' = none)")
    w.add_argument("--webhook", default=None, help="POST each alert line here (default $KI_WEBHOOK_URL)")
    w.add_argument("--webhook-ca", default=None, help="CA file for an https webhook (default the system CAs)")
    w.add_argument("--webhook-insecure", action="store_true", help="do NOT verify the webhook's TLS certificate")
    w.add_argument("--webhook-timeout", type=float, default=5.0, help="seconds per webhook attempt (default 5)")
    w.add_argument("--max-messages", type=int, default=0, help="stop after this many messages")
    w.add_argument("--idle-timeout", type=float, default=0.0, help="stop after this many idle seconds")
    w.add_argument("--stop-at-end", action="store_true",
                   help="stop once every partition is read to its end, closing the last windows (a batch run)")
    w.add_argument("--logs", nargs="+", default=None, metavar="FILE",
                   help="offline: evaluate these log files instead of a topic")
    w.add_argument("-f", "--format", default="auto", choices=["auto", *_core.FORMATS], help="with --logs")
    w.add_argument("--tz", default=None, help="with --logs: zone of timestamps that carry none")
    w.add_argument("--year", type=int, default=None, help="with --logs: year for BSD syslog timestamps")
    w.add_argument("-q", "--quiet", action="store_true", help="no alert lines on stdout")
    w.add_argument("--env-file", default=None, help=ENV_FILE_HELP)
    _add_metrics_options(w)
    w.set_defaults(func=_cmd_watch)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "env_file", None) is not None:
            from .settings import check_env_file
            check_env_file(args.env_file)  # named on the command line: it must be there
        for attr in ("sleep", "delay"):
            if hasattr(args, attr):
                parse_duration(getattr(args, attr))
        try:
            return args.func(args)
        finally:
            _close_metrics()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except _core.KafkaConfigError as e:
        print(f"kafkainsight: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, OSError, RuntimeError) as e:
        print(f"kafkainsight: error: {e}", file=sys.stderr)
        return EXIT_USAGE if isinstance(e, ValueError) else EXIT_IO


if __name__ == "__main__":
    sys.exit(main())
