"""Real services the demo starts on this machine, with nothing to install by hand beyond
scripts/setup.sh: a search engine (OpenSearch from Maven Central jars, behind nginx with TLS
and basic auth; ``search.SearchEngine``). The embedded Kafka broker is ``kafkainsight broker``
(``kafka.EmbeddedBroker``). The tests start the same engine (tests/search_harness re-exports it).

``python -m kafkainsight.sandbox --fetch-only`` compiles the engine's runner and resolves its
jars (scripts/setup.sh runs it, so the first demo needs no download).
"""
from .search import SearchEngine, SearchHarnessError

SearchEngineError = SearchHarnessError  # the product's name for it

__all__ = ["SearchEngine", "SearchEngineError", "SearchHarnessError"]
