"""Logstash's grok patterns here, checked against Elasticsearch's own grok.

Elasticsearch's grok library (`org.elasticsearch:elasticsearch-grok` from Maven Central: the ingest
node's grok processor, on Joni, Ruby's regex engine in Java) carries Logstash's pattern files
(logstash-patterns-core, ECS v1). A small Java program run at test time matches lines with it; the
same lines go through our grok (PCRE2):

1. with Logstash's own files as `--patterns-dir`: every name of them compiles here, and each line
   gives the captures Elasticsearch gives;
2. with our built-in library: each Logstash name it defines gives the captures Logstash's own
   definition gives, except for the few names listed in DIFFERENT (documented in docs/GROK.md).

Lines: the examples of logstash-patterns-core's spec files (tests/data/real/logstash, provenance
there) and real logs of tests/data/real, and Ruby Logger lines written at test time by a real Ruby.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

import kafkainsight as ki
from tests.harness_util import build_java_app
from tests.test_real_logs import flat

HERE = Path(__file__).parent
POM = HERE / "elastic_grok" / "pom.xml"
REAL = HERE / "data" / "real"
ORACLE = r"""
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import org.elasticsearch.grok.*;

// One JSON object a line on stdin ({"pattern": P, "line": L}); one a line on stdout: the captures
// Elasticsearch's grok takes from L (null: no match), or the error. args[0]: "ecs-v1" (Logstash's
// ECS v1 patterns) or "legacy" (its patterns before ECS).
public class GrokOracle {
  public static void main(String[] args) throws Exception {
    ObjectMapper json = new ObjectMapper();
    PatternBank bank = GrokBuiltinPatterns.get(args[0].equals("ecs-v1"));
    Map<String, Grok> compiled = new HashMap<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
    for (String l; (l = in.readLine()) != null; ) {
      Map<?, ?> req = json.readValue(l, Map.class);
      Map<String, Object> res = new LinkedHashMap<>();
      try {
        Grok g = compiled.computeIfAbsent((String) req.get("pattern"), p -> new Grok(bank, p, MatcherWatchdog.noop(), m -> {}));
        res.put("captures", g.captures((String) req.get("line")));
      } catch (RuntimeException e) {
        res.put("error", String.valueOf(e));
      }
      out.println(json.writeValueAsString(res));
    }
  }
}
"""

# Real logs for the names that read them (the first 300 lines of each).
REAL_LINES = {
    "SYSLOGLINE": ["syslog_rfc3164.log", "filebeat/system-auth-test.log", "filebeat/iptables-iptables.log",
                   "loghub/Linux.log"],
    "CRONLOG": ["syslog_rfc3164.log", "loghub/Linux.log"],
    "SYSLOGPAMSESSION": ["syslog_rfc3164.log", "filebeat/system-auth-test.log", "fail2ban/sshd", "loghub/Linux.log"],
    "SYSLOG5424LINE": ["syslog_rfc5424.log"],
    "HTTPD_ERRORLOG": ["apache_error.log"],
    "HTTPD_COMBINEDLOG": ["apache_access.log"],
    "COMBINEDAPACHELOG": ["apache_access.log"],
    "COMMONAPACHELOG": ["apache_access.log"],
    "SYSLOGBASE": ["syslog_rfc3164.log"],
    "SQUID3": ["squid_access.log"],
    "ELB_ACCESS_LOG": ["filebeat/aws-elb-example-http.log"],
    "MONGO3_LOG": ["filebeat/mongodb-debian-3.2.11.log"],
    "HAPROXYHTTP": ["haproxy_http.log"],
}

# Built-in names whose fields differ from Logstash's on purpose (docs/GROK.md says how).
DIFFERENT = {
    "HAPROXYHTTP", "HAPROXYHTTPBASE",  # Filebeat's haproxy module's names, the request time as @timestamp
    "TOMCATLOG",  # the OneLineFormatter's logger as log.logger (recipe TOMCATLOG)
    "REDISLOG",  # Logstash's reads the pid and time of a background save; ours every line, level and message too
}

# Capture names our grok reads as another field (docs/GROK.md): Logstash's legacy `level`.
ALIASES = {"level": "log.level"}

# Fields our grok derives from the captures (or keeps: Logstash's event keeps the line as message).
DERIVED = {"@timestamp", "event.severity", "event.ingested", "source.ip", "source.domain", "destination.ip",
           "destination.domain", "kafkainsight.format", "message", "error.type", "error.message"}


def spec_lines():
    with open(REAL / "logstash" / "spec_lines.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def real_lines(name):
    out = []
    for rel in REAL_LINES.get(name, []):
        text = (REAL / rel).read_text(encoding="utf-8", errors="replace")
        out += [ln for ln in text.split("\n")[:300] if ln.strip()]
    return out


@pytest.fixture(scope="module")
def oracle(tmp_path_factory):
    """(classpath, work): Elasticsearch's grok and the GrokOracle program, built once."""
    work = tmp_path_factory.mktemp("elastic-grok")
    return build_java_app(POM, {"GrokOracle.java": ORACLE}, work), work


def bank(oracle, mode):
    """(run, patterns_dir): run([(pattern, line), ...]) -> Elasticsearch's results in order with
    Logstash's `mode` patterns; patterns_dir holds those pattern files, as the jar carries them."""
    cp, work = oracle
    pdir = work / mode
    if not pdir.exists():
        jar = next(p for p in cp.split(":") if "elasticsearch-grok" in p)
        pdir.mkdir()
        with zipfile.ZipFile(jar) as z:
            for n in z.namelist():
                if n.startswith(f"patterns/{mode}/") and not n.endswith("/"):
                    (pdir / n.rsplit("/", 1)[1]).write_bytes(z.read(n))
    assert len(list(pdir.iterdir())) >= 20

    def run(pairs):
        inp = "".join(json.dumps({"pattern": p, "line": ln}) + "\n" for p, ln in pairs)
        r = subprocess.run(["java", "-cp", cp, "GrokOracle", mode], input=inp, capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
        out = [json.loads(x) for x in r.stdout.splitlines()]
        assert len(out) == len(pairs)
        return out
    return run, pdir


@pytest.fixture(scope="module")
def elastic(oracle):
    return bank(oracle, "ecs-v1")



def compare(es: dict, doc: dict):
    """None when our document holds what Elasticsearch captured, else what differs."""
    caps = {ALIASES.get(k, k): v for k, v in (es["captures"] or {}).items()} if es["captures"] is not None else None
    failed = doc.get("kafkainsight", {}).get("format") == "unknown"
    if caps is None:
        return None if failed else f"Elasticsearch does not match; we read {flat(doc)}"
    if failed:
        return f"we do not read it: {doc['error']['message']}; Elasticsearch: {caps}"
    ours = flat(doc)
    diffs = []
    for k, v in caps.items():
        k = k.removesuffix("?")  # Logstash's HTTPD24_ERRORLOG writes `[code]?`; Logstash itself drops the '?'
        if v is None or v == "":  # empty captures: Logstash drops them (keep_empty_captures false)
            continue
        if k == "timestamp":
            if "@timestamp" not in ours or "event.ingested" in ours:
                diffs.append("the timestamp capture did not become @timestamp")
            continue
        got = ours.get(k)
        if isinstance(v, float) or isinstance(got, float):  # Elasticsearch's :float is 32 bits
            same = got is not None and abs(float(got) - float(v)) <= 1e-6 * max(1.0, abs(float(v)))
        else:
            same = got is not None and str(got) == str(v)
        if not same:
            diffs.append(f"{k}: Elasticsearch {v!r}, we {got!r}")
    keys = {k.removesuffix("?") for k in caps}
    extra = sorted(k for k in ours if k not in keys and k not in DERIVED)
    if extra:
        diffs.append(f"fields Elasticsearch does not capture: {extra}")
    return "; ".join(diffs) or None


def check(elastic, pairs, patterns_dir, gives_up=()):
    """Every (pattern, line) through Elasticsearch and us; returns (compared, problems, the
    patterns Elasticsearch matched at least once). A pattern in gives_up may stop on a line at our
    backtracking limit (docs/GROK.md, Errors)."""
    run, _ = elastic
    results = run(pairs)
    compared, problems, matched = 0, [], set()
    for (pattern, line), es in zip(pairs, results):
        if "error" in es:  # Elasticsearch's own failure (an :int capture beyond 2^31, a pattern Joni refuses)
            continue
        doc = ki.parse_line(line, format="grok", grok=pattern, patterns_dir=patterns_dir)
        if pattern.strip("%{}") in gives_up and "match limit exceeded" in doc.get("error", {}).get("message", ""):
            continue
        compared += 1
        if es["captures"] is not None:
            matched.add(pattern.strip("%{}"))
        problem = compare(es, doc)
        if problem:
            problems.append(f"{pattern} on {line[:160]!r}: {problem}")
    return compared, problems, matched


@pytest.mark.parametrize("mode", ["ecs-v1", "legacy"])
def test_every_pattern_of_logstashs_library_compiles_here(oracle, mode):
    run, pdir = bank(oracle, mode)
    names = [ln.split()[0] for f in sorted(pdir.iterdir()) for ln in f.read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert len(names) > 300
    es = run([("%{" + n + "}", "x") for n in names])
    # Elasticsearch's copies of CISCOFW106023 and S3_ACCESS_LOG lost a '[' when their field names
    # were rewritten (`\%{DATA:[@metadata.cisco…`): Joni refuses them too.
    # Elasticsearch's copies of CISCOFW106023, CISCOFW106100, S3_ACCESS_LOG and EXIM's lost a '['
    # or '(' when their field names were rewritten (`\\%{DATA:[@metadata.cisco…`): Joni refuses
    # them (and the names built on them) too: 8 names in 8.19.7.
    broken = {n for n, r in zip(names, es) if "error" in r}
    assert len(broken) <= 10, broken
    for name in names:  # an unknown name or a regex PCRE2 refuses raises ValueError
        if name not in broken:
            ki.parse_line("x", format="grok", grok="%{" + name + "}", patterns_dir=str(pdir))


@pytest.mark.parametrize("mode", ["ecs-v1", "legacy"])
def test_logstashs_own_pattern_files_capture_here_what_they_capture_in_elasticsearch(oracle, mode):
    elastic = bank(oracle, mode)
    _, pdir = elastic
    pairs = [(f"%{{{s['pattern']}}}", s["line"]) for s in spec_lines()]
    pairs += [(f"%{{{name}}}", ln) for name in REAL_LINES for ln in real_lines(name)]
    # Legacy BRO_FILES: 18 GREEDYDATA fields between tabs, which PCRE2 backtracks through past
    # its limit of 10^6 steps (the ECS v1 definition reads the same lines).
    compared, problems, matched = check(elastic, pairs, str(pdir), gives_up={"BRO_FILES"} if mode == "legacy" else ())
    assert compared >= 700 and len(matched) >= 60, (compared, len(matched))
    assert not problems, "\n".join(problems[:20])


def test_builtin_names_of_logstashs_library_capture_what_logstashs_definitions_capture(elastic):
    ours = {ln.split()[0] for ln in ki._core.grok_builtin_patterns().splitlines()
            if ln.strip() and not ln.startswith("#")}
    spec = [s for s in spec_lines() if s["pattern"] in ours and s["pattern"] not in DIFFERENT]
    pairs = [(f"%{{{s['pattern']}}}", s["line"]) for s in spec]
    pairs += [(f"%{{{name}}}", ln) for name in REAL_LINES if name not in DIFFERENT for ln in real_lines(name)]
    compared, problems, matched = check(elastic, pairs, None)
    assert compared >= 500, compared
    assert not problems, "\n".join(problems[:20])
    # The names this check covers, each on at least one line Logstash's definition matches.
    for name in ("SYSLOGLINE", "SYSLOG5424LINE", "CRONLOG", "SYSLOGPAMSESSION", "HTTPD_ERRORLOG", "SQUID3",
                 "ELB_ACCESS_LOG", "MONGO3_LOG", "CATALINALOG", "HAPROXYTCP", "REDISMONLOG", "JAVASTACKTRACEPART",
                 "HTTPD_COMBINEDLOG", "SYSLOGBASE", "UNIXPATH", "WINPATH", "URIPATH"):
        assert name in matched, name


def test_ruby_logger_lines_written_by_a_real_ruby(elastic, tmp_path):
    ruby = shutil.which("ruby")
    if not ruby:
        pytest.skip("ruby is not installed (scripts/setup.sh installs it)")
    app = ("require 'logger'\nlog = Logger.new($stdout)\nlog.level = Logger::DEBUG\nlog.info('booted')\n"
           "log.progname = 'billing'\nlog.warn('card expiring: 2 days')\nlog.error('charge failed: timeout')\n"
           "log.debug('sql: SELECT 1')\nlog.fatal('giving up')\n")
    lines = subprocess.run([ruby, "-e", app], capture_output=True, text=True, timeout=60, check=True).stdout
    pairs = [("%{RUBY_LOGGER}", ln) for ln in lines.splitlines()]
    assert len(pairs) == 5
    compared, problems, matched = check(elastic, pairs, None)
    assert compared == 5 and matched == {"RUBY_LOGGER"} and not problems, "\n".join(problems)
    doc = flat(ki.parse_line(pairs[1][1], format="grok", grok="%{RUBY_LOGGER}"))
    assert doc["process.name"] == "billing" and doc["log.level"] == "WARN" and doc["message"] == "card expiring: 2 days"


def test_oniguruma_spellings_mean_what_they_mean_in_logstash():
    # \h is a hex digit in Ruby's regex engine (PCRE2: a blank); (?m) inside a pattern is "dot
    # matches newline" (PCRE2: (?s)), as Logstash's RAILS3HEAD and RUUID use them.
    doc = ki.parse_line("id=0123456789abcdef0123456789ABCDEF", format="grok", grok=r"id=(?<request.id>\h{32})")
    assert doc["request"]["id"] == "0123456789abcdef0123456789ABCDEF"
    assert ki.parse_line("id= \t", format="grok", grok=r"id=(?<x>\h+)")["kafkainsight"]["format"] == "unknown"
    doc = ki.parse_line("GET /a\n  more", format="grok", grok=r"%{WORD:m} (?m)(?<rest>.*)")
    assert doc["rest"] == "/a\n  more"
