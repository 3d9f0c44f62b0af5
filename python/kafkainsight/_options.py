"""Small option converters shared by the Python API and the CLI."""
from __future__ import annotations

import re

_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(ns|us|µs|ms|s|m|h)?\s*$")
_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(text: str | float | int) -> float:
    """Seconds from '10', '0.5', '20ms', '5s', '1m' (flog's -s / -d: default unit seconds)."""
    if isinstance(text, (int, float)):
        if text < 0:
            raise ValueError("a duration must not be negative")
        return float(text)
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"bad duration {text!r}: expected e.g. 10, 0.5, 20ms, 5s, 1m")
    return float(m.group(1)) * _UNIT[m.group(2)]


def parse_tz(tz: str | int | None) -> int:
    """UTC offset in minutes from '+08:00', '-0530', 'UTC', 'Z' or minutes as int."""
    if tz is None:
        return 0
    if isinstance(tz, int):
        return tz
    t = tz.strip()
    if t.upper() in ("UTC", "Z", "GMT", ""):
        return 0
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", t)
    if not m:
        raise ValueError(f"bad time zone {tz!r}: expected +08:00, -0530 or UTC")
    minutes = int(m.group(2)) * 60 + int(m.group(3))
    return -minutes if m.group(1) == "-" else minutes


def grok_config(grok: str | list[str] | tuple[str, ...] | None = None, patterns_dir: str | None = None,
                time_format: str | None = None):
    """_core.GrokConfig from the grok keywords (one pattern or a list, tried in order)."""
    from . import _core
    g = _core.GrokConfig()
    g.patterns = [grok] if isinstance(grok, str) else list(grok or [])
    g.patterns_dir = str(patterns_dir or "")
    g.time_format = time_format or ""
    return g


def multiline_config(multiline_start: str | None = None, multiline: str | None = None,
                     multiline_max_lines: int | None = None, multiline_max_bytes: int | None = None,
                     multiline_flush: float | None = None):
    """_core.MultilineConfig from the multi-line keywords (None: the C++ default)."""
    from . import _core
    m = _core.MultilineConfig()
    m.start, m.preset = multiline_start or "", multiline or ""
    if multiline_max_lines is not None:
        m.max_lines = int(multiline_max_lines)
    if multiline_max_bytes is not None:
        m.max_bytes = int(multiline_max_bytes)
    if multiline_flush is not None:
        m.flush_ms = int(float(multiline_flush) * 1000)
    return m
