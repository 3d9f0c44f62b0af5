"""Sent versus arrived, document by document.

Kafka: every message carries the line it came from (header ``ki.line``); its value must equal
the parse of that line, and each line must arrive exactly once (or, for lines that do not
parse, once in the dead-letter topic). Elasticsearch: the consumer's ``_id`` is
``topic-partition-offset`` (cpp/src/pipeline/consume_pipeline.cc), so the expected index is built from
the topic itself; every expected ``_id`` must hold the parse of its line, or be in the DLQ if
(and only if) it was meant to be rejected; no other documents, no content twice.
"""
from __future__ import annotations

import collections
import json
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set

import kafkainsight as ki
from tests.kafka_util import consume_all, headers


@dataclass
class Tally:
    sent: int = 0
    arrived: int = 0
    lost: int = 0
    duplicated: int = 0
    wrong: int = 0             # arrived with content other than the parse of its line
    dead_lettered: int = 0
    dlq_expected: int = 0
    dlq_exact: bool = True     # the DLQ holds exactly what was meant to be rejected
    examples: List[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.wrong == 0 and self.dlq_exact

    def note(self, s: str) -> None:
        if len(self.examples) < 5:
            self.examples.append(s)


def _canon(doc: dict) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


class LineDocs:
    """The parse of each line of a run's input, computed once (parse_line is C++)."""

    def __init__(self, lines: List[str]):
        self.lines = lines
        self._docs: Dict[int, Optional[dict]] = {}

    def doc(self, line_no: int) -> Optional[dict]:
        if line_no not in self._docs:
            try:
                self._docs[line_no] = ki.parse_line(self.lines[line_no - 1])
            except Exception:
                self._docs[line_no] = None
        return self._docs[line_no]


def reconcile_topic(bootstrap: str, topic: str, lines: List[str], dlq_topic: Optional[str] = None,
                    expected_dlq_lines: Iterable[int] = (), timeout: float = 60) -> Tally:
    """Lines of one input file produced to ``topic`` (bad lines to ``dlq_topic``)."""
    t = Tally(sent=len(lines))
    docs = LineDocs(lines)
    seen: collections.Counter = collections.Counter()
    read: dict = {}
    for m in consume_all(bootstrap, topic, timeout=timeout, report=read):
        ln = int(headers(m)["ki.line"])
        seen[ln] += 1
        if json.loads(m.value()) != docs.doc(ln):
            t.wrong += 1
            t.note(f"line {ln}: content differs")
    t.arrived = sum(seen.values())
    want_dlq = set(expected_dlq_lines)
    t.dlq_expected = len(want_dlq)
    dlq_seen: collections.Counter = collections.Counter()
    if dlq_topic:
        for m in consume_all(bootstrap, dlq_topic, timeout=timeout):
            ln = int(headers(m)["ki.line"])
            dlq_seen[ln] += 1
            if m.value().decode(errors="replace") != lines[ln - 1]:
                t.wrong += 1
    t.dead_lettered = sum(dlq_seen.values())
    t.dlq_exact = set(dlq_seen) == want_dlq
    for ln in range(1, len(lines) + 1):
        n = dlq_seen[ln] if ln in want_dlq else seen[ln]
        if n == 0:
            t.lost += 1
            t.note(f"line {ln} lost")
        elif n > 1:
            t.duplicated += n - 1
    t.duplicated += sum(seen[ln] for ln in want_dlq) + sum(dlq_seen[ln] for ln in seen if ln not in want_dlq)
    if t.lost:  # where did they go: never appended, retention, or not read back in time?
        t.examples.append(f"{topic} (low, high, read) by partition: {read.get('partitions')}; "
                          f"read to the end: {read.get('complete')}")
    return t


def line_counts(bootstrap: str, topic: str, timeout: float = 60) -> collections.Counter:
    """How many times each line number is in the topic."""
    return collections.Counter(int(headers(m)["ki.line"]) for m in consume_all(bootstrap, topic, timeout=timeout))


def expected_index(bootstrap: str, topic: str, lines: List[str], timeout: float = 60) -> Dict[str, dict]:
    """``_id`` -> the document the message at (topic, partition, offset) must become."""
    docs = LineDocs(lines)
    return {f"{topic}-{m.partition()}-{m.offset()}": docs.doc(int(headers(m)["ki.line"]))
            for m in consume_all(bootstrap, topic, timeout=timeout)}


def reconcile_index(expected: Dict[str, dict], actual: Dict[str, dict], dlq_ids: List[str],
                    expected_dlq: Set[str]) -> Tally:
    t = Tally(sent=len(expected), arrived=len(actual))
    dlq_count = collections.Counter(dlq_ids)
    t.dead_lettered = len(dlq_ids)
    t.dlq_expected = len(expected_dlq)
    t.dlq_exact = set(dlq_count) == expected_dlq and all(n == 1 for n in dlq_count.values())
    for _id, doc in expected.items():
        if _id in expected_dlq:
            if dlq_count[_id] == 0:
                t.lost += 1
                t.note(f"{_id} not in the DLQ")
            continue
        got = actual.get(_id)
        if got is None:
            t.lost += 1
            t.note(f"{_id} missing")
        elif got != doc:
            t.wrong += 1
            t.note(f"{_id} differs")
    # Anything beyond the expected set is a duplicate: unknown _ids, the same content under two
    # _ids, a document both indexed and dead-lettered, a DLQ entry twice.
    t.duplicated += sum(1 for i in actual if i not in expected)
    want = collections.Counter(_canon(d) for i, d in expected.items() if i not in expected_dlq)
    have = collections.Counter(_canon(d) for i, d in actual.items() if i in expected)
    t.duplicated += sum(max(0, n - want[c]) for c, n in have.items())
    t.duplicated += sum(1 for i in dlq_count if i in actual)
    t.duplicated += sum(n - 1 for n in dlq_count.values() if n > 1)
    return t


def line_offsets(data: bytes) -> Dict[int, str]:
    """byte offset -> line of every line of a file (what event ids name)."""
    out, at = {}, 0
    for raw in data.split(b"\n")[:-1]:
        out[at] = raw.decode(errors="surrogateescape")
        at += len(raw) + 1
    return out


def reconcile_event_ids(docs: Dict[str, dict], data: bytes) -> Tally:
    """An index written from one file with event ids (``<fingerprint>-<offset>``): each line
    exactly once, under its offset, with the parse of that line; one fingerprint."""
    lines_at = line_offsets(data)
    t = Tally(sent=len(lines_at), arrived=len(docs))
    fps = collections.Counter(i.rsplit("-", 1)[0] for i in docs)
    main = fps.most_common(1)[0][0] if fps else ""
    got: Dict[int, dict] = {}
    for i, d in docs.items():
        fp, _, off = i.rpartition("-")
        if fp != main or not off.isdigit() or int(off) not in lines_at:
            t.duplicated += 1  # a document under another id: a second copy of some line
            t.note(f"unexpected _id {i}")
            continue
        got[int(off)] = d
    docs_of = LineDocs(list(lines_at.values()))
    for k, off in enumerate(lines_at, start=1):
        if off not in got:
            t.lost += 1
            t.note(f"line at byte {off} missing")
        elif got[off] != docs_of.doc(k):
            t.wrong += 1
            t.note(f"line at byte {off} differs")
    return t
