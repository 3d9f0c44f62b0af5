"""An Elasticsearch-8-compatible HTTPS test server: standard-library Python only.

It speaks enough of the ES 8.12 REST API, over TLS with a CA generated at start time, for a bulk
indexing client (our C++ consumer, the official Python client, curl) to be tested against it,
including the failure modes that are hard to provoke on a real cluster::

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
"status":N}`), 401 + `WWW-Authenticate`, bulk item results and item errors (409
`version_conflict_engine_exception`, 400 `document_parsing_exception` -- the type ES uses since
8.8 for documents that violate a mapping, `mapper_parsing_exception` before; see
`mapping_error_type`), dynamic mapping (strings -> text + .keyword, ints -> long, ISO dates ->
date), `dynamic: strict`, index name rules, the newline-terminated bulk rule, `Content-Type`
checks (406) and REST-compatibility headers (`compatible-with=8` on both Content-Type and Accept,
else 400), composable/legacy/component templates, `_shards`, `_seq_no`, `_version`, `_source`
returned byte-for-byte as sent.

What is simplified: one node, one shard per index, documents visible at once (no refresh
interval), no scoring (every hit has `_score` 1.0), no aggregations, no scripts, a small query
language (match_all, match_none, term(s), match, match_phrase, ids, exists, range, prefix,
wildcard, bool), no aliases beyond storing them, no ingest pipelines, minimal data streams.

Speed (2-core VM, one keep-alive client, 500-doc bulks of ~400-byte log docs): ~110 bulk/s =
~55k docs/s with documents parsed and checked against mappings; ~280 bulk/s = ~140k docs/s with
``validate_documents=False``. One Python process: more clients do not add throughput.
Measure again with ``python -m tests.es_server --bench 10 [--bench-prebuilt] [--no-validate]``.
"""
from __future__ import annotations

import base64
import collections
import copy
import dataclasses
import datetime as _dt
import fnmatch
import gzip
import hashlib
import ipaddress
import json
import math
import os
import random
import re
import secrets
import shutil
import socket
import socketserver
import ssl
import struct
import subprocess
import tempfile
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["EsTestServer", "RequestRecord", "EsServerError", "ES_VERSION"]

ES_VERSION = "8.12.2"
_INFO_VERSION = {
    "number": ES_VERSION,
    "build_flavor": "default",
    "build_type": "docker",
    "build_hash": "48a287ab9497e852de30327444b0809e55d46466",
    "build_date": "2024-02-19T10:04:32.774273190Z",
    "build_snapshot": False,
    "lucene_version": "9.9.2",
    "minimum_wire_compatibility_version": "7.17.0",
    "minimum_index_compatibility_version": "7.0.0",
}
_INDEX_VERSION_CREATED = "8500010"
_WWW_AUTHENTICATE = ['Basic realm="security", charset="UTF-8"', 'Bearer realm="security"', "ApiKey"]
_MAX_CONTENT_LENGTH = 100 * 1024 * 1024        # http.max_content_length
_RESULT_WINDOW = 10000                         # index.max_result_window
_TRACK_TOTAL_HITS_DEFAULT = 10000
_FIELD_LIMIT = 1000                            # index.mapping.total_fields.limit
_JSON_TYPES = ("application/json", "application/x-ndjson", "application/vnd.elasticsearch+json",
               "application/vnd.elasticsearch+x-ndjson")
_STATUS_TEXT = {100: "Continue", 200: "OK", 201: "Created", 400: "Bad Request",
                401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                405: "Method Not Allowed", 406: "Not Acceptable", 408: "Request Timeout",
                409: "Conflict", 413: "Request Entity Too Large", 429: "Too Many Requests",
                500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                504: "Gateway Timeout"}


def _dumps(obj: Any, pretty: bool = False) -> bytes:
    if pretty:
        return json.dumps(obj, indent=2, ensure_ascii=False).encode("utf-8")
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _load(raw: Optional[bytes]) -> Any:
    """A stored _source (bytes as sent) -> a fresh Python object (None stays None)."""
    return None if raw is None else json.loads(raw)


def _src_of(hit: tuple) -> dict:
    """Parsed source of a search hit tuple (index, id, stored, parsed-or-None)."""
    if hit[3] is None:
        raw = hit[2][0]
        return json.loads(raw) if raw is not None else {}
    return hit[3]


def _es_uuid(nbytes: int = 16) -> str:
    """ES-looking ids: 22 url-safe chars for index/cluster uuids, 20 for auto `_id` (15 bytes)."""
    return base64.urlsafe_b64encode(os.urandom(nbytes)).decode().rstrip("=")


# --------------------------------------------------------------------------------------------
# errors


class EsServerError(RuntimeError):
    """The test server could not start (openssl failed, port in use, ...)."""


class _EsError(Exception):
    """An ES-shaped error response: {"error":{"root_cause":[..],"type":..,"reason":..},"status"}."""

    def __init__(self, status: int, etype: str, reason: str, caused_by: Optional[dict] = None,
                 headers: Sequence[Tuple[str, str]] = (), **extra: Any):
        super().__init__(f"{status} {etype}: {reason}")
        self.status = status
        self.headers = list(headers)
        self.cause = {"type": etype, "reason": reason, **extra}
        if caused_by:
            self.cause["caused_by"] = caused_by

    def body(self) -> dict:
        root = {k: v for k, v in self.cause.items() if k != "caused_by"}
        return {"error": {"root_cause": [root], **self.cause}, "status": self.status}


class _RawError(Exception):
    """ES's few plain-string errors: {"error":"no handler found ...","status":400}."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _index_not_found(name: str) -> _EsError:
    return _EsError(404, "index_not_found_exception", f"no such index [{name}]",
                    **{"resource.type": "index_or_alias", "resource.id": name,
                       "index_uuid": "_na_", "index": name})


def _parse_error_body(reason: str) -> _EsError:
    return _EsError(400, "parse_exception", reason)


# --------------------------------------------------------------------------------------------
# certificates (openssl CLI)

_OPENSSL_CNF = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_srv]
basicConstraints = critical,CA:FALSE
keyUsage = critical,{ku}
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""


def _generate_certs(workdir: str, key_type: str = "ec") -> Tuple[str, str, str]:
    """CA + server cert for localhost/127.0.0.1 in `workdir`: (ca_path, chain_path, key_path).

    The chain file holds the server cert followed by the CA, like ES's http.p12: clients that
    pin the CA's fingerprint (ssl_assert_fingerprint) find it in the presented chain.
    """
    openssl = shutil.which("openssl")
    if not openssl:
        raise EsServerError("the openssl CLI is needed to generate the test CA (apt-get install openssl)")
    if key_type == "ec":
        newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        ku = "digitalSignature"
    elif key_type == "rsa":
        newkey = ["-newkey", "rsa:2048"]
        ku = "digitalSignature,keyEncipherment"
    else:
        raise ValueError("key_type must be 'ec' or 'rsa'")
    certs = os.path.join(workdir, "certs")
    os.makedirs(certs, exist_ok=True)
    cnf = os.path.join(certs, "openssl.cnf")
    with open(cnf, "w") as f:
        f.write(_OPENSSL_CNF.format(ku=ku))
    ca_key = os.path.join(certs, "http_ca.key")
    ca_crt = os.path.join(workdir, "http_ca.crt")
    key = os.path.join(certs, "http.key")
    csr = os.path.join(certs, "http.csr")
    crt = os.path.join(certs, "http.crt")
    chain = os.path.join(certs, "http_chain.pem")
    env = dict(os.environ, OPENSSL_CONF=cnf)
    serial = "0x" + secrets.token_hex(16)
    cmds = [
        [openssl, "req", "-x509", "-new", "-config", cnf, "-extensions", "v3_ca", *newkey,
         "-nodes", "-keyout", ca_key, "-out", ca_crt, "-days", "3650", "-sha256",
         "-set_serial", "0x" + secrets.token_hex(16),
         "-subj", "/CN=Elasticsearch security auto-configuration HTTP CA"],
        [openssl, "req", "-new", "-config", cnf, *newkey, "-nodes", "-keyout", key,
         "-out", csr, "-subj", "/CN=localhost"],
        [openssl, "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
         "-set_serial", serial, "-days", "3650", "-sha256", "-extfile", cnf,
         "-extensions", "v3_srv", "-out", crt],
    ]
    for cmd in cmds:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        if p.returncode != 0:
            raise EsServerError(f"{' '.join(cmd[:3])} failed: {p.stderr.decode(errors='replace')}")
    with open(chain, "w") as out:
        for part in (crt, ca_crt):
            with open(part) as f:
                out.write(f.read())
    for p in (ca_key, key):
        os.chmod(p, 0o600)
    return ca_crt, chain, key


def _pem_fingerprint(pem_path: str) -> str:
    with open(pem_path) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return hashlib.sha256(der).hexdigest()


# --------------------------------------------------------------------------------------------
# mappings: flattening, type checks, dynamic mapping


class _Field:
    __slots__ = ("type", "source", "spec")

    def __init__(self, ftype: str, source: str, spec: dict):
        self.type = ftype          # ES field type
        self.source = source       # dotted path in _source the values come from (multi-fields)
        self.spec = spec


_LEAF_ANYTHING = {"flattened", "geo_point", "geo_shape", "shape", "point", "dense_vector",
                  "sparse_vector", "rank_features", "join", "percolator", "histogram",
                  "aggregate_metric_double", "binary", "completion", "search_as_you_type",
                  "integer_range", "long_range", "float_range", "double_range", "date_range",
                  "ip_range", "version", "wildcard", "match_only_text", "constant_keyword",
                  "token_count", "murmur3", "annotated_text", "semantic_text"}
_INT_RANGES = {"long": (-(2 ** 63), 2 ** 63 - 1, "a long"),
               "integer": (-(2 ** 31), 2 ** 31 - 1, "an integer"),
               "short": (-32768, 32767, "a short"), "byte": (-128, 127, "a byte"),
               "unsigned_long": (0, 2 ** 64 - 1, "an unsigned_long")}
_FLOAT_TYPES = {"double", "float", "half_float", "scaled_float"}
_NUMERIC_TYPES = set(_INT_RANGES) | _FLOAT_TYPES
_OBJECT_TYPES = {"object", "nested"}

_ISO_RE = re.compile(
    r"^([+-]?\d{4,9})(?:-(\d{2})(?:-(\d{2})"
    r"(?:T(\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?)?)?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?$")
_SLASH_DATE_RE = re.compile(r"^(\d{4})/(\d{2})/(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?(?: ([+-]\d{4}|Z))?$")
_DEFAULT_DATE_FORMAT = "strict_date_optional_time||epoch_millis"
_KNOWN_DATE_FORMATS = {"strict_date_optional_time", "date_optional_time",
                       "strict_date_optional_time_nanos", "epoch_millis", "epoch_second",
                       "strict_date_time", "date_time", "strict_date_time_no_millis",
                       "date_time_no_millis", "strict_date", "date", "basic_date_time",
                       "yyyy/MM/dd HH:mm:ss Z", "yyyy/MM/dd Z", "yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss"}


def _tz_offset(z: Optional[str]) -> int:
    if not z or z == "Z":
        return 0
    sign = -1 if z[0] == "-" else 1
    digits = z[1:].replace(":", "")
    hh = int(digits[:2])
    mm = int(digits[2:4]) if len(digits) >= 4 else 0
    return sign * (hh * 3600 + mm * 60)


_ISO_CACHE: Dict[str, Optional[float]] = {}


def _parse_iso(s: str) -> Optional[float]:
    """strict_date_optional_time -> epoch millis (None when it does not parse). Memoized:
    log streams repeat timestamps a lot."""
    try:
        return _ISO_CACHE[s]
    except KeyError:
        pass
    r = _parse_iso_uncached(s)
    if len(_ISO_CACHE) > 50000:
        _ISO_CACHE.clear()
    _ISO_CACHE[s] = r
    return r


def _valid_ip(s: str, _cache: Dict[str, bool] = {}) -> bool:  # noqa: B006 - a memo on purpose
    try:
        return _cache[s]
    except KeyError:
        pass
    try:
        ipaddress.ip_address(s)
        ok = True
    except ValueError:
        ok = False
    if len(_cache) > 50000:
        _cache.clear()
    _cache[s] = ok
    return ok


def _parse_iso_uncached(s: str) -> Optional[float]:
    m = _ISO_RE.match(s)
    if not m:
        return None
    year, mon, day, hh, mi, ss, frac, zone = m.groups()
    try:
        d = _dt.datetime(int(year), int(mon or 1), int(day or 1), int(hh or 0), int(mi or 0),
                         int(ss or 0), tzinfo=_dt.timezone.utc)
    except ValueError:
        return None
    ms = d.timestamp() * 1000.0 + (int((frac or "0").ljust(9, "0")) / 1e6)
    return ms - _tz_offset(zone) * 1000.0


def _parse_date(value: Any, fmt: Optional[str]) -> Optional[float]:
    """A date value -> epoch millis, for the formats ES's defaults use. None: does not parse.

    Formats this server does not know (Java patterns like dd/MMM/yyyy:HH:mm:ss Z) are not
    validated: ``...`` is returned so the caller accepts the value.
    """
    formats = [f.strip() for f in (fmt or _DEFAULT_DATE_FORMAT).split("||")]
    if any(f not in _KNOWN_DATE_FORMATS for f in formats):
        return ...  # type: ignore[return-value]
    if isinstance(value, bool):
        return None
    for f in formats:
        if f in ("epoch_millis", "epoch_second"):
            try:
                n = float(value) if not isinstance(value, (int, float)) else value
            except (TypeError, ValueError):
                continue
            if isinstance(n, float) and not math.isfinite(n):
                continue
            return n * (1000.0 if f == "epoch_second" else 1.0)
        if isinstance(value, str):
            if f.startswith("yyyy/"):
                m = _SLASH_DATE_RE.match(value)
                if m:
                    y, mo, d, hh, mi, ss, z = m.groups()
                    try:
                        t = _dt.datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0),
                                         int(ss or 0), tzinfo=_dt.timezone.utc)
                    except ValueError:
                        continue
                    return t.timestamp() * 1000.0 - _tz_offset(z) * 1000.0
            elif f == "yyyy-MM-dd HH:mm:ss":
                try:
                    t = _dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
                    return t.replace(tzinfo=_dt.timezone.utc).timestamp() * 1000.0
                except ValueError:
                    continue
            else:
                r = _parse_iso(value)
                if r is not None:
                    return r
    return None


def _preview(v: Any) -> str:
    """Java's toString of the parsed value, as ES puts it in 'Preview of field's value'."""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}={_preview(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_preview(x) for x in v) + "]"
    return str(v)


def _java_number_repr(v: Any) -> str:
    if isinstance(v, str):
        return v
    return _preview(v)


def _check_value(f: _Field, path: str, v: Any) -> Optional[dict]:
    """None if ``v`` fits field type ``f.type``, else ES's ``caused_by`` object."""
    t = f.type
    if t in ("keyword", "text", "match_only_text", "wildcard", "constant_keyword", "version"):
        return None
    if t in _INT_RANGES:
        lo, hi, name = _INT_RANGES[t]
        if isinstance(v, bool):
            return {"type": "illegal_argument_exception",
                    "reason": f"Current token ({'VALUE_TRUE' if v else 'VALUE_FALSE'}) not numeric, "
                              "can not use numeric value accessors"}
        if isinstance(v, int):
            n = v
        elif isinstance(v, float):
            if not math.isfinite(v):
                return {"type": "illegal_argument_exception",
                        "reason": f"[{t}] supports only finite values, but got [{v}]"}
            n = int(v)
        elif isinstance(v, str):
            s = v.strip()
            try:
                n = int(s)
            except ValueError:
                try:
                    x = float(s)
                except ValueError:
                    return {"type": "illegal_argument_exception",
                            "reason": f'For input string: "{v}"'}
                if not math.isfinite(x):
                    return {"type": "illegal_argument_exception",
                            "reason": f'For input string: "{v}"'}
                n = int(x)
        else:
            return {"type": "illegal_argument_exception", "reason": f'For input string: "{_preview(v)}"'}
        if not lo <= n <= hi:
            return {"type": "illegal_argument_exception",
                    "reason": f"Value [{_java_number_repr(v)}] is out of range for {name}"}
        return None
    if t in _FLOAT_TYPES:
        if isinstance(v, bool):
            return {"type": "illegal_argument_exception",
                    "reason": f"Current token ({'VALUE_TRUE' if v else 'VALUE_FALSE'}) not numeric, "
                              "can not use numeric value accessors"}
        if isinstance(v, (int, float)):
            x = float(v)
        elif isinstance(v, str):
            try:
                x = float(v.strip())
            except ValueError:
                return {"type": "number_format_exception", "reason": f'For input string: "{v}"'}
        else:
            return {"type": "number_format_exception", "reason": f'For input string: "{_preview(v)}"'}
        if not math.isfinite(x):
            return {"type": "illegal_argument_exception",
                    "reason": f"[{t}] supports only finite values, but got [{_preview(v)}]"}
        return None
    if t == "boolean":
        if isinstance(v, bool) or v in ("true", "false", ""):
            return None
        return {"type": "illegal_argument_exception",
                "reason": f"Failed to parse value [{_preview(v)}] as only [true] or [false] are allowed."}
    if t == "ip":
        if isinstance(v, str):
            try:
                ipaddress.ip_address(v)
                return None
            except ValueError:
                pass
        return {"type": "illegal_argument_exception",
                "reason": f"'{_preview(v)}' is not an IP string literal."}
    if t in ("date", "date_nanos"):
        fmt = f.spec.get("format")
        if _parse_date(v, fmt) is None:
            return {"type": "illegal_argument_exception",
                    "reason": f"failed to parse date field [{_preview(v)}] with format "
                              f"[{fmt or _DEFAULT_DATE_FORMAT}]",
                    "caused_by": {"type": "date_time_parse_exception",
                                  "reason": "Failed to parse with all enclosed parsers"}}
        return None
    return None


def _value_col(raw: bytes, leaf: str) -> int:
    """Best-effort column (1-based) of the value of key `leaf`, for ES's "[1:N]" prefix."""
    key = json.dumps(leaf).encode()
    i = raw.find(key)
    if i < 0:
        return max(1, len(raw))
    j = raw.find(b":", i + len(key))
    if j < 0:
        return max(1, len(raw))
    j += 1
    while j < len(raw) and raw[j:j + 1] in (b" ", b"\t", b"\r"):
        j += 1
    return j + 1


def _detect_dynamic_type(v: Any, date_detection: bool, date_formats: Sequence[str],
                         numeric_detection: bool) -> Tuple[str, str]:
    """(match_mapping_type name, default ES type) for a new field's first value."""
    if isinstance(v, bool):
        return "boolean", "boolean"
    if isinstance(v, int):
        return "long", "long"
    if isinstance(v, float):
        return "double", "float"
    if isinstance(v, dict):
        return "object", "object"
    if isinstance(v, str):
        if date_detection and v:
            for fmt in date_formats:
                r = _parse_date(v, fmt)
                # detection needs at least yyyy-MM-dd / yyyy/MM/dd, never a bare number
                if r is not None and r is not ... and not v.lstrip("+-").isdigit() and len(v) >= 10:
                    return "date", "date"
        if numeric_detection:
            try:
                int(v)
                return "long", "long"
            except ValueError:
                try:
                    float(v)
                    return "double", "float"
                except ValueError:
                    pass
        return "string", "text"
    return "string", "text"


def _deep_merge(dst: dict, src: dict) -> dict:
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _deep_merge(dst[k], v)
        else:
            dst[k] = copy.deepcopy(v)
    return dst


def _expand_dotted_props(props: dict) -> dict:
    """ES expands dotted names in mappings ("a.b": {...}) into objects."""
    out: dict = {}
    for name, spec in props.items():
        spec = dict(spec) if isinstance(spec, dict) else {}
        if "properties" in spec:
            spec["properties"] = _expand_dotted_props(spec["properties"])
        parts = name.split(".")
        cur = out
        for p in parts[:-1]:
            node = cur.setdefault(p, {"properties": {}})
            node.setdefault("properties", {})
            cur = node["properties"]
        if parts[-1] in cur and isinstance(cur[parts[-1]], dict):
            _deep_merge(cur[parts[-1]], spec)
        else:
            cur[parts[-1]] = spec
    return out


def _flatten_settings(settings: dict, prefix: str = "") -> Dict[str, str]:
    out: Dict[str, str] = {}
    for k, v in (settings or {}).items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten_settings(v, key + "."))
        else:
            if not key.startswith("index."):
                key = "index." + key
            out[key] = (json.dumps(v) if isinstance(v, bool) else
                        [str(x) for x in v] if isinstance(v, list) else str(v))
    return out


def _nest_settings(flat: Dict[str, Any]) -> dict:
    out: dict = {}
    for k, v in flat.items():
        cur = out
        parts = k.split(".")
        for p in parts[:-1]:
            nxt = cur.setdefault(p, {})
            if not isinstance(nxt, dict):          # "a": "x" and "a.b": "y" -- keep the dotted one
                nxt = cur[p] = {}
            cur = nxt
        cur[parts[-1]] = v
    return out


class _DocError(Exception):
    def __init__(self, etype: str, reason: str, caused_by: Optional[dict] = None, status: int = 400):
        super().__init__(reason)
        self.etype, self.reason, self.caused_by, self.status = etype, reason, caused_by, status

    def to_error(self, index: "_Index") -> dict:
        e = {"type": self.etype, "reason": self.reason}
        if self.caused_by:
            e["caused_by"] = self.caused_by
        return e


class _Index:
    """One index: 1 primary shard, `number_of_replicas` replicas (never allocated)."""

    def __init__(self, name: str, settings: dict, mappings: dict, aliases: dict,
                 data_stream: Optional[str] = None):
        self.name = name
        self.uuid = _es_uuid()
        self.created = int(time.time() * 1000)
        self.settings: Dict[str, Any] = {"index.number_of_shards": "1", "index.number_of_replicas": "1"}
        self.settings.update(_flatten_settings(settings))
        self.aliases = copy.deepcopy(aliases or {})
        self.data_stream = data_stream
        self.lenient = False                      # unmapped fields searchable (validate_documents=False)
        self.docs: Dict[str, tuple] = {}            # _id -> [source, version, seq_no]
        self.tombstones: Dict[str, int] = {}       # deleted _id -> last version
        self.seq_no = 0
        m = copy.deepcopy(mappings or {})
        if "properties" in m:
            m["properties"] = _expand_dotted_props(m["properties"])
        self.mappings = m
        self._rebuild()

    # -- mapping bookkeeping
    def _rebuild(self) -> None:
        self.fields: Dict[str, _Field] = {}
        self.objects: Dict[str, dict] = {}
        self._walk_props(self.mappings.get("properties", {}), "")
        # fast path of document validation: path -> (kind, arg); see _fast_ok
        self.fast: Dict[str, Tuple[int, Any]] = {}
        for path, f in self.fields.items():
            if f.source != path:
                continue                                  # multi-field: not a _source key
            t, spec = f.type, f.spec
            if spec.get("enabled") is False or spec.get("ignore_malformed") is True or t in _LEAF_ANYTHING:
                self.fast[path] = (9, None)
            elif t in ("keyword", "text", "match_only_text", "wildcard", "constant_keyword", "version"):
                self.fast[path] = (0, None)
            elif t in _INT_RANGES:
                self.fast[path] = (1, _INT_RANGES[t])
            elif t in _FLOAT_TYPES:
                self.fast[path] = (2, None)
            elif t == "boolean":
                self.fast[path] = (3, None)
            elif t == "date" and spec.get("format") in (None, _DEFAULT_DATE_FORMAT):
                self.fast[path] = (4, None)
            elif t == "ip":
                self.fast[path] = (5, None)
        self.fast_objects = {p for p, spec in self.objects.items() if spec.get("enabled", True) is not False}
        self._shards = {"total": 1 + self.replicas(), "successful": 1, "failed": 0}

    def _walk_props(self, props: dict, prefix: str) -> None:
        for name, spec in props.items():
            path = prefix + name
            t = spec.get("type")
            if "properties" in spec or t in _OBJECT_TYPES or (t is None and not spec.get("fields")):
                self.objects[path] = spec
                self._walk_props(spec.get("properties", {}), path + ".")
                continue
            self.fields[path] = _Field(t or "object", path, spec)
            for sub, sspec in (spec.get("fields") or {}).items():
                self.fields[f"{path}.{sub}"] = _Field(sspec.get("type", "keyword"), path, sspec)

    def replicas(self) -> int:
        try:
            return int(self.settings.get("index.number_of_replicas", "1"))
        except ValueError:
            return 1

    def shards(self) -> dict:
        return self._shards

    def add_mapping(self, path: str, spec: dict) -> None:
        parts = path.split(".")
        props = self.mappings.setdefault("properties", {})
        for p in parts[:-1]:
            node = props.setdefault(p, {"properties": {}})
            props = node.setdefault("properties", {})
        if spec.get("type") == "object" and "properties" not in spec:
            props.setdefault(parts[-1], {"properties": {}})
        else:
            props.setdefault(parts[-1], spec)

    def field_count(self) -> int:
        return len(self.fields) + len(self.objects)

    def settings_view(self) -> dict:
        flat = dict(self.settings)
        flat.update({"index.provided_name": self.name, "index.creation_date": str(self.created),
                     "index.uuid": self.uuid, "index.version.created": _INDEX_VERSION_CREATED})
        flat.setdefault("index.routing.allocation.include._tier_preference", "data_content")
        return _nest_settings(flat)

    def mapping_view(self) -> dict:
        return copy.deepcopy(self.mappings)


def _fast_ok(fast: Dict[str, Tuple[int, Any]], objects: set, obj: dict, prefix: str) -> bool:
    """True when every value of `obj` fits an existing mapping without any check that can fail
    or add a field (the common case for a log stream); False sends the doc to the full check."""
    for k, v in obj.items():
        p = prefix + k
        e = fast.get(p)
        tv = type(v)
        if e is not None:
            kind = e[0]
            if kind == 0:
                if tv is str or tv is int or tv is float or tv is bool:
                    continue
            elif kind == 1:
                if tv is int and e[1][0] <= v <= e[1][1]:
                    continue
            elif kind == 2:
                if tv is int or (tv is float and v == v and v not in (_INF, -_INF)):
                    continue
            elif kind == 3:
                if tv is bool:
                    continue
            elif kind == 4:
                if (tv is str and _parse_iso(v) is not None) or tv is int:
                    continue
            elif kind == 5:
                if tv is str and _valid_ip(v):
                    continue
            elif kind == 9:
                continue
            return False
        if tv is dict and p in objects:
            if not _fast_ok(fast, objects, v, p + "."):
                return False
            continue
        return False
    return True


_INF = float("inf")


# --------------------------------------------------------------------------------------------
# queries

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)
# {"create":{"_index":"x","_id":"y"}} and its variants without escapes (else: json.loads)
_SIMPLE_ACTION_RE = re.compile(
    rb'^\s*\{\s*"(index|create|delete)"\s*:\s*\{\s*'
    rb'(?:"_index"\s*:\s*"([^"\\]*)"\s*(?:,\s*(?="_id")|(?=\})))?'
    rb'(?:"_id"\s*:\s*"([^"\\]*)"\s*)?\}\s*\}\s*$')


def _tokens(v: Any) -> List[str]:
    return _TOKEN_RE.findall(_preview(v).lower())


def _lookup(obj: Any, parts: List[str]) -> Iterable[Any]:
    """Values at a dotted path; handles nested objects, arrays and literal dotted keys."""
    if not parts:
        if isinstance(obj, list):
            for x in obj:
                yield from _lookup(x, parts)
        elif obj is not None:
            yield obj
        return
    if isinstance(obj, list):
        for x in obj:
            yield from _lookup(x, parts)
        return
    if not isinstance(obj, dict):
        return
    for i in range(1, len(parts) + 1):
        key = ".".join(parts[:i])
        if key in obj:
            yield from _lookup(obj[key], parts[i:])


def _values(idx: _Index, source: dict, field: str) -> Tuple[Optional[_Field], List[Any]]:
    f = idx.fields.get(field)
    src = f.source if f else field
    return f, list(_lookup(source, src.split(".")))


def _as_number(v: Any) -> Optional[float]:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    try:
        return float(str(v).strip())
    except ValueError:
        return None


def _term_eq(f: Optional[_Field], doc_v: Any, q: Any, case_insensitive: bool = False) -> bool:
    t = f.type if f else "keyword"
    if t == "text" or t == "match_only_text":
        return _preview(q) in _tokens(doc_v)
    if t in _NUMERIC_TYPES:
        a, b = _as_number(doc_v), _as_number(q)
        if a is None or b is None:
            return False
        if t in _INT_RANGES:
            return int(a) == b
        return float(a) == float(b)
    if t == "boolean":
        return _preview(doc_v) == _preview(q).lower()
    if t == "ip":
        try:
            addr = ipaddress.ip_address(str(doc_v))
            if "/" in str(q):
                return addr in ipaddress.ip_network(str(q), strict=False)
            return addr == ipaddress.ip_address(str(q))
        except ValueError:
            return False
    if t in ("date", "date_nanos"):
        a, b = _parse_date(doc_v, f.spec.get("format") if f else None), _parse_date(q, None)
        if a is ... or b is ... or a is None or b is None:
            return _preview(doc_v) == _preview(q)
        return a == b
    if case_insensitive:
        return _preview(doc_v).lower() == _preview(q).lower()
    return _preview(doc_v) == _preview(q)


def _range_key(f: Optional[_Field], v: Any, fmt: Optional[str] = None) -> Any:
    t = f.type if f else "keyword"
    if t in _NUMERIC_TYPES:
        return _as_number(v)
    if t in ("date", "date_nanos"):
        r = _parse_date(v, fmt or (f.spec.get("format") if f else None))
        if r is ... or r is None:
            r = _parse_date(v, None)
        return None if r is ... else r
    if t == "ip":
        try:
            return int(ipaddress.ip_address(str(v)))
        except ValueError:
            return None
    return _preview(v)


def _one_field(body: Any, qname: str) -> Tuple[str, Any]:
    if not isinstance(body, dict) or not body:
        raise _EsError(400, "parsing_exception", f"[{qname}] query malformed, no start_object after query name")
    items = [(k, v) for k, v in body.items() if k not in ("boost", "_name")]
    if len(items) != 1:
        raise _EsError(400, "parsing_exception",
                       f"[{qname}] query doesn't support multiple fields, found [{items[0][0]}] and [{items[-1][0]}]"
                       if len(items) > 1 else f"[{qname}] query malformed")
    return items[0]


def _compile_query(q: Optional[dict], idx: _Index) -> Callable[[str, dict], bool]:
    """Query DSL (a subset) -> predicate(_id, source)."""
    if q is None or q == {}:
        return lambda _id, s: True
    if not isinstance(q, dict) or len(q) != 1:
        raise _EsError(400, "parsing_exception", "[_na] query malformed, must start with start_object")
    (qtype, body), = q.items()
    if qtype == "match_all":
        return lambda _id, s: True
    if qtype == "match_none":
        return lambda _id, s: False
    if qtype == "ids":
        ids = set(str(x) for x in (body or {}).get("values", []))
        return lambda _id, s: _id in ids
    if qtype in ("term", "terms"):
        if qtype == "terms":
            fname, vals = _one_field(body, qtype)
            if not isinstance(vals, list):
                raise _EsError(400, "parsing_exception", "[terms] query does not support [" + fname + "]")
            ci = False
        else:
            fname, spec = _one_field(body, qtype)
            if isinstance(spec, dict):
                vals, ci = [spec.get("value")], bool(spec.get("case_insensitive"))
            else:
                vals, ci = [spec], False
        if fname == "_id":
            ids = set(str(x) for x in vals)
            return lambda _id, s: _id in ids

        def term_pred(_id: str, s: dict) -> bool:
            f, dvs = _values(idx, s, fname)
            if f is None and not idx.lenient:       # ES: a term on an unmapped field matches nothing
                return False
            return any(_term_eq(f, dv, qv, ci) for dv in dvs for qv in vals)
        return term_pred
    if qtype in ("match", "match_phrase"):
        fname, spec = _one_field(body, qtype)
        if isinstance(spec, dict):
            text, op = spec.get("query"), str(spec.get("operator", "or")).lower()
        else:
            text, op = spec, "or"

        def match_pred(_id: str, s: dict) -> bool:
            f, dvs = _values(idx, s, fname)
            if f is None and not idx.lenient:
                return False
            if f is None:
                f = _Field("text" if any(isinstance(d, str) for d in dvs) else "keyword", fname, {})
            if f.type in ("text", "match_only_text"):
                qt = _tokens(text)
                if not qt:
                    return False
                for dv in dvs:
                    dt = _tokens(dv)
                    if qtype == "match_phrase":
                        n = len(qt)
                        if any(dt[i:i + n] == qt for i in range(len(dt) - n + 1)):
                            return True
                    elif op == "and":
                        if all(t in dt for t in qt):
                            return True
                    elif any(t in dt for t in qt):
                        return True
                return False
            return any(_term_eq(f, dv, text) for dv in dvs)
        return match_pred
    if qtype == "exists":
        fname = (body or {}).get("field")

        def exists_pred(_id: str, s: dict) -> bool:
            return bool(_values(idx, s, fname)[1])
        return exists_pred
    if qtype in ("prefix", "wildcard"):
        fname, spec = _one_field(body, qtype)
        val = spec.get("value", spec.get("wildcard")) if isinstance(spec, dict) else spec
        ci = bool(spec.get("case_insensitive")) if isinstance(spec, dict) else False
        pat = (re.escape(str(val)) + ".*") if qtype == "prefix" else \
            fnmatch.translate(str(val)).replace("(?s:", "(?s:", 1)
        rx = re.compile(pat if qtype == "wildcard" else "(?s:" + pat + r")\Z",
                        re.IGNORECASE if ci else 0)

        def pw_pred(_id: str, s: dict) -> bool:
            f, dvs = _values(idx, s, fname)
            if f is None:
                return False
            cands = [t for dv in dvs for t in _tokens(dv)] if f.type == "text" else [_preview(d) for d in dvs]
            return any(rx.match(c) for c in cands)
        return pw_pred
    if qtype == "range":
        fname, spec = _one_field(body, qtype)
        if not isinstance(spec, dict):
            raise _EsError(400, "parsing_exception", "[range] query malformed, no start_object after query name")
        fmt = spec.get("format")

        def range_pred(_id: str, s: dict) -> bool:
            f, dvs = _values(idx, s, fname)
            if f is None:
                return False
            for dv in dvs:
                k = _range_key(f, dv)
                if k is None:
                    continue
                ok = True
                for op, bound in spec.items():
                    if op not in ("gt", "gte", "lt", "lte", "from", "to"):
                        continue
                    b = _range_key(f, bound, fmt)
                    if b is None:
                        continue
                    try:
                        if op == "gt" and not k > b or op in ("gte", "from") and not k >= b or \
                                op == "lt" and not k < b or op in ("lte", "to") and not k <= b:
                            ok = False
                    except TypeError:
                        ok = False
                if ok:
                    return True
            return False
        return range_pred
    if qtype == "bool":
        body = body or {}

        def clauses(name: str) -> List[Callable[[str, dict], bool]]:
            c = body.get(name, [])
            if isinstance(c, dict):
                c = [c]
            return [_compile_query(x, idx) for x in c]
        must, flt, should, must_not = (clauses("must"), clauses("filter"), clauses("should"),
                                       clauses("must_not"))
        msm = body.get("minimum_should_match")
        if msm is None:
            msm = 0 if (must or flt) else (1 if should else 0)
        else:
            msm = int(str(msm).rstrip("%")) if not str(msm).endswith("%") else \
                max(0, int(len(should) * int(str(msm).rstrip("%")) / 100))

        def bool_pred(_id: str, s: dict) -> bool:
            if not all(p(_id, s) for p in must) or not all(p(_id, s) for p in flt):
                return False
            if any(p(_id, s) for p in must_not):
                return False
            if msm:
                return sum(1 for p in should if p(_id, s)) >= msm
            return True
        return bool_pred
    if qtype == "constant_score":
        return _compile_query((body or {}).get("filter"), idx)
    raise _EsError(400, "parsing_exception", f"unknown query [{qtype}]" +
                   ("" if qtype not in ("query_string", "simple_query_string", "nested", "script",
                                        "function_score", "multi_match", "fuzzy", "regexp")
                    else " (not supported by EsTestServer)"), line=1, col=1)


def _q_param_query(q: str) -> dict:
    """`?q=` (a tiny subset of the query_string syntax): `*`, `field:value`, or a bare word."""
    q = q.strip()
    if q in ("", "*", "*:*"):
        return {"match_all": {}}
    if ":" in q:
        f, v = q.split(":", 1)
        return {"match": {f: v.strip('"')}}
    return {"match_all": {}}


# --------------------------------------------------------------------------------------------
# filter_path


_MISSING = object()


def _fp_step(pats: List[List[str]], key: str) -> List[List[str]]:
    out = []
    for p in pats:
        if not p:
            continue
        if p[0] == "**":
            out.append(p)                            # ** swallows this key
            if len(p) > 1 and fnmatch.fnmatchcase(key, p[1]):
                out.append(p[2:])
        elif fnmatch.fnmatchcase(key, p[0]):
            out.append(p[1:])
    return out


def _fp_include(obj: Any, pats: List[List[str]]) -> Any:
    if any(len(p) == 0 for p in pats):
        return obj
    if isinstance(obj, list):
        res = [r for r in (_fp_include(x, pats) for x in obj) if r is not _MISSING]
        return res if res else _MISSING
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            sub = _fp_step(pats, k)
            if sub:
                r = _fp_include(v, sub)
                if r is not _MISSING:
                    out[k] = r
        return out if out else _MISSING
    return _MISSING


def _fp_exclude(obj: Any, pats: List[List[str]]) -> Any:
    if any(len(p) == 0 for p in pats):
        return _MISSING
    if isinstance(obj, list):
        return [r for r in (_fp_exclude(x, pats) for x in obj) if r is not _MISSING]
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            sub = _fp_step(pats, k)
            r = _fp_exclude(v, sub) if sub else v
            if r is not _MISSING:
                out[k] = r
        return out
    return obj


def _filter_path(obj: Any, spec: str) -> Any:
    pats = [p.strip() for p in spec.split(",") if p.strip()]
    inc = [p.split(".") for p in pats if not p.startswith("-")]
    exc = [p[1:].split(".") for p in pats if p.startswith("-")]
    if inc:
        obj = _fp_include(obj, inc)
        if obj is _MISSING:
            return {}
    if exc:
        obj = _fp_exclude(obj, exc)
        if obj is _MISSING:
            return {}
    return obj


# --------------------------------------------------------------------------------------------
# introspection records


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


class _Principal:
    __slots__ = ("name", "can_write", "roles", "kind")

    def __init__(self, name: str, can_write: bool, roles: List[str], kind: str):
        self.name, self.can_write, self.roles, self.kind = name, can_write, roles, kind


class _Ctx:
    __slots__ = ("method", "raw_path", "path", "segs", "params", "query", "body", "principal",
                 "headers", "record", "pretty")


# --------------------------------------------------------------------------------------------
# HTTP layer


class _BodyTooLarge(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 300                    # idle keep-alive connections are closed after this
    server: "_HTTPServer"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler API
        if self.server.es.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self.server.es._dispatch(self)

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET

    # -- body

    def read_body(self, limit: Optional[int] = None) -> bytes:
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            total = 0
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ConnectionError("EOF in chunked body")
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while True:                      # trailers
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                total += size
                if total > self.server.es.max_content_length:
                    raise _BodyTooLarge()
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        if n > self.server.es.max_content_length:
            raise _BodyTooLarge()
        if limit is not None:
            n = min(n, limit)
        return self.rfile.read(n) if n else b""

    def send_raw(self, status: int, body: bytes, content_type: str = "application/json",
                 headers: Sequence[Tuple[str, str]] = (), head: bool = False) -> int:
        out = [f"HTTP/1.1 {status} {_STATUS_TEXT.get(status, 'Unknown')}\r\n",
               "X-Elastic-Product: Elasticsearch\r\n"]
        if content_type:
            out.append(f"content-type: {content_type}\r\n")
        out.append(f"content-length: {len(body)}\r\n")
        for k, v in headers:
            out.append(f"{k}: {v}\r\n")
        if self.close_connection:
            out.append("connection: close\r\n")
        out.append("\r\n")
        data = "".join(out).encode("latin-1")
        if not head:
            data += body
        self.wfile.write(data)
        return len(body)

    def abort(self, rst: bool = False) -> None:
        """Close the connection without a response (no TLS close_notify; RST if asked)."""
        self.close_connection = True
        try:
            if rst:       # linger 0: the close() that follows sends a RST
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            sock = socket.socket(fileno=os.dup(self.connection.fileno()))
            try:
                sock.shutdown(socket.SHUT_RDWR)
            finally:
                sock.close()
        except OSError:
            pass


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr: Tuple[str, int], es: "EsTestServer", ctx: ssl.SSLContext):
        self.es = es
        self.ssl_ctx = ctx
        super().__init__(addr, _Handler)

    def server_bind(self) -> None:                      # no getfqdn() lookup
        socketserver.TCPServer.server_bind(self)
        self.server_name = "localhost"
        self.server_port = self.server_address[1]

    def process_request_thread(self, request: socket.socket, client_address: Any) -> None:
        conn = None
        es = self.es
        try:
            request.settimeout(10.0)
            conn = self.ssl_ctx.wrap_socket(request, server_side=True)
            conn.settimeout(None)
        except (OSError, ValueError):
            with es._lock:
                es._counters["tls_failures"] += 1
            try:
                request.close()
            except OSError:
                pass
            return
        cid = es._conn_opened(conn)
        try:
            conn.conn_id = cid  # type: ignore[attr-defined]
        except AttributeError:
            pass
        try:
            self.finish_request(conn, client_address)
        except Exception as e:                          # noqa: BLE001 - client went away etc.
            if es.verbose and not isinstance(e, (OSError, ssl.SSLError)):
                import traceback
                traceback.print_exc()
        finally:
            es._conn_closed(conn)
            try:
                conn.close()
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.es.verbose:
            super().handle_error(request, client_address)


# --------------------------------------------------------------------------------------------
# the server


class EsTestServer:
    """An in-memory, single-node Elasticsearch 8.12 look-alike over HTTPS on 127.0.0.1.

    Args:
      user, password: the superuser (HTTP Basic). ``password=None`` generates one, like ES 8.
      api_keys: accepted API keys, each ``(id, key)``, ``"id:key"`` or the base64 ``encoded`` form.
      readonly_users: ``{name: password}`` of users that may read but not write (403).
      workdir: where ``http_ca.crt`` (and certs/) go; default a temp dir removed by ``stop()``.
      port: 0 picks a free port (kept across ``set_down``).
      mapping_error_type: item error type for documents that violate a mapping;
        ``"document_parsing_exception"`` (ES >= 8.8, the default) or ``"mapper_parsing_exception"``.
      auto_create_index: bulk writes to a missing index create it (``action.auto_create_index``).
      dynamic_mapping: new fields are added to the mapping (ES's default ``dynamic: true``);
        False makes every index behave like ``dynamic: false`` unless its mapping says otherwise.
      keep_sources: False stores only ids/versions (for long benchmarks; docs() then has None).
      validate_documents: False is a benchmark mode: index/create sources are stored as sent,
        without parsing, mapping checks or dynamic mapping (~2-3x the docs/s); searches then
        compare unmapped fields loosely (keyword semantics).
      key_type: "ec" (fast) or "rsa" for the generated keys.
      max_log: request_log keeps this many most recent requests.
    """

    def __init__(self, user: str = "elastic", password: Optional[str] = None,
                 api_keys: Sequence[Union[str, Tuple[str, str]]] = (),
                 workdir: Optional[str] = None, *, port: int = 0,
                 readonly_users: Optional[Dict[str, str]] = None,
                 mapping_error_type: str = "document_parsing_exception",
                 auto_create_index: bool = True, dynamic_mapping: bool = True,
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
        self.auto_create_index = auto_create_index
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
        self._data_streams: Dict[str, str] = {}          # data stream name -> backing index
        self._templates: Dict[str, dict] = {}            # composable
        self._component_templates: Dict[str, dict] = {}
        self._legacy_templates: Dict[str, dict] = {}
        self._ilm_policies: Dict[str, dict] = {}         # name -> {"version", "policy"}
        self._rules: List[_Rule] = []
        self._item_fail: Optional[Tuple[float, int, random.Random]] = None
        self._write_block: Optional[Tuple[str, int]] = None
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
        self.ca_path, self.cert_path, self.key_path = _generate_certs(self.workdir, self.key_type)
        self.ca_fingerprint = _pem_fingerprint(self.ca_path)
        self._ssl_ctx = self._tls_context(self.cert_path, self.key_path)
        self._listen()
        return self

    @staticmethod
    def _tls_context(chain_path: str, key_path: str) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(chain_path, key_path)
        try:
            ctx.set_alpn_protocols(["http/1.1"])
        except NotImplementedError:
            pass
        return ctx

    def use_certificate(self, chain_path: str, key_path: str) -> None:
        """New connections present this PEM chain (server certificate first) and key: a hostile
        or misconfigured server (foreign chain, leaf only, expired) on the same port."""
        ctx = self._tls_context(chain_path, key_path)
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
    def host(self) -> str:
        return f"localhost:{self.port}"

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

    def env(self) -> Dict[str, str]:
        """Environment variables a consumer process can be pointed at the server with."""
        return {"ES_URL": self.url, "ES_HOSTS": self.url, "ES_USER": self.user,
                "ES_USERNAME": self.user, "ES_PASSWORD": self.password,
                "ES_CA_CERT": self.ca_path or "", "ES_CA_FINGERPRINT": self.ca_fingerprint or ""}

    # ---------------------------------------------------------------- users / api keys

    def add_api_key(self, key: Union[str, Tuple[str, str]], *, can_write: bool = True,
                    name: str = "test-key") -> str:
        """Accept an API key; returns its ``encoded`` form (base64 of ``id:key``)."""
        if isinstance(key, (tuple, list)):
            kid, secret = key
        elif ":" in key:
            kid, secret = key.split(":", 1)
        else:
            kid, secret = base64.b64decode(key).decode().split(":", 1)
        with self._lock:
            self._api_keys[kid] = (secret, name, can_write)
        return base64.b64encode(f"{kid}:{secret}".encode()).decode()

    def create_api_key(self, name: str = "test-key", can_write: bool = True) -> Dict[str, str]:
        """A new key, shaped like ES's ``POST /_security/api_key`` answer."""
        kid, secret = _es_uuid(15), _es_uuid(16)
        enc = self.add_api_key((kid, secret), can_write=can_write, name=name)
        return {"id": kid, "name": name, "api_key": secret, "encoded": enc}

    def add_user(self, name: str, password: str, can_write: bool = True) -> None:
        with self._lock:
            self._users[name] = (password, can_write, ["superuser" if can_write else "viewer"])

    # ---------------------------------------------------------------- fault injection

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

    def block_writes(self, blocked: bool = True, index_pattern: str = "*",
                     status: int = 429) -> None:
        """Simulate the flood-stage disk watermark: writes to matching indices fail per item with
        ``cluster_block_exception`` (429 read-only-allow-delete; 403 for an index write block)."""
        with self._lock:
            self._write_block = (index_pattern, status) if blocked else None

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

    @property
    def is_down(self) -> bool:
        return self._down

    def clear_faults(self) -> None:
        with self._lock:
            self._rules = []
            self._item_fail = None
            self._write_block = None
            self._reject_fields = {}

    # ---------------------------------------------------------------- introspection

    def docs(self, index: str) -> Dict[str, Any]:
        """``{_id: _source}`` of an index (or data stream); {} when it does not exist."""
        with self._lock:
            idx = self._indices.get(self._data_streams.get(index, index))
            if idx is None:
                return {}
            items = list(idx.docs.items())
        return {i: _load(d[0]) for i, d in items}

    def doc(self, index: str, doc_id: str) -> Optional[dict]:
        with self._lock:
            idx = self._indices.get(self._data_streams.get(index, index))
            d = idx.docs.get(doc_id) if idx else None
        return _load(d[0]) if d else None

    def indices(self) -> List[str]:
        with self._lock:
            return sorted(self._indices)

    def mappings(self, index: str) -> dict:
        with self._lock:
            idx = self._indices.get(self._data_streams.get(index, index))
            return idx.mapping_view() if idx else {}

    def templates(self) -> Dict[str, dict]:
        with self._lock:
            return copy.deepcopy(self._templates)

    def ilm_policies(self) -> Dict[str, dict]:
        """name -> the policy body as PUT (``{"phases": ...}``)."""
        with self._lock:
            return {n: copy.deepcopy(p["policy"]) for n, p in self._ilm_policies.items()}

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

    def wait_for_docs(self, index: str, count: int, timeout: float = 10.0) -> bool:
        return self.wait_for(lambda s: len(s._docs_nocopy(index)) >= count, timeout)

    def _docs_nocopy(self, index: str) -> Dict[str, list]:
        with self._lock:
            idx = self._indices.get(self._data_streams.get(index, index))
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

        drop = self._take_rule("drop", method, path)
        if drop is not None and not drop.after_processing:
            n = int(h.headers.get("Content-Length") or 0)
            try:
                if n:
                    h.read_body(limit=max(1, n // 2))
            except Exception:  # noqa: BLE001
                pass
            rec.fault = "drop"
            with self._lock:
                self._counters["dropped"] += 1
            self._record(rec)
            h.abort(rst=bool(drop.status))
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
        body = raw
        enc = (h.headers.get("Content-Encoding") or "").strip().lower()
        status: int
        payload: Any
        headers: List[Tuple[str, str]] = []
        q = dict(parse_qsl(split.query, keep_blank_values=True))
        pretty = "pretty" in q and q.get("pretty") != "false"
        try:
            principal = self._authenticate(h, h.path)
            rec.user = principal.name
            if enc in ("gzip", "x-gzip", "deflate"):
                rec.gzip = True
                try:
                    body = gzip.decompress(raw) if enc != "deflate" else zlib.decompress(raw)
                except (OSError, zlib.error, EOFError) as e:
                    raise _EsError(400, "illegal_argument_exception",
                                   f"failed to decompress request body ({enc}): {e}")
            elif enc not in ("", "identity"):
                raise _EsError(400, "illegal_argument_exception", f"unsupported content encoding [{enc}]")
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
                self._check_content_type(h, body)
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

        if isinstance(payload, (dict, list)) and "filter_path" in q:
            payload = _filter_path(payload, q["filter_path"])
        out = payload if isinstance(payload, bytes) else (b"" if payload is None else _dumps(payload, pretty))
        rec.status = status
        rec.duration = time.perf_counter() - t0

        if drop is not None:                               # after_processing
            rec.fault = "drop_after"
            with self._lock:
                self._counters["dropped"] += 1
            self._record(rec)
            h.abort(rst=bool(drop.status))
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

    def _injected_error(self, rule: _Rule, nbytes: int) -> Tuple[int, Any]:
        if rule.body is not None:
            return rule.status, rule.body if isinstance(rule.body, (bytes, dict, list)) else str(rule.body).encode()
        etype, reason = _ERROR_BODIES.get(rule.status, ("exception", f"EsTestServer injected error {rule.status}"))
        return rule.status, _EsError(rule.status, etype, reason.format(n=nbytes)).body()

    def _check_content_type(self, h: _Handler, body: bytes) -> None:
        """ES 8's media-type rules: a body needs a JSON/NDJSON Content-Type (else 406), and REST
        API compatibility (``compatible-with=N``) must be on both Content-Type and Accept, with the
        same N (7 or 8), when a body is sent -- else 400 media_type_header_exception."""
        accept = h.headers.get("Accept")
        ct = (h.headers.get("Content-Type") or "").strip()
        av_m = re.search(r"compatible-with\s*=\s*(\d+)", (accept or "").lower())
        cv_m = re.search(r"compatible-with\s*=\s*(\d+)", ct.lower())
        av = av_m.group(1) if av_m else None
        cv = cv_m.group(1) if cv_m else None

        def bad(reason: str) -> _EsError:
            return _EsError(400, "media_type_header_exception",
                            "Invalid media-type value on headers [Content-Type, Accept]",
                            caused_by={"type": "status_exception", "reason": reason})
        if av is not None and av not in ("7", "8"):
            raise bad(f"Accept version must be either version 8 or 7, but found {av}. Accept={accept}")
        if body:
            if cv is not None and cv not in ("7", "8"):
                raise bad(f"Content-Type version must be either version 8 or 7, but found {cv}. "
                          f"Content-Type={ct}")
            if av is not None and cv is not None and av != cv:
                raise bad("A compatible version is required on both Content-Type and Accept headers if "
                          "either one has requested a compatible version and the compatible versions "
                          f"must match. Accept={accept or 'null'}, Content-Type={ct or 'null'}")
            if (av is None) != (cv is None):
                raise bad("A compatible version is required on both Content-Type and Accept headers if "
                          f"either one has requested a compatible version. Accept={accept or 'null'}, "
                          f"Content-Type={ct or 'null'}")
        if not body:
            return
        if not ct:
            raise _RawError(406, "Content-Type header is missing")
        base = ct.split(";", 1)[0].strip().lower()
        if base not in _JSON_TYPES:
            raise _RawError(406, f"Content-Type header [{ct}] is not supported")

    # ---------------------------------------------------------------- auth

    def _authenticate(self, h: _Handler, uri: str) -> _Principal:
        auth = h.headers.get("Authorization")
        hdrs = [("WWW-Authenticate", v) for v in _WWW_AUTHENTICATE]
        header_obj = {"WWW-Authenticate": list(_WWW_AUTHENTICATE)}

        def fail(reason: str, **extra: Any) -> _EsError:
            with self._lock:
                self._counters["auth_failures"] += 1
            return _EsError(401, "security_exception", reason, headers=hdrs, header=header_obj, **extra)

        if not auth:
            raise fail(f"missing authentication credentials for REST request [{uri}]")
        scheme, _, cred = auth.strip().partition(" ")
        scheme = scheme.lower()
        cred = cred.strip()
        if scheme == "basic":
            try:
                user, _, pw = base64.b64decode(cred, validate=True).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                raise fail(f"unable to authenticate user [] for REST request [{uri}]") from None
            with self._lock:
                u = self._users.get(user)
            if u is None or not secrets.compare_digest(u[0], pw):
                raise fail(f"unable to authenticate user [{user}] for REST request [{uri}]")
            return _Principal(user, u[1], u[2], "basic")
        if scheme == "apikey":
            try:
                kid, _, secret = base64.b64decode(cred, validate=True).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                raise fail("unable to authenticate with provided credentials and anonymous access "
                           "is not allowed for this request",
                           additional_unsuccessful_credentials="API key: invalid ApiKey value") from None
            with self._lock:
                k = self._api_keys.get(kid)
            if k is None or not secrets.compare_digest(k[0], secret):
                why = f"api key [{kid}] does not exist" if k is None else "invalid credentials for API key [" + kid + "]"
                raise fail("unable to authenticate with provided credentials and anonymous access "
                           "is not allowed for this request",
                           additional_unsuccessful_credentials=f"API key: {why}")
            return _Principal(f"{self.user}", k[2], ["superuser" if k[2] else "viewer"], "api_key")
        raise fail(f"unable to authenticate user [] for REST request [{uri}]")

    def _forbid(self, p: _Principal, action: str, privileges: str, index: Optional[str] = None) -> dict:
        where = f" on indices [{index}]" if index else ""
        kind = "index" if index else "cluster"
        return {"type": "security_exception",
                "reason": f"action [{action}] is unauthorized for {'API key id' if p.kind == 'api_key' else 'user'} "
                          f"[{p.name}] with effective roles [{','.join(p.roles)}]{where}, this action "
                          f"is granted by the {kind} privileges [{privileges}]"}

    def _require_write(self, ctx: _Ctx, action: str, privileges: str, index: Optional[str] = None) -> None:
        if not ctx.principal.can_write:
            e = self._forbid(ctx.principal, action, privileges, index)
            raise _EsError(403, e["type"], e["reason"])

    # ---------------------------------------------------------------- routing

    _ROUTES: List[Tuple[Tuple[str, ...], Dict[str, str]]] = [
        ((), {"GET": "_info", "HEAD": "_info_head"}),
        (("_bulk",), {"POST": "_bulk", "PUT": "_bulk"}),
        (("_index_template",), {"GET": "_get_templates"}),
        (("_index_template", "{name}"), {"PUT": "_put_template", "POST": "_put_template",
                                         "GET": "_get_templates", "HEAD": "_head_template",
                                         "DELETE": "_delete_template"}),
        (("_component_template", "{name}"), {"PUT": "_put_component", "POST": "_put_component",
                                             "GET": "_get_component", "DELETE": "_delete_component"}),
        (("_ilm", "policy"), {"GET": "_get_ilm"}),
        (("_ilm", "policy", "{name}"), {"PUT": "_put_ilm", "GET": "_get_ilm", "DELETE": "_delete_ilm"}),
        (("_template", "{name}"), {"PUT": "_put_legacy", "POST": "_put_legacy", "GET": "_get_legacy",
                                   "HEAD": "_head_legacy", "DELETE": "_delete_legacy"}),
        (("_cluster", "health"), {"GET": "_health"}),
        (("_cluster", "health", "{index}"), {"GET": "_health"}),
        (("_security", "_authenticate"), {"GET": "_whoami"}),
        (("_security", "api_key"), {"POST": "_new_api_key", "PUT": "_new_api_key"}),
        (("_refresh",), {"POST": "_refresh", "GET": "_refresh"}),
        (("_flush",), {"POST": "_refresh", "GET": "_refresh"}),
        (("_count",), {"GET": "_count", "POST": "_count"}),
        (("_mget",), {"GET": "_mget", "POST": "_mget"}),
        (("_search",), {"GET": "_search", "POST": "_search"}),
        (("_mapping",), {"GET": "_get_mapping"}),
        (("_cat", "indices"), {"GET": "_cat_indices"}),
        (("_cat", "indices", "{index}"), {"GET": "_cat_indices"}),
        (("_data_stream", "{name}"), {"GET": "_get_data_stream", "PUT": "_put_data_stream",
                                      "DELETE": "_delete_data_stream"}),
        (("{index}", "_bulk"), {"POST": "_bulk", "PUT": "_bulk"}),
        (("{index}", "_refresh"), {"POST": "_refresh", "GET": "_refresh"}),
        (("{index}", "_flush"), {"POST": "_refresh", "GET": "_refresh"}),
        (("{index}", "_count"), {"GET": "_count", "POST": "_count"}),
        (("{index}", "_search"), {"GET": "_search", "POST": "_search"}),
        (("{index}", "_mapping"), {"GET": "_get_mapping", "PUT": "_put_mapping", "POST": "_put_mapping"}),
        (("{index}", "_settings"), {"GET": "_get_settings"}),
        (("{index}", "_doc"), {"POST": "_doc_write"}),
        (("{index}", "_doc", "{id}"), {"GET": "_doc_get", "HEAD": "_doc_get", "PUT": "_doc_write",
                                       "POST": "_doc_write", "DELETE": "_doc_delete"}),
        (("{index}", "_create", "{id}"), {"PUT": "_doc_create", "POST": "_doc_create"}),
        (("{index}", "_update", "{id}"), {"POST": "_doc_update"}),
        (("{index}", "_source", "{id}"), {"GET": "_source_get", "HEAD": "_source_get"}),
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

    @staticmethod
    def _json_body(ctx: _Ctx, required: bool = False) -> dict:
        if not ctx.body or not ctx.body.strip():
            if required:
                raise _parse_error_body("request body is required")
            return {}
        try:
            obj = json.loads(ctx.body)
        except ValueError as e:
            raise _EsError(400, "x_content_parse_exception", f"[1:1] Unexpected character: {e}") from None
        if not isinstance(obj, dict):
            raise _EsError(400, "parse_exception", "request body must be a JSON object")
        return obj

    # ---------------------------------------------------------------- cluster endpoints

    def _info_doc(self) -> dict:
        return {"name": self.node_name, "cluster_name": self.cluster_name,
                "cluster_uuid": self.cluster_uuid, "version": dict(_INFO_VERSION),
                "tagline": "You Know, for Search"}

    def _info(self, ctx: _Ctx) -> Tuple[int, Any]:
        return 200, self._info_doc()

    def _info_head(self, ctx: _Ctx) -> Tuple[int, Any]:
        return 200, b""

    def _whoami(self, ctx: _Ctx) -> Tuple[int, Any]:
        p = ctx.principal
        return 200, {"username": p.name, "roles": p.roles, "full_name": None, "email": None,
                     "metadata": {"_reserved": True} if p.name == self.user else {}, "enabled": True,
                     "authentication_realm": {"name": "reserved" if p.kind == "basic" else "_es_api_key",
                                              "type": "reserved" if p.kind == "basic" else "_es_api_key"},
                     "lookup_realm": {"name": "reserved", "type": "reserved"},
                     "authentication_type": "realm" if p.kind == "basic" else "api_key"}

    def _new_api_key(self, ctx: _Ctx) -> Tuple[int, Any]:
        body = self._json_body(ctx)
        self._require_write(ctx, "cluster:admin/xpack/security/api_key/create", "manage_api_key,manage_own_api_key,all")
        k = self.create_api_key(name=body.get("name", "test-key"))
        return 200, k

    def _health(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            names = self._resolve(ctx.params.get("index", "_all"), allow_missing=False) \
                if ctx.params.get("index") else list(self._indices)
            reps = sum(self._indices[n].replicas() for n in names)
            prim = len(names)
        status = "yellow" if reps else "green"
        want = ctx.query.get("wait_for_status")
        order = {"red": 0, "yellow": 1, "green": 2}
        timed_out = bool(want and order.get(want, 0) > order[status])
        return (408 if timed_out else 200), {
            "cluster_name": self.cluster_name, "status": status, "timed_out": timed_out,
            "number_of_nodes": 1, "number_of_data_nodes": 1, "active_primary_shards": prim,
            "active_shards": prim, "relocating_shards": 0, "initializing_shards": 0,
            "unassigned_shards": reps, "delayed_unassigned_shards": 0, "number_of_pending_tasks": 0,
            "number_of_in_flight_fetch": 0, "task_max_waiting_in_queue_millis": 0,
            "active_shards_percent_as_number": 100.0 * prim / (prim + reps) if prim + reps else 100.0}

    def _cat_indices(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            names = self._resolve(ctx.params["index"], allow_missing=False) if "index" in ctx.params \
                else sorted(self._indices)
            rows = [{"health": "yellow" if i.replicas() else "green", "status": "open", "index": i.name,
                     "uuid": i.uuid, "pri": "1", "rep": str(i.replicas()),
                     "docs.count": str(len(i.docs)), "docs.deleted": "0"}
                    for i in (self._indices[n] for n in names)]
        if ctx.query.get("format") == "json":
            return 200, rows
        text = "".join(" ".join(r.values()) + "\n" for r in rows).encode()
        return 200, text, [("content-type", "text/plain; charset=UTF-8")]

    # ---------------------------------------------------------------- index names / templates

    @staticmethod
    def _validate_index_name(name: str) -> Optional[_EsError]:
        def bad(why: str) -> _EsError:
            return _EsError(400, "invalid_index_name_exception", f"Invalid index name [{name}], {why}",
                            index_uuid="_na_", index=name)
        if name != name.lower():
            return bad("must be lowercase")
        for ch in '\\/*?"<>| ,#:':
            if ch in name:
                return bad('must not contain the following characters [\'\\\\\', \'/\', \'*\', '
                           '\'?\', \'"\', \'<\', \'>\', \'|\', \' \', \',\', \'#\', \':\']')
        if name[:1] in ("_", "-", "+"):
            return bad("must not start with '_', '-', or '+'")
        if name in (".", ".."):
            return bad("must not be '.' or '..'")
        if len(name.encode()) > 255:
            return bad("index name is too long, (" + str(len(name.encode())) + " > 255)")
        return None

    def _matching_template(self, name: str) -> Tuple[dict, dict, dict, Optional[dict]]:
        """(settings, mappings, aliases, data_stream) templates give a new index `name`."""
        best = None
        for tname, t in self._templates.items():
            pats = t.get("index_patterns") or []
            if isinstance(pats, str):
                pats = [pats]
            if any(fnmatch.fnmatchcase(name, p) for p in pats):
                if best is None or t.get("priority", 0) > best[1].get("priority", 0):
                    best = (tname, t)
        settings: dict = {}
        mappings: dict = {}
        aliases: dict = {}
        if best is not None:
            t = best[1]
            parts = [self._component_templates.get(c, {}).get("template", {}) for c in t.get("composed_of", [])]
            parts.append(t.get("template", {}))
            for p in parts:
                settings.update(_flatten_settings(p.get("settings", {})))
                m = copy.deepcopy(p.get("mappings", {}))
                if "properties" in m:
                    m["properties"] = _expand_dotted_props(m["properties"])
                _deep_merge(mappings, m)
                aliases.update(p.get("aliases", {}))
            return settings, mappings, aliases, t.get("data_stream")
        legacy = sorted((t for t in self._legacy_templates.values()
                         if any(fnmatch.fnmatchcase(name, p) for p in
                                ([t["index_patterns"]] if isinstance(t.get("index_patterns"), str)
                                 else t.get("index_patterns", [])))),
                        key=lambda t: t.get("order", 0))
        for t in legacy:
            settings.update(_flatten_settings(t.get("settings", {})))
            m = copy.deepcopy(t.get("mappings", {}))
            if "properties" in m:
                m["properties"] = _expand_dotted_props(m["properties"])
            _deep_merge(mappings, m)
            aliases.update(t.get("aliases", {}))
        return settings, mappings, aliases, None

    def _new_index(self, name: str, body: Optional[dict] = None, auto: bool = False) -> _Index:
        """Create (caller holds the lock and validated the name). Templates apply first."""
        settings, mappings, aliases, ds = self._matching_template(name)
        body = body or {}
        settings.update(_flatten_settings(body.get("settings", {})))
        m = copy.deepcopy(body.get("mappings", {}))
        if "properties" in m:
            m["properties"] = _expand_dotted_props(m["properties"])
        _deep_merge(mappings, m)
        aliases.update(body.get("aliases", {}))
        if ds is not None and auto:
            backing = f".ds-{name}-{time.strftime('%Y.%m.%d', time.gmtime())}-000001"
            mappings.setdefault("properties", {}).setdefault("@timestamp", {"type": "date"})
            idx = _Index(backing, settings, mappings, aliases, data_stream=name)
            self._indices[backing] = idx
            self._data_streams[name] = backing
            return idx
        idx = _Index(name, settings, mappings, aliases)
        idx.lenient = not self.validate_documents
        self._indices[name] = idx
        return idx

    def _resolve(self, expr: str, allow_missing: bool = True, for_delete: bool = False) -> List[str]:
        """Index expression (comma list, wildcards, _all, data streams) -> concrete names."""
        out: List[str] = []
        for part in expr.split(","):
            part = part.strip()
            if not part:
                continue
            if part in ("_all", "*"):
                if for_delete:
                    raise _EsError(400, "illegal_argument_exception",
                                   "Wildcard expressions or all indices are not allowed")
                out.extend(n for n in sorted(self._indices) if not n.startswith("."))
                out.extend(b for b in self._data_streams.values())
            elif "*" in part or "?" in part:
                if for_delete:
                    raise _EsError(400, "illegal_argument_exception",
                                   "Wildcard expressions or all indices are not allowed")
                out.extend(n for n in sorted(self._indices)
                           if fnmatch.fnmatchcase(n, part) and (not n.startswith(".") or part.startswith(".")))
                out.extend(b for ds, b in self._data_streams.items() if fnmatch.fnmatchcase(ds, part))
            elif part in self._indices:
                out.append(part)
            elif part in self._data_streams:
                out.append(self._data_streams[part])
            elif not allow_missing:
                raise _index_not_found(part)
        seen = set()
        return [n for n in out if not (n in seen or seen.add(n))]

    def _create_index(self, ctx: _Ctx) -> Tuple[int, Any]:
        name = ctx.params["index"]
        body = self._json_body(ctx)
        self._require_write(ctx, "indices:admin/create", "create_index,manage,all", name)
        err = self._validate_index_name(name)
        if err:
            raise err
        for k in body:
            if k not in ("settings", "mappings", "aliases"):
                raise _EsError(400, "illegal_argument_exception", f"unknown key [{k}] for create index")
        with self._lock:
            if name in self._indices or name in self._data_streams:
                uuid = self._indices[name].uuid if name in self._indices else "_na_"
                raise _EsError(400, "resource_already_exists_exception",
                               f"index [{name}/{uuid}] already exists", index_uuid=uuid, index=name)
            self._new_index(name, body)
        return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}

    def _index_exists(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            try:
                names = self._resolve(ctx.params["index"], allow_missing=False)
            except _EsError:
                return 404, b""
        return (200 if names else 404), b""

    def _get_index(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            names = self._resolve(ctx.params["index"], allow_missing=False)
            out = {}
            for n in names:
                i = self._indices[n]
                d = {"aliases": copy.deepcopy(i.aliases), "mappings": i.mapping_view(),
                     "settings": i.settings_view()}
                if i.data_stream:
                    d["data_stream"] = i.data_stream
                out[n] = d
        return 200, out

    def _get_mapping(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            names = self._resolve(ctx.params.get("index", "_all"), allow_missing=False)
            return 200, {n: {"mappings": self._indices[n].mapping_view()} for n in names}

    def _put_mapping(self, ctx: _Ctx) -> Tuple[int, Any]:
        body = self._json_body(ctx, required=True)
        with self._lock:
            names = self._resolve(ctx.params["index"], allow_missing=False)
            self._require_write(ctx, "indices:admin/mapping/put", "manage,all", ctx.params["index"])
            for n in names:
                idx = self._indices[n]
                m = copy.deepcopy(body)
                if "properties" in m:
                    m["properties"] = _expand_dotted_props(m["properties"])
                    for path, spec in self._iter_leaf_specs(m["properties"], ""):
                        cur = idx.fields.get(path)
                        if cur is not None and spec.get("type") and cur.type != spec.get("type"):
                            raise _EsError(400, "illegal_argument_exception",
                                           f"mapper [{path}] cannot be changed from type [{cur.type}] "
                                           f"to [{spec.get('type')}]")
                _deep_merge(idx.mappings, m)
                idx._rebuild()
        return 200, {"acknowledged": True}

    @staticmethod
    def _iter_leaf_specs(props: dict, prefix: str) -> Iterable[Tuple[str, dict]]:
        for name, spec in props.items():
            if "properties" in spec:
                yield from EsTestServer._iter_leaf_specs(spec["properties"], prefix + name + ".")
            else:
                yield prefix + name, spec

    def _get_settings(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            names = self._resolve(ctx.params["index"], allow_missing=False)
            return 200, {n: {"settings": self._indices[n].settings_view()} for n in names}

    def _delete_index(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            names = self._resolve(ctx.params["index"], allow_missing=False, for_delete=True)
            self._require_write(ctx, "indices:admin/delete", "delete_index,manage,all", ctx.params["index"])
            for n in names:
                ds = self._indices[n].data_stream
                if ds and ds not in ctx.params["index"].split(","):
                    raise _EsError(400, "illegal_argument_exception",
                                   f"index [{n}] is the write index for data stream [{ds}] "
                                   "and cannot be deleted")
            for n in names:
                idx = self._indices.pop(n, None)
                if idx is not None and idx.data_stream:
                    self._data_streams.pop(idx.data_stream, None)
        return 200, {"acknowledged": True}

    # templates

    def _put_template(self, ctx: _Ctx) -> Tuple[int, Any]:
        body = self._json_body(ctx, required=True)
        self._require_write(ctx, "indices:admin/index_template/put", "manage_index_templates,manage,all")
        if not body.get("index_patterns"):
            raise _EsError(400, "action_request_validation_exception",
                           "Validation Failed: 1: index patterns are missing;")
        for k in body:
            if k not in ("index_patterns", "template", "composed_of", "priority", "version",
                         "_meta", "data_stream", "allow_auto_create", "ignore_missing_component_templates",
                         "deprecated"):
                raise _EsError(400, "x_content_parse_exception",
                               f"[1:2] [index_template] unknown field [{k}]")
        name = ctx.params["name"]
        with self._lock:
            missing = [c for c in body.get("composed_of", []) if c not in self._component_templates]
            if missing:
                raise _EsError(400, "invalid_index_template_exception",
                               f"index_template [{name}] invalid, cause [index template [{name}] "
                               f"specifies component templates {missing} that do not exist]")
            if ctx.query.get("create") == "true" and name in self._templates:
                raise _EsError(400, "illegal_argument_exception",
                               f"index template [{name}] already exists")
            self._templates[name] = copy.deepcopy(body)
        return 200, {"acknowledged": True}

    def _get_templates(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            name = ctx.params.get("name")
            if name:
                names = [n for n in self._templates if fnmatch.fnmatchcase(n, name)]
                if not names:
                    raise _EsError(404, "resource_not_found_exception", f"index template matching [{name}] not found")
            else:
                names = sorted(self._templates)
            return 200, {"index_templates": [{"name": n, "index_template": copy.deepcopy(self._templates[n])}
                                             for n in names]}

    def _head_template(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            return (200 if ctx.params["name"] in self._templates else 404), b""

    def _delete_template(self, ctx: _Ctx) -> Tuple[int, Any]:
        self._require_write(ctx, "indices:admin/index_template/delete", "manage_index_templates,manage,all")
        with self._lock:
            if self._templates.pop(ctx.params["name"], None) is None:
                raise _EsError(404, "resource_not_found_exception",
                               f"index_template matching [{ctx.params['name']}] not found")
        return 200, {"acknowledged": True}

    def _put_component(self, ctx: _Ctx) -> Tuple[int, Any]:
        body = self._json_body(ctx, required=True)
        self._require_write(ctx, "cluster:admin/component_template/put", "manage_index_templates,manage,all")
        if "template" not in body:
            raise _EsError(400, "action_request_validation_exception",
                           "Validation Failed: 1: template is required;")
        with self._lock:
            self._component_templates[ctx.params["name"]] = copy.deepcopy(body)
        return 200, {"acknowledged": True}

    # ILM policies: stored and validated like ES 8 does on PUT (phase and action names, min_age);
    # nothing is ever rolled over or deleted here.

    _ILM_ACTIONS = {
        "hot": {"set_priority", "unfollow", "rollover", "readonly", "downsample", "shrink", "forcemerge",
                "searchable_snapshot"},
        "warm": {"set_priority", "unfollow", "readonly", "downsample", "allocate", "migrate", "shrink", "forcemerge"},
        "cold": {"set_priority", "unfollow", "readonly", "downsample", "searchable_snapshot", "allocate", "migrate"},
        "frozen": {"unfollow", "searchable_snapshot"},
        "delete": {"wait_for_snapshot", "delete"},
    }

    def _put_ilm(self, ctx: _Ctx) -> Tuple[int, Any]:
        body = self._json_body(ctx, required=True)
        self._require_write(ctx, "cluster:admin/ilm/put", "manage_ilm,manage,all")
        policy = body.get("policy")
        if set(body) != {"policy"} or not isinstance(policy, dict):
            raise _EsError(400, "x_content_parse_exception", "[1:2] [put_lifecycle_request] expected one field [policy]")
        for k in policy:
            if k not in ("phases", "_meta"):
                raise _EsError(400, "x_content_parse_exception", f"[1:12] [lifecycle_policy] unknown field [{k}]")
        for phase, spec in policy.get("phases", {}).items():
            if phase not in self._ILM_ACTIONS:
                raise _EsError(400, "illegal_argument_exception",
                               f"Timeseries lifecycle does not support phase [{phase}]")
            age = spec.get("min_age", "0ms")
            if not re.fullmatch(r"\d+(nanos|micros|ms|s|m|h|d)", str(age)):
                raise _EsError(400, "illegal_argument_exception",
                               f"failed to parse setting [min_age] with value [{age}] as a time value")
            bad = [a for a in spec.get("actions", {}) if a not in self._ILM_ACTIONS[phase]]
            if bad:
                raise _EsError(400, "illegal_argument_exception",
                               f"invalid action [{bad[0]}] defined in phase [{phase}]")
        with self._lock:
            old = self._ilm_policies.get(ctx.params["name"])
            self._ilm_policies[ctx.params["name"]] = {"version": (old["version"] + 1) if old else 1,
                                                      "policy": copy.deepcopy(policy)}
        return 200, {"acknowledged": True}

    def _get_ilm(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            name = ctx.params.get("name")
            if name is not None and name not in self._ilm_policies:
                raise _EsError(404, "resource_not_found_exception", f"Lifecycle policy not found: {name}")
            names = [name] if name is not None else sorted(self._ilm_policies)
            return 200, {n: {"version": self._ilm_policies[n]["version"],
                             "policy": copy.deepcopy(self._ilm_policies[n]["policy"])} for n in names}

    def _delete_ilm(self, ctx: _Ctx) -> Tuple[int, Any]:
        self._require_write(ctx, "cluster:admin/ilm/delete", "manage_ilm,manage,all")
        with self._lock:
            if self._ilm_policies.pop(ctx.params["name"], None) is None:
                raise _EsError(404, "resource_not_found_exception", f"Lifecycle policy not found: {ctx.params['name']}")
        return 200, {"acknowledged": True}

    def _get_component(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            n = ctx.params["name"]
            if n not in self._component_templates:
                raise _EsError(404, "resource_not_found_exception", f"component template matching [{n}] not found")
            return 200, {"component_templates": [{"name": n, "component_template":
                                                  copy.deepcopy(self._component_templates[n])}]}

    def _delete_component(self, ctx: _Ctx) -> Tuple[int, Any]:
        self._require_write(ctx, "cluster:admin/component_template/delete", "manage_index_templates,manage,all")
        with self._lock:
            if self._component_templates.pop(ctx.params["name"], None) is None:
                raise _EsError(404, "resource_not_found_exception",
                               f"component template matching [{ctx.params['name']}] not found")
        return 200, {"acknowledged": True}

    def _put_legacy(self, ctx: _Ctx) -> Tuple[int, Any]:
        body = self._json_body(ctx, required=True)
        self._require_write(ctx, "indices:admin/template/put", "manage_index_templates,manage,all")
        if not body.get("index_patterns"):
            raise _EsError(400, "action_request_validation_exception",
                           "Validation Failed: 1: index patterns are missing;")
        with self._lock:
            self._legacy_templates[ctx.params["name"]] = copy.deepcopy(body)
        return 200, {"acknowledged": True}

    def _get_legacy(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            n = ctx.params["name"]
            if n not in self._legacy_templates:
                return 404, {}
            return 200, {n: copy.deepcopy(self._legacy_templates[n])}

    def _head_legacy(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            return (200 if ctx.params["name"] in self._legacy_templates else 404), b""

    def _delete_legacy(self, ctx: _Ctx) -> Tuple[int, Any]:
        self._require_write(ctx, "indices:admin/template/delete", "manage_index_templates,manage,all")
        with self._lock:
            if self._legacy_templates.pop(ctx.params["name"], None) is None:
                raise _EsError(404, "index_template_missing_exception",
                               f"index_template [{ctx.params['name']}] missing")
        return 200, {"acknowledged": True}

    def _get_data_stream(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            names = [n for n in self._data_streams if fnmatch.fnmatchcase(n, ctx.params["name"])]
            if not names and "*" not in ctx.params["name"]:
                raise _index_not_found(ctx.params["name"])
            return 200, {"data_streams": [{
                "name": n, "timestamp_field": {"name": "@timestamp"},
                "indices": [{"index_name": self._data_streams[n],
                             "index_uuid": self._indices[self._data_streams[n]].uuid}],
                "generation": 1, "status": "YELLOW", "template": "", "hidden": False, "system": False}
                for n in names]}

    def _put_data_stream(self, ctx: _Ctx) -> Tuple[int, Any]:
        self._require_write(ctx, "indices:admin/data_stream/create", "create_index,manage,all")
        name = ctx.params["name"]
        with self._lock:
            if name in self._data_streams:
                raise _EsError(400, "resource_already_exists_exception", f"data_stream [{name}] already exists")
            if self._matching_template(name)[3] is None:
                raise _EsError(400, "illegal_argument_exception",
                               f"no matching index template found for data stream [{name}]")
            self._new_index(name, auto=True)
        return 200, {"acknowledged": True}

    def _delete_data_stream(self, ctx: _Ctx) -> Tuple[int, Any]:
        self._require_write(ctx, "indices:admin/data_stream/delete", "delete_index,manage,all")
        with self._lock:
            b = self._data_streams.pop(ctx.params["name"], None)
            if b is None:
                raise _index_not_found(ctx.params["name"])
            self._indices.pop(b, None)
        return 200, {"acknowledged": True}

    # ---------------------------------------------------------------- bulk

    _META_KEYS = {"_index", "_id", "routing", "if_seq_no", "if_primary_term", "version",
                  "version_type", "require_alias", "pipeline", "dynamic_templates",
                  "retry_on_conflict", "_source", "require_data_stream", "list_executed_pipelines"}

    def _bulk(self, ctx: _Ctx) -> Tuple[int, Any]:
        t0 = time.perf_counter()
        with self._lock:
            self._counters["bulk_requests"] += 1
        body = ctx.body
        if not body:
            raise _parse_error_body("request body is required")
        if not body.endswith(b"\n"):
            raise _EsError(400, "illegal_argument_exception",
                           "The bulk request must be terminated by a newline [\\n]")
        default_index = ctx.params.get("index")
        lines = body.split(b"\n")
        lines.pop()
        ops: List[Tuple[str, dict, Optional[bytes]]] = []
        i = 0
        n = len(lines)
        while i < n:
            line = lines[i]
            i += 1
            if not line.strip():
                continue
            m = _SIMPLE_ACTION_RE.match(line)
            if m is not None:                     # the common, escape-free action line
                op = m.group(1).decode()
                meta = {}
                if m.group(2) is not None:
                    meta["_index"] = m.group(2).decode()
                if m.group(3) is not None:
                    meta["_id"] = m.group(3).decode()
                src = None
                if op != "delete":
                    if i >= n:
                        raise _EsError(400, "illegal_argument_exception",
                                       "The bulk request must be terminated by a newline [\\n]")
                    src = lines[i]
                    i += 1
                ops.append((op, meta, src))
                continue
            try:
                action = json.loads(line)
            except ValueError as e:
                raise _EsError(400, "x_content_parse_exception",
                               f"[1:1] Unexpected character in action/metadata line [{i}]: {e}") from None
            if not isinstance(action, dict):
                raise _EsError(400, "illegal_argument_exception",
                               f"Malformed action/metadata line [{i}], expected START_OBJECT or "
                               f"END_OBJECT but found [VALUE_{type(action).__name__.upper()}]")
            if len(action) != 1:
                raise _EsError(400, "illegal_argument_exception",
                               f"Malformed action/metadata line [{i}], expected a simple value for "
                               f"field [{list(action)[1] if len(action) > 1 else ''}] but found [START_OBJECT]"
                               if len(action) > 1 else
                               f"Malformed action/metadata line [{i}], expected FIELD_NAME but found [END_OBJECT]")
            (op, meta), = action.items()
            if op not in ("index", "create", "update", "delete"):
                raise _EsError(400, "illegal_argument_exception",
                               f"Malformed action/metadata line [{i}], expected field [create], "
                               f"[delete], [index] or [update] but found [{op}]")
            if not isinstance(meta, dict):
                raise _EsError(400, "illegal_argument_exception",
                               f"Malformed action/metadata line [{i}], expected START_OBJECT but found [VALUE_STRING]")
            for k in meta:
                if k not in self._META_KEYS:
                    raise _EsError(400, "illegal_argument_exception",
                                   f"Action/metadata line [{i}] contains an unknown parameter [{k}]")
            src: Optional[bytes] = None
            if op != "delete":
                if i >= n:
                    raise _EsError(400, "illegal_argument_exception",
                                   "The bulk request must be terminated by a newline [\\n]")
                src = lines[i]
                i += 1
            ops.append((op, meta, src))
        if not ops:
            raise _EsError(400, "action_request_validation_exception", "Validation Failed: 1: no requests added;")
        problems = []
        for op, meta, _src in ops:
            if not (meta.get("_index") or default_index):
                problems.append("index is missing")
            if op in ("update", "delete") and not meta.get("_id"):
                problems.append("id is missing")
            doc_id = meta.get("_id")
            if doc_id is not None and len(str(doc_id).encode()) > 512:
                problems.append(f"id [{doc_id}] is too long, must be no longer than 512 bytes but was: "
                                f"{len(str(doc_id).encode())}")
            if op == "update" and meta.get("version") is not None:
                problems.append("can't provide version in update request")
        if problems:
            raise _EsError(400, "action_request_validation_exception",
                           "Validation Failed: " + "".join(f"{k + 1}: {p};" for k, p in enumerate(problems)))

        refresh = ctx.query.get("refresh")
        forced = refresh in ("", "true")
        items = []
        errors = False
        nerr = 0
        with self._lock:
            for op, meta, src in ops:
                index = meta.get("_index") or default_index
                res = self._write(op, index, meta, src, ctx.principal)
                if forced and "error" not in res and res.get("result") != "noop":
                    res = self._with_forced_refresh(res)
                if "error" in res:
                    errors = True
                    nerr += 1
                items.append({op: res})
            self._counters["items"] += len(ops)
            self._counters["item_errors"] += nerr
        ctx.record.items = len(ops)
        ctx.record.item_errors = nerr
        took = int((time.perf_counter() - t0) * 1000)
        return 200, {"took": took, "errors": errors, "items": items}

    @staticmethod
    def _with_forced_refresh(res: dict) -> dict:
        out = {}
        for k, v in res.items():
            if k == "_shards":
                out["forced_refresh"] = True
            out[k] = v
        return out

    def _item_error(self, index: str, doc_id: Optional[str], status: int, error: dict) -> dict:
        return {"_index": index, "_id": doc_id, "status": status, "error": error}

    def _write(self, op: str, index: str, meta: dict, src: Optional[bytes], p: _Principal,
               single: bool = False) -> dict:
        """One write (bulk item or single-doc API). Caller holds the lock. Returns the item body."""
        doc_id = meta.get("_id")
        doc_id = None if doc_id is None else str(doc_id)
        err = self._validate_index_name(index) if index not in self._indices else None
        if err is not None:
            return self._item_error(index, doc_id, 400, err.cause)
        if not p.can_write:
            action = "indices:data/write/bulk[s]" if not single else f"indices:data/write/{op}"
            return self._item_error(index, doc_id, 403, self._forbid(
                p, action, "create_doc,create,delete,index,write,all", index))
        if self._item_fail is not None:
            rate, st, rng = self._item_fail
            if rng.random() < rate:
                self._counters["injected_item_errors"] += 1
                etype, reason = _ITEM_ERRORS.get(st, ("exception", f"EsTestServer injected item error {st}"))
                if doc_id is None and op in ("index", "create"):
                    doc_id = _es_uuid(15)
                return self._item_error(index, doc_id, st, {
                    "type": etype, "reason": reason.format(n=self._counters["items"], index=index)})
        target = self._data_streams.get(index, index)
        idx = self._indices.get(target)
        if idx is None:
            if not self.auto_create_index:
                e = _index_not_found(index)
                return self._item_error(index, doc_id, 404, e.cause)
            if op in ("update", "delete"):
                # ES auto-creates for update (upsert); a delete on a missing index is a 404 item.
                if op == "delete":
                    e = _index_not_found(index)
                    return self._item_error(index, doc_id, 404, e.cause)
            idx = self._new_index(index, auto=True)
        if self._write_block is not None and fnmatch.fnmatchcase(index, self._write_block[0]):
            st = self._write_block[1]
            reason = ("index [{i}] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage "
                      "watermark, index has read-only-allow-delete block];" if st == 429 else
                      "index [{i}] blocked by: [FORBIDDEN/8/index write (api)];").format(i=idx.name)
            return self._item_error(idx.name, doc_id, st, {"type": "cluster_block_exception", "reason": reason})
        if idx.data_stream and op in ("index", "update", "delete"):
            if op == "index":
                return self._item_error(idx.name, doc_id, 400, {
                    "type": "illegal_argument_exception",
                    "reason": "only write ops with an op_type of create are allowed in data streams"})

        if op == "delete":
            return self._delete(idx, doc_id, meta)
        if not self.validate_documents and op != "update" and src is not None and \
                src.lstrip()[:1] == b"{" and not self._reject_fields and not idx.data_stream:
            # benchmark mode: the source is stored as sent, never parsed nor checked
            return self._index_doc(idx, op, doc_id if doc_id is not None else _es_uuid(15), meta, None, src)
        try:
            obj = json.loads(src) if src is not None else None
        except ValueError as e:
            if doc_id is None:
                doc_id = _es_uuid(15)
            return self._item_error(idx.name, doc_id, 400, {
                "type": self.mapping_error_type, "reason": f"[1:1] failed to parse: {e}",
                "caused_by": {"type": "json_parse_exception", "reason": str(e)}})
        if not isinstance(obj, dict):
            if doc_id is None:
                doc_id = _es_uuid(15)
            return self._item_error(idx.name, doc_id, 400, {
                "type": self.mapping_error_type,
                "reason": "failed to parse, document is empty" if obj is None else
                "[1:1] failed to parse: expected START_OBJECT"})
        if op == "update":
            return self._update(idx, doc_id, meta, obj, src or b"")
        if doc_id is None:
            doc_id = _es_uuid(15)
        return self._index_doc(idx, op, doc_id, meta, obj, src or b"")

    def _conflict(self, idx: _Index, doc_id: str, reason: str) -> dict:
        self._counters["conflicts"] += 1
        return self._item_error(idx.name, doc_id, 409, {
            "type": "version_conflict_engine_exception", "reason": f"[{doc_id}]: {reason}",
            "index_uuid": idx.uuid, "shard": "0", "index": idx.name})

    def _check_cas(self, idx: _Index, doc_id: str, meta: dict) -> Optional[dict]:
        cur = idx.docs.get(doc_id)
        if meta.get("if_seq_no") is not None or meta.get("if_primary_term") is not None:
            want_seq, want_term = meta.get("if_seq_no"), meta.get("if_primary_term")
            if cur is None:
                return self._conflict(idx, doc_id, f"version conflict, required seqNo [{want_seq}], "
                                                   f"primary term [{want_term}] but no document was found")
            if int(want_seq) != cur[2] or int(want_term) != 1:
                return self._conflict(idx, doc_id, f"version conflict, required seqNo [{want_seq}], "
                                                   f"primary term [{want_term}]. current document has "
                                                   f"seqNo [{cur[2]}] and primary term [1]")
        vt = meta.get("version_type")
        if meta.get("version") is not None and vt in ("external", "external_gt", "external_gte"):
            v = int(meta["version"])
            curv = cur[1] if cur else None
            if curv is not None and (v < curv or (v == curv and vt != "external_gte")):
                return self._conflict(idx, doc_id, f"version conflict, current version [{curv}] is "
                                                   f"higher or equal to the one provided [{v}]")
        return None

    def _validate_doc(self, idx: _Index, doc_id: str, obj: dict, raw: bytes) -> Tuple[Optional[dict], List[Tuple[str, dict]]]:
        """(error, new dynamic mappings) for a document against idx's mapping."""
        new_fields: Dict[str, _Field] = {}
        new_objects: Dict[str, dict] = {}
        additions: List[Tuple[str, dict]] = []
        m = idx.mappings
        root_dyn = str(m.get("dynamic", "true" if self.dynamic_mapping else "false")).lower()
        date_detection = m.get("date_detection", True)
        date_formats = m.get("dynamic_date_formats", ["strict_date_optional_time", "yyyy/MM/dd HH:mm:ss Z||yyyy/MM/dd Z"])
        numeric_detection = m.get("numeric_detection", False)
        dyn_templates = m.get("dynamic_templates") or []
        etype = self.mapping_error_type
        reject = self._reject_fields

        def field_error(path: str, f: _Field, v: Any, cause: dict) -> _DocError:
            self._counters["mapping_errors"] += 1
            col = _value_col(raw, path.rsplit(".", 1)[-1])
            return _DocError(etype, f"[1:{col}] failed to parse field [{path}] of type [{f.type}] in "
                                    f"document with id '{doc_id}'. Preview of field's value: '{_preview(v)}'",
                             cause)

        def dyn_of(path: str) -> str:
            parent = path.rsplit(".", 1)[0] if "." in path else None
            while parent is not None:
                spec = idx.objects.get(parent) or new_objects.get(parent)
                if spec is not None and "dynamic" in spec:
                    return str(spec["dynamic"]).lower()
                parent = parent.rsplit(".", 1)[0] if "." in parent else None
            return root_dyn

        def template_for(path: str, leaf: str, mtype: str) -> Optional[dict]:
            for entry in dyn_templates:
                if not isinstance(entry, dict) or len(entry) != 1:
                    continue
                (tname, t), = entry.items()
                mmt = t.get("match_mapping_type")
                if mmt is not None:
                    mmts = mmt if isinstance(mmt, list) else [mmt]
                    if "*" not in mmts and mtype not in mmts:
                        continue
                regex = t.get("match_pattern") == "regex"

                def ok(pat: Any, val: str) -> bool:
                    pats = pat if isinstance(pat, list) else [pat]
                    return any(re.fullmatch(x, val) if regex else fnmatch.fnmatchcase(val, x) for x in pats)
                if "match" in t and not ok(t["match"], leaf):
                    continue
                if "unmatch" in t and ok(t["unmatch"], leaf):
                    continue
                if "path_match" in t and not ok(t["path_match"], path):
                    continue
                if "path_unmatch" in t and ok(t["path_unmatch"], path):
                    continue
                if "mapping" not in t:
                    continue
                txt = json.dumps(t["mapping"]).replace("{name}", leaf)
                return json.loads(txt)
            return None

        def handle(path: str, v: Any) -> None:
            f = reject.get(path) or idx.fields.get(path) or new_fields.get(path)
            if f is not None:
                if f.type in _LEAF_ANYTHING or f.spec.get("enabled") is False:
                    return
                if isinstance(v, list):
                    for x in v:
                        handle(path, x)
                    return
                if v is None:
                    return
                if isinstance(v, dict):
                    raise field_error(path, f, v, {"type": "illegal_state_exception",
                                                   "reason": f"Can't get text on a START_OBJECT at 1:{_value_col(raw, path.rsplit('.', 1)[-1])}"})
                if f.spec.get("ignore_malformed") is True:
                    return
                cause = _check_value(f, path, v)
                if cause is not None:
                    raise field_error(path, f, v, cause)
                # a field from reject_fields() may also be a mapped/dynamic one: check both
                f2 = idx.fields.get(path) or new_fields.get(path)
                if f2 is not None and f2 is not f:
                    cause = _check_value(f2, path, v)
                    if cause is not None:
                        raise field_error(path, f2, v, cause)
                elif f2 is None and path in reject:
                    add_dynamic(path, v)
                return
            ospec = idx.objects.get(path) or new_objects.get(path)
            if ospec is not None:
                if ospec.get("enabled") is False:
                    return
                if isinstance(v, dict):
                    walk(v, path + ".")
                elif isinstance(v, list):
                    for x in v:
                        handle(path, x)
                elif v is not None:
                    self._counters["mapping_errors"] += 1
                    raise _DocError(etype, f"[1:{_value_col(raw, path.rsplit('.', 1)[-1])}] object mapping "
                                           f"for [{path}] tried to parse field [{path.rsplit('.', 1)[-1]}] "
                                           "as object, but found a concrete value")
                return
            if v is None:
                return
            if isinstance(v, list):
                for x in v:
                    handle(path, x)
                return
            add_dynamic(path, v)
            if isinstance(v, dict):
                if path in new_objects:
                    walk(v, path + ".")

        def add_dynamic(path: str, v: Any) -> None:
            dyn = dyn_of(path)
            leaf = path.rsplit(".", 1)[-1]
            if dyn == "strict":
                parent = path.rsplit(".", 1)[0] if "." in path else "_doc"
                self._counters["mapping_errors"] += 1
                raise _DocError("strict_dynamic_mapping_exception",
                                f"[1:{_value_col(raw, leaf)}] mapping set to strict, dynamic introduction "
                                f"of [{leaf}] within [{parent}] is not allowed")
            if dyn in ("false", "runtime"):
                return
            mtype, default = _detect_dynamic_type(v, date_detection, date_formats, numeric_detection)
            tmpl = template_for(path, leaf, mtype)
            if isinstance(v, dict):
                spec = tmpl if tmpl is not None else {}
                if tmpl is not None and tmpl.get("type") not in (None, "object", "nested", "{dynamic_type}"):
                    fspec = dict(tmpl)
                    new_fields[path] = _Field(fspec["type"], path, fspec)
                    additions.append((path, fspec))
                    return
                new_objects[path] = spec
                additions.append((path, {"type": "object"}))
                return
            if tmpl is not None:
                spec = json.loads(json.dumps(tmpl).replace("{dynamic_type}", default))
                spec.setdefault("type", default)
            elif default == "text":
                spec = {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}
            else:
                spec = {"type": default}
            new_fields[path] = _Field(spec["type"], path, spec)
            for sub, sspec in (spec.get("fields") or {}).items():
                new_fields[f"{path}.{sub}"] = _Field(sspec.get("type", "keyword"), path, sspec)
            additions.append((path, spec))
            cause = _check_value(new_fields[path], path, v)
            if cause is not None:
                raise field_error(path, new_fields[path], v, cause)

        def walk(o: dict, prefix: str) -> None:
            for k, v in o.items():
                if not k or not k.strip(".") or k.strip() == "":
                    self._counters["mapping_errors"] += 1
                    raise _DocError(etype, f"[1:{_value_col(raw, k)}] failed to parse: field name cannot "
                                           "be an empty string" if not k.strip() else
                                    f"[1:{_value_col(raw, k)}] failed to parse: field name cannot contain only dots")
                path = prefix + k
                if "." in k:
                    # ES expands dotted keys into objects: every intermediate must be an object
                    parts = path.split(".")
                    for j in range(1, len(parts)):
                        sub = ".".join(parts[:j])
                        if sub in idx.fields and idx.fields[sub].type not in _LEAF_ANYTHING:
                            self._counters["mapping_errors"] += 1
                            raise _DocError(etype, f"[1:{_value_col(raw, k)}] Could not dynamically add mapping "
                                                   f"for field [{path}]. Existing mapping for [{sub}] must be of "
                                                   f"type object but found [{idx.fields[sub].type}].")
                        if sub not in idx.objects and sub not in new_objects and sub not in new_fields:
                            if dyn_of(sub) == "strict":
                                self._counters["mapping_errors"] += 1
                                parent = sub.rsplit(".", 1)[0] if "." in sub else "_doc"
                                raise _DocError("strict_dynamic_mapping_exception",
                                                f"[1:{_value_col(raw, k)}] mapping set to strict, dynamic "
                                                f"introduction of [{sub.rsplit('.', 1)[-1]}] within "
                                                f"[{parent}] is not allowed")
                            if dyn_of(sub) == "true":
                                new_objects[sub] = {}
                                additions.append((sub, {"type": "object"}))
                handle(path, v)

        try:
            walk(obj, "")
        except _DocError as e:
            return e.to_error(idx), []
        if additions:
            limit = int(idx.settings.get("index.mapping.total_fields.limit", _FIELD_LIMIT))
            nnew = len(new_fields) + len(new_objects)
            if idx.field_count() + nnew > limit:
                self._counters["mapping_errors"] += 1
                reason = f"Limit of total fields [{limit}] has been exceeded while adding new fields [{nnew}]"
                return {"type": etype, "reason": f"[1:{len(raw)}] failed to parse: {reason}",
                        "caused_by": {"type": "illegal_argument_exception", "reason": reason}}, []
        return None, additions

    def _apply_additions(self, idx: _Index, additions: List[Tuple[str, dict]]) -> None:
        if not additions:
            return
        for path, spec in additions:
            idx.add_mapping(path, spec)
        idx._rebuild()

    def _ok(self, idx: _Index, doc_id: str, version: int, result: str, seq_no: int, status: int) -> dict:
        return {"_index": idx.name, "_id": doc_id, "_version": version, "result": result,
                "_shards": idx.shards(), "_seq_no": seq_no, "_primary_term": 1, "status": status}

    def _index_doc(self, idx: _Index, op: str, doc_id: str, meta: dict, obj: dict, raw: bytes) -> dict:
        cur = idx.docs.get(doc_id)
        if op == "create" and cur is not None:
            return self._conflict(idx, doc_id, f"version conflict, document already exists (current version [{cur[1]}])")
        if "if_seq_no" in meta or "if_primary_term" in meta or "version" in meta:
            cas = self._check_cas(idx, doc_id, meta)
            if cas is not None:
                return cas
        if obj is not None and idx.data_stream and "@timestamp" not in obj and not any(True for _ in _lookup(obj, ["@timestamp"])):
            self._counters["mapping_errors"] += 1
            return self._item_error(idx.name, doc_id, 400, {
                "type": self.mapping_error_type,
                "reason": "[1:1] failed to parse: data stream timestamp field [@timestamp] is missing",
                "caused_by": {"type": "illegal_argument_exception",
                              "reason": "data stream timestamp field [@timestamp] is missing"}})
        if obj is not None and (self._reject_fields or not _fast_ok(idx.fast, idx.fast_objects, obj, "")):
            err, additions = self._validate_doc(idx, doc_id, obj, raw)
            if err is not None:
                return self._item_error(idx.name, doc_id, 400, err)
            self._apply_additions(idx, additions)
        seq = idx.seq_no
        idx.seq_no += 1
        # sources are kept as the bytes the client sent (what ES returns as _source); bytes and
        # all-atomic tuples are not tracked by the cyclic GC, so millions of docs stay cheap
        src = (raw if raw else _dumps(obj)) if self.keep_sources else None
        if meta.get("version") is not None and meta.get("version_type") in ("external", "external_gte", "external_gt"):
            version = int(meta["version"])
        elif cur is not None:
            version = cur[1] + 1
        else:
            version = idx.tombstones.pop(doc_id, 0) + 1
        idx.docs[doc_id] = (src, version, seq)
        if cur is None:
            self._counters["created"] += 1
            return self._ok(idx, doc_id, version, "created", seq, 201)
        self._counters["updated"] += 1
        return self._ok(idx, doc_id, version, "updated", seq, 200)

    def _delete(self, idx: _Index, doc_id: str, meta: dict) -> dict:
        cas = self._check_cas(idx, doc_id, meta)
        if cas is not None:
            return cas
        seq = idx.seq_no
        idx.seq_no += 1
        cur = idx.docs.pop(doc_id, None)
        if cur is None:
            v = idx.tombstones.get(doc_id, 0) + 1
            idx.tombstones[doc_id] = v
            return self._ok(idx, doc_id, v, "not_found", seq, 404)
        self._counters["deleted"] += 1
        idx.tombstones[doc_id] = cur[1] + 1
        return self._ok(idx, doc_id, cur[1] + 1, "deleted", seq, 200)

    def _update(self, idx: _Index, doc_id: str, meta: dict, body: dict, raw: bytes) -> dict:
        for k in body:
            if k not in ("doc", "upsert", "doc_as_upsert", "detect_noop", "scripted_upsert", "_source",
                         "script", "lang", "params"):
                return self._item_error(idx.name, doc_id, 400, {
                    "type": "x_content_parse_exception", "reason": f"[1:2] [UpdateRequest] unknown field [{k}]"})
        if "script" in body:
            return self._item_error(idx.name, doc_id, 400, {
                "type": "illegal_argument_exception", "reason": "scripts are not supported by EsTestServer"})
        cur = idx.docs.get(doc_id)
        cas = self._check_cas(idx, doc_id, meta)
        if cas is not None:
            return cas
        doc = body.get("doc")
        if cur is None:
            if body.get("doc_as_upsert") and isinstance(doc, dict):
                new = doc
            elif isinstance(body.get("upsert"), dict):
                new = body["upsert"]
            else:
                return self._item_error(idx.name, doc_id, 404, {
                    "type": "document_missing_exception", "reason": f"[{doc_id}]: document missing",
                    "index_uuid": idx.uuid, "shard": "0", "index": idx.name})
            return self._index_doc(idx, "create", doc_id, {}, new, _dumps(new))
        if not isinstance(doc, dict):
            return self._item_error(idx.name, doc_id, 400, {
                "type": "action_request_validation_exception",
                "reason": "Validation Failed: 1: script or doc is missing;"})
        base = _load(cur[0]) if cur[0] is not None else {}
        merged = _deep_merge(copy.deepcopy(base), doc)
        if merged == base and body.get("detect_noop", True) and cur[0] is not None:
            return {"_index": idx.name, "_id": doc_id, "_version": cur[1], "result": "noop",
                    "_shards": {"total": 0, "successful": 0, "failed": 0}, "_seq_no": cur[2],
                    "_primary_term": 1, "status": 200}
        return self._index_doc(idx, "index", doc_id, {}, merged, _dumps(merged))

    # ---------------------------------------------------------------- single-document APIs

    def _single(self, ctx: _Ctx, op: str) -> Tuple[int, Any]:
        index = ctx.params["index"]
        doc_id = ctx.params.get("id")
        if op == "index" and ctx.query.get("op_type") == "create":
            op = "create"
        meta: Dict[str, Any] = {}
        if doc_id is not None:
            meta["_id"] = doc_id
        for k in ("if_seq_no", "if_primary_term", "version", "version_type"):
            if k in ctx.query:
                meta[k] = ctx.query[k]
        if op != "delete" and not ctx.body:
            raise _parse_error_body("request body is required")
        with self._lock:
            res = self._write(op, index, meta, ctx.body if op != "delete" else None, ctx.principal, single=True)
        if "error" in res:
            err = res["error"]
            raise _EsError(res["status"], err["type"], err["reason"],
                           caused_by=err.get("caused_by"),
                           **{k: v for k, v in err.items() if k not in ("type", "reason", "caused_by")})
        status = res.pop("status")
        return status, res

    def _doc_write(self, ctx: _Ctx) -> Tuple[int, Any]:
        return self._single(ctx, "index")

    def _doc_create(self, ctx: _Ctx) -> Tuple[int, Any]:
        return self._single(ctx, "create")

    def _doc_update(self, ctx: _Ctx) -> Tuple[int, Any]:
        return self._single(ctx, "update")

    def _doc_delete(self, ctx: _Ctx) -> Tuple[int, Any]:
        return self._single(ctx, "delete")

    def _doc_get(self, ctx: _Ctx) -> Tuple[int, Any]:
        name, doc_id = ctx.params["index"], ctx.params["id"]
        with self._lock:
            target = self._data_streams.get(name, name)
            idx = self._indices.get(target)
            if idx is None:
                raise _index_not_found(name)
            d = idx.docs.get(doc_id)
            if d is None:
                return 404, {"_index": idx.name, "_id": doc_id, "found": False}
            out = {"_index": idx.name, "_id": doc_id, "_version": d[1], "_seq_no": d[2],
                   "_primary_term": 1, "found": True}
            src = self._source_filter(_load(d[0]), ctx.query.get("_source"), ctx.query.get("_source_includes"),
                                      ctx.query.get("_source_excludes"))
            if src is not _MISSING:
                out["_source"] = src
        return 200, out

    def _mget(self, ctx: _Ctx) -> Tuple[int, Any]:
        """Multi-get by {"docs":[{"_index","_id"}]}, as the consumer checks a 409's stored document."""
        body = _load(ctx.body) if ctx.body else {}
        docs = body.get("docs") if isinstance(body, dict) else None
        if not isinstance(docs, list):
            raise _EsError(400, "action_request_validation_exception", "Validation Failed: 1: no documents to get;")
        out = []
        with self._lock:
            for spec in docs:
                name, doc_id = spec.get("_index"), spec.get("_id")
                idx = self._indices.get(self._data_streams.get(name, name))
                d = idx.docs.get(doc_id) if idx is not None else None
                if d is None:
                    out.append({"_index": name, "_id": doc_id, "found": False})
                else:
                    out.append({"_index": idx.name, "_id": doc_id, "_version": d[1], "_seq_no": d[2],
                                "_primary_term": 1, "found": True, "_source": _load(d[0])})
        return 200, {"docs": out}

    def _source_get(self, ctx: _Ctx) -> Tuple[int, Any]:
        status, out = self._doc_get(ctx)
        if status != 200:
            raise _EsError(404, "resource_not_found_exception",
                           f"Document not found [{ctx.params['index']}]/[{ctx.params['id']}]")
        return 200, out.get("_source", {})

    @staticmethod
    def _source_filter(src: Any, spec: Any, includes: Optional[str] = None,
                       excludes: Optional[str] = None) -> Any:
        if spec in (False, "false"):
            return _MISSING
        inc: List[str] = []
        exc: List[str] = []
        if isinstance(spec, str) and spec not in ("true", ""):
            inc = spec.split(",")
        elif isinstance(spec, list):
            inc = spec
        elif isinstance(spec, dict):
            inc = spec.get("includes", spec.get("include", [])) or []
            exc = spec.get("excludes", spec.get("exclude", [])) or []
            inc = [inc] if isinstance(inc, str) else inc
            exc = [exc] if isinstance(exc, str) else exc
        if includes:
            inc += includes.split(",")
        if excludes:
            exc += excludes.split(",")
        if not inc and not exc:
            return src
        if src is None:
            return None
        out = src
        if inc:
            out = _fp_include(out, [p.split(".") for p in inc])
            if out is _MISSING:
                out = {}
        if exc:
            out = _fp_exclude(out, [p.split(".") for p in exc])
            if out is _MISSING:
                out = {}
        return out

    # ---------------------------------------------------------------- search / count / refresh

    def _refresh(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            names = self._resolve(ctx.params.get("index", "_all"), allow_missing=False)
            total = sum(1 + self._indices[n].replicas() for n in names)
        return 200, {"_shards": {"total": total, "successful": len(names), "failed": 0}}

    def _search_body(self, ctx: _Ctx) -> dict:
        body = self._json_body(ctx) if ctx.body else {}
        if "q" in ctx.query:
            body["query"] = _q_param_query(ctx.query["q"])
        for k in ("size", "from", "track_total_hits", "sort", "_source"):
            if k in ctx.query:
                body[k] = ctx.query[k]
        return body

    def _matches(self, names: List[str], query: Optional[dict]) -> List[Tuple[_Index, str, tuple, dict]]:
        """(index, _id, (raw, version, seq_no), parsed source) of matching docs, in index order."""
        out = []
        for n in names:
            idx = self._indices[n]
            pred = _compile_query(query, idx)
            trivial = query in (None, {}) or (isinstance(query, dict) and list(query) == ["match_all"])
            for doc_id, d in idx.docs.items():
                if trivial:                       # sources parsed lazily, only for the page
                    out.append((idx, doc_id, d, None))
                    continue
                src = _load(d[0]) if d[0] is not None else {}
                if pred(doc_id, src):
                    out.append((idx, doc_id, d, src))
        return out

    def _count(self, ctx: _Ctx) -> Tuple[int, Any]:
        body = self._search_body(ctx)
        for k in body:
            if k != "query":
                raise _EsError(400, "parsing_exception", f"request does not support [{k}]", line=1, col=2)
        with self._lock:
            names = self._resolve(ctx.params.get("index", "_all"), allow_missing=False)
            hits = self._matches(names, body.get("query"))
        return 200, {"count": len(hits), "_shards": {"total": len(names), "successful": len(names),
                                                      "skipped": 0, "failed": 0}}

    def _search(self, ctx: _Ctx) -> Tuple[int, Any]:
        t0 = time.perf_counter()
        body = self._search_body(ctx)
        for k in body:
            if k in ("aggs", "aggregations"):
                raise _EsError(400, "illegal_argument_exception", "aggregations are not supported by EsTestServer")
            if k not in ("query", "size", "from", "track_total_hits", "sort", "_source", "timeout",
                         "seq_no_primary_term", "version", "stored_fields", "fields", "explain",
                         "min_score", "terminate_after", "highlight", "search_after", "post_filter"):
                raise _EsError(400, "parsing_exception", f"Unknown key for a START_OBJECT in [{k}].", line=1, col=2)
        try:
            size = int(body.get("size", 10))
            frm = int(body.get("from", 0))
        except (TypeError, ValueError):
            raise _EsError(400, "illegal_argument_exception", "[size] and [from] must be integers") from None
        if size < 0 or frm < 0:
            raise _EsError(400, "illegal_argument_exception",
                           f"[{'size' if size < 0 else 'from'}] parameter cannot be negative")
        if frm + size > _RESULT_WINDOW:
            raise _EsError(400, "illegal_argument_exception",
                           f"Result window is too large, from + size must be less than or equal to: "
                           f"[{_RESULT_WINDOW}] but was [{frm + size}]. See the scroll api for a more "
                           "efficient way to request large data sets. This limit can be set by changing "
                           "the [index.max_result_window] index level setting.")
        with self._lock:
            names = self._resolve(ctx.params.get("index", "_all"), allow_missing=False)
            hits = self._matches(names, body.get("query"))
            post = body.get("post_filter")
            if post:
                hits = [h for h in hits if _compile_query(post, h[0])(h[1], _src_of(h))]
            sort = body.get("sort")
            sort_values: Dict[int, list] = {}
            if sort:
                hits, sort_values = self._sort(hits, sort)
            total = len(hits)
            page = hits[frm:frm + size]
            out_hits = []
            for k, hit in enumerate(page):
                idx, doc_id, d = hit[0], hit[1], hit[2]
                h: Dict[str, Any] = {"_index": idx.name, "_id": doc_id, "_score": None if sort else 1.0}
                if body.get("version"):
                    h["_version"] = d[1]
                if body.get("seq_no_primary_term"):
                    h["_seq_no"], h["_primary_term"] = d[2], 1
                src = self._source_filter(_src_of(hit) if d[0] is not None else None, body.get("_source"))
                if src is not _MISSING:
                    h["_source"] = src
                if sort:
                    h["sort"] = sort_values[id(page[k])]
                out_hits.append(h)
        tth = body.get("track_total_hits", True)
        if isinstance(tth, str):
            tth = {"true": True, "false": False}.get(tth.lower(), tth)
            if isinstance(tth, str):
                tth = int(tth)
        hits_obj: Dict[str, Any] = {}
        if tth is not False:
            limit = _TRACK_TOTAL_HITS_DEFAULT if tth is True and "track_total_hits" not in body else \
                (None if tth is True else int(tth))
            if limit is not None and total > limit:
                hits_obj["total"] = {"value": limit, "relation": "gte"}
            else:
                hits_obj["total"] = {"value": total, "relation": "eq"}
        hits_obj["max_score"] = None if (sort or not out_hits) else 1.0
        hits_obj["hits"] = out_hits
        return 200, {"took": int((time.perf_counter() - t0) * 1000), "timed_out": False,
                     "_shards": {"total": len(names), "successful": len(names), "skipped": 0, "failed": 0},
                     "hits": hits_obj}

    @staticmethod
    def _sort(hits: List[Tuple[_Index, str, list]], sort: Any) -> Tuple[list, Dict[int, list]]:
        if isinstance(sort, str):
            sort = [s for s in sort.split(",") if s]
        if isinstance(sort, dict):
            sort = [sort]
        keys: List[Tuple[str, bool]] = []
        for s in sort:
            if isinstance(s, str):
                f, _, order = s.partition(":")
                keys.append((f, order == "desc" or (not order and f == "_score")))
            elif isinstance(s, dict):
                (f, spec), = s.items()
                order = spec if isinstance(spec, str) else (spec or {}).get("order", "asc")
                keys.append((f, order == "desc"))
        vals: Dict[int, list] = {}
        for h in hits:
            row = []
            for f, _desc in keys:
                if f == "_doc":
                    row.append(h[2][2])
                elif f == "_score":
                    row.append(1.0)
                elif f == "_id":
                    row.append(h[1])
                else:
                    fi, vs = _values(h[0], _src_of(h), f)
                    v = vs[0] if vs else None
                    if v is not None and fi is not None:
                        rk = _range_key(fi, v)
                        v = rk if rk is not None else v
                    row.append(v)
            vals[id(h)] = row
        out = list(hits)
        for pos in range(len(keys) - 1, -1, -1):
            desc = keys[pos][1]
            present = [h for h in out if vals[id(h)][pos] is not None]
            missing = [h for h in out if vals[id(h)][pos] is None]
            try:
                present.sort(key=lambda h: vals[id(h)][pos], reverse=desc)
            except TypeError:
                present.sort(key=lambda h: str(vals[id(h)][pos]), reverse=desc)
            out = present + missing
        return out, vals
