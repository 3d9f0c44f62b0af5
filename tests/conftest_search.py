"""pytest fixture that starts a real search engine (tests/search_harness: OpenSearch behind
nginx with TLS + basic auth, looking like a secured Elasticsearch 8 to clients).

Use either way (both work, even together -- the engine is started once per session):

    # tests/conftest.py
    pytest_plugins = ["tests.conftest_kafka", "tests.conftest_search"]
    # or, in a test module
    from tests.conftest_search import search_engine   # noqa: F401

    @pytest.mark.search
    def test_something(search_engine):            # started on first use
        es = Elasticsearch(**search_engine.client_kwargs())

The fixture is session-scoped: tests share the engine, so each test should use its own index
names (``unique_index()`` helps). Set SEARCH_HARNESS_SKIP_IF_UNAVAILABLE=1 to skip (instead of
error) when Java, Maven or nginx are missing.
"""
from __future__ import annotations

import os
import sys
import threading
import uuid

import pytest

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:                      # `tests.` imports work from any rootdir/cwd
    sys.path.insert(0, _ROOT)

from tests.search_harness.engine import SearchEngine, SearchHarnessError  # noqa: E402

__all__ = ["search_engine", "SearchEngine", "unique_index"]

# One engine per process, even if the fixture is registered twice (a plugin line plus a test
# module importing it): pytest then has two FixtureDefs, and both must hand out the same engine.
_ENGINE: dict = {}
_LOCK = threading.Lock()


def unique_index(prefix: str = "t") -> str:
    """An index name no other test in the session uses (lowercase, as indices must be)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}".lower()


def _get_engine() -> SearchEngine:
    with _LOCK:
        se = _ENGINE.get("engine")
        if se is None:
            se = SearchEngine(verbose=True)
            try:
                se.start(timeout=180)
            except SearchHarnessError as e:
                if os.environ.get("SEARCH_HARNESS_SKIP_IF_UNAVAILABLE") and (
                        "--fetch-only" in str(e)):        # a missing tool, not a broken engine
                    pytest.skip(f"search harness unavailable: {e}")
                raise
            _ENGINE["engine"] = se
            _ENGINE["users"] = 0
        _ENGINE["users"] += 1
        return se


def _release() -> None:
    with _LOCK:
        _ENGINE["users"] -= 1
        if _ENGINE["users"] > 0:
            return
        se = _ENGINE.pop("engine", None)
        _ENGINE.pop("users", None)
    if se is not None:
        se.stop()


@pytest.fixture(scope="session")
def search_engine():
    """A real OpenSearch node: ``.url`` (https://localhost:PORT, verify ``.ca_path``, basic auth
    ``.user``/``.password``), ``.raw_url`` (the engine's own plain-HTTP port),
    ``.client_kwargs()`` for ``elasticsearch.Elasticsearch``, ``.request()`` (stdlib)."""
    se = _get_engine()
    try:
        yield se
    finally:
        _release()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "search: needs the real search engine started by tests/search_harness")
