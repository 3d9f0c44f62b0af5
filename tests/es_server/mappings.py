"""Mappings: an index's fields and objects, ES's value checks per field type (with its exact
``caused_by`` reasons), dynamic mapping of new fields and the whole-document check a bulk item
gets (``validate_doc``). Search semantics of the types are the real engine's business
(tests/search_harness); here only what decides whether ES 8 accepts a document, and how it says no."""
from __future__ import annotations

import copy
import datetime as _dt
import ipaddress
import json
import math
import re
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .common import _FIELD_LIMIT, _INDEX_VERSION_CREATED, _es_uuid

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


def _detect_dynamic_type(v: Any, date_detection: bool, date_formats: Sequence[str]) -> str:
    """The ES type dynamic mapping gives a new field for its first value."""
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "long"
    if isinstance(v, float):
        return "float"
    if isinstance(v, dict):
        return "object"
    if isinstance(v, str) and date_detection and v:
        for fmt in date_formats:
            r = _parse_date(v, fmt)
            # detection needs at least yyyy-MM-dd / yyyy/MM/dd, never a bare number
            if r is not None and r is not ... and not v.lstrip("+-").isdigit() and len(v) >= 10:
                return "date"
    return "text"


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

    def __init__(self, name: str, settings: dict, mappings: dict, aliases: dict):
        self.name = name
        self.uuid = _es_uuid()
        self.created = int(time.time() * 1000)
        self.settings: Dict[str, Any] = {"index.number_of_shards": "1", "index.number_of_replicas": "1"}
        self.settings.update(_flatten_settings(settings))
        self.aliases = copy.deepcopy(aliases or {})
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


def validate_doc(idx: _Index, doc_id: str, obj: dict, raw: bytes, *, dynamic: bool, error_type: str,
                 reject: Dict[str, _Field], counters: Dict[str, int]
                 ) -> Tuple[Optional[dict], List[Tuple[str, dict]]]:
    """(error, new dynamic mappings) for a document against idx's mapping: ES 8's item error
    (``error_type``: document_parsing_exception, or mapper_parsing_exception before 8.8) or
    strict_dynamic_mapping_exception. ``reject``: field types enforced on top of mappings;
    ``dynamic``: new fields are mapped unless the mapping says otherwise."""
    new_fields: Dict[str, _Field] = {}
    new_objects: Dict[str, dict] = {}
    additions: List[Tuple[str, dict]] = []
    m = idx.mappings
    root_dyn = str(m.get("dynamic", "true" if dynamic else "false")).lower()
    date_detection = m.get("date_detection", True)
    date_formats = m.get("dynamic_date_formats", ["strict_date_optional_time", "yyyy/MM/dd HH:mm:ss Z||yyyy/MM/dd Z"])
    etype = error_type

    def field_error(path: str, f: _Field, v: Any, cause: dict) -> _DocError:
        counters["mapping_errors"] += 1
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
                counters["mapping_errors"] += 1
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
            counters["mapping_errors"] += 1
            raise _DocError("strict_dynamic_mapping_exception",
                            f"[1:{_value_col(raw, leaf)}] mapping set to strict, dynamic introduction "
                            f"of [{leaf}] within [{parent}] is not allowed")
        if dyn in ("false", "runtime"):
            return
        default = _detect_dynamic_type(v, date_detection, date_formats)
        if isinstance(v, dict):
            new_objects[path] = {}
            additions.append((path, {"type": "object"}))
            return
        if default == "text":
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
                counters["mapping_errors"] += 1
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
                        counters["mapping_errors"] += 1
                        raise _DocError(etype, f"[1:{_value_col(raw, k)}] Could not dynamically add mapping "
                                               f"for field [{path}]. Existing mapping for [{sub}] must be of "
                                               f"type object but found [{idx.fields[sub].type}].")
                    if sub not in idx.objects and sub not in new_objects and sub not in new_fields:
                        if dyn_of(sub) == "strict":
                            counters["mapping_errors"] += 1
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
            counters["mapping_errors"] += 1
            reason = f"Limit of total fields [{limit}] has been exceeded while adding new fields [{nnew}]"
            return {"type": etype, "reason": f"[1:{len(raw)}] failed to parse: {reason}",
                    "caused_by": {"type": "illegal_argument_exception", "reason": reason}}, []
    return None, additions
