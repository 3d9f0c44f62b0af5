"""Fault injection: failing, dropping and delaying requests by rule, per-item bulk failures,
field types enforced on top of mappings, the server going down and up on the same port; and
the request log that tests read back (RequestRecord)."""
from __future__ import annotations

import dataclasses
import random
import threading
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from .common import EsServerError, _EsError
from .mappings import _Field


@dataclasses.dataclass
class RequestRecord:
    """One HTTP request as the server saw it (``EsTestServer.request_log``)."""
    method: str
    path: str                   # without the query string, percent-decoded
    query: str                  # raw query string
    status: Optional[int]       # None: the connection was dropped without a response
    req_bytes: int = 0          # body bytes on the wire (compressed size if gzip)
    body_bytes: int = 0         # body bytes after Content-Encoding decoding
    gzip: bool = False          # Content-Encoding: gzip (or deflate)
    content_type: str = ""
    items: int = 0              # bulk: number of actions
    item_errors: int = 0        # bulk: items with an error
    resp_bytes: int = 0
    duration: float = 0.0       # seconds, excluding injected delay
    fault: Optional[str] = None  # "error", "drop", "drop_after", "delay", "down" ...
    user: Optional[str] = None
    conn_id: int = 0            # serial number of the TLS connection (keep-alive reuse)
    ts: float = 0.0


@dataclasses.dataclass
class _Rule:
    kind: str                    # "error" | "drop" | "delay"
    remaining: Optional[int]     # None: until cleared
    path_prefix: Optional[str]
    status: int = 0
    seconds: float = 0.0
    after_processing: bool = False
    body: Optional[Any] = None
    methods: Optional[Tuple[str, ...]] = None


def _path_matches(prefix: Optional[str], path: str) -> bool:
    """`/_bulk` matches `/_bulk` and `/{index}/_bulk`; `/logs` matches `/logs...`; None: all."""
    if not prefix:
        return True
    if path.startswith(prefix):
        return True
    if prefix.startswith("/_"):
        i = path.find("/", 1)
        return i > 0 and path[i:].startswith(prefix)
    return False


_ERROR_BODIES: Dict[int, Tuple[str, str]] = {
    429: ("es_rejected_execution_exception",
          "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, "
          "replica_bytes=0, all_bytes=0, coordinating_operation_bytes={n}, "
          "max_coordinating_and_primary_bytes=107374182]"),
    503: ("cluster_block_exception", "blocked by: [SERVICE_UNAVAILABLE/2/no master];"),
    500: ("exception", "EsTestServer injected internal server error"),
    502: ("exception", "EsTestServer injected bad gateway"),
    504: ("exception", "EsTestServer injected gateway timeout"),
    408: ("exception", "EsTestServer injected request timeout"),
    413: ("exception", "EsTestServer injected request entity too large"),
}

_ITEM_ERRORS: Dict[int, Tuple[str, str]] = {
    429: ("es_rejected_execution_exception",
          "rejected execution of org.elasticsearch.action.support.replication."
          "TransportWriteAction$1/WrappedActionListener{{org.elasticsearch.action.support."
          "replication.TransportWriteAction$$Lambda@4b1b7a7a}} on EsThreadPoolExecutor[name = "
          "es-test-node/write, queue capacity = 10000, org.elasticsearch.common.util.concurrent."
          "EsThreadPoolExecutor@3c5d7d8e[Running, pool size = 2, active threads = 2, queued tasks "
          "= 10000, completed tasks = {n}]]"),
    503: ("unavailable_shards_exception",
          "[{index}][0] primary shard is not active Timeout: [1m], request: [BulkShardRequest "
          "[[{index}][0]] containing [1] requests]"),
    500: ("exception", "EsTestServer injected item failure"),
}


class FaultsMixin:
    """EsTestServer's fault injection (state made in EsTestServer._reset_state)."""
    _lock: threading.RLock
    _rules: List[_Rule]
    _item_fail: Optional[Tuple[float, int, random.Random]]
    _reject_fields: Dict[str, _Field]
    _down: bool

    def fail_next_requests(self, n: Optional[int] = 1, status: int = 429,
                           path_prefix: Optional[str] = "/_bulk", body: Any = None,
                           methods: Optional[Sequence[str]] = None) -> None:
        """The next ``n`` matching requests (None: all, until ``clear_faults``) get ``status``
        with an ES-shaped body: 429 es_rejected_execution_exception, 503 cluster_block_exception,
        500/502/504 generic. ``path_prefix="/_bulk"`` also matches ``/{index}/_bulk``; None: any.
        ``body`` (dict/bytes) replaces the generated body. Request bodies are read first, so the
        connection stays usable (keep-alive)."""
        with self._lock:
            self._rules.append(_Rule("error", n, path_prefix, status=status, body=body,
                                     methods=tuple(m.upper() for m in methods) if methods else None))

    def drop_next_connections(self, n: Optional[int] = 1, path_prefix: Optional[str] = None,
                              after_processing: bool = False, rst: bool = False) -> None:
        """The next ``n`` matching requests get their connection closed without a response.
        By default mid-request (headers and about half of the body read, nothing applied);
        ``after_processing=True`` applies the request first (the client cannot know it did:
        tests retry idempotency). ``rst=True`` sends a TCP RST instead of a FIN."""
        with self._lock:
            self._rules.append(_Rule("drop", n, path_prefix, after_processing=after_processing,
                                     status=1 if rst else 0))

    def delay_responses(self, seconds: float, n: Optional[int] = None,
                        path_prefix: Optional[str] = None) -> None:
        """Hold the next ``n`` matching responses (None: all, until ``delay_responses(0)``)
        for ``seconds`` after the request has been applied. ``seconds=0`` removes delays."""
        with self._lock:
            self._rules = [r for r in self._rules if r.kind != "delay"]
            if seconds > 0:
                self._rules.append(_Rule("delay", n, path_prefix, seconds=seconds))

    def item_failure_rate(self, rate: float, status: int = 429, seed: Optional[int] = None) -> None:
        """Each bulk item fails with probability ``rate`` (per-item ``status``: 429
        es_rejected_execution_exception, 503 unavailable_shards_exception, 500) inside an
        HTTP 200 response; failed items are not applied. Deterministic for a given ``seed``
        and request sequence. ``rate=0`` turns it off."""
        with self._lock:
            self._item_fail = (float(rate), int(status), random.Random(seed)) if rate > 0 else None

    def reject_fields(self, fields: Dict[str, Union[str, dict]]) -> None:
        """Enforce field types on every index, on top of mappings: ``{"http.status": "long"}``.
        Docs whose value does not fit get the mapping error item (400). ``{}`` clears."""
        with self._lock:
            self._reject_fields = {
                k: _Field(v if isinstance(v, str) else v.get("type", "keyword"), k,
                          {"type": v} if isinstance(v, str) else dict(v))
                for k, v in fields.items()}

    def set_down(self, down: bool = True, kill_connections: bool = True) -> None:
        """True: close the listening socket (connections refused) and, by default, the open
        keep-alive connections. False: listen again on the same port."""
        if down and not self._down:
            self._unlisten(kill_connections=kill_connections)
            self._down = True
        elif not down and self._down:
            deadline = time.monotonic() + 5
            while True:
                try:
                    self._listen()
                    break
                except EsServerError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)

    def clear_faults(self) -> None:
        with self._lock:
            self._rules = []
            self._item_fail = None
            self._reject_fields = {}

    def _take_rule(self, kind: str, method: str, path: str) -> Optional[_Rule]:
        with self._lock:
            for r in self._rules:
                if r.kind == kind and _path_matches(r.path_prefix, path) and \
                        (r.methods is None or method in r.methods):
                    if r.remaining is not None:
                        r.remaining -= 1
                        if r.remaining <= 0:
                            self._rules.remove(r)
                    return r
        return None

    def _injected_error(self, rule: _Rule, nbytes: int) -> Tuple[int, Any]:
        if rule.body is not None:
            return rule.status, rule.body if isinstance(rule.body, (bytes, dict, list)) else str(rule.body).encode()
        etype, reason = _ERROR_BODIES.get(rule.status, ("exception", f"EsTestServer injected error {rule.status}"))
        return rule.status, _EsError(rule.status, etype, reason.format(n=nbytes)).body()
