"""A real nginx for tests that read the logs it writes: started on a free port with a test's own
http block, as the user running the tests, stopped afterwards (scripts/setup.sh installs nginx)."""
from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

from tests.harness_util import pick_free_ports, running_server

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)

CONF = """{user}
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
{http}
}}
"""


@contextlib.contextmanager
def running_nginx(d: Path, http: str) -> Iterator[int]:
    """nginx with `http` (``{dir}`` and ``{port}`` filled in) inside its http block; yields the port
    once it accepts connections."""
    (port,) = pick_free_ports(1)
    user = ""
    if os.geteuid() == 0:  # workers as root's group would be refused: run them as ourselves
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    (d / "nginx.conf").write_text(CONF.format(user=user, dir=d, http=http.format(dir=d, port=port)))
    with running_server([NGINX, "-c", str(d / "nginx.conf"), "-p", str(d)], port):
        yield port


def send(port: int, path: str, headers: dict[str, str]) -> None:
    """One GET to the nginx on `port` with these headers (an error status is an answer too)."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        urllib.request.urlopen(req, timeout=5).read()
    except urllib.error.HTTPError:
        pass


def logs_of_requests(d: Path, http: str, requests: list[tuple[str, dict[str, str]]], *logs: str) -> list[list[str]]:
    """The lines of each named log in `d` after nginx with `http` answered `requests` ((path,
    headers) each, in order)."""
    with running_nginx(d, http) as port:
        for path, headers in requests:
            send(port, path, headers)
    return [(d / name).read_text().splitlines() for name in logs]
