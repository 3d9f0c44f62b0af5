"""Documents: the bulk API (ES 8's action-line rules, item results and item errors: 409
conflicts, mapping errors, injected per-item failures, 403 for read-only principals), the
single-document index/get, ``_mget`` (the consumer's check of a 409's stored document),
``_refresh`` and ``_count``. Sources are kept as the bytes the client sent."""
from __future__ import annotations

import copy
import json
import random
import re
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

from .auth import _Principal
from .common import _Ctx, _dumps, _es_uuid, _EsError, _index_not_found, _json_body, _load, _parse_error_body
from .faults import _ITEM_ERRORS
from .mappings import _deep_merge, _fast_ok, _Field, _Index, validate_doc

# {"create":{"_index":"x","_id":"y"}} and its variants without escapes (else: json.loads)
_SIMPLE_ACTION_RE = re.compile(
    rb'^\s*\{\s*"(index|create|delete)"\s*:\s*\{\s*'
    rb'(?:"_index"\s*:\s*"([^"\\]*)"\s*(?:,\s*(?="_id")|(?=\})))?'
    rb'(?:"_id"\s*:\s*"([^"\\]*)"\s*)?\}\s*\}\s*$')


class DocumentsMixin:
    """EsTestServer's document store (indices made by IndicesMixin)."""
    _lock: threading.RLock
    _counters: Dict[str, int]
    _indices: Dict[str, _Index]
    _item_fail: Optional[Tuple[float, int, random.Random]]
    _reject_fields: Dict[str, _Field]
    mapping_error_type: str
    dynamic_mapping: bool
    keep_sources: bool
    validate_documents: bool

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
            else:
                op, meta = self._parse_action(line, i)
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

    @classmethod
    def _parse_action(cls, line: bytes, i: int) -> Tuple[str, dict]:
        """(op, metadata) of an action line that needs a JSON parser, with ES's errors for line ``i``."""
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
            if k not in cls._META_KEYS:
                raise _EsError(400, "illegal_argument_exception",
                               f"Action/metadata line [{i}] contains an unknown parameter [{k}]")
        return op, meta

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
        idx = self._indices.get(index)
        if idx is None:
            # ES auto-creates for update (upsert); a delete on a missing index is a 404 item.
            if op == "delete":
                return self._item_error(index, doc_id, 404, _index_not_found(index).cause)
            idx = self._new_index(index)
        if op == "delete":
            return self._delete(idx, doc_id, meta)
        if not self.validate_documents and op != "update" and src is not None and \
                src.lstrip()[:1] == b"{" and not self._reject_fields:
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
        if obj is not None and (self._reject_fields or not _fast_ok(idx.fast, idx.fast_objects, obj, "")):
            err, additions = validate_doc(idx, doc_id, obj, raw, dynamic=self.dynamic_mapping,
                                          error_type=self.mapping_error_type, reject=self._reject_fields,
                                          counters=self._counters)
            if err is not None:
                return self._item_error(idx.name, doc_id, 400, err)
            self._apply_additions(idx, additions)
        seq = idx.seq_no
        idx.seq_no += 1
        # sources are kept as the bytes the client sent (what ES returns as _source); bytes and
        # all-atomic tuples are not tracked by the cyclic GC, so millions of docs stay cheap
        src = (raw if raw else _dumps(obj)) if self.keep_sources else None
        if cur is not None:
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

    # single documents

    def _doc_write(self, ctx: _Ctx) -> Tuple[int, Any]:
        """``PUT|POST /{index}/_doc[/{id}]``: one document, the bulk item's answer or its error."""
        index, doc_id = ctx.params["index"], ctx.params.get("id")
        op = "create" if ctx.query.get("op_type") == "create" else "index"
        if not ctx.body:
            raise _parse_error_body("request body is required")
        with self._lock:
            res = self._write(op, index, {} if doc_id is None else {"_id": doc_id}, ctx.body, ctx.principal,
                              single=True)
        if "error" in res:
            err = res["error"]
            raise _EsError(res["status"], err["type"], err["reason"],
                           caused_by=err.get("caused_by"),
                           **{k: v for k, v in err.items() if k not in ("type", "reason", "caused_by")})
        status = res.pop("status")
        return status, res

    def _doc_get(self, ctx: _Ctx) -> Tuple[int, Any]:
        name, doc_id = ctx.params["index"], ctx.params["id"]
        with self._lock:
            idx = self._indices.get(name)
            if idx is None:
                raise _index_not_found(name)
            d = idx.docs.get(doc_id)
            if d is None:
                return 404, {"_index": idx.name, "_id": doc_id, "found": False}
            return 200, {"_index": idx.name, "_id": doc_id, "_version": d[1], "_seq_no": d[2],
                         "_primary_term": 1, "found": True, "_source": _load(d[0])}

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
                idx = self._indices.get(name)
                d = idx.docs.get(doc_id) if idx is not None else None
                if d is None:
                    out.append({"_index": name, "_id": doc_id, "found": False})
                else:
                    out.append({"_index": idx.name, "_id": doc_id, "_version": d[1], "_seq_no": d[2],
                                "_primary_term": 1, "found": True, "_source": _load(d[0])})
        return 200, {"docs": out}

    # refresh, count

    def _refresh(self, ctx: _Ctx) -> Tuple[int, Any]:
        with self._lock:
            names = self._resolve(ctx.params.get("index", "_all"), allow_missing=False)
            total = sum(1 + self._indices[n].replicas() for n in names)
        return 200, {"_shards": {"total": total, "successful": len(names), "failed": 0}}


    def _count(self, ctx: _Ctx) -> Tuple[int, Any]:
        """Documents in the indices; queries are the real search engine's business (tests/search_harness)."""
        body = _json_body(ctx) if ctx.body else {}
        query = body.pop("query", None)
        if body or "q" in ctx.query:
            raise _EsError(400, "parsing_exception", f"request does not support [{next(iter(body), 'q')}]",
                           line=1, col=2)
        if query not in (None, {}, {"match_all": {}}):
            raise _EsError(400, "parsing_exception", "EsTestServer counts all documents only: no queries "
                                                     "(use the real search engine, tests/search_harness)")
        with self._lock:
            names = self._resolve(ctx.params.get("index", "_all"), allow_missing=False)
            count = sum(len(self._indices[n].docs) for n in names)
        return 200, {"count": count, "_shards": {"total": len(names), "successful": len(names),
                                                  "skipped": 0, "failed": 0}}
