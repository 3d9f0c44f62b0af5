"""A real Apache Kafka cluster (KRaft mode, no ZooKeeper) for tests, run from Maven Central jars.

    from tests.kafka_harness.cluster import KafkaCluster

    with KafkaCluster(nodes=3) as kc:
        kc.create_topic("logs", partitions=3, replication=3)
        produce_to(kc.bootstrap)
        kc.kill(kc.leader_of("logs", 0))      # SIGKILL by default
        kc.restart(1)

Each node is one JVM with ``process.roles=broker,controller`` listening on 127.0.0.1 only.
The broker jars come from ``tests/kafka_harness/pom.xml``: Maven resolves them once into
``~/.m2`` and the classpath is cached in ``build/kafka_harness/classpath.txt`` (keyed by the
pom's hash), so later starts need neither Maven nor the network.

Standard library only. ``confluent_kafka`` (else ``kafka-python``) is used when importable, for
topic creation and a second readiness check; otherwise the harness falls back to the JVM tools
and to its own minimal Kafka Metadata request over a raw socket.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional
from tests.harness_util import (ProcessHarness, Reaper, file_lock, finish_process, pick_free_ports, port_is_free,
                                proc_status_kb, run_maven, signal_process, tail_file, tail_text, write_atomically)
from tests.harness_util import java_major_version as _java_major_version

HARNESS_DIR = Path(__file__).resolve().parent
REPO_ROOT = HARNESS_DIR.parents[1]
POM = HARNESS_DIR / "pom.xml"
CACHE_DIR = Path(os.environ.get("KAFKA_HARNESS_CACHE_DIR", REPO_ROOT / "build" / "kafka_harness"))
CLASSPATH_FILE = CACHE_DIR / "classpath.txt"
CLASSPATH_KEY_FILE = CACHE_DIR / "classpath.key"

SETUP_HINT = "Run scripts/setup.sh (it installs a JRE and Maven and warms the Maven cache)."

DEFAULT_JVM_OPTS = [
    "-Xms64m",
    "-Xmx512m",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-Djava.awt.headless=true",
    "-Djava.net.preferIPv4Stack=true",
]

QUORUM_LOST_GRACE_S = 7.0

_LOG4J = """\
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.clients.admin.AdminClientConfig=WARN
log4j.logger.org.apache.kafka.clients.consumer.ConsumerConfig=WARN
log4j.logger.org.apache.kafka.clients.producer.ProducerConfig=WARN
log4j.logger.org.apache.zookeeper=WARN
"""

_LOG4J_TOOLS = """\
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
"""

# Started beside the cluster; kills the JVMs (and removes the temp dir) if the Python process that
# owns the cluster dies without calling stop() -- e.g. a pytest run killed by a CI timeout.
# Protocol on its stdin: "+PID", "-PID", "rm PATH"; EOF means "the owner is gone".

class KafkaHarnessError(RuntimeError):
    """The harness could not resolve, start or drive the cluster."""


# --------------------------------------------------------------------------------------------
# Tools: Java, Maven, the classpath
# --------------------------------------------------------------------------------------------

def find_java(java: Optional[str] = None) -> str:
    """The java executable: the argument, $KAFKA_HARNESS_JAVA, $JAVA_HOME/bin/java, then PATH."""
    candidates = [java, os.environ.get("KAFKA_HARNESS_JAVA")]
    if os.environ.get("JAVA_HOME"):
        candidates.append(os.path.join(os.environ["JAVA_HOME"], "bin", "java"))
    candidates.append(shutil.which("java"))
    for c in candidates:
        if not c:
            continue
        path = shutil.which(c) if os.sep not in c else (c if os.access(c, os.X_OK) else None)
        if path:
            return path
        if c is java:
            raise KafkaHarnessError(f"java executable {java!r} not found. {SETUP_HINT}")
    raise KafkaHarnessError(f"No Java runtime found (need Java 11+ for Kafka 3.9). {SETUP_HINT}")


def java_major_version(java: str) -> int:
    return _java_major_version(java, KafkaHarnessError, SETUP_HINT)


def find_maven() -> str:
    mvn = os.environ.get("KAFKA_HARNESS_MVN") or shutil.which("mvn")
    if not mvn:
        raise KafkaHarnessError(
            "Maven (mvn) is not installed and the Kafka classpath is not cached yet "
            f"({CLASSPATH_FILE}). {SETUP_HINT}")
    return mvn


def _pom_key() -> str:
    return hashlib.sha256(POM.read_bytes()).hexdigest()


def _cached_classpath() -> Optional[str]:
    try:
        if CLASSPATH_KEY_FILE.read_text().strip() != _pom_key():
            return None
        cp = CLASSPATH_FILE.read_text().strip()
    except OSError:
        return None
    jars = [j for j in cp.split(os.pathsep) if j]
    if not jars or not all(os.path.isfile(j) for j in jars):   # ~/.m2 wiped: resolve again
        return None
    return cp


def resolve_classpath(verbose: bool = False) -> str:
    """The broker classpath; runs Maven only when the cache is missing or the pom changed."""
    cp = _cached_classpath()
    if cp:
        return cp
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    lock_path = CACHE_DIR / ".lock"
    with file_lock(lock_path):
        cp = _cached_classpath()
        if cp:
            return cp
        find_java()                                   # Maven needs it too; clearer message
        mvn = find_maven()
        tmp_out = CACHE_DIR / f"classpath.{os.getpid()}.tmp"
        base = [mvn, "-B", "-q", "-f", str(POM), "dependency:build-classpath",
                f"-Dmdep.outputFile={tmp_out}", "-Dmdep.includeScope=runtime"]
        cp, errors = run_maven(base, tmp_out, HARNESS_DIR, log="kafka_harness: " if verbose else None)
        if cp:
            write_atomically(CLASSPATH_FILE, cp)
            write_atomically(CLASSPATH_KEY_FILE, _pom_key())
            return cp
        raise KafkaHarnessError("Maven could not resolve the Kafka broker jars:\n"
                                + "\n".join(errors) + f"\n{SETUP_HINT}")


def kafka_version(classpath: str) -> str:
    m = re.search(r"kafka_2\.\d+-([0-9][^/:]*?)\.jar", classpath)
    return m.group(1) if m else "unknown"


# --------------------------------------------------------------------------------------------
# A minimal Kafka Metadata request (v5) over a raw socket: no client library needed.
# --------------------------------------------------------------------------------------------

class _Reader:
    def __init__(self, buf: bytes):
        self.buf, self.pos = buf, 0

    def _take(self, fmt: str):
        v = struct.unpack_from(fmt, self.buf, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return v

    def i16(self):
        return self._take(">h")

    def i32(self):
        return self._take(">i")

    def bool(self):
        return self._take(">?")

    def string(self):
        n = self.i16()
        if n < 0:
            return None
        s = self.buf[self.pos:self.pos + n].decode()
        self.pos += n
        return s

    def array(self, item):
        n = self.i32()
        return [] if n < 0 else [item() for _ in range(n)]


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        c = sock.recv(n)
        if not c:
            raise ConnectionError("connection closed by broker")
        chunks.append(c)
        n -= len(c)
    return b"".join(chunks)


def raw_metadata(host: str, port: int, topics: Optional[List[str]] = None,
                 timeout: float = 5.0) -> dict:
    """Send MetadataRequest v5 to one broker; return brokers, controller and topic partitions."""
    client_id = b"kafka-harness"
    header = struct.pack(">hhih", 3, 5, 1, len(client_id)) + client_id
    if topics is None:
        body = struct.pack(">i", -1)
    else:
        body = struct.pack(">i", len(topics))
        for t in topics:
            tb = t.encode()
            body += struct.pack(">h", len(tb)) + tb
    body += struct.pack(">?", False)                  # allow_auto_topic_creation
    msg = header + body
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(struct.pack(">i", len(msg)) + msg)
        size = struct.unpack(">i", _recv_exact(s, 4))[0]
        r = _Reader(_recv_exact(s, size))
    r.i32()                                           # correlation id
    r.i32()                                           # throttle_time_ms
    brokers = r.array(lambda: {"id": r.i32(), "host": r.string(), "port": r.i32(),
                               "rack": r.string()})
    cluster_id = r.string()
    controller = r.i32()

    def partition():
        return {"error": r.i16(), "partition": r.i32(), "leader": r.i32(),
                "replicas": r.array(r.i32), "isr": r.array(r.i32), "offline": r.array(r.i32)}

    def topic():
        return {"error": r.i16(), "name": r.string(), "internal": r.bool(),
                "partitions": r.array(partition)}

    topic_list = r.array(topic)
    return {"brokers": {b["id"]: b for b in brokers}, "cluster_id": cluster_id,
            "controller": controller, "topics": {t["name"]: t for t in topic_list}}


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def new_cluster_id() -> str:
    """A Kafka Uuid as StorageTool's random-uuid prints it (22 base64url chars, no '-' first)."""
    while True:
        s = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not s.startswith("-"):
            return s


def _client_module() -> Optional[str]:
    try:
        import confluent_kafka  # noqa: F401
        return "confluent_kafka"
    except ImportError:
        pass
    try:
        import kafka.admin  # noqa: F401   (kafka-python)
        return "kafka-python"
    except ImportError:
        return None


# --------------------------------------------------------------------------------------------
# The cluster
# --------------------------------------------------------------------------------------------

class KafkaCluster(ProcessHarness):
    """A real KRaft Kafka cluster of ``nodes`` combined broker+controller JVMs on 127.0.0.1.

    ``extra_config`` is merged into every node's server.properties (values override the
    harness defaults, e.g. ``{"auto.create.topics.enable": "false"}``). ``jvm_opts`` replaces
    the default JVM options (512 MiB heap max); $KAFKA_HARNESS_JVM_OPTS is appended. A temporary ``workdir`` is removed by stop();
    one you pass in is kept (set KAFKA_HARNESS_KEEP=1 to keep the temporary one too).
    """

    KEEP_ENV = "KAFKA_HARNESS_KEEP"

    def __init__(self, nodes: int = 1, workdir: Optional[str] = None, java: Optional[str] = None,
                 extra_config: Optional[Dict[str, object]] = None,
                 jvm_opts: Optional[List[str]] = None, verbose: bool = False):
        if nodes < 1:
            raise ValueError("nodes must be >= 1")
        self.nodes = nodes
        self.node_ids = list(range(1, nodes + 1))
        self.extra_config = {k: str(v).lower() if isinstance(v, bool) else str(v)
                             for k, v in (extra_config or {}).items()}
        self.jvm_opts = list(jvm_opts) if jvm_opts is not None else list(DEFAULT_JVM_OPTS)
        # e.g. KAFKA_HARNESS_JVM_OPTS="-XX:TieredStopAtLevel=1" starts 3 nodes faster on 2 cores
        self.jvm_opts += os.environ.get("KAFKA_HARNESS_JVM_OPTS", "").split()
        self.verbose = verbose
        self._java_arg = java
        self._workdir_arg = workdir
        self.workdir: Optional[Path] = None
        self._own_workdir = False
        self.java: Optional[str] = None
        self.classpath: Optional[str] = None
        self.version: Optional[str] = None
        self.cluster_id: Optional[str] = None
        self.broker_ports: Dict[int, int] = {}
        self.controller_ports: Dict[int, int] = {}
        self._procs: Dict[int, subprocess.Popen] = {}
        self._log_files: Dict[int, object] = {}
        self._reaper: Optional[Reaper] = None
        self._lock = threading.RLock()
        self.timings: Dict[str, float] = {}

    # ---- properties ------------------------------------------------------------------------

    @property
    def bootstrap(self) -> str:
        """``127.0.0.1:p1,127.0.0.1:p2,...`` for every node (live or not)."""
        if not self.broker_ports:
            raise KafkaHarnessError("cluster not started")
        return ",".join(f"127.0.0.1:{self.broker_ports[i]}" for i in self.node_ids)

    @property
    def min_insync_replicas(self) -> int:
        return int(self.extra_config.get("min.insync.replicas", 2 if self.nodes >= 3 else 1))

    def node_dir(self, node_id: int) -> Path:
        return self.workdir / f"node-{node_id}"

    def log_path(self, node_id: int) -> Path:
        return self.node_dir(node_id) / "server.log"

    def pid(self, node_id: int) -> Optional[int]:
        p = self._procs.get(node_id)
        return p.pid if p is not None and p.poll() is None else None

    def is_alive(self, node_id: int) -> bool:
        return self.pid(node_id) is not None

    def alive_nodes(self) -> List[int]:
        return [i for i in self.node_ids if self.is_alive(i)]

    # ---- configuration -----------------------------------------------------------------------

    def _server_properties(self, node_id: int) -> Dict[str, str]:
        n = self.nodes
        rf = min(3, n)
        min_isr = 2 if n >= 3 else 1
        voters = ",".join(f"{i}@127.0.0.1:{self.controller_ports[i]}" for i in self.node_ids)
        props = {
            "process.roles": "broker,controller",
            "node.id": node_id,
            "controller.quorum.voters": voters,
            "listeners": f"PLAINTEXT://127.0.0.1:{self.broker_ports[node_id]},"
                         f"CONTROLLER://127.0.0.1:{self.controller_ports[node_id]}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.broker_ports[node_id]}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.node_dir(node_id) / "data"),
            "num.partitions": 1,
            # Auto-created topics must satisfy min.insync.replicas with the default acks=all.
            "default.replication.factor": rf if n >= 3 else 1,
            "min.insync.replicas": min_isr,
            "offsets.topic.replication.factor": rf,
            "offsets.topic.num.partitions": 10,            # default 50: slow first group join
            "transaction.state.log.replication.factor": rf,
            "transaction.state.log.min.isr": min_isr,
            "transaction.state.log.num.partitions": 10,
            "group.initial.rebalance.delay.ms": 0,
            "auto.create.topics.enable": "true",
            "unclean.leader.election.enable": "false",
            # Notice a dead node in ~4 s instead of 9 s (failover tests stay short).
            "broker.heartbeat.interval.ms": 1000,
            "broker.session.timeout.ms": 4000,
            "num.network.threads": 2,
            "num.io.threads": 4,
            "num.recovery.threads.per.data.dir": 1,
            "log.retention.check.interval.ms": 60000,
        }
        props.update(self.extra_config)
        return {k: str(v) for k, v in props.items()}

    def _write_configs(self):
        for i in self.node_ids:
            d = self.node_dir(i)
            (d / "data").mkdir(parents=True, exist_ok=True)
            with open(d / "server.properties", "w") as f:
                f.write(f"# written by tests/kafka_harness for node {i}\n")
                for k, v in self._server_properties(i).items():
                    f.write(f"{k}={v}\n")
        (self.workdir / "log4j.properties").write_text(_LOG4J)
        (self.workdir / "log4j-tools.properties").write_text(_LOG4J_TOOLS)

    def _java_cmd(self, main: str, *args: str, tools: bool = False, heap: Optional[str] = None):
        log4j = self.workdir / ("log4j-tools.properties" if tools else "log4j.properties")
        opts = ([f"-Xmx{heap}", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"] if heap
                else self.jvm_opts)
        return [self.java, *opts, f"-Dlog4j.configuration=file:{log4j}",
                f"-Dkafka.logs.dir={self.workdir}", "-cp", self.classpath, main, *args]

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 90) -> "KafkaCluster":
        """Resolve the jars, format storage, start every node, wait until all brokers serve."""
        with self._lock:
            if self._procs:
                raise KafkaHarnessError("cluster already started")
            t0 = time.monotonic()
            self.java = find_java(self._java_arg)
            major = java_major_version(self.java)
            if major < 11:
                raise KafkaHarnessError(f"{self.java} is Java {major}; Kafka 3.9 needs 11+. "
                                        + SETUP_HINT)
            self.classpath = resolve_classpath(verbose=self.verbose)
            self.version = kafka_version(self.classpath)
            self.timings["classpath_s"] = time.monotonic() - t0

            if self._workdir_arg:
                self.workdir = Path(self._workdir_arg).resolve()
                self.workdir.mkdir(parents=True, exist_ok=True)
                self._own_workdir = False
            else:
                self.workdir = Path(tempfile.mkdtemp(prefix="kafka-harness-"))
                self._own_workdir = True
            self._start_reaper(quiet=True)
            try:
                ports = pick_free_ports(2 * self.nodes, KafkaHarnessError)
                self.broker_ports = dict(zip(self.node_ids, ports[:self.nodes]))
                self.controller_ports = dict(zip(self.node_ids, ports[self.nodes:]))
                self.cluster_id = new_cluster_id()
                self._write_configs()
                t1 = time.monotonic()
                self._format_all()
                self.timings["format_s"] = time.monotonic() - t1
                t2 = time.monotonic()
                for i in self.node_ids:
                    self._spawn(i)
                self._wait_ready(self.node_ids, deadline=t0 + timeout)
                self.timings["boot_s"] = time.monotonic() - t2
                self.timings["start_total_s"] = time.monotonic() - t0
            except BaseException:
                self.stop()
                raise
            if self.verbose:
                print(f"kafka_harness: Kafka {self.version}, {self.nodes} node(s) up at "
                      f"{self.bootstrap} in {self.timings['start_total_s']:.1f}s "
                      f"(workdir {self.workdir})", file=sys.stderr, flush=True)
            return self

    def _format_all(self):
        procs = {}
        for i in self.node_ids:
            cmd = self._java_cmd("kafka.tools.StorageTool", "format", "-t", self.cluster_id,
                                 "-c", str(self.node_dir(i) / "server.properties"),
                                 "--ignore-formatted", tools=True, heap="256m")
            procs[i] = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        failures = []
        for i, p in procs.items():
            try:
                out, _ = p.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                p.kill()
                out, _ = p.communicate()
            if p.returncode != 0:
                failures.append(f"node {i}: exit {p.returncode}\n{tail_text(out, 20)}")
        if failures:
            raise KafkaHarnessError("kafka.tools.StorageTool format failed:\n"
                                    + "\n".join(failures))

    def _spawn(self, node_id: int):
        log = open(self.log_path(node_id), "ab", buffering=0)
        log.write(f"\n===== kafka_harness: starting node {node_id} at "
                  f"{time.strftime('%H:%M:%S')} =====\n".encode())
        old = self._log_files.pop(node_id, None)
        if old:
            old.close()
        self._log_files[node_id] = log
        cmd = self._java_cmd("kafka.Kafka", str(self.node_dir(node_id) / "server.properties"))
        # Own session: Ctrl-C in a terminal reaches Python, which then stops the nodes cleanly.
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             cwd=str(self.node_dir(node_id)), start_new_session=True)
        self._procs[node_id] = p
        self._reaper.add(p.pid)

    def _log_offset(self, node_id: int) -> int:
        try:
            return self.log_path(node_id).stat().st_size
        except OSError:
            return 0

    def _log_has(self, node_id: int, needle: str, since: int = 0) -> bool:
        try:
            with open(self.log_path(node_id), "rb") as f:
                f.seek(since)
                return needle.encode() in f.read()
        except OSError:
            return False

    def _fail(self, message: str, node_ids: List[int]):
        parts = [message]
        for i in node_ids:
            parts.append(f"----- tail of node {i} log ({self.log_path(i)}) -----\n"
                         + tail_file(self.log_path(i), 40))
        text = "\n".join(parts)
        print(text, file=sys.stderr, flush=True)
        raise KafkaHarnessError(text)

    def _wait_ready(self, node_ids: List[int], deadline: float, log_since: Dict[int, int] = None):
        """Until every node in node_ids runs, logs 'Kafka Server started' and every live node's
        metadata lists all live brokers (raw socket), then one client-library check."""
        log_since = log_since or {}
        started = set()
        last_err = "no answer yet"
        while True:
            for i in node_ids:
                p = self._procs[i]
                if p.poll() is not None:
                    self._fail(f"Kafka node {i} exited with code {p.returncode} while starting",
                               [i])
                if i not in started and self._log_has(i, "Kafka Server started",
                                                      log_since.get(i, 0)):
                    started.add(i)
            if len(started) == len(node_ids):
                alive = self.alive_nodes()
                try:
                    ok = True
                    for i in alive:
                        md = raw_metadata("127.0.0.1", self.broker_ports[i], topics=[])
                        if set(md["brokers"]) != set(alive):
                            ok = False
                            last_err = (f"node {i} sees brokers {sorted(md['brokers'])}, "
                                        f"want {alive}")
                            break
                    if ok and self._client_check(alive):
                        return
                except (OSError, struct.error, ConnectionError) as e:
                    last_err = f"metadata request failed: {e!r}"
            if time.monotonic() > deadline:
                self._fail(f"Kafka nodes {node_ids} not ready before the timeout ({last_err})",
                           node_ids)
            time.sleep(0.2)

    def _client_check(self, alive: List[int]) -> bool:
        mod = _client_module()
        bootstrap = ",".join(f"127.0.0.1:{self.broker_ports[i]}" for i in alive)
        try:
            if mod == "confluent_kafka":
                from confluent_kafka.admin import AdminClient
                md = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=5)
                return set(md.brokers) == set(alive)
            if mod == "kafka-python":
                from kafka.admin import KafkaAdminClient
                a = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
                try:
                    return {b["node_id"] for b in a.describe_cluster()["brokers"]} == set(alive)
                finally:
                    a.close()
        except Exception:                              # not ready yet: poll again
            return False
        return True

    def kill(self, node_id: int, sig: int = signal.SIGKILL, timeout: float = 30) -> None:
        """Send ``sig`` to a node (SIGKILL by default). For SIGKILL/SIGTERM/SIGINT wait until it
        exited (SIGTERM: a controlled shutdown; SIGKILL after ``timeout``)."""
        with self._lock:
            p = self._procs.get(node_id)
            if p is None:
                raise KafkaHarnessError(f"no such node {node_id} (nodes are {self.node_ids})")
            if p.poll() is not None:
                return
            signal_process(p, sig)
            if sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):
                finish_process(p, timeout, self._reaper)

    def restart(self, node_id: int, timeout: float = 60) -> None:
        """Stop the node if it runs (SIGTERM, then SIGKILL), start it again on the same ports and
        data dir, and wait until every live node's metadata lists it again."""
        with self._lock:
            if node_id not in self._procs:
                raise KafkaHarnessError(f"no such node {node_id} (nodes are {self.node_ids})")
            if self.is_alive(node_id):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._procs[node_id].pid, signal.SIGCONT)   # in case it was stopped
                self.kill(node_id, signal.SIGTERM, timeout=min(20, timeout / 2))
            since = self._log_offset(node_id)
            deadline = time.monotonic() + timeout
            for _ in range(50):                        # the old socket may linger a moment
                if (port_is_free(self.broker_ports[node_id], reuse=True)
                        and port_is_free(self.controller_ports[node_id], reuse=True)):
                    break
                time.sleep(0.1)
            self._spawn(node_id)
            self._wait_ready([node_id], deadline, log_since={node_id: since})

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM every node, SIGKILL what is left after ``timeout`` s, remove a temp workdir."""
        with self._lock:
            procs = [p for p in self._procs.values() if p.poll() is None]
            for p in procs:
                signal_process(p, signal.SIGCONT, signal.SIGTERM)
            # Trap: when every combined node stops at once, the last one sometimes never
            # finishes (its broker half waits for a controller quorum that is gone). Once fewer
            # than a majority remain, give them QUORUM_LOST_GRACE_S (their Raft resign takes
            # ~5 s), then SIGKILL -- instead of waiting out the whole timeout.
            deadline = time.monotonic() + timeout
            majority = self.nodes // 2 + 1
            quorum_lost_at = None
            while True:
                alive = [p for p in procs if p.poll() is None]
                now = time.monotonic()
                if not alive or now > deadline:
                    break
                if self.nodes > 1 and len(alive) < majority and quorum_lost_at is None:
                    quorum_lost_at = now
                if quorum_lost_at is not None and now - quorum_lost_at > QUORUM_LOST_GRACE_S:
                    break
                time.sleep(0.05)
            for p in self._procs.values():
                finish_process(p, 0, self._reaper)    # what is left: SIGKILL; reaped, forgotten
            self._procs.clear()
            for f in self._log_files.values():
                f.close()
            self._log_files.clear()
            self._release()

    def _started(self) -> bool:
        return bool(self._procs)

    # ---- metadata and topics -----------------------------------------------------------------

    def metadata(self, topics: Optional[List[str]] = None, node_id: Optional[int] = None) -> dict:
        """Raw Metadata (v5) from ``node_id`` or the first live node that answers."""
        order = [node_id] if node_id is not None else self.alive_nodes()
        err: Optional[Exception] = None
        for i in order:
            try:
                return raw_metadata("127.0.0.1", self.broker_ports[i], topics=topics)
            except (OSError, struct.error, ConnectionError) as e:
                err = e
        raise KafkaHarnessError(f"no live node answered a metadata request ({err!r})")

    def partition_info(self, topic: str, partition: int = 0) -> dict:
        """``{"leader", "replicas", "isr", "offline", "error"}`` for one partition."""
        t = self.metadata([topic])["topics"].get(topic)
        if t is None or t["error"] not in (0,):
            raise KafkaHarnessError(f"topic {topic!r} unknown (error {t and t['error']})")
        for p in t["partitions"]:
            if p["partition"] == partition:
                return p
        raise KafkaHarnessError(f"topic {topic!r} has no partition {partition}")

    def leader_of(self, topic: str, partition: int = 0) -> int:
        """Node id of the partition's leader as a live node sees it (-1: none right now)."""
        return self.partition_info(topic, partition)["leader"]

    def wait_for_leader(self, topic: str, partition: int = 0, not_in=(),
                        timeout: float = 60) -> int:
        """Wait until the partition has a leader that is not in ``not_in``; return it."""
        deadline = time.monotonic() + timeout
        leader = -1
        while time.monotonic() < deadline:
            with contextlib.suppress(KafkaHarnessError):
                leader = self.leader_of(topic, partition)
                if leader >= 0 and leader not in not_in:
                    return leader
            time.sleep(0.1)
        raise KafkaHarnessError(f"{topic}[{partition}]: no leader outside {list(not_in)} "
                                f"within {timeout}s (last seen {leader})")

    def wait_for_isr(self, topic: str, partition: int, size: int, timeout: float = 60) -> dict:
        """Wait until the partition has a leader and an ISR of at least ``size`` replicas."""
        deadline = time.monotonic() + timeout
        info: dict = {}
        while time.monotonic() < deadline:
            with contextlib.suppress(KafkaHarnessError):
                info = self.partition_info(topic, partition)
                if info["leader"] >= 0 and len(info["isr"]) >= size:
                    return info
            time.sleep(0.2)
        raise KafkaHarnessError(f"{topic}[{partition}] ISR not {size} within {timeout}s: {info}")

    def create_topic(self, name: str, partitions: int = 1, replication: int = 1,
                     config: Optional[Dict[str, object]] = None, timeout: float = 30) -> None:
        """Create a topic and wait until every live node knows a leader for each partition.

        A topic with fewer replicas than the brokers' min.insync.replicas gets a topic-level
        ``min.insync.replicas`` equal to its replication factor (unless ``config`` sets it),
        so producers with acks=all (librdkafka's default) can write to it."""
        cfg = {k: str(v).lower() if isinstance(v, bool) else str(v)
               for k, v in (config or {}).items()}
        # The tests replay logs from 2023-24 with message timestamp = event time: under the default
        # 7-day time retention Kafka deletes such segments at its next check (docs/PRODUCE.md: replaying
        # old logs). Keep them unless a test says otherwise.
        cfg.setdefault("retention.ms", "-1")
        if "min.insync.replicas" not in cfg and replication < self.min_insync_replicas:
            cfg["min.insync.replicas"] = str(replication)
        mod = _client_module()
        if mod == "confluent_kafka":
            from confluent_kafka import KafkaError, KafkaException
            from confluent_kafka.admin import AdminClient, NewTopic
            admin = AdminClient({"bootstrap.servers": self.bootstrap})
            # A broker restarted by the scenario before may drop the request's connection
            # (_DESTROY_BROKER, _TRANSPORT): ask again; a topic the first try made is there.
            for attempt in range(3):
                futs = admin.create_topics([NewTopic(name, num_partitions=partitions,
                                                     replication_factor=replication, config=cfg)],
                                           operation_timeout=timeout, request_timeout=timeout)
                try:
                    futs[name].result(timeout=timeout)
                    break
                except KafkaException as e:
                    code = e.args[0].code()
                    if attempt > 0 and code == KafkaError.TOPIC_ALREADY_EXISTS:
                        break
                    if attempt == 2 or code not in (KafkaError._DESTROY_BROKER, KafkaError._TRANSPORT,
                                                     KafkaError._TIMED_OUT):
                        raise
                    time.sleep(1)
        elif mod == "kafka-python":
            from kafka.admin import KafkaAdminClient, NewTopic
            admin = KafkaAdminClient(bootstrap_servers=self.bootstrap,
                                     request_timeout_ms=int(timeout * 1000))
            try:
                admin.create_topics([NewTopic(name, partitions, replication,
                                              topic_configs=cfg)],
                                    timeout_ms=int(timeout * 1000))
            finally:
                admin.close()
        else:
            args = ["--bootstrap-server", self.bootstrap, "--create", "--topic", name,
                    "--partitions", str(partitions), "--replication-factor", str(replication)]
            for k, v in cfg.items():
                args += ["--config", f"{k}={v}"]
            self.run_tool("org.apache.kafka.tools.TopicCommand", *args, timeout=timeout + 30)
        self._wait_topic(name, partitions, replication, time.monotonic() + timeout)

    def _wait_topic(self, name: str, partitions: int, replication: int, deadline: float):
        while True:
            ok = True
            for i in self.alive_nodes():
                try:
                    t = raw_metadata("127.0.0.1", self.broker_ports[i], [name])["topics"].get(name)
                except (OSError, struct.error, ConnectionError):
                    ok = False
                    break
                if (t is None or t["error"] != 0 or len(t["partitions"]) != partitions
                        or any(p["leader"] < 0 or len(p["isr"]) < replication
                               for p in t["partitions"])):
                    ok = False
                    break
            if ok:
                return
            if time.monotonic() > deadline:
                raise KafkaHarnessError(f"topic {name!r} not ready on every node in time")
            time.sleep(0.1)

    def run_tool(self, main_class: str, *args: str, timeout: float = 60) -> str:
        """Run a Kafka JVM tool (e.g. org.apache.kafka.tools.TopicCommand) on the broker
        classpath; return its stdout, raise with its output on a non-zero exit."""
        if not self.classpath:
            raise KafkaHarnessError("cluster not started")
        cmd = self._java_cmd(main_class, *args, tools=True, heap="256m")
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise KafkaHarnessError(f"{main_class} {' '.join(args)} failed "
                                    f"(exit {r.returncode}):\n{tail_text(r.stdout + r.stderr, 30)}")
        return r.stdout

    # ---- diagnostics -------------------------------------------------------------------------

    def rss_mb(self) -> Dict[int, float]:
        """Resident memory of each live node's JVM in MiB (Linux /proc)."""
        return {i: proc_status_kb(self.pid(i)) / 1024 for i in self.alive_nodes()}

    def __repr__(self):
        state = f"bootstrap={self.bootstrap}" if self.broker_ports else "not started"
        return f"<KafkaCluster nodes={self.nodes} {state}>"
