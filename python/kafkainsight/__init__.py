"""KafkaInsight: parse web-server and syslog logs with a fast C++ core.

>>> import kafkainsight as ki
>>> ki.parse_line('1.2.3.4 - - [22/Apr/2018:09:30:00 +0000] "GET / HTTP/1.1" 200 5')["http"]["response"]
{'status_code': 200, 'body': {'bytes': 5}}
"""
from __future__ import annotations

from ._version import __version__
from .logs import LogResult, ParseError, detect_format, parse_line, read_logs
from .generate import generate, generate_lines
from .kafka import EmbeddedBroker, Producer, ProduceStats, read_topic
from .elasticsearch import Consumer, ConsumeStats, ElasticsearchSink
from .watch import Watcher, WatchStats, evaluate_files, evaluate_logs
from . import _core

FORMATS = _core.FORMATS
SCHEMAS = _core.SCHEMAS

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
    "read_topic",
    "Watcher",
    "WatchStats",
    "evaluate_files",
    "evaluate_logs",
]
