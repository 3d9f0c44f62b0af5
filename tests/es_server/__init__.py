"""Elasticsearch-8-compatible HTTPS test server (standard library + the openssl CLI).

    from tests.es_server import EsTestServer
    with EsTestServer() as es:
        es.url, es.ca_path, es.ca_fingerprint, es.user, es.password

See server.py for the API and the parts it is made of, tests/conftest_es.py for the pytest
fixture and ``python -m tests.es_server --help`` to run one by hand.
"""
from .common import ES_VERSION, EsServerError
from .faults import RequestRecord
from .server import EsTestServer

__all__ = ["EsTestServer", "EsServerError", "RequestRecord", "ES_VERSION"]
