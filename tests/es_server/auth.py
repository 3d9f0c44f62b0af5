"""Who may do what: the superuser and read-only users (HTTP Basic), API keys (``ApiKey``
header, ES's base64 ``id:key``), ES 8's 401 bodies with ``WWW-Authenticate`` and the 403
``security_exception`` a read-only principal gets on writes."""
from __future__ import annotations

import base64
import secrets
import threading
from typing import Any, Dict, List, Optional, Tuple, Union

from .common import _Ctx, _es_uuid, _EsError

_WWW_AUTHENTICATE = ['Basic realm="security", charset="UTF-8"', 'Bearer realm="security"', "ApiKey"]


class _Principal:
    __slots__ = ("name", "can_write", "roles", "kind")

    def __init__(self, name: str, can_write: bool, roles: List[str], kind: str):
        self.name, self.can_write, self.roles, self.kind = name, can_write, roles, kind


class AuthMixin:
    """EsTestServer's users and API keys (state made in EsTestServer.__init__)."""
    _lock: threading.RLock
    _counters: Dict[str, int]
    _users: Dict[str, Tuple[str, bool, List[str]]]
    _api_keys: Dict[str, Tuple[str, str, bool]]
    user: str

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

    def _authenticate(self, h: Any, uri: str) -> _Principal:
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

