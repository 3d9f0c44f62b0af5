"""A real search engine (OpenSearch) for end-to-end tests, behind TLS + basic auth (nginx).

The engine itself is the product's (kafkainsight.sandbox.search, which the demo starts); engine.py
re-exports it. ``python -m tests.search_harness`` runs one by hand.
"""
from .engine import SearchEngine, SearchHarnessError  # noqa: F401

__all__ = ["SearchEngine", "SearchHarnessError"]
