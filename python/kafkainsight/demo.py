"""`kafkainsight demo`: the main job end to end, on embedded defaults.

generate (six formats, an incident, three bad lines) -> `kafkainsight broker` (the embedded Kafka
broker, its own process) -> produce (C++) -> a real search engine started here (OpenSearch behind
nginx: TLS with a CA generated at start, written as certificates/http_ca.crt, basic auth with a
generated ELASTIC_PASSWORD written to a mode-600 .env) -> `kafkainsight consume` (a real consumer
group, reading that .env) -> a search back through the official `elasticsearch` client ->
`kafkainsight watch --logs` -> `kafkainsight report` -> one line accounting for every input line.

Without Java, Maven or nginx (or when the engine does not start) it says so and runs the Kafka-only
path. ``--keep`` leaves broker and engine running (state in ``.kafkainsight-demo.json``;
``kafkainsight demo --stop`` ends them); without it everything started is stopped and the
temporary data removed.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ._version import __version__

FORMATS = ("apache_common", "apache_combined", "apache_error", "rfc3164", "rfc5424", "json")
BAD_LINES = ("this is not a log line", "<999>bad priority", '{"json": "truncated"')
START = 1700000000                       # event time of the first generated line (2023-11-14 22:13:20 UTC)
INCIDENT_SECONDS, INCIDENT_PER_SECOND = 60, 4
INCIDENT_CLIENT = "203.0.113.7"          # TEST-NET-3: a documentation address
ENV_MARK = "# written by kafkainsight demo"
CA_ORG = "KafkaInsight demo"
STATE_FILE = ".kafkainsight-demo.json"
GROUP, INDEX = "kafkainsight-demo", "kafkainsight-demo"
ENGINE_TIMEOUT = 300.0


def _say(msg: str = "") -> None:
    print(msg, flush=True)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "kafkainsight", *args]


# ----------------------------------------------------------------------------- 1. the logs

def _incident_lines(second0: int, seed: int) -> list[str]:
    """INCIDENT_SECONDS of apache_combined traffic from second0, INCIDENT_PER_SECOND a second:
    every response a 503, and one client (INCIDENT_CLIENT) hammering with 401s."""
    from .generate import generate_lines
    lines = generate_lines("apache_combined", INCIDENT_SECONDS * INCIDENT_PER_SECOND, seed=seed + 1,
                           start=second0, sleep=1.0 / INCIDENT_PER_SECOND)
    out = []
    for i, line in enumerate(lines):
        status = "401" if i % 4 == 0 else "503"
        ip = INCIDENT_CLIENT if status == "401" else line.split(" ", 1)[0]
        out.append(re.sub(r'^\S+( .*?\] "[^"]*") \d{3} ', lambda m: f"{ip}{m.group(1)} {status} ", line, count=1))
    return out


def generate_logs(workdir: Path, lines: int, seed: int) -> tuple[list[str], int, int]:
    """The six formats (one line a second of event time from START), an incident spliced into
    apache_combined in event-time order, three bad lines. Returns (files, total lines, incident start)."""
    from .generate import generate, generate_lines
    files = []
    incident_at = START + lines // 2
    for fmt in FORMATS:
        path = workdir / f"{fmt}.log"
        if fmt == "apache_combined":
            normal = generate_lines(fmt, lines, seed=seed, start=START, sleep=1)
            burst = _incident_lines(incident_at, seed)
            k = lines // 2
            merged = normal[:k]
            for s in range(INCIDENT_SECONDS):   # the normal line of each second, then the burst's
                if k + s < lines:
                    merged.append(normal[k + s])
                merged += burst[s * INCIDENT_PER_SECOND:(s + 1) * INCIDENT_PER_SECOND]
            merged += normal[k + INCIDENT_SECONDS:]
            path.write_text("\n".join(merged) + "\n", encoding="utf-8")
        else:
            generate(fmt, lines, output=str(path), type="log", seed=seed, sleep="1s", start=START)
        files.append(str(path))
    # Lines no parser accepts: they must reach the dead-letter topic, not vanish.
    with open(files[0], "a", encoding="utf-8") as f:
        f.write("\n".join(BAD_LINES) + "\n")
    total = lines * len(FORMATS) + INCIDENT_SECONDS * INCIDENT_PER_SECOND + len(BAD_LINES)
    return files, total, incident_at


# ----------------------------------------------------------------------------- processes

def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _alive(pid: int, token: str) -> bool:
    """Still the process we started (its command line holds ``token``), not a reused pid."""
    return token in _cmdline(pid)


def stop_pid(pid: int, token: str, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
    """Stop the process group of a process we started (and may no longer be the parent of)."""
    if not _alive(pid, token):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
    deadline = time.monotonic() + timeout
    while _alive(pid, token) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)          # our child: reap it
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)           # stragglers (nginx workers) go with the group


class BrokerProcess:
    """`kafkainsight broker` in its own process (and session, so --keep can leave it running)."""

    def __init__(self, workdir: Path, topics: dict[str, int], detach: bool, rm: Path | None = None):
        self.log_path = workdir / "broker.log"
        args = []
        for name, parts in topics.items():
            args += ["--topic", f"{name}:{parts}"]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(_cli("broker", *args), stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.reaper = None
        if not detach:
            from .sandbox._proc import Reaper
            # Kills the broker and removes the temporary work dir if the demo dies (even by SIGKILL).
            self.reaper = Reaper(rm=str(rm) if rm else None, quiet=True)
            self.reaper.add(self.proc.pid)
        self.bootstrap = self._wait_bootstrap(60.0)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _wait_bootstrap(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(r"^export KAFKA_BOOTSTRAP_SERVERS=(\S+)$", self.log_path.read_text(errors="replace"), re.M)
            if m:
                return m.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the embedded broker did not start: {self.log_path.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.reaper is not None:
            self.reaper.forget(self.proc.pid)
            self.reaper.close()
            self.reaper = None


def _run_child(cmd: list[str], env: dict, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(cwd), timeout=timeout,
                          stdin=subprocess.DEVNULL)


def _child_env() -> dict:
    """The environment of the commands the demo runs: without the settings' variables (a
    KAFKA_BOOTSTRAP_SERVERS or ELASTICSEARCH_URL of the user's shell would beat the demo's .env)."""
    from .config import SETTINGS
    names = {v.env for s in SETTINGS for c in s.commands for v in [s.for_command(c)] if v.env}
    return {k: v for k, v in os.environ.items() if k not in names}


def _kv(summary: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"\b([a-z_]+)=(\d+)\b", summary)}


# ----------------------------------------------------------------------------- .env and the CA

def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        os.fchmod(f.fileno(), 0o600)             # an existing file keeps its mode otherwise
        f.write(text)


def _is_demo_env(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.readline().startswith(ENV_MARK)
    except OSError:
        return False


def _is_demo_ca(path: Path) -> bool:
    try:
        r = subprocess.run(["openssl", "x509", "-noout", "-subject", "-in", str(path)], capture_output=True,
                           text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0 and f"O = {CA_ORG}," in r.stdout


def _place(path: Path, is_ours, alt_name: str) -> tuple[Path, str]:
    """Where the demo's copy goes: ``path`` unless a file there is the user's (kept; then alt_name
    next to it). Returns (the path, a note for the user or '')."""
    if path.exists() and not is_ours(path):
        alt = path.with_name(alt_name)
        return alt, f"{path} exists and is not the demo's: kept; the demo's is {alt}"
    return path, ""


# ----------------------------------------------------------------------------- the state of --keep

def _state_path(home: Path) -> Path:
    return home / STATE_FILE


def _remove(files: list[str], dirs: list[str], say: bool = False) -> None:
    """The .env and CA the demo wrote, and the directories it made for them if now empty."""
    for f in files:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f)
            if say:
                _say(f"removed {f}")
    for d in dirs:
        with contextlib.suppress(OSError):
            os.rmdir(d)                           # only when empty


def stop_kept(home: Path) -> int:
    """`kafkainsight demo --stop`: end what a `--keep` demo left running, remove its data."""
    sp = _state_path(home)
    if not sp.is_file():
        print(f"kafkainsight demo: nothing to stop ({sp} not found)", file=sys.stderr)
        return 1
    st = json.loads(sp.read_text())
    for p in st["processes"]:
        stop_pid(p["pid"], p["token"], getattr(signal, p.get("signal", "SIGTERM")))
        _say(f"stopped {p['what']} (pid {p['pid']})")
    _remove(st.get("written", []), st.get("made_dirs", []), say=True)
    if st.get("temporary"):
        shutil.rmtree(st["workdir"], ignore_errors=True)
        _say(f"removed {st['workdir']}")
    sp.unlink()
    return 0


# ----------------------------------------------------------------------------- the run

class Demo:
    def __init__(self, a: argparse.Namespace):
        self.a = a
        self.home = Path.cwd()
        self.temporary = not a.workdir
        self.workdir = Path(a.workdir or tempfile.mkdtemp(prefix="kafkainsight-demo-")).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.broker: BrokerProcess | None = None
        self.engine = None
        self.engine_error = ""
        self.written: list[str] = []          # .env and CA the demo wrote (removed when it stops them)
        self.notes: list[str] = []
        self.made_dirs: list[str] = []        # certificates/ when it was not there (removed when empty)
        self.t0 = time.perf_counter()

    # -- the search engine, started in a thread while the logs are generated and produced
    def _start_engine(self) -> None:
        from .sandbox.search import SearchEngine, SearchHarnessError
        try:
            se = SearchEngine(workdir=str(self.workdir / "engine"), java=self.a.java, heap=self.a.engine_heap,
                              detach=self.a.keep, org=CA_ORG)
            self.engine = se
            se.start(timeout=ENGINE_TIMEOUT)
        except (SearchHarnessError, OSError) as e:
            self.engine_error = str(e)
            self.engine = None

    def run(self) -> int:
        a = self.a
        _say(f"KafkaInsight {__version__} demo (work dir {self.workdir})")
        engine_thread = threading.Thread(target=self._start_engine, name="search-engine", daemon=True)
        engine_thread.start()
        kept = False
        try:
            ok = self._pipeline(engine_thread)
            if a.keep:
                self._keep()
                kept = True
            return 0 if ok else 1
        finally:
            if not kept:
                self._cleanup(engine_thread)

    def _pipeline(self, engine_thread: threading.Thread) -> bool:
        a = self.a
        t = time.perf_counter()
        files, total, incident_at = generate_logs(self.workdir, a.lines, a.seed)
        incident = INCIDENT_SECONDS * INCIDENT_PER_SECOND
        _say(f"1. generated {a.lines:,} lines in each of {len(FORMATS)} formats, an incident ({incident} lines "
             f"in {INCIDENT_SECONDS}s: 503s, and 401s from {INCIDENT_CLIENT}) and {len(BAD_LINES)} bad lines: "
             f"{total:,} lines in {time.perf_counter() - t:.2f}s")

        dlq_topic = f"{a.topic}.dlq"
        self.broker = BrokerProcess(self.workdir, {a.topic: a.partitions, dlq_topic: 1}, detach=a.keep,
                                    rm=self.workdir if self.temporary else None)
        bootstrap = self.broker.bootstrap
        _say(f"2. embedded broker: `kafkainsight broker` (pid {self.broker.pid}) at {bootstrap}")

        from .kafka import Producer, count_topic
        # Spread lines evenly: each embedded partition keeps only ~5 MB, and librdkafka's sticky
        # partitioner would pile a burst like this onto a few partitions.
        with Producer(bootstrap, a.topic, {"sticky.partitioning.linger.ms": "0"}, schema=a.schema,
                      year=2023) as producer:
            st = producer.produce_file(files)
        _say(f"3. produced (parse + encode + acks=all, in C++): {st.summary()}")
        for fmt, n in sorted(st.by_format.items()):
            _say(f"     {fmt:16s} {n:>9,}")
        dlq = count_topic(bootstrap, dlq_topic, keep=len(BAD_LINES))
        for m in dlq["kept"]:
            _say(f"   dead-lettered line {m['headers']['ki.line'].decode()}: {m['value'].decode()!r} "
                 f"<- {m['headers']['ki.error.reason'].decode()}")
        produced_ok = (st.read == total and st.balanced and st.failed_delivery == 0
                       and dlq["messages"] == st.dead_lettered)

        if engine_thread.is_alive():
            se = self.engine
            first = se is not None and se.classpath is None   # still resolving: Maven on first use
            _say("   (waiting for the search engine to start" +
                 (": its first use, Maven fetches its jars (about 100 MB, cached) ...)" if first else " ...)"))
        engine_thread.join()
        env = _child_env()
        if self.engine is None:
            reason = self.engine_error.strip().splitlines() or ["unknown error"]
            _say(f"4. search engine: NOT started: {reason[0]}")
            for line in reason[1:12]:
                _say(f"     {line}")
            _say("   (the search engine needs Java 17+, Maven or its cache, nginx and openssl: scripts/setup.sh "
                 "installs and fetches them)")
            _say("   skipped: consume into the search engine and the search; the Kafka-only path follows "
                 "(the topic read back)")
            main = count_topic(bootstrap, a.topic, keep=1)
            _say(f"5. read back: {main['messages']:,} documents in {a.topic}, {dlq['messages']} in {dlq_topic}")
            if main["kept"]:
                _say("   first document: " + main["kept"][0]["value"].decode())
            tools_ok = self._alerts_and_report(files, env, incident_at, first_step=6)
            ok = produced_ok and main["messages"] == st.produced and st.produced + st.dead_lettered == total
            tail = (f"{main['messages']:,} documents in Kafka topic {a.topic}, {st.dead_lettered} dead-lettered "
                    f"(search engine skipped: {reason[0][:160]})")
            self._result(ok, tools_ok, total, tail)
            return ok and tools_ok

        se = self.engine
        env_path, ca_path = self._write_env_and_ca(bootstrap)
        _say(f"4. search engine: {se.engine_name} {se.engine_version} (Java {se.java_major}) at {se.url}, "
             f"started in {se.timings['start_total_s']:.1f}s; TLS verified against {ca_path.relative_to(self.home)} "
             f"(CA generated at start), user {se.user}, ELASTIC_PASSWORD in {env_path.relative_to(self.home)} "
             f"(mode 600)")
        for note in self.notes:
            _say(f"   note: {note}")

        env_arg = str(env_path.relative_to(self.home))
        cmd = ["consume", "--env-file", env_arg, "--stop-at-end", "-X", "session.timeout.ms=6000"]
        t = time.perf_counter()
        r = _run_child(_cli(*cmd), env, self.home)
        summary = [l for l in r.stderr.splitlines() if "consumed=" in l]
        cs = _kv(summary[-1]) if summary else {}
        _say(f"5. consumed: `kafkainsight {' '.join(cmd)}` (group {GROUP}, index {INDEX}) in "
             f"{time.perf_counter() - t:.1f}s, exit {r.returncode}")
        for line in r.stderr.strip().splitlines():
            if not line.startswith("["):         # its summary and errors, not the log of assignments
                _say(f"     {line.strip()}")

        count = self._search(se, ca_path, incident_at)
        tools_ok = self._alerts_and_report(files, env, incident_at, first_step=7)
        cons_dlq = cs.get("dead_lettered", 0)
        ok = (produced_ok and r.returncode == 0 and cs.get("consumed") == st.produced
              and count == cs.get("indexed") and count + cons_dlq + st.dead_lettered == total)
        tail = (f"{count:,} documents searchable in {se.engine_name} {se.engine_version}, "
                f"{st.dead_lettered + cons_dlq} dead-lettered")
        if not ok:
            tail += (f" (read {st.read:,}, produced {st.produced:,}, consumed {cs.get('consumed')}, "
                     f"indexed {cs.get('indexed')}, rejected by the engine {cons_dlq}, _count {count:,})")
        self._result(ok, tools_ok, total, tail)
        return ok and tools_ok

    def _write_env_and_ca(self, bootstrap: str) -> tuple[Path, Path]:
        se = self.engine
        certs = self.home / "certificates"
        if not certs.is_dir():
            certs.mkdir()
            self.made_dirs.append(str(certs))
        ca_path, note = _place(certs / "http_ca.crt", _is_demo_ca, "http_ca.demo.crt")
        if note:
            self.notes.append(note)
        shutil.copyfile(se.ca_path, ca_path)
        env_path, note = _place(self.home / ".env", _is_demo_env, ".env.demo")
        if note:
            self.notes.append(note + " (the demo's commands name it with --env-file)")
        _write_private(env_path, "\n".join([
            f"{ENV_MARK}: the embedded broker and search engine it started (`kafkainsight demo --stop`",
            "# removes this file; a .env without this first line is never touched by the demo)",
            f"KAFKA_BOOTSTRAP_SERVERS={bootstrap}",
            f"KAFKA_TOPIC={self.a.topic}",
            f"KAFKA_GROUP_ID={GROUP}",
            f"ELASTICSEARCH_URL={se.url}",
            f"ELASTIC_USER={se.user}",
            f"ELASTIC_PASSWORD={se.password}",
            f"ELASTIC_CA_CERTS={ca_path.relative_to(self.home)}",
            f"ES_INDEX={INDEX}", ""]))
        self.written += [str(env_path), str(ca_path)]
        return env_path, ca_path

    def _search(self, se, ca_path: Path, incident_at: int) -> int:
        """Refresh, _count and searches through the official client; the engine's _count."""
        try:
            from elasticsearch import Elasticsearch
            from elasticsearch import __versionstr__ as es_version
        except ImportError:
            _say("6. search: the official client is not installed (pip install 'kafkainsight[demo]'); "
                 "counted over plain HTTPS instead")
            se.request("POST", f"/{INDEX}/_refresh")
            status, body = se.request("GET", f"/{INDEX}/_count")
            return body.get("count", -1) if status == 200 else -1
        es = Elasticsearch(se.url, ca_certs=str(ca_path), basic_auth=(se.user, se.password), request_timeout=60)
        es.indices.refresh(index=INDEX)
        count = es.count(index=INDEX)["count"]
        since = dt.datetime.fromtimestamp(incident_at, dt.timezone.utc)
        until = since + dt.timedelta(seconds=INCIDENT_SECONDS)
        window = {"range": {"@timestamp": {"gte": since.isoformat(), "lt": until.isoformat()}}}
        r = es.search(index=INDEX, size=0, query={"bool": {"filter": [window, {"term": {
            "http.response.status_code": 401}}]}}, aggs={
            "clients": {"terms": {"field": "source.ip.keyword", "size": 1}}})
        s5 = es.count(index=INDEX, query={"bool": {"filter": [window, {"range": {
            "http.response.status_code": {"gte": 500}}}]}})["count"]
        n401 = r["hits"]["total"]["value"]
        top = r["aggregations"]["clients"]["buckets"]
        who = f"{top[0]['key']} ({top[0]['doc_count']})" if top else "none"
        _say(f"6. searched back with the official elasticsearch {es_version} client: _count {count:,} in {INDEX}; "
             f"during the incident ({since:%H:%M:%S}-{until:%H:%M:%S} UTC) {s5} responses 5xx and {n401} 401s, "
             f"top 401 client {who}")
        if top:
            hit = es.search(index=INDEX, size=1, sort=[{"@timestamp": "asc"}],
                            query={"term": {"source.ip.keyword": top[0]["key"]}})["hits"]["hits"]
            if hit:
                _say("   its first request: " + json.dumps(hit[0]["_source"], separators=(",", ":"))[:300])
        es.close()
        return count

    def _alerts_and_report(self, files: list[str], env: dict, incident_at: int, first_step: int) -> bool:
        """`kafkainsight watch --logs` and `kafkainsight report` on the files; whether both worked."""
        a = self.a
        r = _run_child(_cli("watch", "--logs", *files), env, self.home)
        watch_ok = r.returncode == 0
        alerts = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
        firing: dict[str, int] = {}
        for al in alerts:
            if al["state"] == "firing":
                firing[al["rule"]] = firing.get(al["rule"], 0) + 1
        _say(f"{first_step}. alerts: `kafkainsight watch --logs <the {len(files)} files>` (event time, built-in "
             f"rules): {len(alerts):,} alert lines, firing " + ", ".join(f"{k} x{v}" for k, v in sorted(firing.items()))
             + f"; exit {r.returncode}")
        since = dt.datetime.fromtimestamp(incident_at, dt.timezone.utc)
        until = since + dt.timedelta(seconds=INCIDENT_SECONDS + 60)
        for al in alerts:
            fired = dt.datetime.fromisoformat(al["window"]["end"].replace("Z", "+00:00"))
            if al["state"] == "firing" and al["rule"] == "auth_failures" and since <= fired <= until:
                _say(f"   the incident: {al['message']}")
        out = Path(a.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        r = _run_child(_cli("report", *files, "-o", str(out.resolve()), "--title", "KafkaInsight demo"), env,
                       self.home)
        if r.returncode == 0 and out.is_file():
            _say(f"{first_step + 1}. report: {out.resolve()} ({out.stat().st_size:,} bytes; open it in a browser, "
                 "no network needed)")
            return watch_ok
        _say(f"{first_step + 1}. report: FAILED (exit {r.returncode}): {r.stderr.strip()[-500:]}")
        return False

    def _result(self, lines_ok: bool, tools_ok: bool, total: int, tail: str) -> None:
        if not lines_ok:
            head = f"MISMATCH, {total:,} lines not all accounted for: "
        else:
            head = f"{'OK' if tools_ok else 'FAILED'}, all {total:,} lines accounted for: "
        self.result = "result: " + head + tail + ("" if tools_ok else "; watch or report FAILED (see above)")

    def _keep(self) -> None:
        """Leave broker and engine running; say how to reach them; record how to stop them."""
        procs = [{"what": "embedded broker", "pid": self.broker.pid, "token": "kafkainsight broker"}]
        se = self.engine
        if se is not None:
            nginx_pid, jvm_pid = se.detached_pids()
            procs += [{"what": "nginx (TLS front)", "pid": nginx_pid, "token": str(se.workdir), "signal": "SIGQUIT"},
                      {"what": f"{se.engine_name} {se.engine_version}", "pid": jvm_pid, "token": str(se.workdir)}]
            se.let_go()
        state = {"workdir": str(self.workdir), "temporary": self.temporary, "processes": procs,
                 "written": self.written, "made_dirs": self.made_dirs}
        _write_private(_state_path(self.home), json.dumps(state, indent=1) + "\n")
        _say(f"kept running (--keep); stop everything with `kafkainsight demo --stop` (here: {self.home}):")
        _say(f"  embedded broker (pid {self.broker.pid}): export KAFKA_BOOTSTRAP_SERVERS={self.broker.bootstrap}")
        if se is not None:
            env_rel, ca_rel = (str(Path(p).relative_to(self.home)) for p in self.written)
            dotenv = "" if env_rel == ".env" else f" --env-file {env_rel}"
            _say(f"  {se.engine_name} {se.engine_version} (pids {jvm_pid}, nginx {nginx_pid}): {se.url}, "
                 f"CA {ca_rel}, user {se.user}, password in {env_rel}")
            _say(f"  the two scripts read {env_rel}: python3 scripts/kafka_producer.py FILE{dotenv}; "
                 f"python3 scripts/elasticsearch_insertion.py --stop-at-end{dotenv}")
            _say(f"  curl: curl --cacert {ca_rel} -u \"elastic:$(sed -n 's/^ELASTIC_PASSWORD=//p' {env_rel})\" "
                 f"{se.url}/{INDEX}/_count")
            _say(f"  a notebook: Elasticsearch(\"{se.url}\", ca_certs=\"{ca_rel}\", basic_auth=(\"elastic\", "
                 f"dotenv_values(\"{env_rel}\")[\"ELASTIC_PASSWORD\"]))")
        _say(f"  data: {self.workdir}")

    def _cleanup(self, engine_thread: threading.Thread) -> None:
        if engine_thread.is_alive():        # interrupted while it started: let start() finish or fail
            _say("stopping: waiting for the search engine to finish starting, to stop it")
            engine_thread.join(ENGINE_TIMEOUT)
        stopped = []
        if self.engine is not None:
            self.engine.stop()
            stopped.append("search engine")
        if self.broker is not None:
            self.broker.stop()
            stopped.append("broker")
        _remove(self.written, self.made_dirs)
        if self.temporary:
            shutil.rmtree(self.workdir, ignore_errors=True)
        what = " and ".join(stopped) or "nothing"
        removed = ([str(Path(f).relative_to(self.home)) for f in self.written]
                   + ([str(self.workdir)] if self.temporary else []))
        _say(f"stopped {what}" + (f"; removed {', '.join(removed)}" if removed else "")
             + f" (--keep leaves them); {time.perf_counter() - self.t0:.1f}s in all")


def run(a: argparse.Namespace) -> int:
    if a.stop:
        return stop_kept(Path.cwd())
    if _state_path(Path.cwd()).exists():
        print(f"kafkainsight demo: a demo kept running from before ({_state_path(Path.cwd())}): "
              "`kafkainsight demo --stop` first", file=sys.stderr)
        return 2
    d = Demo(a)
    d.result = "result: MISMATCH, the demo did not finish (see above)"
    try:
        return d.run()
    except KeyboardInterrupt:
        d.result = "result: STOPPED by a signal before the end; nothing is left running"
        raise
    finally:
        print(d.result, flush=True)
