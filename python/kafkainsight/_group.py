"""What Consumer and Watcher share: a run of a C++ consumer-group pipeline (the GIL released),
which stop() ends from another thread and Ctrl-C ends with its stats kept."""
from __future__ import annotations

from typing import Any


class GroupMember:
    _running: Any = None
    last_stats: Any = None

    def _run(self, pipe: Any, stats_cls: Any, *args: Any) -> Any:
        """pipe.run(*args) -> stats_cls; the stats are kept in last_stats before a Ctrl-C is re-raised."""
        self._running = pipe
        try:
            st = pipe.run(*args)
        finally:
            self._running = None
        self.last_stats = stats_cls._from_core(st)
        if pipe.keyboard_interrupt:
            raise KeyboardInterrupt
        return self.last_stats

    def stop(self) -> None:
        """Ask a running ``run()`` (in another thread) to stop: in-flight work finishes (the consumer
        commits what Elasticsearch acknowledged) and it returns."""
        if self._running is not None:
            self._running.request_stop()
