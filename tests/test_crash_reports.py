"""A program's crash, written at test time by the real thing: a Go panic or fatal error, a JVM's
uncaught exception, CPython's traceback of one, Node.js's report of one. Each is one event
(--multiline go / java / python / node), read without options: the crash's first line as the message (Python: its exception
line), error.type and error.message as the runtime printed them, the rest as error.stack_trace;
a log line's own trace gives error.type and error.message the same way."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kafkainsight.logs import read_logs

GO_APP = r"""
package main

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

type Server struct{ name *string }

func (s *Server) Name() string { return *s.name }

func main() {
	switch os.Args[1] {
	case "nil":
		var s *Server
		fmt.Println(s.Name())
	case "index":
		a := []int{1, 2, 3}
		fmt.Println(a[len(os.Args)+3])
	case "error":
		panic(fmt.Errorf("load config: %w", errors.New("open /etc/app.yaml: no such file or directory")))
	case "recovered":
		defer func() { panic(fmt.Sprintf("again after %v", recover())) }()
		panic("first")
	case "goroutine":
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); panic("worker failed") }()
		wg.Wait()
	case "deadlock":
		<-make(chan int)
	}
}
"""

JAVA_APP = r"""
public class Crash {
    static void bind(int port) throws java.net.BindException {
        throw new java.net.BindException("Address already in use: " + port);
    }
    public static void main(String[] args) throws Exception {
        if (args[0].equals("thread")) {
            Thread t = new Thread(() -> { throw new UnsupportedOperationException(); }, "worker-1");
            t.start();
            t.join();
            return;
        }
        try {
            bind(8080);
        } catch (java.net.BindException e) {
            throw new IllegalStateException("cannot start: port 8080 is taken", e);
        }
    }
}
"""

NODE_APP = r"""
const mode = process.argv[2];
function load(cfg) { return cfg.db.host; }
if (mode === 'type') load({});
if (mode === 'throw') { throw new Error('cannot start: port 8080 is taken'); }
if (mode === 'cause') { try { JSON.parse('{'); } catch (e) { throw new Error('bad config', { cause: e }); } }
if (mode === 'reject') { Promise.reject(new RangeError('limit must be positive')); }
if (mode === 'string') { throw 'just a string'; }
if (mode === 'logged') { console.error(new TypeError('x is not a function')); process.exitCode = 1; }
if (mode === 'assert') { require('assert').strictEqual(1, 2); }
if (mode === 'event') {  // a port taken: an unhandled 'error' event, thrown in Node.js's own events module
  const net = require('net');
  const first = net.createServer().listen(0, '127.0.0.1', () => net.createServer().listen(first.address().port, '127.0.0.1'));
}
"""

PY_APPS = {
    # chained: the exception raised last is the one reported
    "chained": ("class PaymentFailed(Exception):\n    pass\n"
                "def charge(card):\n    return {}[card]\n"
                "try:\n    charge('card-1')\nexcept KeyError as e:\n    raise PaymentFailed('card-1 declined') from e\n",
                "PaymentFailed", "card-1 declined"),
    # a module's class: its dotted name
    "module": ("import json\njson.loads('{')\n", "json.decoder.JSONDecodeError",
               "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    "bare": ("raise KeyboardInterrupt\n", "KeyboardInterrupt", ""),
    "thread": ("import threading\n"
               "def work():\n    1 / 0\n"
               "t = threading.Thread(target=work, name='worker-1')\nt.start()\nt.join()\n",
               "ZeroDivisionError", "division by zero"),
}


def crashes(cmd: list[str], modes, cwd=None) -> list[str]:
    """Each mode's stderr, as the program wrote it when it crashed."""
    out = []
    for m in modes:
        r = subprocess.run([*cmd, m], capture_output=True, text=True, timeout=120, cwd=cwd)
        assert r.stderr.strip(), (m, r)
        out.append(r.stderr.rstrip("\n"))
    return out


def read(tmp_path, texts: list[str], preset: str):
    log = tmp_path / "stderr.log"
    log.write_text("\n".join(texts) + "\n")
    r = read_logs(log, multiline=preset)
    assert not r.failed and r.stats["lines"] == len(log.read_text().splitlines())
    assert r.stats["parsed"] == len(texts)
    return r.records


def test_go_panics_and_fatal_errors_are_one_event_each(tmp_path):
    if not shutil.which("go"):
        pytest.skip("needs the go command (the machines of this project have Go 1.26)")
    (tmp_path / "main.go").write_text(GO_APP)
    subprocess.run(["go", "build", "-o", "crash", "main.go"], cwd=tmp_path, check=True, timeout=600,
                   capture_output=True, env={**os.environ, "GOTOOLCHAIN": "local"})
    modes = ["nil", "index", "error", "recovered", "goroutine", "deadlock"]
    texts = crashes([str(tmp_path / "crash")], modes)
    docs = read(tmp_path, texts, "go")
    for text, d in zip(texts, docs):
        first, _, rest = text.partition("\n")
        assert d["message"] == first and d["kafkainsight"]["recipe"] == "GOPANIC"
        assert d["error"]["message"] == first.split(": ", 1)[1]
        assert d["error"]["stack_trace"] == rest.lstrip("\n") and "goroutine " in rest
        assert d["log"]["level"] == ("fatal" if first.startswith("fatal error: ") else "panic")
        assert "ingested" in d["event"]  # no time in a crash report: stamped when read
    assert docs[0]["error"]["message"] == "runtime error: invalid memory address or nil pointer dereference"
    assert docs[0]["error"]["stack_trace"].startswith("[signal SIGSEGV")
    assert docs[2]["error"]["message"] == "load config: open /etc/app.yaml: no such file or directory"
    assert "\tpanic: again after first" in docs[3]["error"]["stack_trace"]  # the runtime's panic( frame joined too
    assert docs[5]["error"]["message"] == "all goroutines are asleep - deadlock!"


def test_jvm_uncaught_exceptions_are_one_event_each(tmp_path):
    if not shutil.which("java"):
        pytest.skip("no JVM")
    (tmp_path / "Crash.java").write_text(JAVA_APP)
    texts = crashes(["java", "Crash.java"], ["main", "thread"], cwd=tmp_path)
    docs = read(tmp_path, texts, "java")
    main, thread = docs
    assert main["message"] == texts[0].split("\n")[0]
    assert main["process"]["thread"]["name"] == "main" and main["error"]["type"] == "java.lang.IllegalStateException"
    assert main["error"]["message"] == "cannot start: port 8080 is taken"
    assert main["error"]["stack_trace"] == texts[0].split("\n", 1)[1]
    assert "Caused by: java.net.BindException: Address already in use: 8080" in main["error"]["stack_trace"]
    assert thread["process"]["thread"]["name"] == "worker-1"
    assert thread["error"]["type"] == "java.lang.UnsupportedOperationException" and "message" not in thread["error"]
    assert all(d["event"]["severity"] == 3 and d["kafkainsight"]["recipe"] == "JAVAUNCAUGHT" for d in docs)


def test_node_uncaught_exceptions_are_one_event_each(tmp_path):
    if not shutil.which("node"):
        pytest.skip("no Node.js")
    (tmp_path / "crash.js").write_text(NODE_APP)
    modes = ["type", "throw", "cause", "reject", "string", "logged", "assert", "event"]
    texts = crashes(["node", str(tmp_path / "crash.js")], modes)
    docs = read(tmp_path, texts, "node")
    by = dict(zip(modes, docs))
    expected = {"type": ("TypeError", "Cannot read properties of undefined (reading 'host')"),
                "throw": ("Error", "cannot start: port 8080 is taken"), "cause": ("Error", "bad config"),
                "reject": ("RangeError", "limit must be positive"), "logged": ("TypeError", "x is not a function")}
    for mode, (etype, emsg) in expected.items():
        d = by[mode]
        assert (d["error"]["type"], d["error"]["message"]) == (etype, emsg), mode
        assert d["message"] == f"{etype}: {emsg}" and d["event"]["severity"] == 3
        assert d["error"]["stack_trace"].startswith("    at ") and "Node.js v" not in d["error"]["stack_trace"]
        lines = [ln for ln in texts[modes.index(mode)].splitlines() if ln.startswith("    at ")]
        assert all(ln in d["error"]["stack_trace"] for ln in lines)
    for mode in ("type", "throw", "cause", "reject", "string", "assert", "event"):  # where Node.js says it was thrown
        d = by[mode]
        assert d["kafkainsight"]["recipe"] == "NODECRASH"
        first = texts[modes.index(mode)].strip("\n").split("\n")[0]
        assert f'{d["log"]["origin"]["file"]["name"]}:{d["log"]["origin"]["file"]["line"]}' == first
    assert "[cause]: SyntaxError" in by["cause"]["error"]["stack_trace"]
    assert by["string"]["message"] == "just a string" and "error" not in by["string"]
    assert by["logged"]["kafkainsight"]["recipe"] == "NODEERROR"
    # assert's message goes on over lines below the error's; thrown in node:assert
    a = by["assert"]
    assert a["log"]["origin"]["file"]["name"] == "node:assert"
    assert (a["error"]["type"], a["error"]["code"]) == ("AssertionError", "ERR_ASSERTION")
    assert a["error"]["message"] == "Expected values to be strictly equal:\n\n1 !== 2"
    assert a["message"] == "AssertionError [ERR_ASSERTION]: " + a["error"]["message"]
    assert a["error"]["stack_trace"].startswith("    at ") and "operator: 'strictEqual'" in a["error"]["stack_trace"]
    # an unhandled 'error' event: its second list of frames ("Emitted 'error' event on … at:") is the trace's too
    e = by["event"]
    assert e["log"]["origin"]["file"]["name"] == "node:events"
    assert e["error"]["type"] == "Error" and e["error"]["message"].startswith("listen EADDRINUSE: address already in use")
    assert "\nEmitted 'error' event on Server instance at:\n    at " in e["error"]["stack_trace"]
    assert "code: 'EADDRINUSE'" in e["error"]["stack_trace"]


NODE_LOGGER = r"""
// A small logger of the kind many services have: its line, then the error's stack.
function log(level, msg, err) {
  console.error(`${new Date().toISOString()} [${level}]: ${msg}` + (err ? `\n${err.stack}` : ''));
}
log('info', 'listening on 3000');
try { null.id; } catch (e) { log('error', 'request failed', e); }
log('warn', 'slow request');
try { require('assert').deepStrictEqual({ a: 1 }, { a: 2 }); } catch (e) { log('error', 'check failed', e); log('error', 'inline: ' + e.stack); }
log('error', 'oops: ' + new TypeError('bad input').stack);
const http = require('http');
const srv = http.createServer((req, res) => {
  res.end('ok');
  try { res.setHeader('x-late', '1'); } catch (e) { log('error', 'late header', e); console.error(e.stack); }
  srv.close();
});
srv.listen(0, () => http.get(`http://127.0.0.1:${srv.address().port}/`, (r) => r.resume()));
"""


def test_node_errors_under_a_loggers_line_join_it(tmp_path):
    # A logger's line with err.stack under it is one event (the line's message, the error's type,
    # message and Node.js's code); the same stack printed alone is a NODEERROR event of its own.
    if not shutil.which("node"):
        pytest.skip("no Node.js")
    (tmp_path / "app.js").write_text(NODE_LOGGER)
    r = subprocess.run(["node", str(tmp_path / "app.js")], capture_output=True, text=True, timeout=120, check=True)
    log = tmp_path / "app.log"
    log.write_text(r.stderr)
    res = read_logs(log, multiline="node", grok=r"%{TIMESTAMP_ISO8601:timestamp} \[%{LOGLEVEL:log.level}\]: %{GREEDYDATA:message}")
    assert not res.failed and res.stats["lines"] == len(r.stderr.splitlines())
    info, failed, warn, check, inline, oops, late, alone = res.records
    assert (info["message"], warn["message"], info["log"]["level"]) == ("listening on 3000", "slow request", "info")
    assert "error" not in info and "error" not in warn
    assert failed["message"] == "request failed" and failed["log"]["level"] == "error"
    assert (failed["error"]["type"], failed["error"]["message"]) == \
        ("TypeError", "Cannot read properties of null (reading 'id')")
    # assert's diff below its error's line (unindented "+ actual - expected", "+   a: 1") joins it too
    assert check["message"] == "check failed" and check["error"]["type"] == "AssertionError"
    assert check["error"]["message"].startswith("Expected values to be strictly deep-equal:\n+ actual - expected\n")
    assert check["error"]["message"].endswith("\n+   a: 1\n-   a: 2\n  }") and "\n    at " in check["error"]["stack_trace"]
    # the stack written on the logger's own line ('inline: ' + e.stack): the error at its end is named
    assert inline["message"] == "inline: AssertionError [ERR_ASSERTION]: Expected values to be strictly deep-equal:"
    assert (inline["error"]["type"], inline["error"]["code"]) == ("AssertionError", "ERR_ASSERTION")
    assert inline["error"]["message"] == check["error"]["message"]
    assert (oops["error"]["type"], oops["error"]["message"]) == ("TypeError", "bad input")
    assert late["message"] == "late header"
    assert (late["error"]["type"], late["error"]["code"], late["error"]["message"]) == \
        ("Error", "ERR_HTTP_HEADERS_SENT", "Cannot set headers after they are sent to the client")
    assert alone["kafkainsight"]["recipe"] == "NODEERROR" and alone["error"]["code"] == "ERR_HTTP_HEADERS_SENT"
    assert alone["message"].startswith("Error [ERR_HTTP_HEADERS_SENT]: ")


@pytest.mark.parametrize("mode", sorted(PY_APPS))
def test_python_uncaught_exceptions_are_one_event_each(tmp_path, mode):
    source, etype, emsg = PY_APPS[mode]
    (tmp_path / "app.py").write_text(source)
    texts = crashes([sys.executable, str(tmp_path / "app.py")], [mode])
    (d,) = read(tmp_path, texts, "python")
    assert d["kafkainsight"]["recipe"] == "PYTHONTRACEBACK" and d["event"]["severity"] == 3
    assert d["error"]["type"] == etype and d["error"].get("message", "") == emsg
    assert d["message"] == (f"{etype}: {emsg}" if emsg else etype)
    trace = texts[0][texts[0].index("Traceback"):]
    assert d["error"]["stack_trace"] == trace
    if mode == "thread":
        assert d["process"]["thread"]["name"].startswith("worker-1")  # "worker-1 (work)" since 3.10
    if mode == "chained":
        assert trace.count("Traceback (most recent call last):") == 2


def test_a_crash_under_a_log_line_joins_it_and_its_exception_is_named(tmp_path):
    """Python's logging.exception and a Java logger's trace: the trace under the line gives
    error.type and error.message (the exception raised last; the JVM's outermost)."""
    log = tmp_path / "app.log"
    app = ("import logging, sys\n"
           f"logging.basicConfig(filename={str(log)!r}, format='%(asctime)s %(levelname)s %(name)s: %(message)s')\n"
           "try:\n    int('x1')\nexcept ValueError:\n    logging.getLogger('shop.cart').exception('bad quantity')\n")
    subprocess.run([sys.executable, "-c", app], check=True, timeout=60)
    (d,) = read_logs(log, multiline="python").records
    assert d["message"] == "bad quantity" and d["error"]["type"] == "ValueError"
    assert d["error"]["message"] == "invalid literal for int() with base 10: 'x1'"
    java = tmp_path / "java.log"
    java.write_text("2026-01-01 10:00:00,000 ERROR [main] com.acme.Checkout: charge failed\n"
                    "java.lang.IllegalStateException: card expired\n\tat com.acme.Checkout.pay(Checkout.java:42)\n")
    (d,) = read_logs(java, multiline="java").records
    assert d["message"] == "charge failed" and d["error"]["type"] == "java.lang.IllegalStateException"
    assert d["error"]["message"] == "card expired"


def test_lone_lines_of_a_trace_still_say_how_to_join_them(tmp_path):
    log = tmp_path / "one.log"
    log.write_text("Traceback (most recent call last):\n    at load (/app/server.js:2:36)\n")
    r = read_logs(log)
    python, node = (f["reason"] for f in r.failed)
    assert "Python traceback's first line" in python and "with --multiline python " in python
    assert "JavaScript stack trace" in node and "with --multiline node:" in node
