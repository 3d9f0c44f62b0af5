"""Kafka: the produce pipeline (file -> parse -> encode -> Kafka, in C++) and the embedded broker."""
from __future__ import annotations

import dataclasses
import os
from typing import Any, Callable, Iterable, Sequence

from . import _core
from ._closing import Closing
from ._options import grok_config, multiline_config, parse_tz
from ._typed import RunSummary, stats_of
from .config import defaults

_P = defaults("produce")  # the settings table (config.py): the CLI's defaults are the API's

KafkaError = _core.KafkaError
KafkaUnreachableError = _core.KafkaUnreachableError
KafkaTopicError = _core.KafkaTopicError
KafkaConfigError = _core.KafkaConfigError

_CHUNK = 10_000


class InputError(RuntimeError):
    """An input file could not be read to its end (missing, an I/O error, damaged gzip data: the
    message names the file and the byte offset). The run stopped there after sending and
    flushing the lines before it; ``stats`` accounts for them."""

    def __init__(self, message: str, stats: "ProduceStats"):
        super().__init__(message)
        self.stats = stats


@stats_of(_core.ProduceStats)
class ProduceStats(RunSummary):
    """What happened to every line: read = produced + dead_lettered + skipped + empty + joined + failed_delivery
    (joined: lines of multi-line events after their first).
    The fields are those of ``_core.ProduceStats`` (documented there), as a dataclass."""
    STOP_MARK = " [interrupted]"

    def __add__(self, o: "ProduceStats") -> "ProduceStats":
        out = ProduceStats()
        for f in dataclasses.fields(self):
            a, b = getattr(self, f.name), getattr(o, f.name)
            if isinstance(a, bool):
                setattr(out, f.name, a or b)
            elif isinstance(a, (int, float)):
                setattr(out, f.name, a + b)
            elif isinstance(a, list):
                setattr(out, f.name, (a + b)[:20])
            elif isinstance(a, dict):
                setattr(out, f.name, {k: a.get(k, 0) + b.get(k, 0) for k in {*a, *b}})
            else:
                setattr(out, f.name, a or b)
        return out

    @property
    def balanced(self) -> bool:
        return self.read == (self.produced + self.dead_lettered + self.skipped + self.empty + self.joined
                             + self.failed_delivery + self.stopped_lines)

    @property
    def ok(self) -> bool:
        """True when every line read was delivered or accounted for and nothing failed."""
        return self.failed_delivery == 0 and not self.stopped_reason and not self.input_error and self.balanced

    @property
    def lines_per_second(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def _line(self) -> str:
        s = (f"read={self.read} produced={self.produced} dead_lettered={self.dead_lettered} skipped={self.skipped} "
             f"empty={self.empty} failed_delivery={self.failed_delivery} in {self.seconds:.2f}s "
             f"({self.lines_per_second:,.0f} lines/s, {self.bytes / max(self.seconds, 1e-9) / 1e6:.1f} MB/s)")
        if self.joined:
            s += f" (joined: {self.joined} line(s) continued a multi-line event)"
        if self.renamed_fields:
            s += f" (renamed: {self.renamed_fields} field(s) kept under kafkainsight.renamed.*)"
        if self.not_utf8:
            s += (f" (not UTF-8: {self.not_utf8} line(s), their other bytes sent as U+FFFD; --encoding names the "
                  f"files' charset)")
        if self.resumed:
            s += f" (resumed: {self.resumed} line(s) acknowledged earlier not read again)"
        if self.files_opened:
            s += (f" (followed: {self.files_followed} file(s) open, {self.files_opened} opened, {self.files_closed} "
                  f"closed, {self.rotations} rotated, {self.truncations} truncated)")
        return s

    def _repr_html_(self) -> str:
        import html
        rows = "".join(f"<tr><td>{k}</td><td>{html.escape(str(v))}</td></tr>"
                       for k, v in dataclasses.asdict(self).items() if k != "errors")
        errs = "".join(f"<li><code>{html.escape(e)}</code></li>" for e in self.errors[:10])
        return f"<b>ProduceStats</b><table>{rows}</table>" + (f"<ul>{errs}</ul>" if errs else "")


def _header_mode(headers: str | bool) -> str:
    if isinstance(headers, bool):
        return "all" if headers else "none"
    return str(headers)


class Producer(Closing):
    """Parses log lines in C++ and produces one message per line to Kafka (librdkafka).

    Delivery: idempotent, acks=all, lz4, batched; message timestamp = event time. Headers:
    ``"ts"`` (default) puts ki.ts, when the line was read, on lines from live sources
    (following, stdin, ``produce_lines``) and none on whole files; ``"all"`` adds ki.source,
    ki.line, ki.format to every message (about 25% more producer CPU); ``"none"`` sends none
    (``True``/``False`` mean ``"all"``/``"none"``). ``event_ids``: which lines carry ki.id (their
    file's fingerprint + byte offset; the consumer's ``_id``, so a producer run again on the same
    file writes each line once): ``"follow"`` (followed files), ``"files"`` (every regular file) or
    ``"none"``. Lines that do not parse go to ``dlq_topic`` (default
    ``<topic>.dlq``) with the raw line and the reason in headers (``on_parse_error="dlq"``), or
    are counted (``"skip"``), or stop the run (``"fail"``). ``config`` passes librdkafka
    properties through (TLS, SASL, ...). Connecting fails within ``timeout`` seconds with a
    clear message if no broker answers. ``follow``: every file named or matched by a glob pattern
    is followed at once; new matches are found through inotify and every ``rescan_interval``
    seconds, at most ``max_open_files`` files are open (docs/PRODUCE.md "Following many files").
    """

    def __init__(self, bootstrap: str = _P["bootstrap"], topic: str = _P["topic"], config: dict | None = None, *,
                 dlq_topic: str | None = _P["dlq_topic"], format: str = _P["format"], schema: str = _P["schema"],
                 include_original: bool = _P["include_original"], tz: str | int | None = _P["tz"],
                 year: int | None = _P["year"], key: str | None = _P["key"],
                 on_parse_error: str = _P["on_parse_error"], rate: float | None = _P["rate"],
                 timeout: float = _P["timeout"], follow: bool = _P["follow"], from_end: bool = _P["from_end"],
                 rescan_interval: float = _P["rescan_interval"], max_open_files: int = _P["max_open_files"],
                 poll_interval: float = 0.2, flush_timeout: float = 60.0, headers: str | bool = _P["headers"],
                 event_ids: str = _P["event_ids"],
                 resume: str | os.PathLike | None = _P["resume"],
                 json_time_field: str | None = _P["json_time_field"], json_level_field: str | None = _P["json_level_field"],
                 json_message_field: str | None = _P["json_message_field"],
                 add_fields: "list[str] | dict[str, str] | None" = _P["add_fields"],
                 grok: str | Sequence[str] | None = _P["grok"],
                 patterns_dir: str | os.PathLike | None = _P["patterns_dir"], time_format: str | None = _P["time_format"],
                 multiline_start: str | None = _P["multiline_start"], multiline: str | None = _P["multiline"],
                 multiline_max_lines: int = _P["multiline_max_lines"], multiline_max_bytes: int = _P["multiline_max_bytes"],
                 multiline_flush: float = _P["multiline_flush"], encoding: str | None = _P["encoding"]):
        self.bootstrap, self.topic = bootstrap, topic
        self.stats = ProduceStats()  # cumulative over calls
        self.last_stats: ProduceStats | None = None
        self._config = {str(k): str(v) for k, v in (config or {}).items()}
        cfg = _core.ProduceConfig()
        cfg.bootstrap, cfg.topic, cfg.properties, cfg.dlq_topic = bootstrap, topic, self._config, dlq_topic or ""
        cfg.format, cfg.schema, cfg.include_original = format, schema, bool(include_original)
        cfg.tz_offset_min, cfg.year, cfg.key = parse_tz(tz), year or 0, key or ""
        cfg.on_parse_error, cfg.rate, cfg.timeout_ms = on_parse_error, float(rate or 0), int(float(timeout) * 1000)
        cfg.follow, cfg.from_end, cfg.poll_ms = bool(follow), bool(from_end), int(float(poll_interval) * 1000)
        cfg.rescan_ms, cfg.max_open_files = int(float(rescan_interval) * 1000), int(max_open_files)
        cfg.flush_timeout_ms, cfg.headers = int(float(flush_timeout) * 1000), _header_mode(headers)
        cfg.event_ids = event_ids
        cfg.json_time_field, cfg.json_level_field = json_time_field or "", json_level_field or ""
        cfg.json_message_field = json_message_field or ""
        cfg.add_fields = [f"{k}={v}" for k, v in add_fields.items()] if isinstance(add_fields, dict) else list(add_fields or [])
        cfg.grok = grok_config(grok, patterns_dir, time_format)  # compiled here: ValueError names a bad pattern
        cfg.multiline = multiline_config(multiline_start, multiline, multiline_max_lines, multiline_max_bytes,
                                         multiline_flush)
        cfg.encoding = encoding or ""  # ValueError for a name that is not a charset
        self._core = _core.Producer(cfg)
        self.dlq_topic = self._core.dlq_topic  # <topic>.dlq unless given (decided in C++)
        # resume: a checkpoint file recording, per input file, the last line up to which every line
        # was acknowledged; produce_file skips those lines and keeps the file up to date.
        self.resume = os.fspath(resume) if resume else None
        if self.resume:
            self._core.set_checkpoint(self.resume)

    @property
    def partitions(self) -> int:
        return self._core.partitions

    def _done(self, core_stats: Any) -> ProduceStats:
        st = ProduceStats._from_core(core_stats)
        self.stats = self.stats + st
        self.last_stats = st
        if self._core.keyboard_interrupt:  # Ctrl-C during the call: stats kept, in-flight flushed, then re-raised
            raise KeyboardInterrupt
        if st.input_error:
            raise InputError(st.input_error, st)
        return st

    def produce_file(self, path: str | os.PathLike | Sequence[str | os.PathLike],
                     progress: Callable[[int, int, int], Any] | None = None,
                     on_stats: Callable[[dict], Any] | None = None) -> ProduceStats:
        """Produce every line of one or more files ('-' = stdin; .gz works; a path with glob characters
        is a pattern; follow mode tails every file named or matched at once, new matches too).
        ``on_stats`` receives the running stats (a dict) about every 200 ms (used by /metrics).
        A file that cannot be read to its end raises InputError once the lines before the damage
        are delivered (``.stats`` counts them)."""
        paths = [os.fspath(path)] if isinstance(path, (str, os.PathLike)) else [os.fspath(p) for p in path]
        return self._done(self._core.produce_files(paths, progress, on_stats))

    def produce_lines(self, lines: Iterable[str | bytes]) -> ProduceStats:
        """Produce lines from any iterable (a list, a generator, an open file)."""
        total = ProduceStats()
        chunk: list[str] = []
        for line in lines:
            chunk.append(line.decode("utf-8", "surrogateescape") if isinstance(line, bytes) else line)
            if len(chunk) >= _CHUNK:
                total = total + self._done(self._core.produce_lines(chunk))
                chunk = []
        if chunk:
            total = total + self._done(self._core.produce_lines(chunk))
        self.last_stats = total
        return total

    def stop(self) -> None:
        """Ask a running produce_file (e.g. --follow in a thread) to stop reading, flush and return."""
        if self._core is not None:
            self._core.request_stop()

    def flush(self, timeout: float = 30.0) -> int:
        """Wait for in-flight messages; returns how many are still unacknowledged."""
        return self._core.flush(timeout) if self._core is not None else 0

    def close(self, timeout: float = 30.0) -> int:
        """Flush, then let go of the Kafka client (its connections and threads), e.g. before the
        broker it talks to goes away. Returns how many messages were still unacknowledged."""
        left = self.flush(timeout)
        self._core = None
        return left


    def __repr__(self) -> str:
        return f"<Producer {self.bootstrap} topic={self.topic!r} {self.stats.summary()}>"


class EmbeddedBroker(Closing):
    """librdkafka's in-memory Kafka mock cluster: zero set-up, any Kafka client can connect.

    Data lives in memory only, and each partition keeps about 5 MB (older messages are
    dropped): for demos, tests and notebooks, not for keeping data.

    >>> with EmbeddedBroker(topics={"data_log": 4}) as broker:
    ...     Producer(broker.bootstrap, "data_log").produce_file("sample_logs/apache.log")
    """

    NOTE = "embedded broker: data lives in memory only; each partition keeps only about 5 MB"

    def __init__(self, brokers: int = 1, topics: dict[str, int] | None = None, replication: int = 1):
        self._mc = _core.MockCluster(brokers)
        for name, parts in (topics or {}).items():
            self._mc.create_topic(name, parts, replication)

    @property
    def bootstrap(self) -> str:
        return self._mc.bootstrap

    @property
    def cluster(self):
        """The mock cluster itself, for fault injection (broker_down/up, push_request_errors, set_leader)."""
        return self._mc

    def create_topic(self, name: str, partitions: int = 4, replication: int = 1) -> None:
        self._mc.create_topic(name, partitions, replication)

    def close(self) -> None:
        self._mc = None


    def __repr__(self) -> str:
        return f"<EmbeddedBroker {self.bootstrap} ({self.NOTE})>"


def count_topic(bootstrap: str, topic: str, config: dict | None = None, keep: int = 10,
                timeout: float = 30.0) -> dict:
    """Read a topic from its start to its current end (no consumer group): counts and the first messages."""
    return _core.read_topic(bootstrap, topic, {str(k): str(v) for k, v in (config or {}).items()}, keep, timeout)


def read_topic(bootstrap: str, topic: str, config: dict | None = None, timeout: float = 30.0):
    """The documents of a topic, from its start to its end at the call (no consumer group, nothing
    committed), as a ``LogResult``: ``to_arrow()`` / ``to_pandas()`` / ``records`` as for files, with
    ``kafka.topic``, ``kafka.partition``, ``kafka.offset``, ``kafka.timestamp`` and ``kafka.key``
    columns. A message that is not a JSON object is in ``failed`` (source ``topic/partition``,
    ``line_no`` = its offset). ``config``: librdkafka properties (TLS, SASL) as for the Producer."""
    from .logs import LogResult
    props = {str(k): str(v) for k, v in (config or {}).items()}
    return LogResult(_core.read_topic_table(bootstrap, topic, props, timeout))
