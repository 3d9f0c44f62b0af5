"""Parsing API: one line, a file, many files or any iterable of lines."""
from __future__ import annotations

import contextlib
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
    # The core takes the bytes: a str holding undecodable bytes (surrogateescape) is no UTF-8 str.
    raw = line.encode("utf-8", "surrogateescape")
    fields = field_options(json_time_field, json_level_field, json_message_field, add_fields)
    ok, text, _fmt = _core.parse_line(raw, format, schema, include_original, parse_tz(tz), year or 0, fields,
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
        """Documents as dicts (nested like the JSON documents), built in C++ from the columns."""
        if self._records is None:
            self._records = self._core.records()
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
        """What parsing counted (_core.ParseStats fields) as a dict."""
        return self._core.stats().to_dict()

    @property
    def counts(self) -> dict[str, int]:
        s = self.stats
        return {"lines": s["lines"], "parsed": s["parsed"], "failed": s["failed"], "empty": s["empty"],
                **({"joined": s["joined"]} if s.get("joined") else {}),
                **({"renamed_fields": s["renamed_fields"]} if s.get("renamed_fields") else {}),
                **({"not_utf8": s["not_utf8"]} if s.get("not_utf8") else {}),
                **{f"format.{k}": v for k, v in s["by_format"].items()}}

    def to_arrow(self, flatten: bool = True):
        """A ``pyarrow.Table`` over the C++ column buffers (no copy): one row per document.

        Columns are named by dotted ECS path (``http.response.status_code``); ``flatten=False``
        gives nested struct columns instead. ``@timestamp`` is timestamp[ns, UTC], numbers are
        int64, method / level / format / status class are dictionary columns, a field a
        document lacks is null (files of several formats give the union of their columns).
        """
        pa = _require("pyarrow", "to_arrow()", "pandas")
        # One batch per part that a thread read (same schema, shared dictionaries): no join copy.
        return pa.Table.from_batches([pa.record_batch(b) for b in self._core.arrow(flatten)])

    def to_pandas(self, flatten: bool = True):
        """A DataFrame from ``to_arrow()``: Arrow-backed strings, categoricals, nullable ints,
        ``@timestamp`` as datetime64[ns, UTC]; no Python object per value on the way."""
        return arrow_to_pandas(self.to_arrow(flatten))

    def __arrow_c_stream__(self, requested_schema: Any = None):
        """The Arrow PyCapsule stream interface: ``pa.table(res)``, ``pl.DataFrame(res)``, DuckDB
        and other Arrow consumers take a LogResult directly."""
        return self.to_arrow().__arrow_c_stream__(requested_schema)

    def to_polars(self, flatten: bool = True):
        """A ``polars.DataFrame`` from ``to_arrow()`` (polars is optional: ``kafkainsight[polars]``)."""
        pl = _require("polars", "to_polars()", "polars")
        # A chunk per thread's part stays a chunk (at most 8): rechunking would copy every string.
        return pl.from_arrow(self.to_arrow(flatten), rechunk=False)

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


def _require(module: str, what: str, extra: str):
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(f"{what} needs {module}: pip install 'kafkainsight[{extra}]'") from e


def arrow_to_pandas(table):
    """pandas without a Python object per value: strings stay in Arrow buffers, dictionary
    columns become categoricals, int/bool columns nullable (Int64/boolean) rather than float."""
    pa = _require("pyarrow", "to_pandas()", "pandas")
    pd = _require("pandas", "to_pandas()", "pandas")
    mapping = {pa.large_string(): pd.StringDtype("pyarrow"), pa.string(): pd.StringDtype("pyarrow"),
               pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
    # The system allocator, not pyarrow's jemalloc: jemalloc backs its arenas with transparent
    # huge pages, and where the kernel compacts memory for them (THP defrag "madvise") a
    # conversion took 0.1-0.26 s of system time in 4 runs of 10 instead of 0.02 s.
    # numpy madvises its own arrays of 4 MiB and more (timestamps, integers) for huge pages, with
    # the same stall: 0.07-0.12 s for a fresh process's first 1M rows, 0.03 s without. Off for
    # the conversion only (numpy's own switch), then back as it was.
    with _numpy_small_pages():
        return table.to_pandas(types_mapper=mapping.get, memory_pool=pa.system_memory_pool())


@contextlib.contextmanager
def _numpy_small_pages():
    import numpy as np
    core = getattr(np, "_core", None) or getattr(np, "core", None)
    switch = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    if switch is None:  # another numpy: nothing to switch
        yield
        return
    was = switch(False)
    try:
        yield
    finally:
        switch(was)


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
    encoding: str | None = None,
    threads: int | None = None,
) -> LogResult:
    """Parse log files (plain or .gz, streamed) or an iterable of lines.

    ``source`` is a path, a list of paths, or any iterable of lines (e.g. an open file or a
    list of strings). The C++ core runs with the GIL released; Ctrl-C interrupts it.
    json_*_field and add_fields: as in ``parse_line``.
    ``grok`` / ``patterns_dir`` / ``time_format``: grok patterns as for ``parse_line``.
    ``multiline_start`` (a regex: a line matching it starts an event) or ``multiline``
    (``"java"`` / ``"python"`` / ``"go"`` / ``"node"`` / ``"rust"`` / ``"elixir"`` stack traces,
    ``"mysql"``: a slow query log's queries, ``"json"``: JSON objects written over several lines,
    ``"apt"``: the records of apt's history log)
    join lines into one event, numbered by its first line; ``multiline_max_lines`` /
    ``multiline_max_bytes`` bound an event (docs/GROK.md).
    ``encoding``: the files' character set (``"latin1"``, ``"windows-1252"``, ``"shift_jis"``,
    ``"gbk"``, ... any iconv name that writes ASCII as ASCII, or ``"utf-16le"``); default UTF-8
    (UTF-16 by its byte-order mark). Lines are decoded to UTF-8 as they are read; a byte the
    charset does not have becomes U+FFFD. Lines given as ``bytes`` are decoded with it too.
    ``threads``: how many threads parse files at once (default: the CPUs this process may use,
    at most 8; 1: one). Each gets a part of at least 4 MiB cut at a line start (with gzip files
    or multi-line joining: whole files, so several files are needed); the parts are joined in
    input order, so the result is the same as with one thread. An iterable of lines: one thread.
    """
    tzm, yr = parse_tz(tz), year or 0
    if threads is None:
        threads = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1), 8)
    if threads < 1:
        raise ValueError(f"threads must be at least 1, not {threads}")
    opts = (field_options(json_time_field, json_level_field, json_message_field, add_fields),
            grok_config(grok, patterns_dir, time_format),
            multiline_config(multiline_start, multiline, multiline_max_lines, multiline_max_bytes))
    paths = None
    if isinstance(source, (str, os.PathLike)):
        paths = [os.fspath(source)]
    elif isinstance(source, (list, tuple)) and source and all(isinstance(p, os.PathLike) for p in source):
        paths = [os.fspath(p) for p in source]
    elif isinstance(source, (list, tuple)) and source and all(isinstance(p, str) for p in source) \
            and all("\n" not in p and os.path.isfile(p) for p in source):
        paths = list(source)
    if paths is not None:
        return LogResult(_core.read_files(paths, format, schema, include_original, tzm, yr, *opts, threads=threads,
                                          encoding=encoding or ""))
    parser = _core.LineParser(format, schema, include_original, tzm, yr, *opts)
    chunk: list[str] = []
    for line in source:  # type: ignore[union-attr]
        if isinstance(line, bytes):
            line = line.decode(encoding, "replace") if encoding else line.decode("utf-8", "surrogateescape")
        chunk.append(line)
        if len(chunk) >= _CHUNK:
            parser.feed(chunk)
            chunk = []
    if chunk:
        parser.feed(chunk)
    return LogResult(parser.result())


def _in_notebook() -> bool:
    import sys
    return "ipykernel" in sys.modules


class LogBatches:
    """Files parsed batch by batch: iterate for batches; ``stats`` (running totals) and
    ``failed`` (every line that did not parse so far) as on a ``LogResult``."""

    def __init__(self, paths: list[str], batch_size: int, output: str, flatten: bool, progress: bool | None,
                 core_args: tuple):
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if output not in ("arrow", "pandas", "polars", "result"):
            raise ValueError(f"output must be arrow, pandas, polars or result, not {output!r}")
        self._paths, self._batch, self._output, self._flatten = paths, batch_size, output, flatten
        self._progress = _in_notebook() if progress is None else progress
        self._core = _core.FileBatches(paths, *core_args)
        self.failed: list[dict[str, Any]] = []
        self.stats: dict[str, Any] = {}

    def _bar(self):
        if not self._progress:
            return None
        from tqdm.auto import tqdm
        sizes = [os.path.getsize(p) if os.path.isfile(p) else 0 for p in self._paths]
        self._sizes = sizes
        return tqdm(total=sum(sizes) or None, unit="B", unit_scale=True, unit_divisor=1024, desc="read_logs")

    def __iter__(self):
        bar = self._bar()
        try:
            while True:
                res = self._core.next(self._batch)
                if res is None:
                    break
                result = LogResult(res)
                self.stats = result.stats
                self.failed.extend(result.failed)
                if bar is not None:
                    idx, done = self._core.progress()
                    pos = sum(self._sizes[:idx]) + min(done, self._sizes[idx] if idx < len(self._sizes) else 0)
                    bar.update(max(0, pos - bar.n))
                    bar.set_postfix(rows=self.stats["parsed"], failed=self.stats["failed"], refresh=False)
                if len(result):
                    yield self._convert(result)
        finally:
            if bar is not None:
                bar.close()

    def _convert(self, result: LogResult):
        if self._output == "result":
            return result
        if self._output == "pandas":
            return result.to_pandas(self._flatten)
        if self._output == "polars":
            return result.to_polars(self._flatten)
        pa = _require("pyarrow", "iter_batches()", "pandas")
        (batch,) = result._core.arrow(self._flatten)  # a batch is read by one thread: one part
        return pa.record_batch(batch)


def iter_batches(
    paths: PathLike | Iterable[PathLike],
    batch_size: int = 100_000,
    format: str = "auto",
    schema: str = "ecs",
    *,
    output: str = "arrow",
    flatten: bool = True,
    progress: bool | None = None,
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
    encoding: str | None = None,
) -> LogBatches:
    """Parse files larger than memory: yields up to ``batch_size`` documents at a time as
    ``pyarrow.RecordBatch`` (``output="arrow"``), pandas or polars DataFrames, or ``LogResult``
    (``"result"``, with each batch's failed lines). Memory holds two batches: the one you have and
    the next, read ahead on a thread of its own while you work on yours. Each batch has the columns
    its documents have. ``progress`` shows a tqdm bar (default: in Jupyter). The other options as
    in ``read_logs`` (batches come in input order; a multi-line event is never cut by a batch's end).
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files = [os.fspath(p) for p in paths]  # type: ignore[union-attr]
    fo = field_options(json_time_field, json_level_field, json_message_field, add_fields)
    return LogBatches(files, batch_size, output, flatten, progress,
                      (format, schema, include_original, parse_tz(tz), year or 0, fo,
                       grok_config(grok, patterns_dir, time_format),
                       multiline_config(multiline_start, multiline, multiline_max_lines, multiline_max_bytes),
                       encoding or ""))
