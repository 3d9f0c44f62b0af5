# Generated from the built kafkainsight._core by scripts/gen_stubs.py (pybind11-stubgen); do not edit.
"""
KafkaInsight C++ core (parsing, encoding, generation).
"""
from __future__ import annotations
import collections.abc
import typing
__all__: list[str] = ['ArrowBatch', 'ClientConfig', 'ConsumePipeline', 'ConsumeStats', 'ConsumerConfig', 'EngineStats', 'EsSinkConfig', 'FORMATS', 'FieldOptions', 'FileBatches', 'GeneratorConfig', 'GrokConfig', 'HttpClient', 'KafkaConfigError', 'KafkaError', 'KafkaTopicError', 'KafkaUnreachableError', 'LineEvaluator', 'LineParser', 'MockCluster', 'MultilineConfig', 'ParseStats', 'ProduceConfig', 'ProduceStats', 'Producer', 'ReadResult', 'SCHEMAS', 'SinkStats', 'SummaryConfig', 'TrafficSummary', 'WatchConfig', 'WatchPipeline', 'WatchStats', 'WebhookConfig', 'convert', 'cpp_defaults', 'detect_format', 'generate', 'generate_lines', 'grok_builtin_patterns', 'grok_regex', 'parse_line', 'read_files', 'read_topic', 'read_topic_table', 'search_table', 'summarize_files', 'template_for_engine', 'watch_check_rules', 'watch_default_rules', 'watch_evaluate_files']
class GrokConfig:
    """
    Grok patterns (ki::GrokConfig): --grok, --patterns-dir, --time-format.
    """
    _fields: typing.ClassVar[tuple] = ('patterns', 'patterns_dir', 'time_format')
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def patterns(self) -> list[str]:
        """
        grok patterns, tried in order (first match wins)
        """
    @patterns.setter
    def patterns(self, arg0: collections.abc.Sequence[str]) -> None:
        ...
    @property
    def patterns_dir(self) -> str:
        """
        directory of pattern files (`NAME regex` lines) added to the built-in library
        """
    @patterns_dir.setter
    def patterns_dir(self, arg0: str) -> None:
        ...
    @property
    def time_format(self) -> str:
        """
        strptime-style layout of the `timestamp` capture (%f / ,SSS fractions); empty: the known layouts
        """
    @time_format.setter
    def time_format(self, arg0: str) -> None:
        ...
class MultilineConfig:
    """
    Multi-line events (ki::MultilineConfig): --multiline-start, --multiline, bounds.
    """
    _fields: typing.ClassVar[tuple] = ('start', 'preset', 'max_lines', 'max_bytes', 'flush_ms')
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def flush_ms(self) -> int:
        """
        following: a pending event is complete after this long without a new line (ms)
        """
    @flush_ms.setter
    def flush_ms(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def max_bytes(self) -> int:
        """
        bytes per event at most (the next line starts a new one)
        """
    @max_bytes.setter
    def max_bytes(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def max_lines(self) -> int:
        """
        lines per event at most (the next line starts a new one)
        """
    @max_lines.setter
    def max_lines(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def preset(self) -> str:
        """
        java or python: stack-trace lines continue the event before them
        """
    @preset.setter
    def preset(self, arg0: str) -> None:
        ...
    @property
    def start(self) -> str:
        """
        regex (grok names allowed): a line matching it starts an event
        """
    @start.setter
    def start(self, arg0: str) -> None:
        ...
class FieldOptions:
    """
    app_json / logfmt field overrides and fields added to every document.
    """
    _fields: typing.ClassVar[tuple] = ('json_time_field', 'json_level_field', 'json_message_field', 'add_fields')
    def __init__(self, json_time_field: str = '', json_level_field: str = '', json_message_field: str = '', add_fields: collections.abc.Sequence[str] = []) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def add_fields(self) -> list[str]:
        """
        name=value fields added to every document
        """
    @add_fields.setter
    def add_fields(self, arg0: collections.abc.Sequence[str]) -> None:
        ...
    @property
    def json_level_field(self) -> str:
        """
        field holding the level; empty: by name
        """
    @json_level_field.setter
    def json_level_field(self, arg0: str) -> None:
        ...
    @property
    def json_message_field(self) -> str:
        """
        field holding the message; empty: by name
        """
    @json_message_field.setter
    def json_message_field(self, arg0: str) -> None:
        ...
    @property
    def json_time_field(self) -> str:
        """
        field holding the time (dotted path); empty: by name
        """
    @json_time_field.setter
    def json_time_field(self, arg0: str) -> None:
        ...
class ParseStats:
    """
    What parsing counted (ki::ParseStats): lines = parsed + failed + empty.
    """
    _fields: typing.ClassVar[tuple] = ('lines', 'parsed', 'failed', 'empty', 'joined', 'bytes', 'doc_bytes', 'renamed_fields', 'not_utf8', 'by_format', 'seconds', 'interrupted', 'error')
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def by_format(self) -> dict:
        """
        format -> lines parsed in it
        """
    @property
    def bytes(self) -> int:
        """
        input bytes (uncompressed, with line ends)
        """
    @property
    def doc_bytes(self) -> int:
        """
        document bytes written
        """
    @property
    def empty(self) -> int:
        """
        blank lines: counted, not documents
        """
    @property
    def error(self) -> str:
        """
        input that could not be read to its end (file, byte offset); empty otherwise
        """
    @property
    def failed(self) -> int:
        """
        lines that did not parse
        """
    @property
    def interrupted(self) -> bool:
        """
        stopped (Ctrl-C / SIGTERM) before the end of the input
        """
    @property
    def joined(self) -> int:
        """
        lines joined to the event before them (multi-line events)
        """
    @property
    def lines(self) -> int:
        """
        lines read
        """
    @property
    def not_utf8(self) -> int:
        """
        lines with bytes that are not UTF-8 (U+FFFD in their documents; --encoding names a charset)
        """
    @property
    def parsed(self) -> int:
        """
        lines that became documents
        """
    @property
    def renamed_fields(self) -> int:
        """
        line fields that collided with ours, kept under kafkainsight.renamed.<name>
        """
    @property
    def seconds(self) -> float:
        """
        run time
        """
class GeneratorConfig:
    """
    The flog-like generator (ki::GeneratorConfig).
    """
    _fields: typing.ClassVar[tuple] = ('format', 'seed', 'start_epoch_sec', 'interval_ns', 'tz_offset_min')
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def format(self) -> str:
        """
        log format of the lines (not auto)
        """
    @format.setter
    def format(self, arg1: str) -> None:
        ...
    @property
    def interval_ns(self) -> int:
        """
        the event time advances by this per line (ns; flog -s)
        """
    @interval_ns.setter
    def interval_ns(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def seed(self) -> int:
        """
        random seed; the same seed gives the same lines (0: random)
        """
    @seed.setter
    def seed(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def start_epoch_sec(self) -> int:
        """
        event time of the first line (epoch seconds; -1: now)
        """
    @start_epoch_sec.setter
    def start_epoch_sec(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def tz_offset_min(self) -> int:
        """
        zone written in the timestamps (minutes east of UTC)
        """
    @tz_offset_min.setter
    def tz_offset_min(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
class ProduceConfig:
    """
    The produce pipeline: Kafka producer, parser, encoder, delivery (ki::ProduceConfig), seen flat; names and units as in the settings table.
    """
    _fields: typing.ClassVar[tuple] = ('bootstrap', 'properties', 'timeout_ms', 'topic', 'dlq_topic', 'format', 'tz_offset_min', 'year', 'schema', 'include_original', 'key', 'on_parse_error', 'rate', 'follow', 'from_end', 'poll_ms', 'rescan_ms', 'max_open_files', 'flush_timeout_ms', 'headers', 'event_ids', 'json_time_field', 'json_level_field', 'json_message_field', 'add_fields', 'grok', 'multiline', 'encoding')
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def add_fields(self) -> list[str]:
        """
        name=value fields added to every document (--add-field)
        """
    @add_fields.setter
    def add_fields(self, arg1: collections.abc.Sequence[str]) -> None:
        ...
    @property
    def bootstrap(self) -> str:
        """
        Kafka bootstrap servers, host:port[,host:port]
        """
    @bootstrap.setter
    def bootstrap(self, arg1: str) -> None:
        ...
    @property
    def dlq_topic(self) -> str:
        """
        dead-letter topic for lines that do not parse; empty: <topic>.dlq
        """
    @dlq_topic.setter
    def dlq_topic(self, arg0: str) -> None:
        ...
    @property
    def encoding(self) -> str:
        """
        the files' character set (--encoding; checked when set: an unknown one raises ValueError)
        """
    @encoding.setter
    def encoding(self, arg1: str) -> None:
        ...
    @property
    def event_ids(self) -> str:
        """
        which lines carry ki.id (file fingerprint + byte offset, the consumer's _id): follow (lines of followed files), files (of every regular file) or none
        """
    @event_ids.setter
    def event_ids(self, arg1: str) -> None:
        ...
    @property
    def flush_timeout_ms(self) -> int:
        """
        how long to wait for in-flight messages at the end (ms)
        """
    @flush_timeout_ms.setter
    def flush_timeout_ms(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def follow(self) -> bool:
        """
        follow the file as it grows (tail -F)
        """
    @follow.setter
    def follow(self, arg0: bool) -> None:
        ...
    @property
    def format(self) -> str:
        """
        log format, or auto (detect per line)
        """
    @format.setter
    def format(self, arg1: str) -> None:
        ...
    @property
    def from_end(self) -> bool:
        """
        following: start at the current end
        """
    @from_end.setter
    def from_end(self, arg1: bool) -> None:
        ...
    @property
    def grok(self) -> GrokConfig:
        """
        grok patterns (compiled when set: an invalid one raises ValueError)
        """
    @grok.setter
    def grok(self, arg1: GrokConfig) -> None:
        ...
    @property
    def headers(self) -> str:
        """
        message headers: ts (ki.ts on live sources), all (also ki.source, ki.line, ki.format) or none
        """
    @headers.setter
    def headers(self, arg1: str) -> None:
        ...
    @property
    def include_original(self) -> bool:
        """
        ecs: event.original = the raw line
        """
    @include_original.setter
    def include_original(self, arg1: bool) -> None:
        ...
    @property
    def json_level_field(self) -> str:
        """
        app_json/logfmt: field holding the level; empty: recognised by name
        """
    @json_level_field.setter
    def json_level_field(self, arg1: str) -> None:
        ...
    @property
    def json_message_field(self) -> str:
        """
        app_json/logfmt: field holding the message; empty: recognised by name
        """
    @json_message_field.setter
    def json_message_field(self, arg1: str) -> None:
        ...
    @property
    def json_time_field(self) -> str:
        """
        app_json/logfmt: field holding the time (dotted path); empty: recognised by name
        """
    @json_time_field.setter
    def json_time_field(self, arg1: str) -> None:
        ...
    @property
    def key(self) -> str:
        """
        ECS field whose value keys each message (empty: no key)
        """
    @key.setter
    def key(self, arg0: str) -> None:
        ...
    @property
    def max_open_files(self) -> int:
        """
        following: at most this many files at a time
        """
    @max_open_files.setter
    def max_open_files(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def multiline(self) -> MultilineConfig:
        """
        how lines become events (multi-line stack traces)
        """
    @multiline.setter
    def multiline(self, arg1: MultilineConfig) -> None:
        ...
    @property
    def on_parse_error(self) -> str:
        """
        a line that does not parse: dlq (dead-letter topic), skip (count it) or fail (stop)
        """
    @on_parse_error.setter
    def on_parse_error(self, arg1: str) -> None:
        ...
    @property
    def poll_ms(self) -> int:
        """
        following: how often to look for new data (ms)
        """
    @poll_ms.setter
    def poll_ms(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def properties(self) -> dict:
        """
        librdkafka properties passed through (-X), after ours; keys and values become strings
        """
    @properties.setter
    def properties(self, arg1: dict) -> None:
        ...
    @property
    def rate(self) -> float:
        """
        lines per second; 0: as fast as possible
        """
    @rate.setter
    def rate(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def rescan_ms(self) -> int:
        """
        following patterns: how often to look for new matching files (ms)
        """
    @rescan_ms.setter
    def rescan_ms(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def schema(self) -> str:
        """
        document schema: ecs or kafkainsight
        """
    @schema.setter
    def schema(self, arg1: str) -> None:
        ...
    @property
    def timeout_ms(self) -> int:
        """
        how long to wait for a broker to answer at start (ms)
        """
    @timeout_ms.setter
    def timeout_ms(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def topic(self) -> str:
        """
        topic the documents go to
        """
    @topic.setter
    def topic(self, arg0: str) -> None:
        ...
    @property
    def tz_offset_min(self) -> int:
        """
        zone (minutes east of UTC) of timestamps that carry none
        """
    @tz_offset_min.setter
    def tz_offset_min(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def year(self) -> int:
        """
        year of BSD syslog timestamps; 0: inferred from the clock
        """
    @year.setter
    def year(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
class ProduceStats:
    """
    What happened to every line (ki::ProduceStats): read = produced + dead_lettered + skipped + empty + joined + failed_delivery.
    """
    _fields: typing.ClassVar[tuple] = ('read', 'produced', 'dead_lettered', 'skipped', 'empty', 'joined', 'failed_delivery', 'parse_errors', 'bytes', 'renamed_fields', 'not_utf8', 'seconds', 'interrupted', 'stopped_reason', 'stopped_lines', 'errors', 'by_format', 'rotations', 'truncations', 'files_opened', 'files_closed', 'files_followed', 'resumed', 'input_error')
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def by_format(self) -> dict:
        """
        format -> lines parsed in it
        """
    @property
    def bytes(self) -> int:
        """
        bytes read
        """
    @property
    def dead_lettered(self) -> int:
        """
        bad lines acknowledged on the dead-letter topic
        """
    @property
    def empty(self) -> int:
        """
        blank lines
        """
    @property
    def errors(self) -> list[str]:
        """
        first delivery errors / parse errors with their line
        """
    @property
    def failed_delivery(self) -> int:
        """
        not acknowledged by Kafka
        """
    @property
    def files_closed(self) -> int:
        """
        following: matched files closed after they went away
        """
    @property
    def files_followed(self) -> int:
        """
        following: files open now
        """
    @property
    def files_opened(self) -> int:
        """
        following: files opened (named or matched by a pattern)
        """
    @property
    def input_error(self) -> str:
        """
        the input could not be read to its end: where and why (the lines before it were sent)
        """
    @property
    def interrupted(self) -> bool:
        """
        stopped by a signal or stop()
        """
    @property
    def joined(self) -> int:
        """
        lines joined to the event before them (multi-line events)
        """
    @property
    def not_utf8(self) -> int:
        """
        lines with bytes that are not UTF-8 (sent with U+FFFD; --encoding names a charset)
        """
    @property
    def parse_errors(self) -> int:
        """
        lines that did not parse (dead-lettered, skipped or stopped on)
        """
    @property
    def produced(self) -> int:
        """
        documents acknowledged by Kafka
        """
    @property
    def read(self) -> int:
        """
        lines read
        """
    @property
    def renamed_fields(self) -> int:
        """
        line fields that collided with ours, sent under kafkainsight.renamed.<name>
        """
    @property
    def resumed(self) -> int:
        """
        lines not sent again: acknowledged in an earlier run (resume=)
        """
    @property
    def rotations(self) -> int:
        """
        following: files rotated
        """
    @property
    def seconds(self) -> float:
        """
        run time
        """
    @property
    def skipped(self) -> int:
        """
        bad lines counted and dropped (on_parse_error=skip)
        """
    @property
    def stopped_lines(self) -> int:
        """
        on_parse_error=fail: lines of the event stopped on (1, or a multi-line event's)
        """
    @property
    def stopped_reason(self) -> str:
        """
        on_parse_error=fail: which line, why
        """
    @property
    def truncations(self) -> int:
        """
        following: files truncated
        """
class ClientConfig:
    """
    Elasticsearch connection: URL, TLS, credentials (es::ClientConfig).
    """
    _fields: typing.ClassVar[tuple] = ('url', 'ca_path', 'ca_fingerprint', 'insecure', 'allow_http_credentials', 'user', 'password', 'api_key', 'gzip', 'timeout_ms', 'connect_timeout_ms', 'max_in_flight')
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def allow_http_credentials(self) -> bool:
        """
        send credentials over plain http (explicit opt-in)
        """
    @allow_http_credentials.setter
    def allow_http_credentials(self, arg0: bool) -> None:
        ...
    @property
    def api_key(self) -> str:
        """
        API key, id:key or its base64 form (masked in repr)
        """
    @api_key.setter
    def api_key(self, arg0: str) -> None:
        ...
    @property
    def ca_fingerprint(self) -> str:
        """
        SHA-256 of the CA certificate (hex, colons allowed); empty: use ca_path
        """
    @ca_fingerprint.setter
    def ca_fingerprint(self, arg0: str) -> None:
        ...
    @property
    def ca_path(self) -> str:
        """
        CA file that verifies the server certificate
        """
    @ca_path.setter
    def ca_path(self, arg0: str) -> None:
        ...
    @property
    def connect_timeout_ms(self) -> int:
        """
        connect timeout (ms)
        """
    @connect_timeout_ms.setter
    def connect_timeout_ms(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def gzip(self) -> bool:
        """
        gzip request bodies
        """
    @gzip.setter
    def gzip(self, arg0: bool) -> None:
        ...
    @property
    def insecure(self) -> bool:
        """
        no TLS verification at all (explicit opt-in)
        """
    @insecure.setter
    def insecure(self, arg0: bool) -> None:
        ...
    @property
    def max_in_flight(self) -> int:
        """
        bulk requests in flight at once
        """
    @max_in_flight.setter
    def max_in_flight(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def password(self) -> str:
        """
        basic-auth password (masked in repr)
        """
    @password.setter
    def password(self, arg0: str) -> None:
        ...
    @property
    def timeout_ms(self) -> int:
        """
        request timeout (ms)
        """
    @timeout_ms.setter
    def timeout_ms(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def url(self) -> str:
        """
        base URL, https://host:port[/path] (no credentials in it)
        """
    @url.setter
    def url(self, arg0: str) -> None:
        ...
    @property
    def user(self) -> str:
        """
        basic-auth user (with password)
        """
    @user.setter
    def user(self, arg0: str) -> None:
        ...
class ConsumerConfig:
    """
    The Kafka consumer group member (ki::ConsumerConfig).
    """
    _fields: typing.ClassVar[tuple] = ('bootstrap', 'topics', 'group', 'auto_offset_reset', 'instance_id', 'connect_timeout_ms', 'properties')
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def auto_offset_reset(self) -> str:
        """
        where a new group starts: earliest or latest
        """
    @auto_offset_reset.setter
    def auto_offset_reset(self, arg0: str) -> None:
        ...
    @property
    def bootstrap(self) -> str:
        """
        Kafka bootstrap servers, host:port[,host:port]
        """
    @bootstrap.setter
    def bootstrap(self, arg0: str) -> None:
        ...
    @property
    def connect_timeout_ms(self) -> int:
        """
        the cluster must answer within this at start (ms)
        """
    @connect_timeout_ms.setter
    def connect_timeout_ms(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def group(self) -> str:
        """
        consumer group id
        """
    @group.setter
    def group(self, arg0: str) -> None:
        ...
    @property
    def instance_id(self) -> str:
        """
        group.instance.id (static membership): empty = ki-<host>-<topics hash>, 'none' = dynamic
        """
    @instance_id.setter
    def instance_id(self, arg0: str) -> None:
        ...
    @property
    def properties(self) -> dict:
        """
        librdkafka properties passed through (-X); keys and values become strings
        """
    @properties.setter
    def properties(self, arg1: dict) -> None:
        ...
    @property
    def topics(self) -> list[str]:
        """
        topic names; one starting with ^ is a regex
        """
    @topics.setter
    def topics(self, arg0: collections.abc.Sequence[str]) -> None:
        ...
class EsSinkConfig:
    """
    Where documents go: index, batching, dead letters (ki::EsSinkConfig).
    """
    _fields: typing.ClassVar[tuple] = ('client', 'index', 'op', 'bulk_max_docs', 'bulk_max_bytes', 'linger_ms', 'fixed_linger', 'dlq_topic', 'index_settings', 'template_name', 'template_body', 'recreate_index', 'startup_timeout_ms', 'backoff_initial_ms', 'backoff_max_ms', 'kafka_metadata', 'max_buffered_bytes')
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def backoff_initial_ms(self) -> int:
        """
        first retry delay (ms)
        """
    @backoff_initial_ms.setter
    def backoff_initial_ms(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def backoff_max_ms(self) -> int:
        """
        longest retry delay (ms)
        """
    @backoff_max_ms.setter
    def backoff_max_ms(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def bulk_max_bytes(self) -> int:
        """
        bytes per _bulk request at most
        """
    @bulk_max_bytes.setter
    def bulk_max_bytes(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def bulk_max_docs(self) -> int:
        """
        documents per _bulk request at most
        """
    @bulk_max_docs.setter
    def bulk_max_docs(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def client(self) -> ClientConfig:
        """
        the connection (ClientConfig)
        """
    @client.setter
    def client(self, arg0: ClientConfig) -> None:
        ...
    @property
    def dlq_topic(self) -> str:
        """
        dead-letter topic; empty: <first topic>.dlq
        """
    @dlq_topic.setter
    def dlq_topic(self, arg0: str) -> None:
        ...
    @property
    def fixed_linger(self) -> bool:
        """
        a partial bulk waits for linger_ms even when Kafka has nothing more (false: sent once Kafka is drained)
        """
    @fixed_linger.setter
    def fixed_linger(self, arg0: bool) -> None:
        ...
    @property
    def index(self) -> str:
        """
        index name, or a pattern of the event date (logs-%Y.%m.%d)
        """
    @index.setter
    def index(self, arg0: str) -> None:
        ...
    @property
    def index_settings(self) -> str:
        """
        JSON body for creating a missing fixed index (empty: ES defaults)
        """
    @index_settings.setter
    def index_settings(self, arg0: str) -> None:
        ...
    @property
    def kafka_metadata(self) -> bool:
        """
        add kafka.topic, kafka.partition and kafka.offset to each document
        """
    @kafka_metadata.setter
    def kafka_metadata(self, arg0: bool) -> None:
        ...
    @property
    def linger_ms(self) -> int:
        """
        how long a partial bulk may wait for more documents while they keep coming (ms)
        """
    @linger_ms.setter
    def linger_ms(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def max_buffered_bytes(self) -> int:
        """
        unacknowledged message bytes before fetching pauses
        """
    @max_buffered_bytes.setter
    def max_buffered_bytes(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def op(self) -> str:
        """
        bulk action: create (exactly once) or index
        """
    @op.setter
    def op(self, arg0: str) -> None:
        ...
    @property
    def recreate_index(self) -> bool:
        """
        delete and recreate the index at start
        """
    @recreate_index.setter
    def recreate_index(self, arg0: bool) -> None:
        ...
    @property
    def startup_timeout_ms(self) -> int:
        """
        how long to wait for Elasticsearch at start (ms)
        """
    @startup_timeout_ms.setter
    def startup_timeout_ms(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def template_body(self) -> str:
        """
        its JSON body
        """
    @template_body.setter
    def template_body(self, arg0: str) -> None:
        ...
    @property
    def template_name(self) -> str:
        """
        index template installed at start (empty: none)
        """
    @template_name.setter
    def template_name(self, arg0: str) -> None:
        ...
class ConsumeStats:
    """
    What a consume run did (ki::ConsumeStats).
    """
    _fields: typing.ClassVar[tuple] = ('consumed', 'indexed', 'duplicates', 'dead_lettered', 'item_retries', 'request_retries', 'bulk_requests', 'rejected', 'id_conflicts', 'bad_event_ids', 'fetch_pauses', 'rejoins', 'bytes_sent', 'seconds', 'latency_p50_ms', 'latency_p99_ms', 'committed', 'lag', 'lag_unknown', 'errors', 'fatal', 'interrupted', 'bulk_latency', 'e2e_latency')
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def bad_event_ids(self) -> int:
        """
        ki.id headers that were not event ids: those documents got _id topic-partition-offset
        """
    @property
    def bulk_latency(self) -> dict:
        """
        histogram (seconds) of _bulk request -> response, for /metrics
        """
    @property
    def bulk_requests(self) -> int:
        """
        _bulk requests sent
        """
    @property
    def bytes_sent(self) -> int:
        """
        request body bytes sent
        """
    @property
    def committed(self) -> dict[str, int]:
        """
        topic[partition] -> next offset committed
        """
    @property
    def consumed(self) -> int:
        """
        messages taken from Kafka
        """
    @property
    def dead_lettered(self) -> int:
        """
        messages sent to the dead-letter topic
        """
    @property
    def duplicates(self) -> int:
        """
        documents already there (409 with the same content)
        """
    @property
    def e2e_latency(self) -> dict:
        """
        histogram (seconds) of producer read the line -> Elasticsearch acknowledged it
        """
    @property
    def errors(self) -> list[str]:
        """
        errors seen, in words
        """
    @property
    def fatal(self) -> str:
        """
        why the run stopped early (auth, TLS, config); empty otherwise
        """
    @property
    def fetch_pauses(self) -> int:
        """
        times fetching paused for max_buffered_bytes
        """
    @property
    def id_conflicts(self) -> int:
        """
        409 on a document with other content: indexed under a content _id
        """
    @property
    def indexed(self) -> int:
        """
        documents Elasticsearch created
        """
    @property
    def interrupted(self) -> bool:
        """
        stopped by a signal or stop()
        """
    @property
    def item_retries(self) -> int:
        """
        bulk items retried (429/5xx)
        """
    @property
    def lag(self) -> dict[str, int]:
        """
        topic[partition] -> high watermark - committed (known partitions)
        """
    @property
    def lag_unknown(self) -> list[str]:
        """
        partitions whose end is not known yet
        """
    @property
    def latency_p50_ms(self) -> float:
        """
        median bulk latency (ms)
        """
    @property
    def latency_p99_ms(self) -> float:
        """
        99th percentile bulk latency (ms)
        """
    @property
    def rejected(self) -> int:
        """
        not one JSON object: dead-lettered before any bulk (in dead_lettered)
        """
    @property
    def rejoins(self) -> int:
        """
        new Kafka clients after this consumer was fenced by its own group.instance.id (it joined again)
        """
    @property
    def request_retries(self) -> int:
        """
        whole _bulk requests retried
        """
    @property
    def seconds(self) -> float:
        """
        run time
        """
class WebhookConfig:
    """
    Where alerts are POSTed (ki::watch::WebhookConfig).
    """
    _fields: typing.ClassVar[tuple] = ('url', 'ca_path', 'insecure', 'timeout_ms', 'max_attempts', 'backoff_initial_ms', 'backoff_max_ms')
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def backoff_initial_ms(self) -> int:
        """
        first retry delay (ms)
        """
    @backoff_initial_ms.setter
    def backoff_initial_ms(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def backoff_max_ms(self) -> int:
        """
        longest retry delay (ms)
        """
    @backoff_max_ms.setter
    def backoff_max_ms(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def ca_path(self) -> str:
        """
        CA file that verifies the webhook's TLS certificate
        """
    @ca_path.setter
    def ca_path(self, arg0: str) -> None:
        ...
    @property
    def insecure(self) -> bool:
        """
        do NOT verify the webhook's TLS certificate
        """
    @insecure.setter
    def insecure(self, arg0: bool) -> None:
        ...
    @property
    def max_attempts(self) -> int:
        """
        attempts per alert (bounded: a dead webhook never blocks)
        """
    @max_attempts.setter
    def max_attempts(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def timeout_ms(self) -> int:
        """
        request timeout (ms)
        """
    @timeout_ms.setter
    def timeout_ms(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def url(self) -> str:
        """
        http(s)://host:port/path
        """
    @url.setter
    def url(self, arg0: str) -> None:
        ...
class WatchConfig:
    """
    The watcher: consumer group, rules and alert sinks (ki::watch::WatchConfig).
    """
    _fields: typing.ClassVar[tuple] = ('bootstrap', 'topics', 'group', 'auto_offset_reset', 'instance_id', 'connect_timeout_ms', 'properties', 'alerts_topic', 'webhook', 'lateness_ms')
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def load_rules(self, path: str = '', text: str = '') -> None:
        """
        Rules from a YAML file, or YAML text, or the built-in defaults (both empty); ValueError names file, key, line.
        """
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def alerts_topic(self) -> str:
        """
        topic alerts go to; empty: not to Kafka
        """
    @alerts_topic.setter
    def alerts_topic(self, arg0: str) -> None:
        ...
    @property
    def auto_offset_reset(self) -> str:
        """
        where a new group starts: latest (now) or earliest (replay)
        """
    @auto_offset_reset.setter
    def auto_offset_reset(self, arg0: str) -> None:
        ...
    @property
    def bootstrap(self) -> str:
        """
        Kafka bootstrap servers, host:port[,host:port]
        """
    @bootstrap.setter
    def bootstrap(self, arg0: str) -> None:
        ...
    @property
    def connect_timeout_ms(self) -> int:
        """
        the cluster must answer within this at start (ms)
        """
    @connect_timeout_ms.setter
    def connect_timeout_ms(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def group(self) -> str:
        """
        consumer group id
        """
    @group.setter
    def group(self, arg0: str) -> None:
        ...
    @property
    def instance_id(self) -> str:
        """
        group.instance.id (static membership): empty = ki-<host>-<topics hash>, 'none' = dynamic
        """
    @instance_id.setter
    def instance_id(self, arg0: str) -> None:
        ...
    @property
    def lateness_ms(self) -> int:
        """
        events older than the newest event time minus this are dropped (ms); set after load_rules
        """
    @lateness_ms.setter
    def lateness_ms(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def properties(self) -> dict:
        """
        librdkafka properties passed through (-X), consumer and alert producer; keys and values become strings
        """
    @properties.setter
    def properties(self, arg1: dict) -> None:
        ...
    @property
    def topics(self) -> list[str]:
        """
        topic names; one starting with ^ is a regex
        """
    @topics.setter
    def topics(self, arg0: collections.abc.Sequence[str]) -> None:
        ...
    @property
    def webhook(self) -> WebhookConfig | None:
        """
        WebhookConfig, or None: no webhook (assign a whole WebhookConfig)
        """
    @webhook.setter
    def webhook(self, arg0: WebhookConfig | None) -> None:
        ...
class SinkStats:
    """
    Alert deliveries of one sink (ki::watch::SinkStats).
    """
    _fields: typing.ClassVar[tuple] = ('sent', 'failed', 'retries', 'last_error')
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def failed(self) -> int:
        """
        alerts not delivered
        """
    @property
    def last_error(self) -> str:
        """
        the last delivery error, in words
        """
    @property
    def retries(self) -> int:
        """
        attempts retried
        """
    @property
    def sent(self) -> int:
        """
        alerts delivered
        """
class EngineStats:
    """
    The rule engine's counters (ki::watch::EngineStats).
    """
    _fields: typing.ClassVar[tuple] = ('events', 'late', 'no_timestamp', 'evaluations', 'skipped_seconds', 'fired', 'resolved', 'fired_by_rule', 'resolved_by_rule', 'active_by_rule', 'max_event_ms', 'watermark_ms')
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def active_by_rule(self) -> dict[str, int]:
        """
        rule -> conditions firing now
        """
    @property
    def evaluations(self) -> int:
        """
        window ends evaluated
        """
    @property
    def events(self) -> int:
        """
        events evaluated (on time)
        """
    @property
    def fired(self) -> int:
        """
        alerts fired
        """
    @property
    def fired_by_rule(self) -> dict[str, int]:
        """
        rule -> alerts fired
        """
    @property
    def late(self) -> int:
        """
        events older than the watermark: dropped
        """
    @property
    def max_event_ms(self) -> int:
        """
        newest event time seen (ms since the epoch; 0: none yet)
        """
    @property
    def no_timestamp(self) -> int:
        """
        events without an event time: dropped
        """
    @property
    def resolved(self) -> int:
        """
        alerts resolved
        """
    @property
    def resolved_by_rule(self) -> dict[str, int]:
        """
        rule -> alerts resolved
        """
    @property
    def skipped_seconds(self) -> int:
        """
        window ends not evaluated after a jump in event time
        """
    @property
    def watermark_ms(self) -> int:
        """
        event-time watermark (ms since the epoch; 0: none yet)
        """
class WatchStats:
    """
    What a watch run did (ki::watch::WatchStats).
    """
    _fields: typing.ClassVar[tuple] = ('consumed', 'undecodable', 'engine', 'kafka_sink', 'webhook_sink', 'lag', 'lag_unknown', 'e2e_latency', 'seconds', 'errors', 'fatal', 'interrupted')
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def consumed(self) -> int:
        """
        messages taken from Kafka
        """
    @property
    def e2e_latency(self) -> dict:
        """
        histogram (seconds) of producer read the line (ki.ts header, else message time) -> evaluated
        """
    @property
    def engine(self) -> EngineStats:
        """
        the rule engine's counters (EngineStats)
        """
    @property
    def errors(self) -> list[str]:
        """
        errors seen, in words
        """
    @property
    def fatal(self) -> str:
        """
        why the run stopped early; empty otherwise
        """
    @property
    def interrupted(self) -> bool:
        """
        stopped by a signal or stop()
        """
    @property
    def kafka_sink(self) -> SinkStats:
        """
        alerts to the alerts topic (SinkStats)
        """
    @property
    def lag(self) -> dict[str, int]:
        """
        topic[partition] -> high watermark - position
        """
    @property
    def lag_unknown(self) -> list[str]:
        """
        assigned partitions whose end is not known yet
        """
    @property
    def seconds(self) -> float:
        """
        run time
        """
    @property
    def undecodable(self) -> int:
        """
        messages that are not JSON documents
        """
    @property
    def webhook_sink(self) -> SinkStats:
        """
        alerts to the webhook (SinkStats)
        """
class SummaryConfig:
    """
    What the report counts keep (ki::SummaryConfig).
    """
    _fields: typing.ClassVar[tuple] = ('max_buckets', 'max_points', 'top_n', 'top_capacity', 'max_levels')
    def __init__(self) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def to_dict(self) -> dict:
        """
        The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.
        """
    @property
    def max_buckets(self) -> int:
        """
        time buckets held while counting
        """
    @max_buckets.setter
    def max_buckets(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def max_levels(self) -> int:
        """
        distinct log levels charted; the rest count as other
        """
    @max_levels.setter
    def max_levels(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def max_points(self) -> int:
        """
        time buckets in the charts
        """
    @max_points.setter
    def max_points(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def top_capacity(self) -> int:
        """
        distinct values counted exactly per top list (then approximate)
        """
    @top_capacity.setter
    def top_capacity(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def top_n(self) -> int:
        """
        rows in each top list
        """
    @top_n.setter
    def top_n(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
class ReadResult:
    def __len__(self) -> int:
        ...
    def arrow(self, flatten: bool = True) -> list:
        """
        The documents as Arrow record batches of one schema (PyCapsule interface): one per part.
        """
    def docs(self) -> list:
        """
        The documents as JSON strings, in input order.
        """
    def failures(self) -> list:
        ...
    def line_numbers(self) -> list[int]:
        ...
    def ndjson(self) -> bytes:
        ...
    def records(self) -> list:
        """
        The documents as dicts (nested like the JSON), built in C++.
        """
    def sources(self) -> list:
        ...
    def stats(self) -> ParseStats:
        """
        What parsing counted (ParseStats).
        """
class LineParser:
    def __init__(self, format: str = 'auto', schema: str = 'ecs', include_original: bool = False, tz_offset_min: typing.SupportsInt | typing.SupportsIndex = 0, year: typing.SupportsInt | typing.SupportsIndex = 0, fields: FieldOptions = ..., grok: GrokConfig = ..., multiline: MultilineConfig = ...) -> None:
        ...
    def feed(self, lines: collections.abc.Sequence[str]) -> None:
        ...
    def result(self) -> ReadResult:
        ...
class FileBatches:
    """
    Files parsed batch by batch (bounded memory).
    """
    def __init__(self, paths: collections.abc.Sequence[str], format: str = 'auto', schema: str = 'ecs', include_original: bool = False, tz_offset_min: typing.SupportsInt | typing.SupportsIndex = 0, year: typing.SupportsInt | typing.SupportsIndex = 0, fields: FieldOptions = ..., grok: GrokConfig = ..., multiline: MultilineConfig = ..., encoding: str = '') -> None:
        ...
    def next(self, batch_size: typing.SupportsInt | typing.SupportsIndex) -> ReadResult:
        """
        Up to batch_size documents as a ReadResult (its stats are the running totals); None at the end.
        """
    def progress(self) -> tuple[int, int]:
        """
        (index of the current file, its uncompressed bytes read)
        """
class ArrowBatch:
    """
    Documents as one Arrow record batch (the Arrow PyCapsule interface).
    """
    def __arrow_c_array__(self, requested_schema: typing.Any = None) -> tuple:
        ...
    @property
    def nbytes(self) -> int:
        """
        Bytes held by the column buffers.
        """
    @property
    def num_rows(self) -> int:
        ...
class KafkaError(RuntimeError):
    pass
class KafkaUnreachableError(KafkaError):
    pass
class KafkaTopicError(KafkaError):
    pass
class KafkaConfigError(KafkaError):
    pass
class MockCluster:
    def __init__(self, brokers: typing.SupportsInt | typing.SupportsIndex = 1) -> None:
        ...
    def broker_down(self, broker_id: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def broker_up(self, broker_id: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def create_topic(self, name: str, partitions: typing.SupportsInt | typing.SupportsIndex = 4, replication: typing.SupportsInt | typing.SupportsIndex = 1) -> None:
        ...
    def push_request_errors(self, api_key: typing.SupportsInt | typing.SupportsIndex, errors: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> None:
        ...
    def set_leader(self, topic: str, partition: typing.SupportsInt | typing.SupportsIndex, broker_id: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def set_rtt(self, broker_id: typing.SupportsInt | typing.SupportsIndex, rtt_ms: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def set_topic_error(self, topic: str, error: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def bootstrap(self) -> str:
        ...
    @property
    def brokers(self) -> int:
        ...
class Producer:
    def __init__(self, config: ProduceConfig) -> None:
        ...
    def flush(self, timeout: typing.SupportsFloat | typing.SupportsIndex = 30.0) -> int:
        ...
    def produce_files(self, paths: collections.abc.Sequence[str], progress: typing.Any = None, stats: typing.Any = None) -> ProduceStats:
        ...
    def produce_lines(self, lines: collections.abc.Sequence[str]) -> ProduceStats:
        ...
    def request_stop(self) -> None:
        """
        Ask a running call to stop (from another thread).
        """
    def set_checkpoint(self, path: str) -> None:
        ...
    @property
    def dlq_topic(self) -> str:
        ...
    @property
    def keyboard_interrupt(self) -> bool:
        """
        the last call ended on Ctrl-C (its stats are returned; the caller re-raises)
        """
    @property
    def partitions(self) -> int:
        ...
class ConsumePipeline:
    """
    Kafka consumer group -> Elasticsearch bulk (ki::ConsumePipeline).
    """
    def __init__(self, consumer: ConsumerConfig, sink: EsSinkConfig) -> None:
        ...
    def request_stop(self) -> None:
        """
        Ask a running run() to stop (from another thread).
        """
    def run(self, max_messages: typing.SupportsInt | typing.SupportsIndex = 0, idle_timeout: typing.SupportsFloat | typing.SupportsIndex = 0.0, stop_at_end: bool = False, progress: typing.Any = None) -> ConsumeStats:
        """
        Runs until stopped or a limit; progress(dict) gets ConsumeStats.to_dict() snapshots.
        """
    @property
    def keyboard_interrupt(self) -> bool:
        """
        the last run() ended on Ctrl-C (its stats are returned; the caller re-raises)
        """
class TrafficSummary:
    """
    The report's counts, fed documents from Kafka.
    """
    def __init__(self, config: SummaryConfig = ...) -> None:
        ...
    def add_documents(self, docs: collections.abc.Sequence[str]) -> int:
        """
        Count documents read from Kafka (JSON, ecs or kafkainsight layout); returns how many were usable.
        """
    def to_json(self) -> str:
        ...
    @property
    def events(self) -> int:
        ...
class LineEvaluator:
    def __init__(self, rules_path: str = '', rules_text: str = '', format: str = 'auto', tz: typing.SupportsInt | typing.SupportsIndex = 0, year: typing.SupportsInt | typing.SupportsIndex = 0, source: str = 'lines', fields: FieldOptions = ...) -> None:
        ...
    def add_documents(self, docs: collections.abc.Sequence[str]) -> list[str]:
        ...
    def add_lines(self, lines: collections.abc.Sequence[str]) -> list[str]:
        ...
    def finish(self) -> list[str]:
        ...
    def stats(self) -> dict:
        ...
class WatchPipeline:
    """
    Kafka consumer group -> rule engine -> alert sinks (ki::watch::WatchPipeline).
    """
    def __init__(self, config: WatchConfig) -> None:
        ...
    def request_stop(self) -> None:
        """
        Ask a running run() to stop (from another thread).
        """
    def run(self, max_messages: typing.SupportsInt | typing.SupportsIndex = 0, idle_timeout: typing.SupportsFloat | typing.SupportsIndex = 0.0, stop_at_end: bool = False, on_alert: typing.Any = None, progress: typing.Any = None) -> WatchStats:
        """
        Runs until stopped or a limit; progress(dict) gets WatchStats.to_dict() snapshots.
        """
    @property
    def keyboard_interrupt(self) -> bool:
        """
        the last run() ended on Ctrl-C (its stats are returned; the caller re-raises)
        """
class HttpClient:
    def __init__(self, config: ClientConfig) -> None:
        ...
    def request(self, method: str, path: str, body: bytes = b'', content_type: str = 'application/json', headers: collections.abc.Mapping[str, str] = {}) -> tuple:
        """
        Send one request; returns (status, body bytes, error). Releases the GIL.
        """
    @property
    def url(self) -> str:
        ...
def convert(paths: collections.abc.Sequence[str], output: str = '-', failed_output: str = '', format: str = 'auto', schema: str = 'ecs', include_original: bool = False, tz_offset_min: typing.SupportsInt | typing.SupportsIndex = 0, year: typing.SupportsInt | typing.SupportsIndex = 0, fields: FieldOptions = ..., grok: GrokConfig = ..., multiline: MultilineConfig = ..., encoding: str = '') -> ParseStats:
    """
    Parse files to NDJSON (output '-' = stdout); failures as JSON lines to failed_output.
    """
def cpp_defaults() -> dict:
    """
    The defaults of the C++ config structs (struct -> field -> value), for the check against the settings table (python/kafkainsight/config.py).
    """
def detect_format(line: str) -> str:
    """
    The format a line looks like (unknown: none fits).
    """
def generate(config: GeneratorConfig, number: typing.SupportsInt | typing.SupportsIndex = 1000, bytes: typing.SupportsInt | typing.SupportsIndex = 0, output: str = '', type: str = 'stdout', delay: typing.SupportsFloat | typing.SupportsIndex = 0.0, loop: bool = False) -> dict:
    """
    flog-compatible log generator (see kafkainsight generate --help).
    """
def generate_lines(config: GeneratorConfig, number: typing.SupportsInt | typing.SupportsIndex = 10) -> list:
    """
    `number` generated lines as a list.
    """
def grok_builtin_patterns() -> str:
    """
    The built-in grok pattern library (Logstash's `NAME regex` file format).
    """
def grok_regex(pattern: str, patterns_dir: str = '') -> tuple[str, list]:
    """
    A grok pattern expanded to its PCRE2 regex: (regex, [(field, type)]); capture N is the group named gN.
    """
def parse_line(line: str, format: str = 'auto', schema: str = 'ecs', include_original: bool = False, tz_offset_min: typing.SupportsInt | typing.SupportsIndex = 0, year: typing.SupportsInt | typing.SupportsIndex = 0, fields: FieldOptions = ..., grok: GrokConfig = ...) -> tuple:
    """
    Parse one line. Returns (ok, document JSON or failure reason, format name).
    """
def read_files(paths: collections.abc.Sequence[str], format: str = 'auto', schema: str = 'ecs', include_original: bool = False, tz_offset_min: typing.SupportsInt | typing.SupportsIndex = 0, year: typing.SupportsInt | typing.SupportsIndex = 0, fields: FieldOptions = ..., grok: GrokConfig = ..., multiline: MultilineConfig = ..., threads: typing.SupportsInt | typing.SupportsIndex = 1, min_part_bytes: typing.SupportsInt | typing.SupportsIndex = 4194304, encoding: str = '') -> ReadResult:
    """
    Files into typed columns; threads > 1 parses parts of plain files at once (same result).
    """
def read_topic(bootstrap: str, topic: str, properties: collections.abc.Mapping[str, str] = {}, keep: typing.SupportsInt | typing.SupportsIndex = 10, timeout: typing.SupportsFloat | typing.SupportsIndex = 30.0) -> dict:
    ...
def read_topic_table(bootstrap: str, topic: str, properties: collections.abc.Mapping[str, str] = {}, timeout: typing.SupportsFloat | typing.SupportsIndex = 30.0) -> ReadResult:
    """
    A topic from its start to its current end as a ReadResult (columns + kafka.* columns).
    """
def search_table(config: ClientConfig, index: str, query: str = '', fields: collections.abc.Sequence[str] = [], page_size: typing.SupportsInt | typing.SupportsIndex = 5000, max_rows: typing.SupportsInt | typing.SupportsIndex = -1, slices: typing.SupportsInt | typing.SupportsIndex = 1, compress: bool = False, progress: typing.Any = None) -> ReadResult:
    """
    Every hit of a query (sliced scroll) as a ReadResult: _index, _id and the _source fields as columns.
    """
def summarize_files(paths: collections.abc.Sequence[str], format: str = 'auto', tz_offset_min: typing.SupportsInt | typing.SupportsIndex = 0, year: typing.SupportsInt | typing.SupportsIndex = 0, config: SummaryConfig = ..., fields: FieldOptions = ..., grok: GrokConfig = ..., multiline: MultilineConfig = ..., encoding: str = '') -> str:
    """
    Stream log files through the parser into the report's counts; returns them as JSON.
    """
def template_for_engine(template: str, info: str) -> str:
    """
    An index template (JSON text) for the engine whose GET / answered `info`: OpenSearch gets 'flat_object' where Elasticsearch has 'flattened' (the sink's --install-template does the same).
    """
def watch_check_rules(path: str = '', text: str = '') -> dict:
    ...
def watch_default_rules() -> str:
    """
    The built-in rules as YAML.
    """
def watch_evaluate_files(paths: collections.abc.Sequence[str], rules_path: str = '', rules_text: str = '', format: str = 'auto', tz: typing.SupportsInt | typing.SupportsIndex = 0, year: typing.SupportsInt | typing.SupportsIndex = 0, fields: FieldOptions = ..., grok: GrokConfig = ..., multiline: MultilineConfig = ..., encoding: str = '') -> dict:
    ...
FORMATS: tuple = ('apache_common', 'common_log', 'apache_combined', 'apache_error', 'nginx_error', 'rfc3164', 'rfc5424', 'json', 'app_json', 'logfmt', 'cri', 'grok', 'w3c', 'klog', 'zeek', 'cef', 'mysql_slow', 'auditd', 'compose')
SCHEMAS: tuple = ('ecs', 'kafkainsight')
