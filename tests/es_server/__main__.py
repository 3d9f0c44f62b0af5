"""Run the Elasticsearch-8-compatible test server by hand (Ctrl-C stops it).

    python -m tests.es_server --port 0                 # prints URL, CA path, fingerprint, password
    python -m tests.es_server --port 9200 --password changeme --workdir /tmp/es
    python -m tests.es_server --bench 20               # measure the bulk ceiling for 20 s
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import ssl
import sys
import time

if __package__ in (None, ""):                       # `python tests/es_server` also works
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from tests.es_server.server import EsTestServer
from tests.harness_util import run_until, stop_event


_LOG_DOC = {"@timestamp": "2024-05-01T12:00:00Z", "client": {"ip": "10.1.2.3"},
            "http": {"request": {"method": "GET"},
                     "response": {"status_code": 200, "body": {"bytes": 5120}}},
            "url": {"path": "/index.html"},
            "message": "10.1.2.3 - - [01/May/2024:12:00:00 +0000] \"GET /index.html HTTP/1.1\" "
                       "200 5120 \"-\" \"curl/8.0\""}


def _bench_client(cfg: dict) -> dict:
    """One keep-alive http.client connection posting bulk requests for cfg["seconds"]."""
    import base64
    import gzip as _gzip
    ctx = ssl.create_default_context(cafile=cfg["ca"])
    auth = "Basic " + base64.b64encode(f"{cfg['user']}:{cfg['password']}".encode()).decode()
    src = json.dumps(_LOG_DOC, separators=(",", ":"))
    op, n, w = cfg["op"], cfg["docs"], cfg["worker"]
    conn = http.client.HTTPSConnection("localhost", cfg["port"], context=ctx)
    headers = {"Authorization": auth, "Content-Type": "application/x-ndjson"}
    if cfg["gzip"]:
        headers["Content-Encoding"] = "gzip"
    seq = reqs = 0
    lat = []
    prebuilt = []
    if cfg.get("prebuilt"):
        # the server's ceiling: bodies made up front, re-sent in turn (ids repeat: op must be index)
        for _ in range(8):
            parts = []
            for _ in range(n):
                seq += 1
                parts.append(f'{{"{op}":{{"_index":"bench","_id":"{w}-{seq}"}}}}\n{src}\n')
            b = "".join(parts).encode()
            prebuilt.append(_gzip.compress(b, 1) if cfg["gzip"] else b)
    err = None
    stop_at = time.perf_counter() + cfg["seconds"]
    t0 = time.perf_counter()
    while time.perf_counter() < stop_at:
        if prebuilt:
            body = prebuilt[reqs % len(prebuilt)]
        else:
            parts = []
            for _ in range(n):
                seq += 1
                parts.append(f'{{"{op}":{{"_index":"bench","_id":"{w}-{seq}"}}}}\n{src}\n')
            body = "".join(parts).encode()
            if cfg["gzip"]:
                body = _gzip.compress(body, 1)
        t = time.perf_counter()
        conn.request("POST", "/_bulk", body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        lat.append(time.perf_counter() - t)
        if resp.status != 200 or b'"errors":false' not in data[:64]:
            err = (resp.status, data[:200].decode(errors="replace"))
            break
        reqs += 1
    dt = time.perf_counter() - t0
    conn.close()
    lat.sort()
    return {"requests": reqs, "seconds": dt, "error": err,
            "p50_ms": round(lat[len(lat) // 2] * 1000, 2) if lat else None,
            "p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 2) if lat else None}


def bench(es: EsTestServer, seconds: float = 10.0, docs_per_bulk: int = 500, gzip_body: bool = False,
          op: str = "create", clients: int = 1, prebuilt: bool = False) -> dict:
    """Bulk throughput of ``es`` from ``clients`` keep-alive http.client connections, each in its
    own process (so the client does not share the server's GIL)."""
    import subprocess
    procs = []
    for w in range(clients):
        cfg = {"port": es.port, "ca": es.ca_path, "user": es.user, "password": es.password,
               "seconds": seconds, "docs": docs_per_bulk, "gzip": gzip_body,
               "op": "index" if prebuilt else op, "worker": w, "prebuilt": prebuilt}
        procs.append(subprocess.Popen([sys.executable, os.path.abspath(__file__), "--bench-client",
                                       json.dumps(cfg)], stdout=subprocess.PIPE, text=True))
    results = [json.loads(p.communicate()[0]) for p in procs]
    reqs = sum(r["requests"] for r in results)
    dt = max(r["seconds"] for r in results)
    return {"seconds": round(dt, 2), "clients": clients, "docs_per_bulk": docs_per_bulk,
            "gzip": gzip_body, "op": "index" if prebuilt else op, "prebuilt": prebuilt,
            "validate": es.validate_documents, "bulk_requests": reqs, "bulk_per_s": round(reqs / dt, 1),
            "docs_per_s": round(reqs * docs_per_bulk / dt), "connections": es.connections,
            "p50_ms": results[0]["p50_ms"], "p99_ms": results[0]["p99_ms"],
            "errors": [r["error"] for r in results if r["error"]]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.es_server",
                                 description="Elasticsearch-8-compatible HTTPS test server on 127.0.0.1.")
    ap.add_argument("--port", type=int, default=0, help="0: a free port (default)")
    ap.add_argument("--user", default="elastic")
    ap.add_argument("--password", help="default: generated")
    ap.add_argument("--api-key", action="append", default=[], metavar="ID:KEY",
                    help="accept this API key (repeatable)")
    ap.add_argument("--workdir", help="where http_ca.crt goes (default: a temp dir, removed)")
    ap.add_argument("--mapper-parsing-exception", action="store_true",
                    help="report mapping errors as mapper_parsing_exception (ES < 8.8)")
    ap.add_argument("--no-sources", action="store_true", help="do not keep document sources")
    ap.add_argument("--no-validate", action="store_true",
                    help="benchmark mode: store sources unparsed (no mapping checks)")
    ap.add_argument("--verbose", "-v", action="store_true", help="log every request")
    ap.add_argument("--bench", type=float, metavar="SECONDS",
                    help="measure bulk throughput against a fresh server, then exit")
    ap.add_argument("--bench-clients", type=int, default=1)
    ap.add_argument("--bench-docs", type=int, default=500)
    ap.add_argument("--bench-gzip", action="store_true")
    ap.add_argument("--bench-op", default="create", choices=["create", "index"])
    ap.add_argument("--bench-prebuilt", action="store_true",
                    help="client re-sends 8 prebuilt bodies (op index): measures the server, not the client")
    ap.add_argument("--bench-client", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.bench_client:
        print(json.dumps(_bench_client(json.loads(args.bench_client))), flush=True)
        return 0

    es = EsTestServer(user=args.user, password=args.password, api_keys=args.api_key,
                      workdir=args.workdir, port=args.port, verbose=args.verbose,
                      keep_sources=not args.no_sources, validate_documents=not args.no_validate,
                      mapping_error_type=("mapper_parsing_exception" if args.mapper_parsing_exception
                                          else "document_parsing_exception"))
    es.start()
    try:
        if args.bench:
            print(json.dumps(bench(es, args.bench, args.bench_docs, args.bench_gzip,
                                   op=args.bench_op, clients=args.bench_clients,
                                   prebuilt=args.bench_prebuilt)), flush=True)
            return 0
        print(f"ES_URL={es.url}")
        print(f"ES_USER={es.user}")
        print(f"ES_PASSWORD={es.password}")
        print(f"ES_CA_CERT={es.ca_path}")
        print(f"ES_CA_FINGERPRINT={es.ca_fingerprint}")
        for k in args.api_key:
            print(f"ES_API_KEY={es.add_api_key(k)}")
        print(f"# curl --cacert {es.ca_path} -u {es.user}:{es.password} {es.url}/", flush=True)
        print("# Ctrl-C stops", flush=True)
        run_until(stop_event())
        return 0
    finally:
        es.stop()


if __name__ == "__main__":
    sys.exit(main())
