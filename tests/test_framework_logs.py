"""The logs of web frameworks and application servers read without options by the grok recipes
of docs/GROK.md: PHP and PHP-FPM, Laravel/Symfony (Monolog), gunicorn, uvicorn, Celery, Flask.
The lines are real: copied from log files that projects committed and from issue threads
(tests/data/real/apps/PROVENANCE.md names each source)."""
from __future__ import annotations

from pathlib import Path

import pytest

from kafkainsight import read_logs
from tests.test_real_logs import flat

APPS = Path(__file__).parent / "data" / "real" / "apps"


def read(name: str, **kw):
    r = read_logs(APPS / f"{name}.log", **kw)
    return [flat(d) for d in r.records], r.failed


@pytest.mark.parametrize("name,recipes", [
    ("php_error", {"PHPLOG"}), ("laravel", {"MONOLOG"}), ("gunicorn", {"GUNICORNLOG"}),
    ("uvicorn", {"UVICORNLOG"}), ("celery", {"CELERYLOG"})])
def test_every_line_is_read_by_its_recipe(name, recipes):
    docs, failed = read(name)
    assert not failed and len(docs) == 10
    assert {d["kafkainsight.recipe"] for d in docs} == recipes
    assert all(d.get("log.level") and d.get("message") or d.get("http.response.status_code") for d in docs)
    assert all("event.severity" in d for d in docs)


def test_php_error_log_and_php_fpm():
    docs, _ = read("php_error", tz="+01:00")
    levels = [d["log.level"] for d in docs]
    assert levels == ["Warning", "Fatal error", "Parse error", "Notice", "Fatal error", "NOTICE", "NOTICE",
                      "WARNING", "WARNING", "WARNING"]
    assert [d["event.severity"] for d in docs[:4]] == [4, 2, 2, 5]
    assert docs[0]["@timestamp"] == "2017-03-02T16:59:46Z"  # UTC, as the line says
    assert docs[2]["@timestamp"] == "2019-12-13T09:30:32+01:00" and docs[2]["php.timezone"] == "Europe/Berlin"
    assert docs[4]["@timestamp"] == "2013-09-18T13:54:12+01:00"  # no zone: --tz
    assert docs[1]["message"].startswith("Uncaught Error: Call to undefined function get_header()")
    assert (docs[7]["php_fpm.pool"], docs[9]["php_fpm.pool"]) == ("ciccio", "www")
    assert docs[9]["message"].startswith("child 94930 exited on signal 9 (SIGKILL)")


def test_monolog_channels_levels_and_times():
    docs, _ = read("laravel")
    assert [d["log.logger"] for d in docs] == ["production", "production", "local", "production", "local", "local",
                                               "local", "http_client", "request", "console"]
    assert [d["log.level"] for d in docs][:3] == ["ERROR", "INFO", "ERROR"] and docs[-1]["log.level"] == "DEBUG"
    assert docs[7]["@timestamp"] == "2024-02-09T15:11:20.110686Z"
    assert docs[6]["message"] == "Webhook received  "  # as written, trailing blanks too
    assert docs[2]["message"].startswith('Class jwt.verify does not exist {"exception":"[object] (ReflectionException')


def test_gunicorn_uvicorn_celery():
    g, _ = read("gunicorn")
    assert g[0]["@timestamp"] == "2017-05-27T18:40:26-07:00" and g[0]["process.pid"] == 30405
    assert g[8]["log.level"] == "CRITICAL" and g[8]["message"] == "WORKER TIMEOUT (pid:7214)"
    u, _ = read("uvicorn")
    access = [d for d in u if "http.response.status_code" in d]
    assert [(d["http.request.method"], d["url.original"], d["http.response.status_code"]) for d in access] == \
        [("GET", "/health", 200), ("GET", "/", 404), ("POST", "/match", 200)]
    assert access[0]["source.address"] == "127.0.0.1" and access[0]["source.port"] == 57861
    assert all(d.get("event.ingested") for d in u)  # uvicorn writes no time: the read time, said so
    c, _ = read("celery")
    assert c[5]["process.name"] == "ForkPoolWorker-2" and c[5]["@timestamp"] == "2022-09-02T03:26:16.854Z"
    assert c[8]["log.level"] == "WARNING" and c[8]["message"] == "celery@celery_worker33 ready."


def test_flask_error_lines_werkzeug_access_lines_and_banner():
    docs, failed = read("flask")
    errors = [d for d in docs if d.get("kafkainsight.recipe") == "FLASKLOG"]
    assert [(d["log.level"], d["log.logger"], d["message"]) for d in errors] == [
        ("ERROR", "app", "Exception on / [GET]"), ("ERROR", "app", "Exception on /auth/register [POST]")]
    assert errors[0]["@timestamp"] == "2020-02-14T20:35:18.610Z"
    # Werkzeug's access lines: Apache's layout with a time of its own (no zone: --tz).
    access = [d for d in docs if d["kafkainsight.format"] == "apache_common"]
    assert [(d["@timestamp"], d["http.response.status_code"]) for d in access] == [
        ("2026-10-06T16:28:29Z", 200), ("2020-09-05T17:51:30Z", 500)]
    # The development server's banner lines are no events: reported, none lost.
    assert len(docs) + len(failed) == 10
