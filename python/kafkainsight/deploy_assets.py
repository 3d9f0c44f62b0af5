"""Installs what a real cluster needs next to the pipeline: the Elasticsearch ILM policy
(retention), the index template (KafkaInsight's mappings + that policy) and the Kibana saved
objects (data view + the "HTTP errors" dashboard). The files are package data in
``kafkainsight/assets/`` (and ``templates/`` for the mappings); ``dry_run`` prints the exact
requests. Standard library only: TLS verified against the CA file (Elasticsearch 8's
``http_ca.crt``) unless ``insecure``; credentials refused over plain http unless
``allow_http_credentials``.
"""
from __future__ import annotations

import base64
import json
import ssl
import sys
import urllib.error
import urllib.request
import uuid
from importlib import resources
from typing import Any, Callable

from ._paths import find_file
from .config import defaults
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
    def __init__(self, base: str, *, user: str, password: str, api_key: str, ca_certs: str | None,
                 insecure: bool, timeout: float, allow_http_credentials: bool = False):
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.headers = {}
        if api_key:
            self.headers["Authorization"] = "ApiKey " + api_key
        elif password:
            self.headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.ca_certs, self.insecure, self._ctx = ca_certs, insecure, None
        self.cleartext = bool(self.headers) and not self.base.lower().startswith("https://")
        self.allow_http_credentials = allow_http_credentials
        if self.cleartext and allow_http_credentials:
            print(f"WARNING: the {'API key' if api_key else 'password'} goes to {self.base} in clear text "
                  "(--allow-http-credentials): anyone on the network path can read it", file=sys.stderr)

    def context(self) -> ssl.SSLContext | None:
        """Made on first use, so --dry-run needs no CA file."""
        if self._ctx is None and self.base.startswith("https:"):
            if self.insecure:
                self._ctx = ssl._create_unverified_context()
            else:
                cafile = None
                if self.ca_certs:  # relative: the working directory, then the project root
                    cafile, tried = find_file(self.ca_certs)
                    if cafile is None:
                        raise AssetInstallError(
                            f"CA file {self.ca_certs} not found (tried {', '.join(tried)}): copy Elasticsearch's "
                            "config/certs/http_ca.crt there (the es-ca service of deploy/docker-compose.yml does; "
                            "see certificates/README.md), or pass --ca-certs")
                self._ctx = ssl.create_default_context(cafile=cafile)
        return self._ctx

    def request(self, step: str, method: str, path: str, body: bytes | None, headers: dict) -> Any:
        if self.cleartext and not self.allow_http_credentials:
            raise AssetInstallError(
                f"{step}: refusing to send the {'API key' if 'ApiKey' in self.headers['Authorization'] else 'password'} "
                f"to {self.base}: it is not an https:// URL, so anyone on the network path could read it. Use https, "
                "or pass --allow-http-credentials if you accept that")
        req = urllib.request.Request(self.base + path, data=body, method=method,
                                     headers={**self.headers, **headers})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout, context=self.context()) as r:
                text = r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            detail = e.read().decode("utf-8", "replace")[:500]
            hint = " (check ELASTIC_PASSWORD / the user's privileges)" if e.code in (401, 403) else ""
            raise AssetInstallError(f"{step}: {method} {self.base}{path} -> HTTP {e.code}{hint}: {detail}") from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            if isinstance(reason, ssl.SSLError) or isinstance(e, ssl.SSLError):
                raise AssetInstallError(f"{step}: TLS to {self.base} failed ({reason}); is the CA file "
                                        "(--ca-certs, certificates/http_ca.crt) the server's?") from None
            raise AssetInstallError(f"{step}: cannot reach {self.base} ({reason})") from None
        return json.loads(text) if text.strip() else {}


def install_assets(es_url: str | None = None, kibana_url: str | None = None, *, user: str = _D["user"],
                   password: str = "", api_key: str = "", ca_certs: str | None = None, insecure: bool = False,
                   allow_http_credentials: bool = False,
                   retention: str = _D["retention"], pattern: str = INDEX_PATTERN, schema: str = "ecs", ilm: bool = True,
                   replicas: int | None = None, timeout: float = 30.0, dry_run: bool = False,
                   log: Callable[[str], Any] = lambda s: print(s, file=sys.stderr)) -> list[str]:
    """PUT the ILM policy and the index template into Elasticsearch, import the saved objects
    into Kibana (overwriting earlier versions). Returns one line per step done."""
    steps: list[tuple] = []
    done: list[str] = []
    opts = dict(user=user, password=password, api_key=api_key, ca_certs=ca_certs, insecure=insecure, timeout=timeout,
                allow_http_credentials=allow_http_credentials)
    json_h = {"Content-Type": "application/json"}
    if es_url:
        es = _Http(es_url, **opts)
        opensearch = False
        if not dry_run:
            info = es.request("Elasticsearch", "GET", "/", None, {})
            opensearch = info.get("version", {}).get("distribution") == "opensearch"
        if opensearch and ilm:
            raise AssetInstallError(f"{es_url} is OpenSearch, which has ISM instead of ILM: nothing was installed. "
                                    "Run again with --no-ilm (template only) and set retention with an ISM policy")
        if ilm:
            steps.append(("ILM policy", es.request, "PUT", f"/_ilm/policy/{POLICY_NAME}",
                          json.dumps(ilm_policy(retention)).encode(), json_h))
        tpl = index_template(schema, pattern, POLICY_NAME if ilm else None, replicas)
        if opensearch:  # OpenSearch's name for Elasticsearch's "flattened" (structured data) type
            tpl = json.loads(json.dumps(tpl).replace('"type": "flattened"', '"type": "flat_object"'))
        steps.append(("index template", es.request, "PUT", f"/_index_template/{TEMPLATE_NAME}",
                      json.dumps(tpl).encode(), json_h))
    if kibana_url:
        kb = _Http(kibana_url, **opts)
        boundary = "kafkainsight-" + uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"kafkainsight.ndjson\"\r\n"
                f"Content-Type: application/ndjson\r\n\r\n").encode() + saved_objects(pattern) + f"\r\n--{boundary}--\r\n".encode()
        steps.append(("Kibana saved objects", kb.request, "POST", "/api/saved_objects/_import?overwrite=true", body,
                      {"Content-Type": f"multipart/form-data; boundary={boundary}", "kbn-xsrf": "kafkainsight"}))
    if not steps:
        raise ValueError("nothing to install: give an Elasticsearch URL, a Kibana URL or both")
    for step, call, method, path, body, headers in steps:
        if dry_run:
            log(f"# {step}\n{method} {path}\n{body.decode()}")
            continue
        answer = call(step, method, path, body, headers)
        if step == "Kibana saved objects" and not answer.get("success", False):
            raise AssetInstallError(f"{step}: Kibana imported {answer.get('successCount', 0)} object(s) with errors: "
                                    f"{json.dumps(answer.get('errors', []))[:500]}")
        line = f"{step}: {method} {path} -> ok"
        if step == "Kibana saved objects":
            line += f" ({answer.get('successCount')} objects)"
        log(line)
        done.append(line)
    return done
