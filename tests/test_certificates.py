"""The CA file (`--ca-certs`, ELASTIC_CA_CERTS, default certificates/http_ca.crt): a relative path is
looked for in the working directory, then in the project root (the repository checkout the package
runs from); a missing one is reported with every absolute path tried. And the two scripts, run by a
Python without the package, say how to install it instead of a traceback."""
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kafkainsight as ki
from kafkainsight import _paths
from kafkainsight.cli import main
from kafkainsight.elasticsearch import Consumer, ElasticsearchSink
from tests.kafka_util import FAST, data_log_broker, group

ROOT = Path(__file__).resolve().parent.parent
KI = [sys.executable, "-m", "kafkainsight"]


@pytest.fixture
def broker():
    with data_log_broker(2, ki.generate_lines("apache_combined", 30, seed=5)) as b:
        yield b


def test_certificates_folder_keeps_keys_out_of_git():
    assert (ROOT / "certificates" / "README.md").is_file()
    ignore = (ROOT / "certificates" / ".gitignore").read_text()
    for pattern in ("*.crt", "*.pem", "*.key", "*.p12"):
        assert pattern in ignore.split()
    readme = (ROOT / "certificates" / "README.md").read_text()
    assert "docker cp es01:/usr/share/elasticsearch/config/certs/http_ca.crt certificates/" in readme
    assert "/etc/elasticsearch/certs/http_ca.crt" in readme and "openssl x509 -fingerprint -sha256" in readme
    if shutil.which("git") and (ROOT / ".git").exists():
        names = ["certificates/http_ca.crt", "certificates/x.pem", "certificates/x.key", "certificates/x.p12"]
        r = subprocess.run(["git", "-C", str(ROOT), "check-ignore", *names], capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout.split() == names, r.stdout + r.stderr
        r = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", "certificates/README.md"])
        assert r.returncode == 1  # tracked, not ignored


def test_project_root_is_the_checkout_and_none_for_an_installed_package(tmp_path, monkeypatch):
    checkout = tmp_path / "checkout"
    (checkout / "python" / "kafkainsight").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\n")
    monkeypatch.setattr(_paths, "__file__", str(checkout / "python" / "kafkainsight" / "_paths.py"))
    assert _paths.project_root() == checkout.resolve()
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "kafkainsight"
    site.mkdir(parents=True)
    monkeypatch.setattr(_paths, "__file__", str(site / "_paths.py"))
    assert _paths.project_root() is None
    # No project root: only the working directory is tried.
    monkeypatch.chdir(tmp_path)
    assert _paths.candidates("certificates/http_ca.crt") == [str(tmp_path / "certificates" / "http_ca.crt")]


def test_relative_ca_found_under_the_project_root_from_another_cwd(es, broker, tmp_path, monkeypatch):
    # A checkout with certificates/http_ca.crt, and a working directory elsewhere that has none.
    checkout = tmp_path / "checkout"
    (checkout / "certificates").mkdir(parents=True)
    shutil.copy(es.ca_path, checkout / "certificates" / "http_ca.crt")
    monkeypatch.setattr(_paths, "project_root", lambda: checkout)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    sink = ElasticsearchSink(es.url, password=es.password, linger=0.2)  # the default, relative path
    assert sink._cfg.client.ca_path == str(checkout / "certificates" / "http_ca.crt")  # C++ gets it absolute
    st = Consumer(broker.bootstrap, "data_log", group("cert"), FAST).run(sink, idle_timeout=2)
    assert st.indexed == 30 and st.ok, st
    # The working directory comes first.
    (elsewhere / "certificates").mkdir()
    shutil.copy(es.ca_path, elsewhere / "certificates" / "http_ca.crt")
    assert ElasticsearchSink(es.url)._cfg.client.ca_path == str(elsewhere / "certificates" / "http_ca.crt")


@pytest.mark.skipif(_paths.project_root() is None, reason="kafkainsight is installed, not run from the checkout")
def test_cli_finds_a_ca_under_the_real_project_root_from_another_cwd(es, broker, tmp_path):
    rel = f"certificates/ki-test-{os.getpid()}-{random.randrange(1 << 30)}.crt"  # git-ignored (*.crt)
    target = _paths.project_root() / rel
    shutil.copy(es.ca_path, target)
    try:
        r = subprocess.run([*KI, "consume", "-b", broker.bootstrap, "-g", group("cert"), "--url", es.url,
                            "--ca-certs", rel, "--idle-timeout", "2", "--startup-timeout", "2",
                            "--env-file", "/dev/null"], cwd=tmp_path, capture_output=True, text=True,
                           timeout=120, env={**os.environ, "ELASTIC_PASSWORD": es.password})
    finally:
        target.unlink()
    assert r.returncode == 0 and "indexed=30" in r.stderr, r.stderr


def test_missing_ca_names_every_absolute_path_tried(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = _paths.project_root()
    rel = "certificates/nope-ki-test.crt"
    tried = [str(tmp_path / rel)] + ([str(root / rel)] if root is not None else [])
    # The CLI: refused before any connection (nothing listens on port 1), exit 1, no traceback.
    r = subprocess.run([*KI, "consume", "-b", "127.0.0.1:1", "--url", "https://127.0.0.1:1", "--ca-certs", rel,
                        "--env-file", "/dev/null"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert f"tried {', '.join(tried)}" in r.stderr and "--ca-fingerprint" in r.stderr, r.stderr
    # The environment variable, and the Python API (the error comes from run(), before C++).
    r = subprocess.run([*KI, "consume", "-b", "127.0.0.1:1", "--url", "https://127.0.0.1:1",
                        "--env-file", "/dev/null"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                       env={**os.environ, "ELASTIC_CA_CERTS": rel})
    assert r.returncode == 1 and all(t in r.stderr for t in tried), r.stderr
    sink = ElasticsearchSink("https://127.0.0.1:1", ca_certs=rel)
    with pytest.raises(FileNotFoundError) as e:
        Consumer("127.0.0.1:1", "data_log").run(sink, idle_timeout=1)
    assert e.value.tried == tried and str(e.value).startswith(f"CA file '{rel}' not found (tried ")
    # An absolute path is tried as it is; a file that is not used (pin, --insecure, http) is no error.
    with pytest.raises(FileNotFoundError, match="tried /nonexistent/ca.crt\\)"):
        Consumer("127.0.0.1:1", "data_log").run(ElasticsearchSink("https://127.0.0.1:1", ca_certs="/nonexistent/ca.crt"))
    for kw in ({"ca_fingerprint": "ab" * 32}, {"insecure": True}):
        assert ElasticsearchSink("https://127.0.0.1:1", ca_certs=rel, **kw)._ca_missing is None
    assert ElasticsearchSink("http://127.0.0.1:1", ca_certs=rel)._ca_missing is None
    # deploy-assets says the same.
    assert main(["deploy-assets", "--es-url", "https://127.0.0.1:1", "--ca-certs", rel,
                 "--env-file", "/dev/null"]) == 1


def test_deploy_assets_missing_ca_names_the_paths(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["deploy-assets", "--es-url", "https://127.0.0.1:1", "--ca-certs", "certificates/none.crt",
                 "--env-file", "/dev/null"]) == 1
    err = capsys.readouterr().err
    assert str(tmp_path / "certificates" / "none.crt") in err and "certificates/README.md" in err, err


SYSTEM_PYTHON = "/usr/bin/python3"


def _system_python_lacks_the_package() -> bool:
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return False
    r = subprocess.run([SYSTEM_PYTHON, "-I", "-c", "import kafkainsight"], capture_output=True, cwd="/")
    return r.returncode != 0


@pytest.mark.skipif(not _system_python_lacks_the_package(), reason="needs a system python3 without kafkainsight")
@pytest.mark.parametrize("script", ["scripts/kafka_producer.py", "scripts/elasticsearch_insertion.py"])
def test_scripts_without_the_package_say_how_to_install_it(script, tmp_path):
    for args in (["--help"], []):
        r = subprocess.run([SYSTEM_PYTHON, "-I", str(ROOT / script), *args], cwd=tmp_path, capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert "Traceback" not in r.stderr and "kafkainsight package is not installed" in r.stderr, r.stderr
        assert "scripts/setup.sh" in r.stderr and "pip install ." in r.stderr, r.stderr
