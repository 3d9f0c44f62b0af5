import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
# tests.* helpers (the Kafka harness) import from the repo; kafkainsight itself comes from the
# installed package, never from python/ (tests check what users install).
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def root() -> pathlib.Path:
    return ROOT


@pytest.fixture(scope="session")
def sample_logs(root) -> pathlib.Path:
    return root / "sample_logs"


# Real Apache Kafka (kafka_cluster, kafka_cluster3) and a real search engine (search_engine),
# started only when a test asks.
pytest_plugins = ["tests.conftest_kafka", "tests.conftest_search", "tests.conftest_es"]
