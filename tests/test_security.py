"""Security: TLS verified by default (Elasticsearch over libcurl, Kafka over librdkafka), secrets
never shown, `.env` read as data, documents that no log line can inject fields into, and index
names that cannot smuggle a path into a URL."""
import base64
import dataclasses
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import traceback

import pytest

import kafkainsight as ki
from kafkainsight import _core
from kafkainsight.elasticsearch import Consumer, ElasticsearchSink
from kafkainsight.kafka import EmbeddedBroker, KafkaError, Producer
from kafkainsight.settings import Settings, load_dotenv_file
from tests.es_server import EsTestServer
from tests.es_server import certs as es_server_module
from tests.harness_util import serve_http
from tests.kafka_util import FAST, consume_all, data_log_broker, group

KI = [sys.executable, "-m", "kafkainsight"]
SECRET = "Zq9xSECRETx7731kI"  # distinctive: grep every output for it
SYSTEM_CAS = "/etc/ssl/certs/ca-certificates.crt"


def run(*args, env=None, cwd=None, timeout=120):
    return subprocess.run([*KI, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def broker():
    with data_log_broker(2, ki.generate_lines("apache_combined", 50, seed=3)) as b:
        yield b




def consume_cli(es, broker, *extra, env=None):
    return run("consume", "-b", broker.bootstrap, "-g", group("sec"), "--url", es.url, "--idle-timeout", "2",
               "--startup-timeout", "2", "--env-file", os.devnull, *extra, env=env)


# ---------------------------------------------------------------- TLS: Elasticsearch (libcurl)

def test_es_tls_is_verified_by_default_and_a_foreign_ca_fails(es, broker, tmp_path):
    assert ElasticsearchSink(es.url)._cfg.client.insecure is False
    # The server's CA is self-signed (as Elasticsearch 8's is): the system's trusted roots refuse it.
    r = consume_cli(es, broker, "--ca-certs", SYSTEM_CAS, env={"ELASTIC_PASSWORD": es.password})
    assert r.returncode == 1, r.stderr
    assert "TLS" in r.stderr and SYSTEM_CAS in r.stderr and "certificate" in r.stderr
    # A CA of another cluster fails the same way.
    with EsTestServer(workdir=str(tmp_path / "other")) as other:
        other_ca = other.ca_path
        r = consume_cli(es, broker, "--ca-certs", other_ca, env={"ELASTIC_PASSWORD": es.password})
    assert r.returncode == 1 and "TLS" in r.stderr and other_ca in r.stderr, r.stderr
    # No CA given and none at the default path: refuses to start, says where to get one.
    r = consume_cli(es, broker, env={"ELASTIC_PASSWORD": es.password}, )
    assert r.returncode != 0 and "http_ca.crt" in r.stderr and "--insecure" in r.stderr
    # A wrong pin fails too.
    r = consume_cli(es, broker, "--ca-fingerprint", "ab" * 32, env={"ELASTIC_PASSWORD": es.password})
    assert r.returncode == 1 and "fingerprint" in r.stderr, r.stderr
    # Control: the right CA works, so the failures above are the verification's doing.
    r = consume_cli(es, broker, "--ca-certs", es.ca_path, env={"ELASTIC_PASSWORD": es.password})
    assert r.returncode == 0 and "indexed=50" in r.stderr, r.stderr


def test_es_hostname_mismatch_fails(tmp_path, broker, monkeypatch):
    # The test server's certificate, signed by its own CA, but issued for another host name.
    cnf = es_server_module._OPENSSL_CNF
    assert "DNS:localhost,IP:127.0.0.1,IP:::1" in cnf
    monkeypatch.setattr(es_server_module, "_OPENSSL_CNF",
                        cnf.replace("DNS:localhost,IP:127.0.0.1,IP:::1", "DNS:elastic.example.org"))
    with EsTestServer(workdir=str(tmp_path / "es")) as es:
        r = consume_cli(es, broker, "--ca-certs", es.ca_path, env={"ELASTIC_PASSWORD": es.password})
        assert r.returncode == 1, r.stderr
        assert "host name" in r.stderr and "localhost" in r.stderr and "TLS" in r.stderr


# ---------------------------------------------------------------- hostile networks: the CA pin

def pem(path, *parts):
    """A PEM file of the given certificates, in order (a chain as a server sends it)."""
    with open(path, "w") as out:
        for p in parts:
            with open(p) as f:
                out.write(f.read())
    return str(path)


def leaf_of(es):
    """The test server's own certificate alone (its chain file is this + the CA, like ES 8's)."""
    return os.path.join(os.path.dirname(es.key_path), "http.crt")


def test_ca_pin_refuses_a_foreign_certificate_with_the_pinned_ca_appended(es, broker, tmp_path):
    # The attack: a certificate for localhost from the attacker's own CA (with the same name as the
    # ES auto-configured one), followed by the real CA certificate, which anyone can download.
    _, _, foreign_key = es_server_module._generate_certs(str(tmp_path / "foreign"))
    foreign_leaf = tmp_path / "foreign" / "certs" / "http.crt"
    es.use_certificate(pem(tmp_path / "crafted.pem", foreign_leaf, es.ca_path), foreign_key)
    r = consume_cli(es, broker, "--ca-fingerprint", es.ca_fingerprint, env={"ELASTIC_PASSWORD": SECRET})
    assert r.returncode == 1, r.stderr
    assert "TLS" in r.stderr and "not issued by the CA pinned with --ca-fingerprint" in r.stderr, r.stderr
    # The server counts the refused handshake on its own thread, possibly after the client exited.
    assert es.wait_for(lambda s: s.counters.get("tls_failures", 0) >= 1, timeout=5)
    assert es.request_log == []  # no request: the password never left
    assert_no_secret(r.stdout, r.stderr)


def test_ca_pin_accepts_the_genuine_chain_leaf_plus_ca(es, broker):
    # What a real Elasticsearch 8 sends: its http.p12 holds the certificate followed by http_ca
    # (elastic/elasticsearch AutoConfigureNode: setKeyEntry("http", ..., {httpCert, httpCaCert})).
    r = consume_cli(es, broker, "--ca-fingerprint", es.ca_fingerprint.upper(), env={"ELASTIC_PASSWORD": es.password})
    assert r.returncode == 0 and "indexed=50" in r.stderr, r.stderr


def test_ca_pin_against_a_server_that_sends_only_its_own_certificate(es, broker):
    es.use_certificate(leaf_of(es), es.key_path)
    r = consume_cli(es, broker, "--ca-fingerprint", es.ca_fingerprint, env={"ELASTIC_PASSWORD": es.password})
    assert r.returncode == 1, r.stderr
    assert "sent only its own certificate" in r.stderr and "--ca-certs" in r.stderr, r.stderr
    assert es.request_log == []
    # Pinning the server's own certificate works, and so does the CA file (the advice given).
    leaf_pin = es_server_module._pem_fingerprint(leaf_of(es))
    r = consume_cli(es, broker, "--ca-fingerprint", leaf_pin, env={"ELASTIC_PASSWORD": es.password})
    assert r.returncode == 0 and "indexed=50" in r.stderr, r.stderr
    r = consume_cli(es, broker, "--ca-certs", es.ca_path, "-g", group("sec"), env={"ELASTIC_PASSWORD": es.password})
    assert r.returncode == 0, r.stderr


def test_ca_pin_still_checks_the_host_name(tmp_path, broker, monkeypatch):
    # A genuine certificate of the pinned CA, issued for another host: refused unless --insecure.
    monkeypatch.setattr(es_server_module, "_OPENSSL_CNF", es_server_module._OPENSSL_CNF.replace(
        "DNS:localhost,IP:127.0.0.1,IP:::1", "DNS:elastic.example.org"))
    with EsTestServer(workdir=str(tmp_path / "es")) as es:
        r = consume_cli(es, broker, "--ca-fingerprint", es.ca_fingerprint, env={"ELASTIC_PASSWORD": SECRET})
        assert r.returncode == 1, r.stderr
        assert "host name" in r.stderr and "localhost" in r.stderr and "TLS" in r.stderr, r.stderr
        assert es.request_log == []
        r = consume_cli(es, broker, "--ca-fingerprint", es.ca_fingerprint, "--insecure",
                        env={"ELASTIC_PASSWORD": es.password})
        assert r.returncode == 0 and "indexed=50" in r.stderr and "verification is OFF" in r.stderr, r.stderr


def dated_certs(tmp_path, start, end):
    """(ca, chain, key): the test server's CA and a server certificate valid from start to end
    (YYYYMMDDHHMMSSZ), signed with `openssl ca` (`openssl x509 -days` cannot go back in time)."""
    ca, _, key = es_server_module._generate_certs(str(tmp_path))
    certs = tmp_path / "certs"
    (certs / "index.txt").write_text("")
    (certs / "ca.cnf").write_text("[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\n"
                                  "rand_serial = yes\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n")
    subprocess.run(["openssl", "ca", "-batch", "-config", "ca.cnf", "-in", "http.csr", "-cert", ca,
                    "-keyfile", "http_ca.key", "-startdate", start, "-enddate", end, "-extfile", "openssl.cnf",
                    "-extensions", "v3_srv", "-notext", "-out", "dated.crt"], cwd=certs, check=True, capture_output=True)
    return ca, pem(certs / "dated_chain.pem", certs / "dated.crt", ca), key


@pytest.mark.parametrize("case,start,end,words", [
    ("expired", "20200101000000Z", "20200201000000Z", "has expired (valid from 2020-01-01 00:00:00 UTC until "
                                                      "2020-02-01 00:00:00 UTC)"),
    ("not_yet_valid", "20900101000000Z", "20910101000000Z", "is not yet valid (valid from 2090-01-01 00:00:00 UTC"),
])
def test_a_server_certificate_out_of_its_dates_is_named_not_the_ca_file(es, broker, tmp_path, case, start, end, words):
    ca, chain, key = dated_certs(tmp_path / case, start, end)
    es.use_certificate(chain, key)
    for how in (["--ca-certs", ca], ["--ca-fingerprint", es_server_module._pem_fingerprint(ca)]):
        r = consume_cli(es, broker, *how, env={"ELASTIC_PASSWORD": es.password})
        assert r.returncode == 1, r.stderr
        assert "the server's certificate /CN=localhost " + words in r.stderr, r.stderr
        assert "http_ca.crt of this cluster" not in r.stderr
    assert es.request_log == []


# ---------------------------------------------------------------- hostile networks: plain http

class HeaderRecorder:
    """A plain-HTTP listener that records each request's method, path and headers and answers
    401 like Elasticsearch: whatever reached it went over the wire in clear."""

    def __init__(self):
        import http.server
        seen = self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append((self.command, self.path, dict(self.headers)))
                body = b'{"error":{"type":"security_exception","reason":"missing authentication"},"status":401}'
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_PUT = do_POST = do_DELETE = do_GET

            def log_message(self, *a):
                pass

        self.srv = serve_http(Handler)
        self.url = f"http://127.0.0.1:{self.srv.server_port}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.srv.shutdown()
        self.srv.server_close()


def test_credentials_do_not_go_over_plain_http_without_the_flag(broker):
    with HeaderRecorder() as srv:
        host = srv.url.split("//", 1)[1]
        for url, env in [(srv.url, {"ELASTIC_PASSWORD": SECRET}), (srv.url, {"ELASTIC_API_KEY": f"kid:{SECRET}"}),
                         (f"http://elastic:{SECRET}@{host}", {})]:
            r = run("consume", "-b", broker.bootstrap, "-g", group("sec"), "--url", url, "--idle-timeout", "2",
                    "--startup-timeout", "2", "--env-file", "/dev/null", env=env)
            assert r.returncode == 2 and "refusing to send" in r.stderr and "--allow-http-credentials" in r.stderr, r.stderr
            assert "Traceback" not in r.stderr
            assert_no_secret(r.stdout, r.stderr)
        # The Python API refuses too, before any request.
        with pytest.raises(ValueError, match="refusing to send the password"):
            Consumer(broker.bootstrap, "data_log", group("sec"), FAST).run(
                ElasticsearchSink(srv.url, password=SECRET), idle_timeout=1)
        assert srv.requests == []
        # Said explicitly: sent, with a warning.
        r = run("consume", "-b", broker.bootstrap, "-g", group("sec"), "--url", srv.url, "--allow-http-credentials",
                "--idle-timeout", "2", "--startup-timeout", "2", "--env-file", "/dev/null",
                env={"ELASTIC_PASSWORD": SECRET})
        assert r.returncode == 1 and "refused the credentials" in r.stderr, r.stderr
        assert "WARNING" in r.stderr and "clear text" in r.stderr and srv.url in r.stderr
        assert_no_secret(r.stdout, r.stderr)
        auth = "Basic " + base64.b64encode(f"elastic:{SECRET}".encode()).decode()
        assert srv.requests and all(h.get("Authorization") == auth for _, _, h in srv.requests)


def test_deploy_assets_does_not_send_credentials_over_plain_http_without_the_flag(monkeypatch, capsys):
    from kafkainsight.cli import main
    monkeypatch.setenv("ELASTIC_PASSWORD", SECRET)
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    with HeaderRecorder() as srv:
        assert main(["deploy-assets", "--kibana-url", srv.url, "--env-file", "/dev/null"]) == 1
        err = capsys.readouterr().err
        assert "refusing to send the password" in err and "--allow-http-credentials" in err
        assert srv.requests == []
        assert main(["deploy-assets", "--kibana-url", srv.url, "--allow-http-credentials",
                     "--env-file", "/dev/null"]) == 1  # the recorder answers 401
        err = capsys.readouterr().err
        assert "WARNING" in err and "clear text" in err
        assert_no_secret(err)
        [(_, path, headers)] = srv.requests
        assert path.startswith("/api/saved_objects/_import") and headers["Authorization"].startswith("Basic ")


def test_a_password_in_the_url_gets_a_warning_pointing_to_elastic_password(es, broker):
    host = es.url.split("//", 1)[1]
    r = consume_cli(es, broker, "--ca-certs", es.ca_path, "--url", f"https://elastic:{es.password}@{host}")
    assert r.returncode == 0 and "indexed=50" in r.stderr, r.stderr
    assert "visible to other users" in r.stderr and "ELASTIC_PASSWORD" in r.stderr and es.password not in r.stderr
    r = consume_cli(es, broker, "--ca-certs", es.ca_path, env={"ELASTIC_PASSWORD": es.password})
    assert r.returncode == 0 and "visible to other users" not in r.stderr, r.stderr


def test_a_url_with_a_query_string_keeps_it_after_the_request_path(es, broker):
    r = consume_cli(es, broker, "--ca-certs", es.ca_path, "--url", es.url + "/?x=1",
                    env={"ELASTIC_PASSWORD": es.password})
    assert r.returncode == 0 and "indexed=50" in r.stderr, r.stderr
    log = es.request_log
    assert {q.path for q in log} >= {"/", "/test-log", "/_bulk"}, [(q.method, q.path, q.query) for q in log]
    assert all(q.query == "x=1" for q in log), [(q.path, q.query) for q in log]


# ---------------------------------------------------------------- TLS: Kafka (librdkafka)

class TlsListener:
    """A TLS endpoint that records completed handshakes (it is not Kafka: after the handshake it
    hangs up). Tells whether librdkafka accepted the certificate, from the server's side."""

    def __init__(self, cert, key):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.handshakes = 0
        self.refused = 0
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(5)
            try:
                with self.ctx.wrap_socket(conn, server_side=True):
                    self.handshakes += 1
            except (ssl.SSLError, OSError):
                self.refused += 1

    def close(self):
        self._stop = True
        self.thread.join(5)
        self.sock.close()


def certs(tmp_path, name, san):
    """(ca, chain, key) from the test server's own generator, with the given subjectAltName."""
    cnf = es_server_module._OPENSSL_CNF.replace("DNS:localhost,IP:127.0.0.1,IP:::1", san)
    old, es_server_module._OPENSSL_CNF = es_server_module._OPENSSL_CNF, cnf
    try:
        return es_server_module._generate_certs(str(tmp_path / name))
    finally:
        es_server_module._OPENSSL_CNF = old


@pytest.mark.parametrize("case", ["foreign_ca", "wrong_host", "right"])
def test_kafka_ssl_is_verified_by_default(tmp_path, case):
    ca, chain, key = certs(tmp_path, "kafka", "DNS:broker.example.org" if case == "wrong_host" else "DNS:localhost")
    trusted = certs(tmp_path, "other", "DNS:localhost")[0] if case == "foreign_ca" else ca
    srv = TlsListener(chain, key)
    try:
        with pytest.raises(KafkaError) as e:
            Producer(f"localhost:{srv.port}", "t", {"security.protocol": "SSL", "ssl.ca.location": trusted},
                     timeout=5)
    finally:
        srv.close()
    if case == "right":  # control: the same set-up with the right CA and name completes the handshake
        assert srv.handshakes >= 1
    else:
        assert srv.handshakes == 0 and srv.refused >= 1
        assert "cannot reach Kafka" in str(e.value)


# ---------------------------------------------------------------- secrets

def assert_no_secret(*texts):
    for t in texts:
        assert SECRET not in str(t), f"the secret leaked into: {str(t)[:2000]}"


def test_secrets_never_appear_in_consumer_output_errors_reprs_or_stats(es, broker, tmp_path):
    es.add_api_key(("kid", "right-key"))
    # Wrong password and wrong API key against the real TLS server: refused, clearly, secret unseen.
    r = consume_cli(es, broker, "--ca-certs", es.ca_path, env={"ELASTIC_PASSWORD": SECRET})
    assert r.returncode == 1 and "refused the credentials" in r.stderr
    assert_no_secret(r.stdout, r.stderr)
    r = consume_cli(es, broker, "--ca-certs", es.ca_path, env={"ELASTIC_API_KEY": f"kid:{SECRET}"})
    assert r.returncode == 1 and "ELASTIC_API_KEY" in r.stderr
    assert_no_secret(r.stdout, r.stderr)
    # SASL password for Kafka, with librdkafka's own debug logging of its configuration on.
    r = consume_cli(es, broker, "--ca-certs", es.ca_path, "-X", f"sasl.password={SECRET}", "-X", "sasl.username=u",
                    "-X", "debug=conf,security", env={"ELASTIC_PASSWORD": SECRET})
    assert_no_secret(r.stdout, r.stderr)
    # A password written into the URL is taken out of it: the URL is shown in errors and reprs.
    host = es.url.split("//", 1)[1]
    r = consume_cli(es, broker, "--ca-certs", es.ca_path, "--url", f"https://elastic:{SECRET}@{host}")
    assert r.returncode == 1 and "refused the credentials" in r.stderr and f"https://{host}" in r.stderr
    assert_no_secret(r.stdout, r.stderr, repr(ElasticsearchSink(f"https://elastic:{SECRET}@{host}")))
    r = consume_cli(es, broker, "--ca-certs", es.ca_path, "--url", f"https://elastic:{es.password}@{host}")
    assert r.returncode == 0 and "indexed=50" in r.stderr and es.password not in r.stderr, r.stderr
    # Python API: exception text, traceback, reprs, stats.
    sink = ElasticsearchSink(es.url, ca_certs=es.ca_path, password=SECRET, linger=0.2)
    sink_key = ElasticsearchSink(es.url, ca_certs=es.ca_path, api_key=SECRET)
    c = Consumer(broker.bootstrap, "data_log", group("sec"), {**FAST, "sasl.password": SECRET})
    with pytest.raises(KafkaError) as e:
        c.run(sink, idle_timeout=2)
    assert_no_secret(str(e.value), repr(e.value), "".join(traceback.format_exception(e.value)), repr(sink),
                     repr(sink_key), repr(c), c.last_stats)
    ok = Consumer(broker.bootstrap, "data_log", group("sec"), FAST)
    st = ok.run(ElasticsearchSink(es.url, ca_certs=es.ca_path, password=es.password, linger=0.2), idle_timeout=2)
    assert st.consumed == 50 and st.indexed + st.duplicates == 50  # the URL run above indexed them
    assert es.password not in repr(st) + json.dumps(dataclasses.asdict(st)) + st.summary()


def test_secrets_never_appear_in_producer_output_errors_or_reprs(tmp_path):
    log = tmp_path / "a.log"
    log.write_text("\n".join(ki.generate_lines("apache_common", 20, seed=2)) + "\n")
    with EmbeddedBroker(topics={"t": 1}) as b:
        # A misspelt secret property: a clear error that names it, without its value.
        r = run("produce", str(log), "-b", b.bootstrap, "-t", "t", "-X", f"sasl.passwd={SECRET}",
                "--env-file", os.devnull)
        assert r.returncode == 2 and "sasl.passwd" in r.stderr, r.stderr
        assert_no_secret(r.stdout, r.stderr)
        r = run("produce", str(log), "-b", b.bootstrap, "-t", "t", "-X", f"sasl.password={SECRET}",
                "-X", "sasl.username=u", "-X", "debug=conf,security", "--timeout", "3", "--env-file", os.devnull)
        assert_no_secret(r.stdout, r.stderr)
        p = Producer(b.bootstrap, "t", {"sasl.password": SECRET, "sasl.username": "u"})
        st = p.produce_file(log)
        assert st.produced == 20
        assert_no_secret(repr(p), repr(st), st._repr_html_(), json.dumps(dataclasses.asdict(st)))
    with pytest.raises(KafkaError) as e:
        Producer("127.0.0.1:1", "t", {"sasl.password": SECRET, "security.protocol": "SASL_PLAINTEXT",
                                      "sasl.mechanism": "PLAIN", "sasl.username": "u"}, timeout=2)
    assert_no_secret(str(e.value), "".join(traceback.format_exception(e.value)))


# ---------------------------------------------------------------- .env

def env_file(path, content, mode: int = 0o600):
    """A .env file with ``content`` (str or bytes) and permissions ``mode``."""
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    path.chmod(mode)
    return path


def test_dotenv_executes_nothing_and_keeps_values_literal(tmp_path):
    marker = tmp_path / "pwned"
    env = env_file(tmp_path / ".env", f"A=$(touch {marker})\nB=`touch {marker}`\nC=\"$(touch {marker})\"\n"
                                      f"D='`touch {marker}`'\nE=${{HOME}}\n")
    values = load_dotenv_file(str(env))
    assert not marker.exists()
    assert values["A"] == f"$(touch {marker})" and values["B"] == f"`touch {marker}`"
    assert values["C"] == f"$(touch {marker})" and values["D"] == f"`touch {marker}`"
    # Through the CLI too (the consumer reads ELASTIC_PASSWORD from .env): nothing runs.
    (tmp_path / "cwd").mkdir()
    env_file(tmp_path / "cwd" / ".env", f"ELASTIC_PASSWORD=$(touch {marker})\nKAFKA_TOPIC=`touch {marker}`\n")
    r = run("produce", "--embedded", "--timeout", "5", str(tmp_path / "none.log"), cwd=tmp_path / "cwd",
            env={"PYTHONPATH": os.pathsep.join(sys.path)})
    assert not marker.exists(), r.stderr


def test_world_readable_dotenv_gets_a_warning_naming_it(tmp_path):
    env = env_file(tmp_path / "secrets.env", f"ELASTIC_PASSWORD={SECRET}\n", 0o644)
    with pytest.warns(UserWarning, match=r"secrets\.env is readable by other users"):
        Settings(str(env))
    log = tmp_path / "a.log"
    log.write_text("\n".join(ki.generate_lines("apache_common", 5, seed=2)) + "\n")
    r = run("produce", str(log), "--embedded", "--env-file", str(env))
    assert r.returncode == 0, r.stderr
    assert str(env) in r.stderr and "readable by other users" in r.stderr and "chmod 600" in r.stderr
    assert_no_secret(r.stdout, r.stderr)
    env.chmod(0o600)
    r = run("produce", str(log), "--embedded", "--env-file", str(env))
    assert r.returncode == 0 and "readable by other users" not in r.stderr


def test_dotenv_that_is_not_utf8_is_a_clear_error(tmp_path):
    env = env_file(tmp_path / "bad.env", b"KAFKA_TOPIC=caf\xe9\n")
    with pytest.raises(ValueError, match=r"bad\.env.*UTF-8"):
        load_dotenv_file(str(env))
    r = run("produce", "--embedded", "--env-file", str(env), str(tmp_path / "x.log"))
    assert r.returncode == 2 and str(env) in r.stderr and "Traceback" not in r.stderr


# ---------------------------------------------------------------- documents: no field injection

INJECT = '","admin":true,"x":"'


def esc(s):
    """As Apache writes a request or header into its access log: \\ and \" escaped."""
    return s.replace("\\", "\\\\").replace('"', '\\"')


ACCESS = '1.2.3.4 - - [22/Apr/2018:09:30:00 +0000] "GET {path} HTTP/1.1" 200 5 "-" "{ua}"'
HOSTILE_LINES = [
    # (line, where the hostile text must come back, the text)
    (ACCESS.format(path=esc(f"/a{INJECT}"), ua="curl"), ("url", "original"), f"/a{INJECT}"),
    (ACCESS.format(path="/", ua=esc(f'Moz{INJECT}"}}\\')), ("user_agent", "original"), f'Moz{INJECT}"}}\\'),
    (ACCESS.format(path=esc('/x\n{"index":{}}\n'), ua="curl"), ("url", "original"), '/x\n{"index":{}}\n'),
    (f'<34>1 2024-01-24T12:39:13Z host app 1 ID1 [ex@1 k="v{esc(INJECT)}\\]"] msg{INJECT}\n{{"create":{{}}}}',
     ("message",), f'msg{INJECT}\n{{"create":{{}}}}'),
    ('{"host":"1.2.3.4","user-identifier":"-","datetime":"24/Jan/2024:12:39:13 +0000","method":"GET",'
     '"request":"/q\\",\\"admin\\":true","protocol":"HTTP/1.1","status":200,"bytes":5,"referer":"-"}',
     ("url", "original"), '/q","admin":true'),
]


def test_unescaped_quotes_do_not_parse_and_are_dead_lettered_not_injected():
    line = ACCESS.format(path=f"/a{INJECT}", ua="curl")  # not what Apache writes: a forged line
    ok, reason, _ = _core.parse_line(line, "auto", "ecs", False, 0, 2024)
    assert not ok and "apache" in reason
    with EmbeddedBroker(topics={"t": 1, "t.dlq": 1}) as b:
        st = Producer(b.bootstrap, "t").produce_lines([line])
        assert (st.produced, st.dead_lettered) == (0, 1)
        (m,) = consume_all(b.bootstrap, "t.dlq")
        assert m.value() == line.encode()


def contains_key(obj, name):
    if isinstance(obj, dict):
        return name in obj or any(contains_key(v, name) for v in obj.values())
    if isinstance(obj, list):
        return any(contains_key(v, name) for v in obj)
    return False


@pytest.mark.parametrize("line,path,text", HOSTILE_LINES)
def test_hostile_values_stay_inside_their_string_field(line, path, text):
    for schema in ("ecs", "kafkainsight"):
        ok, doc, _ = _core.parse_line(line, "auto", schema, True, 0, 2024)
        assert ok, doc
        assert "\n" not in doc  # one document = one NDJSON / bulk line
        d = json.loads(doc)
        assert not contains_key(d, "admin") and not contains_key(d, "create") and not contains_key(d, "index")
        if schema == "ecs":
            v = d
            for p in path:
                v = v[p]
            assert v == text
            assert d["event"]["original"] == line


def test_hostile_documents_reach_elasticsearch_as_sent(es, tmp_path):
    """End to end through Kafka and a bulk request: each hostile line is exactly one document
    whose fields hold the hostile text; no extra field, no extra bulk action."""
    lines = [line for line, _, _ in HOSTILE_LINES]
    with EmbeddedBroker(topics={"data_log": 1, "data_log.dlq": 1}) as b:
        st = Producer(b.bootstrap, "data_log").produce_lines(lines)
        assert st.produced == len(lines)
        cst = Consumer(b.bootstrap, "data_log", group("sec"), FAST).run(
            ElasticsearchSink(es.url, ca_certs=es.ca_path, password=es.password, linger=0.2), idle_timeout=2)
    assert cst.indexed == len(lines) and cst.dead_lettered == 0
    docs = es.docs("test-log")
    assert len(docs) == len(lines) and es.indices() == ["test-log"]
    for (_line, path, text), doc in zip(HOSTILE_LINES, (docs[f"data_log-0-{i}"] for i in range(len(lines)))):
        assert not contains_key(doc, "admin") and not contains_key(doc, "create")
        v = doc
        for p in path:
            v = v[p]
        assert v == text


# ---------------------------------------------------------------- index names

@pytest.mark.parametrize("index,why", [
    ("../_security/user/x", "must not contain '/'"),
    ("logs?pretty", "must not contain '?'"),
    ("Logs", "lowercase"),
    ("_all", "must not start with"),
    ("logs-%H", "only %Y, %m and %d"),
    ("a b", "must not contain ' '"),
    ("..", "'.' or '..'"),
])
def test_invalid_index_names_fail_at_start_up_before_any_request(es, broker, index, why):
    sink = ElasticsearchSink(es.url, ca_certs=es.ca_path, password=es.password, index=index)
    before = len(es.request_log)
    with pytest.raises(ValueError, match=why.replace("?", r"\?").replace(".", r"\.")):
        Consumer(broker.bootstrap, "data_log", group("sec"), FAST).run(sink, idle_timeout=1)
    assert len(es.request_log) == before  # nothing reached the server
    r = consume_cli(es, broker, "--ca-certs", es.ca_path, "--index", index, env={"ELASTIC_PASSWORD": es.password})
    assert r.returncode == 2 and "index" in r.stderr and why in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_valid_dated_pattern_still_works(es, broker):
    st = Consumer(broker.bootstrap, "data_log", group("sec"), FAST).run(
        ElasticsearchSink(es.url, ca_certs=es.ca_path, password=es.password, index="web-%Y.%m", linger=0.2),
        idle_timeout=2)
    assert st.indexed == 50 and all(i.startswith("web-") for i in es.indices())
