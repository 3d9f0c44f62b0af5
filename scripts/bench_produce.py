#!/usr/bin/env python3
"""Entry point kept for the docs: the code lives in benchmarks/produce.py (shared with scripts/bench.sh)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.produce import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
