"""Elixir's Logger lines, written at test time by a real Elixir (Debian's, installed by
scripts/setup.sh) in its default console layout ("$time $metadata[$level] $message", a blank line
between records in Elixir 1.14) and read without options by recipe ELIXIRLOG."""
import shutil
import subprocess
import time
from datetime import datetime

import pytest

import kafkainsight as ki

SCRIPT = """
require Logger
Logger.configure_backend(:console, metadata: [:request_id, :user_id])
Logger.info("order 42 placed")
Logger.metadata(request_id: "F7Hx2", user_id: 42)
Logger.warning("payment slow")
Logger.error("payment failed: card declined")
Logger.debug("ledger checked")
Logger.flush()
"""


@pytest.fixture(scope="module")
def elixir_lines():
    if not shutil.which("elixir"):
        pytest.skip("needs elixir (scripts/setup.sh installs it)")
    t0 = time.time()
    r = subprocess.run(["elixir", "-e", SCRIPT], capture_output=True, text=True, timeout=120, check=True,
                       env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "TZ": "UTC"})
    return t0, r.stdout.splitlines(), time.time()


def test_elixir_logger_default_layout(elixir_lines):
    t0, lines, t1 = elixir_lines
    events = [ln for ln in lines if ln.strip()]
    assert len(events) == 4, lines
    r = ki.read_logs(lines)
    assert r.failed == [] and r.stats["parsed"] == 4 and r.stats["empty"] == len(lines) - 4
    docs = r.records
    assert {d["kafkainsight"]["recipe"] for d in docs} == {"ELIXIRLOG"}
    assert [(d["log"]["level"], d["message"]) for d in docs] == [
        ("info", "order 42 placed"), ("warning", "payment slow"), ("error", "payment failed: card declined"),
        ("debug", "ledger checked")]
    assert [d["event"]["severity"] for d in docs] == [6, 4, 3, 7]
    # The configured metadata, as Logger wrote it before [level]: a field each (an integer typed).
    assert "request_id" not in docs[0]
    assert all((d["request_id"], d["user_id"]) == ("F7Hx2", 42) for d in docs[1:])
    for d in docs:  # Logger writes the time of day only (UTC here): the day is the clock's
        ts = datetime.fromisoformat(d["@timestamp"].replace("Z", "+00:00")).timestamp()
        assert t0 - 2 < ts < t1 + 2, d["@timestamp"]


CRASH_SCRIPT = """
defmodule Boom do
  use GenServer
  def init(s), do: {:ok, s}
  def handle_call(:crash, _from, s), do: raise "boom #{inspect(s)}"
end
require Logger
Logger.info("starting")
{:ok, pid} = GenServer.start(Boom, %{n: 1})
try do
  GenServer.call(pid, :crash)
catch
  :exit, _ -> :ok
end
Task.start(fn -> 1 / String.to_integer("0") end)
Process.sleep(300)
Logger.error("after the crashes\\nsecond line of its message")
Logger.flush()
"""


def _elixir_lines(script: str) -> list[str]:
    """What a real Elixir writes running `script` (its standard output, in UTC)."""
    if not shutil.which("elixir"):
        pytest.skip("needs elixir (scripts/setup.sh installs it)")
    r = subprocess.run(["elixir", "-e", script], capture_output=True, text=True, timeout=120, check=True,
                       env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "TZ": "UTC"})
    return r.stdout.splitlines()


def test_elixir_crash_reports_are_one_event_each_with_multiline_elixir():
    # A GenServer that raises and a Task that fails, in a real Elixir: Logger writes each crash
    # report under its line ("** (RuntimeError) …", the frames, the server's last message, state
    # and client, and the client's frames after a blank line).
    lines = _elixir_lines(CRASH_SCRIPT)
    assert any(ln.startswith("** (RuntimeError) boom") for ln in lines), lines
    # Without the preset: the Logger lines are read, and each line of the reports is dead-lettered
    # with a reason that names the preset.
    plain = ki.read_logs(lines)
    assert plain.stats["parsed"] == 4 and plain.stats["lines"] == len(lines)
    assert sum("--multiline elixir" in f["reason"] for f in plain.failed) >= 15
    # The others are named as unlike the Logger lines before them, with how to join such lines.
    other = [f for f in plain.failed if "--multiline " not in f["reason"]]
    assert {f["line"] for f in other} == {"State: %{n: 1}", "second line of its message"}
    assert all("unlike the ones before it in this input (ELIXIRLOG)" in f["reason"] for f in other), other
    res = ki.read_logs(lines, multiline="elixir")
    assert res.failed == [] and res.stats["parsed"] == 4 and res.stats["lines"] == len(lines)
    docs = res.records
    assert {d["kafkainsight"]["recipe"] for d in docs} == {"ELIXIRLOG"}
    assert [d["log"]["level"] for d in docs] == ["info", "error", "error", "error"]
    server, task = docs[1], docs[2]
    assert server["message"].startswith("GenServer #PID<") and server["message"].endswith("> terminating")
    assert (server["error"]["type"], server["error"]["message"]) == ("RuntimeError", "boom %{n: 1}")
    trace = server["error"]["stack_trace"]
    assert trace.startswith("** (RuntimeError)") and "Boom.handle_call/3" in trace and "State: %{n: 1}" in trace
    assert "gen.erl" in trace.split("is alive", 1)[1]  # the client's frames, after the blank line
    assert task["error"]["type"] == "ArithmeticError" and "Function: #Function<" in task["error"]["stack_trace"]
    assert docs[3]["message"] == "after the crashes\nsecond line of its message" and "error" not in docs[3]


COLOURED = """
Application.put_env(:elixir, :ansi_enabled, true)
require Logger
Logger.configure_backend(:console, colors: [enabled: true])
Logger.error("card declined")
Logger.warning("disk almost full")
Logger.info("started")
Logger.flush()
"""


def test_elixir_logger_in_colour():
    # Logger's colours on (a terminal's, or a container's with a TTY): each record wrapped in ANSI
    # codes, the opening one on a line of its own. The records read as without colours; the lines
    # of codes alone count as empty.
    lines = _elixir_lines(COLOURED)
    assert sum("\x1b[" in line for line in lines) >= 3, lines
    res = ki.read_logs(lines)
    assert (res.stats["parsed"], res.stats["failed"]) == (3, 0), res.failed
    assert res.stats["parsed"] + res.stats["empty"] == len(lines)
    assert [(d["log"]["level"], d["message"]) for d in res.records] == [
        ("error", "card declined"), ("warning", "disk almost full"), ("info", "started")]
