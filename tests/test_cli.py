"""The `kafkainsight` command as a user runs it."""
import json
import subprocess
import sys

import pytest

import kafkainsight as ki

KI = [sys.executable, "-m", "kafkainsight"]


def run(*args, input=None):
    return subprocess.run([*KI, *args], capture_output=True, text=True, input=input, timeout=300)


def test_generate_flog_flags(tmp_path):
    out = tmp_path / "gen.log"
    r = run("generate", "-f", "apache_error", "-n", "25", "-t", "log", "-o", str(out), "--seed", "9", "-s", "2s")
    assert r.returncode == 0, r.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 25 and all(l.startswith("[") for l in lines)
    ts = [ki.parse_line(l)["@timestamp"] for l in lines[:2]]
    assert ts[0] != ts[1]
    r = run("generate", "-f", "rfc3164", "-n", "3", "--seed", "9")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 3
    assert run("generate", "-f", "nginx").returncode == 2
    assert run("generate", "-s", "soon").returncode == 2


def test_parse_command_accounts_for_every_line(tmp_path):
    good = ki.generate_lines("apache_combined", 20, seed=1)
    src = tmp_path / "in.log"
    src.write_text("\n".join(good[:10] + ["not a log line"] + good[10:]) + "\n")
    out, failed = tmp_path / "out.ndjson", tmp_path / "failed.ndjson"
    r = run("parse", str(src), "-o", str(out), "--failed", str(failed))
    assert r.returncode == 3  # some lines failed: the exit code says so
    assert "lines=21 parsed=20 failed=1" in r.stderr
    docs = [json.loads(l) for l in out.read_text().splitlines()]
    assert len(docs) == 20
    f = [json.loads(l) for l in failed.read_text().splitlines()]
    assert f == [{"source": str(src), "line_no": 11, "reason": f[0]["reason"], "line": "not a log line"}]
    r = run("parse", "-", "--schema", "kafkainsight", input="\n".join(good) + "\n")
    assert r.returncode == 0
    assert [json.loads(l)["ip_address"] for l in r.stdout.splitlines()] == [l.split(" ")[0] for l in good]


def test_parse_missing_file_is_a_clear_error(tmp_path):
    r = run("parse", str(tmp_path / "missing.log"))
    assert r.returncode == 1
    assert "cannot open" in r.stderr and "missing.log" in r.stderr and "Traceback" not in r.stderr


def test_demo_main_job(tmp_path):
    r = run("demo", "--lines", "2000", "--workdir", str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "OK, every line parsed" in r.stdout
    assert sum(1 for _ in open(tmp_path / "documents.ndjson")) == 12000
