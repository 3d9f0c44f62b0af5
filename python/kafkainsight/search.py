"""Elasticsearch / OpenSearch back into a DataFrame: ``ki.search(url, index, query=...)``."""
from __future__ import annotations

import json
from typing import Any, Sequence

from . import _core
from .logs import LogResult, _in_notebook


def search(url: str, index: str, query: dict | str | None = None, fields: Sequence[str] | None = None, *,
           user: str = "elastic", password: str = "", api_key: str = "", ca_certs: str = "",
           insecure: bool = False, max_rows: int | None = 1_000_000, page_size: int = 5000,
           slices: int = 1, compress: bool = False, timeout: float = 60.0,
           progress: bool | None = None) -> LogResult:
    """Every document of ``index`` that ``query`` (Query DSL, a dict or JSON text; default
    ``match_all``) matches, as a ``LogResult``: ``to_arrow()`` / ``to_pandas()`` / ``records`` with
    ``_index``, ``_id`` and the ``_source`` fields (``fields`` picks some) as dotted columns.

    Read in C++ by scroll (Elasticsearch 8 and OpenSearch alike) over the consumer's HTTP client
    (TLS verified against ``ca_certs``, basic auth or ``api_key``): ``slices`` sliced scrolls at once
    (the engine reads them in parallel; 1: one plain scroll), each page asked for as soon as the
    previous one arrived. Rows come in a fixed order (page by page, slice by slice), which is not
    the index order when ``slices`` > 1. ``compress`` asks for gzipped responses (worth it on a slow
    network; on a fast one the engine's CPU is the limit). A missing index or a query the
    engine rejects raises ``ValueError`` naming the index and the engine's reason; a query matching
    more than ``max_rows`` documents raises before anything is downloaded (``None``: no limit).
    ``progress`` shows a tqdm bar (default: in Jupyter).
    """
    cfg = _core.ClientConfig()
    cfg.url, cfg.ca_path, cfg.timeout_ms = url, ca_certs or "", int(timeout * 1000)
    cfg.user, cfg.password, cfg.api_key, cfg.insecure = user, password, api_key, insecure
    q = query if isinstance(query, str) or query is None else json.dumps(query)
    bar = None
    if progress or (progress is None and _in_notebook()):
        from tqdm.auto import tqdm
        bar = tqdm(unit="docs", desc=f"search {index}")

    def step(rows: int, total: int):
        if bar is not None:
            if total >= 0 and bar.total != total:
                bar.total = total
            bar.update(rows - bar.n)

    try:
        core = _core.search_table(cfg, index, q or "", list(fields or []), page_size,
                                  -1 if max_rows is None else max_rows, slices, compress,
                                  step if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
    return LogResult(core)


__all__ = ["search"]
