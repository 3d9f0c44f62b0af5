"""What the benchmark reports say about the machine they ran on."""
from __future__ import annotations

import datetime as _dt
import os
import platform


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def cpu_pressure() -> str:
    """Linux PSI: % of time some runnable task waited for a CPU (other users of this machine)."""
    try:
        with open("/proc/pressure/cpu") as f:
            some = f.readline().split()
        vals = dict(x.split("=") for x in some[1:])
        return f"{float(vals['avg60']):.0f}% (avg60), {float(vals['avg300']):.0f}% (avg300)"
    except (OSError, ValueError, KeyError, IndexError):
        return "n/a"


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def machine_meta(versions: dict, **extra) -> dict:
    """The report's header facts: when, on what, how busy the machine was, which versions."""
    return {"date": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"), "cpu": cpu_model(),
            "cores": os.cpu_count(), "load": loadavg(), "psi": cpu_pressure(),
            "os": f"{platform.system()} {platform.release()}", "versions": versions, **extra}


def end_meta(meta: dict) -> None:
    """How busy the machine was at the end of the runs."""
    meta["load_end"] = loadavg()
    meta["psi_end"] = cpu_pressure()
