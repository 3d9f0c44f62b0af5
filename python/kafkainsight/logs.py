"""Parsing API: one line, a file, many files or any iterable of lines."""
from __future__ import annotations

import json
import os
from typing import Any, Iterable, Iterator, Mapping, Union

from . import _core
from ._options import grok_config, multiline_config, parse_tz

PathLike = Union[str, "os.PathLike[str]"]
_CHUNK = 8192


class ParseError(ValueError):
    """A line that matches no format (raised only by ``parse_line(..., strict=True)``)."""

    def __init__(self, reason: str, line: str):
        super().__init__(f"{reason}: {line[:200]!r}")
        self.reason = reason
        self.line = line


def parse_line(
    line: str | bytes,
    format: str = "auto",
    schema: str = "ecs",
    *,
    include_original: bool = False,
    tz: str | int | None = None,
    year: int | None = None,
    strict: bool = False,
    json_time_field: str | None = None,
    json_level_field: str | None = None,
    json_message_field: str | None = None,
    add_fields: Iterable[str] | Mapping[str, str] | None = None,
    grok: str | list[str] | None = None,
    patterns_dir: PathLike | None = None,
    time_format: str | None = None,
) -> dict[str, Any]:
    """Parse one log line into a document (a dict in the chosen layout).

    format: ``auto`` (detect per line) or one of ``FORMATS``. schema: ``ecs`` or ``kafkainsight``.
    tz: zone of timestamps that carry none (Apache error log, BSD syslog); default UTC.
    year: year of BSD syslog timestamps (default: inferred from today).
    json_time_field / json_level_field / json_message_field: for app_json and logfmt lines, the
    field (dotted path) holding the time / level / message instead of the names the common
    logging libraries use; a line with no recognisable time gets the read time and event.ingested.
    add_fields: ``{"service.name": "checkout"}`` or ``["service.name=checkout"]``, added to every document.
    grok: a grok pattern (Logstash syntax) or a list of them, tried in order before the built-in
    formats (``format="grok"``: only them); ``patterns_dir`` adds pattern files, ``time_format``
    gives the layout of the ``timestamp`` capture (docs/GROK.md).
    A line that does not parse returns ``{"error": {...}, "event": {"original": line}}`` with
    the reason, or raises ParseError when ``strict``.
    """
    if isinstance(line, bytes):
        line = line.decode("utf-8", "surrogateescape")
    fields = field_options(json_time_field, json_level_field, json_message_field, add_fields)
    ok, text, _fmt = _core.parse_line(line, format, schema, include_original, parse_tz(tz), year or 0, fields,
                                      grok_config(grok, patterns_dir, time_format))
    if ok:
        return json.loads(text)
    if strict:
        raise ParseError(text, line)
    return {"error": {"type": "parse_error", "message": text}, "event": {"original": line},
            "kafkainsight": {"format": "unknown"}}


def field_options(json_time_field: str | None = None, json_level_field: str | None = None,
                  json_message_field: str | None = None,
                  add_fields: Iterable[str] | Mapping[str, str] | None = None) -> "_core.FieldOptions":
    """The app_json/logfmt overrides and added fields as the core takes them (ValueError if an
    added field is not NAME=VALUE)."""
    if isinstance(add_fields, Mapping):
        add = [f"{k}={v}" for k, v in add_fields.items()]
    else:
        add = list(add_fields or [])
    return _core.FieldOptions(json_time_field or "", json_level_field or "", json_message_field or "", add)


def detect_format(line: str) -> str:
    """The format a line looks like from its first bytes ('unknown' if none)."""
    return _core.detect_format(line)


class LogResult:
    """Documents, failed lines and counts from ``read_logs``.

    ``records`` are dicts in input order, ``failed`` lists every line that did not parse with
    its source, line number and reason, and ``stats`` counts lines (read = parsed + failed +
    empty).
    """

    def __init__(self, core: "_core.ReadResult"):
        self._core = core
        self._records: list[dict[str, Any]] | None = None

    def __len__(self) -> int:
        return len(self._core)

    @property
    def docs(self) -> list[str]:
        """Documents as JSON strings (what is sent to Kafka)."""
        return self._core.docs()

    @property
    def records(self) -> list[dict[str, Any]]:
        if self._records is None:
            self._records = [json.loads(d) for d in self._core.docs()]
        return self._records

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records)

    @property
    def line_numbers(self) -> list[int]:
        return self._core.line_numbers()

    @property
    def failed(self) -> list[dict[str, Any]]:
        """[{'source', 'line_no', 'reason', 'line', 'raw'}] for every line that did not parse."""
        return self._core.failures()

    @property
    def stats(self) -> dict[str, Any]:
        return self._core.stats()

    @property
    def counts(self) -> dict[str, int]:
        s = self.stats
        return {"lines": s["lines"], "parsed": s["parsed"], "failed": s["failed"], "empty": s["empty"],
                **({"joined": s["joined"]} if s.get("joined") else {}),
                **{f"format.{k}": v for k, v in s["by_format"].items()}}

    def to_pandas(self, flatten: bool = True):
        """A DataFrame, one row per document; nested fields become dotted columns."""
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("to_pandas() needs pandas: pip install 'kafkainsight[pandas]'") from e
        if not flatten:
            return pd.DataFrame(self.records)
        df = pd.json_normalize(self.records)
        if "@timestamp" in df.columns:
            df["@timestamp"] = pd.to_datetime(df["@timestamp"], utc=True, format="ISO8601")
        return df

    def __repr__(self) -> str:
        s = self.stats
        fmts = ", ".join(f"{k}={v}" for k, v in s["by_format"].items())
        return (f"<LogResult lines={s['lines']} parsed={s['parsed']} failed={s['failed']} "
                f"empty={s['empty']} ({fmts})>")

    def _repr_html_(self) -> str:
        import html
        s = self.stats
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>" for k, v in self.counts.items())
        fails = "".join(
            f"<tr><td>{f['line_no']}</td><td>{html.escape(f['reason'])}</td>"
            f"<td><code>{html.escape(f['line'][:120])}</code></td></tr>" for f in self.failed[:5])
        extra = f"<p>First failed lines:</p><table>{fails}</table>" if fails else ""
        return (f"<b>LogResult</b> ({s['seconds']:.3f} s)<table>{rows}</table>{extra}")


def read_logs(
    source: PathLike | Iterable[PathLike] | Iterable[str],
    format: str = "auto",
    schema: str = "ecs",
    *,
    include_original: bool = False,
    tz: str | int | None = None,
    year: int | None = None,
    json_time_field: str | None = None,
    json_level_field: str | None = None,
    json_message_field: str | None = None,
    add_fields: Iterable[str] | Mapping[str, str] | None = None,
    grok: str | list[str] | None = None,
    patterns_dir: PathLike | None = None,
    time_format: str | None = None,
    multiline_start: str | None = None,
    multiline: str | None = None,
    multiline_max_lines: int | None = None,
    multiline_max_bytes: int | None = None,
) -> LogResult:
    """Parse log files (plain or .gz, streamed) or an iterable of lines.

    ``source`` is a path, a list of paths, or any iterable of lines (e.g. an open file or a
    list of strings). The C++ core runs with the GIL released; Ctrl-C interrupts it.
    json_*_field and add_fields: as in ``parse_line``.
    ``grok`` / ``patterns_dir`` / ``time_format``: grok patterns as for ``parse_line``.
    ``multiline_start`` (a regex: a line matching it starts an event) or ``multiline``
    (``"java"`` / ``"python"`` stack traces) join lines into one event, numbered by its first
    line; ``multiline_max_lines`` / ``multiline_max_bytes`` bound an event (docs/GROK.md).
    """
    tzm, yr = parse_tz(tz), year or 0
    opts = (field_options(json_time_field, json_level_field, json_message_field, add_fields),
            grok_config(grok, patterns_dir, time_format),
            multiline_config(multiline_start, multiline, multiline_max_lines, multiline_max_bytes))
    if isinstance(source, (str, os.PathLike)):
        return LogResult(_core.read_files([os.fspath(source)], format, schema, include_original, tzm, yr, *opts))
    if isinstance(source, (list, tuple)) and source and all(isinstance(p, os.PathLike) for p in source):
        return LogResult(_core.read_files([os.fspath(p) for p in source], format, schema, include_original, tzm, yr,
                                          *opts))
    if isinstance(source, (list, tuple)) and source and all(isinstance(p, str) for p in source) \
            and all("\n" not in p and os.path.isfile(p) for p in source):
        return LogResult(_core.read_files(list(source), format, schema, include_original, tzm, yr, *opts))
    parser = _core.LineParser(format, schema, include_original, tzm, yr, *opts)
    chunk: list[str] = []
    for line in source:  # type: ignore[union-attr]
        if isinstance(line, bytes):
            line = line.decode("utf-8", "surrogateescape")
        chunk.append(line)
        if len(chunk) >= _CHUNK:
            parser.feed(chunk)
            chunk = []
    if chunk:
        parser.feed(chunk)
    return LogResult(parser.result())
