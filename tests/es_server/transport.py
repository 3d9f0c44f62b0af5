"""The HTTP/1.1 layer over TLS: a threading server whose handler reads bodies (Content-Length
or chunked, up to http.max_content_length), decodes Content-Encoding, checks ES 8's media-type
rules and writes responses with ES's headers; it can also abort a connection with no response
(the drop faults). What a request means is EsTestServer._dispatch's business."""
from __future__ import annotations

import gzip
import os
import re
import socket
import socketserver
import ssl
import struct
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Optional, Sequence, Tuple

from .common import _EsError, _RawError

if TYPE_CHECKING:
    from .server import EsTestServer

_JSON_TYPES = ("application/json", "application/x-ndjson", "application/vnd.elasticsearch+json",
               "application/vnd.elasticsearch+x-ndjson")
_STATUS_TEXT = {100: "Continue", 200: "OK", 201: "Created", 400: "Bad Request",
                401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                405: "Method Not Allowed", 406: "Not Acceptable", 408: "Request Timeout",
                409: "Conflict", 413: "Request Entity Too Large", 429: "Too Many Requests",
                500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                504: "Gateway Timeout"}


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



def decode_body(h: _Handler, raw: bytes) -> Tuple[bytes, bool]:
    """(body, compressed): the request body after its Content-Encoding (gzip, deflate)."""
    enc = (h.headers.get("Content-Encoding") or "").strip().lower()
    if enc in ("gzip", "x-gzip", "deflate"):
        try:
            return (gzip.decompress(raw) if enc != "deflate" else zlib.decompress(raw)), True
        except (OSError, zlib.error, EOFError) as e:
            raise _EsError(400, "illegal_argument_exception",
                           f"failed to decompress request body ({enc}): {e}") from None
    if enc not in ("", "identity"):
        raise _EsError(400, "illegal_argument_exception", f"unsupported content encoding [{enc}]")
    return raw, False


def check_content_type(h: _Handler, body: bytes) -> None:
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
