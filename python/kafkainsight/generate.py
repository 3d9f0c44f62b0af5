"""flog-compatible fake log generation (the C++ generator)."""
from __future__ import annotations

from typing import Any

from . import _core
from ._options import parse_duration, parse_tz


def generate(
    format: str = "apache_common",
    number: int | None = None,
    *,
    bytes: int = 0,
    output: str | None = None,
    type: str | None = None,
    sleep: str | float = 0,
    delay: str | float = 0,
    loop: bool = False,
    seed: int = 0,
    start: int = -1,
    tz: str | int | None = None,
) -> dict[str, Any]:
    """Write flog-format lines to a file (``type`` log or gz) or stdout; returns counts.

    Mirrors flog's flags: -f format, -n number, -b bytes, -o output, -t type, -s sleep,
    -d delay, -l loop; plus ``seed`` (same seed, same lines) and ``start`` (epoch seconds
    of the first event; default now).
    """
    if type is None:
        type = "stdout" if not output or output == "-" else ("gz" if output.endswith(".gz") else "log")
    if type not in ("stdout", "log", "gz"):
        raise ValueError(f"{type} is not a valid log type (stdout, log, gz)")
    if number is None:  # flog: -b counts only when -n is not given
        number = 0 if bytes else 1000
    if number < 0 or bytes < 0:
        raise ValueError("number and bytes can not be negative")
    if type != "stdout" and not output:
        output = "generated.log"
    return _core.generate(_config(format, seed, start, sleep, tz), number, bytes, output or "", type,
                          parse_duration(delay), loop)


def generate_lines(format: str = "apache_common", number: int = 10, *, seed: int = 0, start: int = -1,
                   sleep: str | float = 0, tz: str | int | None = None) -> list[str]:
    """``number`` generated lines as a list (for notebooks and tests)."""
    return _core.generate_lines(_config(format, seed, start, sleep, tz), number)


def _config(format: str, seed: int, start: int, sleep: str | float, tz: str | int | None) -> _core.GeneratorConfig:
    c = _core.GeneratorConfig()
    c.format = format  # ValueError for an unknown format or auto
    c.seed = seed
    c.start_epoch_sec = start
    c.interval_ns = int(parse_duration(sleep) * 1e9)
    c.tz_offset_min = parse_tz(tz)
    return c
