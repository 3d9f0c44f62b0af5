"""Every setting of every command, in one table.

From this table:
- the argparse parsers of `kafkainsight` are built (cli.py keeps only the command functions);
- flag, environment variable, `.env` and default are resolved (`resolve`), in that order;
- the Python API (kafka.Producer, elasticsearch.ElasticsearchSink / Consumer, watch.Watcher)
  takes its defaults (`defaults(command)`);
- docs/CONFIGURATION.md is generated: ``python -m kafkainsight.config --markdown > docs/CONFIGURATION.md``
  (tests/test_settings_table.py fails when the page is stale);
- the defaults of the C++ config structs are checked against it (``cpp`` names the field;
  tests/test_settings_table.py compares them with ``_core.cpp_defaults()``).

A setting's ``name`` is its Python API keyword and argparse dest. Where commands differ (watch's
consumer group, report's --timeout, ...), ``per`` holds the fields that change for a command.
Secrets (``secret=True``) have no flag: the environment or `.env` only, since a command line is
readable by every user of the machine.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any, Callable, Mapping, Sequence

COMMANDS = ("generate", "parse", "produce", "consume", "broker", "demo", "report", "deploy-assets", "watch")
KAFKA = ("produce", "consume", "watch")
ENV_FILE_COMMANDS = ("produce", "consume", "report", "deploy-assets", "watch")


def _formats() -> list[str]:
    from . import _core
    return list(_core.FORMATS)


def _formats_auto() -> list[str]:
    return ["auto", *_formats()]


def _generated_formats() -> list[str]:
    """The formats `generate` writes (grok is the user's own: there is nothing to write)."""
    return [f for f in _formats() if f != "grok"]


def _schemas() -> list[str]:
    from . import _core
    return list(_core.SCHEMAS)


@dataclasses.dataclass(frozen=True)
class Setting:
    name: str                                 # Python API keyword and argparse dest
    flags: tuple[str, ...]                    # () with positional=False: environment / .env only
    env: str | None                           # environment variable, also the .env key
    type: Any                                 # str, int, float, bool (a switch), list, "duration"
    default: Any
    help: str
    commands: tuple[str, ...]
    choices: Sequence[str] | Callable[[], Sequence[str]] | None = None
    secret: bool = False                      # never a flag, never shown
    positional: bool = False
    nargs: str | None = None
    metavar: str | None = None
    default_text: str | None = None           # how the default reads where it is not a plain value
    cpp: Mapping[str, str] = dataclasses.field(default_factory=dict)  # command -> "Struct.field"
    per: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)  # command -> changed fields

    def for_command(self, command: str) -> "Setting":
        """This setting as `command` has it (its `per` entries applied)."""
        changes = dict(self.per.get(command, {}))
        return dataclasses.replace(self, **changes, per={}) if changes else self

    def choice_list(self) -> list[str] | None:
        if self.choices is None:
            return None
        return list(self.choices() if callable(self.choices) else self.choices)

    @property
    def type_name(self) -> str:
        if self.type is bool:
            return "switch"
        if self.type is list:
            return "list"
        return self.type if isinstance(self.type, str) else self.type.__name__

    def describe_default(self) -> str:
        if self.default_text is not None:
            return self.default_text
        d = self.default
        if d is None:
            return ""
        if self.type is bool:
            return "off" if not d else "on"
        if isinstance(d, list):
            return " ".join(str(x) for x in d)
        if isinstance(d, int) and not isinstance(d, bool) and d >= 1 << 20 and d % (1 << 20) == 0:
            return f"{d} ({d >> 20} MiB)"
        return str(d)


S = Setting
_LOGS = ("parse", "produce", "report", "watch")  # commands that parse log lines
_ES = ("consume", "deploy-assets")
ENV_FILE_HELP = "settings file (read if present; a file named here must exist)"

SETTINGS: tuple[Setting, ...] = (
    # ---- input, log files and parsing
    S("files", (), "LOG_FILE", list, ["sample_logs/apache.log"], "log files (plain or .gz) or quoted glob patterns, - for stdin",
      ("parse", "produce"), positional=True, nargs="*",
      default_text="sample_logs/apache.log (generated if missing)",
      per={"parse": dict(env=None, default=None, default_text="stdin",
                         help="log files (plain or .gz); - or none for stdin")}),
    S("source", (), None, list, None, "log files (plain or .gz, - for stdin), or one topic with -b "
      "(or kafka:TOPIC with $KAFKA_BOOTSTRAP_SERVERS)", ("report",), positional=True, nargs="+"),
    S("format", ("-f", "--format"), None, str, "auto", "log format (auto: detected per line)",
      ("generate", *_LOGS), choices=_formats_auto,
      cpp={"produce": "ProduceConfig.format"},
      per={"generate": dict(default="apache_common", choices=_generated_formats, help="log format to write",
                            cpp={"generate": "GeneratorConfig.format"}),
           "watch": dict(help="with --logs: log format (auto: detected per line)")}),
    S("schema", ("--schema",), None, str, "ecs", "document layout (ecs, or kafkainsight: the original flat one)",
      ("parse", "produce", "consume", "demo"), choices=_schemas, cpp={"produce": "ProduceConfig.schema"},
      per={"consume": dict(help="layout for --install-template")}),
    S("include_original", ("--original",), None, bool, False, "keep the raw line in event.original",
      ("parse", "produce"), cpp={"produce": "ProduceConfig.include_original"}),
    S("tz", ("--tz",), None, str, None, "zone of timestamps that carry none, e.g. +08:00", (*_LOGS, "generate"),
      default_text="UTC",
      per={"generate": dict(help="offset written in timestamps, e.g. +08:00"),
           "watch": dict(help="with --logs: zone of timestamps that carry none")}),
    S("year", ("--year",), None, int, None, "year for BSD syslog timestamps", _LOGS,
      default_text="inferred from the clock", cpp={"produce": "ProduceConfig.year"},
      per={"watch": dict(help="with --logs: year for BSD syslog timestamps")}),
    S("json_time_field", ("--json-time-field",), None, str, None,
      "app_json/logfmt: the field holding the time (dotted path for nested keys); a line with no "
      "recognisable time is stamped with the read time and gets event.ingested",
      _LOGS, default_text="recognised by name (@timestamp, time, ts, ...)",
      cpp={"produce": "ProduceConfig.json_time_field"},
      per={"watch": dict(help="with --logs: app_json/logfmt: the field holding the time (dotted path)")}),
    S("json_level_field", ("--json-level-field",), None, str, None, "app_json/logfmt: the field holding the level",
      _LOGS, default_text="recognised by name (level, log.level, levelname, ...)",
      cpp={"produce": "ProduceConfig.json_level_field"},
      per={"watch": dict(help="with --logs: app_json/logfmt: the field holding the level")}),
    S("json_message_field", ("--json-message-field",), None, str, None,
      "app_json/logfmt: the field holding the message", _LOGS,
      default_text="recognised by name (message, msg, @m, event, ...)",
      cpp={"produce": "ProduceConfig.json_message_field"},
      per={"watch": dict(help="with --logs: app_json/logfmt: the field holding the message")}),
    S("add_fields", ("--add-field",), None, list, None,
      "NAME=VALUE added to every document, e.g. service.name=checkout (repeatable); a field the "
      "line has itself wins", _LOGS, nargs=None, metavar="NAME=VALUE",
      default_text="none",
      per={"watch": dict(help="with --logs: NAME=VALUE added to every event, e.g. service.name=checkout "
                              "(repeatable); a field the line has itself wins")}),
    # ---- grok patterns and multi-line events (docs/GROK.md)
    S("grok", ("--grok",), None, list, None,
      "grok pattern (Logstash syntax: %{NAME:field:int}, named groups), repeatable: the first that matches a line "
      "wins; a line none matches goes on to the built-in formats (--format grok: it fails)", _LOGS,
      metavar="PATTERN", default_text="none"),
    S("patterns_dir", ("--patterns-dir",), None, str, None,
      "directory of grok pattern files (Logstash's `NAME regex` lines), added to the built-in library", _LOGS,
      metavar="DIR", default_text="the built-in library only"),
    S("time_format", ("--time-format",), None, str, None,
      "layout of the grok `timestamp` capture, strptime-style (%d/%m/%Y %H:%M:%S.%f, or ,SSS); also tried first on "
      "the date a line starts with (GENERICLOG: day or month first)", _LOGS,
      default_text="ISO 8601, epoch, Apache, syslog, nginx, HAProxy, java.util.logging"),
    S("encoding", ("--encoding",), None, str, None,
      "the files' character set, decoded to UTF-8 as lines are read: latin1, windows-1252, shift_jis, gbk, euc-kr, "
      "koi8-r, ... (a name of `iconv -l` that writes ASCII as ASCII), or utf-16le / utf-16be / utf-16 (not with "
      "--follow); a byte the charset does not have becomes U+FFFD", _LOGS, metavar="CHARSET",
      default_text="UTF-8 (UTF-16 by its byte-order mark)",
      per={"watch": dict(help="with --logs: the files' character set (latin1, windows-1252, shift_jis, ...)")}),
    S("multiline_start", ("--multiline-start",), None, str, None,
      "multi-line events: a line matching this regex (grok names allowed, e.g. ^%{TIMESTAMP_ISO8601}) starts an "
      "event; other lines continue the one before", _LOGS, metavar="REGEX", default_text="one line, one event"),
    S("multiline", ("--multiline",), None, str, None,
      "multi-line preset: Java, Python, Go, Node.js, Rust or Elixir stack-trace lines continue the event before them; "
      "mysql: a MySQL slow query log's query (its '#' lines and statement) is one event; "
      "json: a JSON record written over several lines (pretty-printed) is one event; "
      "apt: a record of apt's history log (Start-Date to End-Date) is one event",
      _LOGS, choices=("java", "python", "go", "node", "rust", "elixir", "mysql", "json", "apt"), default_text="none"),
    S("multiline_max_lines", ("--multiline-max-lines",), None, int, 500,
      "lines per multi-line event at most (the next line starts a new event)", _LOGS,
      cpp={"produce": "MultilineConfig.max_lines"}),
    S("multiline_max_bytes", ("--multiline-max-bytes",), None, int, 1 << 20,
      "bytes per multi-line event at most (the next line starts a new event)", _LOGS,
      cpp={"produce": "MultilineConfig.max_bytes"}),
    S("multiline_flush", ("--multiline-flush",), None, float, 1.0,
      "with --follow: a multi-line event is complete after this many seconds without a new line", ("produce",),
      cpp={"produce": "MultilineConfig.flush_ms"}),
    S("output", ("-o", "--output"), None, str, "-", "where documents go (- = stdout)",
      ("generate", "parse", "report", "demo"),
      per={"generate": dict(default=None, help="output file", default_text='generated.log with -t log|gz'),
           "report": dict(default="report.html", help="the HTML file"),
           "demo": dict(default="out/demo-report.html", help="the HTML report (kept)")}),
    S("failed", ("--failed",), None, str, None, "write lines that did not parse (with reasons) here", ("parse",)),
    # ---- generate (flog's flags)
    S("type", ("-t", "--type"), None, str, "stdout", "where lines go", ("generate",), choices=("stdout", "log", "gz")),
    S("number", ("-n", "--number"), None, int, None, "number of lines", ("generate",),
      default_text="1000 (0 with -b)"),
    S("bytes", ("-b", "--bytes"), None, int, 0, "size to generate in bytes (ignored when -n is set)", ("generate",)),
    S("sleep", ("-s", "--sleep"), None, "duration", "0",
      "event-time interval per line, e.g. 1, 20ms, 5s (no real sleep)", ("generate",)),
    S("delay", ("-d", "--delay"), None, "duration", "0", "real delay between lines, e.g. 0.1, 20ms", ("generate",)),
    S("loop", ("-l", "--loop"), None, bool, False, "loop forever until killed", ("generate",)),
    S("seed", ("--seed",), None, int, 0, "random seed (0 = random); same seed, same lines", ("generate", "demo"),
      cpp={"generate": "GeneratorConfig.seed"}, per={"demo": dict(default=42, help="random seed of the lines")}),
    S("start", ("--start",), None, int, -1, "epoch seconds of the first event (-1 = now)", ("generate",),
      cpp={"generate": "GeneratorConfig.start_epoch_sec"}),
    # ---- Kafka
    S("bootstrap", ("-b", "--bootstrap-servers"), "KAFKA_BOOTSTRAP_SERVERS", str, "localhost:9093",
      "Kafka bootstrap servers, host:port[,host:port]", ("produce", "consume", "report", "watch"),
      cpp={"produce": "ProduceConfig.bootstrap", "consume": "ConsumerConfig.bootstrap",
           "watch": "WatchConfig.bootstrap"},
      per={"report": dict(help="read SOURCE as a Kafka topic from this cluster (with kafka:TOPIC: "
                               "$KAFKA_BOOTSTRAP_SERVERS, .env, else the default)")}),
    S("topic", ("-t", "--topic"), "KAFKA_TOPIC", str, "data_log", "topic", ("produce", "broker", "demo"),
      cpp={"produce": "ProduceConfig.topic"},
      per={"demo": dict(flags=("--topic",), env=None, cpp={}),
           "broker": dict(flags=("--topic",), env=None, type=list, default=["data_log"], cpp={}, help="topic to create, NAME or NAME:PARTITIONS (repeatable)")}),
    S("topics", (), "KAFKA_TOPIC", list, ["data_log"], "topics; ^regex allowed", ("consume", "watch"),
      positional=True, nargs="*", cpp={"consume": "ConsumerConfig.topics", "watch": "WatchConfig.topics"}),
    S("dlq_topic", ("--dlq-topic",), "KAFKA_DLQ_TOPIC", str, None,
      "dead-letter topic for lines that do not parse", ("produce", "consume"), default_text="<topic>.dlq",
      cpp={"produce": "ProduceConfig.dlq_topic", "consume": "EsSinkConfig.dlq_topic"},
      per={"consume": dict(env=None, default_text="<first topic>.dlq",
                           help="dead-letter topic for messages Elasticsearch refuses")}),
    S("config", ("-X",), None, list, None,
      "librdkafka property KEY=VALUE, repeatable (e.g. -X security.protocol=SSL -X ssl.ca.location=ca.pem)",
      ("produce", "consume", "report", "watch"), metavar="KEY=VALUE"),
    S("group", ("-g", "--group"), "KAFKA_GROUP_ID", str, "my-group", "consumer group", ("consume", "watch"),
      cpp={"consume": "ConsumerConfig.group", "watch": "WatchConfig.group"},
      per={"watch": dict(env=None, default="kafkainsight-watch",
                         help="consumer group (its own: it never takes messages from consume)")}),
    S("kafka_timeout", ("--timeout",), None, float, 10.0,
      "seconds for the Kafka cluster to answer at start (else the producer's error, exit 1)", ("consume", "watch"),
      cpp={"consume": "ConsumerConfig.connect_timeout_ms", "watch": "WatchConfig.connect_timeout_ms"}),
    S("instance_id", ("--instance-id",), "KAFKA_GROUP_INSTANCE_ID", str, None,
      "static group membership (group.instance.id): a member restarted with the same id gets its partitions "
      "back at once instead of after the session timeout; each member of a group needs its own; 'none' = "
      "dynamic membership", ("consume", "watch"), default_text="ki-<host name>-<8 hex digits of the topic list>",
      cpp={"consume": "ConsumerConfig.instance_id", "watch": "WatchConfig.instance_id"}),
    S("auto_offset_reset", ("--offset-reset",), None, str, "earliest", "where a new group starts",
      ("consume", "watch"), choices=("earliest", "latest"),
      cpp={"consume": "ConsumerConfig.auto_offset_reset", "watch": "WatchConfig.auto_offset_reset"},
      per={"watch": dict(default="latest", help="where a new group starts (latest: alerts are about now)")}),
    # ---- produce
    S("key", ("--key",), None, str, None, "message key from this field, e.g. source.ip (per-key ordering)",
      ("produce",), default_text="no key", cpp={"produce": "ProduceConfig.key"}),
    S("on_parse_error", ("--on-parse-error",), None, str, "dlq",
      "a line that does not parse: to the dead-letter topic, counted and dropped, or stop", ("produce",),
      choices=("dlq", "skip", "fail"), cpp={"produce": "ProduceConfig.on_parse_error"}),
    S("rate", ("--rate",), None, float, None, "lines per second (replay logs as live traffic)", ("produce",),
      default_text="as fast as possible", cpp={"produce": "ProduceConfig.rate"}),
    S("follow", ("--follow",), None, bool, False, "tail the files like tail -F until stopped; a quoted pattern follows every file it matches, new ones too", ("produce",),
      cpp={"produce": "ProduceConfig.follow"}),
    S("from_end", ("--from-end",), None, bool, False, "with --follow: start at the end of the file", ("produce",),
      cpp={"produce": "ProduceConfig.from_end"}),
    S("rescan_interval", ("--rescan-interval",), None, float, 10.0,
      "with --follow and a pattern (quote it: 'logs/*.log'): also look for new matching files this often "
      "(inotify sees most at once; this covers what it does not, e.g. NFS or new subdirectories)", ("produce",),
      cpp={"produce": "ProduceConfig.rescan_ms"}),
    S("max_open_files", ("--max-open-files",), None, int, 1024,
      "with --follow: follow at most this many files at a time; more matching files wait (logged) until "
      "followed ones go away", ("produce",), cpp={"produce": "ProduceConfig.max_open_files"}),
    S("headers", ("--headers",), "KAFKA_HEADERS", str, "ts",
      "ts: ki.ts, the read time, on followed/stdin lines only; all: also ki.source, ki.line, ki.format on every "
      "message (~25% more producer CPU); none", ("produce",), choices=("ts", "all", "none"),
      cpp={"produce": "ProduceConfig.headers"}),
    S("no_headers", ("--no-headers",), None, bool, False, "the same as --headers none", ("produce",)),
    S("event_ids", ("--event-ids",), "KAFKA_EVENT_IDS", str, "follow",
      "which lines carry ki.id, their file's fingerprint + byte offset, which the consumer uses as _id so a "
      "producer killed and run again on the same file leaves one document per line: follow (lines of followed "
      "files), files (of every regular file; one more header per message), none. --headers none sends none",
      ("produce",), choices=("follow", "files", "none"), cpp={"produce": "ProduceConfig.event_ids"}),
    S("timeout", ("--timeout",), None, float, 10.0, "seconds to reach the cluster", ("produce", "report"),
      cpp={"produce": "ProduceConfig.timeout_ms"},
      per={"report": dict(default=30.0, help="seconds to read the topic", cpp={})}),
    S("resume", ("--resume",), None, str, None,
      "skip the lines of each file that an earlier run got acknowledged (recorded in this file, created if "
      "missing) and keep recording; without it a re-run sends every line again", ("produce",),
      metavar="CHECKPOINT_FILE"),
    S("embedded", ("--embedded",), None, bool, False, "produce into a fresh embedded broker (demo)", ("produce",)),
    S("partitions", ("--partitions",), None, int, 4, "partitions of the topic with --embedded",
      ("produce", "broker", "demo"),
      per={"broker": dict(help="partitions of a topic named without :PARTITIONS"),
           "demo": dict(default=8, help="partitions of the topic")}),
    S("quiet", ("-q", "--quiet"), None, bool, False, "no progress bar", ("produce", "watch"),
      per={"watch": dict(help="no alert lines on stdout")}),
    # ---- Elasticsearch
    S("url", ("--url",), "ELASTICSEARCH_URL", str, "https://localhost:9200", "Elasticsearch URL", ("consume",),
      cpp={"consume": "EsSinkConfig.url"}),
    S("es_url", ("--es-url",), "ELASTICSEARCH_URL", str, None, "Elasticsearch URL", ("deploy-assets",),
      default_text="none: Elasticsearch skipped"),
    S("kibana_url", ("--kibana-url",), None, str, None, "Kibana URL, e.g. http://localhost:5601",
      ("deploy-assets",), default_text="none: Kibana skipped"),
    S("ca_certs", ("--ca-certs",), "ELASTIC_CA_CERTS", str, "certificates/http_ca.crt",
      "CA file that verifies Elasticsearch's TLS certificate", _ES, cpp={"consume": "EsSinkConfig.ca_path"}),
    S("ca_fingerprint", ("--ca-fingerprint",), "ELASTIC_CA_FINGERPRINT", str, None,
      "SHA-256 fingerprint of the CA instead of a file (the server must send that CA, as Elasticsearch 8 does)",
      _ES, cpp={"consume": "EsSinkConfig.ca_fingerprint"}),
    S("insecure", ("--insecure",), None, bool, False, "do NOT verify TLS (prints a warning)", _ES,
      cpp={"consume": "EsSinkConfig.insecure"}),
    S("allow_http_credentials", ("--allow-http-credentials",), None, bool, False,
      "send the password or API key even over a plain http:// URL (readable on the network; refused without "
      "this flag)", _ES, cpp={"consume": "EsSinkConfig.allow_http_credentials"}),
    S("user", ("--user",), "ELASTIC_USER", str, "elastic", "user for ELASTIC_PASSWORD", _ES,
      cpp={"consume": "EsSinkConfig.user"}),
    S("password", (), "ELASTIC_PASSWORD", str, None, "password of the user (environment or .env only)", _ES,
      secret=True),
    S("api_key", (), "ELASTIC_API_KEY", str, None,
      "API key, id:key or its base64 form; used instead of the password (environment or .env only)", _ES,
      secret=True),
    S("index", ("--index",), "ES_INDEX", str, "test-log", "index name or date pattern, e.g. logs-%Y.%m.%d",
      ("consume",), cpp={"consume": "EsSinkConfig.index"}),
    S("install_template", ("--install-template",), None, bool, False, "install an index template with mappings",
      ("consume",)),
    S("shards", ("--shards",), None, int, None, "number_of_shards of a created index", ("consume",),
      default_text="Elasticsearch's"),
    S("replicas", ("--replicas",), None, int, None, "number_of_replicas of a created index", _ES,
      default_text="Elasticsearch's", per={"deploy-assets": dict(help="number_of_replicas in the template")}),
    S("recreate_index", ("--recreate-index",), None, bool, False, "DELETE the index first (destroys its data)",
      ("consume",), cpp={"consume": "EsSinkConfig.recreate_index"}),
    S("kafka_metadata", ("--kafka-metadata",), None, bool, False,
      "add kafka.topic, kafka.partition and kafka.offset to each document", ("consume",),
      cpp={"consume": "EsSinkConfig.kafka_metadata"}),
    S("bulk_max_docs", ("--bulk-max-docs",), None, int, 1000, "documents per bulk request at most", ("consume",),
      cpp={"consume": "EsSinkConfig.bulk_max_docs"}),
    S("bulk_max_bytes", ("--bulk-max-bytes",), None, int, 5 << 20, "bytes per bulk request at most", ("consume",),
      cpp={"consume": "EsSinkConfig.bulk_max_bytes"}),
    S("linger", ("--linger",), None, float, 1.0,
      "seconds a partial bulk may wait while messages keep coming (it goes out at once when Kafka has nothing "
      "more and a connection is free, unless --fixed-linger)", ("consume",), cpp={"consume": "EsSinkConfig.linger_ms"}),
    S("fixed_linger", ("--fixed-linger",), None, bool, False,
      "a partial bulk always waits --linger for more documents (the adaptive flush off: fewer, larger bulks at "
      "low rates, more latency)", ("consume",), cpp={"consume": "EsSinkConfig.fixed_linger"}),
    S("gzip", ("--gzip",), None, bool, False, "gzip request bodies", ("consume",), cpp={"consume": "EsSinkConfig.gzip"}),
    S("max_in_flight", ("--max-in-flight",), None, int, 4, "bulk requests in flight at most", ("consume",),
      cpp={"consume": "EsSinkConfig.max_in_flight"}),
    S("max_buffered_bytes", ("--max-buffered-bytes",), None, int, 64 << 20,
      "pause fetching while this many bytes of messages wait for Elasticsearch", ("consume",),
      cpp={"consume": "EsSinkConfig.max_buffered_bytes"}),
    S("startup_timeout", ("--startup-timeout",), None, float, 30.0, "seconds to wait for Elasticsearch",
      ("consume",), cpp={"consume": "EsSinkConfig.startup_timeout_ms"}),
    # ---- how long a consumer runs
    S("max_messages", ("--max-messages",), None, int, 0, "stop after this many messages (0 = no limit)",
      ("consume", "report", "watch"),
      per={"report": dict(default=100_000,
                          help="read at most this many messages of the topic (0 = all, held in memory)")}),
    S("idle_timeout", ("--idle-timeout",), None, float, 0.0,
      "stop after this many idle seconds: partitions assigned, read to their end, nothing in flight; no "
      "partition within it + the join grace (30 s, or the session timeout + 5 s) is an error, exit 1 (0 = never)",
      ("consume", "watch")),
    S("stop_at_end", ("--stop-at-end",), None, bool, False,
      "stop once every assigned partition is read to its end (a batch run)", ("consume", "watch"),
      per={"watch": dict(help="stop once every partition is read to its end, closing the last windows "
                              "(a batch run)")}),
    # ---- broker, demo
    S("brokers", ("--brokers",), None, int, 1, "brokers of the embedded cluster", ("broker",)),
    S("lines", ("--lines",), None, int, 20_000, "lines per format", ("demo",)),
    S("workdir", ("--workdir",), None, str, None,
      "where the generated logs, the broker's log and the search engine's data go", ("demo",),
      default_text="a new temporary directory, removed at the end"),
    S("keep", ("--keep",), None, bool, False,
      "leave the broker and the search engine running and print how to reach them (`--stop` ends them)",
      ("demo",)),
    S("stop", ("--stop",), None, bool, False,
      "stop what a --keep demo started from this directory and remove its data, .env and CA", ("demo",)),
    S("java", ("--java",), "SEARCH_HARNESS_JAVA", str, None, "java executable for the search engine",
      ("demo",), default_text="the newest Java 21+ (OpenSearch 3), else 17+ (OpenSearch 2)"),
    S("engine_heap", ("--engine-heap",), "SEARCH_HARNESS_HEAP", str, "512m", "the search engine's JVM heap",
      ("demo",)),
    # ---- report
    S("alerts", ("--alerts",), None, str, None,
      "alerts as JSON lines (kafkainsight watch output) for the timeline", ("report",),
      default_text="log files: the watch rules evaluated over them"),
    S("rules", ("--rules",), "KI_WATCH_RULES", str, None, "rules YAML file", ("report", "watch"),
      default_text="built-in rules (--print-rules)",
      per={"report": dict(env=None, help="watch rules YAML for the default timeline")}),
    S("no_alerts", ("--no-alerts",), None, bool, False, "no alert timeline", ("report",)),
    S("title", ("--title",), None, str, None, "page title", ("report",), default_text="from the source"),
    S("max_points", ("--max-points",), None, int, 360, "time buckets per chart (buckets widen to fit)",
      ("report",), cpp={"report": "SummaryConfig.max_points"}),
    S("top", ("--top",), None, int, 15, "rows in each top list", ("report",), cpp={"report": "SummaryConfig.top_n"}),
    # ---- deploy-assets
    S("retention", ("--retention",), None, str, "30d", "delete indices this old (ILM delete phase)",
      ("deploy-assets",)),
    S("pattern", ("--pattern",), None, str, "kafkainsight-*", "index pattern of the template and the data view",
      ("deploy-assets",)),
    S("no_ilm", ("--no-ilm",), None, bool, False, "no ILM policy (OpenSearch has ISM instead)", ("deploy-assets",)),
    S("dry_run", ("--dry-run",), None, bool, False, "print the requests instead of sending them",
      ("deploy-assets",)),
    # ---- watch
    S("print_rules", ("--print-rules",), None, bool, False, "print the built-in rules as YAML and exit", ("watch",)),
    S("lateness", ("--lateness",), None, float, None, "allowed event-time lateness in seconds (overrides rules)",
      ("watch",), default_text="the rules' (built-in 10)"),
    S("alerts_topic", ("--alerts-topic",), None, str, "alerts", "topic for alert lines ('' = none)", ("watch",),
      cpp={"watch": "WatchConfig.alerts_topic"}),
    S("webhook", ("--webhook",), "KI_WEBHOOK_URL", str, None, "POST each alert line here", ("watch",),
      default_text="none"),
    S("webhook_ca", ("--webhook-ca",), None, str, None, "CA file for an https webhook", ("watch",),
      default_text="the system CAs"),
    S("webhook_insecure", ("--webhook-insecure",), None, bool, False,
      "do NOT verify the webhook's TLS certificate", ("watch",), cpp={"watch": "WebhookConfig.insecure"}),
    S("webhook_timeout", ("--webhook-timeout",), None, float, 5.0, "seconds per webhook attempt", ("watch",),
      cpp={"watch": "WebhookConfig.timeout_ms"}),
    S("logs", ("--logs",), None, list, None, "offline: evaluate these log files instead of a topic", ("watch",),
      nargs="+", metavar="FILE"),
    # ---- common
    S("env_file", ("--env-file",), None, str, None, ENV_FILE_HELP, ENV_FILE_COMMANDS, default_text=".env"),
    S("metrics_port", ("--metrics-port",), "KI_METRICS_PORT", int, None,
      "serve /metrics (Prometheus) and /healthz on this port", KAFKA, default_text="off"),
    S("metrics_host", ("--metrics-host",), None, str, "0.0.0.0", "address for --metrics-port", KAFKA),
    S("metrics_linger", ("--metrics-linger",), None, float, 0.0,
      "keep serving the final /metrics this many seconds after finishing (batch runs)", KAFKA),
)

DESCRIPTIONS = {  # (help in the command list, description on the command's --help)
    "generate": ("write flog-compatible fake logs",
                 "flog-compatible fake log generator (same flags as flog 0.4.4, plus --seed)."),
    "parse": ("parse log files into JSON documents (NDJSON)", None),
    "produce": ("stream log files into Kafka (parse + encode in C++)",
                "Stream log files into Kafka: one message per line, parsed and encoded in C++."),
    "consume": ("move Kafka messages into Elasticsearch (exactly once, TLS)",
                "Consume Kafka topics into Elasticsearch with bulk requests."),
    "broker": ("run the embedded Kafka broker (in memory) until stopped", None),
    "demo": ("the main job on embedded defaults: logs -> Kafka -> search engine over TLS -> search, alerts, "
             "report",
             "Generate logs (six formats, an incident, three bad lines), produce them into the embedded broker "
             "(`kafkainsight broker`), start a real search engine (OpenSearch from Maven Central behind nginx: "
             "TLS with a CA generated at start, written as certificates/http_ca.crt, basic auth with a "
             "generated ELASTIC_PASSWORD in a mode-600 .env; an existing .env or CA of yours is kept and the "
             "demo's written next to it), `kafkainsight consume` into it, search back with the official "
             "elasticsearch client, `kafkainsight watch --logs`, `kafkainsight report`; the last line accounts "
             "for every line (exit 1 when the numbers do not add up). Needs Java 17+, Maven (first run: "
             "downloads the engine, about 100 MB, cached), nginx and openssl, which scripts/setup.sh installs "
             "and fetches; without them it says so and runs the Kafka-only path (exit 0). Works from a "
             "checkout (scripts/demo.sh) and from an installed package."),
    "report": ("write one self-contained HTML report (charts, no network needed)",
               "Charts of log files or a Kafka topic in one HTML page: requests by status class, 4xx/5xx, "
               "error-log levels over time, top paths / client IPs / user agents, alerts."),
    "deploy-assets": ("install the ILM policy, index template and Kibana dashboard",
                      "PUT the retention policy (ILM) and the index template into Elasticsearch and import the "
                      "data view + 'HTTP errors' dashboard into Kibana. Credentials as for consume."),
    "watch": ("alert rules over event time: errors, 5xx share, 4xx spikes, 401/403, heartbeats",
              "Evaluate alert rules over sliding event-time windows on a topic (own consumer group) or offline on "
              "log files (--logs). Each alert is one JSON line on stdout, on the alerts topic and optionally "
              "POSTed to a webhook."),
}
ORDER_NOTE = ("Settings: flag, then environment variable, then .env (--env-file), then default; "
              "every setting with its variable: docs/CONFIGURATION.md.")


def settings_for(command: str) -> list[Setting]:
    """The settings of one command, as that command has them, in table order."""
    return [s.for_command(command) for s in SETTINGS if command in s.commands]


def setting(command: str, name: str) -> Setting:
    for s in settings_for(command):
        if s.name == name:
            return s
    raise KeyError(f"{command} has no setting {name!r}")


def defaults(command: str) -> dict[str, Any]:
    """name -> default of every setting of `command` (what the Python API uses as its defaults)."""
    return {s.name: s.default for s in settings_for(command)}


def _env_defaults() -> dict[str, str]:
    out: dict[str, str] = {}
    for s in SETTINGS:
        for c in s.commands:
            v = s.for_command(c)
            if v.env and not v.secret and v.env not in out:
                d = v.default[0] if isinstance(v.default, list) and len(v.default) == 1 else v.default
                if isinstance(d, str):
                    out[v.env] = d
    return out


ENV_DEFAULTS = _env_defaults()  # environment variable -> default (settings.Settings uses it)


# ------------------------------------------------------------------ argparse

def _help(s: Setting) -> str:
    h = s.help
    extra = []
    if s.env:
        extra.append(f"${s.env}")
    d = s.describe_default()
    if d and s.type is not bool:  # a switch is off unless given
        extra.append(d)
    if extra:
        h += " (default " + ", else ".join(extra) + ")" if len(extra) == 2 else f" (default {extra[0]})"
    return h.replace("%", "%%")


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    """The options of `command`, from the table."""
    for s in settings_for(command):
        if s.secret or (not s.flags and not s.positional):
            continue
        kw: dict[str, Any] = {"help": _help(s)}
        resolved_later = s.env is not None  # None here: resolve() tells a flag from the environment
        if s.type is bool:
            kw.update(action="store_true", default=False)
        else:
            if s.type is list and not s.nargs:
                kw["action"] = "append"
            elif s.type in (int, float):
                kw["type"] = s.type
            if s.nargs:
                kw["nargs"] = s.nargs
            choices = s.choice_list()
            if choices:
                kw["choices"] = choices
            if s.metavar or (s.flags and not choices):  # named after the long flag: -b BOOTSTRAP_SERVERS
                kw["metavar"] = s.metavar or s.flags[-1].lstrip("-").upper().replace("-", "_")
            kw["default"] = None if (resolved_later or s.type is list) else s.default
        if s.positional:
            parser.add_argument(s.name, **kw)
        else:
            parser.add_argument(*s.flags, dest=s.name, **kw)


def build_parsers(sub: Any, functions: Mapping[str, Callable]) -> None:
    for command in COMMANDS:
        short, long = DESCRIPTIONS[command]
        if any(s.env for s in settings_for(command)):
            long = f"{long + ' ' if long else ''}{ORDER_NOTE}"
        p = sub.add_parser(command, help=short, description=long)
        add_arguments(p, command)
        p.set_defaults(func=functions[command], command=command)


# ------------------------------------------------------------------ resolution

def _convert(s: Setting, value: str) -> Any:
    if s.type is list:
        return [value]
    if s.type in (int, float):
        try:
            return s.type(value)
        except ValueError:
            kind = "an integer" if s.type is int else "a number"
            raise ValueError(f"{s.env} must be {kind}, got {value!r}") from None
    choices = s.choice_list()
    if choices and value not in choices:
        raise ValueError(f"{s.env}={value!r}: expected one of {', '.join(choices)}")
    return value


def resolve(ns: argparse.Namespace, command: str, environ: Mapping[str, str] | None = None) -> argparse.Namespace:
    """Fills the settings of `command` not given as flags: environment variable, then .env, then
    default. ``ns.given`` names the settings that came from the command line."""
    from .settings import Settings
    given = set()
    lookup = None
    for s in settings_for(command):
        value = getattr(ns, s.name, None)
        if value not in (None, []) and not s.secret:
            if s.env or s.type is list:
                given.add(s.name)
            continue
        if s.env:
            if lookup is None:
                lookup = Settings(getattr(ns, "env_file", None) or ".env", environ)
            raw = lookup.lookup(s.env)
            if raw is not None:
                setattr(ns, s.name, _convert(s, raw))
                continue
        if value in (None, []):
            setattr(ns, s.name, list(s.default) if isinstance(s.default, list) else s.default)
    ns.given = given
    return ns


# ------------------------------------------------------------------ docs/CONFIGURATION.md

def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def markdown() -> str:
    out = ["<!-- Generated by `python -m kafkainsight.config --markdown > docs/CONFIGURATION.md` from",
           "     python/kafkainsight/config.py; tests/test_settings_table.py fails when it is stale. -->",
           "# Configuration", "",
           "Every setting of every `kafkainsight` command. A value comes from the command-line flag, else the "
           "environment variable, else the same key in `.env` (or the file named with `--env-file`, which must "
           "then exist), else the default. `.env` is read as data: one `KEY=value` a line, never executed, no "
           "`${VAR}` expansion; a `.env` other users can read gets a warning. Secrets (`ELASTIC_PASSWORD`, "
           "`ELASTIC_API_KEY`) have no flag: a command line is visible to every user of the machine.", "",
           "The setting's name is also the keyword of the Python API (`kafkainsight.Producer`, "
           "`ElasticsearchSink`, `Consumer`, `Watcher`), whose defaults are the same.", "",
           "Diagnostics: `SPDLOG_LEVEL=debug` (environment only, every command and `import kafkainsight`) "
           "logs what the C++ core logs at debug level, librdkafka's own debug output among it (ask for it with "
           "`-X debug=eos,msg,…`, librdkafka's CONFIGURATION.md lists the contexts).", "",
           "Log formats (`--format`): " + ", ".join(f"`{f}`" for f in _formats_auto()) + ".", "",
           "## Environment variables", "",
           "| variable (and `.env` key) | setting | commands | default |", "| --- | --- | --- | --- |"]
    seen: dict[str, list[tuple[str, str, str]]] = {}
    for s in SETTINGS:
        for c in s.commands:
            v = s.for_command(c)
            if v.env:
                seen.setdefault(v.env, []).append((v.name, c, "(secret)" if v.secret else v.describe_default()))
    for env in sorted(seen):
        rows = seen[env]
        names = sorted({r[0] for r in rows})
        for name in names:
            cmds = [r[1] for r in rows if r[0] == name]
            d = next(r[2] for r in rows if r[0] == name)
            out.append(f"| `{env}` | `{name}` | {', '.join(cmds)} | {_cell(d)} |")
    for command in COMMANDS:
        short, _ = DESCRIPTIONS[command]
        out += ["", f"## kafkainsight {command}", "", f"{short[0].upper() + short[1:]}.", "",
                "| setting | flag | environment / .env | type | default | description |",
                "| --- | --- | --- | --- | --- | --- |"]
        for s in settings_for(command):
            if s.positional:
                flag = f"`{s.name.upper()}…` (positional)"
            else:
                flag = ", ".join(f"`{f}`" for f in s.flags) or "—"
            env = f"`{s.env}`" if s.env else ""
            choices = s.choice_list()
            if choices and "apache_common" in choices:  # (the formats: listed once, above)
                desc = s.help + "; one of the log formats above"
            else:
                desc = s.help + (f"; one of: {', '.join(choices)}" if choices else "")
            default = "(secret)" if s.secret else s.describe_default()
            out.append(f"| `{s.name}` | {flag} | {env} | {s.type_name} | {_cell(default)} | {_cell(desc)} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if args != ["--markdown"]:
        print("usage: python -m kafkainsight.config --markdown > docs/CONFIGURATION.md", file=sys.stderr)
        return 2
    sys.stdout.write(markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
