"""The real search engine for the tests: ``kafkainsight.sandbox.search`` (the demo starts the
same one), re-exported. See its docstring; here the cache stays in the checkout's
``build/search_harness/`` (unless $SEARCH_HARNESS_CACHE_DIR says otherwise)."""
from __future__ import annotations

import os
from pathlib import Path

from kafkainsight.sandbox import search as _search
from kafkainsight.sandbox.search import *  # noqa: F401,F403
from kafkainsight.sandbox.search import SearchEngine, SearchHarnessError  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parents[2]
if not os.environ.get("SEARCH_HARNESS_CACHE_DIR"):
    _search.CACHE_ROOT = REPO_ROOT / "build" / "search_harness"
CACHE_ROOT = _search.CACHE_ROOT
