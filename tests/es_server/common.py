"""What every part of the test server shares: ES 8.12's version document and limits, JSON
helpers, ES-shaped errors and the per-request context handed to endpoint handlers."""
from __future__ import annotations

import base64
import json
import os
from typing import Any, Optional, Sequence, Tuple

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
_MAX_CONTENT_LENGTH = 100 * 1024 * 1024        # http.max_content_length
_FIELD_LIMIT = 1000                            # index.mapping.total_fields.limit


def _dumps(obj: Any, pretty: bool = False) -> bytes:
    if pretty:
        return json.dumps(obj, indent=2, ensure_ascii=False).encode("utf-8")
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _load(raw: Optional[bytes]) -> Any:
    """A stored _source (bytes as sent) -> a fresh Python object (None stays None)."""
    return None if raw is None else json.loads(raw)


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


class _Ctx:
    """One request as an endpoint handler sees it (``params`` from the route's placeholders)."""
    __slots__ = ("method", "raw_path", "path", "segs", "params", "query", "body", "principal",
                 "headers", "record", "pretty")


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
