"""deploy/k8s: both overlays rendered by kustomize's own library (tests/kustomize_build, from the
Go module proxy), every resource validated against the Kubernetes schemas (kubernetes-validate,
strict: unknown fields fail), and the invariants a reviewer would check by hand: probes on
/healthz, no secret in a ConfigMap, images pinned, a PodDisruptionBudget, a grace period longer
than the consumer's flush, replicas <= partitions, static membership from the pod name.
No cluster runs here: nothing is applied."""
from __future__ import annotations

import fnmatch
import pathlib
import re
import shutil
import subprocess

import pytest

from tests.harness_util import build_go_tool

yaml = pytest.importorskip("yaml")
kubernetes_validate = pytest.importorskip("kubernetes_validate")

ROOT = pathlib.Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
SECRET_WORDS = re.compile(r"password|api[_-]?key|token|secret|PRIVATE KEY", re.I)


@pytest.fixture(scope="module")
def kustomize_build():
    return build_go_tool("kustomize_build")


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """deploy/k8s as a user fills it in: credentials.env from the example, the CA of their cluster."""
    t = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S, t)
    for o in OVERLAYS:
        shutil.copy(t / "credentials.env.example", t / "overlays" / o / "credentials.env")
        r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "/dev/null",
                            "-subj", "/CN=test CA", "-days", "1", "-out", str(t / "overlays" / o / "ca.crt")],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    return t


def render(exe: pathlib.Path, path: pathlib.Path) -> list[dict]:
    r = subprocess.run([str(exe), str(path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"kustomize build {path}: {r.stderr}"
    return [d for d in yaml.safe_load_all(r.stdout) if d]


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request, kustomize_build, tree):
    return request.param, render(kustomize_build, tree / "overlays" / request.param)


def by_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def workloads(docs: list[dict]) -> list[dict]:
    return [d for d in docs if d["kind"] in ("Deployment", "StatefulSet", "DaemonSet")]


def test_every_resource_passes_the_kubernetes_schema_strict(overlay):
    name, docs = overlay
    assert {d["kind"] for d in docs} >= {"Namespace", "StatefulSet", "DaemonSet", "Deployment",
                                         "PodDisruptionBudget", "Service", "ConfigMap", "Secret"}
    for d in docs:
        try:
            kubernetes_validate.validate(d, kubernetes_validate.latest_version(), strict=True)
        except kubernetes_validate.ValidationError as e:
            pytest.fail(f"{name}: {d['kind']}/{d['metadata']['name']}: {e.message} at {list(e.path)}")


def test_the_validator_rejects_what_kubernetes_would(overlay):
    """The check above can fail: a misspelt field and a wrong type are refused."""
    _, docs = overlay
    sts = next(d for d in docs if d["kind"] == "StatefulSet")
    bad = yaml.safe_load(yaml.safe_dump(sts))
    bad["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGett"] = {"path": "/", "port": 1}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, kubernetes_validate.latest_version(), strict=True)
    bad = yaml.safe_load(yaml.safe_dump(sts))
    bad["spec"]["replicas"] = "four"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, kubernetes_validate.latest_version(), strict=True)


def test_probes_on_healthz_and_metrics_port(overlay):
    _, docs = overlay
    assert len(workloads(docs)) == 3
    for w in workloads(docs):
        for c in w["spec"]["template"]["spec"]["containers"]:
            ports = {p["name"]: p["containerPort"] for p in c["ports"]}
            for probe in ("readinessProbe", "livenessProbe"):
                assert c[probe]["httpGet"] == {"path": "/healthz", "port": "metrics"}, (w["metadata"]["name"], probe)
            env = {e["name"]: e.get("value") for e in c.get("env", [])}
            settings = config_map(docs, c)
            assert int(settings["KI_METRICS_PORT"]) == ports["metrics"]
            assert "KI_METRICS_PORT" not in env
            assert c["resources"]["requests"] and c["resources"]["limits"]


def config_map(docs: list[dict], container: dict) -> dict:
    (ref,) = [e["configMapRef"]["name"] for e in container["envFrom"]]
    return by_kind(docs, "ConfigMap")[ref]["data"]


def test_no_secret_in_a_config_map_and_secrets_only_from_secret_refs(overlay):
    _, docs = overlay
    for name, cm in by_kind(docs, "ConfigMap").items():
        for k, v in cm.get("data", {}).items():
            assert not SECRET_WORDS.search(k), f"ConfigMap {name} has a secret-looking key {k}"
            assert not SECRET_WORDS.search(v), f"ConfigMap {name}: {k} holds something secret-looking"
    (secret,) = by_kind(docs, "Secret").values()
    assert set(secret["data"]) == {"ELASTIC_PASSWORD", "ELASTIC_API_KEY", "KI_WEBHOOK_URL"}
    for w in workloads(docs):
        for c in w["spec"]["template"]["spec"]["containers"]:
            assert not c.get("args") or not any(SECRET_WORDS.search(a) for a in c["args"])
            for e in c.get("env", []):
                if SECRET_WORDS.search(e["name"]) or e["name"] == "KI_WEBHOOK_URL":
                    assert "value" not in e and e["valueFrom"]["secretKeyRef"]["name"] == secret["metadata"]["name"]


def test_images_pinned_to_the_package_version(overlay):
    _, docs = overlay
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    for w in workloads(docs):
        for c in w["spec"]["template"]["spec"]["containers"]:
            image = c["image"]
            assert "@sha256:" in image or re.search(r":[\w.-]+$", image), image
            assert not image.endswith(":latest"), image
            assert image == f"kafkainsight:{version}", image
            assert c.get("imagePullPolicy") in (None, "IfNotPresent")


def test_consumer_static_membership_pdb_grace_and_replicas(overlay):
    name, docs = overlay
    (sts,) = by_kind(docs, "StatefulSet").values()
    spec = sts["spec"]
    (c,) = spec["template"]["spec"]["containers"]
    assert c["args"][0] == "consume"
    env = {e["name"]: e for e in c["env"]}
    assert env["KAFKA_GROUP_INSTANCE_ID"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    # replicas <= the topic's partitions: a member beyond that gets no partition.
    partitions = int(sts["metadata"]["annotations"]["kafkainsight.io/topic-partitions"])
    assert 1 <= spec["replicas"] <= partitions
    assert spec["replicas"] == {"dev": 1, "prod": 4}[name]
    # A PDB selects the consumers and lets a drain take at most one at a time.
    pdbs = [p for p in by_kind(docs, "PodDisruptionBudget").values()
            if p["spec"]["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()]
    assert len(pdbs) == 1 and pdbs[0]["spec"]["maxUnavailable"] == 1
    # Grace > the longest flush on SIGTERM: the last bulk's linger + the request timeout.
    from kafkainsight import _core
    d = _core.cpp_defaults()
    flush_s = (d["EsSinkConfig"]["linger_ms"] + d["EsSinkConfig"]["timeout_ms"]) / 1000
    assert spec["template"]["spec"]["terminationGracePeriodSeconds"] > flush_s
    # The CA is mounted where ELASTIC_CA_CERTS points, from a ConfigMap holding a certificate.
    settings = config_map(docs, c)
    (mount,) = [m for m in c["volumeMounts"] if m["name"] == "ca"]
    (vol,) = [v for v in spec["template"]["spec"]["volumes"] if v["name"] == "ca"]
    ca = by_kind(docs, "ConfigMap")[vol["configMap"]["name"]]["data"]
    assert settings["ELASTIC_CA_CERTS"] == f"{mount['mountPath']}/{next(iter(ca))}"
    assert next(iter(ca.values())).startswith("-----BEGIN CERTIFICATE-----")
    assert settings["ELASTICSEARCH_URL"].startswith("https://")


def test_producer_daemonset_tails_container_logs(overlay):
    _, docs = overlay
    (ds,) = by_kind(docs, "DaemonSet").values()
    pod = ds["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert c["args"][:3] == ["produce", "--follow", "--format"] and c["args"][3] == "auto"
    assert c["args"][-1] == "/var/log/containers/*.log"
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    assert mounts["/var/log"]["readOnly"] is True
    state = pathlib.PurePosixPath(c["args"][c["args"].index("--resume") + 1]).parent
    assert str(state) in mounts and not mounts[str(state)].get("readOnly")
    hostpaths = {v["name"]: v["hostPath"]["path"] for v in pod["volumes"]}
    assert hostpaths[mounts["/var/log"]["name"]] == "/var/log"


def test_watcher_single_replica(overlay):
    _, docs = overlay
    (dep,) = by_kind(docs, "Deployment").values()
    assert dep["spec"]["replicas"] == 1 and dep["spec"]["strategy"]["type"] == "Recreate"
    assert dep["spec"]["template"]["spec"]["containers"][0]["args"][0] == "watch"


def test_services_select_pods_and_expose_metrics(overlay):
    _, docs = overlay
    labels = [w["spec"]["template"]["metadata"]["labels"] for w in workloads(docs)]
    for name, svc in by_kind(docs, "Service").items():
        assert any(svc["spec"]["selector"].items() <= lab.items() for lab in labels), name
        assert svc["spec"]["ports"][0]["targetPort"] == "metrics"


def test_a_missing_credentials_file_fails_the_build(kustomize_build, tree, tmp_path):
    """Without credentials.env (git-ignored) the overlay does not render: nothing runs with an
    empty password."""
    t = tmp_path / "k8s"
    shutil.copytree(tree, t)
    (t / "overlays" / "prod" / "credentials.env").unlink()
    r = subprocess.run([str(kustomize_build), str(t / "overlays" / "prod")], capture_output=True, text=True)
    assert r.returncode == 1 and "credentials.env" in r.stderr


def test_credentials_and_ca_stay_out_of_git_and_the_image():
    """What a user fills in (the Secret's env file, the CA) is ignored by git and not sent to a
    docker build (deploy/Dockerfile copies the repository)."""
    for o in OVERLAYS:
        for f in ("credentials.env", "ca.crt"):
            path = f"deploy/k8s/overlays/{o}/{f}"
            r = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT)
            assert r.returncode == 0, f"{path} is not git-ignored"
            patterns = [p for p in (ROOT / ".dockerignore").read_text().splitlines() if p and not p.startswith("#")]
            assert any(fnmatch.fnmatch(path, p) for p in patterns), f"{path} would be in the docker build context"
