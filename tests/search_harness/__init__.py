"""A real search engine (OpenSearch) for end-to-end tests, behind TLS + basic auth (nginx).

See engine.py; ``python -m tests.search_harness`` runs one by hand.
"""
from .engine import SearchEngine, SearchHarnessError  # noqa: F401

__all__ = ["SearchEngine", "SearchHarnessError"]
