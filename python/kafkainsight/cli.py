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
from ._options import grok_config, multiline_config, parse_duration, parse_tz
from ._version import __version__

EXIT_OK, EXIT_FAILED_LINES, EXIT_USAGE, EXIT_IO = 0, 3, 2, 1


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


def _print_stats(stats: _core.ParseStats, file=sys.stderr) -> None:
    rate = stats.lines / stats.seconds if stats.seconds > 0 else 0.0
    joined = f" joined={stats.joined}" if stats.joined else ""
    joined += f" renamed_fields={stats.renamed_fields}" if stats.renamed_fields else ""
    print(f"lines={stats.lines} parsed={stats.parsed} failed={stats.failed} empty={stats.empty}{joined} "
          f"in {stats.seconds:.3f}s ({rate:,.0f} lines/s, {stats.bytes / max(stats.seconds, 1e-9) / 1e6:.1f} MB/s)",
          file=file)
    for fmt, n in stats.by_format.items():
        print(f"  {fmt:16s} {n}", file=file)
    if stats.not_utf8:
        print(f"{stats.not_utf8} line(s) are not UTF-8: their other bytes show as U+FFFD (--encoding names the "
              f"files' charset, e.g. latin1, windows-1252, shift_jis)", file=file)


def _field_options(a: argparse.Namespace) -> "_core.FieldOptions":
    from .logs import field_options  # ValueError for a bad --add-field: exit 2 (main)
    return field_options(a.json_time_field, a.json_level_field, a.json_message_field, a.add_fields)


def _cmd_parse(a: argparse.Namespace) -> int:
    _sigterm_as_interrupt()
    # Ctrl-C / SIGTERM and damaged input end the run with the documents so far written.
    fields = _field_options(a)
    stats = _core.convert(a.files or ["-"], a.output, a.failed or "", a.format, a.schema, a.include_original,
                          parse_tz(a.tz), a.year or 0, fields, _grok(a), _multiline(a), a.encoding or "")
    if stats.interrupted:
        print("stopped: ", end="", file=sys.stderr)
    _print_stats(stats)
    if stats.failed:
        where = f" (see {a.failed})" if a.failed else " (use --failed FILE to keep them with reasons)"
        print(f"{stats.failed} line(s) did not parse{where}", file=sys.stderr)
    if stats.error:
        print(f"kafkainsight: error: {stats.error} (the run stopped there; the lines before it are counted "
              f"above)", file=sys.stderr)
        return EXIT_IO
    return EXIT_FAILED_LINES if stats.failed else EXIT_OK


def _grok(a: argparse.Namespace):
    return grok_config(a.grok, a.patterns_dir, a.time_format)


def _multiline(a: argparse.Namespace):
    return multiline_config(a.multiline_start, a.multiline, a.multiline_max_lines, a.multiline_max_bytes,
                            getattr(a, "multiline_flush", None))


def _line_kwargs(a: argparse.Namespace) -> dict:
    """The app_json/logfmt overrides, --add-field, grok and (where the command has them) multi-line
    keywords of the Python API."""
    kw = dict(json_time_field=a.json_time_field, json_level_field=a.json_level_field,
              json_message_field=a.json_message_field, add_fields=a.add_fields,
              grok=a.grok, patterns_dir=a.patterns_dir, time_format=a.time_format)
    for name in ("multiline_start", "multiline", "multiline_max_lines", "multiline_max_bytes", "multiline_flush",
                 "encoding"):
        if hasattr(a, name):
            kw[name] = getattr(a, name)
    return kw


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
    from .settings import is_tty, parse_properties
    props = parse_properties(a.config)
    topic = a.topic
    broker = None
    if a.embedded:
        broker = EmbeddedBroker(topics={topic: a.partitions})
        bootstrap = broker.bootstrap
        print(f"{EmbeddedBroker.NOTE}; bootstrap {bootstrap}", file=sys.stderr)
    else:
        bootstrap = a.bootstrap
    files = a.files
    if "files" not in a.given:  # $LOG_FILE or the default file
        _ensure_default_log(files[0])
    if a.resume and ("-" in files or a.from_end):
        raise ValueError("--resume needs files (stdin has no position) and does not go with --from-end")
    _sigterm_as_interrupt()
    producer = Producer(bootstrap, topic, props, dlq_topic=a.dlq_topic,
                        format=a.format, schema=a.schema, include_original=a.include_original, tz=a.tz, year=a.year,
                        key=a.key, on_parse_error=a.on_parse_error, rate=a.rate, timeout=a.timeout,
                        follow=a.follow, from_end=a.from_end, rescan_interval=a.rescan_interval,
                        max_open_files=a.max_open_files,
                        headers="none" if a.no_headers else a.headers, event_ids=a.event_ids, resume=a.resume,
                        **_line_kwargs(a))
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
        from .kafka import count_topic
        r = count_topic(bootstrap, topic, keep=0)
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
    from .settings import parse_properties
    consumer = Consumer(a.bootstrap, a.topics, a.group, parse_properties(a.config),
                        auto_offset_reset=a.auto_offset_reset, instance_id=a.instance_id, kafka_timeout=a.kafka_timeout)
    _warn_password_in_url(a.url if "url" in a.given else None, "--url")
    sink = ElasticsearchSink(
        a.url, ca_certs=a.ca_certs, ca_fingerprint=a.ca_fingerprint, insecure=a.insecure,
        allow_http_credentials=a.allow_http_credentials, user=a.user, password=a.password,
        api_key=a.api_key, index=a.index,
        bulk_max_docs=a.bulk_max_docs, bulk_max_bytes=a.bulk_max_bytes, linger=a.linger, fixed_linger=a.fixed_linger,
        gzip=a.gzip, max_in_flight=a.max_in_flight, dlq_topic=a.dlq_topic, shards=a.shards, replicas=a.replicas,
        install_template=a.install_template, schema=a.schema, recreate_index=a.recreate_index,
        startup_timeout=a.startup_timeout, max_buffered_bytes=a.max_buffered_bytes,
        kafka_metadata=a.kafka_metadata)
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
    for t in a.topic:
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
    """The main job end to end on embedded defaults (demo.py)."""
    from .demo import run
    _sigterm_as_interrupt()
    return run(a)


def _cmd_report(a: argparse.Namespace) -> int:
    """One self-contained HTML page from log files or a Kafka topic."""
    from .report import load_alerts, summarize_logs, summarize_topic, write_report
    from .settings import parse_properties
    alerts = load_alerts(a.alerts) if a.alerts else None
    from_topic = "bootstrap" in a.given or a.source[0].startswith("kafka:")
    if from_topic:
        if len(a.source) != 1:
            print("kafkainsight: error: give one topic to read from Kafka", file=sys.stderr)
            return EXIT_USAGE
        topic = a.source[0].removeprefix("kafka:")
        s = summarize_topic(a.bootstrap, topic, parse_properties(a.config), max_messages=a.max_messages,
                            timeout=a.timeout, max_points=a.max_points, top_n=a.top)
        src = s["source"]
        print(f"read {src['read']:,} of {src['messages']:,} message(s) from {topic}; counted {src['counted']:,}",
              file=sys.stderr)
    else:
        s = summarize_logs(a.source, a.format, tz=a.tz, year=a.year, max_points=a.max_points, top_n=a.top,
                           **_line_kwargs(a))
        t = s["totals"]
        print(f"lines={t['lines']:,} parsed={t['parsed']:,} failed={t['failed']:,} empty={t['empty']:,}", file=sys.stderr)
    if alerts is None and not a.no_alerts and not from_topic and "-" not in a.source:
        # The timeline of log files: the watcher's rules evaluated offline over the same files.
        from .watch import evaluate_files
        alerts = evaluate_files(a.source, rules=a.rules, format=a.format, tz=a.tz, year=a.year, **_line_kwargs(a))
    write_report(s, a.output, alerts=alerts, title=a.title)
    print(f"wrote {a.output} ({os.path.getsize(a.output):,} bytes; open it in any browser, no network needed)",
          file=sys.stderr)
    return EXIT_OK


def _cmd_deploy_assets(a: argparse.Namespace) -> int:
    """ILM policy + index template into Elasticsearch, saved objects into Kibana."""
    from .deploy_assets import AssetInstallError, install_assets
    try:
        install_assets(a.es_url, a.kibana_url, user=a.user, password=a.password or "", api_key=a.api_key or "",
                       ca_certs=a.ca_certs, ca_fingerprint=a.ca_fingerprint,
                       insecure=a.insecure, allow_http_credentials=a.allow_http_credentials, retention=a.retention, pattern=a.pattern, ilm=not a.no_ilm,
                       replicas=a.replicas, dry_run=a.dry_run)
    except AssetInstallError as e:
        print(f"kafkainsight: error: {e}", file=sys.stderr)
        return EXIT_IO
    return EXIT_OK


def _cmd_watch(a: argparse.Namespace) -> int:
    """Alert rules over event time, on a topic (own consumer group) or offline on log files."""
    from .settings import parse_properties
    from .watch import Watcher, check_rules, default_rules, evaluate_files
    if a.print_rules:
        sys.stdout.write(default_rules())
        return EXIT_OK
    rules = a.rules
    info = check_rules(rules)  # ValueError (exit 2) names the file, the key and the line
    print(f"watch: rules {', '.join(info['rules']) or '(none)'} from {rules or 'built-in defaults'}; "
          f"lateness {a.lateness if a.lateness is not None else info['lateness_s']:g}s", file=sys.stderr)

    def emit(line: str) -> None:
        if not a.quiet:
            print(line, flush=True)

    if a.logs:
        alerts = evaluate_files(a.logs, rules=rules, format=a.format, tz=a.tz, year=a.year, **_line_kwargs(a))
        for al in alerts:
            emit(json.dumps(al, separators=(",", ":")))
        print(f"watch: {len(alerts)} alert(s) from {len(a.logs)} file(s)", file=sys.stderr)
        return EXIT_OK
    w = Watcher(a.bootstrap, a.topics, group=a.group,
                config=parse_properties(a.config), auto_offset_reset=a.auto_offset_reset, rules=rules,
                lateness=a.lateness, alerts_topic=a.alerts_topic or None, webhook=a.webhook, webhook_ca=a.webhook_ca,
                webhook_insecure=a.webhook_insecure, webhook_timeout=a.webhook_timeout,
                instance_id=a.instance_id, kafka_timeout=a.kafka_timeout)
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
    """The parsers come from the settings table (config.py): every option, its flags and default."""
    from .config import build_parsers
    p = argparse.ArgumentParser(prog="kafkainsight", description="Real-time log pipeline with a fast C++ core.")
    p.add_argument("--version", action="version", version=f"kafkainsight {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    build_parsers(sub, {"generate": _cmd_generate, "parse": _cmd_parse, "produce": _cmd_produce,
                        "consume": _cmd_consume, "broker": _cmd_broker, "demo": _cmd_demo, "report": _cmd_report,
                        "deploy-assets": _cmd_deploy_assets, "watch": _cmd_watch})
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "env_file", None) is not None:
            from .settings import check_env_file
            check_env_file(args.env_file)  # named on the command line: it must be there
        from .config import resolve
        resolve(args, args.command)  # flag, then environment, then .env, then default
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
