"""An Elasticsearch-8-compatible HTTPS test server: standard-library Python only.

It speaks the part of the ES 8.12 REST API our consumer and ``deploy-assets`` use, over TLS with
a CA generated at start time, for a bulk indexing client (our C++ consumer, the official Python
client, curl) to be tested against it, including the failure modes that are hard to provoke on
a real cluster::

    with EsTestServer() as es:                       # CA + cert made with the openssl CLI
        es.url, es.ca_path, es.ca_fingerprint, es.user, es.password
        es.fail_next_requests(2, status=429)         # whole-request 429 on the next 2 bulk calls
        es.item_failure_rate(0.1, seed=7)            # ~10 % of bulk items get a per-item 429
        es.drop_next_connections(1)                  # close the socket mid-request, no response
        es.delay_responses(2.0, n=1)                 # a slow response
        es.set_down(True); es.set_down(False)        # refuse connections, then reopen same port
        es.reject_fields({"http.status": "long"})   # mapping errors without a template
        es.docs("logs-2024"), es.request_log, es.bulk_requests, es.items

What is faithful to ES 8.12 (checked against its wire format): the `GET /` info document, the
`X-Elastic-Product` header, error bodies (`{"error":{"root_cause":[..],"type":..,"reason":..},
"status":N}`), 401 + `WWW-Authenticate`, API keys, bulk item results and item errors (409
`version_conflict_engine_exception`, 400 `document_parsing_exception` -- the type ES uses since
8.8 for documents that violate a mapping, `mapper_parsing_exception` before; see
`mapping_error_type`), dynamic mapping (strings -> text + .keyword, ints -> long, ISO dates ->
date), `dynamic: strict`, index name rules, the newline-terminated bulk rule, `Content-Type`
checks (406) and REST-compatibility headers (`compatible-with=8` on both Content-Type and Accept,
else 400), composable index templates, ILM policy validation, `_shards`, `_seq_no`, `_version`,
`_source` returned byte-for-byte as sent.

What is left to the real search engine (tests/search_harness, fixture ``search_engine``): search,
queries, aggregations, `_cat`, data streams, component and legacy templates. Here: one node, one
shard per index, documents visible at once, `_count` of whole indices only.

The parts: common.py (errors, JSON, the request context), certs.py (CA, chain, fingerprint),
transport.py (HTTP/1.1 over TLS), auth.py (users, API keys), faults.py (fault injection,
RequestRecord), mappings.py (field types, dynamic mapping, document checks), indices.py
(indices, templates, ILM), documents.py (bulk, single documents, _mget, _count); this file
the server itself: lifecycle, dispatch, routing, introspection.

Speed (2-core VM, one keep-alive client, 500-doc bulks of ~400-byte log docs): ~110 bulk/s =
~55k docs/s with documents parsed and checked against mappings; ~280 bulk/s = ~140k docs/s with
``validate_documents=False``. One Python process: more clients do not add throughput.
Measure again with ``python -m tests.es_server --bench 10 [--bench-prebuilt] [--no-validate]``.
"""
from __future__ import annotations

import base64
import collections
import copy
import os
import random
import shutil
import socket
import ssl
import tempfile
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union
from urllib.parse import parse_qsl, unquote, urlsplit

from . import certs
from .auth import AuthMixin
from .common import (_INFO_VERSION, _MAX_CONTENT_LENGTH, ES_VERSION, EsServerError, _Ctx, _dumps, _es_uuid,
                     _EsError, _load, _RawError)
from .documents import DocumentsMixin
from .faults import FaultsMixin, RequestRecord, _path_matches, _Rule
from .indices import IndicesMixin
from .mappings import _Field, _Index
from .transport import _BodyTooLarge, _Handler, _HTTPServer, check_content_type, decode_body

__all__ = ["EsTestServer", "RequestRecord", "EsServerError", "ES_VERSION"]


class EsTestServer(AuthMixin, FaultsMixin, IndicesMixin, DocumentsMixin):
    """An in-memory, single-node Elasticsearch 8.12 look-alike over HTTPS on 127.0.0.1.

    Args:
      user, password: the superuser (HTTP Basic). ``password=None`` generates one, like ES 8.
      api_keys: accepted API keys, each ``(id, key)``, ``"id:key"`` or the base64 ``encoded`` form.
      readonly_users: ``{name: password}`` of users that may read but not write (403).
      workdir: where ``http_ca.crt`` (and certs/) go; default a temp dir removed by ``stop()``.
      port: 0 picks a free port (kept across ``set_down``).
      mapping_error_type: item error type for documents that violate a mapping;
        ``"document_parsing_exception"`` (ES >= 8.8, the default) or ``"mapper_parsing_exception"``.
      dynamic_mapping: new fields are added to the mapping (ES's default ``dynamic: true``);
        False makes every index behave like ``dynamic: false`` unless its mapping says otherwise.
      keep_sources: False stores only ids/versions (for long benchmarks; docs() then has None).
      validate_documents: False is a benchmark mode: index/create sources are stored as sent,
        without parsing, mapping checks or dynamic mapping (~2-3x the docs/s).
      key_type: "ec" (fast) or "rsa" for the generated keys.
      max_log: request_log keeps this many most recent requests.
    """

    def __init__(self, user: str = "elastic", password: Optional[str] = None,
                 api_keys: Sequence[Union[str, Tuple[str, str]]] = (),
                 workdir: Optional[str] = None, *, port: int = 0,
                 readonly_users: Optional[Dict[str, str]] = None,
                 mapping_error_type: str = "document_parsing_exception",
                 dynamic_mapping: bool = True,
                 keep_sources: bool = True, validate_documents: bool = True,
                 key_type: str = "ec", max_log: int = 100_000,
                 verbose: bool = False, cluster_name: str = "es-test-cluster",
                 node_name: str = "es-test-node"):
        self._lock = threading.RLock()
        self.user = user
        self.password = password if password is not None else \
            base64.urlsafe_b64encode(os.urandom(15)).decode().replace("-", "x").replace("_", "y")
        self._users: Dict[str, Tuple[str, bool, List[str]]] = {user: (self.password, True, ["superuser"])}
        for name, pw in (readonly_users or {}).items():
            self._users[name] = (pw, False, ["viewer"])
        self._api_keys: Dict[str, Tuple[str, str, bool]] = {}
        for k in api_keys:
            self.add_api_key(k)
        self._workdir_arg = workdir
        self.workdir: Optional[str] = None
        self._own_workdir = False
        self.port = port
        self.mapping_error_type = mapping_error_type
        self.dynamic_mapping = dynamic_mapping
        self.keep_sources = keep_sources
        self.validate_documents = validate_documents
        self.max_content_length = _MAX_CONTENT_LENGTH  # http.max_content_length: larger bodies get 413
        self.key_type = key_type
        self.verbose = verbose
        self.cluster_name = cluster_name
        self.node_name = node_name
        self.cluster_uuid = _es_uuid()
        self.ca_path: Optional[str] = None
        self.ca_fingerprint: Optional[str] = None
        self.cert_path: Optional[str] = None
        self.key_path: Optional[str] = None

        self._httpd: Optional[_HTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self._ssl_ctx: Optional[ssl.SSLContext] = None
        self._down = False
        self._conns: Dict[int, ssl.SSLSocket] = {}
        self._conn_seq = 0
        self._log: collections.deque = collections.deque(maxlen=max_log)
        self._log_cond = threading.Condition(self._lock)
        self._reset_state()

    # ---------------------------------------------------------------- lifecycle

    def _reset_state(self) -> None:
        self._indices: Dict[str, _Index] = {}
        self._templates: Dict[str, dict] = {}            # composable
        self._ilm_policies: Dict[str, dict] = {}         # name -> {"version", "policy"}
        self._rules: List[_Rule] = []
        self._item_fail: Optional[Tuple[float, int, random.Random]] = None
        self._reject_fields: Dict[str, _Field] = {}
        self._counters: Dict[str, int] = collections.defaultdict(int)
        self._log.clear()

    def start(self) -> "EsTestServer":
        if self._httpd is not None:
            return self
        if self._workdir_arg:
            self.workdir = os.path.abspath(self._workdir_arg)
            os.makedirs(self.workdir, exist_ok=True)
        else:
            self.workdir = tempfile.mkdtemp(prefix="es-test-")
            self._own_workdir = True
        self.ca_path, self.cert_path, self.key_path = certs._generate_certs(self.workdir, self.key_type)
        self.ca_fingerprint = certs._pem_fingerprint(self.ca_path)
        self._ssl_ctx = certs.tls_context(self.cert_path, self.key_path)
        self._listen()
        return self

    def use_certificate(self, chain_path: str, key_path: str) -> None:
        """New connections present this PEM chain (server certificate first) and key: a hostile
        or misconfigured server (foreign chain, leaf only, expired) on the same port."""
        ctx = certs.tls_context(chain_path, key_path)
        with self._lock:
            self._ssl_ctx = ctx
            if self._httpd is not None:
                self._httpd.ssl_ctx = ctx

    def _listen(self) -> None:
        assert self._ssl_ctx is not None
        try:
            httpd = _HTTPServer(("127.0.0.1", self.port), self, self._ssl_ctx)
        except OSError as e:
            raise EsServerError(f"cannot listen on 127.0.0.1:{self.port}: {e}") from e
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"es-test-server:{self.port}", daemon=True)
        self._thread.start()
        self._down = False

    def _unlisten(self, kill_connections: bool = True) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if kill_connections:
            with self._lock:
                conns = list(self._conns.values())
            for c in conns:
                try:
                    s = socket.socket(fileno=os.dup(c.fileno()))
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    finally:
                        s.close()
                except OSError:
                    pass

    def stop(self) -> None:
        self._unlisten(kill_connections=True)
        self._down = True
        if self._own_workdir and self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self._own_workdir = False

    def __enter__(self) -> "EsTestServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}"

    @property
    def basic_auth(self) -> Tuple[str, str]:
        return (self.user, self.password)

    def reset(self) -> None:
        """Forget indices, templates, faults, counters and the request log (keeps users, port, CA)."""
        with self._lock:
            self._reset_state()

    def client_kwargs(self, **extra: Any) -> Dict[str, Any]:
        """Keyword arguments for ``elasticsearch.Elasticsearch(**es.client_kwargs())``."""
        kw: Dict[str, Any] = {"hosts": [self.url], "ca_certs": self.ca_path, "basic_auth": self.basic_auth}
        kw.update(extra)
        return kw


    # ---------------------------------------------------------------- introspection

    def docs(self, index: str) -> Dict[str, Any]:
        """``{_id: _source}`` of an index; {} when it does not exist."""
        with self._lock:
            idx = self._indices.get(index)
            if idx is None:
                return {}
            items = list(idx.docs.items())
        return {i: _load(d[0]) for i, d in items}

    def indices(self) -> List[str]:
        with self._lock:
            return sorted(self._indices)

    def mappings(self, index: str) -> dict:
        with self._lock:
            idx = self._indices.get(index)
            return idx.mapping_view() if idx else {}

    def templates(self) -> Dict[str, dict]:
        with self._lock:
            return copy.deepcopy(self._templates)

    @property
    def request_log(self) -> List[RequestRecord]:
        with self._lock:
            return list(self._log)

    def requests(self, path_prefix: Optional[str] = None, method: Optional[str] = None) -> List[RequestRecord]:
        with self._lock:
            return [r for r in self._log if _path_matches(path_prefix, r.path)
                    and (method is None or r.method == method.upper())]

    @property
    def counters(self) -> Dict[str, int]:
        """requests, bulk_requests, items, item_errors, created, updated, deleted, conflicts,
        mapping_errors, injected_errors, injected_item_errors, dropped, delayed, connections,
        tls_failures, auth_failures, bytes_in, bytes_in_decoded."""
        with self._lock:
            return dict(self._counters)

    @property
    def bulk_requests(self) -> int:
        with self._lock:
            return self._counters["bulk_requests"]

    @property
    def items(self) -> int:
        with self._lock:
            return self._counters["items"]

    @property
    def connections(self) -> int:
        """TLS connections accepted so far (a keep-alive client makes few)."""
        with self._lock:
            return self._counters["connections"]

    def wait_for(self, predicate: Callable[["EsTestServer"], bool], timeout: float = 10.0,
                 interval: float = 0.02) -> bool:
        """Poll ``predicate(server)`` until true or timeout; returns the last result."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate(self):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(interval)

    def _docs_nocopy(self, index: str) -> Dict[str, list]:
        with self._lock:
            idx = self._indices.get(index)
            return idx.docs if idx else {}

    # ---------------------------------------------------------------- connections

    def _conn_opened(self, conn: ssl.SSLSocket) -> int:
        with self._lock:
            self._conn_seq += 1
            self._counters["connections"] += 1
            self._conns[self._conn_seq] = conn
            return self._conn_seq

    def _conn_closed(self, conn: Optional[ssl.SSLSocket]) -> None:
        with self._lock:
            for k, v in list(self._conns.items()):
                if v is conn:
                    del self._conns[k]

    def _drop(self, h: _Handler, rec: RequestRecord, rule: _Rule, fault: str) -> None:
        """No response: the connection closes (FIN, or RST for ``drop_next_connections(rst=True)``)."""
        rec.fault = fault
        with self._lock:
            self._counters["dropped"] += 1
        self._record(rec)
        h.abort(rst=bool(rule.status))

    def _record(self, rec: RequestRecord) -> None:
        with self._lock:
            self._log.append(rec)
            self._counters["requests"] += 1
            self._log_cond.notify_all()

    # ---------------------------------------------------------------- request dispatch

    def _dispatch(self, h: _Handler) -> None:
        t0 = time.perf_counter()
        split = urlsplit(h.path)
        raw_path = split.path or "/"
        segs = [unquote(s) for s in raw_path.split("/") if s]
        path = "/" + "/".join(segs)
        method = h.command
        conn_id = getattr(h.connection, "conn_id", 0)
        rec = RequestRecord(method=method, path=path, query=split.query, status=None,
                            content_type=h.headers.get("Content-Type", ""), conn_id=conn_id,
                            ts=time.time())
        if (h.headers.get("Connection") or "").lower() == "close":
            h.close_connection = True
        if h.server is not self._httpd:
            # A connection still in its TLS handshake when set_down ran escaped the kill of open
            # connections and would serve a "down" engine's requests: a server that went down
            # (or was restarted since) answers nothing.
            rec.fault = "down"
            self._record(rec)
            h.abort()
            return

        drop = self._take_rule("drop", method, path)
        if drop is not None and not drop.after_processing:
            n = int(h.headers.get("Content-Length") or 0)
            try:
                if n:
                    h.read_body(limit=max(1, n // 2))
            except Exception:  # noqa: BLE001
                pass
            self._drop(h, rec, drop, "drop")
            return

        try:
            raw = h.read_body()
        except _BodyTooLarge:
            h.close_connection = True
            rec.status = 413
            rec.resp_bytes = h.send_raw(413, b"", content_type="")
            self._record(rec)
            return
        except (ValueError, ConnectionError):
            h.close_connection = True
            return
        rec.req_bytes = len(raw)
        status: int
        payload: Any
        headers: List[Tuple[str, str]] = []
        q = dict(parse_qsl(split.query, keep_blank_values=True))
        pretty = "pretty" in q and q.get("pretty") != "false"
        try:
            principal = self._authenticate(h, h.path)
            rec.user = principal.name
            body, rec.gzip = decode_body(h, raw)
            rec.body_bytes = len(body)
            with self._lock:
                self._counters["bytes_in"] += len(raw)
                self._counters["bytes_in_decoded"] += len(body)
            rule = self._take_rule("error", method, path)
            if rule is not None:
                rec.fault = "error"
                with self._lock:
                    self._counters["injected_errors"] += 1
                    if path.endswith("/_bulk") or path == "/_bulk":
                        self._counters["bulk_requests"] += 1
                status, payload = self._injected_error(rule, len(body))
            else:
                check_content_type(h, body)
                ctx = _Ctx()
                ctx.method, ctx.raw_path, ctx.path, ctx.segs = method, h.path, path, segs
                ctx.query, ctx.body, ctx.principal, ctx.headers = q, body, principal, h.headers
                ctx.record, ctx.pretty = rec, pretty
                status, payload, *extra = self._route(ctx)
                if extra:
                    headers.extend(extra[0])
        except _EsError as e:
            status, payload = e.status, e.body()
            headers.extend(e.headers)
        except _RawError as e:
            status, payload = e.status, {"error": e.message, "status": e.status}
        except Exception as e:  # noqa: BLE001 - a bug here must not kill the connection thread
            if self.verbose:
                import traceback
                traceback.print_exc()
            status, payload = 500, _EsError(500, "exception", f"EsTestServer internal error: {e!r}").body()

        out = payload if isinstance(payload, bytes) else (b"" if payload is None else _dumps(payload, pretty))
        rec.status = status
        rec.duration = time.perf_counter() - t0

        if drop is not None:                               # after_processing
            self._drop(h, rec, drop, "drop_after")
            return
        ctype = "application/json"
        for hk, hv in list(headers):
            if hk.lower() == "content-type":
                ctype = hv
                headers.remove((hk, hv))
        delay = self._take_rule("delay", method, path)
        if delay is not None:
            rec.fault = rec.fault or "delay"
            with self._lock:
                self._counters["delayed"] += 1
            time.sleep(delay.seconds)
        self._record(rec)
        try:
            rec.resp_bytes = h.send_raw(status, out, content_type=ctype, headers=headers,
                                        head=(method == "HEAD"))
        except OSError:
            h.close_connection = True

    # ---------------------------------------------------------------- routing

    _ROUTES: List[Tuple[Tuple[str, ...], Dict[str, str]]] = [
        ((), {"GET": "_info", "HEAD": "_info_head"}),
        (("_bulk",), {"POST": "_bulk", "PUT": "_bulk"}),
        (("_index_template",), {"GET": "_get_templates"}),
        (("_index_template", "{name}"), {"PUT": "_put_template", "POST": "_put_template",
                                         "GET": "_get_templates", "HEAD": "_head_template"}),
        (("_ilm", "policy"), {"GET": "_get_ilm"}),
        (("_ilm", "policy", "{name}"), {"PUT": "_put_ilm", "GET": "_get_ilm"}),
        (("_refresh",), {"POST": "_refresh", "GET": "_refresh"}),
        (("_count",), {"GET": "_count", "POST": "_count"}),
        (("_mget",), {"GET": "_mget", "POST": "_mget"}),
        (("_mapping",), {"GET": "_get_mapping"}),
        (("{index}", "_bulk"), {"POST": "_bulk", "PUT": "_bulk"}),
        (("{index}", "_refresh"), {"POST": "_refresh", "GET": "_refresh"}),
        (("{index}", "_count"), {"GET": "_count", "POST": "_count"}),
        (("{index}", "_mapping"), {"GET": "_get_mapping"}),
        (("{index}", "_doc"), {"POST": "_doc_write"}),
        (("{index}", "_doc", "{id}"), {"GET": "_doc_get", "HEAD": "_doc_get", "PUT": "_doc_write",
                                       "POST": "_doc_write"}),
        (("{index}",), {"PUT": "_create_index", "HEAD": "_index_exists", "GET": "_get_index",
                        "DELETE": "_delete_index"}),
    ]

    def _route(self, ctx: _Ctx) -> Tuple[Any, ...]:
        segs = ctx.segs
        allowed: List[str] = []
        for pattern, methods in self._ROUTES:
            if len(pattern) != len(segs):
                continue
            params: Dict[str, str] = {}
            ok = True
            for p, s in zip(pattern, segs):
                if p == "{index}":
                    if s.startswith("_") and s != "_all":
                        ok = False
                        break
                    params["index"] = s
                elif p.startswith("{"):
                    params[p[1:-1]] = s
                elif p != s:
                    ok = False
                    break
            if not ok:
                continue
            handler = methods.get(ctx.method)
            if handler is None:
                allowed.extend(m for m in methods if m not in allowed)
                continue
            ctx.params = params
            return getattr(self, handler)(ctx)
        if allowed:
            raise _RawError(405, f"Incorrect HTTP method for uri [{ctx.raw_path}] and method "
                                 f"[{ctx.method}], allowed: [{', '.join(sorted(allowed))}]")
        raise _RawError(400, f"no handler found for uri [{ctx.raw_path}] and method [{ctx.method}]")

    # ---------------------------------------------------------------- cluster endpoints

    def _info_doc(self) -> dict:
        return {"name": self.node_name, "cluster_name": self.cluster_name,
                "cluster_uuid": self.cluster_uuid, "version": dict(_INFO_VERSION),
                "tagline": "You Know, for Search"}

    def _info(self, ctx: _Ctx) -> Tuple[int, Any]:
        return 200, self._info_doc()

    def _info_head(self, ctx: _Ctx) -> Tuple[int, Any]:
        return 200, b""
