"""KafkaInsight: parse web-server and syslog logs with a fast C++ core.

>>> import kafkainsight as ki
>>> ki.parse_line('1.2.3.4 - - [22/Apr/2018:09:30:00 +0000] "GET / HTTP/1.1" 200 5')["http"]["response"]
{'status_code': 200, 'body': {'bytes': 5}}
"""
from __future__ import annotations

from ._version import __version__
# Eager: the submodule shares the function's name, and importing it later would rebind
# `kafkainsight.generate` to the module. It is light (_core is loaded anyway).
from .generate import generate, generate_lines

# Submodules load on first use (PEP 562), so `kafkainsight produce` does not pay for pandas
# glue, Elasticsearch helpers and dataclasses it never touches.
_LAZY = {
    "LogResult": "logs", "LogBatches": "logs", "ParseError": "logs", "iter_batches": "logs", "detect_format": "logs", "parse_line": "logs", "read_logs": "logs",
    "EmbeddedBroker": "kafka", "Producer": "kafka", "ProduceStats": "kafka", "read_topic": "kafka",
    "Consumer": "elasticsearch", "ConsumeStats": "elasticsearch", "ElasticsearchSink": "elasticsearch",
    "search": "search",
    "Watcher": "watch", "WatchStats": "watch", "evaluate_files": "watch", "evaluate_logs": "watch",
}


def __getattr__(name: str):
    if name in ("FORMATS", "SCHEMAS"):
        from . import _core
        value = getattr(_core, name)
    elif name in _LAZY:
        import importlib
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | {"FORMATS", "SCHEMAS"})


__all__ = [
    "__version__",
    "FORMATS",
    "SCHEMAS",
    "Consumer",
    "ConsumeStats",
    "ElasticsearchSink",
    "EmbeddedBroker",
    "LogResult",
    "Producer",
    "ProduceStats",
    "ParseError",
    "detect_format",
    "generate",
    "generate_lines",
    "parse_line",
    "read_logs",
    "iter_batches",
    "read_topic",
    "search",
    "Watcher",
    "WatchStats",
    "evaluate_files",
    "evaluate_logs",
]
