"""Where a relative file name given by the user is looked for (the CA file, ``--ca-certs``).

A relative path is tried against the working directory first, then against the project root:
the repository checkout this package runs from (``pyproject.toml`` next to
``python/kafkainsight``). An installed package has no project root; then only the working
directory counts. Resolved here, in Python, so the C++ core only ever sees absolute paths and a
missing file is reported with every absolute path that was tried.
"""
from __future__ import annotations

import os
from pathlib import Path

CA_HELP = ("copy Elasticsearch's config/certs/http_ca.crt there (see certificates/README.md), or pass "
           "--ca-fingerprint (printed by Elasticsearch on first start), or --insecure")


def project_root() -> Path | None:
    """The repository checkout holding this package, or None for an installed package."""
    pkg = Path(__file__).resolve().parent
    root = pkg.parent.parent
    if pkg.parent.name == "python" and (root / "pyproject.toml").is_file():
        return root
    return None


def candidates(path: str | os.PathLike) -> list[str]:
    """The absolute paths ``path`` may name, in the order they are tried."""
    p = Path(os.path.expanduser(os.fspath(path)))
    if p.is_absolute():
        return [str(p)]
    out = [os.path.abspath(p)]
    root = project_root()
    if root is not None:
        alt = str(root / p)
        if alt not in out:
            out.append(alt)
    return out


def find_file(path: str | os.PathLike) -> tuple[str | None, list[str]]:
    """(the first candidate that is a file, or None; every candidate tried)."""
    tried = candidates(path)
    for c in tried:
        if os.path.isfile(c):
            return c, tried
    return None, tried


class CAFileNotFoundError(FileNotFoundError):
    """The CA file is not at any of the places tried (``tried``: absolute paths)."""

    def __init__(self, path: str, tried: list[str], help: str = CA_HELP):
        self.path, self.tried = path, tried
        super().__init__(f"CA file '{path}' not found (tried {', '.join(tried)}): {help}")

    def __str__(self) -> str:  # FileNotFoundError's own str() would prefix "[Errno ...]"
        return self.args[0]


def resolve_ca_file(path: str | os.PathLike, help: str = CA_HELP) -> str:
    """The absolute path of the CA file ``path``; CAFileNotFoundError naming every path tried."""
    found, tried = find_file(path)
    if found is None:
        raise CAFileNotFoundError(os.fspath(path), tried, help)
    return found
