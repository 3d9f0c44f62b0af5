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
    # The README's main job with its defaults (the embedded broker's ~5 MB per partition matters), on
    # its Kafka-only path (no search engine: tests/test_demo.py runs the whole path); since issue 19 it
    # also splices a 240-line incident into the traffic.
    r = run("demo", "--workdir", str(tmp_path), "--java", str(tmp_path / "no-java"), "-o", str(tmp_path / "r.html"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "read=120243 produced=120240 dead_lettered=3" in r.stdout
    assert "read back: 120,240 documents in data_log" in r.stdout and "3 in data_log.dlq" in r.stdout
    assert "OK, all 120,243 lines accounted for" in r.stdout


def test_broker_command_serves_kafka_clients(tmp_path):
    import signal
    from tests.kafka_util import consume_all
    p = subprocess.Popen([*KI, "broker", "--topic", "logs:3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        out = [p.stdout.readline() for _ in range(4)]
        assert "data lives in memory" in "".join(out)
        export = [l for l in out if l.startswith("export KAFKA_BOOTSTRAP_SERVERS=")][0]
        bootstrap = export.split("=", 1)[1].strip()
        log = tmp_path / "a.log"
        ki.generate("apache_error", 500, output=str(log), seed=1)
        r = subprocess.run([sys.executable, "scripts/kafka_producer.py", str(log), "-t", "logs"],
                           capture_output=True, text=True, timeout=120,
                           env={**__import__("os").environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap})
        assert r.returncode == 0, r.stderr
        assert len(consume_all(bootstrap, "logs")) == 500
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
    assert p.returncode == 0


def test_settings_precedence_flag_env_dotenv(tmp_path, monkeypatch):
    from kafkainsight.settings import Settings
    env_file = tmp_path / ".env"
    env_file.write_text("KAFKA_TOPIC=from_dotenv\nKAFKA_BOOTSTRAP_SERVERS=dotenv:1\nX=$(touch pwned)\n")
    env_file.chmod(0o600)
    s = Settings(str(env_file), environ={"KAFKA_BOOTSTRAP_SERVERS": "env:1"})
    assert s.get("KAFKA_TOPIC") == "from_dotenv"
    assert s.get("KAFKA_BOOTSTRAP_SERVERS") == "env:1"
    assert s.get("KAFKA_BOOTSTRAP_SERVERS", "flag:1") == "flag:1"
    assert s.get("KAFKA_GROUP_ID") == "my-group"
    assert not (tmp_path / "pwned").exists()
    env_file.chmod(0o644)
    with pytest.warns(UserWarning, match="readable by other users"):
        Settings(str(env_file), environ={})
