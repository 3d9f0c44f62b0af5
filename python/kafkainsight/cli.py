"""The `kafkainsight` command: generate, parse, produce, broker, demo (the main job)."""
from __future__ import annotations

import argparse
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
    stats = _core.convert(a.files or ["-"], a.output, a.failed or "", a.format, a.schema, a.original,
                          parse_tz(a.tz), a.year or 0)
    _print_stats(stats)
    if stats["failed"]:
        where = f" (see {a.failed})" if a.failed else " (use --failed FILE to keep them with reasons)"
        print(f"{stats['failed']} line(s) did not parse{where}", file=sys.stderr)
        return EXIT_FAILED_LINES
    return EXIT_OK


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


def _cmd_produce(a: argparse.Namespace) -> int:
    from .kafka import EmbeddedBroker, Producer
    from .settings import Settings, is_tty, parse_properties
    cfg = Settings(a.env_file)
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
                        follow=a.follow, from_end=a.from_end, resume=a.resume)
    progress = _Progress(files, enabled=is_tty() and not a.quiet)
    interrupted = False
    try:
        st = producer.produce_file(files, progress=progress)
    except KeyboardInterrupt:
        interrupted = True
        st = producer.last_stats
    finally:
        progress.close()
    print(("stopped: " if interrupted else "") + st.summary(), file=sys.stderr)
    if st.dead_lettered:
        print(f"{st.dead_lettered} line(s) that did not parse went to {producer.dlq_topic} "
              f"(raw line + reason in headers)", file=sys.stderr)
    if st.skipped:
        print(f"{st.skipped} line(s) that did not parse were skipped", file=sys.stderr)
    for e in st.errors[:10]:
        print(f"  {e}", file=sys.stderr)
    if a.embedded and broker is not None:
        from .kafka import read_topic
        r = read_topic(bootstrap, topic, keep=0)
        print(f"read back from the embedded broker: {r['messages']} message(s) in {topic} "
              f"(per partition {r['per_partition']})", file=sys.stderr)
    if st.stopped_reason:
        print(f"stopped at the first line that did not parse: {st.stopped_reason}", file=sys.stderr)
        return EXIT_FAILED_LINES
    if st.failed_delivery or not st.balanced:
        print(f"{st.failed_delivery} message(s) were NOT delivered", file=sys.stderr)
        return EXIT_IO
    return EXIT_OK


def _cmd_consume(a: argparse.Namespace) -> int:
    from .elasticsearch import Consumer, ElasticsearchSink
    from .settings import Settings, parse_properties
    cfg = Settings(a.env_file)
    topics = a.topics or [cfg.get("KAFKA_TOPIC")]
    consumer = Consumer(cfg.get("KAFKA_BOOTSTRAP_SERVERS", a.bootstrap_servers), topics,
                        cfg.get("KAFKA_GROUP_ID", a.group), parse_properties(a.property),
                        auto_offset_reset=a.offset_reset)
    sink = ElasticsearchSink(
        cfg.get("ELASTICSEARCH_URL", a.url, "https://localhost:9200"),
        ca_certs=cfg.get("ELASTIC_CA_CERTS", a.ca_certs, "certificates/http_ca.crt"),
        ca_fingerprint=cfg.get("ELASTIC_CA_FINGERPRINT", a.ca_fingerprint, ""), insecure=a.insecure,
        user=cfg.get("ELASTIC_USER", a.user, "elastic"), password=cfg.get("ELASTIC_PASSWORD", None, ""),
        api_key=cfg.get("ELASTIC_API_KEY", None, ""), index=cfg.get("ES_INDEX", a.index, "test-log"),
        bulk_max_docs=a.bulk_max_docs, bulk_max_bytes=a.bulk_max_bytes, linger=a.linger, gzip=a.gzip,
        max_in_flight=a.max_in_flight, dlq_topic=a.dlq_topic, shards=a.shards, replicas=a.replicas,
        install_template=a.install_template, schema=a.schema, recreate_index=a.recreate_index,
        startup_timeout=a.startup_timeout)
    _sigterm_as_interrupt()
    interrupted = False
    try:
        st = consumer.run(sink, max_messages=a.max_messages, idle_timeout=a.idle_timeout, stop_at_end=a.stop_at_end)
    except KeyboardInterrupt:
        interrupted, st = True, consumer.last_stats
    except _core.KafkaError as e:  # start-up: credentials, TLS, unreachable Elasticsearch or Kafka
        print(f"kafkainsight: error: {e}", file=sys.stderr)
        return EXIT_IO
    print(("stopped: " if interrupted else "") + st.summary(), file=sys.stderr)
    for e in st.errors[:10]:
        print(f"  {e}", file=sys.stderr)
    if st.lag:
        print("  lag per partition: " + ", ".join(f"{k}={v}" for k, v in sorted(st.lag.items())), file=sys.stderr)
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
        producer = Producer(broker.bootstrap, a.topic, {"sticky.partitioning.linger.ms": "0"}, schema=a.schema,
                            year=2023)
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
    pr.add_argument("--timeout", type=float, default=10.0, help="seconds to reach the cluster (default 10)")
    pr.add_argument("--resume", metavar="CHECKPOINT_FILE", default=None,
                    help="skip the lines of each file that an earlier run got acknowledged (recorded in this "
                         "file, created if missing) and keep recording; without it a re-run sends every line again")
    pr.add_argument("--embedded", action="store_true", help="produce into a fresh embedded broker (demo)")
    pr.add_argument("--partitions", type=int, default=4, help="partitions of the topic with --embedded")
    pr.add_argument("--env-file", default=".env")
    pr.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
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
    co.add_argument("--ca-fingerprint", default=None, help="SHA-256 fingerprint of the CA instead of a file")
    co.add_argument("--insecure", action="store_true", help="do NOT verify TLS (prints a warning)")
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
    co.add_argument("--dlq-topic", default=None, help="dead-letter topic (default <topic>.dlq)")
    co.add_argument("--max-messages", type=int, default=0, help="stop after this many messages")
    co.add_argument("--idle-timeout", type=float, default=0.0, help="stop after this many idle seconds")
    co.add_argument("--stop-at-end", action="store_true",
                    help="stop once every assigned partition is read to its end (a batch run)")
    co.add_argument("--startup-timeout", type=float, default=30.0, help="seconds to wait for Elasticsearch")
    co.add_argument("--env-file", default=".env")
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
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        for attr in ("sleep", "delay"):
            if hasattr(args, attr):
                parse_duration(getattr(args, attr))
        return args.func(args)
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
