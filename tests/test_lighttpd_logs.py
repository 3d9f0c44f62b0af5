"""lighttpd's logs as a real lighttpd (Debian's) writes them at test time, read with no options: its
access log in its default format (`%h %V %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"`: the
virtual host where Apache has the ident) and its error log (`date: (source.c.line) message`)."""
from __future__ import annotations

import re
import shutil
import signal
import urllib.error
import urllib.request

import pytest

import kafkainsight as ki
from tests.harness_util import pick_free_ports, running_server
from tests.test_real_logs import flat

LIGHTTPD = shutil.which("lighttpd") or shutil.which("lighttpd", path="/usr/sbin")

CONF = """
server.document-root = "{dir}/www"
server.port = {port}
server.bind = "127.0.0.1"
server.modules = ("mod_accesslog")
accesslog.filename = "{dir}/access.log"
server.errorlog = "{dir}/error.log"
"""

# (path, Host header or None: urllib's own "127.0.0.1:port", referrer or None)
REQUESTS = [("/index.html", "shop.example", None), ("/missing", None, "https://r.example/cart"),
            ("/index.html", "localhost", None)]
# A user's own reading of the access lines
ACCESS = re.compile(r'^(?P<client>\S+) (?P<vhost>\S+) (?P<user>\S+) \[[^\]]+\] "(?P<method>\S+) (?P<path>\S+) '
                    r'HTTP/1\.1" (?P<status>\d{3}) (?P<bytes>\d+) "(?P<ref>[^"]*)" "(?P<agent>[^"]*)"$')


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    if not LIGHTTPD:
        pytest.skip("needs lighttpd (scripts/setup.sh installs it)")
    d = tmp_path_factory.mktemp("lighttpd")
    (d / "www").mkdir()
    (d / "www" / "index.html").write_text("ok\n")
    (port,) = pick_free_ports(1)
    (d / "lighttpd.conf").write_text(CONF.format(dir=d, port=port))
    # SIGINT: a graceful stop, which lighttpd notes in its error log
    with running_server([LIGHTTPD, "-D", "-f", str(d / "lighttpd.conf")], port, stop=signal.SIGINT):
        for path, host, ref in REQUESTS:
            headers = {"User-Agent": "ki-test/1.0"} | ({"Host": host} if host else {}) | ({"Referer": ref} if ref else {})
            try:
                urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers),
                                       timeout=5).read()
            except urllib.error.HTTPError:
                pass
    access = (d / "access.log").read_text().splitlines()
    errors = (d / "error.log").read_text().splitlines()
    assert len(access) == len(REQUESTS), access
    return access, errors, port


def test_lighttpd_access_log_gives_the_virtual_host(logs):
    access, _, port = logs
    r = ki.read_logs(access)
    assert r.failed == []
    for line, x in zip(access, r.records):
        d, m = flat(x), ACCESS.match(line)
        assert m, line
        assert d["kafkainsight.format"] == "apache_combined"
        assert (d["source.ip"], d["url.original"], d["http.response.status_code"]) == \
            (m["client"], m["path"], int(m["status"]))
        assert d["user_agent.original"] == m["agent"] and "user.name" not in d
        host, _, hport = m["vhost"].partition(":")  # %V: the Host header as the client sent it
        assert d.get("destination.domain", d.get("destination.ip")) == host
        assert d.get("destination.port") == (int(hport) if hport else None)
    docs = [flat(x) for x in r.records]
    assert [d.get("destination.domain") for d in docs] == ["shop.example", None, "localhost"]
    assert (docs[1]["destination.ip"], docs[1]["destination.port"]) == ("127.0.0.1", port)
    assert docs[1]["http.request.referrer"] == "https://r.example/cart"


def test_lighttpd_error_log_is_read(logs):
    _, errors, _ = logs
    r = ki.read_logs(errors)
    assert r.failed == [] and len(r.records) == len(errors) >= 3
    docs = [flat(x) for x in r.records]
    assert {d["kafkainsight.recipe"] for d in docs} == {"LIGHTTPDERROR"}
    for line, d in zip(errors, docs):
        m = re.match(r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d): \((\S+)\.(\d+)\) (?:\[(\w+)\] )?(.*)$", line)
        assert m, line
        assert d["@timestamp"] == f"{m[1]}T{m[2]}Z"  # no zone on the line: --tz, UTC by default
        assert (d["log.origin.file.name"], d["log.origin.file.line"]) == (m[3], int(m[4]))
        assert d.get("log.level") == m[5] and d["message"] == m[6]
    assert docs[0]["message"].startswith("server started (lighttpd/")
    assert any(d.get("log.level") == "note" and d["message"] == "graceful shutdown started" for d in docs)
