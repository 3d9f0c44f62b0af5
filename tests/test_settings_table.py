"""The one settings table (kafkainsight.config): argparse is built from it, flag / environment /
.env / default are resolved from it, the Python API and the C++ structs agree with it, and
docs/CONFIGURATION.md is generated from it."""
from __future__ import annotations

import argparse
import inspect
import pathlib
import subprocess
import sys

import pytest

from kafkainsight import _core, config
from kafkainsight.cli import build_parser

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    p = build_parser()
    sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_configuration_md_is_generated_from_the_table():
    """Regenerate with: python -m kafkainsight.config --markdown > docs/CONFIGURATION.md"""
    r = subprocess.run([sys.executable, "-m", "kafkainsight.config", "--markdown"], capture_output=True, text=True,
                       timeout=60, check=True)
    page = (ROOT / "docs" / "CONFIGURATION.md").read_text(encoding="utf-8")
    assert r.stdout == page, ("docs/CONFIGURATION.md is stale: python -m kafkainsight.config --markdown "
                              "> docs/CONFIGURATION.md")


def test_every_option_of_every_command_comes_from_the_table():
    parsers = _subparsers()
    assert set(parsers) == set(config.COMMANDS)
    for command, parser in parsers.items():
        dests = {a.dest for a in parser._actions if not isinstance(a, argparse._HelpAction)}
        table = {s.name for s in config.settings_for(command) if s.flags or s.positional}
        assert dests == table, command
        for a in parser._actions:
            if a.option_strings and not isinstance(a, argparse._HelpAction):
                assert tuple(a.option_strings) == config.setting(command, a.dest).flags


def test_table_is_consistent():
    names = [s.name for s in config.SETTINGS]
    assert len(names) == len(set(names)), "one row per setting; per-command differences go in `per`"
    for s in config.SETTINGS:
        assert s.commands and set(s.commands) <= set(config.COMMANDS), s.name
        assert set(s.per) <= set(s.commands), s.name
        for c in s.commands:
            v = s.for_command(c)
            assert set(v.cpp) <= set(s.commands), (s.name, c)
            if v.secret:
                assert not v.flags and not v.positional and v.env, "secrets: environment or .env only"
    for c in config.COMMANDS:
        flags = [f for s in config.settings_for(c) for f in s.flags]
        assert len(flags) == len(set(flags)), c
    # the secrets never are flags
    assert {s.env for s in config.SETTINGS if s.secret} == {"ELASTIC_PASSWORD", "ELASTIC_API_KEY"}


def test_resolution_order_flag_env_dotenv_default(tmp_path):
    env_file = tmp_path / "ki.env"
    env_file.write_text("KAFKA_TOPIC=from_dotenv\nKAFKA_BOOTSTRAP_SERVERS=dotenv:1\nKAFKA_GROUP_ID=g_dotenv\n"
                        "ELASTIC_PASSWORD=pw${X}\nKI_METRICS_PORT=9123\n")
    env_file.chmod(0o600)
    p = build_parser()
    a = config.resolve(p.parse_args(["consume", "-b", "flag:1", "--env-file", str(env_file)]), "consume",
                       environ={"KAFKA_GROUP_ID": "g_env"})
    assert a.bootstrap == "flag:1" and a.group == "g_env" and a.topics == ["from_dotenv"]
    assert a.password == "pw${X}" and a.metrics_port == 9123 and a.index == "test-log"
    assert a.given == {"bootstrap"}
    # watch has its own group: KAFKA_GROUP_ID is the Elasticsearch consumer's
    w = config.resolve(p.parse_args(["watch", "--env-file", str(env_file)]), "watch", environ={"KAFKA_GROUP_ID": "x"})
    assert w.group == "kafkainsight-watch" and w.auto_offset_reset == "latest"
    d = config.resolve(p.parse_args(["produce", "--env-file", "/dev/null"]), "produce", environ={})
    assert d.bootstrap == "localhost:9093" and d.topic == "data_log" and d.files == ["sample_logs/apache.log"]
    with pytest.raises(ValueError, match="KI_METRICS_PORT must be an integer"):
        config.resolve(p.parse_args(["watch", "--env-file", "/dev/null"]), "watch", environ={"KI_METRICS_PORT": "x"})


def _api_defaults(fn) -> dict:
    return {k: v.default for k, v in inspect.signature(fn).parameters.items()
            if v.default is not inspect.Parameter.empty}


@pytest.mark.parametrize("command,api", [
    ("produce", "kafkainsight.kafka:Producer"),
    ("consume", "kafkainsight.elasticsearch:ElasticsearchSink"),
    ("consume", "kafkainsight.elasticsearch:Consumer"),
    ("watch", "kafkainsight.watch:Watcher"),
])
def test_python_api_defaults_are_the_table_defaults(command, api):
    import importlib
    mod, cls = api.split(":")
    got = _api_defaults(getattr(importlib.import_module(mod), cls).__init__)
    table = config.defaults(command)
    shared = set(got) & set(table)
    assert len(shared) >= 4, shared
    for name in shared:
        want = table[name]
        value = list(got[name]) if isinstance(want, list) and got[name] is not None else got[name]
        assert value == want, f"{api}({name}=...) {got[name]!r} != table {want!r}"


def _cpp_value(value, field: str):
    """Table units -> C++ units: seconds -> *_ms."""
    if field.endswith("_ms") and isinstance(value, (int, float)):
        return int(value * 1000)
    return value


def test_cpp_defaults_agree_with_the_table():
    cpp = _core.cpp_defaults()
    checked = 0
    for s in config.SETTINGS:
        for c in s.commands:
            v = s.for_command(c)
            where = v.cpp.get(c)
            if where:
                struct, field = where.split(".")
                assert struct in cpp and field in cpp[struct], f"{where}: not in _core.cpp_defaults()"
                have = cpp[struct][field]
                if v.default is None:  # "not set" in the table: the C++ empty value
                    assert not have, f"{where} = {have!r}, table {v.name} ({c}) has none"
                else:
                    assert have == _cpp_value(v.default, field), f"{where} = {have!r} != table {v.name} ({c})"
                checked += 1
    assert checked >= 35


def test_dead_letter_topic_is_decided_once_in_cpp():
    from kafkainsight import EmbeddedBroker, Producer
    with EmbeddedBroker(topics={"t": 1, "t.dlq": 1, "other": 1}) as b:
        with Producer(b.bootstrap, "t") as p:
            assert p.dlq_topic == "t.dlq"
        with Producer(b.bootstrap, "t", dlq_topic="other") as p:
            assert p.dlq_topic == "other"
