"""The log daemons we are compared with: syslog-ng and rsyslog, run in the foreground.

Each run gets its own temp dir with its own config, persist/state, pid and control files, reads
the input with a file source from the beginning, and is timed from spawn until its output holds
all N lines (a file's line count, or the sum of a Kafka topic's end offsets): daemons never
exit by themselves. CPU is the daemon's user+sys from /proc just before it is stopped, peak RSS
its VmHWM (benchmarks.measure.PeakRss).

Configured like ours where the tool allows: flow control (no drops), the same librdkafka
settings (acks=all, idempotence, lz4, linger 20 ms); what each got is in ``describe()``.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from typing import Callable, Optional

from benchmarks.measure import ROOT, PeakRss

SYSLOG_NG = shutil.which("syslog-ng") or "/usr/sbin/syslog-ng"
RSYSLOG_ROOT = os.path.join(ROOT, "build", "peers", "rsyslog")   # unpacked by scripts/setup.sh
RSYSLOGD = os.path.join(RSYSLOG_ROOT, "usr", "sbin", "rsyslogd")
RSYSLOG_MODS = os.path.join(RSYSLOG_ROOT, "usr", "lib", "x86_64-linux-gnu", "rsyslog")
_TCK = os.sysconf("SC_CLK_TCK")

# The same librdkafka producer settings as ours and kcat (benchmarks.produce.SETTINGS).
KAFKA_SETTINGS = {"acks": "all", "enable.idempotence": "true", "compression.type": "lz4", "linger.ms": "20"}

# liblognorm v2 rule for Apache combined (rsyslog's mmnormalize): the fields of syslog-ng's
# apache-accesslog-parser(), as strings.
_LOGNORM_COMBINED = (
    'version=2\n'
    'rule=:%clientip:word% %ident:word% %auth:word% [%timestamp:char-to{"extradata":"]"}%] '
    '"%verb:word% %request:word% HTTP/%httpversion:char-to{"extradata":"\\""}%" '
    '%response:number% %bytes:number% "%referrer:char-to{"extradata":"\\""}%" '
    '"%agent:char-to{"extradata":"\\""}%"\n')


def available(tool: str) -> Optional[str]:
    """None when the tool can run here, else why not."""
    if tool == "syslog-ng":
        if not os.access(SYSLOG_NG, os.X_OK):
            return "syslog-ng not installed (apt-get install syslog-ng-core syslog-ng-scl syslog-ng-mod-rdkafka)"
        if not os.path.exists("/usr/share/syslog-ng/include/scl/apache/apache.conf"):
            return "syslog-ng-scl not installed (apache-accesslog-parser)"
        return None
    if tool == "rsyslog":
        if not os.access(RSYSLOGD, os.X_OK):
            return f"rsyslogd not unpacked in {RSYSLOG_ROOT} (scripts/setup.sh does it)"
        return None
    return f"unknown peer {tool}"


def versions() -> dict:
    v = {}
    try:
        out = subprocess.run([SYSLOG_NG, "--version"], capture_output=True, text=True, timeout=10).stdout
        v["syslog-ng"] = out.splitlines()[0].split()[-1].strip("()") if out else "?"
    except (OSError, subprocess.SubprocessError, IndexError):
        v["syslog-ng"] = "not installed"
    try:
        out = subprocess.run([RSYSLOGD, "-v"], capture_output=True, text=True, timeout=10,
                             env=_rsyslog_env()).stdout
        v["rsyslog"] = out.split()[1].rstrip(",") if out else "?"
    except (OSError, subprocess.SubprocessError, IndexError):
        v["rsyslog"] = "not unpacked"
    return v


def describe(tool: str, sink: str) -> str:
    kafka = ", ".join(f"{k}={v}" for k, v in KAFKA_SETTINGS.items())
    if tool == "syslog-ng":
        out = ("file() destination, `$(format-json --key .apache.* --pair @timestamp=${ISODATE})`"
               if sink == "file" else f"kafka-c() destination, `$(format-json ...)` values, config: {kafka}")
        return (f"syslog-ng {versions().get('syslog-ng')} -F (foreground, threaded), file() source (no-parse), "
                f"apache-accesslog-parser(), flow-control, {out}")
    out = ("omfile" if sink == "file" else f"omkafka, confParam: {kafka}")
    return (f"rsyslogd {versions().get('rsyslog')} -n (foreground), imfile, mmnormalize with a liblognorm rule for "
            f"Apache combined (the same fields as syslog-ng's parser, JSON via `%$!all-json%`), {out}")


def _rsyslog_env():
    return dict(os.environ)


def _kafka_settings(fmt: str, sep: str) -> str:
    """KAFKA_SETTINGS in a peer's own config syntax."""
    return sep.join(fmt.format(k=k, v=v) for k, v in KAFKA_SETTINGS.items())


# syslog-ng's head for every file-to-something run: threaded, the file read whole lines, unparsed.
SYSLOG_NG_HEAD = "@version: 3.38\noptions { threaded(yes); stats_freq(0); log-fifo-size(20000); };"


def syslog_ng_source(inp: str) -> str:
    return (f'source s_in {{ file("{inp}" flags(no-parse) log-iw-size(20000) log-fetch-limit(1000) '
            f'follow-freq(0.05)); }};')


def syslog_ng_conf(inp: str, tmp: str, sink: str, bootstrap: str = "", topic: str = "", out: str = "") -> str:
    src = syslog_ng_source(inp)
    tmpl = "$(format-json --key .apache.* --pair @timestamp=${ISODATE})"
    cfg = _kafka_settings('"{k}" => "{v}"', " ")
    dst = (f'destination d_out {{ file("{out}" template("{tmpl}\\n")); }};' if sink == "file" else
           f'destination d_out {{ kafka-c(bootstrap-servers("{bootstrap}") topic("{topic}") '
           f'message("{tmpl}") config({cfg})); }};')
    return "\n".join([
        SYSLOG_NG_HEAD, '@include "scl.conf"',
        src, "parser p_apache { apache-accesslog-parser(); };", dst,
        "log { source(s_in); parser(p_apache); destination(d_out); flags(flow-control); };", ""])


def rsyslog_conf(inp: str, tmp: str, sink: str, bootstrap: str = "", topic: str = "", out: str = "") -> str:
    rb = os.path.join(tmp, "apache.rb")
    with open(rb, "w") as f:
        f.write(_LOGNORM_COMBINED)
    work = os.path.join(tmp, "work")
    os.makedirs(work, exist_ok=True)
    params = _kafka_settings('"{k}={v}"', ", ")
    act = (f'action(type="omfile" file="{out}" template="json")' if sink == "file" else
           f'action(type="omkafka" broker=["{bootstrap}"] topic="{topic}" template="json" confParam=[{params}])')
    return "\n".join([
        f'global(workDirectory="{work}")',
        'module(load="imfile")', 'module(load="mmnormalize")', 'module(load="omkafka")' if sink != "file" else "",
        f'input(type="imfile" File="{inp}" Tag="apache" ruleset="r")',
        'template(name="json" type="string" string="%$!all-json%\\n")',
        'ruleset(name="r") {',
        f'  action(type="mmnormalize" rulebase="{rb}" useRawMsg="on")',
        f'  {act}', '}', ""])


def command(tool: str, conf_path: str, tmp: str) -> list:
    if tool == "syslog-ng":
        return [SYSLOG_NG, "-F", "-f", conf_path, "-R", os.path.join(tmp, "persist"), "-p", os.path.join(tmp, "pid"),
                "-c", os.path.join(tmp, "ctl"), "--no-caps", "-e"]
    return [RSYSLOGD, "-n", "-f", conf_path, "-i", os.path.join(tmp, "pid"), "-M", RSYSLOG_MODS]


class FileLines:
    """Counts the lines of a growing file incrementally."""

    def __init__(self, path: str):
        self.path, self.pos, self.n = path, 0, 0

    def __call__(self) -> int:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                while True:
                    b = f.read(1 << 20)
                    if not b:
                        break
                    self.n += b.count(b"\n")
                    self.pos += len(b)
        except OSError:
            pass
        return self.n


def proc_cpu(pid: int):
    """(user, sys) seconds of a live process, all threads."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) / _TCK, int(fields[12]) / _TCK
    except (OSError, IndexError, ValueError):
        return 0.0, 0.0


def run_daemon(cmd: list, progress: Callable[[], int], n: int, workdir: str, timeout: float,
               other_cpu: Optional[Callable[[], float]] = None, env=None, poll: float = 0.02) -> dict:
    """Spawn a daemon, wait until ``progress()`` reaches n (or it dies / times out), stop it.
    The same keys as benchmarks.measure.run_measured, plus ``delivered``."""
    out_path = os.path.join(workdir, "daemon.out")
    err_path = os.path.join(workdir, "daemon.err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        c0 = other_cpu() if other_cpu else 0.0
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=workdir, env=env)
        rss = PeakRss([proc.pid]).start()
        got, timed_out, died = 0, False, False
        try:
            while True:
                got = progress()
                if got >= n:
                    break
                if proc.poll() is not None:
                    died = True
                    break
                if time.perf_counter() - t0 > timeout:
                    timed_out = True
                    break
                time.sleep(poll)
            wall = time.perf_counter() - t0
            user, sys_ = proc_cpu(proc.pid)
            c1 = other_cpu() if other_cpu else 0.0
            rss.sample()
        finally:   # never leave a daemon behind, also when progress() raised
            peak = rss.stop()
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    with open(out_path, encoding="utf-8", errors="replace") as f:
        stdout = f.read()
    with open(err_path, encoding="utf-8", errors="replace") as f:
        stderr = f.read()
    # A daemon stopped by us exits 0 (SIGTERM handled); one that died on its own did not finish.
    rc = proc.returncode if died else 0
    if died and rc == 0:
        rc = 1
    return {"wall": wall, "cpu": user + sys_, "user": user, "sys": sys_, "rc": rc, "timed_out": timed_out,
            "stdout": stdout, "stderr": stderr, "other_cpu": c1 - c0, "rss": peak, "delivered": got}


def run_peer(tool: str, sink: str, inp: str, n: int, workdir: str, timeout: float,
             progress: Optional[Callable[[], int]] = None, bootstrap: str = "", topic: str = "",
             other_cpu=None) -> dict:
    """One timed run of a peer: ``sink`` 'file' (parse + JSON to a file) or 'kafka'."""
    tmp = os.path.join(workdir, f"{tool}-{time.monotonic_ns()}")
    os.makedirs(tmp)
    out = os.path.join(tmp, "out.json")
    make = syslog_ng_conf if tool == "syslog-ng" else rsyslog_conf
    conf = os.path.join(tmp, f"{tool}.conf")
    with open(conf, "w") as f:
        f.write(make(inp, tmp, sink, bootstrap=bootstrap, topic=topic, out=out))
    counter = progress if progress is not None else FileLines(out)
    res = run_daemon(command(tool, conf, tmp), counter, n, tmp, timeout, other_cpu)
    res["out"] = out
    if sink == "file" and res["delivered"] == n:
        shutil.rmtree(tmp, ignore_errors=True)   # 1M lines of JSON: do not keep
    return res


def lines_and_repeat(doc: str, argv=None):
    """The arguments of the single-tool benchmarks (grok.py, app_json.py): --lines, --repeat."""
    import argparse
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    return ap.parse_args(argv)


def time_conf(tool: str, conf: Callable[[str, str], str], n: int, workdir: str, timeout: float = 300):
    """(wall, cpu) of one file-to-file run of a peer whose config is ``conf(tmp, out)`` (its own
    temp dir, its output file); None, saying why on stderr, when the tool cannot run here or
    did not write all n lines."""
    why = available(tool)
    if why:
        print(f"{tool}: skipped: {why}", file=sys.stderr)
        return None
    tmp = os.path.join(workdir, f"{tool}-{time.monotonic_ns()}")
    os.makedirs(tmp)
    out = os.path.join(tmp, "out.json")
    path = os.path.join(tmp, f"{tool}.conf")
    with open(path, "w") as f:
        f.write(conf(tmp, out))
    res = run_daemon(command(tool, path, tmp), FileLines(out), n, tmp, timeout)
    if res["delivered"] != n:
        print(f"{tool}: {res['delivered']} of {n} lines written; stderr: {res['stderr'][-500:]}", file=sys.stderr)
        return None
    shutil.rmtree(tmp, ignore_errors=True)
    return res["wall"], res["cpu"]
