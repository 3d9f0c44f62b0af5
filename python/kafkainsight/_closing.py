"""`with obj:` closes obj at the end: the one context-manager protocol of the package's resources."""
from __future__ import annotations

from typing import Any


class Closing:
    """Subclasses define ``close()``; ``with`` returns the object itself and closes it on the way out."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
