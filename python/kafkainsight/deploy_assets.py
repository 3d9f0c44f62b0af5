"""Installs what a real cluster needs next to the pipeline: the Elasticsearch ILM policy
(retention), the index template (KafkaInsight's mappings + that policy) and the Kibana saved
objects (data view + the "HTTP errors" dashboard). The files are package data in
``kafkainsight/assets/`` (and ``templates/`` for the mappings); ``dry_run`` prints the exact
requests. Every request goes through the C++ client (``_core.HttpClient``, the consumer's): TLS
verified against the CA file (Elasticsearch 8's ``http_ca.crt``) or pinned with ``ca_fingerprint``
(as the consumer does) unless ``insecure``;
credentials refused over plain http unless ``allow_http_credentials``.
"""
from __future__ import annotations

import json
import sys
import uuid
from importlib import resources
from typing import Any, Callable

from . import _core
from ._paths import find_file
from .config import defaults
from .elasticsearch import client_config
from .elasticsearch import index_template as _index_template

_D = defaults("deploy-assets")  # the settings table (config.py)

POLICY_NAME = "kafkainsight-retention"
TEMPLATE_NAME = "kafkainsight-logs"
INDEX_PATTERN = _D["pattern"]
DATA_VIEW_ID = "kafkainsight-logs"


class AssetInstallError(RuntimeError):
    """A request was refused; the message names the step, the URL and the server's answer."""


def _read(name: str) -> str:
    return resources.files("kafkainsight").joinpath(name).read_text(encoding="utf-8")


def ilm_policy(retention: str = "30d") -> dict:
    body = json.loads(_read("assets/ilm-policy.json"))
    body["policy"]["phases"]["delete"]["min_age"] = retention
    body["policy"]["_meta"]["description"] = f"KafkaInsight log indices: kept {retention}, then deleted"
    return body


def index_template(schema: str = "ecs", pattern: str = INDEX_PATTERN, policy: str | None = POLICY_NAME,
                   replicas: int | None = None) -> dict:
    """The consumer's template (elasticsearch.index_template) for ``pattern``, managed by ``policy``."""
    settings: dict = {}
    if policy:
        settings["index.lifecycle.name"] = policy
    if replicas is not None:
        settings["number_of_replicas"] = replicas
    # Priority above the consumer's own --install-template (200): no equal-priority overlap.
    return _index_template(schema, pattern, settings=settings, priority=210,
                           meta={"managed_by": "kafkainsight deploy-assets"})


def saved_objects(pattern: str = INDEX_PATTERN) -> bytes:
    """The Kibana saved objects as NDJSON, the data view's title set to ``pattern``."""
    lines = []
    for line in _read("assets/kibana-saved-objects.ndjson").splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        if obj["type"] == "index-pattern":
            obj["attributes"]["title"] = pattern
        lines.append(json.dumps(obj, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode()


class _Http:
    """One base URL through the C++ client; answers as JSON, refusals as AssetInstallError."""

    def __init__(self, service: str, base: str, *, user: str, password: str, api_key: str, ca_certs: str | None,
                 insecure: bool, timeout: float, allow_http_credentials: bool = False, ca_fingerprint: str | None = None):
        self.service, self.base = service, base.rstrip("/")
        self.opts = dict(user=user, password=password, api_key=api_key, insecure=insecure, timeout=timeout,
                         allow_http_credentials=allow_http_credentials, ca_fingerprint=ca_fingerprint)
        self.ca_certs, self._client = ca_certs, None
        if (password or api_key) and allow_http_credentials and not self.base.lower().startswith("https://"):
            print(f"WARNING: the {'API key' if api_key else 'password'} goes to {self.base} in clear text "
                  "(--allow-http-credentials): anyone on the network path can read it", file=sys.stderr)

    def client(self, step: str) -> Any:
        """Made on first use, so --dry-run needs no CA file and sends nothing."""
        if self._client is None:
            ca_path = ""
            verified = self.base.lower().startswith("https://") and not self.opts["insecure"]
            if verified and not self.opts["ca_fingerprint"]:  # a pin needs no CA file
                if not self.ca_certs:
                    raise AssetInstallError(f"{step}: {self.base} is https: give its CA file with --ca-certs "
                                            "(or its fingerprint with --ca-fingerprint, or --insecure)")
                ca_path, tried = find_file(self.ca_certs)  # relative: the working directory, then the project root
                if ca_path is None:
                    raise AssetInstallError(
                        f"CA file {self.ca_certs} not found (tried {', '.join(tried)}): copy Elasticsearch's "
                        "config/certs/http_ca.crt there (the es-ca service of deploy/docker-compose.yml does; "
                        "see certificates/README.md), or pass --ca-certs or --ca-fingerprint")
            cfg = client_config(self.base, ca_path=ca_path, **self.opts)
            try:
                self._client = _core.HttpClient(cfg)
            except (ValueError, RuntimeError) as e:  # credentials over http, CA file, fingerprint: said in words
                raise AssetInstallError(f"{step}: {e}") from None
        return self._client

    def request(self, step: str, method: str, path: str, body: bytes = b"", content_type: str = "application/json",
                headers: dict | None = None) -> Any:
        status, data, error = self.client(step).request(method, path, body, content_type, headers or {})
        if status == 0:  # no HTTP answer: the C++ client says why
            if error.startswith("TLS"):
                raise AssetInstallError(f"{step}: TLS to {self.base} failed: {error.removeprefix('TLS: ')}")
            # The client's words name Elasticsearch; this base URL may be Kibana's.
            raise AssetInstallError(f"{step}: {error.replace('Elasticsearch at ', f'{self.service} at ')}")
        text = data.decode("utf-8", "replace")
        if not 200 <= status < 300:
            hint = " (check ELASTIC_PASSWORD / the user's privileges)" if status in (401, 403) else ""
            raise AssetInstallError(f"{step}: {method} {self.base}{path} -> HTTP {status}{hint}: {text[:500]}")
        return json.loads(text) if text.strip() else {}


def install_assets(es_url: str | None = None, kibana_url: str | None = None, *, user: str = _D["user"],
                   password: str = "", api_key: str = "", ca_certs: str | None = None,
                   ca_fingerprint: str | None = None, insecure: bool = False, allow_http_credentials: bool = False,
                   retention: str = _D["retention"], pattern: str = INDEX_PATTERN, schema: str = "ecs", ilm: bool = True,
                   replicas: int | None = None, timeout: float = 30.0, dry_run: bool = False,
                   log: Callable[[str], Any] = lambda s: print(s, file=sys.stderr)) -> list[str]:
    """PUT the ILM policy and the index template into Elasticsearch, import the saved objects
    into Kibana (overwriting earlier versions). Returns one line per step done."""
    steps: list[tuple] = []
    done: list[str] = []
    opts = dict(user=user, password=password, api_key=api_key, ca_certs=ca_certs, ca_fingerprint=ca_fingerprint,
                insecure=insecure, timeout=timeout, allow_http_credentials=allow_http_credentials)
    if es_url:
        es = _Http("Elasticsearch", es_url, **opts)
        opensearch = False
        if not dry_run:
            info = es.request("Elasticsearch", "GET", "/")
            opensearch = info.get("version", {}).get("distribution") == "opensearch"
        if opensearch and ilm:
            raise AssetInstallError(f"{es_url} is OpenSearch, which has ISM instead of ILM: nothing was installed. "
                                    "Run again with --no-ilm (template only) and set retention with an ISM policy")
        if ilm:
            steps.append(("ILM policy", es.request, "PUT", f"/_ilm/policy/{POLICY_NAME}",
                          json.dumps(ilm_policy(retention)).encode()))
        tpl = json.dumps(index_template(schema, pattern, POLICY_NAME if ilm else None, replicas))
        if opensearch:  # the sink's rule: "flattened" is OpenSearch's "flat_object"
            tpl = _core.template_for_engine(tpl, json.dumps(info))
        steps.append(("index template", es.request, "PUT", f"/_index_template/{TEMPLATE_NAME}", tpl.encode()))
    if kibana_url:
        kb = _Http("Kibana", kibana_url, **opts)
        boundary = "kafkainsight-" + uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"kafkainsight.ndjson\"\r\n"
                f"Content-Type: application/ndjson\r\n\r\n").encode() + saved_objects(pattern) + f"\r\n--{boundary}--\r\n".encode()
        steps.append(("Kibana saved objects", kb.request, "POST", "/api/saved_objects/_import?overwrite=true", body,
                      f"multipart/form-data; boundary={boundary}", {"kbn-xsrf": "kafkainsight"}))
    if not steps:
        raise ValueError("nothing to install: give an Elasticsearch URL, a Kibana URL or both")
    for step, call, method, path, body, *how in steps:
        if dry_run:
            log(f"# {step}\n{method} {path}\n{body.decode()}")
            continue
        answer = call(step, method, path, body, *how)
        if step == "Kibana saved objects" and not answer.get("success", False):
            raise AssetInstallError(f"{step}: Kibana imported {answer.get('successCount', 0)} object(s) with errors: "
                                    f"{json.dumps(answer.get('errors', []))[:500]}")
        line = f"{step}: {method} {path} -> ok"
        if step == "Kibana saved objects":
            line += f" ({answer.get('successCount')} objects)"
        log(line)
        done.append(line)
    return done
