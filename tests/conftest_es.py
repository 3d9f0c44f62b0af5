"""pytest fixtures for the Elasticsearch-8-compatible HTTPS test server (tests/es_server).

Use either way:

    # tests/conftest.py
    pytest_plugins = ["tests.conftest_kafka", "tests.conftest_es"]
    # or, in one test module
    from tests.conftest_es import es_server, es_server_session, es_server_shared  # noqa: F401

    def test_consumer_retries(es_server):            # a fresh server for this test (~0.15 s)
        es_server.fail_next_requests(2, status=429)
        run_consumer(url=es_server.url, ca=es_server.ca_path,
                     user=es_server.user, password=es_server.password)
        assert len(es_server.docs("logs")) == 100
        assert [r.status for r in es_server.requests("/_bulk")][:3] == [429, 429, 200]

Choice of scope: ``es_server`` is function-scoped -- its own CA, port, password and empty
state for every test, and it is stopped afterwards, so nothing leaks between tests (a test that
calls ``set_down(True)`` or injects faults needs no clean-up). Starting one costs ~0.15 s (two
openssl key generations + a listening socket). ``es_server_shared`` is one session-wide server
with ``reset()`` (indices, templates, faults, counters, request log) and ``set_down(False)``
before each test: the same URL/CA all session, for tests that start an expensive consumer
process once. Both need only the ``openssl`` CLI.
"""
from __future__ import annotations

import pytest

from tests.es_server import EsTestServer


@pytest.fixture
def es_server(tmp_path):
    """A fresh EsTestServer for one test; CA in ``tmp_path/es/http_ca.crt``."""
    server = EsTestServer(workdir=str(tmp_path / "es"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def es_server_session(tmp_path_factory):
    server = EsTestServer(workdir=str(tmp_path_factory.mktemp("es-shared")))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def es_server_shared(es_server_session):
    """The session-wide EsTestServer, reset (and up) at the start of each test."""
    es_server_session.set_down(False)
    es_server_session.reset()
    return es_server_session


@pytest.fixture
def es(es_server):
    """es_server under the short name the consumer, certificate, security and hostile-message
    tests use."""
    return es_server
