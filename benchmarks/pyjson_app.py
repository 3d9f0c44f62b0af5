"""The Python side of the app_json benchmark: json.loads + the same field mapping as the C++
core (time, level, message, logger by the common libraries' names; dotted names nested;
json.dumps), one line at a time. Also writes the benchmark's input (a fixed mix of pino, zap,
python-json-logger and ECS-logging lines)."""
from __future__ import annotations

import json
import random
from datetime import datetime, timezone

TIME = ("@timestamp", "timestamp", "time", "ts", "@t", "timeMillis", "asctime")
LEVEL = ("log.level", "level", "levelname", "@l", "severity")
MESSAGE = ("message", "msg", "@m", "event")
LOGGER = ("log.logger", "logger", "logger_name", "loggerName", "name")
PINO = {10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal"}
SEV = {"trace": 7, "debug": 7, "info": 6, "warn": 4, "warning": 4, "error": 3, "fatal": 2, "critical": 2}


def write_input(path: str, n: int, seed: int = 42) -> None:
    rnd = random.Random(seed)
    t = 1700000000.0
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            t += 0.01
            k = i % 4
            lvl = rnd.choice(("info", "info", "info", "warn", "error", "debug"))
            if k == 0:
                d = {"level": {"info": 30, "warn": 40, "error": 50, "debug": 20}[lvl], "time": int(t * 1000),
                     "pid": 4242, "hostname": "api-1", "req": {"id": i, "method": "GET", "url": f"/v1/items/{i % 977}"},
                     "msg": "request completed", "responseTime": rnd.randint(1, 900)}
            elif k == 1:
                d = {"level": lvl, "ts": round(t, 6), "logger": "http", "caller": "server/handler.go:118",
                     "msg": "slow request", "latency": rnd.random(), "status": rnd.choice((200, 200, 404, 503))}
            elif k == 2:
                d = {"asctime": datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M:%S,%f")[:-3],
                     "levelname": lvl.upper(), "name": "shop.checkout", "message": f"order {i} placed",
                     "order_id": i, "total": round(rnd.random() * 100, 2)}
            else:
                d = {"@timestamp": datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds")
                     .replace("+00:00", "Z"), "log.level": lvl, "message": "cache miss",
                     "ecs.version": "1.6.0", "service.name": "catalog", "event.dataset": "catalog.log",
                     "log": {"logger": "cache", "origin": {"file": {"name": "cache.py", "line": 88}}}}
            f.write(json.dumps(d, separators=(",", ":")) + "\n")


def _flatten(prefix: str, obj: dict, out: dict) -> None:
    for k, v in obj.items():
        name = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            _flatten(name, v, out)
        else:
            out[name] = v


def _time(v):
    if isinstance(v, (int, float)):
        x = float(v)
        return datetime.fromtimestamp(x / 1000 if x > 1e11 else x, timezone.utc).isoformat()
    if isinstance(v, str):
        try:
            return datetime.fromisoformat(v.replace(",", ".").replace("Z", "+00:00")).isoformat()
        except ValueError:
            return None
    return None


def _nest(flat: dict) -> dict:
    doc: dict = {}
    for name, v in flat.items():
        parts = name.split(".")
        cur = doc
        for p in parts[:-1]:
            nxt = cur.setdefault(p, {})
            if not isinstance(nxt, dict):
                nxt = cur.setdefault("_" + p, {})
            cur = nxt
        cur[parts[-1]] = v
    return doc


def map_line(line: str) -> str | None:
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    flat: dict = {}
    _flatten("", obj, flat)
    out: dict = {}
    for names, key in ((TIME, "@timestamp"), (LEVEL, "log.level"), (MESSAGE, "message"), (LOGGER, "log.logger")):
        for n in names:
            if n in flat:
                v = flat.pop(n)
                if key == "@timestamp":
                    v = _time(v)
                elif key == "log.level" and isinstance(v, int):
                    v = PINO.get(v, str(v))
                if v is not None:
                    out[key] = v
                    break
    lvl = out.get("log.level")
    if isinstance(lvl, str) and lvl.lower() in SEV:
        out["event.severity"] = SEV[lvl.lower()]
    out["kafkainsight.format"] = "app_json"
    for k, v in flat.items():
        out.setdefault(k, v)
    return json.dumps(_nest(out), separators=(",", ":"))


def run(path: str) -> tuple[int, int]:
    """(lines, parsed), writing nothing (as ours writes to /dev/null)."""
    n = ok = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            n += 1
            if map_line(line) is not None:
                ok += 1
    return n, ok
