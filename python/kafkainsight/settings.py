"""Settings resolution: command-line flag, then environment variable, then `.env`, then default.

`.env` is read as data (python-dotenv's parser: no shell, nothing executed, and no `${VAR}`
expansion: a password containing `${` is kept as written). A `.env` that other users can read
gets a warning, since it usually holds passwords. The default `.env` may be absent; a file named
with --env-file must exist (check_env_file).
"""
from __future__ import annotations

import os
import stat
import sys
import warnings
from typing import Mapping

from .config import ENV_DEFAULTS

DEFAULTS = ENV_DEFAULTS  # environment variable -> default, from the one settings table (config.py)


def load_dotenv_file(path: str = ".env") -> dict[str, str]:
    if not os.path.isfile(path):
        return {}
    mode = os.stat(path).st_mode
    if mode & (stat.S_IROTH | stat.S_IWOTH):
        warnings.warn(f"{path} is readable by other users (mode {stat.filemode(mode)}); "
                      f"it may hold secrets: chmod 600 {path}", stacklevel=2)
    from dotenv import dotenv_values
    try:
        values = dotenv_values(path, interpolate=False)
    except UnicodeDecodeError as e:  # python-dotenv reads UTF-8; say which file, not a traceback
        raise ValueError(f"{path}: not valid UTF-8 at byte {e.start} ({e.reason}); save it as UTF-8") from None
    return {k: v for k, v in values.items() if v is not None}


def check_env_file(path: str) -> None:
    """A file the user named (--env-file) must exist: a typo would otherwise drop every value in it."""
    if not os.path.exists(path):
        raise ValueError(f"--env-file {path}: no such file")
    if os.path.isdir(path):
        raise ValueError(f"--env-file {path}: is a directory")


class Settings:
    """Looks an environment variable up in: explicit value, os.environ, .env, DEFAULTS.
    (The CLI resolves whole commands with config.resolve, which uses lookup().)"""

    def __init__(self, env_file: str = ".env", environ: Mapping[str, str] | None = None):
        self._env = os.environ if environ is None else environ
        self._dotenv = load_dotenv_file(env_file)

    def lookup(self, name: str) -> str | None:
        """The environment's value, else .env's, else None (an empty value counts as unset)."""
        if name in self._env and self._env[name] != "":
            return self._env[name]
        if name in self._dotenv and self._dotenv[name] != "":
            return self._dotenv[name]
        return None

    def get(self, name: str, explicit: str | None = None, default: str | None = None) -> str | None:
        if explicit is not None:
            return explicit
        found = self.lookup(name)
        if found is not None:
            return found
        return DEFAULTS.get(name, default) if default is None else default


def parse_properties(pairs: list[str] | None) -> dict[str, str]:
    """-X key=value pairs (as kcat takes them) into a dict; a clear error if malformed."""
    out: dict[str, str] = {}
    for p in pairs or []:
        if "=" not in p:
            raise ValueError(f"-X {p!r}: expected key=value, e.g. -X security.protocol=SSL")
        k, v = p.split("=", 1)
        out[k.strip()] = v
    return out


def is_tty(stream=sys.stderr) -> bool:
    return hasattr(stream, "isatty") and stream.isatty()
